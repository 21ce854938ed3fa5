import { Props, describe, namespaceOf } from "../lib/k8s";
import { CLUSTER_DOMAIN, DESTINATION_RULE_TYPES, VIRTUAL_SERVICE_TYPES, hostCovers, resolveHost } from "../lib/istio";
import { ADVISORY, stackPolicy } from "../lib/policy";

export interface SubsetSettings {
  clusterDomain: string;
}

/** Each destination of a VirtualService (with the path messages name it by). */
export function destinationsOf(vs: Props): { destination: Props; path: string }[] {
  const out: { destination: Props; path: string }[] = [];
  for (const protocol of ["http", "tcp", "tls"]) {
    ((vs.spec?.[protocol] ?? []) as Props[]).forEach((rule, i) => {
      ((rule?.route ?? []) as Props[]).forEach((route, j) => {
        if (route?.destination) out.push({ destination: route.destination, path: `spec.${protocol}[${i}].route[${j}].destination` });
      });
      if (protocol === "http" && rule?.mirror) out.push({ destination: rule.mirror, path: `spec.http[${i}].mirror` });
    });
  }
  return out;
}

/** Routing: every subset a VirtualService routes to is defined by a DestinationRule for that host. */
export const virtualServiceSubsets = stackPolicy<SubsetSettings>(
  {
    name: "virtual-service-subsets",
    description: "Every subset a VirtualService routes to is defined by a DestinationRule for the same host.",
    enforcementLevel: ADVISORY,
    severity: "high",
    configSchema: {
      properties: { clusterDomain: { type: "string", default: CLUSTER_DOMAIN, description: "The cluster's DNS domain." } },
    },
  },
  (stack, settings, report, args) => {
    const services = stack.ofTypes(VIRTUAL_SERVICE_TYPES);
    if (services.length === 0) args.notApplicable("no VirtualService");
    const domain = settings.clusterDomain;
    const rules = stack.ofTypes(DESTINATION_RULE_TYPES).map((r) => ({
      resolved: resolveHost(String(r.props.spec?.host ?? ""), namespaceOf(r.props), domain),
      subsets: new Set(((r.props.spec?.subsets ?? []) as Props[]).map((s) => s?.name)),
    }));
    for (const vs of services) {
      for (const { destination, path } of destinationsOf(vs.props)) {
        if (!destination.subset) continue;
        const host = resolveHost(String(destination.host ?? ""), namespaceOf(vs.props), domain);
        if (rules.some((r) => hostCovers(r.resolved, host) && r.subsets.has(destination.subset))) continue;
        report(
          `${describe(vs.props, "VirtualService")}: ${path} routes to subset ${destination.subset} of ${destination.host}, but no DestinationRule for ${host} defines it, so that traffic fails with 503: add subset ${destination.subset} (labels version: ${destination.subset}) to the host's DestinationRule.`,
          vs.urn,
        );
      }
    }
  },
);
