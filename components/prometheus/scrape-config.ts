import {
  ALERTMANAGER,
  CADVISOR,
  DATA_STORES,
  EVENT_STORE,
  GATEWAY,
  GRAFANA,
  JAEGER,
  MESH,
  MESH_TELEMETRY,
  POSTGRES,
  PROMETHEUS,
  REDIS,
  STATE_METRICS,
  STORE_EXPORTERS,
} from "../../catalog";
import { ALERTMANAGER_JOB, EVENTSTORE_JOB, GRAFANA_JOB, JAEGER_JOB, KONG_JOB, PROMETHEUS_JOB } from "./rules";
import { plainValue } from "../jaeger/sampling";

type Json = Record<string, unknown>;

/** The Kubernetes discovery a config asks for: a role in a namespace, or (nodes) cluster-wide. */
export interface Discovery {
  readonly role: string;
  /** Absent for the cluster-scoped `node` role. */
  readonly namespace?: string;
}

export interface PrometheusConfigInput {
  /** The services' namespace: the only one the services' job discovers. */
  readonly namespace: string;
  readonly environment: "dev" | "prod";
  /** Scrape through Istio mTLS with the certificates the sidecar writes (Istio is composed). */
  readonly meshed: boolean;
  /** Jaeger is composed (its all-in-one, whose metrics port Prometheus scrapes). */
  readonly jaeger: boolean;
  /** EventStoreDB is composed (its nodes serve /metrics on their HTTP port). */
  readonly eventstore?: boolean;
  /** Kong is composed (its Prometheus plugin answers on the status listener). */
  readonly kong?: boolean;
  /** PostgreSQL is composed (its exporter beside it). */
  readonly postgresql?: boolean;
  /** Redis is composed (its exporter beside it). */
  readonly redis?: boolean;
  /** The namespaces whose pods run an Istio proxy (sidecars, the ingress gateway): each one's merged metrics are scraped. */
  readonly proxyNamespaces?: readonly string[];
  /** The namespaces kube-state-metrics reports on (its job is written when there are any). */
  readonly stateMetricsNamespaces?: readonly string[];
}

/** Where the Prometheus container finds the certificates its sidecar writes (mTLS scraping). */
export const ISTIO_CERTS_DIR = "/etc/prom-certs";

/** The relabelings that make the annotated port the scraped one, and name the series' source. */
const PORT_AND_LABEL_RELABELINGS: Json[] = [
  {
    source_labels: ["__address__", "__meta_kubernetes_service_annotation_prometheus_io_port"],
    action: "replace",
    regex: "([^:]+)(?::\\d+)?;(\\d+)",
    replacement: "$1:$2",
    target_label: "__address__",
  },
  { source_labels: ["__meta_kubernetes_namespace"], action: "replace", target_label: "namespace" },
  { source_labels: ["__meta_kubernetes_service_name"], action: "replace", target_label: "service" },
  { source_labels: ["__meta_kubernetes_pod_name"], action: "replace", target_label: "pod" },
];

/** A relabel rule as Prometheus parses it: `regex` is a string (the spec writes the boolean `true`). */
function appliedRelabel(rule: Json): Json {
  return rule.regex === undefined || typeof rule.regex === "string" ? rule : { ...rule, regex: JSON.stringify(rule.regex) };
}

/**
 * The prometheus.yml Prometheus runs with, derived from the spec's prometheus_config.yaml:
 * - the services' job discovers the stack's namespace only (the spec lists `default` and
 *   `microservices`), keeps the spec's relabeling (its `regex: true` becomes the string Prometheus
 *   requires) and adds the `prometheus.io/port` rewrite so that the annotated port is scraped,
 *   plus `namespace`/`service`/`pod` labels;
 * - inside the mesh it scrapes over mTLS with the workload certificate Istio's sidecar writes
 *   for Prometheus's own identity (Istio's documented setup for STRICT mTLS);
 * - `external_labels.environment` names the stack's environment (the spec's `production` on prod);
 * - the spec's rule_files are kept as they are, and its Alertmanager discovery keeps only Alertmanager's API
 *   port and, inside the mesh, speaks mTLS to it.
 */
export function prometheusConfig(input: PrometheusConfigInput): Json {
  const spec = plainValue(PROMETHEUS.config) as Json & {
    global: Json & { external_labels?: Json };
    scrape_configs: (Json & { kubernetes_sd_configs?: Json[]; relabel_configs?: Json[] })[];
    alerting: { alertmanagers: (Json & { relabel_configs?: Json[] })[] };
  };
  // Prometheus's own traffic bypasses its sidecar: inside the mesh it presents the workload certificate the
  // sidecar writes, to targets and to Alertmanager alike.
  const meshTls: Json = input.meshed
    ? {
        scheme: "https",
        tls_config: {
          ca_file: `${ISTIO_CERTS_DIR}/root-cert.pem`,
          cert_file: `${ISTIO_CERTS_DIR}/cert-chain.pem`,
          key_file: `${ISTIO_CERTS_DIR}/key.pem`,
          // Istio's certificates carry SPIFFE URIs, not the pod IPs Prometheus connects to.
          insecure_skip_verify: true,
        },
      }
    : {};
  return {
    ...spec,
    global: {
      ...spec.global,
      external_labels: {
        ...spec.global.external_labels,
        ...(input.environment === "prod" ? {} : { environment: input.environment }),
      },
    },
    scrape_configs: [
      ...spec.scrape_configs.map((job) => ({
        ...job,
        ...meshTls,
        kubernetes_sd_configs: (job.kubernetes_sd_configs ?? []).map((sd) => ({ ...sd, namespaces: { names: [input.namespace] } })),
        relabel_configs: [...(job.relabel_configs ?? []).map(appliedRelabel), ...PORT_AND_LABEL_RELABELINGS],
      })),
      ...platformJobs(input, meshTls),
    ],
    alerting: {
      ...spec.alerting,
      alertmanagers: spec.alerting.alertmanagers.map((am) => ({
        ...am,
        ...meshTls,
        relabel_configs: [
          ...(am.relabel_configs ?? []),
          // A pod discovery yields every container port, the sidecar's too: only Alertmanager's API takes alerts.
          { source_labels: ["__meta_kubernetes_pod_container_port_name"], action: "keep", regex: ALERTMANAGER.portName },
        ],
      })),
    },
  };
}

/** A job scraping the pods of one platform workload (its `app` label) on one named container port. */
function podJob(name: string, namespace: string, app: string, port: string, meshTls: Json): Json {
  return {
    job_name: name,
    ...meshTls,
    kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [namespace] } }],
    relabel_configs: [
      { source_labels: ["__meta_kubernetes_pod_label_app"], action: "keep", regex: app },
      { source_labels: ["__meta_kubernetes_pod_container_port_name"], action: "keep", regex: port },
      { source_labels: ["__meta_kubernetes_namespace"], action: "replace", target_label: "namespace" },
      { source_labels: ["__meta_kubernetes_pod_name"], action: "replace", target_label: "pod" },
    ],
  };
}

/** The path of the ServiceAccount token and cluster CA every pod with a mounted token has. */
const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * The kubelets' cAdvisor, on each node's kubelet port (node discovery's address), with Prometheus's token:
 * `nodes/metrics` is all the kubelet grants it. The kubelet's serving certificate is usually self-signed (kind,
 * kubeadm without serverTLSBootstrap), so it is not verified; the token authenticates Prometheus, not the node.
 */
function cadvisorJob(): Json {
  return {
    job_name: CADVISOR.job,
    scheme: "https",
    metrics_path: CADVISOR.path,
    authorization: { credentials_file: `${SERVICE_ACCOUNT_DIR}/token` },
    tls_config: { ca_file: `${SERVICE_ACCOUNT_DIR}/ca.crt`, insecure_skip_verify: true },
    kubernetes_sd_configs: [{ role: "node" }],
    relabel_configs: [{ source_labels: ["__meta_kubernetes_node_name"], action: "replace", target_label: "node" }],
  };
}

/** istiod's monitoring port, found through its Service's endpoints (istiod has no sidecar: plain HTTP). */
function istiodJob(): Json {
  return {
    job_name: MESH_TELEMETRY.istiodJob,
    kubernetes_sd_configs: [{ role: "endpointslice", namespaces: { names: [MESH.rootNamespace] } }],
    relabel_configs: [
      { source_labels: ["__meta_kubernetes_service_name"], action: "keep", regex: MESH.istiod.selector.app },
      { source_labels: ["__meta_kubernetes_endpointslice_port"], action: "keep", regex: String(MESH_TELEMETRY.istiodPort) },
      { source_labels: ["__meta_kubernetes_namespace"], action: "replace", target_label: "namespace" },
      { source_labels: ["__meta_kubernetes_pod_name"], action: "replace", target_label: "pod" },
    ],
  };
}

/**
 * Every Istio proxy's merged endpoint (15020, plain HTTP: a proxy never captures its own ports), the sidecars' and the
 * ingress gateway's, found by the port their `istio-proxy` container declares; only the Istio, Envoy and agent series are kept, as the app's own are the
 * services' job.
 */
function sidecarJob(namespaces: readonly string[]): Json {
  return {
    job_name: MESH_TELEMETRY.sidecarJob,
    metrics_path: MESH_TELEMETRY.sidecarPath,
    kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [...namespaces] } }],
    relabel_configs: [
      { source_labels: ["__meta_kubernetes_pod_container_name"], action: "keep", regex: MESH_TELEMETRY.sidecarContainer },
      { source_labels: ["__meta_kubernetes_pod_container_port_name"], action: "keep", regex: MESH_TELEMETRY.sidecarPortName },
      {
        source_labels: ["__meta_kubernetes_pod_ip"],
        action: "replace",
        regex: "(.+)",
        replacement: `$1:${MESH.mergedMetricsPort}`,
        target_label: "__address__",
      },
      { source_labels: ["__meta_kubernetes_namespace"], action: "replace", target_label: "namespace" },
      { source_labels: ["__meta_kubernetes_pod_name"], action: "replace", target_label: "pod" },
    ],
    metric_relabel_configs: [{ source_labels: ["__name__"], action: "keep", regex: MESH_TELEMETRY.sidecarMetrics }],
  };
}

/** kube-state-metrics: its series carry the objects' own `namespace` and `pod`, which the target's must not overwrite. */
function stateMetricsJob(meshTls: Json): Json {
  const job = podJob(
    STATE_METRICS.job,
    STATE_METRICS.namespace,
    STATE_METRICS.workload,
    `${STATE_METRICS.portName}|${STATE_METRICS.telemetryPortName}`,
    meshTls,
  );
  return { ...job, honor_labels: true };
}

/**
 * The platform's own jobs: Prometheus itself (on localhost, where no sidecar intercepts), Alertmanager, Grafana,
 * kube-state-metrics and the kubelets' cAdvisor; Jaeger, EventStoreDB, Kong and the data stores' exporters when
 * composed; istiod and the sidecars inside the mesh. Over mTLS inside the mesh, like the services' (Kong's status
 * port, istiod and the sidecars' own port excepted, and the kubelets, which are outside it).
 */
function platformJobs(input: PrometheusConfigInput, meshTls: Json): Json[] {
  const exporter = (store: "postgresql" | "redis", app: string) =>
    podJob(STORE_EXPORTERS[store].job, DATA_STORES.namespace, app, STORE_EXPORTERS[store].portName, meshTls);
  return [
    { job_name: PROMETHEUS_JOB, static_configs: [{ targets: [`localhost:${PROMETHEUS.port}`] }] },
    podJob(ALERTMANAGER_JOB, ALERTMANAGER.namespace, ALERTMANAGER.workload, ALERTMANAGER.portName, meshTls),
    podJob(GRAFANA_JOB, GRAFANA.namespace, GRAFANA.workload, GRAFANA.portName, meshTls),
    ...(input.jaeger ? [podJob(JAEGER_JOB, JAEGER.namespace, JAEGER.workload, JAEGER.metricsPortName, meshTls)] : []),
    ...(input.eventstore ? [podJob(EVENTSTORE_JOB, DATA_STORES.namespace, EVENT_STORE.host, EVENT_STORE.portName, meshTls)] : []),
    // Kong's status port is not captured by its sidecar (its inbound ports are left alone): plain HTTP.
    ...(input.kong ? [podJob(KONG_JOB, GATEWAY.namespace, GATEWAY.serviceAccount, GATEWAY.statusPortName, {})] : []),
    ...(input.postgresql ? [exporter("postgresql", POSTGRES.host)] : []),
    ...(input.redis ? [exporter("redis", REDIS.host)] : []),
    ...((input.stateMetricsNamespaces ?? []).length > 0 ? [stateMetricsJob(meshTls)] : []),
    cadvisorJob(),
    ...(input.meshed ? [istiodJob()] : []),
    ...(input.meshed && (input.proxyNamespaces ?? []).length > 0 ? [sidecarJob(input.proxyNamespaces!)] : []),
  ];
}

/** Every Kubernetes discovery of a config (scrape jobs and alertmanagers), by role and namespace. */
export function discoveries(config: Json): Discovery[] {
  const found: Discovery[] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== "object") return;
    const object = value as Json;
    for (const sd of (object.kubernetes_sd_configs ?? []) as Json[]) {
      const role = String(sd.role);
      const names = ((sd.namespaces as Json | undefined)?.names ?? []) as string[];
      if (CLUSTER_ROLES[role]) {
        found.push({ role });
        continue;
      }
      if (names.length === 0) throw new Error(`prometheus: a ${role} discovery without namespaces would need cluster-wide access`);
      for (const namespace of names) found.push({ role, namespace });
    }
    Object.values(object).forEach(visit);
  };
  visit(config);
  return found.filter((d, i) => found.findIndex((o) => o.role === d.role && o.namespace === d.namespace) === i);
}

/** The namespaced resources Prometheus's Kubernetes discovery lists and watches, per role. */
const ROLE_RESOURCES: Readonly<Record<string, readonly { apiGroup: string; resource: string }[]>> = {
  endpoints: [
    { apiGroup: "", resource: "endpoints" },
    { apiGroup: "", resource: "services" },
    { apiGroup: "", resource: "pods" },
  ],
  endpointslice: [
    { apiGroup: "discovery.k8s.io", resource: "endpointslices" },
    { apiGroup: "", resource: "services" },
    { apiGroup: "", resource: "pods" },
  ],
  service: [{ apiGroup: "", resource: "services" }],
  pod: [{ apiGroup: "", resource: "pods" }],
  ingress: [{ apiGroup: "networking.k8s.io", resource: "ingresses" }],
};

export interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

/** Discovery only lists and watches. */
export const DISCOVERY_VERBS = ["list", "watch"];

/**
 * The cluster-scoped discoveries, and what they need cluster-wide: nodes to list and watch, and (cAdvisor, on the
 * kubelet) `nodes/metrics`, which lets the kubelet serve its metrics endpoints and nothing else (not `nodes/proxy`).
 */
const CLUSTER_ROLES: Readonly<Record<string, readonly PolicyRule[]>> = {
  node: [
    { apiGroups: [""], resources: ["nodes"], verbs: [...DISCOVERY_VERBS] },
    { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
  ],
};

/** The cluster-wide RBAC rules the discoveries need (a ClusterRole's), none when every discovery is namespaced. */
export function clusterDiscoveryRules(found: readonly Discovery[]): PolicyRule[] {
  return found
    .filter((d) => d.namespace === undefined)
    .flatMap((d) => CLUSTER_ROLES[d.role].map((r) => ({ ...r, resources: [...r.resources], verbs: [...r.verbs] })));
}

/** The RBAC rules each namespace needs for the namespaced discoveries (namespace → rules). */
export function discoveryRules(found: readonly Discovery[]): Map<string, PolicyRule[]> {
  const byNamespace = new Map<string, Map<string, Set<string>>>();
  for (const d of found.filter((f): f is Required<Discovery> => f.namespace !== undefined)) {
    const resources = ROLE_RESOURCES[d.role];
    if (!resources) throw new Error(`prometheus: Kubernetes discovery role "${d.role}" is not namespaced or not known`);
    const groups = byNamespace.get(d.namespace) ?? new Map<string, Set<string>>();
    for (const r of resources) groups.set(r.apiGroup, (groups.get(r.apiGroup) ?? new Set()).add(r.resource));
    byNamespace.set(d.namespace, groups);
  }
  return new Map(
    [...byNamespace].map(([namespace, groups]) => [
      namespace,
      [...groups].map(([apiGroup, resources]) => ({ apiGroups: [apiGroup], resources: [...resources].sort(), verbs: [...DISCOVERY_VERBS] })),
    ]),
  );
}
