import { strict as assert } from "assert";
import { MESH, NETWORK, SERVICES, ServiceEntry, kubernetesName } from "../../catalog";
import { TrafficGraph, principal } from "../../components/zero-trust/graph";
import { helmPods } from "../helpers/helm-pods";
import { Rendered, render } from "../helpers/render";
import { Cluster, flowId } from "./flows";

type Obj = Record<string, any>;

// The policies and the graph, in both directions, on every stack users run: every edge of the traffic
// graph is allowed by the NetworkPolicies, by STRICT mTLS and by the AuthorizationPolicies, and
// everything those allow is an edge of the graph (no extra opening). The evaluator (flows.ts) reads the
// rendered objects with the API server's and Istio's semantics; it shares no code with the generators.

const KUBE_DNS = {
  id: "kube-system/coredns",
  namespace: NETWORK.clusterDns.namespace,
  labels: { ...NETWORK.clusterDns.selector },
  serviceAccount: "coredns",
  identity: false,
  gateway: false,
};

function clusterOf(r: Rendered): Cluster {
  const helm = helmPods(r).map((p) => ({ ...p, identity: p.gateway }));
  return new Cluster(r, [...helm, KUBE_DNS], NETWORK.defaults.podCidrs[0]);
}

function compare(r: Rendered): {
  missing: string[];
  extra: string[];
  empty: string[];
  graph: TrafficGraph;
  operations: { expected: string[]; allowed: string[] };
} {
  const graph = r.graph!;
  const cluster = clusterOf(r);
  const { flows, empty } = cluster.graphFlows(graph);
  const expected = new Set(flows.map(flowId));
  const allowed = cluster.allowedFlows(graph);
  const allowedIds = new Set(allowed.map(flowId));
  return {
    missing: [...expected].filter((f) => !allowedIds.has(f)).sort(),
    extra: [...allowedIds].filter((f) => !expected.has(f)).sort(),
    empty,
    graph,
    operations: operations(r, graph),
  };
}

const STACKS: [string, Record<string, unknown>, { stack?: string }][] = [
  ["dev", {}, {}],
  ["prod", { environment: "prod" }, {}],
  // The kwok stack's charts folder exists only after `scripts/engine.sh istio-charts`: the charts' source changes no policy.
  ["kwok", { istio: { webhooks: false } }, { stack: "kwok" }],
  ["dev without Kong", { components: ["istio", "eventstore", "redis", "postgresql", "jaeger", "prometheus"] }, {}],
  [
    "prod without Kong (the gateway as the edge, over TLS)",
    {
      environment: "prod",
      components: ["istio", "eventstore", "redis", "postgresql", "jaeger", "prometheus"],
      kong: {},
      istio: { tls: { secretName: "api-cert" } },
    },
    {},
  ],
  ["dev without Istio", { components: ["kong", "eventstore", "redis", "postgresql", "jaeger", "prometheus"] }, {}],
  ["dev with the API server narrowed to its network", { network: { apiServer: { cidrs: ["172.18.0.0/16"], ports: [6443] } } }, {}],
];

for (const [name, overrides, options] of STACKS) {
  describe(`zero trust, both directions: ${name}`, function () {
    this.timeout(120_000);
    let result: ReturnType<typeof compare>;
    before(async () => {
      result = compare(await render(overrides, options));
    });

    it("every edge of the graph stands for pods (or addresses) the stack runs", () => {
      assert.deepEqual(result.empty, []);
    });

    it("every edge of the graph is allowed by the NetworkPolicies, mTLS and the AuthorizationPolicies", () => {
      assert.deepEqual(result.missing, []);
    });

    it("everything the policies allow is an edge of the graph (no extra opening)", () => {
      assert.deepEqual(result.extra, []);
    });

    it("the AuthorizationPolicies allow exactly the graph's HTTP operations (methods and paths), caller by caller", () => {
      assert.deepEqual(result.operations.allowed, result.operations.expected);
    });
  });
}

/** `<namespace>/<workload> ← <principal or anyone> ports methods paths`, for one operation an edge or a rule allows. */
const operationKey = (ns: string, workload: string, caller: string, op: Obj) =>
  `${ns}/${workload} ← ${caller} ports=${(op.ports ?? []).join(",")} methods=${(op.methods ?? ["*"]).join(",")} paths=${(op.paths ?? ["*"]).join(",")}`;

/** The operations the graph's edges into proxy-guarded workloads call for, and those the rendered AuthorizationPolicies allow. */
function operations(r: Rendered, graph: TrafficGraph): { expected: string[]; allowed: string[] } {
  const expected = new Set<string>();
  for (const edge of graph.edges) {
    const to = edge.to;
    if (to.kind !== "workload" || to.inbound === "none" || !to.managed) continue;
    const ports = edge.ports.filter((p) => !MESH.uncapturedPorts.includes(p.port)).map((p) => String(p.port));
    if (ports.length === 0) continue;
    const caller = edge.from.kind === "workload" && edge.from.meshed ? principal(edge.from) : "anyone";
    for (const op of edge.operations ?? [{}]) expected.add(operationKey(to.namespace, to.name, caller, { ...op, ports }));
  }
  const allowed = new Set<string>();
  for (const policy of r.objects("AuthorizationPolicy") as Obj[]) {
    if (!policy.spec.selector) continue;
    const workload = graph.workloads.find(
      (w) => w.namespace === policy.metadata.namespace && JSON.stringify(w.selector) === JSON.stringify(policy.spec.selector.matchLabels),
    );
    for (const rule of policy.spec.rules as Obj[]) {
      const callers: string[] = rule.from ? rule.from.flatMap((f: Obj) => f.source.principals as string[]) : ["anyone"];
      for (const caller of callers)
        for (const to of rule.to as Obj[])
          allowed.add(operationKey(policy.metadata.namespace, workload?.name ?? `?${policy.metadata.name}`, caller, to.operation));
    }
  }
  return { expected: [...expected].sort(), allowed: [...allowed].sort() };
}

describe("zero trust: the evaluator and the graph catch what they must", function () {
  this.timeout(120_000);
  let dev: Rendered;
  before(async () => {
    dev = await render();
  });

  it("nothing reaches a data store but the services that use it (and Prometheus its exporter and sidecar); nothing reaches Prometheus but Grafana, nor Jaeger's UI but Grafana", () => {
    const cluster = clusterOf(dev);
    const allowed = cluster.allowedFlows(dev.graph!);
    const into = (id: string) => [...new Set(allowed.filter((f) => f.to.id === id && f.protocol === "TCP").map((f) => `${f.from.id} ${f.port}`))].sort();
    // Prometheus scrapes each store's exporter and each sidecar's merged metrics (15020), never the store's own port.
    const scrapes = (...ports: number[]) => ports.map((port) => `monitoring/prometheus ${port}`);
    assert.deepEqual(
      into("data/postgres"),
      [
        ...["user-service", "order-service", "order-service-v2", "payment-service", "inventory-service", "analytics-service", "auth-service"].map(
          (s) => `microservices/${s} 5432`,
        ),
        ...scrapes(15020, 9187),
      ].sort(),
    );
    assert.deepEqual(
      into("data/redis"),
      ["microservices/inventory-service 6379", "microservices/order-service 6379", "microservices/order-service-v2 6379", ...scrapes(15020, 9121)].sort(),
    );
    assert.deepEqual(into("monitoring/prometheus"), ["monitoring/grafana 9090", ...scrapes(15020)]);
    assert.deepEqual(
      into("monitoring/jaeger").filter((f) => f.endsWith(" 16686")),
      ["monitoring/grafana 16686"],
    );
    // Kong's proxy takes the API's clients (addresses outside the pod network), never a pod; its status port, Prometheus.
    assert.deepEqual(into("kong/kong"), ["monitoring/prometheus 15020", "monitoring/prometheus 8100", "outside 172.18.0.2 8000", "outside 203.0.113.7 8000"]);
  });

  it("reports an extra opening: the old whole-namespace scrape rule, next to an allow-all egress such as Istio's charts ship", () => {
    const widened = new Rendered(
      dev.resources.map((res) => {
        const inputs = res.inputs as Obj;
        if (inputs.kind === "NetworkPolicy" && inputs.metadata?.name === "payment-service") {
          const monitoring = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } };
          const ingress = [...inputs.spec.ingress, { from: [monitoring], ports: [{ protocol: "TCP", port: 15020 }] }];
          return { ...res, inputs: { ...inputs, spec: { ...inputs.spec, ingress } } };
        }
        if (inputs.kind === "NetworkPolicy" && inputs.metadata?.name === "jaeger") {
          return { ...res, inputs: { ...inputs, spec: { ...inputs.spec, egress: [{}] } } };
        }
        return res;
      }),
    );
    widened.graph = dev.graph;
    const extra = compare(widened).extra;
    // The sidecar's metrics port is outside mTLS and every AuthorizationPolicy: only the NetworkPolicies stood in the way.
    assert.ok(extra.includes("monitoring/jaeger → microservices/payment-service TCP/15020"), extra.join("\n"));
    // Jaeger's open egress reaches no other service port: their sidecars still demand an allowed identity.
    assert.ok(!extra.some((f) => /monitoring\/jaeger → microservices\/\S+ TCP\/80\d\d$/.test(f)), extra.join("\n"));
  });

  it("reports an operation too wide: Kong allowed every path of a service (its /metrics too), not only its route's", () => {
    const widened = new Rendered(
      dev.resources.map((res) => {
        const inputs = res.inputs as Obj;
        if (inputs.kind !== "AuthorizationPolicy" || inputs.metadata?.name !== "user-service") return res;
        const rules = (inputs.spec.rules as Obj[]).map((rule) =>
          rule.from[0].source.principals.includes("cluster.local/ns/kong/sa/kong")
            ? { ...rule, to: rule.to.map((t: Obj) => ({ operation: { ports: t.operation.ports, methods: t.operation.methods } })) }
            : rule,
        );
        return { ...res, inputs: { ...inputs, spec: { ...inputs.spec, rules } } };
      }),
    );
    const ops = compare(Object.assign(widened, { graph: dev.graph })).operations;
    assert.deepEqual(
      ops.allowed.filter((o) => !ops.expected.includes(o)),
      ["microservices/user-service ← cluster.local/ns/kong/sa/kong ports=8001 methods=GET,POST,PUT,DELETE paths=*"],
    );
  });

  it("reports a missing one: an AuthorizationPolicy that forgets a caller", () => {
    const narrowed = new Rendered(
      dev.resources.map((res) => {
        const inputs = res.inputs as Obj;
        if (inputs.kind !== "AuthorizationPolicy" || inputs.metadata?.name !== "postgres") return res;
        const rules = (inputs.spec.rules as Obj[]).map((rule) => ({
          ...rule,
          from: [{ source: { principals: rule.from[0].source.principals.filter((p: string) => !p.endsWith("/sa/auth-service")) } }],
        }));
        return { ...res, inputs: { ...inputs, spec: { ...inputs.spec, rules } } };
      }),
    );
    narrowed.graph = dev.graph;
    assert.deepEqual(compare(narrowed).missing, ["microservices/auth-service → data/postgres TCP/5432"]);
  });

  it("a service's data store moves its openings with it: email gains a database, inventory drops its Redis cache", async () => {
    const services: ServiceEntry[] = SERVICES.map((s) => {
      if (s.config.service_name === "email_service") return { ...s, config: { ...s.config, database: "email_db" } } as ServiceEntry;
      if (s.config.service_name === "inventory_service") {
        const { caching, ...config } = s.config as ServiceEntry["config"] & { caching?: unknown };
        void caching;
        return { ...s, config } as ServiceEntry;
      }
      return s;
    });
    const moved = await render({}, { services });
    const result = compare(moved);
    assert.deepEqual([result.missing, result.extra], [[], []]);
    const allowed = new Set(clusterOf(moved).allowedFlows(moved.graph!).map(flowId));
    const has = (f: string) => allowed.has(f);
    assert.ok(has("microservices/email-service → data/postgres TCP/5432"), "the new database's opening");
    assert.ok(!has("microservices/inventory-service → data/redis TCP/6379"), "the dropped cache's opening is closed");
    const postgresCallers = (moved.object("AuthorizationPolicy", "postgres", "data") as Obj).spec.rules[0].from[0].source.principals as string[];
    assert.ok(postgresCallers.includes(`cluster.local/ns/microservices/sa/${kubernetesName("email_service")}`));
  });
});
