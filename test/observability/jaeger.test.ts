import { strict as assert } from "assert";
import { JAEGER, SERVICES, kubernetesName } from "../../catalog";
import { JaegerSamplingStrategies, jaegerStrategy, samplingStrategies } from "../../components/jaeger";
import { plainValue } from "../../components/jaeger/sampling";
import { parse } from "yaml";
import { TRACE_STORE } from "../../components/jaeger/config";
import { render, Rendered } from "../helpers/render";
import { assertChildrenOf, assertConfigError, assertHardenedDeployment, cpuAndMemory } from "./workload-checks";

type Obj = Record<string, any>;
const NS = JAEGER.namespace;

const strategiesOf = (r: Rendered): JaegerSamplingStrategies =>
  JSON.parse((r.object("ConfigMap", "jaeger-sampling-strategies", NS) as Obj).data["strategies.json"]);
const configOf = (r: Rendered): Obj => parse((r.object("ConfigMap", "jaeger-config", NS) as Obj).data["config.yaml"]);
const envOf = (container: Obj): Record<string, string> => Object.fromEntries(container.env.map((e: Obj) => [e.name, e.value]));

describe("Jaeger", () => {
  describe("rendered alone on dev", () => {
    let r: Rendered;
    before(async () => {
      r = await render({ components: ["jaeger"] });
    });

    it("runs in the monitoring namespace, created once, outside any mesh", () => {
      const namespaces = r.objects("Namespace").filter((o) => o.metadata.name === NS);
      assert.equal(namespaces.length, 1);
      assert.equal((namespaces[0].metadata as Obj).labels["istio-injection"], undefined);
    });

    it("registers its objects as children of the component", () => {
      assertChildrenOf(r, "microservices:platform:Jaeger", ["ServiceAccount", "ConfigMap", "Deployment", "Service"]);
      assert.deepEqual(
        r
          .objects("ConfigMap")
          .filter((o) => o.metadata.namespace === NS && String(o.metadata.name).startsWith("jaeger"))
          .map((o) => o.metadata.name)
          .sort(),
        ["jaeger-config", "jaeger-sampling-strategies"],
      );
    });

    it("Jaeger v2 from a pinned upstream image, reading its config file, OTLP in, in-memory store sized for dev", () => {
      const d = assertHardenedDeployment(r, "jaeger", NS);
      const c = d.spec.template.spec.containers[0];
      assert.equal(c.image, JAEGER.image);
      assert.match(c.image, /^jaegertracing\/jaeger:2\.\d+\.\d+$/);
      assert.deepEqual(c.args, ["--config", "/etc/jaeger/config/config.yaml"]);
      assert.equal(c.env, undefined, "v2 takes no env configuration");
      const mount = c.volumeMounts.find((m: Obj) => m.mountPath === "/etc/jaeger/config");
      assert.equal(d.spec.template.spec.volumes.find((v: Obj) => v.name === mount.name).configMap.name, "jaeger-config");
      const config = configOf(r);
      assert.deepEqual(config.extensions.jaeger_storage.backends[TRACE_STORE], { memory: { max_traces: JAEGER.sizing.dev.maxTraces } });
      assert.deepEqual(config.service.pipelines.traces, { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] });
      const ports = Object.fromEntries(c.ports.map((p: Obj) => [p.name, p.containerPort]));
      assert.equal(ports["otlp-grpc"], 4317);
      assert.equal(ports["otlp-http"], 4318);
      assert.equal(ports.query, 16686);
      assert.equal(ports.sampling, 5778);
      assert.equal(c.readinessProbe.httpGet.path, JAEGER.healthPath);
      assert.equal(ports[c.readinessProbe.httpGet.port], JAEGER.healthPort);
      assert.deepEqual(cpuAndMemory(c.resources), JAEGER.sizing.dev.resources);
      assert.equal(d.spec.strategy.type, "Recreate");
    });

    it("wires its config: each listener is a declared container port, each referenced extension and store is defined", () => {
      const d = r.object("Deployment", "jaeger", NS) as Obj;
      const declared = new Set(d.spec.template.spec.containers[0].ports.map((p: Obj) => p.containerPort));
      const config = configOf(r);
      const endpoints: string[] = [];
      const collect = (value: unknown): void => {
        if (value && typeof value === "object") {
          for (const [k, v] of Object.entries(value)) {
            if ((k === "endpoint" || k === "address") && typeof v === "string") endpoints.push(v);
            else collect(v);
          }
        }
      };
      collect(config);
      assert.ok(endpoints.length >= 6);
      for (const endpoint of endpoints) {
        assert.match(endpoint, /^0\.0\.0\.0:\d+$/, "listens on the pod's interfaces");
        assert.ok(declared.has(Number(endpoint.split(":")[1])), `${endpoint} is a container port`);
      }
      for (const extension of config.service.extensions) assert.ok(config.extensions[extension], `extension ${extension} is configured`);
      const traces = config.service.pipelines.traces;
      for (const [kind, names] of [
        ["receivers", traces.receivers],
        ["processors", traces.processors],
        ["exporters", traces.exporters],
      ] as const) {
        for (const name of names) assert.ok(name in config[kind], `${kind}.${name} is configured`);
      }
      const stores = Object.keys(config.extensions.jaeger_storage.backends);
      assert.ok(stores.includes(config.exporters.jaeger_storage_exporter.trace_storage));
      assert.ok(stores.includes(config.extensions.jaeger_query.storage.traces));
    });

    it("rolls the pod when its config changes (it is read at start)", async () => {
      const other = await render({ components: ["jaeger"], jaeger: { maxTraces: 2000 } });
      const checksum = (x: Rendered) => (x.object("Deployment", "jaeger", NS) as Obj).spec.template.metadata.annotations["checksum/config"];
      assert.match(checksum(r), /^[0-9a-f]{64}$/);
      assert.notEqual(checksum(other), checksum(r));
    });

    it("serves the sampling strategies file mounted from a ConfigMap", () => {
      const d = r.object("Deployment", "jaeger", NS) as Obj;
      const c = d.spec.template.spec.containers[0];
      const file = configOf(r).extensions.remote_sampling.file.path;
      const mount = c.volumeMounts.find((m: Obj) => file === `${m.mountPath}/strategies.json`);
      assert.ok(mount, "the strategies file is in a mounted folder");
      const volume = d.spec.template.spec.volumes.find((v: Obj) => v.name === mount.name);
      assert.equal(volume.configMap.name, "jaeger-sampling-strategies");
    });

    it("converts trace_sampling.json into Jaeger's strategies format", () => {
      const s = strategiesOf(r);
      assert.deepEqual(s.default_strategy, { type: "probabilistic", param: 0.1 });
      const byService = Object.fromEntries(s.service_strategies.map((x) => [x.service, x]));
      assert.deepEqual(byService.payment_service, { service: "payment_service", type: "probabilistic", param: 1.0 });
      assert.deepEqual(byService.order_service, { service: "order_service", type: "ratelimiting", param: 50 });
      // adaptive: rate limited at its target throughput (no per-service adaptive form in the file).
      assert.deepEqual(byService.user_service, { service: "user_service", type: "ratelimiting", param: 100 });
      // The names are those the services report (OTEL_SERVICE_NAME / SERVICE_NAME).
      for (const x of s.service_strategies) assert.ok(SERVICES.some((e) => e.config.service_name === x.service));
    });

    it("collector Service takes OTLP on 4317/4318, query Service serves the UI on 16686", () => {
      const collector = r.object("Service", JAEGER.collectorService, NS) as Obj;
      assert.deepEqual(
        collector.spec.ports.map((p: Obj) => p.port),
        [4317, 4318, JAEGER.samplingPort],
      );
      const query = r.object("Service", JAEGER.queryService, NS) as Obj;
      assert.deepEqual(
        query.spec.ports.map((p: Obj) => p.port),
        [16686],
      );
      for (const s of [collector, query]) assert.equal(s.spec.type, "ClusterIP");
    });

    it("gives every service its OTLP endpoint and service name", () => {
      for (const { config } of SERVICES) {
        const d = r.object("Deployment", kubernetesName(config.service_name), "microservices") as Obj;
        const env = envOf(d.spec.template.spec.containers[0]);
        assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, "http://jaeger-collector.monitoring.svc.cluster.local:4318");
        assert.equal(env.OTEL_SERVICE_NAME, config.service_name);
        assert.equal(env.OTEL_SERVICE_NAME, env.SERVICE_NAME);
        assert.equal(env.OTEL_EXPORTER_OTLP_PROTOCOL, "http/json", "the runtime exports OTLP/HTTP JSON only");
      }
    });

    it("applies no Jaeger custom resource without the operator", () => {
      assert.equal(r.objects("Jaeger").length, 0);
    });

    it("still emits the spec's tracing files", () => {
      const files = [...r.artifacts().keys()].filter((p) => p.includes("/monitoring/tracing/"));
      assert.equal(files.length, 2);
    });
  });

  describe("in the full dev stack", () => {
    let r: Rendered;
    before(async () => {
      r = await render();
    });

    it("shares one injected monitoring namespace with Prometheus", () => {
      const namespaces = r.objects("Namespace").filter((o) => o.metadata.name === NS);
      assert.equal(namespaces.length, 1);
      assert.equal((namespaces[0].metadata as Obj).labels["istio-injection"], "enabled");
      assert.equal(r.object("Deployment", "jaeger", NS).metadata.namespace, NS);
      assert.equal(r.object("Deployment", "prometheus", NS).metadata.namespace, NS);
    });

    it("Service ports carry their protocol for the mesh", () => {
      for (const p of (r.object("Service", JAEGER.collectorService, NS) as Obj).spec.ports) {
        assert.match(p.name, /^(grpc|http)-/);
        assert.ok(p.appProtocol);
      }
    });
  });

  describe("with jaeger.operator", () => {
    let r: Rendered;
    before(async () => {
      r = await render({ components: ["jaeger"], jaeger: { operator: true } });
    });

    it("applies the spec's production Jaeger resource with the same sampling strategies", () => {
      const cr = r.object("Jaeger", "microservices-jaeger", NS) as Obj;
      const spec = plainValue(JAEGER.productionResource) as Obj;
      assert.equal(cr.apiVersion, "jaegertracing.io/v1");
      const { sampling, ...rest } = cr.spec;
      assert.deepEqual(rest, spec.spec);
      assert.deepEqual(sampling.options, samplingStrategies(JAEGER.sampling));
    });

    it("runs no all-in-one and points services at the operator's collector", () => {
      assert.equal(r.objects("Deployment").filter((o) => o.metadata.namespace === NS).length, 0);
      const d = r.object("Deployment", "payment-service", "microservices") as Obj;
      assert.equal(
        envOf(d.spec.template.spec.containers[0]).OTEL_EXPORTER_OTLP_ENDPOINT,
        "http://microservices-jaeger-collector.monitoring.svc.cluster.local:4318",
      );
    });
  });

  describe("settings and strategies", () => {
    it("a wrong setting is a one-line error naming its key", async () => {
      await assertConfigError(render({ components: ["jaeger"], jaeger: { operator: "yes" } }), "microservices-ecosystem:jaeger.operator");
      await assertConfigError(render({ components: ["jaeger"], jaeger: { maxTraces: 10 } }), "microservices-ecosystem:jaeger.maxTraces");
      await assertConfigError(render({ components: ["jaeger"], jaeger: { sampling: 1 } }), "sampling");
    });

    it("maxTraces sizes the in-memory store", async () => {
      const r = await render({ components: ["jaeger"], jaeger: { maxTraces: 2000 } });
      assert.equal(configOf(r).extensions.jaeger_storage.backends[TRACE_STORE].memory.max_traces, 2000);
    });

    it("rejects strategies Jaeger cannot express", () => {
      assert.throws(() => jaegerStrategy({ type: "probabilistic", param: 2 }, "x"), /between 0 and 1/);
      assert.throws(() => jaegerStrategy({ type: "rate_limiting" }, "x"), /max_traces_per_second/);
      assert.throws(() => jaegerStrategy({ type: "lowerbound", param: 1 }, "x"), /no Jaeger equivalent/);
    });
  });
});
