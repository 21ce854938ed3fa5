import { SLO } from "../../../catalog";
import { ProvisionedDashboard, Section, ThresholdStep, buildDashboard, graph, labelVariable, singleStat, stateTimeline, states } from "./panels";
import {
  BREAKER_STATES,
  BURN_WINDOWS,
  ERROR_BUDGET,
  ERROR_RATIO_ALERT,
  EVENT_LOOP_LAG_ALERT_SECONDS,
  LATENCY_ALERT_SECONDS,
  SLOW_BUDGET,
  SLOW_RATIO,
  errorRatio,
  latencyQuantile,
  requests,
  servicesJob,
} from "./sli";

export const SERVICES_DASHBOARD_UID = "services";

const SELECTED = 'service=~"$service"';
const percent = (share: number) => `${Number((share * 100).toFixed(3))} %`;

/** A line at each factor a burn-rate alert fires at: the highest pages at once. */
function burnThresholds(): ThresholdStep[] {
  const factors = [...new Set(BURN_WINDOWS.map((b) => b.factor))].sort((a, b) => a - b);
  return [["green"], ...factors.map((factor): ThresholdStep => [factor, factor === factors[factors.length - 1] ? "red" : "orange"])];
}

/** Per service: its SLIs and error budget, its processes' saturation, its circuit breakers. */
export function servicesDashboard(): ProvisionedDashboard {
  const longestWindow = BURN_WINDOWS[BURN_WINDOWS.length - 1].window;
  const sections: Section[] = [
    {
      title: "Service level indicators",
      tiles: [
        graph({
          title: "Request rate",
          description: "Requests per second per service, probes and scrapes left out.",
          queries: [{ expr: `sum by (service) (rate(http_requests_total{${requests(SELECTED)}}[$__rate_interval]))`, legend: "{{service}}" }],
          unit: "reqps",
          min: 0,
          w: 12,
          h: 8,
        }),
        graph({
          title: "5xx error ratio",
          description: `Share of requests answered 5xx over 5 minutes (recording rule ${errorRatio("5m")}). Lines: the ${percent(ERROR_BUDGET)} the objective allows and the ${percent(ERROR_RATIO_ALERT)} of the high_error_rate alert.`,
          queries: [{ expr: `${errorRatio("5m")}{${SELECTED}}`, legend: "{{service}}" }],
          unit: "percentunit",
          min: 0,
          thresholds: [["green"], [ERROR_BUDGET, "orange"], [ERROR_RATIO_ALERT, "red"]],
          w: 12,
          h: 8,
        }),
        graph({
          title: "Latency p95 / p99",
          description: `Request duration quantiles over 5 minutes; the line is the high_latency alert's ${LATENCY_ALERT_SECONDS} s on p95.`,
          queries: [
            { expr: latencyQuantile(0.95, SELECTED), legend: "{{service}} p95" },
            { expr: latencyQuantile(0.99, SELECTED), legend: "{{service}} p99" },
          ],
          unit: "s",
          min: 0,
          thresholds: [["green"], [LATENCY_ALERT_SECONDS, "red"]],
          w: 12,
          h: 8,
        }),
        graph({
          title: `Requests slower than ${Number(SLO.latency.le) * 1000} ms`,
          description: `Share of requests slower than the latency objective's bucket over 5 minutes (recording rule ${SLOW_RATIO}); the objective allows ${percent(SLOW_BUDGET)}.`,
          queries: [{ expr: `${SLOW_RATIO}{${SELECTED}}`, legend: "{{service}}" }],
          unit: "percentunit",
          min: 0,
          thresholds: [["green"], [SLOW_BUDGET, "red"]],
          w: 12,
          h: 8,
        }),
      ],
    },
    {
      title: `Error budget (${percent(SLO.availability)} availability)`,
      tiles: [
        graph({
          title: "Error budget burn rate",
          description: `The 5xx ratio over each window the burn-rate alerts read, as a multiple of the ${percent(ERROR_BUDGET)} budget: 1 spends a 30-day budget in 30 days. Lines: ${BURN_WINDOWS.map((b) => `${b.factor}× over ${b.window}`).join(", ")} (ErrorBudgetBurn).`,
          queries: BURN_WINDOWS.map((b) => ({ expr: `${errorRatio(b.window)}{${SELECTED}} / ${ERROR_BUDGET}`, legend: `{{service}} ${b.window}` })),
          min: 0,
          decimals: 2,
          thresholds: burnThresholds(),
          w: 16,
          h: 8,
        }),
        singleStat({
          title: `Availability over ${longestWindow}`,
          description: `Share of requests not answered 5xx over ${longestWindow}, against the ${percent(SLO.availability)} objective.`,
          queries: [{ expr: `1 - ${errorRatio(longestWindow)}{${SELECTED}}`, legend: "{{service}}" }],
          unit: "percentunit",
          decimals: 3,
          thresholds: [["red"], [SLO.availability, "green"]],
          w: 8,
          h: 8,
        }),
      ],
    },
    {
      title: "Saturation",
      tiles: [
        graph({
          title: "CPU per pod",
          description: "CPU seconds per second each service process uses.",
          queries: [{ expr: `sum by (service, pod) (rate(process_cpu_seconds_total{${servicesJob(SELECTED)}}[$__rate_interval]))`, legend: "{{pod}}" }],
          unit: "short",
          min: 0,
          w: 8,
          h: 8,
        }),
        graph({
          title: "Resident memory per pod",
          queries: [{ expr: `sum by (service, pod) (process_resident_memory_bytes{${servicesJob(SELECTED)}})`, legend: "{{pod}}" }],
          unit: "bytes",
          min: 0,
          w: 8,
          h: 8,
        }),
        graph({
          title: "Event loop lag p99",
          description: `The 99th percentile of each process's event loop lag; above ${EVENT_LOOP_LAG_ALERT_SECONDS * 1000} ms for 10 minutes fires EventLoopLagHigh.`,
          queries: [{ expr: `max by (service, pod) (nodejs_eventloop_lag_p99_seconds{${servicesJob(SELECTED)}})`, legend: "{{pod}}" }],
          unit: "s",
          min: 0,
          thresholds: [["green"], [EVENT_LOOP_LAG_ALERT_SECONDS, "red"]],
          w: 8,
          h: 8,
        }),
      ],
    },
    {
      title: "Circuit breakers",
      tiles: [
        stateTimeline({
          title: "Circuit breaker state",
          description: "Each service's breaker per dependency: closed, open (calls fail fast to the fallback), half-open (trial calls).",
          queries: [{ expr: `max by (service, dependency) (circuit_breaker_state{${servicesJob(SELECTED)}})`, legend: "{{service}} → {{dependency}}" }],
          mappings: [states(BREAKER_STATES)],
          thresholds: [["green"]],
          w: 16,
          h: 8,
        }),
        singleStat({
          title: "Breakers now",
          queries: [{ expr: `max by (service, dependency) (circuit_breaker_state{${servicesJob(SELECTED)}})`, legend: "{{service}} → {{dependency}}" }],
          mappings: [states(BREAKER_STATES)],
          thresholds: [["green"]],
          w: 8,
          h: 8,
        }),
      ],
    },
  ];
  return buildDashboard({
    uid: SERVICES_DASHBOARD_UID,
    title: "Service Health",
    description: "The eight services' SLIs, error budget, saturation and circuit breakers.",
    variables: [labelVariable("service", "Service", `http_requests_total{${servicesJob()}}`)],
    sections,
  });
}
