import { APP_TIER_LABELS, appTierLabelsSchema } from "../lib/config";
import { NETWORK_POLICY_TYPES, describe, formatLabels, hasLabels, podIdentity, labelsOf, namespaceOf, selectorMatches } from "../lib/k8s";
import { ADVISORY, stackPolicy } from "../lib/policy";

export interface NetworkPolicySettings {
  appTierLabels: Record<string, string>;
}

/** Network isolation: every app-tier pod is selected by at least one NetworkPolicy of its namespace. */
export const networkPolicyCoverage = stackPolicy<NetworkPolicySettings>(
  {
    name: "network-policy-coverage",
    description: "Every app-tier pod is selected by a NetworkPolicy in its namespace.",
    enforcementLevel: ADVISORY,
    severity: "medium",
    configSchema: { properties: { appTierLabels: appTierLabelsSchema } },
  },
  (stack, settings, report, args) => {
    const tier = settings.appTierLabels ?? APP_TIER_LABELS;
    const policies = stack.ofTypes(NETWORK_POLICY_TYPES);
    const app = stack.podTemplates().filter(({ resource, template }) => hasLabels({ ...labelsOf(resource.props), ...template.labels }, tier));
    if (app.length === 0) args.notApplicable(`no pods labelled ${formatLabels(tier)}`);
    for (const { resource, template } of app) {
      const covered = policies.some((p) => namespaceOf(p.props) === template.namespace && selectorMatches(p.props.spec?.podSelector, template.labels));
      if (!covered) {
        report(
          `${describe(resource.props)}: no NetworkPolicy in namespace ${template.namespace} selects its pods (${podIdentity(template.labels)}), so any pod may reach them: add a NetworkPolicy whose spec.podSelector matches them and allows only their callers.`,
          resource.urn,
        );
      }
    }
  },
);
