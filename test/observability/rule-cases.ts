// promtool unit tests of the alert rules, as data: for every alert a case in which it fires (with the labels it
// must carry) and one in which it stays silent. test/observability/alert-rules.test.ts turns them into promtool's
// test file format, with each alert's annotations expected as the rendered rule writes them.

export interface Series {
  readonly series: string;
  /** promtool's expanding notation, one sample per minute: `0+6x60`, `1x30`, `0 0 1`. */
  readonly values: string;
}

export interface RuleCase {
  readonly alert: string;
  /** What the case shows: `fires` (the alerts listed in `expect`), or `silent` (none). */
  readonly kind: "fires" | "silent";
  readonly series: readonly Series[];
  /** When the alerts are checked, e.g. `90m`. */
  readonly at: string;
  /** The firing alerts' labels (severity included), one entry per alert. */
  readonly expect: readonly Readonly<Record<string, string>>[];
}

const labelText = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(", ")}}`;
const s = (metric: string, labels: Record<string, string>, values: string): Series => ({ series: `${metric}${labelText(labels)}`, values });

const SERVICE = { job: "microservices", namespace: "microservices", service: "order-service" };
const POD = { ...SERVICE, pod: "order-service-7d9f-abcde", instance: "10.244.0.7:8002" };
const PROMETHEUS = { job: "prometheus", instance: "localhost:9090" };
const ALERTMANAGER = { job: "alertmanager", namespace: "monitoring", pod: "alertmanager-6c8-xyz", instance: "10.244.0.9:9093" };
const GRAFANA = { job: "grafana", namespace: "monitoring", pod: "grafana-7c9-xyz", instance: "10.244.0.10:3000" };
const EVENTSTORE = { job: "eventstore", namespace: "data", pod: "eventstore-0", instance: "10.244.0.11:2113" };
const KONG = { job: "kong", namespace: "kong", pod: "kong-6d5-xyz", instance: "10.244.0.12:8100" };
const JAEGER = { job: "jaeger", namespace: "monitoring", pod: "jaeger-5f7-xyz", instance: "10.244.0.8:8888" };

/** A service's requests per minute: `ok` answered 200 on a user's route, `errors` answered 500, `probeErrors` 500s on /health. */
function requests(ok: number, errors: number, probeErrors = 0, minutes = 240): Series[] {
  const counter = (route: string, status: string, perMinute: number) =>
    s("http_requests_total", { ...POD, method: "GET", route, status_code: status }, `0+${perMinute}x${minutes}`);
  return [counter("/orders", "200", ok), counter("/orders", "500", errors), counter("/health", "500", probeErrors)];
}

/** A service's request durations per minute: `fast` within 0.1 s, `slow` between 1 and 3 s. */
function durations(fast: number, slow: number, minutes = 60): Series[] {
  const labels = { ...POD, method: "GET", route: "/orders", status_code: "200" };
  const bucket = (le: string, perMinute: number) => s("http_request_duration_bucket", { ...labels, le }, `0+${perMinute}x${minutes}`);
  return [
    ...["0.1", "0.3", "1"].map((le) => bucket(le, fast)),
    ...["3", "10", "+Inf"].map((le) => bucket(le, fast + slow)),
    s("http_request_duration_count", labels, `0+${fast + slow}x${minutes}`),
  ];
}

const service = { namespace: SERVICE.namespace, service: SERVICE.service };

export const RULE_CASES: readonly RuleCase[] = [
  { alert: "Watchdog", kind: "fires", series: [], at: "1m", expect: [{ severity: "none" }] },

  // A 9 % error ratio on a user's route pages; 500s on /health alone are no user's errors.
  { alert: "high_error_rate", kind: "fires", series: requests(60, 6), at: "30m", expect: [{ ...service, severity: "critical" }] },
  { alert: "high_error_rate", kind: "silent", series: requests(60, 0, 30), at: "30m", expect: [] },
  { alert: "high_latency", kind: "fires", series: durations(0, 60), at: "30m", expect: [{ ...service, severity: "warning" }] },
  { alert: "high_latency", kind: "silent", series: durations(60, 1), at: "30m", expect: [] },

  // 9 % errors burn 14.4× (and 1×): both fire; 0.5 % burns between 1× and 6×: the ticket only.
  {
    alert: "ErrorBudgetBurn",
    kind: "fires",
    series: requests(60, 6),
    at: "90m",
    expect: [
      { ...service, severity: "critical" },
      { ...service, severity: "warning" },
    ],
  },
  { alert: "ErrorBudgetBurn", kind: "fires", series: requests(995, 5), at: "7h", expect: [{ ...service, severity: "warning" }] },
  { alert: "ErrorBudgetBurn", kind: "silent", series: requests(60, 0, 30), at: "90m", expect: [] },

  { alert: "LatencyObjectiveMissed", kind: "fires", series: durations(30, 30), at: "30m", expect: [{ ...service, severity: "warning" }] },
  { alert: "LatencyObjectiveMissed", kind: "silent", series: durations(99, 1), at: "30m", expect: [] },

  {
    alert: "CircuitBreakerOpen",
    kind: "fires",
    series: [s("circuit_breaker_state", { ...POD, dependency: "payment_service" }, "1x10")],
    at: "5m",
    expect: [{ ...service, dependency: "payment_service", severity: "warning" }],
  },
  {
    alert: "CircuitBreakerOpen",
    kind: "silent",
    series: [s("circuit_breaker_state", { ...POD, dependency: "payment_service" }, "2x10")],
    at: "5m",
    expect: [],
  },

  { alert: "ServiceTargetDown", kind: "fires", series: [s("up", POD, "0x10")], at: "5m", expect: [{ ...POD, severity: "warning" }] },
  { alert: "ServiceTargetDown", kind: "silent", series: [s("up", POD, "1x10")], at: "5m", expect: [] },
  {
    alert: "ServiceUnavailable",
    kind: "fires",
    series: [s("up", POD, "0x10"), s("up", { ...POD, pod: "order-service-7d9f-fghij" }, "0x10")],
    at: "5m",
    expect: [{ ...service, severity: "critical" }],
  },
  {
    alert: "ServiceUnavailable",
    kind: "silent",
    series: [s("up", POD, "0x10"), s("up", { ...POD, pod: "order-service-7d9f-fghij" }, "1x10")],
    at: "5m",
    expect: [],
  },
  {
    alert: "ServiceRestarting",
    kind: "fires",
    series: [s("process_start_time_seconds", POD, "100 160 220 280 280")],
    at: "4m",
    expect: [{ ...POD, severity: "warning" }],
  },
  { alert: "ServiceRestarting", kind: "silent", series: [s("process_start_time_seconds", POD, "100 100 160 160 160")], at: "4m", expect: [] },
  {
    alert: "EventLoopLagHigh",
    kind: "fires",
    series: [s("nodejs_eventloop_lag_p99_seconds", POD, "0.8x20")],
    at: "15m",
    expect: [{ ...POD, severity: "warning" }],
  },
  { alert: "EventLoopLagHigh", kind: "silent", series: [s("nodejs_eventloop_lag_p99_seconds", POD, "0.05x20")], at: "15m", expect: [] },

  {
    alert: "PrometheusConfigReloadFailed",
    kind: "fires",
    series: [s("prometheus_config_last_reload_successful", PROMETHEUS, "0x20")],
    at: "15m",
    expect: [{ ...PROMETHEUS, severity: "warning" }],
  },
  { alert: "PrometheusConfigReloadFailed", kind: "silent", series: [s("prometheus_config_last_reload_successful", PROMETHEUS, "1x20")], at: "15m", expect: [] },
  {
    alert: "PrometheusRuleEvaluationFailures",
    kind: "fires",
    series: [s("prometheus_rule_evaluation_failures_total", { ...PROMETHEUS, rule_group: "microservices" }, "0+1x20")],
    at: "15m",
    expect: [{ ...PROMETHEUS, rule_group: "microservices", severity: "critical" }],
  },
  {
    alert: "PrometheusRuleEvaluationFailures",
    kind: "silent",
    series: [s("prometheus_rule_evaluation_failures_total", { ...PROMETHEUS, rule_group: "microservices" }, "3x20")],
    at: "15m",
    expect: [],
  },
  {
    alert: "PrometheusRuleGroupSlow",
    kind: "fires",
    series: [
      s("prometheus_rule_group_last_duration_seconds", { ...PROMETHEUS, rule_group: "microservices" }, "20x30"),
      s("prometheus_rule_group_interval_seconds", { ...PROMETHEUS, rule_group: "microservices" }, "15x30"),
    ],
    at: "20m",
    expect: [{ ...PROMETHEUS, rule_group: "microservices", severity: "warning" }],
  },
  {
    alert: "PrometheusRuleGroupSlow",
    kind: "silent",
    series: [
      s("prometheus_rule_group_last_duration_seconds", { ...PROMETHEUS, rule_group: "microservices" }, "1x30"),
      s("prometheus_rule_group_interval_seconds", { ...PROMETHEUS, rule_group: "microservices" }, "15x30"),
    ],
    at: "20m",
    expect: [],
  },
  {
    alert: "PrometheusNotConnectedToAlertmanagers",
    kind: "fires",
    series: [s("prometheus_notifications_alertmanagers_discovered", PROMETHEUS, "0x20")],
    at: "15m",
    expect: [{ ...PROMETHEUS, severity: "critical" }],
  },
  {
    alert: "PrometheusNotConnectedToAlertmanagers",
    kind: "silent",
    series: [s("prometheus_notifications_alertmanagers_discovered", PROMETHEUS, "1x20")],
    at: "15m",
    expect: [],
  },
  {
    alert: "PrometheusNotificationErrors",
    kind: "fires",
    series: [
      s("prometheus_notifications_errors_total", { ...PROMETHEUS, alertmanager: "https://10.244.0.9:9093/api/v2/alerts" }, "0+1x40"),
      s("prometheus_notifications_sent_total", { ...PROMETHEUS, alertmanager: "https://10.244.0.9:9093/api/v2/alerts" }, "0+10x40"),
    ],
    at: "30m",
    expect: [{ ...PROMETHEUS, alertmanager: "https://10.244.0.9:9093/api/v2/alerts", severity: "critical" }],
  },
  {
    alert: "PrometheusNotificationErrors",
    kind: "silent",
    series: [
      s("prometheus_notifications_errors_total", { ...PROMETHEUS, alertmanager: "https://10.244.0.9:9093/api/v2/alerts" }, "0x40"),
      s("prometheus_notifications_sent_total", { ...PROMETHEUS, alertmanager: "https://10.244.0.9:9093/api/v2/alerts" }, "0+10x40"),
    ],
    at: "30m",
    expect: [],
  },
  {
    alert: "PrometheusNotificationQueueFull",
    kind: "fires",
    series: [s("prometheus_notifications_queue_length", PROMETHEUS, "95x30"), s("prometheus_notifications_queue_capacity", PROMETHEUS, "100x30")],
    at: "20m",
    expect: [{ ...PROMETHEUS, severity: "warning" }],
  },
  {
    alert: "PrometheusNotificationQueueFull",
    kind: "silent",
    series: [s("prometheus_notifications_queue_length", PROMETHEUS, "10x30"), s("prometheus_notifications_queue_capacity", PROMETHEUS, "100x30")],
    at: "20m",
    expect: [],
  },
  {
    alert: "PrometheusTSDBCompactionsFailing",
    kind: "fires",
    series: [s("prometheus_tsdb_compactions_failed_total", PROMETHEUS, "0 0 1 1 1")],
    at: "4m",
    expect: [{ ...PROMETHEUS, severity: "warning" }],
  },
  {
    alert: "PrometheusTSDBCompactionsFailing",
    kind: "silent",
    series: [s("prometheus_tsdb_compactions_failed_total", PROMETHEUS, "2x5")],
    at: "4m",
    expect: [],
  },
  {
    alert: "PrometheusTSDBWALCorruptions",
    kind: "fires",
    series: [s("prometheus_tsdb_wal_corruptions_total", PROMETHEUS, "0 0 1 1 1")],
    at: "4m",
    expect: [{ ...PROMETHEUS, severity: "warning" }],
  },
  { alert: "PrometheusTSDBWALCorruptions", kind: "silent", series: [s("prometheus_tsdb_wal_corruptions_total", PROMETHEUS, "0x5")], at: "4m", expect: [] },

  { alert: "AlertmanagerDown", kind: "fires", series: [s("up", ALERTMANAGER, "0x10")], at: "8m", expect: [{ ...ALERTMANAGER, severity: "critical" }] },
  { alert: "AlertmanagerDown", kind: "silent", series: [s("up", ALERTMANAGER, "1x10")], at: "8m", expect: [] },
  {
    alert: "AlertmanagerConfigReloadFailed",
    kind: "fires",
    series: [s("alertmanager_config_last_reload_successful", ALERTMANAGER, "0x20")],
    at: "15m",
    expect: [{ ...ALERTMANAGER, severity: "warning" }],
  },
  {
    alert: "AlertmanagerConfigReloadFailed",
    kind: "silent",
    series: [s("alertmanager_config_last_reload_successful", ALERTMANAGER, "1x20")],
    at: "15m",
    expect: [],
  },
  {
    alert: "AlertmanagerNotificationsFailing",
    kind: "fires",
    series: [s("alertmanager_notifications_failed_total", { ...ALERTMANAGER, integration: "webhook" }, "0+1x30")],
    at: "20m",
    expect: [{ ...ALERTMANAGER, integration: "webhook", severity: "critical" }],
  },
  {
    alert: "AlertmanagerNotificationsFailing",
    kind: "silent",
    series: [s("alertmanager_notifications_failed_total", { ...ALERTMANAGER, integration: "webhook" }, "4x30")],
    at: "20m",
    expect: [],
  },

  { alert: "GrafanaDown", kind: "fires", series: [s("up", GRAFANA, "0x15")], at: "12m", expect: [{ ...GRAFANA, severity: "warning" }] },
  { alert: "GrafanaDown", kind: "silent", series: [s("up", GRAFANA, "1x15")], at: "12m", expect: [] },

  { alert: "EventStoreDown", kind: "fires", series: [s("up", EVENTSTORE, "0x10")], at: "5m", expect: [{ ...EVENTSTORE, severity: "critical" }] },
  { alert: "EventStoreDown", kind: "silent", series: [s("up", EVENTSTORE, "1x10")], at: "5m", expect: [] },
  { alert: "KongDown", kind: "fires", series: [s("up", KONG, "0x10")], at: "5m", expect: [{ ...KONG, severity: "critical" }] },
  { alert: "KongDown", kind: "silent", series: [s("up", KONG, "1x10")], at: "5m", expect: [] },
  {
    alert: "KongHighServerErrors",
    kind: "fires",
    series: [
      s("kong_http_requests_total", { ...KONG, service: "order-service", route: "order-service", code: "200", source: "service" }, "0+90x20"),
      s("kong_http_requests_total", { ...KONG, service: "order-service", route: "order-service", code: "502", source: "service" }, "0+10x20"),
    ],
    at: "15m",
    expect: [{ service: "order-service", severity: "warning" }],
  },
  {
    alert: "KongHighServerErrors",
    kind: "silent",
    series: [
      s("kong_http_requests_total", { ...KONG, service: "order-service", route: "order-service", code: "200", source: "service" }, "0+99x20"),
      s("kong_http_requests_total", { ...KONG, service: "order-service", route: "order-service", code: "502", source: "service" }, "0+1x20"),
    ],
    at: "15m",
    expect: [],
  },

  { alert: "JaegerDown", kind: "fires", series: [s("up", JAEGER, "0x10")], at: "8m", expect: [{ ...JAEGER, severity: "warning" }] },
  { alert: "JaegerDown", kind: "silent", series: [s("up", JAEGER, "1x10")], at: "8m", expect: [] },
  {
    alert: "JaegerSpansRefused",
    kind: "fires",
    series: [s("otelcol_receiver_refused_spans_total", { ...JAEGER, receiver: "otlp", transport: "http" }, "0+5x30")],
    at: "20m",
    expect: [{ receiver: "otlp", severity: "warning" }],
  },
  {
    alert: "JaegerSpansRefused",
    kind: "silent",
    series: [s("otelcol_receiver_refused_spans_total", { ...JAEGER, receiver: "otlp", transport: "http" }, "7x30")],
    at: "20m",
    expect: [],
  },
  {
    alert: "JaegerSpansNotStored",
    kind: "fires",
    series: [s("otelcol_exporter_send_failed_spans_total", { ...JAEGER, exporter: "jaeger_storage_exporter" }, "0+5x30")],
    at: "20m",
    expect: [{ exporter: "jaeger_storage_exporter", severity: "warning" }],
  },
  {
    alert: "JaegerSpansNotStored",
    kind: "silent",
    series: [s("otelcol_exporter_send_failed_spans_total", { ...JAEGER, exporter: "jaeger_storage_exporter" }, "0x30")],
    at: "20m",
    expect: [],
  },
];

/** Alerts that cannot be silent: the Watchdog fires always, by design. */
export const ALWAYS_FIRING = ["Watchdog"];
