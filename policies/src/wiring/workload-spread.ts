import { exemptNamespacesSchema } from "../lib/config";
import { LabelSelector, Props, describe, formatLabels, namespaceOf, podIdentity, selectorMatches } from "../lib/k8s";
import { ADVISORY, stackPolicy } from "../lib/policy";
import { replicasOf } from "../lib/stack";

export interface SpreadSettings {
  minReplicas: number;
  topologyKeys: string[];
  exemptNamespaces: string[];
}

export const TOPOLOGY_KEYS = ["kubernetes.io/hostname", "topology.kubernetes.io/zone"];

/** A scheduling rule that spreads pods over a topology key, with the path messages name it by. */
interface SpreadRule {
  readonly topologyKey: string;
  readonly selector: LabelSelector | undefined;
  readonly path: string;
}

/** The topology spread constraints and pod anti-affinity terms (required and preferred) of a pod spec. */
function spreadRules(spec: Props, base: string): SpreadRule[] {
  const out: SpreadRule[] = [];
  ((spec.topologySpreadConstraints ?? []) as Props[]).forEach((c, i) =>
    out.push({ topologyKey: String(c?.topologyKey ?? ""), selector: c?.labelSelector, path: `${base}.topologySpreadConstraints[${i}]` }),
  );
  const anti = spec.affinity?.podAntiAffinity ?? {};
  ((anti.requiredDuringSchedulingIgnoredDuringExecution ?? []) as Props[]).forEach((t, i) =>
    out.push({
      topologyKey: String(t?.topologyKey ?? ""),
      selector: t?.labelSelector,
      path: `${base}.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[${i}]`,
    }),
  );
  ((anti.preferredDuringSchedulingIgnoredDuringExecution ?? []) as Props[]).forEach((t, i) =>
    out.push({
      topologyKey: String(t?.podAffinityTerm?.topologyKey ?? ""),
      selector: t?.podAffinityTerm?.labelSelector,
      path: `${base}.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}].podAffinityTerm`,
    }),
  );
  return out;
}

const formatSelector = (selector: LabelSelector | undefined): string =>
  selector ? formatLabels(selector.matchLabels ?? {}) || JSON.stringify(selector.matchExpressions ?? []) : "nothing (no labelSelector)";

/**
 * Replicas on different nodes: every Deployment or StatefulSet that runs more than `minReplicas`
 * pods (its spec.replicas, or its HPA's minReplicas) has a topologySpreadConstraint or a pod
 * anti-affinity term on a node or zone key whose labelSelector selects its own pods, so one node
 * (or zone) going down takes only some of them. kube-score `deployment-pod-anti-affinity`,
 * Polaris `topologySpreadConstraint`.
 */
export const workloadSpread = stackPolicy<SpreadSettings>(
  {
    name: "workload-spread",
    description: "Every multi-replica Deployment or StatefulSet spreads its pods across nodes or zones.",
    enforcementLevel: ADVISORY,
    severity: "medium",
    configSchema: {
      properties: {
        minReplicas: { type: "number", default: 1, description: "Workloads running more replicas than this must spread them." },
        topologyKeys: {
          type: "array",
          items: { type: "string" },
          default: TOPOLOGY_KEYS,
          description: "Topology keys a spread constraint or anti-affinity term must use (node, zone).",
        },
        exemptNamespaces: exemptNamespacesSchema("workloads"),
      },
    },
  },
  (stack, settings, report, args) => {
    const workloads = stack.scalableWorkloads().filter((w) => !settings.exemptNamespaces.includes(namespaceOf(w.props)));
    let checked = 0;
    for (const workload of workloads) {
      const replicas = replicasOf(workload.props);
      const hpa = stack.autoscalerOf(workload);
      const hpaMin = hpa ? (typeof hpa.spec?.minReplicas === "number" ? hpa.spec.minReplicas : 1) : undefined;
      if (replicas <= settings.minReplicas && (hpaMin ?? 0) <= settings.minReplicas) continue;
      checked++;
      const template = workload.props.spec?.template ?? {};
      const labels: Record<string, string> = template.metadata?.labels ?? {};
      const rules = spreadRules(template.spec ?? {}, "spec.template.spec").filter((r) => settings.topologyKeys.includes(r.topologyKey));
      if (rules.some((r) => selectorMatches(r.selector, labels))) continue;
      const what = describe(workload.props);
      const runs = hpaMin !== undefined ? `scales to at least ${Math.max(hpaMin, 1)}` : `runs ${replicas}`;
      const fix = `add a topologySpreadConstraint with topologyKey ${settings.topologyKeys[0] ?? "kubernetes.io/hostname"} and labelSelector.matchLabels ${podIdentity(labels)}`;
      if (rules.length > 0) {
        report(
          `${what} ${runs} replicas but ${rules[0].path} (${rules[0].topologyKey}) selects ${formatSelector(rules[0].selector)}, not its own pods (${podIdentity(labels)}), so it does not spread them: set its labelSelector to the pod labels, or ${fix}.`,
          workload.urn,
        );
      } else {
        report(
          `${what} ${runs} replicas but spec.template.spec has no topologySpreadConstraints or podAntiAffinity on ${settings.topologyKeys.join(" or ")}, so all of them may land on one node: ${fix}.`,
          workload.urn,
        );
      }
    }
    if (checked === 0) args.notApplicable(`no Deployment or StatefulSet runs more than ${settings.minReplicas} replicas`);
  },
);
