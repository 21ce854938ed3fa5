import { strict as assert } from "assert";
import { parse } from "yaml";
import { GRAFANA, REPORTS } from "../../catalog";
import { renderWithSecrets } from "../data-stores/support";
import { Rendered, render } from "../helpers/render";
import { assertChildrenOf, assertHardenedDeployment } from "./workload-checks";

type Obj = Record<string, any>;
const NS = GRAFANA.namespace;

const configMap = (r: Rendered, name: string): Obj => r.object("ConfigMap", name, NS) as Obj;
const envOf = (r: Rendered): Record<string, Obj> =>
  Object.fromEntries(((r.object("Deployment", "grafana", NS) as Obj).spec.template.spec.containers[0].env as Obj[]).map((e) => [e.name, e]));

describe("Grafana", () => {
  let r: Rendered;
  before(async () => {
    r = await render();
  });

  it("runs hardened beside Prometheus, a child of the Prometheus component", () => {
    assertChildrenOf(r, "microservices:platform:Grafana", ["ServiceAccount", "Secret", "ConfigMap", "Deployment", "Service"]);
    const pod = assertHardenedDeployment(r, "grafana", NS).spec.template.spec;
    assert.equal(pod.containers[0].image, GRAFANA.image);
    assert.match(r.ofType("microservices:platform:Grafana")[0].parent!, /microservices:platform:Prometheus::prometheus$/);
  });

  it("the runbook's dashboard links resolve: each /d/<uid> is a provisioned dashboard", () => {
    const runbook = REPORTS.runbook.text;
    const linked = [...runbook.matchAll(/grafana:3000\/d\/([\w-]+)/g)].map((m) => m[1]);
    assert.ok(linked.length >= 3, `runbook links: ${linked.join(", ")}`);
    const dashboards = configMap(r, "grafana-dashboards");
    assert.deepEqual(dashboards.metadata.labels.grafana_dashboard, "1");
    const uids = Object.values(dashboards.data as Record<string, string>).map((text) => JSON.parse(text).uid as string);
    for (const uid of linked) assert.ok(uids.includes(uid), `/d/${uid} is provisioned (${uids.join(", ")})`);
    assert.ok(uids.includes("ecommerce"), "the overview in the spirit of the design's dashboard");
    const provider = parse(configMap(r, "grafana-dashboard-provider").data["provider.yaml"]);
    const mount = (r.object("Deployment", "grafana", NS) as Obj).spec.template.spec.containers[0].volumeMounts.find((m: Obj) => m.name === "dashboards");
    assert.equal(provider.providers[0].options.path, mount.mountPath, "the provider reads the folder the dashboards are mounted in");
  });

  it("provisions Prometheus and Jaeger at the UIDs the dashboards name, through their Services", () => {
    const sources = parse(configMap(r, "grafana-datasources").data["datasources.yaml"]).datasources as Obj[];
    assert.deepEqual(
      sources.map((s) => [s.uid, s.type, s.url]),
      [
        ["prometheus", "prometheus", "http://prometheus.monitoring.svc.cluster.local:9090"],
        ["jaeger", "jaeger", "http://jaeger-query.monitoring.svc.cluster.local:16686"],
      ],
    );
    for (const text of Object.values(configMap(r, "grafana-dashboards").data as Record<string, string>)) {
      const used = new Set([...text.matchAll(/"uid":\s*"([\w-]+)"/g)].map((m) => m[1]));
      for (const source of ["prometheus"]) assert.ok(used.has(source));
    }
  });

  it("keeps each dashboard as compact JSON (the state holds the ConfigMap three times in every checkpoint write)", () => {
    for (const [file, text] of Object.entries(configMap(r, "grafana-dashboards").data as Record<string, string>)) {
      assert.equal(text, `${JSON.stringify(JSON.parse(text))}\n`, file);
    }
  });

  it("anonymous access, sign-up, update checks and plugin downloads are off; the admin password comes from a Secret", () => {
    const env = envOf(r);
    for (const [key, value] of Object.entries({
      GF_AUTH_ANONYMOUS_ENABLED: "false",
      GF_USERS_ALLOW_SIGN_UP: "false",
      GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
      GF_PLUGINS_PREINSTALL_DISABLED: "true",
    }))
      assert.equal(env[key].value, value, key);
    assert.deepEqual(env.GF_SECURITY_ADMIN_PASSWORD.valueFrom, { secretKeyRef: { name: "grafana-admin", key: "GF_SECURITY_ADMIN_PASSWORD" } });
    assert.ok(r.ofType("random:index/randomPassword:RandomPassword").some((p) => p.name === "grafana-admin-password"));
  });

  it("grafanaAdminPassword (a config secret) replaces the generated one, and rolls the pod when it changes", async () => {
    const a = await renderWithSecrets({}, { grafanaAdminPassword: "first-admin-password" });
    const b = await renderWithSecrets({}, { grafanaAdminPassword: "second-admin-password" });
    assert.ok(!a.ofType("random:index/randomPassword:RandomPassword").some((p) => p.name === "grafana-admin-password"));
    const checksum = (x: Rendered) => (x.object("Deployment", "grafana", NS) as Obj).spec.template.metadata.annotations["checksum/credentials"];
    assert.match(checksum(a), /^[0-9a-f]{64}$/);
    assert.notEqual(checksum(a), checksum(b));
    for (const o of a.objects()) if (o.kind !== "Secret") assert.ok(!JSON.stringify(o).includes("first-admin-password"), `${o.kind} ${o.metadata.name}`);
  });

  it("Grafana may query Prometheus and read Jaeger, and nothing else reaches it but Prometheus's scrape", () => {
    const principal = "cluster.local/ns/monitoring/sa/grafana";
    const allowed = (policy: string) =>
      ((r.object("AuthorizationPolicy", policy, NS) as Obj).spec.rules as Obj[])
        .filter((rule) => (rule.from ?? []).some((f: Obj) => (f.source.principals ?? []).includes(principal)))
        .flatMap((rule) => rule.to.map((t: Obj) => t.operation));
    assert.deepEqual(allowed("prometheus"), [{ methods: ["GET", "POST"], paths: ["/api/v1/*"], ports: ["9090"] }]);
    assert.deepEqual(allowed("jaeger"), [{ methods: ["GET"], paths: ["/api/*"], ports: ["16686"] }]);
    const own = (r.object("AuthorizationPolicy", "grafana", NS) as Obj).spec.rules as Obj[];
    assert.deepEqual(
      own.map((rule) => [rule.from[0].source.principals, rule.to[0].operation]),
      [[["cluster.local/ns/monitoring/sa/prometheus"], { methods: ["GET"], paths: ["/metrics"], ports: ["3000"] }]],
    );
  });
});
