import { PlatformSizing } from "./gateway";
import { PROMETHEUS } from "./observability";

/** Grafana OSS: the on-call team's dashboards over Prometheus (and Jaeger's traces), in `monitoring`. */
export const GRAFANA = {
  namespace: PROMETHEUS.namespace,
  /** Its Deployment, Service, ServiceAccount and pods' `app` label; the runbook's links name the host `grafana`. */
  workload: "grafana",
  port: 3000,
  portName: "http",
  /** The OSS image (published as grafana/grafana since 12.4; grafana/grafana-oss is no longer updated). */
  image: "grafana/grafana:13.1.0",
  /** The official image's `grafana` user. */
  uid: 472,
  /** The label its dashboards' ConfigMaps carry (the convention of Grafana's dashboard sidecar). */
  dashboardLabel: { grafana_dashboard: "1" },
  sizing: {
    dev: { replicas: 1, resources: { requests: { cpu: "25m", memory: "96Mi" }, limits: { cpu: "500m", memory: "256Mi" } } },
    prod: { replicas: 1, resources: { requests: { cpu: "100m", memory: "192Mi" }, limits: { cpu: "1", memory: "512Mi" } } },
  } satisfies Record<"dev" | "prod", PlatformSizing>,
};
