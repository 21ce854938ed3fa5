import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_CIRCUIT_BREAKER, GATEWAY, MESH, PLATFORM_COMPONENTS, SERVICES, kubernetesName, service } from "../../catalog";
import { PLATFORM_ENDPOINTS } from "../../components/istio/platform-endpoints";
import { ISTIO_CHARTS } from "../../components/istio/settings";
import { ISTIO_CHARTS as PACK_ISTIO_CHARTS } from "../../policies/src/lib/helm";
import { Rendered, render } from "../helpers/render";
import { Obj, byName, renderOnce } from "./renders";
import { cpuAndMemory } from "../observability/workload-checks";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const WITHOUT_KONG = { components: PLATFORM_COMPONENTS.filter((c) => c !== "kong") };
const principalOf = (namespace: string, account: string) => `cluster.local/ns/${namespace}/sa/${account}`;
const fqdn = (specName: string, namespace: string) => `${kubernetesName(specName)}.${namespace}.svc.cluster.local`;
const labelsMatch = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** Every principal an AuthorizationPolicy's rules allow, with the operations allowed to it. */
function allowed(policy: Obj): Map<string, Obj[]> {
  const out = new Map<string, Obj[]>();
  for (const rule of policy.spec.rules as Obj[]) {
    for (const from of rule.from as Obj[]) {
      for (const p of from.source.principals as string[]) out.set(p, [...(out.get(p) ?? []), ...(rule.to as Obj[]).map((t) => t.operation)]);
    }
  }
  return out;
}

describe("Istio mesh (dev stack, every component composed)", function () {
  this.timeout(120_000);
  let dev: Rendered;
  let ns: string;
  before(async () => {
    dev = await renderOnce();
    ns = dev.object("Deployment", "user-service").metadata.namespace as string;
  });

  describe("install: Helm releases base → istiod → ingress gateway", () => {
    const releases = () => new Map(dev.ofType(RELEASE).map((r) => [r.name, r.inputs as Obj]));

    it("installs the four pinned charts from Istio's repository into istio-system, istio-cni and istio-ingress", () => {
      const r = releases();
      assert.deepEqual([...r.keys()], ["istio-base", "istio-cni", "istiod", "istio-ingress"]);
      const expected: Record<string, [string, string]> = {
        "istio-base": ["base", "istio-system"],
        "istio-cni": ["cni", "istio-cni"],
        istiod: ["istiod", "istio-system"],
        "istio-ingress": ["gateway", "istio-ingress"],
      };
      for (const [name, [chart, namespace]] of Object.entries(expected)) {
        const release = r.get(name)!;
        assert.equal(release.chart, chart);
        assert.equal(release.name, name, "a fixed release name (the gateway's labels and ServiceAccount derive from it)");
        assert.equal(release.namespace, namespace);
        assert.equal(release.version, MESH.install.version);
        assert.match(release.version, /^1\.\d+\.\d+$/, "pinned to an exact release");
        assert.equal(release.repositoryOpts.repo, "https://istio-release.storage.googleapis.com/charts");
        assert.equal(release.skipAwait, false, `${name} is awaited`);
      }
      for (const namespace of ["istio-system", "istio-cni", "istio-ingress"]) assert.ok(dev.object("Namespace", namespace));
    });

    it("runs Istio's CNI agent, so that injected pods need no privileged istio-init, and everything it installs under the runtime's seccomp profile", () => {
      const values = releases().get("istiod")!.values;
      assert.deepEqual(values.cni, { enabled: true });
      assert.deepEqual(values.seccompProfile, { type: "RuntimeDefault" });
      assert.deepEqual(values.global.proxy.seccompProfile, { type: "RuntimeDefault" });
      const gateway = releases().get("istio-ingress")!.values;
      assert.deepEqual(gateway.securityContext, {
        sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
        seccompProfile: { type: "RuntimeDefault" },
      });
      const cni = releases().get("istio-cni")!.values;
      assert.deepEqual([cni.global.hub, cni.global.tag], [MESH.install.hub, MESH.install.version]);
      assert.deepEqual(cni.resources, MESH.install.sizes.dev.cni);
    });

    it("sizes istiod and the sidecars for a laptop, one istiod and one gateway without autoscaling, at the chart's top level", () => {
      const values = releases().get("istiod")!.values;
      // The istiod chart reads its settings at the top level: the IstioOperator's `pilot:` layout is ignored.
      assert.equal(values.pilot, undefined);
      assert.equal(values.autoscaleEnabled, false);
      assert.equal(values.replicaCount, 1);
      assert.deepEqual(values.resources, MESH.install.sizes.dev.pilot);
      assert.equal(values.traceSampling, 1.0);
      assert.deepEqual(values.global.proxy.resources, MESH.install.sizes.dev.proxy);
      const gateway = releases().get("istio-ingress")!.values;
      assert.deepEqual([gateway.autoscaling, gateway.replicaCount, gateway.podDisruptionBudget], [{ enabled: false }, 1, undefined]);
    });

    it("labels the ingress gateway `istio: ingress` and, with Kong as the edge, does not expose it (ClusterIP)", () => {
      const values = releases().get("istio-ingress")!.values;
      assert.equal(values.name, "istio-ingress");
      assert.deepEqual(values.labels, { istio: "ingress" });
      assert.equal(values.service.type, "ClusterIP");
      assert.ok((values.service.ports as Obj[]).every((p) => p.nodePort === undefined));
      assert.ok((values.service.ports as Obj[]).some((p) => p.name === "status-port" && p.port === 15021));
    });

    it("without Kong, exposes the ingress gateway as a NodePort on dev (kind has no LoadBalancer)", async () => {
      const r = await renderOnce(WITHOUT_KONG);
      const values = r.ofType(RELEASE).find((x) => x.name === "istio-ingress")!.inputs.values as Obj;
      assert.equal(values.service.type, "NodePort");
      const http = (values.service.ports as Obj[]).find((p) => p.name === "http2")!;
      assert.deepEqual(http, { name: "http2", port: 80, protocol: "TCP", targetPort: 80, nodePort: 31380 });
    });

    it("sizes the sidecars through istiod's values (with ephemeral storage), not per pod, and injects the services' namespace", () => {
      const pod = (dev.object("Deployment", "payment-service") as Obj).spec.template as Obj;
      assert.deepEqual(
        Object.keys(pod.metadata.annotations).filter((k) => k.startsWith("sidecar.istio.io/")),
        [],
        "per-pod annotations would replace the values' resources",
      );
      const namespace = dev.object("Namespace", ns) as Obj;
      assert.equal(namespace.metadata.labels["istio-injection"], "enabled");
    });
  });

  describe("mutual TLS and the API gateway", () => {
    it("requires STRICT mTLS mesh-wide (istio-system) and in the services' namespace", () => {
      const policies = dev
        .objects("PeerAuthentication")
        .map((p) => [p.metadata.namespace, p.metadata.name, (p as Obj).spec])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      assert.deepEqual(policies, [
        ["istio-system", "default", { mtls: { mode: "STRICT" } }],
        [ns, "default", { mtls: { mode: "STRICT" } }],
      ]);
    });

    it("defines the Gateway the spec's routes name, for the API host, on the `istio: ingress` pods", () => {
      const gateway = dev.object("Gateway", MESH.gatewayName, ns) as Obj;
      assert.equal(gateway.apiVersion, "networking.istio.io/v1");
      assert.deepEqual(gateway.spec.selector, { istio: "ingress" });
      const values = dev.ofType(RELEASE).find((r) => r.name === "istio-ingress")!.inputs as Obj;
      assert.ok(labelsMatch(gateway.spec.selector, values.values.labels), "selects the Helm-installed gateway's pods");
      assert.deepEqual(gateway.spec.servers, [{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["api.microservices.local"] }]);
    });

    it("with Kong composed, routes nothing around it: Kong is the API's edge", () => {
      assert.equal(dev.objects("VirtualService").filter((v) => (v as Obj).spec.gateways).length, 0);
    });

    it("without Kong, routes GATEWAY.routes through the Gateway to the services' FQDNs, without fault injection by default", async () => {
      const vs = (await renderOnce(WITHOUT_KONG)).object("VirtualService", MESH.specGatewayRoutesName, ns) as Obj;
      assert.deepEqual(vs.spec.hosts, [GATEWAY.host]);
      assert.deepEqual(vs.spec.gateways, [MESH.gatewayName]);
      for (const route of GATEWAY.routes) {
        const http = (vs.spec.http as Obj[]).filter((h) => h.match.some((m: Obj) => m.uri?.prefix === route.path));
        assert.ok(http.length > 0, `a route for ${route.path}`);
        for (const h of http) {
          for (const r of h.route as Obj[]) {
            assert.equal(r.destination.host, fqdn(route.service, ns));
            assert.equal(r.destination.port.number, service(route.service).port);
          }
        }
      }
      assert.ok(
        (vs.spec.http as Obj[]).every((h) => !h.fault),
        "no fault unless istio.faultInjection",
      );
    });

    it("without Kong, keeps the order route's canary split and the spec's retries at the gateway", async () => {
      const vs = (await renderOnce(WITHOUT_KONG)).object("VirtualService", MESH.specGatewayRoutesName, ns) as Obj;
      const orders = (vs.spec.http as Obj[]).filter((h) => h.match.some((m: Obj) => m.uri?.prefix === "/api/orders"));
      assert.deepEqual(
        orders.map((h) => h.route.map((r: Obj) => [r.destination.subset, r.weight])),
        [
          [["v2", 100]],
          [
            ["v1", 90],
            ["v2", 10],
          ],
        ],
      );
      assert.deepEqual(orders[0].match[0].headers, { canary: { exact: "true" } });
      for (const h of orders) assert.deepEqual(h.retries, { attempts: 3, perTryTimeout: "10s" });
    });
  });

  describe("DestinationRules: one per service host, from the catalog", () => {
    it("every Service of the services' namespace has exactly one DestinationRule for its FQDN", () => {
      const rules = dev.objects("DestinationRule") as Obj[];
      const services = dev.objects("Service").filter((s) => s.metadata.namespace === ns);
      assert.equal(services.length, SERVICES.length);
      for (const s of services) {
        const host = `${s.metadata.name}.${ns}.svc.cluster.local`;
        assert.equal(rules.filter((r) => r.spec.host === host).length, 1, host);
      }
      assert.equal(rules.length, services.length + PLATFORM_ENDPOINTS.length, "no second rule for any host");
      assert.ok(rules.every((r) => r.apiVersion === "networking.istio.io/v1" && !("hosts" in r.spec) && !("circuitBreaker" in r.spec.trafficPolicy)));
    });

    it("every platform Service in a meshed namespace has one DestinationRule (resilience defaults)", () => {
      const rules = dev.objects("DestinationRule") as Obj[];
      const meshed = new Set(
        dev
          .objects("Namespace")
          .filter((n) => (n as Obj).metadata.labels?.["istio-injection"] === "enabled")
          .map((n) => n.metadata.name),
      );
      const platform = dev
        .objects("Service")
        .filter((s) => s.metadata.namespace !== ns && meshed.has(s.metadata.namespace!) && (s as Obj).spec.clusterIP !== "None");
      assert.deepEqual(
        platform.map((s) => `${s.metadata.name}.${s.metadata.namespace}`).sort(),
        PLATFORM_ENDPOINTS.map((e) => `${e.service}.${e.namespace}`).sort(),
      );
      for (const s of platform) {
        const [rule] = rules.filter((r) => r.spec.host === `${s.metadata.name}.${s.metadata.namespace}.svc.cluster.local`);
        assert.deepEqual(rule.spec.trafficPolicy.outlierDetection, {
          consecutive5xxErrors: DEFAULT_CIRCUIT_BREAKER.failure_threshold,
          interval: "30s",
          baseEjectionTime: `${DEFAULT_CIRCUIT_BREAKER.timeout}s`,
          maxEjectionPercent: 50,
        });
      }
    });

    it("payment_service: ejects after 2 consecutive 5xx for 60 s (its circuit_breaker), MESH's pool and interval", () => {
      const rule = dev.object("DestinationRule", "payment-service", ns) as Obj;
      assert.deepEqual(rule.spec, {
        host: `payment-service.${ns}.svc.cluster.local`,
        trafficPolicy: {
          loadBalancer: { simple: "LEAST_CONN" },
          connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 50, maxRequestsPerConnection: 10 } },
          outlierDetection: { consecutive5xxErrors: 2, interval: "30s", baseEjectionTime: "60s", maxEjectionPercent: 50 },
        },
      });
    });

    it("each service's ejection follows its own breaker; services without one use resilience_patterns.json's", () => {
      for (const entry of SERVICES) {
        const detection = (dev.object("DestinationRule", kubernetesName(entry.config.service_name), ns) as Obj).spec.trafficPolicy.outlierDetection;
        const breaker = entry.config.circuit_breaker ?? DEFAULT_CIRCUIT_BREAKER;
        assert.equal(detection.consecutive5xxErrors, breaker.failure_threshold, entry.config.service_name);
        assert.equal(detection.baseEjectionTime, `${breaker.timeout}s`, entry.config.service_name);
        assert.ok(detection.maxEjectionPercent <= 50);
      }
      const auth = (dev.object("DestinationRule", "auth-service", ns) as Obj).spec.trafficPolicy.outlierDetection;
      assert.equal(service("auth_service").circuit_breaker, undefined);
      assert.deepEqual([auth.consecutive5xxErrors, auth.baseEjectionTime], [5, "60s"]);
    });
  });

  describe("the order service's canary (traffic_splitting.yaml)", () => {
    it("its DestinationRule has the subsets v1 and v2, keyed on `version`", () => {
      const rule = dev.object("DestinationRule", "order-service", ns) as Obj;
      assert.deepEqual(rule.spec.subsets, [
        { name: "v1", labels: { version: "v1" } },
        { name: "v2", labels: { version: "v2" } },
      ]);
    });

    it("each subset selects the pods of a real Deployment that the Service also selects", () => {
      const rule = dev.object("DestinationRule", "order-service", ns) as Obj;
      const svc = dev.object("Service", "order-service", ns) as Obj;
      const deployments = dev.objects("Deployment").filter((d) => d.metadata.namespace === ns) as Obj[];
      for (const subset of rule.spec.subsets as Obj[]) {
        const matching = deployments.filter(
          (d) => labelsMatch(subset.labels, d.spec.template.metadata.labels) && labelsMatch(svc.spec.selector, d.spec.template.metadata.labels),
        );
        assert.equal(matching.length, 1, `subset ${subset.name}`);
        const hpa = dev.objects("HorizontalPodAutoscaler").find((h) => (h as Obj).spec.scaleTargetRef.name === matching[0].metadata.name) as Obj;
        assert.ok(hpa.spec.minReplicas >= 1);
      }
      assert.equal((dev.object("HorizontalPodAutoscaler", "order-service-v2", ns) as Obj).spec.minReplicas, MESH.canary.candidateReplicas);
      assert.equal((dev.object("Deployment", "order-service", ns) as Obj).spec.template.metadata.labels.version, "v1");
    });

    it('inside the mesh: header canary: "true" → v2, else v1 90 / v2 10, with the spec\'s retries', () => {
      const vs = dev.object("VirtualService", MESH.canary.name, ns) as Obj;
      const host = fqdn("order_service", ns);
      assert.deepEqual(vs.spec.hosts, [host]);
      assert.equal(vs.spec.gateways, undefined, "bound to the mesh (sidecars)");
      const [header, split] = vs.spec.http as Obj[];
      assert.deepEqual(header.match, [{ headers: { canary: { exact: "true" } } }]);
      assert.deepEqual(header.route, [{ destination: { host, port: { number: 8002 }, subset: "v2" }, weight: 100 }]);
      assert.equal(split.match, undefined);
      assert.deepEqual(
        split.route.map((r: Obj) => [r.destination.subset, r.weight]),
        [
          ["v1", 90],
          ["v2", 10],
        ],
      );
      for (const h of [header, split]) assert.deepEqual(h.retries, { attempts: 3, perTryTimeout: "10s" });
    });
  });

  describe("AuthorizationPolicies: deny by default, then each service's declared callers", () => {
    let policies: Map<string, Obj>;
    before(() => {
      policies = byName(dev, "AuthorizationPolicy", ns);
    });

    it("denies everything in the namespace by default (an ALLOW policy with an empty spec)", () => {
      assert.deepEqual(policies.get("allow-nothing")!.spec, {});
    });

    it("payment-service accepts order-service's ServiceAccount, not email-service's", () => {
      const p = allowed(policies.get("payment-service")!);
      assert.ok(p.has(principalOf(ns, "order-service")));
      assert.ok(!p.has(principalOf(ns, "email-service")));
      assert.deepEqual(policies.get("payment-service")!.spec.selector, { matchLabels: { app: "payment-service" } });
    });

    it("for every service, the in-namespace principals are exactly its callers (those listing it in dependencies)", () => {
      for (const entry of SERVICES) {
        const name = kubernetesName(entry.config.service_name);
        const callers = SERVICES.filter((s) => s.config.dependencies.includes(entry.config.service_name))
          .map((s) => principalOf(ns, kubernetesName(s.config.service_name)))
          .sort();
        const policy = policies.get(name)!;
        const inNamespace = [...allowed(policy).keys()].filter((p) => p.startsWith(`cluster.local/ns/${ns}/`)).sort();
        assert.deepEqual(inNamespace, callers, name);
        for (const rule of policy.spec.rules as Obj[]) {
          for (const to of rule.to as Obj[]) assert.deepEqual(to.operation.ports, [String(entry.config.port)], `${name}: only its port`);
        }
      }
    });

    it("Kong reaches only the gateway-exposed services, on the route's methods; the ingress gateway none while Kong is the edge", () => {
      const kong = principalOf("kong", "kong");
      const ingress = principalOf("istio-ingress", "istio-ingress");
      for (const entry of SERVICES) {
        const name = kubernetesName(entry.config.service_name);
        const route = GATEWAY.routes.find((r) => r.service === entry.config.service_name);
        const p = allowed(policies.get(name)!);
        assert.equal(p.has(kong), Boolean(route), `${name}: Kong`);
        assert.equal(p.has(ingress), false, `${name}: ingress gateway`);
        if (route) assert.deepEqual(p.get(kong)![0].methods, route.methods);
      }
    });

    it("without Kong, the ingress gateway reaches the gateway-exposed services on the route's path and methods", async () => {
      const noKong = byName(await renderOnce(WITHOUT_KONG), "AuthorizationPolicy", ns);
      const ingress = principalOf("istio-ingress", "istio-ingress");
      for (const route of GATEWAY.routes) {
        const p = allowed(noKong.get(kubernetesName(route.service))!);
        assert.deepEqual(p.get(ingress)![0], { ports: [String(service(route.service).port)], methods: route.methods, paths: [route.path, `${route.path}/*`] });
      }
    });

    it("Prometheus (monitoring/prometheus) may GET /metrics of every service", () => {
      for (const entry of SERVICES) {
        const ops = allowed(policies.get(kubernetesName(entry.config.service_name))!).get(principalOf("monitoring", "prometheus"));
        assert.deepEqual(ops, [{ ports: [String(entry.config.port)], methods: ["GET"], paths: ["/metrics"] }]);
      }
    });
  });
});

describe("Istio settings (microservices-ecosystem:istio)", function () {
  this.timeout(120_000);

  it("faultInjection: true with Kong delays the user service's traffic from Kong, in the mesh", async () => {
    const r = await renderOnce({ istio: { faultInjection: true } });
    const vs = r.object("VirtualService", "user-service-fault") as Obj;
    const host = `user-service.${vs.metadata.namespace}.svc.cluster.local`;
    assert.deepEqual(vs.spec.hosts, [host]);
    assert.deepEqual(vs.spec.http[0].match, [{ sourceNamespace: "kong" }]);
    assert.deepEqual(vs.spec.http[0].fault, { delay: { percentage: { value: 0.1 }, fixedDelay: "5s" } });
    assert.equal(vs.spec.http[1].fault, undefined);
    assert.equal(
      (await renderOnce()).objects("VirtualService").some((v) => v.metadata.name === "user-service-fault"),
      false,
    );
  });

  it("faultInjection: true without Kong adds the spec's delay to the gateway's user route only", async () => {
    const r = await renderOnce({ ...WITHOUT_KONG, istio: { faultInjection: true } });
    const vs = r.objects("VirtualService").find((v) => v.metadata.name === MESH.specGatewayRoutesName) as Obj;
    const faulty = (vs.spec.http as Obj[]).filter((h) => h.fault);
    assert.equal(faulty.length, 1);
    assert.deepEqual(faulty[0].match, [{ uri: { prefix: "/api/users" } }]);
    assert.deepEqual(faulty[0].fault, { delay: { percentage: { value: 0.1 }, fixedDelay: "5s" } });
  });

  it("install: false applies the mesh objects to a cluster that already runs Istio (no releases, no waits)", async () => {
    const r = await renderOnce({ components: ["istio"], istio: { install: false } });
    assert.equal(r.ofType(RELEASE).length, 0);
    assert.ok(!r.objects("Namespace").some((n) => n.metadata.name === "istio-system"));
    assert.equal(r.objects("PeerAuthentication").length, 2);
    assert.equal(r.objects("DestinationRule").length, SERVICES.length);
    // Istio alone: no Kong or Prometheus to allow, the ingress gateway still reaches exposed services.
    const user = r.objects("AuthorizationPolicy").find((p) => p.metadata.name === "user-service") as Obj;
    assert.deepEqual([...allowed(user).keys()].sort(), [
      principalOf("istio-ingress", "istio-ingress"),
      principalOf("microservices", "order-service"),
      principalOf("microservices", "payment-service"),
    ]);
    // The running Istio's sidecars are sized per pod (CPU and memory; its own values set the rest).
    const pod = (r.object("Deployment", "payment-service") as Obj).spec.template as Obj;
    assert.equal(pod.metadata.annotations["sidecar.istio.io/proxyCPU"], MESH.install.sizes.dev.proxy.requests.cpu);
    assert.equal(pod.metadata.annotations["sidecar.istio.io/proxyMemory"], MESH.install.sizes.dev.proxy.requests.memory);
  });

  it("prod without Kong: the gateway is the edge, HTTPS only from the named Secret, a LoadBalancer admitting its source ranges", async () => {
    await assert.rejects(render({ environment: "prod", components: ["istio"], kong: {} }), (e: Error) => {
      assert.equal(
        e.message,
        "microservices-ecosystem:istio.tls is not set: without Kong the ingress gateway is prod's edge, which serves the API over TLS only; set istio.tls.secretName to a kubernetes.io/tls Secret in namespace istio-ingress",
      );
      return true;
    });
    const r = await render({
      environment: "prod",
      components: ["istio"],
      kong: {},
      istio: { tls: { secretName: "api-cert" }, loadBalancerSourceRanges: ["203.0.113.0/24"] },
    });
    const gateway = r.object("Gateway", MESH.gatewayName) as Obj;
    assert.deepEqual(gateway.spec.servers, [
      { port: { number: 443, name: "https", protocol: "HTTPS" }, hosts: [GATEWAY.host], tls: { mode: "SIMPLE", credentialName: "api-cert" } },
    ]);
    const values = r.ofType(RELEASE).find((x) => x.name === "istio-ingress")!.inputs.values as Obj;
    assert.deepEqual(values.service.loadBalancerSourceRanges, ["203.0.113.0/24"]);
    await assert.rejects(render({ istio: { tls: { secretName: "api-cert" } } }), /Kong is the edge and nothing routes through the gateway: remove tls/);
  });

  it("prod without Kong: the ingress gateway is a LoadBalancer, istiod takes the spec's IstioOperator sizes, both autoscale from 2 with a PDB", async () => {
    const r = await render({ environment: "prod", components: ["istio"], kong: {}, istio: { tls: { secretName: "api-cert" } } });
    const istiod = r.ofType(RELEASE).find((x) => x.name === "istiod")!.inputs as Obj;
    assert.deepEqual(cpuAndMemory(istiod.values.resources).requests, { cpu: "1000m", memory: "1Gi" });
    assert.deepEqual(cpuAndMemory(istiod.values.global.proxy.resources).requests, { cpu: "200m", memory: "256Mi" });
    assert.deepEqual([istiod.values.autoscaleEnabled, istiod.values.autoscaleMin], [true, MESH.install.replicas.prod.istiod]);
    assert.equal(MESH.install.replicas.prod.istiod, 2);
    const gateway = r.ofType(RELEASE).find((x) => x.name === "istio-ingress")!.inputs as Obj;
    assert.deepEqual(gateway.values.autoscaling, { enabled: true, minReplicas: 2 });
    assert.deepEqual(gateway.values.podDisruptionBudget, { minAvailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" });
    assert.equal(gateway.values.service.type, "LoadBalancer");
    assert.ok((gateway.values.service.ports as Obj[]).every((p) => p.nodePort === undefined));
  });

  it("the policy pack (which imports nothing of the program) knows the same Istio charts the program installs", () => {
    assert.deepEqual([...PACK_ISTIO_CHARTS], [...ISTIO_CHARTS]);
  });

  describe("local charts without webhooks (the cluster lane's Istio)", () => {
    let charts: string;
    before(() => {
      charts = fs.mkdtempSync(path.join(os.tmpdir(), "istio-charts-"));
      for (const chart of ISTIO_CHARTS) {
        fs.mkdirSync(path.join(charts, chart));
        fs.writeFileSync(path.join(charts, chart, "Chart.yaml"), `apiVersion: v2\nname: ${chart}\nversion: ${MESH.install.version}\n`);
      }
    });
    after(() => fs.rmSync(charts, { recursive: true, force: true }));

    it("takes base, cni and istiod from chartsDir, pins their hub and tag, and leaves out every webhook and the gateway", async () => {
      const r = await render({ components: ["istio"], istio: { chartsDir: charts, webhooks: false } });
      const releases = Object.fromEntries(r.ofType(RELEASE).map((x) => [x.name, x.inputs as Obj]));
      assert.deepEqual(Object.keys(releases).sort(), [MESH.install.releases.base, MESH.install.releases.cni, MESH.install.releases.istiod].sort());
      for (const [name, chart] of [
        [MESH.install.releases.base, "base"],
        [MESH.install.releases.cni, "cni"],
        [MESH.install.releases.istiod, "istiod"],
      ]) {
        const release = releases[name];
        assert.equal(release.chart, path.join(charts, chart));
        assert.equal(release.repositoryOpts, undefined, `${name} must not reach for a chart repository`);
      }
      const istiod = releases[MESH.install.releases.istiod].values.global;
      assert.deepEqual([istiod.hub, istiod.tag], [MESH.install.hub, MESH.install.version]);
      // The base chart templates no image, so it is given none.
      assert.equal(releases[MESH.install.releases.base].values.global, undefined);
      assert.equal(releases[MESH.install.releases.base].values.defaultRevision, "");
      assert.equal(releases[MESH.install.releases.istiod].values.global.operatorManageWebhooks, true);
      assert.equal(releases[MESH.install.releases.istiod].values.global.configValidation, false);
      // The sizes still reach istiod next to the webhook switches (one merged `global`).
      assert.deepEqual(releases[MESH.install.releases.istiod].values.global.proxy.resources, MESH.install.sizes.dev.proxy);
      assert.ok(!r.objects("Namespace").some((n) => n.metadata.name === MESH.install.ingressNamespace));
    });

    it("with webhooks (the default) the repository charts keep their webhooks and the gateway", async () => {
      const releases = Object.fromEntries((await render({ components: ["istio"] })).ofType(RELEASE).map((x) => [x.name, x.inputs as Obj]));
      assert.equal(releases[MESH.install.releases.istiod].values.global.operatorManageWebhooks, undefined);
      assert.equal(releases[MESH.install.releases.base].values.defaultRevision, undefined);
      assert.ok(releases[MESH.install.releases.gateway]);
      for (const release of Object.values(releases)) assert.deepEqual(release.repositoryOpts, { repo: MESH.install.chartRepository });
    });

    it("names the chart a chartsDir lacks and how to get it", async () => {
      fs.rmSync(path.join(charts, "istiod"), { recursive: true });
      try {
        await assert.rejects(render({ components: ["istio"], istio: { chartsDir: charts } }), (e: Error) => {
          assert.equal(
            e.message,
            `microservices-ecosystem:istio.chartsDir ${charts} has no istiod/Chart.yaml: run \`bash scripts/engine.sh istio-charts\` (it prints the folder to set) or clear chartsDir to use Istio's chart repository`,
          );
          return true;
        });
      } finally {
        fs.mkdirSync(path.join(charts, "istiod"));
        fs.writeFileSync(path.join(charts, "istiod", "Chart.yaml"), "apiVersion: v2\nname: istiod\nversion: 1.0.0\n");
      }
    });
  });

  describe("canaryWeight moves the order canary's split (stable + candidate = 100 in every route)", () => {
    for (const weight of [0, 10, 50, 100]) {
      it(`canaryWeight ${weight}: ${100 - weight}/${weight} in-mesh and at the gateway`, async () => {
        const r = await render({ components: PLATFORM_COMPONENTS.filter((c) => c !== "kong"), istio: { canaryWeight: weight } });
        const splits = r.objects("VirtualService").flatMap((vs) => ((vs as Obj).spec.http as Obj[]).filter((h) => String(h.name).endsWith("canary-split")));
        assert.equal(splits.length, 2, "the in-mesh canary and the gateway's order route");
        for (const split of splits) {
          const bySubset = Object.fromEntries((split.route as Obj[]).map((d) => [d.destination.subset, d.weight]));
          assert.deepEqual(bySubset, { [MESH.canary.stable.subset]: 100 - weight, [MESH.canary.candidate.subset]: weight });
        }
      });
    }
  });

  const errors: [string, Record<string, unknown>, string][] = [
    [
      "an unknown key",
      { istio: { faults: true } },
      'microservices-ecosystem:istio has an unknown field "faults": remove it or check its spelling (known fields: install, chartsDir, webhooks, canaryWeight, faultInjection, cni, ingressServiceType, tls, loadBalancerSourceRanges)',
    ],
    ["a non-boolean install", { istio: { install: "yes" } }, "microservices-ecosystem:istio.install must be boolean"],
    ["a canary weight above 100", { istio: { canaryWeight: 101 } }, "microservices-ecosystem:istio.canaryWeight must be <= 100"],
    [
      "install settings with install false",
      { istio: { install: false, webhooks: false } },
      "microservices-ecosystem:istio.webhooks configures the Istio install, but istio.install is false (Istio already runs in the cluster): remove webhooks or set install to true",
    ],
    [
      "a LoadBalancer on dev",
      { ...WITHOUT_KONG, istio: { ingressServiceType: "LoadBalancer" } },
      "microservices-ecosystem:istio.ingressServiceType cannot be LoadBalancer on dev: kind never assigns it an address and the gateway release would wait for one; use NodePort or ClusterIP",
    ],
    [
      "an exposed ingress gateway while Kong is the edge",
      { istio: { ingressServiceType: "NodePort" } },
      "microservices-ecosystem:istio.ingressServiceType NodePort would expose the ingress gateway, but Kong is the API's edge and nothing routes through the gateway: remove the key (ClusterIP) or drop kong from microservices-ecosystem:components",
    ],
    [
      "the moved networkPolicies key",
      { istio: { networkPolicies: false } },
      "microservices-ecosystem:istio.networkPolicies moved to microservices-ecosystem:network.policies (NetworkPolicies now guard every namespace, with or without Istio): set network.policies instead",
    ],
  ];
  for (const [what, overrides, message] of errors) {
    it(`rejects ${what} with one line`, async () => {
      await assert.rejects(render(overrides), (e: Error) => {
        assert.equal(e.message, message);
        return true;
      });
    });
  }
});
