import { chartWorkload, isHelmRelease, istioChartOf } from "../../policies/src/lib/helm";
import { RecordedResource } from "./mock-engine";
import { isKubernetesObject, kubernetesObject } from "./render-output";

/** Istio's default sidecar requests, used unless the istiod release sets `global.proxy.resources`. */
const DEFAULT_SIDECAR = { cpu: "100m", memory: "128Mi" };

type Requests = { cpu?: string; memory?: string };

const UNITS: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** A Kubernetes quantity (`250m`, `1Gi`, `0.5`) as a number of cores or bytes. */
export function quantity(text: string | number | undefined): number {
  if (text === undefined) return 0;
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(String(text));
  if (!match || !(match[2] in UNITS)) throw new Error(`not a Kubernetes quantity: ${text}`);
  return Number(match[1]) * UNITS[match[2]];
}

export interface Footprint {
  readonly cpu: number;
  readonly memoryBytes: number;
  readonly pods: number;
}

const dig = (value: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), value);

/**
 * Total CPU and memory requests of what the stack runs: every Deployment and StatefulSet times
 * its replicas, an Istio sidecar per pod in an injected namespace, and istiod's and the ingress
 * gateway's pods at their minimum replicas, as far as their releases' values state requests.
 */
export function footprint(resources: readonly RecordedResource[]): Footprint {
  const objects = resources.filter(isKubernetesObject).map(kubernetesObject);
  const injected = new Set(
    objects.filter((o) => o.kind === "Namespace" && dig(o, "metadata", "labels", "istio-injection") === "enabled").map((o) => o.metadata.name),
  );
  const releases = resources.filter((r) => isHelmRelease(r.type));
  const sidecar = (releases.map((r) => dig(r.inputs, "values", "global", "proxy", "resources", "requests")).find(Boolean) ?? DEFAULT_SIDECAR) as Requests;

  let cpu = 0;
  let memoryBytes = 0;
  let pods = 0;
  const add = (requests: Requests | undefined, times: number) => {
    cpu += quantity(requests?.cpu) * times;
    memoryBytes += quantity(requests?.memory) * times;
  };
  // An autoscaled workload runs at least its HPA's minReplicas (it leaves spec.replicas to the HPA).
  const hpaMinimum = new Map(
    objects
      .filter((o) => o.kind === "HorizontalPodAutoscaler")
      .map((h) => [
        `${h.metadata.namespace}/${String(dig(h, "spec", "scaleTargetRef", "kind"))}/${String(dig(h, "spec", "scaleTargetRef", "name"))}`,
        Number(dig(h, "spec", "minReplicas") ?? 1),
      ]),
  );
  for (const o of objects.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet")) {
    const replicas = hpaMinimum.get(`${o.metadata.namespace}/${o.kind}/${o.metadata.name}`) ?? Number(dig(o, "spec", "replicas") ?? 1);
    const pod = dig(o, "spec", "template") as Record<string, unknown>;
    const containers = (dig(pod, "spec", "containers") ?? []) as { resources?: { requests?: Requests } }[];
    for (const c of containers) add(c.resources?.requests, replicas);
    const annotations = (dig(pod, "metadata", "annotations") ?? {}) as Record<string, string>;
    const optedOut = annotations["sidecar.istio.io/inject"] === "false";
    // A pod may size its own sidecar (Istio's proxyCPU/proxyMemory annotations).
    const podSidecar = { cpu: annotations["sidecar.istio.io/proxyCPU"] ?? sidecar.cpu, memory: annotations["sidecar.istio.io/proxyMemory"] ?? sidecar.memory };
    if (injected.has(o.metadata.namespace ?? "") && !optedOut) add(podSidecar, replicas);
    pods += replicas;
  }
  for (const r of releases) {
    const chart = istioChartOf(r.inputs);
    const workload = chart && chartWorkload(chart, r.inputs);
    const requests = dig(r.inputs, "values", "resources", "requests") as Requests | undefined;
    if (workload && requests) {
      add(requests, workload.minReplicas);
      pods += workload.minReplicas;
    }
  }
  return { cpu, memoryBytes, pods };
}

export const describeFootprint = (f: Footprint): string =>
  `${f.cpu.toFixed(2)} CPU, ${(f.memoryBytes / 1024 ** 3).toFixed(2)} GiB requested by ${f.pods} pods (Istio sidecars included)`;
