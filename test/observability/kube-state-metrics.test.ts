import { strict as assert } from "assert";
import { parse } from "yaml";
import { STATE_METRICS } from "../../catalog";
import { EXPORTED_METRICS } from "../../catalog/platform/exported-metrics";
import { Rendered, render } from "../helpers/render";
import { assertChildrenOf, assertHardenedDeployment } from "./workload-checks";

type Obj = Record<string, any>;
const NS = "monitoring";
const flag = (args: readonly string[], name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

for (const stack of ["dev", "prod"]) {
  describe(`kube-state-metrics (${stack})`, function () {
    this.timeout(120_000);
    let r: Rendered;
    before(async () => {
      r = await render({}, { stack });
    });

    it("runs hardened and pinned beside Prometheus, a child of the Prometheus component", () => {
      assertChildrenOf(r, "microservices:platform:KubeStateMetrics", ["Role", "RoleBinding", "ServiceAccount", "Deployment"]);
      const container = assertHardenedDeployment(r, STATE_METRICS.workload, NS).spec.template.spec.containers[0];
      assert.equal(container.image, STATE_METRICS.image);
      assert.match(r.ofType("microservices:platform:KubeStateMetrics")[0].parent!, /microservices:platform:Prometheus::prometheus$/);
    });

    it("reads exactly the stack's namespaces, through a list/watch Role in each on exactly the resources it reports", () => {
      const stackNamespaces = r
        .objects("Namespace")
        .map((n) => n.metadata.name!)
        .sort();
      const args = (r.object("Deployment", STATE_METRICS.workload, NS) as Obj).spec.template.spec.containers[0].args as string[];
      assert.deepEqual(flag(args, "namespaces")!.split(",").sort(), stackNamespaces);
      assert.deepEqual(
        flag(args, "resources")!.split(","),
        STATE_METRICS.resources.map((x) => x.resource),
      );
      const roles = r.objects("Role").filter((o) => o.metadata.name === STATE_METRICS.workload) as Obj[];
      assert.deepEqual(roles.map((o) => o.metadata.namespace).sort(), stackNamespaces);
      for (const role of roles) {
        const granted = (role.rules as Obj[]).flatMap((rule) => {
          assert.deepEqual(rule.verbs, ["list", "watch"], `${role.metadata.namespace}: list and watch only`);
          return (rule.resources as string[]).map((res) => `${rule.apiGroups[0]}/${res}`);
        });
        assert.deepEqual(granted.sort(), STATE_METRICS.resources.map((x) => `${x.apiGroup}/${x.resource}`).sort());
        assert.ok(!granted.some((g) => /secrets|configmaps/.test(g)), "no Secrets, no ConfigMaps");
      }
      const bindings = r.objects("RoleBinding").filter((o) => o.metadata.name === STATE_METRICS.workload) as Obj[];
      assert.deepEqual(bindings.map((b) => b.metadata.namespace).sort(), stackNamespaces);
      for (const b of bindings) assert.deepEqual(b.subjects, [{ kind: "ServiceAccount", name: STATE_METRICS.workload, namespace: NS }]);
      const clusterBound = (r.objects("ClusterRoleBinding") as Obj[]).filter((b) => (b.subjects ?? []).some((s: Obj) => s.name === STATE_METRICS.workload));
      assert.deepEqual(clusterBound, [], "no cluster-wide grant");
    });

    it("Prometheus scrapes both its ports, keeping the objects' own namespace and pod labels", () => {
      const config = (r.object("ConfigMap", "prometheus-config", NS) as Obj).data["prometheus.yml"] as string;
      const job = (parse(config).scrape_configs as Obj[]).find((j) => j.job_name === STATE_METRICS.job)!;
      assert.equal(job.honor_labels, true);
      const keepPort = (job.relabel_configs as Obj[]).find((c) => c.source_labels[0] === "__meta_kubernetes_pod_container_port_name")!;
      const ports = (r.object("Deployment", STATE_METRICS.workload, NS) as Obj).spec.template.spec.containers[0].ports as Obj[];
      for (const p of ports) assert.match(p.name, new RegExp(`^(?:${keepPort.regex})$`));
    });
  });
}

describe("kube-state-metrics' exported metrics", () => {
  it("are those of the resources it reports (and its own telemetry), nothing of a resource it does not list", () => {
    const entry = EXPORTED_METRICS[STATE_METRICS.job];
    assert.equal(entry.source, "documented");
    const ksm = (entry.source === "documented" ? entry.metrics : []).filter((m) => m.startsWith("kube_"));
    const prefixes = STATE_METRICS.resources.map((x) => `kube_${x.singular}_`);
    for (const name of ksm) assert.ok(name.startsWith("kube_state_metrics_") || prefixes.some((p) => name.startsWith(p)), name);
    for (const prefix of prefixes)
      assert.ok(
        ksm.some((m) => m.startsWith(prefix)),
        `${prefix}* documented`,
      );
    assert.ok(!ksm.some((m) => m.startsWith("kube_node_") || m.startsWith("kube_secret_")));
  });
});
