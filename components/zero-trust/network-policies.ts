import * as k8s from "@pulumi/kubernetes";
import { BlockList, isIPv4 } from "net";
import { NETWORK } from "../../catalog";
import { Destination, Edge, Port, Source, TrafficGraph, Workload } from "./graph";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Rule = { peers: Peer[]; ports: Port[] };

/** A NetworkPolicy's name and spec in one namespace, before it becomes a resource (what the tests read). */
export interface PolicyDefinition {
  readonly name: string;
  readonly spec: NetworkPolicySpec;
}

const family = (cidr: string) => (isIPv4(cidr.split("/")[0]) ? "ipv4" : "ipv6");

/** Whether `inner` lies inside `outer` and is smaller (the API server requires `except` to be so). */
export function strictlyInside(inner: string, outer: string): boolean {
  const [innerAddress, innerPrefix] = inner.split("/");
  const [outerAddress, outerPrefix] = outer.split("/");
  if (family(inner) !== family(outer) || Number(innerPrefix) <= Number(outerPrefix)) return false;
  const list = new BlockList();
  list.addSubnet(outerAddress, Number(outerPrefix), family(outer));
  return list.check(innerAddress, family(inner));
}

/** How a policy in `namespace` names a peer: pods of its own namespace by labels, others with their namespace. */
function peersOf(endpoint: Source | Destination, namespace: string): Peer[] {
  const inNamespace = (ns: string) => ({ namespaceSelector: { matchLabels: { [NETWORK.namespaceNameLabel]: ns } } });
  switch (endpoint.kind) {
    case "workload":
      return [
        endpoint.namespace === namespace
          ? { podSelector: { matchLabels: { ...endpoint.selector } } }
          : { ...inNamespace(endpoint.namespace), podSelector: { matchLabels: { ...endpoint.selector } } },
      ];
    case "namespace":
      return [inNamespace(endpoint.namespace)];
    case "outside":
      return endpoint.cidrs.map((cidr) => {
        const except = endpoint.except.filter((e) => strictlyInside(e, cidr));
        return { ipBlock: { cidr, ...(except.length ? { except } : {}) } };
      });
  }
}

const key = (value: unknown) => JSON.stringify(value);

/**
 * The rules for a list of edges as seen from one namespace: the ports of each peer merged, then the
 * peers that are allowed the same ports merged into one rule (in the order the edges came).
 */
function rules(edges: readonly Edge[], peerOf: (edge: Edge) => Source | Destination, namespace: string): Rule[] {
  const perPeer = new Map<string, { peer: Peer; ports: Map<string, Port> }>();
  for (const edge of edges) {
    for (const peer of peersOf(peerOf(edge), namespace)) {
      const entry = perPeer.get(key(peer)) ?? { peer, ports: new Map<string, Port>() };
      for (const port of edge.ports) entry.ports.set(key(port), port);
      perPeer.set(key(peer), entry);
    }
  }
  const grouped = new Map<string, Rule>();
  for (const { peer, ports } of perPeer.values()) {
    const sorted = [...ports.values()];
    const rule = grouped.get(key(sorted)) ?? { peers: [], ports: sorted };
    rule.peers.push(peer);
    grouped.set(key(sorted), rule);
  }
  return [...grouped.values()];
}

const selects = (w: Workload) => (endpoint: Source | Destination) =>
  endpoint.kind === "workload" && endpoint.name === w.name && endpoint.namespace === w.namespace;

/**
 * A namespace's NetworkPolicies, from the graph:
 * - `default-deny`: no ingress and no egress for any pod of the namespace unless allowed below;
 * - `allow-dns` and, in injected namespaces, `allow-istiod`: the egress every pod of it has;
 * - one per workload, named like it: ingress from exactly the sources of its incoming edges, on their
 *   ports, and egress to exactly the destinations of its outgoing ones.
 */
export function networkPolicyDefinitions(graph: TrafficGraph, namespace: string): PolicyDefinition[] {
  const all = { podSelector: {} };
  const policies: PolicyDefinition[] = [{ name: "default-deny", spec: { ...all, policyTypes: ["Ingress", "Egress"] } }];
  const namespaceWide = graph.edges.filter((e) => e.from.kind === "namespace" && e.from.namespace === namespace);
  for (const edge of namespaceWide) {
    const target = edge.to.name === "kube-dns" ? "dns" : edge.to.name;
    policies.push({
      name: `allow-${target}`,
      spec: { ...all, policyTypes: ["Egress"], egress: rules([edge], (e) => e.to, namespace).map((r) => ({ to: r.peers, ports: r.ports })) },
    });
  }
  for (const workload of graph.workloads.filter((w) => w.managed && w.namespace === namespace)) {
    const ingress = rules(
      graph.edges.filter((e) => selects(workload)(e.to)),
      (e) => e.from,
      namespace,
    ).map((r) => ({ from: r.peers, ports: r.ports }));
    const egress = rules(
      graph.edges.filter((e) => selects(workload)(e.from)),
      (e) => e.to,
      namespace,
    ).map((r) => ({ to: r.peers, ports: r.ports }));
    policies.push({
      name: workload.name,
      spec: {
        podSelector: { matchLabels: { ...workload.selector } },
        policyTypes: ["Ingress", "Egress"],
        ...(ingress.length ? { ingress } : {}),
        ...(egress.length ? { egress } : {}),
      },
    });
  }
  return policies;
}
