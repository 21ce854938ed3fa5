import { exemptNamespacesSchema } from "../lib/config";
import { PDB_TYPES, Props, describe, namespaceOf, podIdentity, scaledValue, selectorMatches } from "../lib/k8s";
import { MANDATORY, stackPolicy } from "../lib/policy";
import { replicasOf } from "../lib/stack";

export interface PdbSettings {
  exemptNamespaces: string[];
}

const isSet = (value: unknown) => value !== undefined && value !== null;

/**
 * A policy/v1 budget with neither field protects nothing (only the long-gone v1beta1 defaulted
 * minAvailable to 1).
 */
export const protectsNothing = (pdb: Props): boolean => !isSet(pdb.spec?.maxUnavailable) && !isSet(pdb.spec?.minAvailable);

/** Whether a PDB that sets a limit lets at least one of `pods` pods be evicted, and why not. */
export function disruptionBlocked(pdb: Props, pods: number): string | undefined {
  const spec = pdb.spec ?? {};
  if (isSet(spec.maxUnavailable)) {
    const allowed = scaledValue(spec.maxUnavailable, pods);
    if (allowed === undefined) return `spec.maxUnavailable ${JSON.stringify(spec.maxUnavailable)} is neither a number nor a percentage`;
    return allowed >= 1 ? undefined : `spec.maxUnavailable ${JSON.stringify(spec.maxUnavailable)} allows no pod to be evicted`;
  }
  if (isSet(spec.minAvailable)) {
    const kept = scaledValue(spec.minAvailable, pods);
    if (kept === undefined) return `spec.minAvailable ${JSON.stringify(spec.minAvailable)} is neither a number nor a percentage`;
    return kept < pods ? undefined : `spec.minAvailable ${JSON.stringify(spec.minAvailable)} keeps all ${pods} pods, so no pod can be evicted`;
  }
  return undefined;
}

/**
 * Replicas survive voluntary disruptions: every workload that runs more than one replica has
 * exactly one PodDisruptionBudget selecting its pods, and that budget still lets a node drain
 * evict one pod at the workload's lowest scale (its HPA's minReplicas when autoscaled).
 */
export const pdbAllowsDisruption = stackPolicy<PdbSettings>(
  {
    name: "pdb-allows-disruption",
    description: "Every multi-replica Deployment or StatefulSet has one PodDisruptionBudget that selects its pods and still allows a disruption.",
    enforcementLevel: MANDATORY,
    severity: "high",
    configSchema: {
      properties: {
        exemptNamespaces: exemptNamespacesSchema("workloads"),
      },
    },
  },
  (stack, settings, report, args) => {
    const budgets = stack.ofTypes(PDB_TYPES);
    const workloads = stack.scalableWorkloads().filter((w) => !settings.exemptNamespaces.includes(namespaceOf(w.props)));
    let multi = 0;
    for (const workload of workloads) {
      const replicas = replicasOf(workload.props);
      const hpa = stack.autoscalerOf(workload);
      const hpaMin = hpa ? (typeof hpa.spec?.minReplicas === "number" ? hpa.spec.minReplicas : 1) : undefined;
      if (replicas <= 1 && (hpaMin ?? 0) <= 1) continue;
      multi++;
      // An autoscaler owns the replica count: it never goes below its minReplicas, whatever spec.replicas says.
      const lowest = hpaMin ?? replicas;
      const podLabels: Record<string, string> = workload.props.spec?.template?.metadata?.labels ?? {};
      const what = describe(workload.props);
      const matching = budgets.filter((b) => namespaceOf(b.props) === namespaceOf(workload.props) && selectorMatches(b.props.spec?.selector, podLabels));
      if (matching.length === 0) {
        report(
          `${what} runs ${hpaMin !== undefined ? `at least ${lowest}` : replicas} replicas but no PodDisruptionBudget in namespace ${namespaceOf(workload.props)} selects its pods (${podIdentity(podLabels)}): add a PodDisruptionBudget with spec.selector.matchLabels of its pod labels and spec.maxUnavailable 1.`,
          workload.urn,
        );
        continue;
      }
      if (matching.length > 1) {
        report(
          `${what}: ${matching.length} PodDisruptionBudgets (${matching.map((b) => b.props.metadata?.name).join(", ")}) select its pods, and the eviction API refuses to evict pods with more than one: keep one.`,
          workload.urn,
        );
        continue;
      }
      if (protectsNothing(matching[0].props)) {
        report(
          `${describe(matching[0].props, "PodDisruptionBudget")} covers ${what} but sets neither spec.minAvailable nor spec.maxUnavailable, so under policy/v1 it protects nothing: set spec.maxUnavailable to 1.`,
          matching[0].urn,
        );
        continue;
      }
      const blocked = disruptionBlocked(matching[0].props, lowest);
      if (blocked) {
        report(
          `${describe(matching[0].props, "PodDisruptionBudget")} covers ${what} (lowest scale ${lowest}) but ${blocked}, which blocks node drains: set spec.maxUnavailable to 1 (or minAvailable below ${lowest}).`,
          matching[0].urn,
        );
      }
    }
    if (multi === 0) args.notApplicable("no workload runs more than one replica");
  },
);
