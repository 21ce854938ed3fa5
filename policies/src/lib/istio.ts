import { Props, isOneOf, kubernetesType, labelsOf, namespaceOf, typesOf } from "./k8s";

/**
 * Istio objects are custom resources: matched on their type string in every API version Istio
 * serves them in (`kubernetes:networking.istio.io/v1:DestinationRule`, v1beta1, v1alpha3).
 */
const NETWORKING_VERSIONS = ["v1", "v1beta1", "v1alpha3"];
const SECURITY_VERSIONS = ["v1", "v1beta1"];

export const DESTINATION_RULE_TYPES = typesOf("networking.istio.io", "DestinationRule", NETWORKING_VERSIONS);
export const VIRTUAL_SERVICE_TYPES = typesOf("networking.istio.io", "VirtualService", NETWORKING_VERSIONS);
export const PEER_AUTHENTICATION_TYPES = typesOf("security.istio.io", "PeerAuthentication", SECURITY_VERSIONS);
export const SERVICE_ENTRY_TYPES = typesOf("networking.istio.io", "ServiceEntry", NETWORKING_VERSIONS);
export const AUTHORIZATION_POLICY_TYPES = typesOf("security.istio.io", "AuthorizationPolicy", SECURITY_VERSIONS);

/** Istio's default root namespace (the mesh-wide PeerAuthentication lives there); a policy config may name another. */
export const ROOT_NAMESPACE = "istio-system";
export const CLUSTER_DOMAIN = "cluster.local";

/** The label that turns on sidecar injection for a namespace, and its value. */
export const INJECTION_LABEL = "istio-injection";
export const INJECTION_ENABLED = "enabled";
/** Revision-based injection (`istio.io/rev=<revision>`) also injects sidecars. */
export const REVISION_LABEL = "istio.io/rev";
export const INJECT_ANNOTATION = "sidecar.istio.io/inject";

/** Whether a resource is part of Istio: an Istio API object or a Helm release/chart of Istio. */
export function isIstioResource(type: string, props: Props): boolean {
  const t = kubernetesType(type);
  if (t && t.group.endsWith(".istio.io")) return true;
  if (type.startsWith("kubernetes:helm.sh/")) {
    // A Helm release or chart of Istio (charts base, istiod, gateway from istio-release).
    return /istio/i.test(`${props?.chart ?? ""} ${props?.repositoryOpts?.repo ?? ""} ${props?.name ?? ""}`);
  }
  return false;
}

/** Whether a Namespace object turns on sidecar injection. */
export function injectionEnabled(namespace: Props): boolean {
  const labels = labelsOf(namespace);
  if (labels[INJECTION_LABEL] === "disabled") return false;
  return labels[INJECTION_LABEL] === INJECTION_ENABLED || Boolean(labels[REVISION_LABEL]);
}

/**
 * A host as Istio resolves it for a rule in `namespace`: a dotless short name becomes
 * `<name>.<namespace>.svc.<domain>`; anything with a dot (and `*`) is taken literally
 * (pilot's ResolveShortnameToFQDN).
 */
export function resolveHost(host: string, namespace: string, domain = CLUSTER_DOMAIN): string {
  if (host === "*" || host.includes(".")) return host;
  return `${host}.${namespace}.svc.${domain}`;
}

/** Whether a resolved host (FQDN or `*.suffix` wildcard) covers an FQDN. */
export function hostCovers(resolved: string, fqdn: string): boolean {
  if (resolved === "*") return true;
  if (resolved.startsWith("*.")) return fqdn.endsWith(resolved.slice(1));
  return resolved === fqdn;
}

/**
 * `name.namespace` (or `name.namespace.svc`): a host someone meant for a Service but that Istio
 * takes literally, so it matches no Service. Returns the FQDN it was meant as.
 */
export function intendedServiceFqdn(host: string, domain = CLUSTER_DOMAIN): string | undefined {
  const match = /^([a-z0-9-]+)\.([a-z0-9-]+)(\.svc)?$/.exec(host);
  return match ? `${match[1]}.${match[2]}.svc.${domain}` : undefined;
}

/** The FQDN of a Kubernetes Service. */
export const serviceFqdn = (service: Props, domain = CLUSTER_DOMAIN): string => `${service?.metadata?.name}.${namespaceOf(service)}.svc.${domain}`;

/** A traffic policy with the path messages name it by. */
export interface TrafficPolicyRef {
  readonly policy: Props;
  readonly path: string;
}

/**
 * Every traffic policy of a DestinationRule: the rule's, each port-level setting's, each subset's
 * and each subset's port-level settings.
 */
export function trafficPolicies(rule: Props): TrafficPolicyRef[] {
  const out: TrafficPolicyRef[] = [];
  const visit = (policy: Props | undefined, path: string) => {
    if (!policy || typeof policy !== "object") return;
    out.push({ policy, path });
    ((policy.portLevelSettings ?? []) as Props[]).forEach((p, i) => {
      const port = p?.port?.number ?? i;
      if (p && typeof p === "object") out.push({ policy: p, path: `${path}.portLevelSettings[${i}] (port ${port})` });
    });
  };
  visit(rule?.spec?.trafficPolicy, "spec.trafficPolicy");
  ((rule?.spec?.subsets ?? []) as Props[]).forEach((subset, i) => visit(subset?.trafficPolicy, `spec.subsets[${i}] (${subset?.name ?? i}).trafficPolicy`));
  return out;
}

export const isDestinationRule = (type: string) => isOneOf(type, DESTINATION_RULE_TYPES);
export const isVirtualService = (type: string) => isOneOf(type, VIRTUAL_SERVICE_TYPES);
export const isPeerAuthentication = (type: string) => isOneOf(type, PEER_AUTHENTICATION_TYPES);
