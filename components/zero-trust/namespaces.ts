import { DATA_STORES, GATEWAY, MESH, PROMETHEUS, PodSecurityLevel } from "../../catalog";

/** What decides a namespace's labels: whether the stack composes Istio, and how Istio redirects traffic. */
export interface MeshPlan {
  /** Istio is composed: the platform's namespaces are injected with sidecars. */
  readonly meshed: boolean;
  /** The stack installs Istio (Helm): istio-system, istio-ingress and istio-cni are its namespaces. */
  readonly installed: boolean;
  /** istiod registers its admission webhooks (injection, validation); the ingress gateway needs them. */
  readonly webhooks: boolean;
  /** Istio's CNI node agent redirects meshed pods' traffic (no privileged `istio-init` container). */
  readonly cni: boolean;
}

/** A namespace the stack creates, with what guards it. */
export interface StackNamespace {
  readonly name: string;
  /** Istio injects a sidecar into its pods. */
  readonly injected: boolean;
  /** The strictest Pod Security Standards level its pods meet: enforced, audited and warned. */
  readonly podSecurity: PodSecurityLevel;
  /** Why it exists (the README's table and error messages). */
  readonly holds: string;
  /** `pulumi destroy` refuses to delete it (prod's data namespace: deleting it deletes every claim in it). */
  readonly protect: boolean;
}

/**
 * The namespaces a stack creates, from what it composes. Every pod the stack runs meets the
 * `restricted` level, except two kinds: Istio's CNI node agent (it edits each node's network
 * configuration: `privileged`), and, without the CNI agent, a meshed pod's `istio-init` container
 * (root with NET_ADMIN and NET_RAW: `privileged` too, as not even `baseline` allows those).
 */
export function stackNamespaces(servicesNamespace: string, components: readonly string[], mesh: MeshPlan, environment: "dev" | "prod"): StackNamespace[] {
  const composed = (...names: string[]) => names.some((c) => components.includes(c));
  const injected = (name: string, holds: string): StackNamespace => ({
    name,
    holds,
    injected: mesh.meshed,
    podSecurity: mesh.meshed && !mesh.cni ? "privileged" : "restricted",
    protect: environment === "prod" && name === DATA_STORES.namespace,
  });
  const istio = (name: string, holds: string, podSecurity: PodSecurityLevel = "restricted"): StackNamespace => ({
    name,
    holds,
    injected: false,
    podSecurity,
    protect: false,
  });
  return [
    injected(servicesNamespace, "the eight services"),
    ...(composed("kong") ? [injected(GATEWAY.namespace, "Kong")] : []),
    ...(composed("postgresql", "redis", "eventstore") ? [injected(DATA_STORES.namespace, "the data stores")] : []),
    ...(composed("jaeger", "prometheus") ? [injected(PROMETHEUS.namespace, "Jaeger and Prometheus")] : []),
    ...(mesh.meshed && mesh.installed ? [istio(MESH.rootNamespace, "istiod")] : []),
    ...(gatewayInstalled(mesh) ? [istio(MESH.install.ingressNamespace, "Istio's ingress gateway")] : []),
    ...(mesh.meshed && mesh.installed && mesh.cni ? [istio(MESH.install.cni.namespace, "Istio's CNI node agent", "privileged")] : []),
  ];
}

/** The stack installs Istio's ingress gateway: its pods take their proxy from the injection webhook. */
export const gatewayInstalled = (mesh: MeshPlan): boolean => mesh.meshed && mesh.installed && mesh.webhooks;

const POD_SECURITY_MODES = ["enforce", "audit", "warn"] as const;

/**
 * A namespace's labels: sidecar injection where the mesh reaches, and its Pod Security level for the
 * API server to enforce, audit and warn about (no version label: the API server's own, `latest`).
 */
export const namespaceLabels = (ns: StackNamespace): Record<string, string> => ({
  ...(ns.injected ? { "istio-injection": "enabled" } : {}),
  ...Object.fromEntries(POD_SECURITY_MODES.map((mode) => [`pod-security.kubernetes.io/${mode}`, ns.podSecurity])),
});
