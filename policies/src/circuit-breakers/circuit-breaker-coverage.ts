import { exemptServicesSchema } from "../lib/config";
import { Props, SERVICE_TYPES, describe, namespaceOf, nameOf } from "../lib/k8s";
import { CLUSTER_DOMAIN, DESTINATION_RULE_TYPES, hostCovers, injectionEnabled, intendedServiceFqdn, resolveHost, serviceFqdn } from "../lib/istio";
import { MANDATORY, stackPolicy } from "../lib/policy";
import { exportedTo } from "../lib/wiring";

export interface CoverageSettings {
  exemptServices: string[];
  exemptHeadless: boolean;
  clusterDomain: string;
}

const isHeadless = (service: Props) => service.spec?.clusterIP === "None";

/**
 * Circuit breakers everywhere in the mesh: every Service in a namespace with sidecar injection
 * has a DestinationRule whose host resolves to it (short name in the rule's namespace, FQDN, or
 * a wildcard covering it) and that is exported to the Service's namespace (`spec.exportTo` unset,
 * `*`, the namespace, or `.` in it). ExternalName Services have no endpoints to eject; headless Services
 * (ORIGINAL_DST clusters, no outlier detection in Envoy) are exempt unless `exemptHeadless` is false.
 */
export const circuitBreakerCoverage = stackPolicy<CoverageSettings>(
  {
    name: "circuit-breaker-coverage",
    description: "Every Service in the mesh has a DestinationRule whose host matches it, so its callers break circuits.",
    enforcementLevel: MANDATORY,
    severity: "high",
    configSchema: {
      properties: {
        exemptServices: exemptServicesSchema("Services that need no DestinationRule"),
        exemptHeadless: { type: "boolean", default: true, description: "Headless Services (clusterIP None) need no DestinationRule." },
        clusterDomain: { type: "string", default: CLUSTER_DOMAIN, description: "The cluster's DNS domain." },
      },
    },
  },
  (stack, settings, report, args) => {
    const namespaces = stack.namespaces();
    const meshed = stack.ofTypes(SERVICE_TYPES).filter((s) => {
      const ns = namespaces.get(namespaceOf(s.props));
      if (!ns || !injectionEnabled(ns.props)) return false;
      if (s.props.spec?.type === "ExternalName" || (settings.exemptHeadless && isHeadless(s.props))) return false;
      return !settings.exemptServices.includes(nameOf(s.props)) && !settings.exemptServices.includes(`${namespaceOf(s.props)}/${nameOf(s.props)}`);
    });
    if (meshed.length === 0) args.notApplicable("no Service runs in a namespace with sidecar injection");
    const domain = settings.clusterDomain;
    const rules = stack
      .ofTypes(DESTINATION_RULE_TYPES)
      .map((r) => ({
        resource: r,
        host: String(r.props.spec?.host ?? ""),
        resolved: resolveHost(String(r.props.spec?.host ?? ""), namespaceOf(r.props), domain),
      }))
      .filter((r) => r.host);
    for (const service of meshed) {
      const fqdn = serviceFqdn(service.props, domain);
      const serviceNamespace = namespaceOf(service.props);
      const matching = rules.filter((r) => hostCovers(r.resolved, fqdn));
      // A rule is seen only by proxies in the namespaces it is exported to; the Service's own stands for its callers.
      if (matching.some((r) => exportedTo(r.resource.props, serviceNamespace))) continue;
      const nearMiss = rules.find((r) => intendedServiceFqdn(r.host, domain) === fqdn);
      const name = nameOf(service.props);
      if (matching.length > 0) {
        report(
          `${describe(service.props, "Service")}: ${describe(matching[0].resource.props, "DestinationRule")} has host ${matching[0].host} but spec.exportTo [${(matching[0].resource.props.spec.exportTo as unknown[]).join(", ")}] hides it from namespace ${serviceNamespace}, so the Service's callers there never eject failing pods: add ${serviceNamespace} (or "*") to its spec.exportTo, or remove exportTo.`,
          service.urn,
        );
      } else if (nearMiss) {
        report(
          `${describe(service.props, "Service")}: ${describe(nearMiss.resource.props, "DestinationRule")} names host ${nearMiss.host}, which Istio takes literally (only dotless short names are expanded), so it does not apply: set spec.host to ${name} (in namespace ${namespaceOf(service.props)}) or ${fqdn}.`,
          service.urn,
        );
      } else {
        report(
          `${describe(service.props, "Service")} is in the mesh but no DestinationRule has host ${name} or ${fqdn}, so its callers never eject failing pods: add a DestinationRule with spec.host ${fqdn}, outlierDetection and connectionPool.`,
          service.urn,
        );
      }
    }
  },
);
