import { exemptNamespacesSchema } from "../lib/config";
import { chartWorkload, describeRelease, isHelmRelease, istioChartOf, releaseNamespace } from "../lib/helm";
import { PDB_TYPES, describe, isOneOf, namespaceOf } from "../lib/k8s";
import { ADVISORY, resourcePolicy } from "../lib/policy";

export interface UnhealthyEvictionSettings {
  exemptNamespaces: string[];
}

const ALWAYS_ALLOW = "AlwaysAllow";

/** Where each Istio chart that renders a PodDisruptionBudget takes its eviction policy from. */
const CHART_POLICY_KEY = { istiod: "pdb.unhealthyPodEvictionPolicy", gateway: "podDisruptionBudget.unhealthyPodEvictionPolicy" } as const;

const valueAt = (values: Record<string, any> | undefined, key: string): unknown => key.split(".").reduce<any>((v, k) => v?.[k], values);

/**
 * Unhealthy pods never block a drain: every PodDisruptionBudget, the ones Istio's charts render
 * included, sets `unhealthyPodEvictionPolicy: AlwaysAllow`. Under the default (IfHealthyBudget), one
 * crash-looping or never-ready pod of a workload at its budget keeps a node drain waiting for as long
 * as it stays unhealthy.
 */
export const pdbUnhealthyEviction = resourcePolicy<UnhealthyEvictionSettings>(
  {
    name: "pdb-unhealthy-eviction",
    description: "Every PodDisruptionBudget (Istio's charts' too) lets unhealthy pods be evicted: unhealthyPodEvictionPolicy AlwaysAllow.",
    enforcementLevel: ADVISORY,
    severity: "high",
    configSchema: {
      properties: {
        exemptNamespaces: exemptNamespacesSchema("PodDisruptionBudgets"),
      },
    },
  },
  (type) => isOneOf(type, PDB_TYPES) || isHelmRelease(type),
  (props, settings, report, args) => {
    if (isHelmRelease(args.type)) {
      const chart = istioChartOf(props);
      const workload = chart && chartWorkload(chart, props);
      if (!chart || !workload || !workload.disruptionBudget || !(chart in CHART_POLICY_KEY)) {
        return args.notApplicable(`${describeRelease(props)} renders no PodDisruptionBudget the pack knows`);
      }
      if (settings.exemptNamespaces.includes(releaseNamespace(props))) return args.notApplicable(`namespace ${releaseNamespace(props)} is exempt`);
      const key = CHART_POLICY_KEY[chart as keyof typeof CHART_POLICY_KEY];
      const value = valueAt(props.values, key);
      if (value !== ALWAYS_ALLOW) {
        report(
          `${describeRelease(props)}: the PodDisruptionBudget of its ${workload.workload} has unhealthyPodEvictionPolicy ${JSON.stringify(value ?? "unset")}, so an unhealthy pod blocks node drains: set values.${key} to ${ALWAYS_ALLOW}.`,
        );
      }
      return;
    }
    if (settings.exemptNamespaces.includes(namespaceOf(props))) return args.notApplicable(`namespace ${namespaceOf(props)} is exempt`);
    const value = props.spec?.unhealthyPodEvictionPolicy;
    if (value !== ALWAYS_ALLOW) {
      report(
        `${describe(props, "PodDisruptionBudget")}: spec.unhealthyPodEvictionPolicy is ${JSON.stringify(value ?? "unset")}, so a crash-looping or never-ready pod blocks node drains: set it to ${ALWAYS_ALLOW}.`,
      );
    }
  },
);
