import { PodTemplate, Props, SERVICE_TYPES, kubernetesType, namespaceOf, nameOf } from "./k8s";
import { isHelmRelease } from "./helm";
import { SERVICE_ENTRY_TYPES, hostCovers, intendedServiceFqdn, resolveHost, serviceFqdn } from "./istio";
import { StackResource, StackView } from "./stack";

/**
 * Helpers for the wiring policies: whether the names one object uses for another (a Service's
 * selector and target ports, an Istio host, an AuthorizationPolicy principal) resolve to
 * something the stack declares.
 */

/**
 * Istio's string match (security policies' principals, namespaces): `*` matches anything, `abc*`
 * a prefix, `*abc` a suffix, anything else exactly.
 */
export function istioMatch(pattern: string, value: string): boolean {
  if (pattern === "*") return true;
  if (pattern.startsWith("*")) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith("*")) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

/** Whether a Service is named as `name` or `namespace/name` in a list. */
export const listsService = (list: readonly string[], service: Props): boolean =>
  list.includes(nameOf(service)) || list.includes(`${namespaceOf(service)}/${nameOf(service)}`);

/**
 * A Service whose selector the endpoints controller follows: not ExternalName, with a non-empty
 * `spec.selector` (an absent or empty selector leaves the endpoints to someone else).
 */
export function selectingServices(stack: StackView): { resource: StackResource; selector: Record<string, string> }[] {
  return stack
    .ofTypes(SERVICE_TYPES)
    .filter((s) => s.props.spec?.type !== "ExternalName")
    .map((resource) => ({ resource, selector: (resource.props.spec?.selector ?? {}) as Record<string, string> }))
    .filter((s) => s.selector && typeof s.selector === "object" && Object.keys(s.selector).length > 0);
}

/** The pod templates of the stack a Service's selector picks (same namespace; plain label equality). */
export function selectedTemplates(stack: StackView, service: Props, selector: Record<string, string>): { resource: StackResource; template: PodTemplate }[] {
  const namespace = namespaceOf(service);
  return stack
    .podTemplates()
    .filter(({ template }) => template.namespace === namespace && Object.entries(selector).every(([k, v]) => template.labels[k] === String(v)));
}

/** The service account a pod runs as: `serviceAccountName` (or the deprecated `serviceAccount`), else `default`. */
export const serviceAccountOf = (template: PodTemplate): string => String(template.spec.serviceAccountName || template.spec.serviceAccount || "default");

/**
 * Namespaces that exist when the stack is deployed: declared Namespace objects, the namespace of
 * every namespaced Kubernetes object, and the namespace each Helm release installs into.
 */
export function stackNamespaces(stack: StackView): Set<string> {
  const out = new Set(stack.namespaces().keys());
  for (const r of stack.resources) {
    if (!r.props) continue;
    if (kubernetesType(r.type) && r.props.metadata?.namespace) out.add(String(r.props.metadata.namespace));
    if (isHelmRelease(r.type) && r.props.namespace) out.add(String(r.props.namespace));
  }
  out.delete("");
  return out;
}

/** Whether a host is in the cluster's Service domain (`*.svc.<domain>`). */
export const inClusterDomain = (fqdn: string, domain: string): boolean => fqdn.endsWith(`.svc.${domain}`);

/** What a resolved host names in the stack, if anything. */
export type HostTarget =
  { kind: "Service"; resource: StackResource } | { kind: "ServiceEntry"; resource: StackResource } | { kind: "external"; pattern: string };

/**
 * The hosts the stack serves: Kubernetes Services (by FQDN), ServiceEntry hosts (short names
 * resolved in the entry's namespace; wildcards allowed), and hosts configured as living outside
 * the stack (Services a Helm chart installs).
 */
export class HostRegistry {
  private readonly services = new Map<string, StackResource>();
  private readonly entries: { resolved: string; resource: StackResource }[] = [];

  constructor(
    stack: StackView,
    readonly domain: string,
    private readonly externalHosts: readonly string[] = [],
  ) {
    for (const s of stack.ofTypes(SERVICE_TYPES)) this.services.set(serviceFqdn(s.props, domain), s);
    for (const e of stack.ofTypes(SERVICE_ENTRY_TYPES)) {
      for (const host of (e.props.spec?.hosts ?? []) as unknown[]) {
        if (typeof host === "string" && host) this.entries.push({ resolved: resolveHost(host, namespaceOf(e.props), domain), resource: e });
      }
    }
  }

  /** What a resolved (non-wildcard) host names: a Service, a ServiceEntry host, or an external host. */
  lookup(fqdn: string): HostTarget | undefined {
    const service = this.services.get(fqdn);
    if (service) return { kind: "Service", resource: service };
    const entry = this.entries.find((e) => hostCovers(e.resolved, fqdn));
    if (entry) return { kind: "ServiceEntry", resource: entry.resource };
    const external = this.externalHosts.find((h) => hostCovers(h, fqdn));
    return external ? { kind: "external", pattern: external } : undefined;
  }

  /** The Service a literal `name.namespace` (or `name.namespace.svc`) host was meant for, if the stack has it. */
  nearMiss(host: string): string | undefined {
    const fqdn = intendedServiceFqdn(host, this.domain);
    return fqdn && this.services.has(fqdn) ? fqdn : undefined;
  }

  /** Services of a namespace, for messages. */
  servicesIn(namespace: string): string[] {
    return [...this.services.values()].filter((s) => namespaceOf(s.props) === namespace).map((s) => nameOf(s.props));
  }
}

/**
 * Whether an Istio object with `exportTo` is visible in `namespace`: unset or empty exports
 * everywhere; `*` everywhere, `.` its own namespace, `~` nowhere, otherwise the listed namespaces.
 */
export function exportedTo(props: Props, namespace: string): boolean {
  const exportTo = props?.spec?.exportTo;
  if (!Array.isArray(exportTo) || exportTo.length === 0) return true;
  return exportTo.some((e) => e === "*" || e === namespace || (e === "." && namespaceOf(props) === namespace));
}

/** AuthorizationPolicy actions: unset means ALLOW. */
export const actionOf = (policy: Props): string => String(policy?.spec?.action || "ALLOW");
