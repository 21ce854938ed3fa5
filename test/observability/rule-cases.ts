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
const POSTGRES = { job: "postgres-exporter", namespace: "data", pod: "postgres-0", instance: "10.244.0.13:9187" };
const REDIS = { job: "redis-exporter", namespace: "data", pod: "redis-0", instance: "10.244.0.14:9121" };
const ISTIOD = { job: "istiod", namespace: "istio-system", pod: "istiod-5b8c-xyz", instance: "10.244.0.15:15014" };
const SIDECAR = { job: "envoy-stats", namespace: "microservices", pod: "order-service-7d9f-abcde", instance: "10.244.0.7:15020" };
/** kube-state-metrics is scraped with honor_labels: its series carry the objects' namespace, pod … (the target adds job and instance). */
const KSM = { job: "kube-state-metrics", instance: "10.244.0.16:8080" };
const CADVISOR = { job: "cadvisor", node: "microservices-worker", instance: "172.18.0.3:10250" };
/** A container as cAdvisor labels it: the target's labels, then the container's own. */
const CONTAINER = {
  ...CADVISOR,
  namespace: "microservices",
  pod: "order-service-7d9f-abcde",
  container: "service",
  id: "/kubepods/burstable/pod1f0c/3a9e",
  image: "microservices/order-service:1.0.0",
  name: "3a9e",
};
const container = { namespace: CONTAINER.namespace, pod: CONTAINER.pod, container: CONTAINER.container };

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

/** PostgreSQL's client connections (`active` and `idle` ones in the saga database) against max_connections 100, 3 reserved. */
function postgresConnections(active: number, idle: number): Series[] {
  const activity = (state: string, count: number) =>
    s(
      "pg_stat_activity_count",
      { ...POSTGRES, datname: "saga_db", state, usename: "saga_user", application_name: "order-service", backend_type: "client backend" },
      `${count}x20`,
    );
  return [
    activity("active", active),
    activity("idle", idle),
    s("pg_settings_max_connections", POSTGRES, "100x20"),
    s("pg_settings_superuser_reserved_connections", POSTGRES, "3x20"),
  ];
}

/**
 * Requests to order-service per minute as the sidecars report them: the destination's sidecar answered `ok` with 200
 * and `errors` with 503; `callerErrors` are 503s only the callers' sidecars reported (reporter="source").
 */
function meshRequests(counts: { ok: number; errors: number; callerErrors?: number }): Series[] {
  const request = (reporter: string, code: string, perMinute: number) =>
    s(
      "istio_requests_total",
      {
        ...SIDECAR,
        reporter,
        source_workload: "kong",
        destination_service_name: "order-service",
        destination_workload_namespace: "microservices",
        response_code: code,
        response_flags: "-",
      },
      `0+${perMinute}x20`,
    );
  return [
    request("destination", "200", counts.ok),
    request("destination", "503", counts.errors),
    ...(counts.callerErrors ? [request("source", "503", counts.callerErrors)] : []),
  ];
}

/** A container kube-state-metrics reports waiting. */
const WAITING = { namespace: "microservices", pod: "order-service-7d9f-abcde", uid: "6f1c2b7e-0d4a-4c1e-9a57-3b1f0e2d9c84", container: "service" };

/** order-service's HorizontalPodAutoscaler as kube-state-metrics reports it. */
function autoscaler(min: number, max: number, current: number): Series[] {
  const hpa = { ...KSM, namespace: "microservices", horizontalpodautoscaler: "order-service" };
  return [
    s("kube_horizontalpodautoscaler_spec_min_replicas", hpa, `${min}x25`),
    s("kube_horizontalpodautoscaler_spec_max_replicas", hpa, `${max}x25`),
    s("kube_horizontalpodautoscaler_status_current_replicas", hpa, `${current}x25`),
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

  // PostgreSQL: the pod, the server, its connections, its deadlocks.
  { alert: "PostgresExporterDown", kind: "fires", series: [s("up", POSTGRES, "0x10")], at: "8m", expect: [{ ...POSTGRES, severity: "critical" }] },
  { alert: "PostgresExporterDown", kind: "silent", series: [s("up", POSTGRES, "1x10")], at: "8m", expect: [] },
  { alert: "PostgreSQLDown", kind: "fires", series: [s("pg_up", POSTGRES, "0x10")], at: "5m", expect: [{ ...POSTGRES, severity: "critical" }] },
  { alert: "PostgreSQLDown", kind: "silent", series: [s("pg_up", POSTGRES, "1x10")], at: "5m", expect: [] },
  // 90 client connections of 100 less 3 reserved (over 80 % of 97) fire; 50 do not.
  {
    alert: "PostgreSQLTooManyConnections",
    kind: "fires",
    series: postgresConnections(50, 40),
    at: "15m",
    expect: [{ namespace: POSTGRES.namespace, pod: POSTGRES.pod, severity: "warning" }],
  },
  { alert: "PostgreSQLTooManyConnections", kind: "silent", series: postgresConnections(30, 20), at: "15m", expect: [] },
  // A deadlock a minute for half an hour fires; a single one (the application retried) does not.
  {
    alert: "PostgreSQLDeadlocks",
    kind: "fires",
    series: [s("pg_stat_database_deadlocks", { ...POSTGRES, datid: "16384", datname: "saga_db" }, "0+1x30")],
    at: "20m",
    expect: [{ namespace: POSTGRES.namespace, pod: POSTGRES.pod, datname: "saga_db", severity: "warning" }],
  },
  {
    alert: "PostgreSQLDeadlocks",
    kind: "silent",
    series: [s("pg_stat_database_deadlocks", { ...POSTGRES, datid: "16384", datname: "saga_db" }, "0x5 1x25")],
    at: "10m",
    expect: [],
  },

  // Redis: the pod, the server, its memory against maxmemory, its rejected clients.
  { alert: "RedisExporterDown", kind: "fires", series: [s("up", REDIS, "0x10")], at: "8m", expect: [{ ...REDIS, severity: "critical" }] },
  { alert: "RedisExporterDown", kind: "silent", series: [s("up", REDIS, "1x10")], at: "8m", expect: [] },
  { alert: "RedisDown", kind: "fires", series: [s("redis_up", REDIS, "0x10")], at: "5m", expect: [{ ...REDIS, severity: "critical" }] },
  { alert: "RedisDown", kind: "silent", series: [s("redis_up", REDIS, "1x10")], at: "5m", expect: [] },
  {
    alert: "RedisMemoryNearMax",
    kind: "fires",
    series: [s("redis_memory_used_bytes", REDIS, "120000000x20"), s("redis_memory_max_bytes", REDIS, "128000000x20")],
    at: "20m",
    expect: [{ ...REDIS, severity: "warning" }],
  },
  // maxmemory 0 is no limit: no alert, however much is used.
  {
    alert: "RedisMemoryNearMax",
    kind: "silent",
    series: [s("redis_memory_used_bytes", REDIS, "120000000x20"), s("redis_memory_max_bytes", REDIS, "0x20")],
    at: "20m",
    expect: [],
  },
  {
    alert: "RedisMemoryNearMax",
    kind: "silent",
    series: [s("redis_memory_used_bytes", REDIS, "60000000x20"), s("redis_memory_max_bytes", REDIS, "128000000x20")],
    at: "20m",
    expect: [],
  },
  {
    alert: "RedisRejectedConnections",
    kind: "fires",
    series: [s("redis_rejected_connections_total", REDIS, "0+3x20")],
    at: "15m",
    expect: [{ ...REDIS, severity: "critical" }],
  },
  { alert: "RedisRejectedConnections", kind: "silent", series: [s("redis_rejected_connections_total", REDIS, "5x20")], at: "15m", expect: [] },

  // istiod: one pod down is a ticket, all of them a page; pushes, rejected configs, certificate signing.
  { alert: "IstiodDown", kind: "fires", series: [s("up", ISTIOD, "0x10")], at: "8m", expect: [{ ...ISTIOD, severity: "warning" }] },
  { alert: "IstiodDown", kind: "silent", series: [s("up", ISTIOD, "1x10")], at: "8m", expect: [] },
  {
    alert: "IstiodUnavailable",
    kind: "fires",
    series: [s("up", ISTIOD, "0x10"), s("up", { ...ISTIOD, pod: "istiod-5b8c-abc", instance: "10.244.0.17:15014" }, "0x10")],
    at: "5m",
    expect: [{ namespace: ISTIOD.namespace, severity: "critical" }],
  },
  {
    alert: "IstiodUnavailable",
    kind: "silent",
    series: [s("up", ISTIOD, "0x10"), s("up", { ...ISTIOD, pod: "istiod-5b8c-abc", instance: "10.244.0.17:15014" }, "1x10")],
    at: "5m",
    expect: [],
  },
  {
    alert: "IstiodXdsPushErrors",
    kind: "fires",
    series: [s("pilot_xds_pushes", { ...ISTIOD, type: "lds" }, "0+50x30"), s("pilot_xds_pushes", { ...ISTIOD, type: "lds_senderr" }, "0+2x30")],
    at: "20m",
    expect: [{ namespace: ISTIOD.namespace, pod: ISTIOD.pod, severity: "warning" }],
  },
  {
    alert: "IstiodXdsPushErrors",
    kind: "fires",
    series: [s("pilot_xds_pushes", { ...ISTIOD, type: "lds" }, "0+50x30"), s("pilot_total_xds_internal_errors", ISTIOD, "0+1x30")],
    at: "20m",
    expect: [{ namespace: ISTIOD.namespace, pod: ISTIOD.pod, severity: "warning" }],
  },
  {
    alert: "IstiodXdsPushErrors",
    kind: "silent",
    series: [
      s("pilot_xds_pushes", { ...ISTIOD, type: "lds" }, "0+50x30"),
      s("pilot_xds_pushes", { ...ISTIOD, type: "lds_senderr" }, "4x30"),
      s("pilot_total_xds_internal_errors", ISTIOD, "1x30"),
    ],
    at: "20m",
    expect: [],
  },
  {
    alert: "IstioConfigRejected",
    kind: "fires",
    series: [s("pilot_total_xds_rejects", { ...ISTIOD, type: "rds" }, "0 0 0 1 2 3")],
    at: "5m",
    expect: [{ type: "rds", severity: "warning" }],
  },
  { alert: "IstioConfigRejected", kind: "silent", series: [s("pilot_total_xds_rejects", { ...ISTIOD, type: "rds" }, "2x30")], at: "20m", expect: [] },
  {
    alert: "IstiodCertificateSigningErrors",
    kind: "fires",
    series: [s("citadel_server_csr_sign_err_count", ISTIOD, "0+1x30")],
    at: "20m",
    expect: [{ namespace: ISTIOD.namespace, pod: ISTIOD.pod, severity: "critical" }],
  },
  {
    alert: "IstiodCertificateSigningErrors",
    kind: "silent",
    series: [s("citadel_server_csr_sign_err_count", ISTIOD, "2x30"), s("citadel_server_success_cert_issuance_count", ISTIOD, "0+5x30")],
    at: "20m",
    expect: [],
  },

  // The sidecars: a proxy down; 5xx as the destinations' sidecars report them (the callers' reports do not count).
  { alert: "IstioSidecarDown", kind: "fires", series: [s("up", SIDECAR, "0x10")], at: "8m", expect: [{ ...SIDECAR, severity: "warning" }] },
  { alert: "IstioSidecarDown", kind: "silent", series: [s("up", SIDECAR, "1x10")], at: "8m", expect: [] },
  {
    alert: "IstioHighServerErrors",
    kind: "fires",
    series: meshRequests({ ok: 90, errors: 10 }),
    at: "15m",
    expect: [{ destination_workload_namespace: "microservices", destination_service_name: "order-service", severity: "warning" }],
  },
  { alert: "IstioHighServerErrors", kind: "silent", series: meshRequests({ ok: 99, errors: 1, callerErrors: 50 }), at: "15m", expect: [] },

  // kube-state-metrics: itself, crash loops, Deployments and StatefulSets short of replicas, autoscalers at their ceiling.
  { alert: "KubeStateMetricsDown", kind: "fires", series: [s("up", KSM, "0x10")], at: "8m", expect: [{ ...KSM, severity: "warning" }] },
  { alert: "KubeStateMetricsDown", kind: "silent", series: [s("up", KSM, "1x10")], at: "8m", expect: [] },
  // The reason is exported only while the container waits: between back-offs it runs and the series is absent.
  {
    alert: "KubePodCrashLooping",
    kind: "fires",
    series: [s("kube_pod_container_status_waiting_reason", { ...KSM, ...WAITING, reason: "CrashLoopBackOff" }, "1 _ 1x3 _ 1x3 _ 1x3 _ 1x3 _ 1x3 _ 1x3")],
    at: "25m",
    expect: [{ namespace: WAITING.namespace, pod: WAITING.pod, container: WAITING.container, severity: "warning" }],
  },
  {
    alert: "KubePodCrashLooping",
    kind: "silent",
    series: [
      s("kube_pod_container_status_waiting_reason", { ...KSM, ...WAITING, reason: "CrashLoopBackOff" }, "1 _ 1"),
      s("kube_pod_container_status_waiting_reason", { ...KSM, ...WAITING, pod: "order-service-7d9f-fghij", reason: "ContainerCreating" }, "1x30"),
    ],
    at: "25m",
    expect: [],
  },
  {
    alert: "KubeDeploymentReplicasMismatch",
    kind: "fires",
    series: [
      s("kube_deployment_spec_replicas", { ...KSM, namespace: "microservices", deployment: "order-service" }, "3x25"),
      s("kube_deployment_status_replicas_available", { ...KSM, namespace: "microservices", deployment: "order-service" }, "2x25"),
    ],
    at: "20m",
    expect: [{ namespace: "microservices", deployment: "order-service", severity: "warning" }],
  },
  // A scale-up whose pods are available within 10 minutes.
  {
    alert: "KubeDeploymentReplicasMismatch",
    kind: "silent",
    series: [
      s("kube_deployment_spec_replicas", { ...KSM, namespace: "microservices", deployment: "order-service" }, "3x25"),
      s("kube_deployment_status_replicas_available", { ...KSM, namespace: "microservices", deployment: "order-service" }, "2x9 3x15"),
    ],
    at: "20m",
    expect: [],
  },
  {
    alert: "KubeStatefulSetReplicasMismatch",
    kind: "fires",
    series: [
      s("kube_statefulset_replicas", { ...KSM, namespace: "data", statefulset: "postgres" }, "1x25"),
      s("kube_statefulset_status_replicas_ready", { ...KSM, namespace: "data", statefulset: "postgres" }, "0x25"),
    ],
    at: "20m",
    expect: [{ namespace: "data", statefulset: "postgres", severity: "warning" }],
  },
  {
    alert: "KubeStatefulSetReplicasMismatch",
    kind: "silent",
    series: [
      s("kube_statefulset_replicas", { ...KSM, namespace: "data", statefulset: "postgres" }, "1x25"),
      s("kube_statefulset_status_replicas_ready", { ...KSM, namespace: "data", statefulset: "postgres" }, "1x25"),
    ],
    at: "20m",
    expect: [],
  },
  {
    alert: "KubeHpaMaxedOut",
    kind: "fires",
    series: autoscaler(2, 50, 50),
    at: "20m",
    expect: [{ namespace: "microservices", horizontalpodautoscaler: "order-service", severity: "warning" }],
  },
  { alert: "KubeHpaMaxedOut", kind: "silent", series: autoscaler(2, 50, 10), at: "20m", expect: [] },
  // A fixed count (minimum = maximum) is no ceiling reached.
  { alert: "KubeHpaMaxedOut", kind: "silent", series: autoscaler(2, 2, 2), at: "20m", expect: [] },

  // cAdvisor: the kubelet, containers' memory against their limits, CPU throttling.
  { alert: "CadvisorDown", kind: "fires", series: [s("up", CADVISOR, "0x10")], at: "8m", expect: [{ ...CADVISOR, severity: "warning" }] },
  { alert: "CadvisorDown", kind: "silent", series: [s("up", CADVISOR, "1x10")], at: "8m", expect: [] },
  {
    alert: "ContainerMemoryNearLimit",
    kind: "fires",
    series: [s("container_memory_working_set_bytes", CONTAINER, "250000000x20"), s("container_spec_memory_limit_bytes", CONTAINER, "268435456x20")],
    at: "20m",
    expect: [{ ...container, severity: "warning" }],
  },
  // No limit (0), and the pod's own cgroup (container="") which is no declared container.
  {
    alert: "ContainerMemoryNearLimit",
    kind: "silent",
    series: [
      s("container_memory_working_set_bytes", CONTAINER, "250000000x20"),
      s("container_spec_memory_limit_bytes", CONTAINER, "0x20"),
      s("container_memory_working_set_bytes", { ...CONTAINER, container: "", id: "/kubepods/burstable/pod1f0c", image: "", name: "" }, "260000000x20"),
      s("container_spec_memory_limit_bytes", { ...CONTAINER, container: "", id: "/kubepods/burstable/pod1f0c", image: "", name: "" }, "268435456x20"),
    ],
    at: "20m",
    expect: [],
  },
  {
    alert: "ContainerCPUThrottlingHigh",
    kind: "fires",
    series: [s("container_cpu_cfs_periods_total", CONTAINER, "0+600x30"), s("container_cpu_cfs_throttled_periods_total", CONTAINER, "0+300x30")],
    at: "20m",
    expect: [{ ...container, severity: "warning" }],
  },
  {
    alert: "ContainerCPUThrottlingHigh",
    kind: "silent",
    series: [s("container_cpu_cfs_periods_total", CONTAINER, "0+600x30"), s("container_cpu_cfs_throttled_periods_total", CONTAINER, "0+30x30")],
    at: "20m",
    expect: [],
  },
];

/** Alerts that cannot be silent: the Watchdog fires always, by design. */
export const ALWAYS_FIRING = ["Watchdog"];
