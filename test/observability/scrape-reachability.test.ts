import { strict as assert } from "assert";
import { parse } from "yaml";
import { MESH, MESH_TELEMETRY, PROMETHEUS } from "../../catalog";
import { Workload } from "../../components/zero-trust/graph";
import { Rendered, render } from "../helpers/render";

// Every target the rendered prometheus.yml would scrape is one the traffic graph lets Prometheus reach, on that
// port: the targets are found by running the config's own relabeling over what Kubernetes discovery would report
// for the rendered pods and Services (with the sidecar Istio injects into meshed pods), so a port renamed in a
// workload, a job pointed at the wrong label or a scrape the NetworkPolicies would drop all fail here.

type Obj = Record<string, any>;
type Labels = Record<string, string>;

/** Prometheus's relabeling (keep, drop, replace), with its anchored regular expressions and `;`-joined sources. */
function relabel(labels: Labels, rules: readonly Obj[]): Labels | undefined {
  let current = { ...labels };
  for (const rule of rules) {
    const value = ((rule.source_labels ?? []) as string[]).map((l) => current[l] ?? "").join(rule.separator ?? ";");
    const regex = new RegExp(`^(?:${rule.regex ?? "(.*)"})$`);
    const match = regex.exec(value);
    const action = rule.action ?? "replace";
    if (action === "keep" && !match) return undefined;
    if (action === "drop" && match) return undefined;
    if (action === "replace" && match) {
      const replaced = String(rule.replacement ?? "$1").replace(/\$(\d+)/g, (_, i) => match[Number(i)] ?? "");
      current = { ...current, [rule.target_label]: replaced };
    }
    if (!["keep", "drop", "replace"].includes(action)) throw new Error(`relabel action ${action} is not simulated here`);
  }
  return current;
}

interface Pod {
  readonly namespace: string;
  readonly labels: Labels;
  readonly containers: readonly { name: string; ports: readonly { name?: string; containerPort: number }[] }[];
}

/** The pods of the rendered workloads, with the sidecar Istio's injector adds where the namespace is injected. */
function podsOf(r: Rendered): Pod[] {
  const injected = new Set(
    (r.objects("Namespace") as Obj[]).filter((n) => n.metadata.labels?.["istio-injection"] === "enabled").map((n) => n.metadata.name as string),
  );
  return (["Deployment", "StatefulSet", "DaemonSet"] as const).flatMap((kind) =>
    (r.objects(kind) as Obj[]).map((w) => {
      const namespace = w.metadata.namespace as string;
      const containers = (w.spec.template.spec.containers as Obj[]).map((c) => ({ name: c.name, ports: (c.ports ?? []) as Obj[] }));
      const sidecar = { name: MESH_TELEMETRY.sidecarContainer, ports: [{ name: MESH_TELEMETRY.sidecarPortName, containerPort: 15090 }] };
      return {
        namespace,
        labels: w.spec.template.metadata.labels as Labels,
        containers: injected.has(namespace) ? [...containers, sidecar] : containers,
      } as Pod;
    }),
  );
}

const POD_IP = "10.244.9.9";

/** What Kubernetes discovery reports for a job's role in a namespace, as meta labels (one set per target). */
function discovered(role: string, namespace: string, r: Rendered, pods: readonly Pod[]): { target: Labels; pod?: Pod }[] {
  const inNamespace = pods.filter((p) => p.namespace === namespace);
  const podLabels = (p: Pod): Labels => ({
    __meta_kubernetes_namespace: p.namespace,
    __meta_kubernetes_pod_name: `${p.labels.app ?? "pod"}-0`,
    __meta_kubernetes_pod_ip: POD_IP,
    ...Object.fromEntries(Object.entries(p.labels).map(([k, v]) => [`__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, "_")}`, v])),
  });
  if (role === "pod") {
    return inNamespace.flatMap((p) =>
      p.containers.flatMap((c) =>
        c.ports.map((port) => ({
          pod: p,
          target: {
            ...podLabels(p),
            __address__: `${POD_IP}:${port.containerPort}`,
            __meta_kubernetes_pod_container_name: c.name,
            __meta_kubernetes_pod_container_port_name: port.name ?? "",
            __meta_kubernetes_pod_container_port_number: String(port.containerPort),
          },
        })),
      ),
    );
  }
  if (role === "endpoints" || role === "endpointslice") {
    return (r.objects("Service") as Obj[])
      .filter((s) => s.metadata.namespace === namespace && s.spec.selector)
      .flatMap((s) => {
        const selected = inNamespace.filter((p) => Object.entries(s.spec.selector as Labels).every(([k, v]) => p.labels[k] === v));
        const annotations = Object.fromEntries(
          Object.entries((s.metadata.annotations ?? {}) as Labels).map(([k, v]) => [
            `__meta_kubernetes_service_annotation_${k.replace(/[^a-zA-Z0-9_]/g, "_")}`,
            v,
          ]),
        );
        return selected.flatMap((p) =>
          (s.spec.ports as Obj[]).map((port) => {
            const named = p.containers.flatMap((c) => c.ports).find((cp) => cp.name === port.targetPort);
            const number = typeof port.targetPort === "number" ? port.targetPort : (named?.containerPort ?? port.port);
            const portName = role === "endpoints" ? "__meta_kubernetes_endpoint_port_name" : "__meta_kubernetes_endpointslice_port_name";
            return {
              pod: p,
              target: {
                ...podLabels(p),
                ...annotations,
                __address__: `${POD_IP}:${number}`,
                __meta_kubernetes_service_name: s.metadata.name,
                [portName]: port.name ?? "",
                __meta_kubernetes_endpointslice_port: String(number),
              },
            };
          }),
        );
      });
  }
  return [];
}

const selects = (w: Workload, labels: Labels) => Object.entries(w.selector).every(([k, v]) => labels[k] === v);

for (const stack of ["dev", "prod"]) {
  describe(`Prometheus's scrape targets are the graph's edges (${stack})`, function () {
    this.timeout(120_000);
    let r: Rendered;
    let config: Obj;
    before(async () => {
      r = await render({}, { stack });
      config = parse((r.object("ConfigMap", "prometheus-config", PROMETHEUS.namespace) as Obj).data["prometheus.yml"]);
    });

    it("every target a job discovers among the rendered pods is one Prometheus may reach on its port", () => {
      const graph = r.graph!;
      const prometheus = graph.workloads.find((w) => w.name === PROMETHEUS.serviceAccount && w.namespace === PROMETHEUS.namespace)!;
      const allowed = (pod: Pod, port: number) =>
        graph.edges.some(
          (e) =>
            e.from === prometheus &&
            e.to.kind === "workload" &&
            e.to.namespace === pod.namespace &&
            selects(e.to, pod.labels) &&
            e.ports.some((p) => p.protocol === "TCP" && p.port === port),
        );
      const unreachable: string[] = [];
      const scraped = new Map<string, number>();
      for (const job of config.scrape_configs as Obj[]) {
        for (const sd of (job.kubernetes_sd_configs ?? []) as Obj[]) {
          for (const namespace of (sd.namespaces?.names ?? []) as string[]) {
            for (const { target, pod } of discovered(sd.role, namespace, r, podsOf(r))) {
              const kept = relabel(target, job.relabel_configs ?? []);
              if (!kept || !pod) continue;
              const port = Number(kept.__address__.split(":").pop());
              scraped.set(job.job_name, (scraped.get(job.job_name) ?? 0) + 1);
              if (!allowed(pod, port)) unreachable.push(`${job.job_name}: ${pod.namespace}/${pod.labels.app} port ${port}`);
            }
          }
        }
      }
      assert.deepEqual(unreachable, [], "targets the graph (and so the NetworkPolicies) would not let Prometheus reach");
      // Every discovered job finds its targets among the rendered pods, except istiod's (Helm renders its pods).
      const discoveredJobs = (config.scrape_configs as Obj[])
        .filter((j) => (j.kubernetes_sd_configs ?? []).some((sd: Obj) => sd.role !== "node"))
        .map((j) => j.job_name as string)
        .filter((job) => job !== MESH_TELEMETRY.istiodJob);
      assert.deepEqual(
        discoveredJobs.filter((job) => !scraped.has(job)),
        [],
        "jobs that would find no target",
      );
    });

    it("the jobs whose targets are not rendered pods: istiod on its monitoring port, the kubelets on theirs", () => {
      const graph = r.graph!;
      const from = (to: (e: (typeof graph.edges)[number]) => boolean) =>
        graph.edges.filter((e) => e.from.kind === "workload" && e.from.name === "prometheus" && to(e));
      const istiod = from((e) => e.to.kind === "workload" && e.to.name === "istiod" && e.to.namespace === MESH.rootNamespace);
      assert.deepEqual(
        istiod.flatMap((e) => e.ports.map((p) => p.port)),
        [MESH_TELEMETRY.istiodPort],
      );
      const kubelets = from((e) => e.to.kind === "outside" && e.to.name === "kubelets");
      assert.deepEqual(
        kubelets.flatMap((e) => e.ports.map((p) => p.port)),
        [10250],
      );
    });
  });
}
