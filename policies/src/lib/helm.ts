import { Props } from "./k8s";

/**
 * What the pack can know of a Helm release without templating its chart: the objects a release
 * installs are not resources of the stack, so no other policy sees them. For the Istio charts it
 * knows (1.22 and later: settings at the top level, defaults as in their values.yaml), the pack
 * reads the values that decide what a chart installs.
 */

/** `kubernetes:helm.sh/v3:Release` (and any later version of the Release type). */
export const isHelmRelease = (type: string): boolean => /^kubernetes:helm\.sh\/v\d+:Release$/.test(type);

/** The Istio charts the pack reads: `base` (CRDs and cluster roles only), `istiod`, the ingress `gateway` and the `cni` node agent (a DaemonSet). */
export const ISTIO_CHARTS = ["base", "istiod", "gateway", "cni"] as const;
export type IstioChart = (typeof ISTIO_CHARTS)[number];

/** A release's chart name: the last segment of a chart path or `repo/chart` reference. */
export const chartName = (release: Props): string =>
  String(release?.chart ?? "")
    .replace(/\/+$/, "")
    .split("/")
    .pop() ?? "";

/** The namespace a release installs into (Helm's default when none is set). */
export const releaseNamespace = (release: Props): string => String(release?.namespace || "default");

/** `namespace/name`: how config lists and messages name a release. */
export const releaseId = (release: Props): string => `${releaseNamespace(release)}/${String(release?.name ?? "(unnamed)")}`;

/** `Helm release namespace/name (chart X[ version])`: how messages name a release. */
export function describeRelease(release: Props): string {
  const version = release?.version ? ` ${String(release.version)}` : "";
  return `Helm release ${releaseId(release)} (chart ${chartName(release) || "?"}${version})`;
}

/**
 * The Istio chart a release installs: its chart is named like one of Istio's and comes from Istio's
 * repository or a local folder (a chart of that name from another repository is someone else's).
 */
export function istioChartOf(release: Props): IstioChart | undefined {
  const name = chartName(release) as IstioChart;
  if (!ISTIO_CHARTS.includes(name)) return undefined;
  const repo = String(release?.repositoryOpts?.repo ?? "");
  const reference = String(release?.chart ?? "");
  const fromIstio = repo === "" ? !/^(oci|https?):/.test(reference) || /istio/i.test(reference) : /istio/i.test(repo);
  return fromIstio ? name : undefined;
}

type Values = Record<string, any>;
const valuesOf = (release: Props): Values => (release?.values && typeof release.values === "object" ? release.values : {});

/** How many replicas a chart's workload runs at least, and whether the chart adds a PodDisruptionBudget for it. */
export interface ChartWorkload {
  /** The Deployment the chart installs, as a message names it. */
  readonly workload: string;
  readonly minReplicas: number;
  readonly autoscaled: boolean;
  /** Whether the chart renders a PodDisruptionBudget (both charts leave it out at one replica). */
  readonly disruptionBudget: boolean;
  /** The value paths that set the minimum and the budget, for the message's fix. */
  readonly replicasKey: string;
  readonly budgetKey: string;
}

const count = (value: unknown, fallback: number): number => (value === undefined || value === null || value === "" ? fallback : Number(value));

/** The workload istiod's or the gateway chart's values install (undefined for `base`, which runs none). */
export function chartWorkload(chart: IstioChart, release: Props): ChartWorkload | undefined {
  const values = valuesOf(release);
  if (chart === "istiod") {
    const autoscaled = values.autoscaleEnabled !== false;
    const minReplicas = autoscaled ? count(values.autoscaleMin, 1) : count(values.replicaCount, 1);
    return {
      workload: `Deployment ${releaseNamespace(release)}/istiod`,
      minReplicas,
      autoscaled,
      disruptionBudget: values.global?.defaultPodDisruptionBudget?.enabled !== false && minReplicas > 1,
      replicasKey: autoscaled ? "autoscaleMin" : "replicaCount",
      budgetKey: "global.defaultPodDisruptionBudget.enabled",
    };
  }
  if (chart === "gateway") {
    const autoscaled = values.autoscaling?.enabled !== false;
    const minReplicas = autoscaled ? count(values.autoscaling?.minReplicas, 1) : count(values.replicaCount, 1);
    const budget = values.podDisruptionBudget;
    return {
      workload: `Deployment ${releaseNamespace(release)}/${String(values.name || release?.name || "gateway")}`,
      minReplicas,
      autoscaled,
      disruptionBudget: Boolean(budget && typeof budget === "object" && Object.keys(budget).length > 0) && minReplicas > 1,
      replicasKey: autoscaled ? "autoscaling.minReplicas" : "replicaCount",
      budgetKey: "podDisruptionBudget",
    };
  }
  return undefined;
}
