import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GATEWAY, JAEGER, MESH, PROMETHEUS, ServiceEntry, kubernetesName } from "../catalog";
import { callersOf, dataStoresOf, gatewayRoute } from "./istio/graph";
import { commonLabels } from "./labels";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Port = { protocol: "TCP" | "UDP"; port: number };

export interface NetworkPoliciesArgs {
  /** The services' namespace (an Output, so that the policies wait for it). */
  readonly namespace: pulumi.Input<string>;
  readonly services: readonly ServiceEntry[];
  /** The platform components the stack composes: a peer that is not composed is not allowed. */
  readonly components: readonly string[];
  /** Whether the services are meshed (Istio composed): then istiod and the ingress gateway are peers. */
  readonly meshed: boolean;
  readonly provider: k8s.Provider;
}

/** The policy's name and spec, before it becomes a NetworkPolicy (what the tests read). */
export interface PolicyDefinition {
  readonly name: string;
  readonly spec: NetworkPolicySpec;
}

const NAMESPACE_LABEL = "kubernetes.io/metadata.name";
const inNamespace = (namespace: string, podLabels?: Record<string, string>): Peer => ({
  namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: namespace } },
  ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
});
const tcp = (...ports: number[]): Port[] => ports.map((port) => ({ protocol: "TCP", port }));

/**
 * The services' NetworkPolicies, from the same graph as the AuthorizationPolicies:
 * - `default-deny`: no ingress and no egress for any pod of the namespace unless allowed below;
 * - `allow-dns`: every pod may resolve names (UDP and TCP 53 to the cluster DNS in kube-system);
 * - `allow-istiod` (meshed): every sidecar reaches istiod (15012 XDS/certificates, 15017);
 * - one per service: ingress on its port from its declared callers (pods `app=<caller>`), from
 *   Kong's namespace and the Istio ingress gateway when the service is exposed, from the
 *   monitoring namespace when Prometheus is composed (and the sidecar's merged metrics port when
 *   meshed); egress to its dependencies' ports, to its data stores (see `dataStoresOf`) when
 *   composed, and OTLP (4317/4318) to Jaeger's namespace when Jaeger is composed.
 */
export function networkPolicyDefinitions(args: Omit<NetworkPoliciesArgs, "namespace" | "provider">): PolicyDefinition[] {
  const composed = (c: string) => args.components.includes(c);
  const all = { podSelector: {} };
  const policies: PolicyDefinition[] = [
    { name: "default-deny", spec: { ...all, policyTypes: ["Ingress", "Egress"] } },
    {
      name: "allow-dns",
      spec: {
        ...all,
        policyTypes: ["Egress"],
        egress: [
          {
            to: [inNamespace(MESH.clusterDns.namespace, MESH.clusterDns.selector)],
            ports: [
              { protocol: "UDP", port: MESH.clusterDns.port },
              { protocol: "TCP", port: MESH.clusterDns.port },
            ],
          },
        ],
      },
    },
  ];
  if (args.meshed) {
    policies.push({
      name: "allow-istiod",
      spec: { ...all, policyTypes: ["Egress"], egress: [{ to: [inNamespace(MESH.rootNamespace, MESH.istiod.selector)], ports: tcp(...MESH.istiod.ports) }] },
    });
  }

  for (const entry of args.services) {
    const config = entry.config;
    const name = kubernetesName(config.service_name);
    const port = tcp(config.port);
    const exposed = gatewayRoute(config.service_name) !== undefined;

    const ingress: NonNullable<NetworkPolicySpec["ingress"]> = [];
    const callers = callersOf(config.service_name, args.services);
    if (callers.length)
      ingress.push({ from: callers.map((c) => ({ podSelector: { matchLabels: { app: kubernetesName(c.config.service_name) } } })), ports: port });
    if (exposed && composed("kong")) ingress.push({ from: [inNamespace(GATEWAY.namespace)], ports: port });
    if (exposed && args.meshed) ingress.push({ from: [inNamespace(MESH.install.ingressNamespace, MESH.ingressSelector)], ports: port });
    if (composed("prometheus")) {
      ingress.push({ from: [inNamespace(PROMETHEUS.namespace)], ports: args.meshed ? tcp(config.port, MESH.mergedMetricsPort) : port });
    }

    const egress: NonNullable<NetworkPolicySpec["egress"]> = [];
    for (const dep of config.dependencies) {
      const target = args.services.find((s) => s.config.service_name === dep);
      if (target) egress.push({ to: [{ podSelector: { matchLabels: { app: kubernetesName(dep) } } }], ports: tcp(target.config.port) });
    }
    for (const store of dataStoresOf(entry, args.services)) {
      if (composed(store.component)) egress.push({ to: [inNamespace(store.namespace, { tier: store.tier })], ports: tcp(store.port) });
    }
    if (composed("jaeger")) egress.push({ to: [inNamespace(JAEGER.namespace)], ports: tcp(JAEGER.otlpGrpcPort, JAEGER.otlpHttpPort) });

    policies.push({
      name,
      spec: {
        podSelector: { matchLabels: { app: name } },
        policyTypes: ["Ingress", "Egress"],
        ...(ingress.length ? { ingress } : {}),
        ...(egress.length ? { egress } : {}),
      },
    });
  }
  return policies;
}

/** The services' namespace's NetworkPolicies (see `networkPolicyDefinitions`). */
export class ServiceNetworkPolicies extends pulumi.ComponentResource {
  readonly policies: k8s.networking.v1.NetworkPolicy[];

  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:NetworkPolicies", name, {}, opts);
    this.policies = networkPolicyDefinitions(args).map(
      (p) =>
        new k8s.networking.v1.NetworkPolicy(
          p.name,
          {
            metadata: { name: p.name, namespace: args.namespace, labels: commonLabels(p.name, "network-policy") },
            spec: p.spec,
          },
          { parent: this, provider: args.provider },
        ),
    );
    this.registerOutputs({});
  }
}
