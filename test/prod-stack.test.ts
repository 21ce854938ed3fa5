import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { EVENT_STORE, GATEWAY, PERFORMANCE, PROMETHEUS, JAEGER } from "../catalog";
import { parseQuantity } from "../components/quantity";
import { SPREAD_TOPOLOGY_KEYS } from "../components/topology-spread";
import { Rendered, render } from "./helpers/render";
import { assertConfigError } from "./observability/workload-checks";

type Obj = Record<string, any>;
const WORKLOAD_KINDS = ["Deployment", "StatefulSet"];
const workloads = (r: Rendered): Obj[] => WORKLOAD_KINDS.flatMap((kind) => r.objects(kind)) as Obj[];

/** The replicas a workload runs at rest: its HPA's minimum where one targets it, else spec.replicas. */
function steadyReplicas(r: Rendered, w: Obj): number {
  const hpa = (r.objects("HorizontalPodAutoscaler") as Obj[]).find(
    (h) => h.metadata.namespace === w.metadata.namespace && h.spec.scaleTargetRef.kind === w.kind && h.spec.scaleTargetRef.name === w.metadata.name,
  );
  return hpa?.spec.minReplicas ?? w.spec.replicas ?? 1;
}

describe("the prod stack (Pulumi.prod.yaml)", function () {
  let prod: Rendered;
  let dev: Rendered;
  before(async () => {
    prod = await render({}, { stack: "prod" });
    dev = await render();
  });

  it("is prod, pulls the service runtime from a registry the cluster can reach, and builds nothing", () => {
    const config = parse(fs.readFileSync(path.join(__dirname, "..", "Pulumi.prod.yaml"), "utf8")).config;
    assert.equal(config["microservices-ecosystem:environment"], "prod");
    const images = config["microservices-ecosystem:images"];
    assert.equal(images.build, false);
    assert.match(images.tag, /^v\d+\.\d+\.\d+$/);
    for (const d of prod.objects("Deployment") as Obj[]) {
      if (d.metadata.namespace !== "microservices") continue;
      assert.equal(d.spec.template.spec.containers[0].image, `${images.repository}/service-runtime:${images.tag}`);
    }
    assert.equal(prod.ofType("docker:index/image:Image").length, 0);
  });

  it("exposes Kong through a LoadBalancer Service (dev: NodePort), and not Istio's ingress gateway, which routes nothing while Kong is the edge", () => {
    assert.equal((prod.object("Service", GATEWAY.proxyService, GATEWAY.namespace) as Obj).spec.type, "LoadBalancer");
    assert.equal((dev.object("Service", GATEWAY.proxyService, GATEWAY.namespace) as Obj).spec.type, "NodePort");
    for (const r of [prod, dev]) {
      const ingress = r.ofType("kubernetes:helm.sh/v3:Release").find((x) => String(x.inputs.name) === "istio-ingress");
      assert.equal((ingress?.inputs.values as Obj).service.type, "ClusterIP");
    }
  });

  it("serves the API over TLS only, from the Secret it names, to the client ranges it names", () => {
    const kong = (prod.object("Deployment", "kong", GATEWAY.namespace) as Obj).spec.template.spec;
    const env = Object.fromEntries((kong.containers[0].env as Obj[]).map((e) => [e.name, e.value]));
    assert.equal(env.KONG_PROXY_LISTEN, "0.0.0.0:8443 ssl http2");
    assert.deepEqual([env.KONG_SSL_CERT, env.KONG_SSL_CERT_KEY], ["/kong/tls/tls.crt", "/kong/tls/tls.key"]);
    assert.equal((kong.volumes as Obj[]).find((v) => v.name === "tls")!.secret.secretName, "kong-proxy-tls");
    const proxy = (prod.object("Service", GATEWAY.proxyService, GATEWAY.namespace) as Obj).spec;
    assert.deepEqual(
      proxy.ports.map((p: Obj) => [p.port, p.targetPort]),
      [[443, "proxy-tls"]],
    );
    assert.ok(proxy.loadBalancerSourceRanges.length > 0);
  });

  it("keeps the data through the tool: stores protected, claims retained on a Retain class, the data namespace protected", () => {
    const recorded = (kind: string, name: string, r: Rendered) =>
      r.resources.find((x) => (x.inputs as Obj).kind === kind && (x.inputs as Obj).metadata?.name === name)!;
    for (const store of ["postgres", "redis", "eventstore"]) {
      const sts = recorded("StatefulSet", store, prod);
      assert.equal(sts.protect, true, `${store}: pulumi destroy refuses`);
      const spec = (sts.inputs as Obj).spec;
      assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
      assert.equal(spec.volumeClaimTemplates[0].spec.storageClassName, "microservices-retain", store);
      assert.equal(recorded("StatefulSet", store, dev).protect, false, `${store}: dev tears down freely`);
      assert.equal(
        (recorded("StatefulSet", store, dev).inputs as Obj).spec.volumeClaimTemplates[0].spec.storageClassName,
        undefined,
        "dev: the cluster's default class",
      );
    }
    assert.equal(recorded("Namespace", "data", prod).protect, true);
    assert.equal(recorded("Namespace", "data", dev).protect, false);
    for (const claim of ["prometheus-data", "jaeger-data"]) {
      const pvc = recorded("PersistentVolumeClaim", claim, prod);
      assert.equal(pvc.retainOnDelete, true, `${claim}: destroy leaves it`);
      assert.equal((pvc.inputs as Obj).spec.storageClassName, "microservices-retain");
    }
  });

  it("keeps Prometheus's 15 days on a claim, and Jaeger's traces in Badger on a claim (dev: in memory)", () => {
    const prometheus = (prod.object("Deployment", "prometheus", PROMETHEUS.namespace) as Obj).spec.template.spec;
    assert.deepEqual(
      (prometheus.volumes as Obj[]).find((v) => v.name === "data"),
      { name: "data", persistentVolumeClaim: { claimName: "prometheus-data" } },
    );
    assert.equal((prod.object("PersistentVolumeClaim", "prometheus-data") as Obj).spec.resources.requests.storage, PROMETHEUS.sizing.prod.storage);
    const jaegerConfig = (r: Rendered) =>
      parse((r.object("ConfigMap", "jaeger-config", JAEGER.namespace) as Obj).data["config.yaml"]).extensions.jaeger_storage.backends.traces;
    assert.deepEqual(jaegerConfig(prod), {
      badger: { directories: { keys: "/badger/keys", values: "/badger/values" }, ephemeral: false, ttl: { spans: "168h" } },
    });
    assert.deepEqual(jaegerConfig(dev), { memory: { max_traces: JAEGER.sizing.dev.maxTraces } });
    const jaeger = (prod.object("Deployment", "jaeger", JAEGER.namespace) as Obj).spec.template.spec;
    assert.deepEqual(
      (jaeger.containers[0].volumeMounts as Obj[]).find((m) => m.name === "data"),
      { name: "data", mountPath: "/badger" },
    );
    assert.equal(dev.objects("PersistentVolumeClaim").filter((c) => c.metadata.name === "jaeger-data").length, 0);
  });

  it("runs EventStoreDB as a cluster of 3 (dev: 1)", () => {
    assert.equal((prod.object("StatefulSet", "eventstore") as Obj).spec.replicas, EVENT_STORE.replicationNodes);
    assert.equal(EVENT_STORE.replicationNodes, 3);
    assert.equal((dev.object("StatefulSet", "eventstore") as Obj).spec.replicas, 1);
  });

  it("spreads every workload of several replicas across zones and nodes, selecting its own pods; dev spreads none", () => {
    let spread = 0;
    for (const w of workloads(prod)) {
      if (steadyReplicas(prod, w) < 2) continue;
      const constraints = (w.spec.template.spec.topologySpreadConstraints ?? []) as Obj[];
      assert.deepEqual(
        constraints.map((c) => c.topologyKey),
        [...SPREAD_TOPOLOGY_KEYS],
        `${w.kind} ${w.metadata.name} spreads by zone and node`,
      );
      for (const c of constraints) {
        for (const [k, v] of Object.entries(c.labelSelector.matchLabels))
          assert.equal(w.spec.template.metadata.labels[k], v, `${w.metadata.name}: selects its own pods`);
        assert.equal(c.maxSkew, 1);
      }
      spread++;
    }
    assert.ok(spread >= 9, `the services, Kong and EventStoreDB spread (${spread})`);
    for (const w of workloads(dev)) assert.equal(w.spec.template.spec.topologySpreadConstraints, undefined, `${w.metadata.name} on dev`);
  });

  it("keeps traces and metrics longer than dev", () => {
    const retention = (r: Rendered) =>
      ((r.object("Deployment", "prometheus", PROMETHEUS.namespace) as Obj).spec.template.spec.containers[0].args as string[]).find((a) =>
        a.startsWith("--storage.tsdb.retention.time="),
      );
    assert.equal(retention(prod), `--storage.tsdb.retention.time=${PROMETHEUS.sizing.prod.retention}`);
    assert.equal(retention(dev), `--storage.tsdb.retention.time=${PROMETHEUS.sizing.dev.retention}`);
    // Dev keeps a bounded number of traces in memory; prod keeps a week of them in Badger (see below).
    assert.ok(parseQuantity(JAEGER.sizing.prod.retention.replace("h", "")) > parseQuantity(JAEGER.sizing.dev.retention.replace("h", "")));
  });

  it("fits capacity_planning.json: requests at rest within the capacity at its scaling thresholds, no container above the vertical maximum", () => {
    const plan = PERFORMANCE.capacityPlanning as unknown as Obj;
    const cpuBudget = plan.current_capacity.cpu_cores * (plan.scaling_thresholds.cpu_utilization / 100);
    const memoryBudget = plan.current_capacity.memory_gb * 2 ** 30 * (plan.scaling_thresholds.memory_utilization / 100);
    const maxCpu = parseQuantity(plan.auto_scaling.vertical.max_cpu);
    const maxMemory = parseQuantity(plan.auto_scaling.vertical.max_memory);
    let cpu = 0;
    let memory = 0;
    for (const w of workloads(prod)) {
      const replicas = steadyReplicas(prod, w);
      for (const c of w.spec.template.spec.containers as Obj[]) {
        const where = `${w.kind} ${w.metadata.name}/${c.name}`;
        assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${where} requests cpu and memory`);
        cpu += replicas * parseQuantity(c.resources.requests.cpu);
        memory += replicas * parseQuantity(c.resources.requests.memory);
        if (c.resources.limits?.cpu)
          assert.ok(parseQuantity(c.resources.limits.cpu) <= maxCpu, `${where}: cpu limit above ${plan.auto_scaling.vertical.max_cpu}`);
        if (c.resources.limits?.memory)
          assert.ok(parseQuantity(c.resources.limits.memory) <= maxMemory, `${where}: memory limit above ${plan.auto_scaling.vertical.max_memory}`);
      }
    }
    assert.ok(cpu > 0 && cpu <= cpuBudget, `${cpu} cores requested at rest, budget ${cpuBudget}`);
    assert.ok(memory > 0 && memory <= memoryBudget, `${memory / 2 ** 30} GiB requested at rest, budget ${memoryBudget / 2 ** 30}`);
  });

  describe("refuses images a prod cluster cannot pull, in one line naming the key (nothing rendered)", () => {
    it("a localhost registry for the service runtime", async () => {
      const message = await assertConfigError(
        render({ images: { repository: "localhost:5001/microservices", tag: "v1.0.0", build: false } }, { stack: "prod" }),
        "microservices-ecosystem:images.repository",
      );
      assert.match(message, /only this machine can reach.*Pulumi\.prod\.yaml/);
    });

    it("a per-service or data-store image on a loopback registry", async () => {
      await assertConfigError(render({ services: { user_service: { image: "127.0.0.1:5000/user:v1" } } }, { stack: "prod" }), "services.user_service.image");
      await assertConfigError(render({ redis: { image: "localhost:5001/redis:8.10.2" } }, { stack: "prod" }), "redis.image");
    });

    it("an unpinned image, on every stack", async () => {
      await assertConfigError(render({ images: { repository: "ghcr.io/acme/microservices", tag: "latest", build: false } }, { stack: "prod" }), "images");
    });

    it("dev keeps its laptop registry", async () => {
      const r = await render();
      assert.match((r.object("Deployment", "user-service") as Obj).spec.template.spec.containers[0].image, /^localhost:5001\//);
    });
  });
});
