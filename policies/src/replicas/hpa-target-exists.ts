import { exemptNamespacesSchema } from "../lib/config";
import { HPA_TYPES, describe, nameOf, namespaceOf } from "../lib/k8s";
import { MANDATORY, stackPolicy } from "../lib/policy";

/** Kinds an autoscaler in this ecosystem targets, as `scaleTargetRef.kind` names them. */
const SCALABLE_KINDS = ["Deployment", "StatefulSet"];

/**
 * An autoscaler scales a workload of the stack: a scaleTargetRef that names nothing scales nothing, and
 * the workload it was meant for runs unscaled (kube-score: horizontalpodautoscaler-has-target).
 */
export const hpaTargetExists = stackPolicy<{ exemptNamespaces: string[] }>(
  {
    name: "hpa-target-exists",
    description: "Every HorizontalPodAutoscaler's scaleTargetRef names a Deployment or StatefulSet of the stack in its namespace.",
    enforcementLevel: MANDATORY,
    severity: "high",
    configSchema: { properties: { exemptNamespaces: exemptNamespacesSchema("autoscalers") } },
  },
  (stack, settings, report, args) => {
    const autoscalers = stack.ofTypes(HPA_TYPES).filter((h) => !settings.exemptNamespaces.includes(namespaceOf(h.props)));
    if (autoscalers.length === 0) args.notApplicable("no HorizontalPodAutoscaler");
    const workloads = stack.scalableWorkloads();
    for (const hpa of autoscalers) {
      const ref = hpa.props.spec?.scaleTargetRef ?? {};
      const namespace = namespaceOf(hpa.props);
      const target = workloads.find((w) => namespaceOf(w.props) === namespace && nameOf(w.props) === ref.name && (!ref.kind || w.props.kind === ref.kind));
      if (target) continue;
      const kinds = SCALABLE_KINDS.includes(ref.kind) ? ref.kind : `${ref.kind ?? "(no kind)"} (not a Deployment or StatefulSet)`;
      report(
        `${describe(hpa.props, "HorizontalPodAutoscaler")}: spec.scaleTargetRef names ${kinds} ${namespace}/${ref.name ?? "(no name)"}, which the stack does not have: point it at the workload's kind and name in namespace ${namespace}.`,
        hpa.urn,
      );
    }
  },
);
