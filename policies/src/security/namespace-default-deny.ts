import { exemptNamespacesSchema } from "../lib/config";
import { NETWORK_POLICY_TYPES, nameOf, namespaceOf } from "../lib/k8s";
import { deniesByDefault } from "../lib/network";
import { ADVISORY, stackPolicy } from "../lib/policy";

export interface NamespaceDefaultDenySettings {
  exemptNamespaces: string[];
}

/**
 * Deny by default, per namespace: every Namespace the stack creates has a NetworkPolicy that selects all
 * of its pods and allows nothing in, and one (or the same) that allows nothing out. What a workload may
 * do is then only what its own policies allow; a pod added later without them is closed, not open.
 */
export const namespaceDefaultDeny = stackPolicy<NamespaceDefaultDenySettings>(
  {
    name: "namespace-default-deny",
    description: "Every namespace the stack creates has a default-deny NetworkPolicy for ingress and for egress.",
    enforcementLevel: ADVISORY,
    severity: "high",
    configSchema: { properties: { exemptNamespaces: exemptNamespacesSchema("default-deny NetworkPolicies") } },
  },
  (stack, settings, report, args) => {
    const namespaces = [...stack.namespaces().values()].filter((ns) => !settings.exemptNamespaces.includes(nameOf(ns.props)));
    if (namespaces.length === 0) args.notApplicable("the stack creates no namespace");
    const policies = stack.ofTypes(NETWORK_POLICY_TYPES).map((p) => p.props);
    for (const ns of namespaces) {
      const name = nameOf(ns.props);
      const own = policies.filter((p) => namespaceOf(p) === name);
      const missing = (["ingress", "egress"] as const).filter((d) => !own.some((p) => deniesByDefault(p, d)));
      if (missing.length > 0) {
        report(
          `Namespace ${name} has no default-deny NetworkPolicy for ${missing.join(" and ")}: add one selecting every pod (podSelector {}) with policyTypes [Ingress, Egress] and no rules, then allow each workload's peers in policies of its own.`,
          ns.urn,
        );
      }
    }
  },
);
