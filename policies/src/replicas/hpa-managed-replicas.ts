import { exemptNamespacesSchema } from "../lib/config";
import { declaredByProgram, describe, namespaceOf } from "../lib/k8s";
import { MANDATORY, stackPolicy } from "../lib/policy";

/**
 * A workload an autoscaler scales leaves spec.replicas unset: every apply that sets it resets the count
 * the autoscaler chose (kube-score: deployment-targeted-by-hpa-does-not-have-replicas-configured).
 */
export const hpaManagedReplicas = stackPolicy<{ exemptNamespaces: string[] }>(
  {
    name: "hpa-managed-replicas",
    description:
      "A Deployment or StatefulSet scaled by a HorizontalPodAutoscaler does not set spec.replicas (each deployment would reset the autoscaler's count).",
    enforcementLevel: MANDATORY,
    severity: "high",
    configSchema: { properties: { exemptNamespaces: exemptNamespacesSchema("workloads") } },
  },
  (stack, settings, report, args) => {
    let scaled = 0;
    for (const workload of stack.scalableWorkloads()) {
      if (settings.exemptNamespaces.includes(namespaceOf(workload.props))) continue;
      const hpa = stack.autoscalerOf(workload);
      if (!hpa) continue;
      scaled++;
      // On a deployed stack the live count is the autoscaler's: only a count the program sets is a fault.
      if (!declaredByProgram(workload.props, ["spec", "replicas"])) continue;
      const replicas = workload.props.spec.replicas;
      report(
        `${describe(workload.props)} sets spec.replicas ${JSON.stringify(replicas)} but ${describe(hpa, "HorizontalPodAutoscaler")} scales it, so every update resets the autoscaler's count: remove spec.replicas (the autoscaler's spec.minReplicas is the floor).`,
        workload.urn,
      );
    }
    if (scaled === 0) args.notApplicable("no workload is scaled by a HorizontalPodAutoscaler");
  },
);
