import { AUTHORIZATION_POLICY_TYPES } from "../lib/istio";
import { exemptNamespacesSchema } from "../lib/config";
import { Props, namespaceOf, nameOf } from "../lib/k8s";
import { ROOT_NAMESPACE, injectionEnabled } from "../lib/istio";
import { ADVISORY, stackPolicy } from "../lib/policy";
import { actionOf } from "../lib/wiring";

export interface DefaultAuthorizationSettings {
  rootNamespace: string;
  exemptNamespaces: string[];
}

const isEmpty = (value: unknown): boolean =>
  value === undefined || value === null || (Array.isArray(value) && value.length === 0) || (typeof value === "object" && Object.keys(value).length === 0);

/**
 * An allow-nothing default: an ALLOW AuthorizationPolicy that applies to the whole namespace (no
 * selector, or one without labels; no targetRef) and has no rules, so it matches no request and
 * every workload no other ALLOW policy admits is denied. `spec: {}` is the canonical form.
 */
export function isAllowNothing(policy: Props): boolean {
  const spec = policy?.spec ?? {};
  if (actionOf(policy) !== "ALLOW" || spec.provider) return false;
  const selector = spec.selector;
  const namespaceWide = (isEmpty(selector) || isEmpty(selector?.matchLabels)) && isEmpty(spec.targetRef) && isEmpty(spec.targetRefs);
  return namespaceWide && isEmpty(spec.rules);
}

/**
 * Default-deny, once: every namespace with sidecar injection that has an ALLOW
 * AuthorizationPolicy also has exactly one namespace-wide allow-nothing policy (`spec: {}`), so
 * workloads no ALLOW policy selects are closed, and nobody has to wonder which of several
 * defaults is the real one. A mesh-wide allow-nothing in the root namespace also closes the
 * namespace. Istio security best practices ("default-deny").
 */
export const oneDefaultAuthorizationPerNamespace = stackPolicy<DefaultAuthorizationSettings>(
  {
    name: "one-default-authorization-per-namespace",
    description: "Every meshed namespace with ALLOW AuthorizationPolicies has exactly one namespace-wide allow-nothing policy.",
    enforcementLevel: ADVISORY,
    severity: "medium",
    configSchema: {
      properties: {
        rootNamespace: {
          type: "string",
          default: ROOT_NAMESPACE,
          description: "Istio's root namespace: an allow-nothing policy there applies to every namespace.",
        },
        exemptNamespaces: exemptNamespacesSchema("AuthorizationPolicies"),
      },
    },
  },
  (stack, settings, report, args) => {
    const policies = stack.ofTypes(AUTHORIZATION_POLICY_TYPES);
    const meshWide = policies.filter((p) => namespaceOf(p.props) === settings.rootNamespace && isAllowNothing(p.props));
    const namespaces = [...stack.namespaces().values()].filter(
      (ns) => injectionEnabled(ns.props) && !settings.exemptNamespaces.includes(nameOf(ns.props)) && nameOf(ns.props) !== settings.rootNamespace,
    );
    const governed = namespaces
      .map((ns) => ({ ns, policies: policies.filter((p) => namespaceOf(p.props) === nameOf(ns.props)) }))
      .filter((n) => n.policies.some((p) => actionOf(p.props) === "ALLOW"));
    if (governed.length === 0) args.notApplicable("no namespace with sidecar injection has an ALLOW AuthorizationPolicy");
    for (const { ns, policies: own } of governed) {
      const name = nameOf(ns.props);
      const defaults = own.filter((p) => isAllowNothing(p.props));
      if (defaults.length === 0 && meshWide.length === 0) {
        const allows = own.filter((p) => actionOf(p.props) === "ALLOW").map((p) => nameOf(p.props));
        report(
          `Namespace ${name} has ALLOW AuthorizationPolicies (${allows.join(", ")}) but no namespace-wide allow-nothing policy, so every workload none of them selects accepts any caller: add AuthorizationPolicy allow-nothing in namespace ${name} with spec {}.`,
          ns.urn,
        );
      } else if (defaults.length > 1) {
        report(
          `Namespace ${name} has ${defaults.length} namespace-wide allow-nothing AuthorizationPolicies (${defaults.map((p) => nameOf(p.props)).join(", ")}), where one default-deny is meant: keep one (spec {}) and delete the others.`,
          ns.urn,
        );
      }
    }
  },
);
