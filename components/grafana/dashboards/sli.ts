import { SLO } from "../../../catalog";
import { SERVICES_JOB } from "../../prometheus/rules";

/**
 * The services' SLIs as the recording and alerting rules of components/prometheus/rules/services.ts define them:
 * over a user's requests (the services' job without the probe and scrape routes), per service, over 5 minutes.
 */

/** The selector of a user's requests, narrowed by `extra` matchers. */
export const requests = (...extra: string[]): string => [`job="${SERVICES_JOB}"`, `route!~"${SLO.excludedRoutes.join("|")}"`, ...extra].join(", ");

/** The services' job, narrowed by `extra` matchers (for the metrics that have no route). */
export const servicesJob = (...extra: string[]): string => [`job="${SERVICES_JOB}"`, ...extra].join(", ");

/** The recorded share of 5xx answers over `window` (one of the burn-rate windows), by service and namespace. */
export const errorRatio = (window: string): string => `service:http_request_errors:ratio_rate${window}`;

/** The recorded share of requests slower than the latency objective's bucket, over 5 minutes. */
export const SLOW_RATIO = "service:http_request_slow:ratio_rate5m";

/** The share of requests the availability objective lets fail: 0.001 for 99.9 %. */
export const ERROR_BUDGET = Number((1 - SLO.availability).toFixed(6));

/** The share of requests the latency objective lets be slow: 0.05 for 95 % within 300 ms. */
export const SLOW_BUDGET = Number((1 - SLO.latency.within).toFixed(6));

/** The windows the burn-rate alerts read, long ones first, with the factor each alerts at. */
export const BURN_WINDOWS = SLO.burnRates.map((b) => ({ window: b.long, factor: b.factor }));

/** The `q` quantile of the request duration per service, over 5 minutes (the high_latency alert's). */
export const latencyQuantile = (q: number, ...extra: string[]): string =>
  `histogram_quantile(${q}, sum by (service, le) (rate(http_request_duration_bucket{${requests(...extra)}}[5m])))`;

/** The high_error_rate and high_latency alerts' thresholds (service_metrics.json). */
export const ERROR_RATIO_ALERT = 0.01;
export const LATENCY_ALERT_SECONDS = 1;

/** The EventLoopLagHigh alert's threshold. */
export const EVENT_LOOP_LAG_ALERT_SECONDS = 0.5;

/** circuit_breaker_state's values, as app/src/metrics.ts sets them. */
export const BREAKER_STATE_VALUES = { closed: 0, open: 1, half_open: 2 } as const;

/** The breaker states by value, named and coloured. */
export const BREAKER_STATES = {
  [BREAKER_STATE_VALUES.closed]: { text: "closed", color: "green" },
  [BREAKER_STATE_VALUES.open]: { text: "open", color: "red" },
  [BREAKER_STATE_VALUES.half_open]: { text: "half-open", color: "yellow" },
};
