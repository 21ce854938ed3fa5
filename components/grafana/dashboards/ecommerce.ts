import { businessQueries } from "./business";
import { ProvisionedDashboard, buildDashboard, graph, singleStat } from "./panels";
import { BREAKER_STATE_VALUES, ERROR_BUDGET, ERROR_RATIO_ALERT, LATENCY_ALERT_SECONDS, errorRatio, latencyQuantile, servicesJob } from "./sli";

export const ECOMMERCE_DASHBOARD_UID = "ecommerce";

/**
 * The design's "Ecommerce Microservices Dashboard" (its monitoring section) over the metrics that
 * exist: its saga, message-bus and inventory panels have no metric behind them, its histogram is the runtime's
 * `http_request_duration`, and its error ratio is the recorded one, probes and scrapes left out.
 */
export function ecommerceDashboard(): ProvisionedDashboard {
  return buildDashboard({
    uid: ECOMMERCE_DASHBOARD_UID,
    title: "Ecommerce Microservices Dashboard",
    description: "Orders, revenue and registrations next to the services' latency, errors and circuit breakers.",
    sections: [
      {
        title: "Business",
        tiles: [
          graph({
            title: "Order Processing Rate",
            description: "Orders per second: received, created and rejected.",
            queries: [
              { expr: `sum(rate(orders_per_second{${servicesJob()}}[$__rate_interval]))`, legend: "Orders received" },
              { ...businessQueries.orderRate(), legend: "Orders {{status}}" },
            ],
            unit: "suffix: orders/s",
            min: 0,
            w: 12,
            h: 8,
          }),
          graph({
            title: "Revenue per Minute",
            queries: [businessQueries.revenuePerMinute()],
            unit: "short",
            min: 0,
            w: 6,
            h: 8,
          }),
          graph({
            title: "User Registrations",
            queries: [businessQueries.registrationRate()],
            unit: "suffix: users/s",
            min: 0,
            w: 6,
            h: 8,
          }),
        ],
      },
      {
        title: "Services",
        tiles: [
          graph({
            title: "Service Response Times (p95)",
            queries: [{ expr: latencyQuantile(0.95), legend: "{{service}}" }],
            unit: "s",
            min: 0,
            thresholds: [["green"], [LATENCY_ALERT_SECONDS, "red"]],
            w: 9,
            h: 8,
          }),
          graph({
            title: "Service Error Rates",
            description: "Share of requests answered 5xx over 5 minutes, per service.",
            queries: [{ expr: errorRatio("5m"), legend: "{{service}}" }],
            unit: "percentunit",
            min: 0,
            thresholds: [["green"], [ERROR_BUDGET, "orange"], [ERROR_RATIO_ALERT, "red"]],
            w: 9,
            h: 8,
          }),
          singleStat({
            title: "Circuit Breakers Open",
            description: "Breakers currently open, over every service and dependency.",
            queries: [{ expr: `sum(circuit_breaker_state{${servicesJob()}} == bool ${BREAKER_STATE_VALUES.open})`, legend: "open" }],
            decimals: 0,
            thresholds: [["green"], [1, "red"]],
            w: 6,
            h: 8,
          }),
        ],
      },
    ],
  });
}
