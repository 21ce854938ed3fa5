import { describe, namespaceOf } from "../lib/k8s";
import { CLUSTER_DOMAIN, DESTINATION_RULE_TYPES, resolveHost } from "../lib/istio";
import { MANDATORY, stackPolicy } from "../lib/policy";
import { HostRegistry, inClusterDomain } from "../lib/wiring";

export interface DestinationRuleHostSettings {
  clusterDomain: string;
  externalHosts: string[];
}

/** The JSON schema of the hosts a stack's Istio objects may name that the stack does not declare. */
export const externalHostsSchema = {
  type: "array" as const,
  items: { type: "string" as const },
  default: [] as string[],
  description: "Hosts that exist outside the stack (FQDNs or *.suffix wildcards), e.g. Services a Helm chart installs.",
};

/**
 * No dangling DestinationRules: each rule's host, resolved as Istio does (a dotless short name in
 * the rule's namespace, anything else literally), is a Service of the stack or a host a
 * ServiceEntry declares; wildcard hosts are allowed. A rule for a host nobody serves configures
 * nothing, so the circuit breaker it was written for is missing. istioctl analyze IST0101.
 */
export const destinationRuleHostExists = stackPolicy<DestinationRuleHostSettings>(
  {
    name: "destination-rule-host-exists",
    description: "Every DestinationRule's host is a Service of the stack or a ServiceEntry host.",
    enforcementLevel: MANDATORY,
    severity: "high",
    configSchema: {
      properties: {
        clusterDomain: { type: "string", default: CLUSTER_DOMAIN, description: "The cluster's DNS domain." },
        externalHosts: externalHostsSchema,
      },
    },
  },
  (stack, settings, report, args) => {
    const rules = stack.ofTypes(DESTINATION_RULE_TYPES);
    if (rules.length === 0) args.notApplicable("no DestinationRule");
    const domain = settings.clusterDomain;
    const hosts = new HostRegistry(stack, domain, settings.externalHosts);
    for (const rule of rules) {
      const host = String(rule.props.spec?.host ?? "");
      if (!host || host.includes("*")) continue;
      const namespace = namespaceOf(rule.props);
      const resolved = resolveHost(host, namespace, domain);
      if (hosts.lookup(resolved)) continue;
      const what = describe(rule.props, "DestinationRule");
      const nearMiss = hosts.nearMiss(host);
      if (nearMiss) {
        report(
          `${what}: spec.host ${host} is taken literally by Istio (only dotless short names are expanded), so it names no Service and the rule applies to nothing: set spec.host to ${nearMiss}.`,
          rule.urn,
        );
      } else if (inClusterDomain(resolved, domain)) {
        const serviceNamespace = resolved.slice(0, -`.svc.${domain}`.length).split(".").pop() ?? namespace;
        const known = hosts.servicesIn(serviceNamespace);
        report(
          `${what}: spec.host ${host} resolves to ${resolved}, but the stack has no such Service${known.length ? ` (namespace ${serviceNamespace} has ${known.join(", ")})` : ` and nothing in namespace ${serviceNamespace}`}, so the rule applies to nothing: set spec.host to the FQDN of the Service it is for, or add that Service.`,
          rule.urn,
        );
      } else {
        report(
          `${what}: spec.host ${host} is outside the cluster domain ${domain} and no ServiceEntry declares it, so the rule applies to nothing: add a ServiceEntry with that host, or list it in this policy's externalHosts if something outside the stack serves it.`,
          rule.urn,
        );
      }
    }
  },
);
