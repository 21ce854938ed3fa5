import { EVENT_STORE, POSTGRES, REDIS } from "./data";
import { GATEWAY } from "./gateway";
import { MESH } from "./mesh";
import { JAEGER, PROMETHEUS } from "./observability";
import { ALERTMANAGER } from "./alerting";
import { GRAFANA } from "./grafana";
import { STATE_METRICS, STORE_EXPORTERS } from "./exporters";

/**
 * The upstream support window of every image the stacks run (read from the catalog's pins), the runtime
 * image builds on, or the kind scripts start (stated here; a test reads them from app/Dockerfile and
 * scripts/kind-up.sh): what a team checks before it bumps a pin (the README's table is this list; a test keeps
 * them equal and requires every applied image to be here, supported on the day of the check).
 */
export interface ImageSupport {
  /** The reference exactly as pinned. */
  readonly image: string;
  /** The upstream release line the pin belongs to. */
  readonly line: string;
  /** The line's announced end of support (ISO date), or null where upstream announces none. */
  readonly endOfSupport: string | null;
  /** Where the date (or its absence) comes from, and what bounds it (an OS base image, an estimate). */
  readonly note: string;
  /** Where the pin is used. */
  readonly usedBy: string;
}

/** The day the windows below were last checked against upstream. */
export const IMAGE_SUPPORT_CHECKED_ON = "2026-12-02";

export const IMAGE_SUPPORT: readonly ImageSupport[] = [
  {
    image: "node:24.21.0-alpine3.24",
    line: "Node.js 24 LTS on Alpine 3.24",
    endOfSupport: "2028-04-30",
    note: "Node.js release schedule (Node 20 ended 2026-04-30); Alpine 3.24 is supported past it",
    usedBy: "app/Dockerfile (the service runtime)",
  },
  {
    image: GATEWAY.image,
    line: "Kong Gateway OSS 3.9",
    endOfSupport: null,
    note: "the last open-source line; community-maintained (3.9.2 and 3.9.3 shipped in 2026), no end date announced; Kong's enterprise support for 3.9 ended 2025-12-12",
    usedBy: "Kong",
  },
  {
    image: PROMETHEUS.image,
    line: "Prometheus 3.13 LTS",
    endOfSupport: "2027-07-31",
    note: "LTS releases get one year of fixes (3.5 LTS ended 2026-07-31)",
    usedBy: "Prometheus",
  },
  {
    image: GRAFANA.image,
    line: "Grafana 13.1",
    endOfSupport: null,
    note: "security fixes for the newest minor and the last minor of the previous major; 13.1.0 is the newest release confirmed here (13.2 is announced): bump with each minor",
    usedBy: "Grafana",
  },
  {
    image: ALERTMANAGER.image,
    line: "Alertmanager 0.35",
    endOfSupport: null,
    note: "no LTS line: fixes land in the newest release only (0.35.0 was the newest on 2026-12-01), so bump with each release",
    usedBy: "Alertmanager",
  },
  {
    image: STATE_METRICS.image,
    line: "kube-state-metrics 2.20",
    endOfSupport: null,
    note: "no support window: fixes land in the newest release; each release is tested against the Kubernetes minors its compatibility matrix lists, so bump with the cluster",
    usedBy: "kube-state-metrics (beside Prometheus)",
  },
  {
    image: STORE_EXPORTERS.postgresql.image,
    line: "postgres_exporter 0.20",
    endOfSupport: null,
    note: "a Prometheus community exporter without LTS: fixes land in the newest release only, so bump with each release",
    usedBy: "PostgreSQL (its exporter container)",
  },
  {
    image: STORE_EXPORTERS.redis.image,
    line: "redis_exporter 1.88",
    endOfSupport: null,
    note: "one maintainer's project without LTS: fixes land in the newest release only, so bump with each release",
    usedBy: "Redis (its exporter container)",
  },
  {
    image: JAEGER.image,
    line: "Jaeger v2",
    endOfSupport: null,
    note: "only the newest v2 release gets fixes, so bump with each release; v1 ended 2025-12-31",
    usedBy: "Jaeger",
  },
  {
    image: POSTGRES.image,
    line: "PostgreSQL 16",
    endOfSupport: "2028-11-09",
    note: "five years per major version",
    usedBy: "PostgreSQL",
  },
  {
    image: REDIS.image,
    line: "Redis 8.10 on Alpine 3.23",
    endOfSupport: "2027-11-01",
    note: "the newest Redis minor (maintained until superseded); bounded by Alpine 3.23's end of support",
    usedBy: "Redis",
  },
  {
    image: EVENT_STORE.image,
    line: "KurrentDB 26.0 LTS (EventStoreDB's successor)",
    endOfSupport: "2028-01-31",
    note: "two years per LTS from its January 2026 release, plus a two-month grace period (EventStoreDB 24.10 ended October 2026)",
    usedBy: "EventStoreDB",
  },
  {
    image: `${MESH.install.hub}/pilot:${MESH.install.version}`,
    line: "Istio 1.31",
    endOfSupport: "2027-02-28",
    note: "supported until six weeks after 1.33 (expected February 2027)",
    usedBy: "Istio (istiod)",
  },
  {
    image: `${MESH.install.hub}/proxyv2:${MESH.install.version}`,
    line: "Istio 1.31",
    endOfSupport: "2027-02-28",
    note: "as istiod",
    usedBy: "Istio (sidecars, ingress gateway)",
  },
  {
    image: "registry:3.0.0",
    line: "CNCF Distribution 3",
    endOfSupport: null,
    note: "the current major; no end date announced",
    usedBy: "scripts/kind-up.sh (the local registry)",
  },
  {
    image: POSTGRES.specImage,
    line: "PostgreSQL 13",
    endOfSupport: "2025-11-13",
    note: "named by the spec's docker_compose.yaml, which is emitted byte for byte; never applied: the stacks run the PostgreSQL 16 pin above",
    usedBy: "the spec's docker_compose.yaml only",
  },
];

/** Pins that are only text of the specification's files, never run. */
export const SPEC_ONLY_IMAGES: readonly string[] = [POSTGRES.specImage];
