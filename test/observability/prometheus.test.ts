import { strict as assert } from "assert";
import { parse } from "yaml";
import { PROMETHEUS } from "../../catalog";
import { plainValue } from "../../components/jaeger/sampling";
import { render, Rendered } from "../helpers/render";
import { assertChildrenOf, assertConfigError, assertHardenedDeployment, cpuAndMemory } from "./workload-checks";

type Obj = Record<string, any>;
const NS = PROMETHEUS.namespace;

const configOf = (r: Rendered): Obj => parse((r.object("ConfigMap", "prometheus-config", NS) as Obj).data["prometheus.yml"]);
const rulesOf = (r: Rendered): Obj => parse((r.object("ConfigMap", "prometheus-rules", NS) as Obj).data["alerting_rules.yml"]);
const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;

/** Structure of a prometheus.yml as Prometheus loads it (the parts this config uses). */
function assertPrometheusConfig(config: Obj): void {
  assert.deepEqual(Object.keys(config).sort(), ["alerting", "global", "rule_files", "scrape_configs"]);
  assert.match(config.global.scrape_interval, DURATION);
  assert.match(config.global.evaluation_interval, DURATION);
  const jobs = new Set<string>();
  for (const job of config.scrape_configs) {
    assert.ok(job.job_name && !jobs.has(job.job_name), "unique job names");
    jobs.add(job.job_name);
    assert.ok(["http", "https", undefined].includes(job.scheme));
    assert.ok(job.kubernetes_sd_configs || job.static_configs, `${job.job_name}: discovered or static targets`);
    for (const sd of job.kubernetes_sd_configs ?? []) {
      assert.ok(["endpoints", "endpointslice", "service", "pod", "node", "ingress"].includes(sd.role));
      // Nodes are cluster-scoped; every other discovery names its namespaces (no cluster-wide listing).
      if (sd.role === "node") assert.equal(sd.namespaces, undefined);
      else assert.ok(Array.isArray(sd.namespaces.names) && sd.namespaces.names.length > 0);
    }
    for (const rule of job.relabel_configs ?? []) {
      assert.ok(["replace", "keep", "drop", "labelmap", "labeldrop", "labelkeep", "hashmod", "lowercase", "uppercase"].includes(rule.action));
      if (rule.regex !== undefined) {
        assert.equal(typeof rule.regex, "string", "relabel regex is a string");
        assert.doesNotThrow(() => new RegExp(`^(?:${rule.regex.replace(/\(\?:/g, "(?:")})$`));
      }
      if (rule.action === "replace") assert.ok(rule.target_label);
      for (const l of rule.source_labels ?? []) assert.match(l, /^[a-zA-Z_][a-zA-Z0-9_]*$/);
    }
  }
  for (const f of config.rule_files) assert.match(f, /^\/.+\*\.yml$/);
}

describe("Prometheus", () => {
  describe("rendered alone on dev", () => {
    let r: Rendered;
    let config: Obj;
    before(async () => {
      r = await render({ components: ["prometheus"] });
      config = configOf(r);
    });

    it("registers its objects as children of the component", () => {
      assertChildrenOf(r, "microservices:platform:Prometheus", ["ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Deployment", "Service"]);
    });

    it("prometheus.yml is a structurally valid config derived from the spec's", () => {
      assertPrometheusConfig(config);
      const spec = plainValue(PROMETHEUS.config) as Obj;
      assert.deepEqual(config.rule_files, spec.rule_files);
      // The spec's Alertmanager discovery, narrowed to Alertmanager's API port (a sidecar's ports are no Alertmanagers).
      const [discovery] = config.alerting.alertmanagers;
      assert.deepEqual(discovery.kubernetes_sd_configs, spec.alerting.alertmanagers[0].kubernetes_sd_configs);
      assert.deepEqual(discovery.relabel_configs, [
        ...spec.alerting.alertmanagers[0].relabel_configs,
        { source_labels: ["__meta_kubernetes_pod_container_port_name"], action: "keep", regex: "web" },
      ]);
      assert.equal(config.global.scrape_interval, spec.global.scrape_interval);
      assert.equal(config.global.external_labels.cluster, "microservices");
      assert.equal(config.global.external_labels.environment, "dev");
    });

    it("discovers the stack's namespace, keeps the spec's relabeling with a string regex, scrapes the annotated port", () => {
      const job = config.scrape_configs[0];
      assert.deepEqual(job.kubernetes_sd_configs, [{ role: "endpoints", namespaces: { names: ["microservices"] } }]);
      const [keep, path, port] = job.relabel_configs;
      assert.deepEqual(keep, { source_labels: ["__meta_kubernetes_service_annotation_prometheus_io_scrape"], action: "keep", regex: "true" });
      assert.equal(path.target_label, "__metrics_path__");
      assert.deepEqual(port.source_labels, ["__address__", "__meta_kubernetes_service_annotation_prometheus_io_port"]);
      assert.equal(port.target_label, "__address__");
      const rewrite = new RegExp(`^${port.regex}$`);
      assert.equal("10.1.2.3:8001;9100".replace(rewrite, port.replacement.replace(/\$(\d)/g, "$$$1")), "10.1.2.3:9100");
      assert.equal(job.scheme, undefined, "plain HTTP outside the mesh");
    });

    it("alert rules: service_metrics.json's alerts with its for and severity, as ratios and per-service quantiles of a user's requests", () => {
      const rules = rulesOf(r);
      const byName = Object.fromEntries(
        rules.groups
          .flatMap((g: Obj) => g.rules as Obj[])
          .filter((x: Obj) => x.alert)
          .map((x: Obj) => [x.alert, x]),
      );
      const spec = (plainValue(PROMETHEUS.serviceMetrics) as Obj).alerting_rules as Obj;
      for (const [name, rule] of Object.entries(spec)) {
        assert.equal(byName[name].for, rule.for);
        assert.equal(byName[name].labels.severity, rule.severity);
        assert.match(byName[name].for, DURATION);
      }
      const userRequests = 'job="microservices", route!~"/health|/ready|/metrics"';
      assert.equal(
        byName.high_error_rate.expr,
        `sum by (service, namespace) (rate(http_requests_total{${userRequests}, status_code=~"5.."}[5m])) / sum by (service, namespace) (rate(http_requests_total{${userRequests}}[5m])) > 0.01`,
      );
      assert.equal(
        byName.high_latency.expr,
        `histogram_quantile(0.95, sum by (service, namespace, le) (rate(http_request_duration_bucket{${userRequests}}[5m]))) > 1`,
      );
    });

    it("runs a pinned Prometheus 3 with the config and rules mounted where they are read", () => {
      const d = assertHardenedDeployment(r, "prometheus", NS);
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      assert.equal(c.image, PROMETHEUS.image);
      assert.match(c.image, /^prom\/prometheus:v3\.\d+\.\d+$/);
      const arg = (flag: string) => c.args.find((a: string) => a.startsWith(`--${flag}=`))?.split("=")[1];
      const mountOf = (volume: string) => c.volumeMounts.find((m: Obj) => m.name === volume).mountPath;
      const volumeOf = (name: string) => pod.volumes.find((v: Obj) => v.name === name);
      assert.equal(arg("config.file"), `${mountOf("config")}/prometheus.yml`);
      assert.equal(volumeOf("config").configMap.name, "prometheus-config");
      assert.equal(volumeOf("rules").configMap.name, "prometheus-rules");
      assert.equal(`${mountOf("rules")}/*.yml`, configOf(r).rule_files[0], "the rules file matches the spec's rule_files glob");
      assert.equal(arg("storage.tsdb.path"), mountOf("data"));
      assert.equal(arg("storage.tsdb.retention.time"), PROMETHEUS.sizing.dev.retention);
      assert.equal(c.readinessProbe.httpGet.path, "/-/ready");
      assert.equal(c.livenessProbe.httpGet.path, "/-/healthy");
      assert.deepEqual(cpuAndMemory(c.resources), PROMETHEUS.sizing.dev.resources);
      assert.equal(pod.serviceAccountName, PROMETHEUS.serviceAccount);
      assert.equal((r.object("Service", "prometheus", NS) as Obj).spec.ports[0].port, PROMETHEUS.port);
    });

    it("RBAC: list/watch only, only in the namespaces it discovers; cluster-wide only nodes and the kubelets' metrics", () => {
      const roles = r.objects("Role").filter((o) => o.metadata.name === "prometheus-discovery") as Obj[];
      assert.deepEqual(roles.map((o) => o.metadata.namespace).sort(), ["microservices", "monitoring"]);
      for (const role of roles) {
        for (const rule of role.rules) for (const verb of rule.verbs) assert.ok(["get", "list", "watch"].includes(verb), `verb ${verb}`);
      }
      const rules = (ns: string) => roles.find((o) => o.metadata.namespace === ns)!.rules;
      assert.deepEqual(rules("microservices"), [{ apiGroups: [""], resources: ["endpoints", "pods", "services"], verbs: ["list", "watch"] }]);
      assert.deepEqual(rules("monitoring"), [{ apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] }]);
      const clusterRoles = r.objects("ClusterRole") as Obj[];
      assert.deepEqual(
        clusterRoles.map((o) => [o.metadata.name, o.rules]),
        [
          [
            "prometheus-monitoring-nodes",
            [
              { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] },
              { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
            ],
          ],
        ],
        "node discovery and cAdvisor, never nodes/proxy",
      );
      const clusterBindings = r.objects("ClusterRoleBinding") as Obj[];
      assert.deepEqual(
        clusterBindings.map((b) => [b.roleRef.name, b.subjects]),
        [["prometheus-monitoring-nodes", [{ kind: "ServiceAccount", name: PROMETHEUS.serviceAccount, namespace: NS }]]],
      );
      for (const b of r.objects("RoleBinding").filter((o) => o.metadata.name === "prometheus-discovery") as Obj[]) {
        assert.deepEqual(b.subjects, [{ kind: "ServiceAccount", name: PROMETHEUS.serviceAccount, namespace: NS }]);
        assert.deepEqual(b.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "prometheus-discovery" });
      }
    });

    it("still emits the spec's metrics files, with the spec's boolean regex", () => {
      const files = [...r.artifacts()].filter(([p]) => p.includes("/monitoring/metrics/"));
      assert.equal(files.length, 2);
      const spec = parse(files.find(([p]) => p.endsWith("prometheus_config.yaml"))![1]);
      assert.equal(spec.scrape_configs[0].relabel_configs[0].regex, true);
    });
  });

  describe("in the full dev stack (with Istio)", () => {
    let r: Rendered;
    before(async () => {
      r = await render();
    });

    it("scrapes every Istio proxy's merged metrics: the sidecars of each injected namespace and the ingress gateway", () => {
      const job = (configOf(r).scrape_configs as Obj[]).find((j) => j.job_name === "envoy-stats")!;
      const proxies = (r.objects("Namespace") as Obj[])
        .filter((n) => n.metadata.labels["istio-injection"] === "enabled" || n.metadata.name === "istio-ingress")
        .map((n) => n.metadata.name)
        .sort();
      assert.deepEqual([...job.kubernetes_sd_configs[0].namespaces.names].sort(), proxies);
      assert.ok(proxies.includes("istio-ingress") && proxies.includes("microservices"));
      assert.equal(job.metrics_path, "/stats/prometheus");
      assert.equal(job.scheme, undefined, "plain HTTP: a proxy's own port is outside mTLS");
    });

    it("scrapes over mTLS with the certificates its sidecar writes", () => {
      const job = configOf(r).scrape_configs[0];
      assert.equal(job.scheme, "https");
      const d = r.object("Deployment", "prometheus", NS) as Obj;
      const pod = d.spec.template;
      const mount = pod.spec.containers[0].volumeMounts.find((m: Obj) => m.name === "istio-certs");
      for (const file of ["ca_file", "cert_file", "key_file"]) assert.ok(job.tls_config[file].startsWith(`${mount.mountPath}/`));
      assert.deepEqual(pod.spec.volumes.find((v: Obj) => v.name === "istio-certs").emptyDir, { medium: "Memory" });
      const a = pod.metadata.annotations;
      assert.equal(JSON.parse(a["proxy.istio.io/config"]).proxyMetadata.OUTPUT_CERTS, JSON.parse(a["sidecar.istio.io/userVolumeMount"])[0].mountPath);
      assert.equal(a["traffic.sidecar.istio.io/includeOutboundIPRanges"], "");
    });
  });

  describe("settings and namespaces", () => {
    it("a service namespace of the stack's own is the one discovered and granted", async () => {
      const r = await render({ components: ["prometheus"], namespace: "shop" });
      assert.deepEqual(configOf(r).scrape_configs[0].kubernetes_sd_configs[0].namespaces.names, ["shop"]);
      assert.ok(r.objects("Role").some((o) => o.metadata.namespace === "shop"));
      assert.ok(!r.objects("Role").some((o) => o.metadata.namespace === "microservices"));
    });

    it("retention is configurable and a wrong one is a one-line error naming its key", async () => {
      const r = await render({ components: ["prometheus"], prometheus: { retention: "3d" } });
      assert.ok((r.object("Deployment", "prometheus", NS) as Obj).spec.template.spec.containers[0].args.includes("--storage.tsdb.retention.time=3d"));
      await assertConfigError(render({ components: ["prometheus"], prometheus: { retention: "forever" } }), "microservices-ecosystem:prometheus.retention");
      await assertConfigError(render({ components: ["prometheus"], prometheus: { scrapeInterval: "5s" } }), "scrapeInterval");
    });

    it("prod keeps the spec's environment label and the prod retention", async () => {
      const r = await render({ components: ["prometheus"], environment: "prod", kong: {} });
      assert.equal(configOf(r).global.external_labels.environment, "production");
      assert.ok(
        (r.object("Deployment", "prometheus", NS) as Obj).spec.template.spec.containers[0].args.includes(
          `--storage.tsdb.retention.time=${PROMETHEUS.sizing.prod.retention}`,
        ),
      );
    });
  });
});
