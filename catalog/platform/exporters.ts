import { PlatformSizing } from "./gateway";
import { PROMETHEUS } from "./observability";

/**
 * What reports on the parts that do not speak Prometheus themselves: an exporter beside each data store that
 * does not (PostgreSQL, Redis), kube-state-metrics for the Kubernetes objects, and the kubelets' cAdvisor for
 * the containers' and nodes' resources. Each exporter's metric names are data in exported-metrics.ts.
 */

/** An exporter container in a data store's pod: it reads the store on localhost and serves /metrics. */
export interface StoreExporter {
  /** Prometheus's job for it. */
  readonly job: string;
  readonly container: string;
  /** Pinned; the release exported-metrics.ts was read from. */
  readonly image: string;
  readonly port: number;
  /** Its container port's name: what the scrape job keeps. */
  readonly portName: string;
  readonly resources: PlatformSizing["resources"];
}

const EXPORTER_RESOURCES = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } };

export const STORE_EXPORTERS = {
  postgresql: {
    job: "postgres-exporter",
    container: "postgres-exporter",
    image: "quay.io/prometheuscommunity/postgres-exporter:v0.20.1",
    port: 9187,
    portName: "http-metrics",
    resources: EXPORTER_RESOURCES,
    /** Its own login role, a member of `pg_monitor` (read access to the statistics views only, no table). */
    role: "postgres_exporter",
  },
  redis: {
    job: "redis-exporter",
    container: "redis-exporter",
    image: "oliver006/redis_exporter:v1.88.0",
    port: 9121,
    portName: "http-metrics",
    resources: EXPORTER_RESOURCES,
  },
} satisfies Record<string, StoreExporter & Record<string, unknown>>;

/** kube-state-metrics: the state of the stack's Kubernetes objects, from the API server. */
export const STATE_METRICS = {
  job: "kube-state-metrics",
  /** It runs beside Prometheus. */
  namespace: PROMETHEUS.namespace,
  /** Its Deployment, ServiceAccount and pods' `app` label. */
  workload: "kube-state-metrics",
  image: "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0",
  /** The image's `nonroot` user. */
  uid: 65534,
  /** The objects' metrics, and its own (telemetry). */
  port: 8080,
  portName: "http-metrics",
  telemetryPort: 8081,
  telemetryPortName: "telemetry",
  /**
   * The resources it reports, all namespaced: it lists and watches exactly these in the stack's namespaces (Roles,
   * no ClusterRole) and nothing else (no Secrets, no ConfigMaps). Its metrics are `kube_<singular>_*`.
   */
  resources: [
    { resource: "pods", apiGroup: "", singular: "pod" },
    { resource: "deployments", apiGroup: "apps", singular: "deployment" },
    { resource: "statefulsets", apiGroup: "apps", singular: "statefulset" },
    { resource: "replicasets", apiGroup: "apps", singular: "replicaset" },
    { resource: "persistentvolumeclaims", apiGroup: "", singular: "persistentvolumeclaim" },
    { resource: "poddisruptionbudgets", apiGroup: "policy", singular: "poddisruptionbudget" },
    { resource: "horizontalpodautoscalers", apiGroup: "autoscaling", singular: "horizontalpodautoscaler" },
    { resource: "services", apiGroup: "", singular: "service" },
  ] as const,
  sizing: {
    dev: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } } },
    prod: { replicas: 1, resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } } },
  } satisfies Record<"dev" | "prod", PlatformSizing>,
};

/** The kubelet's cAdvisor endpoint, scraped on each node with Prometheus's token (`nodes/metrics`). */
export const CADVISOR = {
  job: "cadvisor",
  path: "/metrics/cadvisor",
};

/** Istio's own telemetry: istiod's monitoring port, and each sidecar's merged metrics (Envoy's and its agent's). */
export const MESH_TELEMETRY = {
  istiodJob: "istiod",
  /** istiod's container port for its metrics (plain HTTP: istiod has no sidecar). */
  istiodPort: 15014,
  sidecarJob: "envoy-stats",
  /** The injected container, and the port it declares (Envoy's own stats, 15090). */
  sidecarContainer: "istio-proxy",
  sidecarPortName: "http-envoy-prom",
  /** The merged endpoint keeps the Istio, Envoy and agent series: the app's own are the services' job. */
  sidecarMetrics: "istio_.*|envoy_.*|istio_agent_.*",
  sidecarPath: "/stats/prometheus",
};
