import { CADVISOR, MESH_TELEMETRY, STATE_METRICS, STORE_EXPORTERS } from "../../../catalog";
import { ALERTMANAGER_JOB, EVENTSTORE_JOB, GRAFANA_JOB, JAEGER_JOB, KONG_JOB, PROMETHEUS_JOB, SERVICES_JOB } from "../../prometheus/rules";
import { ProvisionedDashboard, Section, buildDashboard, graph, singleStat, states } from "./panels";

export const INFRASTRUCTURE_DASHBOARD_UID = "infrastructure";

/** The scrape jobs whose metrics the infrastructure dashboard shows: a job's panels appear only when it is scraped. */
export const JOBS = {
  services: SERVICES_JOB,
  prometheus: PROMETHEUS_JOB,
  alertmanager: ALERTMANAGER_JOB,
  jaeger: JAEGER_JOB,
  grafana: GRAFANA_JOB,
  kubeStateMetrics: STATE_METRICS.job,
  cadvisor: CADVISOR.job,
  postgres: STORE_EXPORTERS.postgresql.job,
  redis: STORE_EXPORTERS.redis.job,
  eventstore: EVENTSTORE_JOB,
  kong: KONG_JOB,
  istiod: MESH_TELEMETRY.istiodJob,
  envoy: MESH_TELEMETRY.sidecarJob,
} as const;

/** `job="<job>"`, narrowed by `extra` matchers. */
const of = (job: string, ...extra: string[]): string => [`job="${job}"`, ...extra].join(", ");

const UP_STATES = states({ 0: { text: "down", color: "red" }, 1: { text: "up", color: "green" } });

/** Pods, nodes, data stores, the gateway, the mesh and the monitoring stack, as far as the scrape jobs tell. */
export function infrastructureDashboard(jobs: readonly string[]): ProvisionedDashboard {
  const has = (job: string) => jobs.includes(job);
  const cadvisor = has(JOBS.cadvisor);
  const ksm = has(JOBS.kubeStateMetrics);
  // cAdvisor's series of the root cgroup are the node's; a pod's are those of its containers (not the pause container's).
  const node = of(JOBS.cadvisor, 'id="/"');
  const containers = of(JOBS.cadvisor, 'container!=""', 'container!="POD"');

  const sections: Section[] = [
    {
      title: "Scrape targets",
      tiles: [
        singleStat({
          title: "Targets up",
          description: "Targets answering their scrapes, per job.",
          queries: [{ expr: "sum by (job) (up)", legend: "{{job}}" }],
          decimals: 0,
          thresholds: [["green"]],
          w: 12,
          h: 5,
        }),
        singleStat({
          title: "Targets down",
          description: "Targets whose last scrape failed, per job.",
          queries: [{ expr: "sum by (job) (1 - up)", legend: "{{job}}" }],
          decimals: 0,
          thresholds: [["green"], [1, "red"]],
          w: 12,
          h: 5,
        }),
      ],
    },
    {
      title: "Kubernetes nodes",
      tiles: [
        cadvisor &&
          graph({
            title: "Node CPU utilisation",
            queries: [
              {
                expr: `sum by (instance) (rate(container_cpu_usage_seconds_total{${node}}[$__rate_interval])) / sum by (instance) (machine_cpu_cores{${of(JOBS.cadvisor)}})`,
                legend: "{{instance}}",
              },
            ],
            unit: "percentunit",
            min: 0,
            thresholds: [["green"], [0.8, "orange"]],
            w: 9,
            h: 8,
          }),
        cadvisor &&
          graph({
            title: "Node memory utilisation",
            description: "Working set of the node's root cgroup over its memory.",
            queries: [
              {
                expr: `sum by (instance) (container_memory_working_set_bytes{${node}}) / sum by (instance) (machine_memory_bytes{${of(JOBS.cadvisor)}})`,
                legend: "{{instance}}",
              },
            ],
            unit: "percentunit",
            min: 0,
            thresholds: [["green"], [0.9, "red"]],
            w: 9,
            h: 8,
          }),
        cadvisor &&
          singleStat({
            title: "Kubelets answering",
            description: "Each node's kubelet, as Prometheus's scrape of its cAdvisor finds it.",
            queries: [{ expr: `max by (node) (up{${of(JOBS.cadvisor)}})`, legend: "{{node}}" }],
            mappings: [UP_STATES],
            thresholds: [["red"], [1, "green"]],
            w: 6,
            h: 8,
          }),
      ],
    },
    {
      title: "Kubernetes pods",
      tiles: [
        cadvisor &&
          graph({
            title: "Pod CPU",
            description: "CPU seconds per second of each pod's containers.",
            queries: [
              { expr: `sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{${containers}}[$__rate_interval]))`, legend: "{{namespace}}/{{pod}}" },
            ],
            unit: "short",
            min: 0,
            w: 12,
            h: 8,
          }),
        cadvisor &&
          graph({
            title: "Pod memory (working set)",
            queries: [{ expr: `sum by (namespace, pod) (container_memory_working_set_bytes{${containers}})`, legend: "{{namespace}}/{{pod}}" }],
            unit: "bytes",
            min: 0,
            w: 12,
            h: 8,
          }),
        ksm &&
          graph({
            title: "Container restarts in the last hour",
            description: "Pods whose containers restarted in the hour before each point.",
            queries: [
              {
                expr: `sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total{${of(JOBS.kubeStateMetrics)}}[1h])) > 0`,
                legend: "{{namespace}}/{{pod}}",
              },
            ],
            unit: "short",
            min: 0,
            w: 8,
            h: 8,
          }),
        ksm &&
          graph({
            title: "Deployment replicas available",
            queries: [
              {
                expr: `sum by (namespace, deployment) (kube_deployment_status_replicas_available{${of(JOBS.kubeStateMetrics)}})`,
                legend: "{{namespace}}/{{deployment}}",
              },
            ],
            unit: "short",
            min: 0,
            w: 8,
            h: 8,
          }),
        ksm &&
          singleStat({
            title: "Deployments short of replicas",
            queries: [
              {
                expr: `count((kube_deployment_spec_replicas{${of(JOBS.kubeStateMetrics)}} - kube_deployment_status_replicas_available{${of(JOBS.kubeStateMetrics)}}) > 0) or vector(0)`,
                legend: "deployments",
              },
            ],
            decimals: 0,
            thresholds: [["green"], [1, "red"]],
            w: 4,
            h: 8,
          }),
        ksm &&
          singleStat({
            title: "Pods by phase",
            queries: [{ expr: `sum by (phase) (kube_pod_status_phase{${of(JOBS.kubeStateMetrics)}})`, legend: "{{phase}}" }],
            decimals: 0,
            thresholds: [["blue"]],
            w: 4,
            h: 8,
          }),
      ],
    },
    {
      title: "Service processes",
      tiles: [
        has(JOBS.services) &&
          graph({
            title: "Service CPU per pod",
            description: "CPU seconds per second of each service process (process_cpu_seconds_total).",
            queries: [{ expr: `sum by (service, pod) (rate(process_cpu_seconds_total{${of(JOBS.services)}}[$__rate_interval]))`, legend: "{{pod}}" }],
            unit: "short",
            min: 0,
            w: 12,
            h: 8,
          }),
        has(JOBS.services) &&
          graph({
            title: "Service resident memory per pod",
            queries: [{ expr: `sum by (service, pod) (process_resident_memory_bytes{${of(JOBS.services)}})`, legend: "{{pod}}" }],
            unit: "bytes",
            min: 0,
            w: 12,
            h: 8,
          }),
      ],
    },
    {
      title: "PostgreSQL",
      tiles: [
        has(JOBS.postgres) &&
          singleStat({
            title: "PostgreSQL up",
            queries: [{ expr: `min by (pod) (pg_up{${of(JOBS.postgres)}})`, legend: "{{pod}}" }],
            mappings: [UP_STATES],
            thresholds: [["red"], [1, "green"]],
            w: 4,
            h: 8,
          }),
        has(JOBS.postgres) &&
          graph({
            title: "PostgreSQL connections",
            description: "Backends connected per database, and the server's max_connections.",
            queries: [
              { expr: `sum by (datname) (pg_stat_database_numbackends{${of(JOBS.postgres)}})`, legend: "{{datname}}" },
              { expr: `max(pg_settings_max_connections{${of(JOBS.postgres)}})`, legend: "max_connections" },
            ],
            unit: "short",
            min: 0,
            w: 10,
            h: 8,
          }),
        has(JOBS.postgres) &&
          graph({
            title: "PostgreSQL transactions",
            queries: [
              { expr: `sum by (datname) (rate(pg_stat_database_xact_commit{${of(JOBS.postgres)}}[$__rate_interval]))`, legend: "{{datname}} commit" },
              { expr: `sum by (datname) (rate(pg_stat_database_xact_rollback{${of(JOBS.postgres)}}[$__rate_interval]))`, legend: "{{datname}} rollback" },
            ],
            unit: "ops",
            min: 0,
            w: 10,
            h: 8,
          }),
      ],
    },
    {
      title: "Redis",
      tiles: [
        has(JOBS.redis) &&
          singleStat({
            title: "Redis up",
            queries: [{ expr: `min by (pod) (redis_up{${of(JOBS.redis)}})`, legend: "{{pod}}" }],
            mappings: [UP_STATES],
            thresholds: [["red"], [1, "green"]],
            w: 4,
            h: 8,
          }),
        has(JOBS.redis) &&
          graph({
            title: "Redis memory",
            description: "Memory used, and maxmemory (0 when unlimited).",
            queries: [
              { expr: `sum by (pod) (redis_memory_used_bytes{${of(JOBS.redis)}})`, legend: "{{pod}} used" },
              { expr: `max by (pod) (redis_memory_max_bytes{${of(JOBS.redis)}})`, legend: "{{pod}} max" },
            ],
            unit: "bytes",
            min: 0,
            w: 7,
            h: 8,
          }),
        has(JOBS.redis) &&
          graph({
            title: "Redis connected clients",
            queries: [{ expr: `sum by (pod) (redis_connected_clients{${of(JOBS.redis)}})`, legend: "{{pod}}" }],
            unit: "short",
            min: 0,
            w: 6,
            h: 8,
          }),
        has(JOBS.redis) &&
          graph({
            title: "Redis cache hit ratio",
            description: "Keyspace hits over lookups; cache_config.json alerts below 80 %.",
            queries: [
              {
                expr: `sum(rate(redis_keyspace_hits_total{${of(JOBS.redis)}}[5m])) / (sum(rate(redis_keyspace_hits_total{${of(JOBS.redis)}}[5m])) + sum(rate(redis_keyspace_misses_total{${of(JOBS.redis)}}[5m])))`,
                legend: "hit ratio",
              },
            ],
            unit: "percentunit",
            min: 0,
            thresholds: [["red"], [0.8, "green"]],
            w: 7,
            h: 8,
          }),
      ],
    },
    {
      title: "EventStoreDB",
      tiles: [
        has(JOBS.eventstore) &&
          singleStat({
            title: "EventStoreDB nodes up",
            queries: [{ expr: `up{${of(JOBS.eventstore)}}`, legend: "{{pod}}" }],
            mappings: [UP_STATES],
            thresholds: [["red"], [1, "green"]],
            w: 4,
            h: 8,
          }),
        has(JOBS.eventstore) &&
          graph({
            title: "EventStoreDB gRPC calls",
            queries: [{ expr: `sum by (pod) (rate(kurrentdb_incoming_grpc_calls_total{${of(JOBS.eventstore)}}[$__rate_interval]))`, legend: "{{pod}}" }],
            unit: "reqps",
            min: 0,
            w: 7,
            h: 8,
          }),
        has(JOBS.eventstore) &&
          graph({
            title: "EventStoreDB gRPC p95",
            queries: [
              {
                expr: `histogram_quantile(0.95, sum by (le) (rate(kurrentdb_grpc_method_duration_seconds_bucket{${of(JOBS.eventstore)}}[5m])))`,
                legend: "p95",
              },
            ],
            unit: "s",
            min: 0,
            w: 6,
            h: 8,
          }),
        has(JOBS.eventstore) &&
          graph({
            title: "EventStoreDB memory",
            queries: [{ expr: `sum by (pod) (kurrentdb_proc_mem_bytes{${of(JOBS.eventstore)}})`, legend: "{{pod}}" }],
            unit: "bytes",
            min: 0,
            w: 7,
            h: 8,
          }),
      ],
    },
    {
      title: "Kong gateway",
      tiles: [
        has(JOBS.kong) &&
          graph({
            title: "Kong requests by service and status",
            queries: [{ expr: `sum by (service, code) (rate(kong_http_requests_total{${of(JOBS.kong)}}[$__rate_interval]))`, legend: "{{service}} {{code}}" }],
            unit: "reqps",
            min: 0,
            w: 9,
            h: 8,
          }),
        has(JOBS.kong) &&
          graph({
            title: "Kong request latency p95",
            description: "Time from the first byte Kong read to the last it sent, per service.",
            queries: [
              {
                expr: `histogram_quantile(0.95, sum by (service, le) (rate(kong_request_latency_ms_bucket{${of(JOBS.kong)}}[5m])))`,
                legend: "{{service}}",
              },
            ],
            unit: "ms",
            min: 0,
            w: 9,
            h: 8,
          }),
        has(JOBS.kong) &&
          singleStat({
            title: "Kong upstream targets by health",
            queries: [{ expr: `count by (upstream, state) (kong_upstream_target_health{${of(JOBS.kong)}} == 1)`, legend: "{{upstream}} {{state}}" }],
            decimals: 0,
            thresholds: [["blue"]],
            w: 6,
            h: 8,
          }),
      ],
    },
    {
      title: "Istio",
      tiles: [
        has(JOBS.envoy) &&
          graph({
            title: "Mesh requests by destination and response code",
            queries: [
              {
                expr: `sum by (destination_service_name, response_code) (rate(istio_requests_total{${of(JOBS.envoy, 'reporter="destination"')}}[$__rate_interval]))`,
                legend: "{{destination_service_name}} {{response_code}}",
              },
            ],
            unit: "reqps",
            min: 0,
            w: 12,
            h: 8,
          }),
        has(JOBS.envoy) &&
          graph({
            title: "Mesh request duration p95",
            queries: [
              {
                expr: `histogram_quantile(0.95, sum by (destination_service_name, le) (rate(istio_request_duration_milliseconds_bucket{${of(JOBS.envoy, 'reporter="destination"')}}[5m])))`,
                legend: "{{destination_service_name}}",
              },
            ],
            unit: "ms",
            min: 0,
            w: 12,
            h: 8,
          }),
        has(JOBS.istiod) &&
          graph({
            title: "Proxies connected to istiod",
            queries: [{ expr: `sum(pilot_xds{${of(JOBS.istiod)}})`, legend: "proxies" }],
            unit: "short",
            min: 0,
            w: 8,
            h: 8,
          }),
        has(JOBS.istiod) &&
          graph({
            title: "istiod xDS pushes by type",
            queries: [{ expr: `sum by (type) (rate(pilot_xds_pushes{${of(JOBS.istiod)}}[$__rate_interval]))`, legend: "{{type}}" }],
            unit: "ops",
            min: 0,
            w: 8,
            h: 8,
          }),
        has(JOBS.istiod) &&
          graph({
            title: "istiod rejected configs",
            description: "xDS configurations proxies rejected.",
            queries: [{ expr: `sum(rate(pilot_total_xds_rejects{${of(JOBS.istiod)}}[$__rate_interval]))`, legend: "rejects" }],
            unit: "ops",
            min: 0,
            thresholds: [["green"], [0.001, "red"]],
            w: 8,
            h: 8,
          }),
      ],
    },
    {
      title: "Prometheus",
      tiles: [
        has(JOBS.prometheus) &&
          graph({
            title: "Head series",
            queries: [{ expr: `prometheus_tsdb_head_series{${of(JOBS.prometheus)}}`, legend: "{{instance}}" }],
            unit: "short",
            min: 0,
            w: 6,
            h: 8,
          }),
        has(JOBS.prometheus) &&
          graph({
            title: "Samples ingested",
            queries: [{ expr: `rate(prometheus_tsdb_head_samples_appended_total{${of(JOBS.prometheus)}}[$__rate_interval])`, legend: "{{instance}}" }],
            unit: "suffix: samples/s",
            min: 0,
            w: 6,
            h: 8,
          }),
        has(JOBS.prometheus) &&
          graph({
            title: "Rule evaluation duration p99",
            queries: [{ expr: `max(prometheus_rule_evaluation_duration_seconds{${of(JOBS.prometheus, 'quantile="0.99"')}})`, legend: "p99" }],
            unit: "s",
            min: 0,
            w: 6,
            h: 8,
          }),
        has(JOBS.prometheus) &&
          graph({
            title: "Rule group duration",
            description: "How long each rule group's last evaluation took; longer than its interval skips evaluations.",
            queries: [{ expr: `max by (rule_group) (prometheus_rule_group_last_duration_seconds{${of(JOBS.prometheus)}})`, legend: "{{rule_group}}" }],
            unit: "s",
            min: 0,
            w: 6,
            h: 8,
          }),
      ],
    },
    {
      title: "Alertmanager",
      tiles: [
        has(JOBS.alertmanager) &&
          graph({
            title: "Notifications sent by integration",
            queries: [
              { expr: `sum by (integration) (rate(alertmanager_notifications_total{${of(JOBS.alertmanager)}}[$__rate_interval]))`, legend: "{{integration}}" },
            ],
            unit: "ops",
            min: 0,
            w: 8,
            h: 8,
          }),
        has(JOBS.alertmanager) &&
          graph({
            title: "Notifications failed by integration",
            queries: [
              {
                expr: `sum by (integration) (rate(alertmanager_notifications_failed_total{${of(JOBS.alertmanager)}}[$__rate_interval]))`,
                legend: "{{integration}}",
              },
            ],
            unit: "ops",
            min: 0,
            thresholds: [["green"], [0.001, "red"]],
            w: 8,
            h: 8,
          }),
        has(JOBS.alertmanager) &&
          graph({
            title: "Alerts by state",
            queries: [{ expr: `sum by (state) (alertmanager_alerts{${of(JOBS.alertmanager)}})`, legend: "{{state}}" }],
            unit: "short",
            min: 0,
            w: 8,
            h: 8,
          }),
      ],
    },
    {
      title: "Jaeger",
      tiles: [
        has(JOBS.jaeger) &&
          graph({
            title: "Spans accepted by receiver",
            queries: [
              { expr: `sum by (receiver) (rate(otelcol_receiver_accepted_spans_total{${of(JOBS.jaeger)}}[$__rate_interval]))`, legend: "{{receiver}}" },
            ],
            unit: "suffix: spans/s",
            min: 0,
            w: 8,
            h: 8,
          }),
        has(JOBS.jaeger) &&
          graph({
            title: "Spans refused by receiver",
            queries: [{ expr: `sum by (receiver) (rate(otelcol_receiver_refused_spans_total{${of(JOBS.jaeger)}}[$__rate_interval]))`, legend: "{{receiver}}" }],
            unit: "suffix: spans/s",
            min: 0,
            thresholds: [["green"], [0.001, "red"]],
            w: 8,
            h: 8,
          }),
        has(JOBS.jaeger) &&
          graph({
            title: "Spans exported by exporter",
            queries: [
              { expr: `sum by (exporter) (rate(otelcol_exporter_sent_spans_total{${of(JOBS.jaeger)}}[$__rate_interval]))`, legend: "{{exporter}} sent" },
              {
                expr: `sum by (exporter) (rate(otelcol_exporter_send_failed_spans_total{${of(JOBS.jaeger)}}[$__rate_interval]))`,
                legend: "{{exporter}} failed",
              },
            ],
            unit: "suffix: spans/s",
            min: 0,
            w: 8,
            h: 8,
          }),
      ],
    },
    {
      title: "Grafana",
      collapsed: true,
      tiles: [
        has(JOBS.grafana) &&
          graph({
            title: "Grafana HTTP requests by status",
            queries: [
              {
                expr: `sum by (status_code) (rate(grafana_http_request_duration_seconds_count{${of(JOBS.grafana)}}[$__rate_interval]))`,
                legend: "{{status_code}}",
              },
            ],
            unit: "reqps",
            min: 0,
            w: 12,
            h: 8,
          }),
        has(JOBS.grafana) &&
          graph({
            title: "Grafana datasource requests",
            queries: [
              {
                expr: `sum by (datasource, code) (rate(grafana_datasource_request_total{${of(JOBS.grafana)}}[$__rate_interval]))`,
                legend: "{{datasource}} {{code}}",
              },
            ],
            unit: "reqps",
            min: 0,
            w: 12,
            h: 8,
          }),
      ],
    },
  ];
  return buildDashboard({
    uid: INFRASTRUCTURE_DASHBOARD_UID,
    title: "Infrastructure",
    description: "Scrape targets, Kubernetes nodes and pods, the data stores, the gateway, the mesh and the monitoring stack.",
    sections,
  });
}
