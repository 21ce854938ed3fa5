import { exemptNamespacesSchema } from "../lib/config";
import { describe, nameOf, namespaceOf, podIdentity, selectorMatches } from "../lib/k8s";
import { AUTHORIZATION_POLICY_TYPES, INJECT_ANNOTATION, ROOT_NAMESPACE, injectionEnabled } from "../lib/istio";
import { ADVISORY, stackPolicy } from "../lib/policy";

export interface AuthorizationCoverageSettings {
  rootNamespace: string;
  exemptNamespaces: string[];
}

/**
 * Identity-based access for every meshed workload: each pod template that gets a sidecar (its namespace
 * is labelled for injection and the pod does not opt out) is selected by an AuthorizationPolicy: one of
 * its namespace whose selector matches its labels, a namespace-wide one there, or a mesh-wide one in
 * Istio's root namespace. Without any, its sidecar lets every mesh identity through.
 */
export const authorizationPolicyCoverage = stackPolicy<AuthorizationCoverageSettings>(
  {
    name: "authorization-policy-coverage",
    description: "Every workload with an Istio sidecar is selected by an AuthorizationPolicy.",
    enforcementLevel: ADVISORY,
    severity: "high",
    configSchema: {
      properties: {
        rootNamespace: { type: "string", default: ROOT_NAMESPACE, description: "Istio's root namespace: a policy there without a selector applies mesh-wide." },
        exemptNamespaces: exemptNamespacesSchema("workloads"),
      },
    },
  },
  (stack, settings, report, args) => {
    const injected = new Set([...stack.namespaces().values()].filter((ns) => injectionEnabled(ns.props)).map((ns) => nameOf(ns.props)));
    const meshed = stack
      .podTemplates()
      .filter(({ template }) => injected.has(template.namespace) && !settings.exemptNamespaces.includes(template.namespace))
      .filter(({ template }) => template.annotations[INJECT_ANNOTATION] !== "false" && template.labels[INJECT_ANNOTATION] !== "false");
    if (meshed.length === 0) args.notApplicable("no pod template gets an Istio sidecar (no namespace the stack creates is labelled for injection)");
    const policies = stack.ofTypes(AUTHORIZATION_POLICY_TYPES).map((p) => p.props);
    for (const { resource, template } of meshed) {
      const selected = policies.some((p) => {
        const ns = namespaceOf(p);
        const selector = p.spec?.selector;
        if (ns === settings.rootNamespace && !selector) return true;
        // No selector (or an empty one) selects the whole namespace.
        return ns === template.namespace && (!selector || selectorMatches(selector, template.labels));
      });
      if (!selected) {
        report(
          `${describe(resource.props)}: its pods (${podIdentity(template.labels)}) get an Istio sidecar but no AuthorizationPolicy selects them, so every identity in the mesh may call them: add a namespace-wide allow-nothing AuthorizationPolicy (spec {}) in ${template.namespace} and one allowing only their callers' principals.`,
          resource.urn,
        );
      }
    }
  },
);
