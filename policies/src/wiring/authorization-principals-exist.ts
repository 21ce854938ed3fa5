import { AUTHORIZATION_POLICY_TYPES } from "../lib/istio";
import { Props, describe } from "../lib/k8s";
import { CLUSTER_DOMAIN } from "../lib/istio";
import { MANDATORY, stackPolicy } from "../lib/policy";
import { actionOf, istioMatch, serviceAccountOf, stackNamespaces } from "../lib/wiring";

export interface PrincipalSettings {
  trustDomain: string;
  externalNamespaces: string[];
}

/** What a source that matches no caller does, by the policy's action. */
const CONSEQUENCES: Record<string, string> = {
  ALLOW: "the calls it is meant to allow are denied",
  DENY: "the calls it is meant to deny are not denied",
  AUDIT: "the calls it is meant to audit are not audited",
};

/**
 * The namespace a principal pattern pins, if it is of the form `<trust domain>/ns/<ns>/sa/<sa>`
 * (a `*` prefix or suffix allowed, as Istio matches them) in the configured trust domain or any.
 */
export function pinnedNamespace(principal: string, trustDomain: string): string | undefined {
  if (principal.startsWith("*")) {
    // `*/ns/kong/sa/kong`: any trust domain; the namespace is pinned when `/ns/<ns>/sa/` is whole.
    return /\/ns\/([^/*]+)\/sa\/[^/*]+$/.exec(principal.slice(1))?.[1];
  }
  if (principal.endsWith("*")) {
    // `cluster.local/ns/kong/sa/*` or `cluster.local/ns/kong/*`.
    const match = /^([^/]+)\/ns\/([^/*]+)\//.exec(principal.slice(0, -1));
    return match && match[1] === trustDomain ? match[2] : undefined;
  }
  const match = /^([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
  return match && match[1] === trustDomain ? match[2] : undefined;
}

/**
 * AuthorizationPolicies name real callers: every `source.principals` entry of the form
 * `<trust domain>/ns/<ns>/sa/<sa>` (Istio's `*` prefix/suffix wildcards allowed) matches the
 * service account some pod template of the stack runs as in that namespace
 * (`spec.serviceAccountName`, `default` when unset), and every `source.namespaces` entry is a
 * namespace of the stack (declared, holding a resource, or a Helm release's). A principal nobody
 * runs as silently denies the caller it was written for. Istio security best practices; istioctl analyze.
 */
export const authorizationPrincipalsExist = stackPolicy<PrincipalSettings>(
  {
    name: "authorization-principals-exist",
    description: "Every principal and namespace an AuthorizationPolicy names is a service account or namespace of the stack's workloads.",
    enforcementLevel: MANDATORY,
    severity: "high",
    configSchema: {
      properties: {
        trustDomain: {
          type: "string",
          default: CLUSTER_DOMAIN,
          description: "The mesh's trust domain (meshConfig.trustDomain), the first part of every principal.",
        },
        externalNamespaces: {
          type: "array",
          items: { type: "string" },
          default: [],
          description:
            "Namespaces whose workloads the stack does not declare (e.g. istio-ingress when a Helm chart installs the gateway): their principals and names are not checked.",
        },
      },
    },
  },
  (stack, settings, report, args) => {
    const policies = stack.ofTypes(AUTHORIZATION_POLICY_TYPES);
    if (policies.length === 0) args.notApplicable("no AuthorizationPolicy");
    const td = settings.trustDomain;
    const external = settings.externalNamespaces;
    const isExternal = (namespace: string) => external.some((e) => istioMatch(e, namespace));
    const templates = stack.podTemplates();
    const principals = new Set(templates.map(({ template }) => `${td}/ns/${template.namespace}/sa/${serviceAccountOf(template)}`));
    const namespaces = stackNamespaces(stack);
    const accountsIn = (namespace: string) =>
      [...new Set(templates.filter((t) => t.template.namespace === namespace).map((t) => serviceAccountOf(t.template)))].sort();

    for (const policy of policies) {
      const what = describe(policy.props, "AuthorizationPolicy");
      const consequence = CONSEQUENCES[actionOf(policy.props)] ?? "the rule matches no caller";
      ((policy.props.spec?.rules ?? []) as Props[]).forEach((rule, i) => {
        ((rule?.from ?? []) as Props[]).forEach((from, j) => {
          const source = from?.source ?? {};
          const at = `spec.rules[${i}].from[${j}].source`;
          ((source.principals ?? []) as unknown[]).forEach((value, k) => {
            const principal = typeof value === "string" ? value : "";
            if (!principal || principal === "*" || [...principals].some((p) => istioMatch(principal, p))) return;
            const namespace = pinnedNamespace(principal, td);
            if (namespace === undefined || isExternal(namespace)) return;
            const accounts = accountsIn(namespace);
            const found = accounts.length
              ? `pods in namespace ${namespace} run as ${accounts.join(", ")}`
              : `no workload of the stack runs in namespace ${namespace}`;
            report(
              `${what}: ${at}.principals[${k}] ${principal} is the identity of no pod of the stack (${found}), so ${consequence}: set it to ${td}/ns/<namespace>/sa/<the caller's spec.template.spec.serviceAccountName>, or give the caller's pods that service account.`,
              policy.urn,
            );
          });
          ((source.namespaces ?? []) as unknown[]).forEach((value, k) => {
            const namespace = typeof value === "string" ? value : "";
            if (!namespace || namespace === "*" || isExternal(namespace) || [...namespaces].some((n) => istioMatch(namespace, n))) return;
            report(
              `${what}: ${at}.namespaces[${k}] ${namespace} is no namespace of the stack (none is declared and no resource lives there), so ${consequence}: name the namespace the callers run in, or list it in this policy's externalNamespaces if the stack does not manage it.`,
              policy.urn,
            );
          });
        });
      });
    }
  },
);
