import { exemptServicesSchema } from "../lib/config";
import { describe, formatLabels, namespaceOf, podIdentity } from "../lib/k8s";
import { MANDATORY, stackPolicy } from "../lib/policy";
import { listsService, selectedTemplates, selectingServices } from "../lib/wiring";

export interface ServiceSelectsPodsSettings {
  exemptServices: string[];
}

/**
 * No dangling Services: every Service with a selector (not ExternalName, not selector-less)
 * selects the pod template labels of at least one workload of the stack in its namespace
 * (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod); otherwise it has no
 * endpoints and every call to it fails. kube-score `service-targets-pod`, kube-linter `dangling-service`.
 */
export const serviceSelectsPods = stackPolicy<ServiceSelectsPodsSettings>(
  {
    name: "service-selects-pods",
    description: "Every Service with a selector selects the pods of at least one workload in its namespace.",
    enforcementLevel: MANDATORY,
    severity: "high",
    configSchema: {
      properties: {
        exemptServices: exemptServicesSchema("Services whose pods come from outside the stack (a Helm chart, an operator)"),
      },
    },
  },
  (stack, settings, report, args) => {
    const services = selectingServices(stack).filter((s) => !listsService(settings.exemptServices, s.resource.props));
    if (services.length === 0) args.notApplicable("no Service with a selector");
    const templates = stack.podTemplates();
    for (const { resource, selector } of services) {
      if (selectedTemplates(stack, resource.props, selector).length > 0) continue;
      const namespace = namespaceOf(resource.props);
      // The workload of the namespace that shares most of the selector, to name in the fix.
      const candidates = templates
        .filter(({ template }) => template.namespace === namespace)
        .map((t) => ({ ...t, shared: Object.entries(selector).filter(([k, v]) => t.template.labels[k] === String(v)).length }))
        .sort((a, b) => b.shared - a.shared);
      const hint =
        candidates.length > 0 && candidates[0].shared > 0
          ? `set spec.selector to pod labels of ${describe(candidates[0].resource.props)} (${podIdentity(candidates[0].template.labels)}) or fix that workload's template labels`
          : `set spec.selector to the pod template labels of the workload it fronts, or add that workload to namespace ${namespace}`;
      report(
        `${describe(resource.props, "Service")}: spec.selector ${formatLabels(selector)} selects no pod template in namespace ${namespace}, so the Service has no endpoints and every call to it fails: ${hint}.`,
        resource.urn,
      );
    }
  },
);
