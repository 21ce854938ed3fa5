import * as k8s from "@pulumi/kubernetes";

type Constraint = k8s.types.input.core.v1.TopologySpreadConstraint;

/** The node labels a multi-zone cluster sets on every node (well-known labels of Kubernetes). */
export const SPREAD_TOPOLOGY_KEYS = ["topology.kubernetes.io/zone", "kubernetes.io/hostname"] as const;

/**
 * On prod, spread a workload's replicas across zones, then across nodes, so that losing a zone or a
 * node takes at most its share. Best effort (ScheduleAnyway): a cluster with one zone, or fewer nodes
 * than replicas, still schedules every pod. A Deployment's pods are counted per revision
 * (`pod-template-hash`), so a rollout is spread as well. Dev (one kind node) gets none.
 */
export function topologySpread(environment: "dev" | "prod", selector: Record<string, string>, kind: "Deployment" | "StatefulSet"): Constraint[] | undefined {
  if (environment !== "prod") return undefined;
  return SPREAD_TOPOLOGY_KEYS.map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: selector },
    ...(kind === "Deployment" ? { matchLabelKeys: ["pod-template-hash"] } : {}),
  }));
}
