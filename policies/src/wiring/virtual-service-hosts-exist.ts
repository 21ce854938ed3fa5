import { Props, describe, namespaceOf } from "../lib/k8s";
import { CLUSTER_DOMAIN, VIRTUAL_SERVICE_TYPES, resolveHost } from "../lib/istio";
import { ADVISORY, stackPolicy } from "../lib/policy";
import { HostRegistry, inClusterDomain } from "../lib/wiring";
import { destinationsOf } from "../hygiene/virtual-service-subsets";
import { externalHostsSchema } from "./destination-rule-host-exists";

export interface VirtualServiceHostSettings {
  clusterDomain: string;
  externalHosts: string[];
}

/** The gateways a VirtualService is bound to; unset means the sidecars only (`mesh`). */
const gatewaysOf = (vs: Props): string[] => {
  const gateways = vs.spec?.gateways;
  return Array.isArray(gateways) && gateways.length > 0 ? gateways.map(String) : ["mesh"];
};

/**
 * No dangling VirtualServices: every `hosts` entry that is a cluster name (a short name, or a
 * host in the cluster domain) resolves to a Service of the stack or a ServiceEntry host; a host
 * outside the cluster domain needs a ServiceEntry unless the VirtualService is bound to a Gateway
 * (its hosts are then the names clients call the gateway by). Every route, mirror and tcp/tls
 * destination host resolves to a Service or ServiceEntry host. istioctl analyze IST0101.
 */
export const virtualServiceHostsExist = stackPolicy<VirtualServiceHostSettings>(
  {
    name: "virtual-service-hosts-exist",
    description: "Every VirtualService's cluster hosts and route destinations resolve to Services of the stack.",
    enforcementLevel: ADVISORY,
    severity: "medium",
    configSchema: {
      properties: {
        clusterDomain: { type: "string", default: CLUSTER_DOMAIN, description: "The cluster's DNS domain." },
        externalHosts: externalHostsSchema,
      },
    },
  },
  (stack, settings, report, args) => {
    const services = stack.ofTypes(VIRTUAL_SERVICE_TYPES);
    if (services.length === 0) args.notApplicable("no VirtualService");
    const domain = settings.clusterDomain;
    const hosts = new HostRegistry(stack, domain, settings.externalHosts);
    for (const vs of services) {
      const namespace = namespaceOf(vs.props);
      const what = describe(vs.props, "VirtualService");
      const gatewayBound = gatewaysOf(vs.props).some((g) => g !== "mesh");
      /** Why a host names nothing and how to fix it, or undefined when it resolves. */
      const problem = (host: string, external: "allowed" | "needs-entry"): { why: string; fix: string } | undefined => {
        if (!host || host.includes("*")) return undefined;
        const resolved = resolveHost(host, namespace, domain);
        if (hosts.lookup(resolved)) return undefined;
        const nearMiss = hosts.nearMiss(host);
        if (nearMiss)
          return { why: `${host} is taken literally by Istio (only dotless short names are expanded) and names no Service`, fix: `use ${nearMiss}` };
        if (inClusterDomain(resolved, domain))
          return { why: `${host} resolves to ${resolved}, which is no Service of the stack`, fix: "name an existing Service or add it" };
        if (external === "allowed") return undefined;
        return {
          why: `${host} is outside the cluster domain ${domain} and no ServiceEntry declares it`,
          fix: "add a ServiceEntry for it, bind the VirtualService to a Gateway, or list the host in this policy's externalHosts",
        };
      };
      ((vs.props.spec?.hosts ?? []) as unknown[]).forEach((host, i) => {
        const found = problem(typeof host === "string" ? host : "", gatewayBound ? "allowed" : "needs-entry");
        if (found) report(`${what}: spec.hosts[${i}] ${found.why}, so its routes apply to no traffic: ${found.fix}.`, vs.urn);
      });
      for (const { destination, path } of destinationsOf(vs.props)) {
        const found = problem(String(destination.host ?? ""), "needs-entry");
        if (found) report(`${what}: ${path}.host ${found.why}, so that route fails with 503: ${found.fix}.`, vs.urn);
      }
    }
  },
);
