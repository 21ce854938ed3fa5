import { BlockList, isIPv4 } from "net";
import { MESH } from "../../catalog";
import { Edge, TrafficGraph } from "../../components/zero-trust/graph";
import { Rendered } from "../helpers/render";
import { selects } from "../helpers/selectors";

// An evaluator of NetworkPolicy and AuthorizationPolicy semantics, written apart from the program's
// generators: it reads the rendered objects as the API server and Istio would, and lists the flows they
// allow, so that the tests can hold them to the traffic graph in both directions.

type Obj = Record<string, any>;

/** Something that opens or accepts connections: a pod (one per pod template) or an address outside the pod network. */
export interface Endpoint {
  readonly id: string;
  /** A pod's namespace; none for an outside address. */
  readonly namespace?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly address: string;
  readonly serviceAccount?: string;
  /** It carries a mesh identity (a sidecar, or it is a mesh gateway). */
  readonly identity: boolean;
  /** It is a mesh gateway: its listener takes plain-text clients and enforces AuthorizationPolicies. */
  readonly gateway: boolean;
  /** Its sidecar captures inbound traffic on this port (STRICT mTLS and AuthorizationPolicies apply). */
  readonly captures: (port: number) => boolean;
}

export interface Flow {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly protocol: string;
  readonly port: number;
}

export const flowId = (f: Flow): string => `${f.from.id} → ${f.to.id} ${f.protocol}/${f.port}`;

const family = (address: string) => (isIPv4(address) ? "ipv4" : "ipv6");
function inCidr(address: string, cidr: string): boolean {
  const [network, prefix] = cidr.split("/");
  if (family(network) !== family(address)) return false;
  const list = new BlockList();
  list.addSubnet(network, Number(prefix), family(network));
  return list.check(address, family(address));
}

const WORKLOADS = ["Deployment", "StatefulSet", "DaemonSet", "Job"];
/** A NetworkPolicy's directions, as the API server defaults them: Ingress, plus Egress when it has egress rules. */
const policyTypes = (p: Obj): string[] => p.spec.policyTypes ?? ["Ingress", ...(p.spec.egress?.length ? ["Egress"] : [])];

/** Addresses outside the pod network the tests try: a node or control plane, and a client on the internet. */
export const OUTSIDE_ADDRESSES = ["172.18.0.2", "203.0.113.7"];

/** The stack's rendered objects, as the evaluator reads them. */
export class Cluster {
  readonly endpoints: Endpoint[];
  private readonly namespaceLabels: Map<string, Record<string, string>>;
  private readonly networkPolicies: Obj[];
  private readonly authorizationPolicies: Obj[];
  private readonly strictMtls: boolean;

  constructor(
    r: Rendered,
    /** Pods the render does not hold: those of Helm releases, and the cluster's DNS. */
    extraPods: readonly { namespace: string; labels: Record<string, string>; serviceAccount: string; identity: boolean; gateway: boolean; id: string }[],
    podCidr: string,
  ) {
    this.namespaceLabels = new Map(
      r.objects("Namespace").map((n: Obj) => [n.metadata.name, { ...n.metadata.labels, "kubernetes.io/metadata.name": n.metadata.name }]),
    );
    this.networkPolicies = r.objects("NetworkPolicy") as Obj[];
    this.authorizationPolicies = r.objects("AuthorizationPolicy") as Obj[];
    this.strictMtls = (r.objects("PeerAuthentication") as Obj[]).some((p) => p.metadata.namespace === MESH.rootNamespace && p.spec?.mtls?.mode === "STRICT");
    const base = podCidr.split("/")[0].split(".").slice(0, 2).join(".");
    let n = 0;
    const address = () => `${base}.${Math.floor(++n / 250)}.${(n % 250) + 1}`;
    const pods: Endpoint[] = WORKLOADS.flatMap((kind) => r.objects(kind)).map((w: Obj) => {
      const ns = w.metadata.namespace as string;
      const annotations = (w.spec.template.metadata?.annotations ?? {}) as Record<string, string>;
      const injected = this.namespaceLabels.get(ns)?.["istio-injection"] === "enabled" && annotations["sidecar.istio.io/inject"] !== "false";
      const included = annotations["traffic.sidecar.istio.io/includeInboundPorts"];
      const excluded = (annotations["traffic.sidecar.istio.io/excludeInboundPorts"] ?? "").split(",").filter(Boolean).map(Number);
      return {
        id: `${ns}/${w.metadata.name}`,
        namespace: ns,
        labels: w.spec.template.metadata?.labels ?? {},
        address: address(),
        serviceAccount: w.spec.template.spec.serviceAccountName ?? "default",
        identity: injected,
        gateway: false,
        captures: (port: number) =>
          injected &&
          included !== "" &&
          !MESH.uncapturedPorts.includes(port) &&
          !excluded.includes(port) &&
          (included === undefined || included === "*" || included.split(",").map(Number).includes(port)),
      };
    });
    const extra: Endpoint[] = extraPods.map((p) => ({
      ...p,
      address: address(),
      captures: (port: number) => p.identity && !MESH.uncapturedPorts.includes(port),
    }));
    const outside: Endpoint[] = OUTSIDE_ADDRESSES.map((a) => ({
      id: `outside ${a}`,
      labels: {},
      address: a,
      identity: false,
      gateway: false,
      captures: () => false,
    }));
    this.endpoints = [...pods, ...extra, ...outside];
  }

  /** Whether the stack's policies apply to this endpoint's own traffic (a pod of a namespace the stack creates). */
  managed = (e: Endpoint): boolean => e.namespace !== undefined && this.namespaceLabels.has(e.namespace);

  private peerMatches(peer: Obj, other: Endpoint, policyNamespace: string): boolean {
    if (peer.ipBlock) return inCidr(other.address, peer.ipBlock.cidr) && !((peer.ipBlock.except ?? []) as string[]).some((c) => inCidr(other.address, c));
    if (other.namespace === undefined) return false;
    const namespaceOk = peer.namespaceSelector
      ? selects(peer.namespaceSelector, this.namespaceLabels.get(other.namespace) ?? { "kubernetes.io/metadata.name": other.namespace })
      : other.namespace === policyNamespace;
    return namespaceOk && (!peer.podSelector || selects(peer.podSelector, other.labels));
  }

  private networkAllows(direction: "Ingress" | "Egress", subject: Endpoint, other: Endpoint, protocol: string, port: number): boolean {
    const policies = this.networkPolicies.filter(
      (p) => p.metadata.namespace === subject.namespace && selects(p.spec.podSelector, subject.labels) && policyTypes(p).includes(direction),
    );
    if (policies.length === 0) return true;
    const key = direction === "Ingress" ? "from" : "to";
    return policies.some((p) =>
      ((direction === "Ingress" ? p.spec.ingress : p.spec.egress) ?? []).some(
        (rule: Obj) =>
          (!rule[key]?.length || (rule[key] as Obj[]).some((peer) => this.peerMatches(peer, other, p.metadata.namespace))) &&
          (!rule.ports?.length || (rule.ports as Obj[]).some((q) => (q.protocol ?? "TCP") === protocol && q.port === port)),
      ),
    );
  }

  private meshAllows(from: Endpoint, to: Endpoint, protocol: string, port: number): boolean {
    // A proxy's own ports (merged metrics, health, Envoy's stats) are outside its listeners: no mesh policy applies there.
    if (protocol !== "TCP" || MESH.uncapturedPorts.includes(port) || !(to.gateway || to.captures(port))) return true;
    if (!to.gateway && this.strictMtls && !from.identity) return false;
    const principal = from.identity ? `${MESH.trustDomain}/ns/${from.namespace}/sa/${from.serviceAccount}` : undefined;
    const policies = this.authorizationPolicies.filter(
      (p) =>
        (p.metadata.namespace === to.namespace || p.metadata.namespace === MESH.rootNamespace) &&
        (!p.spec.selector || selects(p.spec.selector, to.labels)) &&
        (p.spec.action ?? "ALLOW") === "ALLOW",
    );
    if (policies.length === 0) return true;
    return policies.some((p) =>
      ((p.spec.rules ?? []) as Obj[]).some(
        (rule) =>
          (!rule.from || (rule.from as Obj[]).some((f) => principal !== undefined && ((f.source?.principals ?? []) as string[]).includes(principal))) &&
          (!rule.to || (rule.to as Obj[]).some((t) => !t.operation?.ports || (t.operation.ports as string[]).includes(String(port)))),
      ),
    );
  }

  /** Whether the rendered policies let `from` open a connection to `to` on the port. */
  allows(flow: Flow): boolean {
    const { from, to, protocol, port } = flow;
    if (!this.managed(from) && !this.managed(to)) return false;
    const egress = !this.managed(from) || this.networkAllows("Egress", from, to, protocol, port);
    const ingress = !this.managed(to) || (this.networkAllows("Ingress", to, from, protocol, port) && this.meshAllows(from, to, protocol, port));
    return egress && ingress;
  }

  /** Every flow the policies allow between the endpoints, on the ports any policy or edge names (and one nothing names). */
  allowedFlows(graph: TrafficGraph): Flow[] {
    const ports = new Set<string>(["TCP/9", "UDP/9"]);
    for (const p of this.networkPolicies)
      for (const rule of [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])] as Obj[])
        for (const q of rule.ports ?? []) ports.add(`${q.protocol ?? "TCP"}/${q.port}`);
    for (const e of graph.edges) for (const q of e.ports) ports.add(`${q.protocol}/${q.port}`);
    const flows: Flow[] = [];
    for (const from of this.endpoints)
      for (const to of this.endpoints)
        for (const p of ports) {
          const [protocol, port] = p.split("/");
          const flow = { from, to, protocol, port: Number(port) };
          if (this.allows(flow)) flows.push(flow);
        }
    return flows;
  }

  /** The endpoints an edge's end stands for. */
  private ends(end: Edge["from"] | Edge["to"]): Endpoint[] {
    switch (end.kind) {
      case "workload":
        return this.endpoints.filter((e) => e.namespace === end.namespace && selects({ matchLabels: end.selector }, e.labels));
      case "namespace":
        return this.endpoints.filter((e) => e.namespace === end.namespace);
      case "outside":
        return this.endpoints.filter(
          (e) => e.namespace === undefined && end.cidrs.some((c) => inCidr(e.address, c)) && !end.except.some((c) => inCidr(e.address, c)),
        );
    }
  }

  /** The flows the graph's edges stand for; an edge whose end stands for nothing is reported. */
  graphFlows(graph: TrafficGraph): { flows: Flow[]; empty: string[] } {
    const flows: Flow[] = [];
    const empty: string[] = [];
    for (const edge of graph.edges) {
      const froms = this.ends(edge.from);
      const tos = this.ends(edge.to);
      if (froms.length === 0 || tos.length === 0) empty.push(edge.why);
      for (const from of froms) for (const to of tos) for (const p of edge.ports) flows.push({ from, to, protocol: p.protocol, port: p.port });
    }
    return { flows, empty };
  }
}
