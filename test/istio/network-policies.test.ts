import { strict as assert } from "assert";
import { GATEWAY, PLATFORM_COMPONENTS, SERVICES, eventStoreClients, kubernetesName, redisClients, sagaCoordinators, service } from "../../catalog";
import { Rendered } from "../helpers/render";
import { Obj, byName, renderOnce } from "./renders";

type Peer = Obj;
const nsPeer = (namespace: string, podLabels?: Record<string, string>): Peer => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
  ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
});
const tcp = (...ports: number[]) => ports.map((port) => ({ port, protocol: "TCP" }));
/** The ports a policy's rules open towards (egress) or from (ingress) a peer. */
const portsFor = (rules: Obj[] | undefined, peer: Peer, direction: "to" | "from"): number[] =>
  (rules ?? [])
    .filter((r) => r[direction].some((p: Peer) => JSON.stringify(p) === JSON.stringify(peer)))
    .flatMap((r) => r.ports.map((p: Obj) => p.port))
    .sort((a: number, b: number) => a - b);

describe("NetworkPolicies from the service graph", function () {
  this.timeout(120_000);
  let dev: Rendered;
  let ns: string;
  let policies: Map<string, Obj>;
  before(async () => {
    dev = await renderOnce();
    ns = dev.object("Deployment", "user-service").metadata.namespace as string;
    policies = byName(dev, "NetworkPolicy", ns);
  });

  it("denies all ingress and egress in the services' namespace by default", () => {
    assert.deepEqual(policies.get("default-deny")!.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("lets every pod resolve names: UDP and TCP 53 to the cluster DNS in kube-system", () => {
    assert.deepEqual(policies.get("allow-dns")!.spec, {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [nsPeer("kube-system", { "k8s-app": "kube-dns" })],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    });
  });

  it("lets every sidecar reach istiod's XDS and certificate port (15012) only: its webhook port is the API server's", () => {
    assert.deepEqual(policies.get("allow-istiod")!.spec, {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: [nsPeer("istio-system", { app: "istiod" })], ports: tcp(15012) }],
    });
  });

  it("each service's policy selects its pods (every Deployment of it) and both directions", () => {
    for (const entry of SERVICES) {
      const name = kubernetesName(entry.config.service_name);
      const policy = policies.get(name)!;
      assert.deepEqual(policy.spec.podSelector, { matchLabels: { app: name } });
      assert.deepEqual(policy.spec.policyTypes, ["Ingress", "Egress"]);
      const deployments = dev.objects("Deployment").filter((d) => (d as Obj).spec.template.metadata.labels.app === name);
      assert.ok(deployments.length >= 1, name);
    }
    assert.equal(
      dev.objects("Deployment").filter((d) => (d as Obj).spec.template.metadata.labels.app === "order-service").length,
      2,
      "the canary's v2 is covered too",
    );
  });

  it("ingress on a service's port only from its declared callers (payment: order, not email)", () => {
    for (const entry of SERVICES) {
      const name = kubernetesName(entry.config.service_name);
      const ingress = (policies.get(name)!.spec.ingress ?? []) as Obj[];
      const podPeers = ingress.flatMap((r) =>
        r.from.filter((p: Peer) => p.podSelector && !p.namespaceSelector).map((p: Peer) => p.podSelector.matchLabels.app),
      );
      const callers = SERVICES.filter((s) => s.config.dependencies.includes(entry.config.service_name)).map((s) => kubernetesName(s.config.service_name));
      assert.deepEqual(podPeers.sort(), callers.sort(), name);
      for (const rule of ingress)
        assert.ok(
          rule.ports.some((p: Obj) => p.port === entry.config.port),
          `${name}: its own port`,
        );
    }
    const payment = policies.get("payment-service")!.spec.ingress as Obj[];
    assert.deepEqual(portsFor(payment, { podSelector: { matchLabels: { app: "order-service" } } }, "from"), [8003]);
    assert.deepEqual(portsFor(payment, { podSelector: { matchLabels: { app: "email-service" } } }, "from"), []);
  });

  it("Kong's pods (not the rest of its namespace) reach exactly the gateway-exposed services; the ingress gateway only without Kong", async () => {
    const noKong = byName(await renderOnce({ components: PLATFORM_COMPONENTS.filter((c) => c !== "kong") }), "NetworkPolicy", ns);
    for (const entry of SERVICES) {
      const name = kubernetesName(entry.config.service_name);
      const exposed = GATEWAY.routes.some((r) => r.service === entry.config.service_name);
      const expected = exposed ? [entry.config.port] : [];
      const ingress = policies.get(name)!.spec.ingress as Obj[];
      assert.deepEqual(portsFor(ingress, nsPeer("kong", { app: "kong" }), "from"), expected, entry.config.service_name);
      assert.deepEqual(portsFor(ingress, nsPeer("kong"), "from"), [], "never the whole namespace");
      assert.deepEqual(portsFor(ingress, nsPeer("istio-ingress", { istio: "ingress" }), "from"), [], "the gateway routes nothing while Kong is the edge");
      assert.deepEqual(portsFor(noKong.get(name)!.spec.ingress as Obj[], nsPeer("istio-ingress", { istio: "ingress" }), "from"), expected);
    }
  });

  it("Prometheus's pods (not Jaeger's) scrape each service's own port (over mTLS) and its sidecar's merged metrics (15020); the sidecar's other ports stay closed", () => {
    for (const entry of SERVICES) {
      const ingress = policies.get(kubernetesName(entry.config.service_name))!.spec.ingress as Obj[];
      assert.deepEqual(portsFor(ingress, nsPeer("monitoring", { app: "prometheus" }), "from"), [entry.config.port, 15020]);
      assert.deepEqual(portsFor(ingress, nsPeer("monitoring"), "from"), []);
    }
  });

  it("egress to each dependency's pods on its port, and OTLP to Jaeger in monitoring", () => {
    for (const entry of SERVICES) {
      const egress = policies.get(kubernetesName(entry.config.service_name))!.spec.egress as Obj[];
      for (const dep of entry.config.dependencies) {
        assert.deepEqual(portsFor(egress, { podSelector: { matchLabels: { app: kubernetesName(dep) } } }, "to"), [service(dep).port]);
      }
      const pods = egress.flatMap((r) => r.to.filter((p: Peer) => !p.namespaceSelector).map((p: Peer) => p.podSelector.matchLabels.app));
      assert.deepEqual(pods.sort(), entry.config.dependencies.map(kubernetesName).sort(), "no other service");
      assert.deepEqual(portsFor(egress, nsPeer("monitoring", { app: "jaeger" }), "to"), [4317, 4318]);
    }
  });

  it("egress to the data stores each service uses (PostgreSQL 5432, Redis 6379, EventStoreDB 2113 in `data`)", () => {
    const stores = (specName: string) => {
      const egress = policies.get(kubernetesName(specName))!.spec.egress as Obj[];
      return {
        postgres: portsFor(egress, nsPeer("data", { app: "postgres" }), "to"),
        redis: portsFor(egress, nsPeer("data", { app: "redis" }), "to"),
        eventstore: portsFor(egress, nsPeer("data", { app: "eventstore" }), "to"),
      };
    };
    // order: orders_db, Redis locks (distributed_lock.json), order events.
    assert.deepEqual(stores("order_service"), { postgres: [5432], redis: [6379], eventstore: [2113] });
    // inventory: inventory_db and its Redis cache; no stream of its own.
    assert.deepEqual(stores("inventory_service"), { postgres: [5432], redis: [6379], eventstore: [] });
    // analytics: analytics_db, reads the streams' events.
    assert.deepEqual(stores("analytics_service"), { postgres: [5432], redis: [], eventstore: [2113] });
    // notification: no database, but its templates are triggered by order.created.
    assert.deepEqual(stores("notification_service"), { postgres: [], redis: [], eventstore: [2113] });
    // email keeps no data.
    assert.deepEqual(stores("email_service"), { postgres: [], redis: [], eventstore: [] });
    // Every service: exactly the stores the data-store components bind it to.
    const names = (list: readonly { config: { service_name: string } }[]) => new Set(list.map((s) => s.config.service_name));
    const redis = names(redisClients(SERVICES));
    const events = names(eventStoreClients(SERVICES));
    const postgres = new Set([...SERVICES.filter((s) => s.config.database), ...sagaCoordinators(SERVICES)].map((s) => s.config.service_name));
    for (const entry of SERVICES) {
      const name = entry.config.service_name;
      assert.deepEqual(
        stores(name),
        {
          postgres: postgres.has(name) ? [5432] : [],
          redis: redis.has(name) ? [6379] : [],
          eventstore: events.has(name) ? [2113] : [],
        },
        name,
      );
    }
  });

  it("with Istio alone: no Kong, Prometheus, Jaeger or data-store peers, and none at all when network.policies is false", async () => {
    const alone = byName(await renderOnce({ components: ["istio"], istio: { install: false } }), "NetworkPolicy", ns);
    const order = alone.get("order-service")!.spec;
    assert.deepEqual(order.ingress, [{ from: [nsPeer("istio-ingress", { istio: "ingress" })], ports: tcp(8002) }]);
    assert.ok(
      (order.egress as Obj[]).every((r) => r.to.every((p: Peer) => !p.namespaceSelector)),
      "only the dependencies",
    );
    const none = await renderOnce({ components: ["istio"], istio: { install: false }, network: { policies: false } });
    assert.equal(none.objects("NetworkPolicy").length, 0);
  });
});
