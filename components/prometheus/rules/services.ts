import { PROMETHEUS, SLO } from "../../../catalog";
import { plainValue } from "../../jaeger/sampling";
import { RuleGroup, Severity, alertRule } from "./types";

/** The `for` and severity service_metrics.json gives each of its alerts. */
const specAlert = (name: string) => {
  const rules = (plainValue(PROMETHEUS.serviceMetrics) as { alerting_rules: Record<string, { for: string; severity: Severity }> }).alerting_rules;
  return { for: rules[name].for, severity: rules[name].severity };
};

/** The services' scrape job (the spec's). */
export const SERVICES_JOB = "microservices";

/** A user's requests: the services' job without the probe and scrape routes. */
const requests = (extra = "") => `job="${SERVICES_JOB}", route!~"${SLO.excludedRoutes.join("|")}"${extra ? `, ${extra}` : ""}`;
const BY = "service, namespace";
const errorRatio = (window: string) => `service:http_request_errors:ratio_rate${window}`;
const WINDOWS = [...new Set(SLO.burnRates.flatMap((b) => [b.long, b.short]))];

/** Per service, the share of its requests answered 5xx over each window the burn-rate alerts read. */
export function serviceRecordingRules(): RuleGroup {
  return {
    name: "microservices-sli",
    rules: [
      ...WINDOWS.map((w) => ({
        record: errorRatio(w),
        expr: `sum by (${BY}) (rate(http_requests_total{${requests('status_code=~"5.."')}}[${w}])) / sum by (${BY}) (rate(http_requests_total{${requests()}}[${w}]))`,
      })),
      {
        record: "service:http_request_slow:ratio_rate5m",
        expr: `1 - sum by (${BY}) (rate(http_request_duration_bucket{${requests(`le="${SLO.latency.le}"`)}}[5m])) / sum by (${BY}) (rate(http_request_duration_count{${requests()}}[5m]))`,
      },
    ],
  };
}

/**
 * The services' alerts: service_metrics.json's two, with its `for` and severity, as it means them (a ratio of a
 * user's requests; a quantile per service), then the SLO's, breakers, targets, restarts and CPU starvation.
 */
export function serviceAlerts(runbook: string): RuleGroup {
  const budget = 1 - SLO.availability;
  const burn = (severity: "critical" | "warning") =>
    SLO.burnRates
      .filter((b) => b.severity === severity)
      .map((b) => `(${errorRatio(b.long)} > ${b.factor * budget} and ${errorRatio(b.short)} > ${b.factor * budget})`)
      .join(" or ");
  const slowShare = Number((1 - SLO.latency.within).toFixed(4));
  return {
    name: "microservices",
    rules: [
      alertRule(runbook, {
        alert: "high_error_rate",
        expr: `sum by (${BY}) (rate(http_requests_total{${requests('status_code=~"5.."')}}[5m])) / sum by (${BY}) (rate(http_requests_total{${requests()}}[5m])) > 0.01`,
        ...specAlert("high_error_rate"),
        summary: "{{ $labels.service }} answers more than 1 % of requests with 5xx",
        description: "Over the last 5 minutes more than 1 % of {{ $labels.service }}'s requests (probes and scrapes aside) failed with a 5xx status.",
      }),
      alertRule(runbook, {
        alert: "high_latency",
        expr: `histogram_quantile(0.95, sum by (${BY}, le) (rate(http_request_duration_bucket{${requests()}}[5m]))) > 1`,
        ...specAlert("high_latency"),
        summary: "{{ $labels.service }}'s p95 latency is above 1 s",
        description: "The 95th percentile of {{ $labels.service }}'s request duration over 5 minutes is above 1 second.",
      }),
      alertRule(runbook, {
        alert: "ErrorBudgetBurn",
        expr: burn("critical"),
        severity: "critical",
        summary: "{{ $labels.service }} burns its error budget fast",
        description: `{{ $labels.service }}'s 5xx ratio is at least 6 times what the ${SLO.availability * 100} % availability objective allows, over both a long and a short window: at this rate a 30-day budget is gone within days.`,
      }),
      alertRule(runbook, {
        alert: "ErrorBudgetBurn",
        expr: burn("warning"),
        severity: "warning",
        summary: "{{ $labels.service }} burns its error budget",
        description: `{{ $labels.service }}'s 5xx ratio has been above what the ${SLO.availability * 100} % availability objective allows for three days (and still is over six hours).`,
      }),
      alertRule(runbook, {
        alert: "LatencyObjectiveMissed",
        expr: `service:http_request_slow:ratio_rate5m > ${slowShare}`,
        for: "10m",
        severity: "warning",
        summary: `{{ $labels.service }} answers more than ${slowShare * 100} % of requests slower than ${Number(SLO.latency.le) * 1000} ms`,
        description: `Fewer than ${SLO.latency.within * 100} % of {{ $labels.service }}'s requests finished within ${Number(SLO.latency.le) * 1000} ms over 5 minutes, for 10 minutes.`,
      }),
      alertRule(runbook, {
        alert: "CircuitBreakerOpen",
        expr: `max by (${BY}, dependency) (circuit_breaker_state{job="${SERVICES_JOB}"}) == 1`,
        for: "1m",
        severity: "warning",
        summary: "{{ $labels.service }}'s breaker to {{ $labels.dependency }} is open",
        description: "{{ $labels.service }} stopped calling {{ $labels.dependency }} after repeated failures and answers from its fallback.",
      }),
      alertRule(runbook, {
        alert: "ServiceTargetDown",
        expr: `up{job="${SERVICES_JOB}"} == 0`,
        for: "2m",
        severity: "warning",
        summary: "Prometheus cannot scrape {{ $labels.pod }} of {{ $labels.service }}",
        description: "The pod {{ $labels.pod }} of {{ $labels.service }} has not answered a scrape for 2 minutes.",
      }),
      alertRule(runbook, {
        alert: "ServiceUnavailable",
        expr: `sum by (${BY}) (up{job="${SERVICES_JOB}"}) == 0`,
        for: "1m",
        severity: "critical",
        summary: "No pod of {{ $labels.service }} answers",
        description: "Every pod of {{ $labels.service }} in {{ $labels.namespace }} has failed its scrapes for a minute: the service is down.",
      }),
      alertRule(runbook, {
        alert: "ServiceRestarting",
        expr: `changes(process_start_time_seconds{job="${SERVICES_JOB}"}[30m]) >= 3`,
        severity: "warning",
        summary: "{{ $labels.pod }} of {{ $labels.service }} restarted 3 times in 30 minutes",
        description: "The process in {{ $labels.pod }} started again at least three times within 30 minutes: it is crash-looping or being killed.",
      }),
      alertRule(runbook, {
        alert: "EventLoopLagHigh",
        expr: `nodejs_eventloop_lag_p99_seconds{job="${SERVICES_JOB}"} > 0.5`,
        for: "10m",
        severity: "warning",
        summary: "{{ $labels.pod }} of {{ $labels.service }} is CPU-starved",
        description: "The 99th percentile of {{ $labels.pod }}'s event loop lag has been above 500 ms for 10 minutes: requests queue behind each other.",
      }),
    ],
  };
}
