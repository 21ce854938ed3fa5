import { NETWORK_POLICY_TYPES, Props, namespaceOf, selectorMatches } from "./k8s";
import { StackView } from "./stack";

/**
 * What a NetworkPolicy isolates: the directions its `policyTypes` name, or, without them, Ingress and
 * (when it has egress rules) Egress, as the API server defaults them.
 */
export function isolates(policy: Props): { ingress: boolean; egress: boolean } {
  const types = policy?.spec?.policyTypes as string[] | undefined;
  if (Array.isArray(types) && types.length > 0) return { ingress: types.includes("Ingress"), egress: types.includes("Egress") };
  return { ingress: true, egress: Array.isArray(policy?.spec?.egress) && policy.spec.egress.length > 0 };
}

/** The NetworkPolicies of a namespace that select pods with these labels. */
export function policiesSelecting(stack: StackView, namespace: string, labels: Record<string, string>): Props[] {
  return stack
    .ofTypes(NETWORK_POLICY_TYPES)
    .map((p) => p.props)
    .filter((p) => namespaceOf(p) === namespace && selectorMatches(p.spec?.podSelector, labels));
}

const isEmptySelector = (selector: Props | undefined): boolean =>
  !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);

/** A default deny for a direction: every pod of the namespace selected, isolated in that direction, with no rule allowing anything. */
export function deniesByDefault(policy: Props, direction: "ingress" | "egress"): boolean {
  return isEmptySelector(policy?.spec?.podSelector) && isolates(policy)[direction] && (policy?.spec?.[direction] ?? []).length === 0;
}
