import { exemptNamespacesSchema } from "../lib/config";
import { describe, podIdentity } from "../lib/k8s";
import { isolates, policiesSelecting } from "../lib/network";
import { ADVISORY, stackPolicy } from "../lib/policy";

export interface NetworkPolicyCoverageSettings {
  exemptNamespaces: string[];
}

/**
 * Network isolation of every pod, both ways: each pod template is selected by a NetworkPolicy of its
 * namespace that isolates its ingress and by one that isolates its egress. A pod no policy selects for a
 * direction is open in it, whatever the namespace's other policies say.
 */
export const networkPolicyCoverage = stackPolicy<NetworkPolicyCoverageSettings>(
  {
    name: "network-policy-coverage",
    description: "Every pod is selected by a NetworkPolicy of its namespace for ingress and for egress.",
    enforcementLevel: ADVISORY,
    severity: "high",
    configSchema: { properties: { exemptNamespaces: exemptNamespacesSchema("pods") } },
  },
  (stack, settings, report, args) => {
    const pods = stack.podTemplates().filter(({ template }) => !settings.exemptNamespaces.includes(template.namespace));
    if (pods.length === 0) args.notApplicable("no pod templates");
    for (const { resource, template } of pods) {
      const selecting = policiesSelecting(stack, template.namespace, template.labels);
      const open = (["ingress", "egress"] as const).filter((d) => !selecting.some((p) => isolates(p)[d]));
      if (open.length > 0) {
        report(
          `${describe(resource.props)}: no NetworkPolicy in namespace ${template.namespace} selects its pods (${podIdentity(template.labels)}) for ${open.join(" and ")}, so any peer may ${open.length === 2 ? "reach them and be reached" : open[0] === "ingress" ? "reach them" : "be reached by them"}: add a default-deny NetworkPolicy for the namespace and one allowing only their peers.`,
          resource.urn,
        );
      }
    }
  },
);
