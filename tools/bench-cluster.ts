import { EngineEvent } from "@pulumi/pulumi/automation";
import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { breakdown, formatBreakdown, readSpans } from "./bench/trace-breakdown";
import { MESH } from "../catalog/platform/mesh";
import { isHelmRelease } from "../policies/src/lib/helm";
import { Cluster, PARALLEL, POLICY_CONFIG, STACK, clusterDown, clusterUp, kubectl, kubectlJson, laneStack } from "../test/cluster/lane";
import { POLICIES, ROOT, engineDir, secondsSince, tempDir, pulumiCli } from "../test/engine/workspace";

/**
 * npm run bench:cluster: the kwok stack (dev-sized) through the real engine against a fresh local
 * control plane, with baselines measured in the same run on the same cluster:
 *   cluster-up-s        scripts/cluster.sh up on an empty state directory
 *   render-s            npm run render of the stack            → preview-vs-render = preview-s / render-s
 *   preview-s, up-s, noop-up-s  the CLI commands a developer types (`pulumi preview`, `pulumi up --yes --skip-preview`)
 *   noop-up-first-s     the first no-change up, right after the up: the API server rebuilds its OpenAPI document
 *                       for the CRDs the up installed on the first request, the provider's; noop-up-s is the next
 *                       one, a developer's inner loop
 *   checkpoint-kb       the stack's state after the up, as compact JSON (the file backend rewrites it twice per created resource)
 *   destroy-s           (Automation API, as the cluster test drives it)
 *   preview-with-policy-s  the pull request's check: preview with the policy pack (after the up, as on a PR)
 *                                                              → preview-with-policy-vs-render
 * Every figure is a command as a developer types it, untraced: the CLI's tracing (--otel-traces) puts every gRPC
 * message into its spans and slows a no-change up by about 0.4 s. The breakdowns come from a traced repeat of the
 * preview, the no-change up and the preview with the pack (tools/bench/trace-breakdown.ts).
 *   kubectl-apply-s     the same deployment by hand: the namespaces (kubectl apply --server-side), Istio's charts
 *                       with the up's values (helm install --wait, in the up's order), then the rest of the
 *                       rendered manifests and kubectl's waits for the same rollouts
 *                                                              → up-vs-kubectl = up-s / kubectl-apply-s
 *   istio-helm-s        the charts' part of it; without it, the manifests alone (the baseline before Istio's charts
 *                       were in it)                            → up-vs-kubectl-manifests = up-s / (kubectl-apply-s - istio-helm-s)
 * The builds (scripts/engine.sh) happen before any clock starts.
 */

type Obj = Record<string, any>;

const FIGURES = [
  "cluster-up-s",
  "render-s",
  "preview-s",
  "up-s",
  "noop-up-first-s",
  "noop-up-s",
  "checkpoint-kb",
  "preview-with-policy-s",
  "destroy-s",
  "kubectl-apply-s",
  "istio-helm-s",
  "up-vs-kubectl",
  "up-vs-kubectl-manifests",
  "preview-vs-render",
  "preview-with-policy-vs-render",
];

/** The goals the README states (issue 19), checked in the same run. */
const GOALS: readonly (readonly [string, number])[] = [
  ["preview-vs-render", 2],
  ["up-vs-kubectl", 2.5],
  ["noop-up-s", 8],
  ["preview-with-policy-vs-render", 2.5],
];

async function timed<T>(figures: Map<string, number>, name: string, action: () => T | Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  const result = await action();
  figures.set(name, secondsSince(start));
  console.error(`bench:cluster: ${name} ${figures.get(name)}`);
  return result;
}

const yamlFiles = (dir: string): string[] =>
  (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => path.join(dir, f))
    .sort();

const execFileAsync = promisify(execFile);

/** A Helm release as the stack installs it (the render's listing holds its inputs). */
interface Release {
  name: string;
  chart: string;
  namespace: string;
  values: Obj;
}

/** The up's order: the base chart (CRDs) and the CNI agent at once, then istiod, then the ingress gateway. */
const RELEASE_STAGES = [[MESH.install.releases.base, MESH.install.releases.cni], [MESH.install.releases.istiod], [MESH.install.releases.gateway]];

function releasesOf(render: string): Map<string, Release> {
  const listing = JSON.parse(fs.readFileSync(path.join(render, "resources.json"), "utf8")) as { type: string; props: Obj }[];
  const releases = listing.filter((r) => isHelmRelease(r.type)).map((r) => r.props as Release);
  const staged = new Set(RELEASE_STAGES.flat());
  const unknown = releases.filter((r) => !staged.has(r.name)).map((r) => r.name);
  if (unknown.length > 0) throw new Error(`the kubectl baseline does not know when to install release(s) ${unknown.join(", ")}`);
  return new Map(releases.map((r) => [r.name, r]));
}

/** Installs the stack's Helm releases, stage by stage, each with `--wait` as the up's Release awaits; returns seconds. */
async function helmInstall(cluster: Cluster, helmDir: string, render: string, work: string): Promise<number> {
  const start = process.hrtime.bigint();
  const releases = releasesOf(render);
  const home = path.join(work, "helm");
  const env = { ...process.env, HELM_CACHE_HOME: `${home}/cache`, HELM_CONFIG_HOME: `${home}/config`, HELM_DATA_HOME: `${home}/data` };
  for (const stage of RELEASE_STAGES) {
    await Promise.all(
      stage
        .filter((name) => releases.has(name))
        .map((name) => {
          const release = releases.get(name)!;
          const values = path.join(work, `${name}.values.json`);
          fs.writeFileSync(values, JSON.stringify(release.values));
          const args = ["install", name, release.chart, "--namespace", release.namespace, "--values", values, "--wait", "--timeout", "10m"];
          return execFileAsync(path.join(helmDir, "helm"), [...args, "--kubeconfig", cluster.kubeconfig, "--kube-context", cluster.context], { env });
        }),
    );
  }
  return secondsSince(start);
}

/** The same deployment by hand: namespaces, Istio's charts, then everything else and the same waits as the provider's. */
async function kubectlApply(cluster: Cluster, helmDir: string, render: string, work: string, figures: Map<string, number>): Promise<void> {
  const manifests = path.join(render, "manifests");
  const files = yamlFiles(manifests);
  const namespaces = files.filter((f) => /^kind: Namespace$/m.test(fs.readFileSync(f, "utf8")));
  kubectl(cluster, "apply", "--server-side", ...namespaces.flatMap((f) => ["-f", f]));
  figures.set("istio-helm-s", await helmInstall(cluster, helmDir, render, work));
  kubectl(cluster, "apply", "--server-side", "--force-conflicts", "-R", "-f", manifests);
  kubectl(cluster, "wait", "--for=condition=Available", "deployments", "--all", "--all-namespaces", "--timeout=600s");
  for (const set of kubectlJson(cluster, "get", "statefulsets", "-A").items as Obj[]) {
    kubectl(cluster, "rollout", "status", `statefulset/${set.metadata.name}`, "-n", set.metadata.namespace, "--timeout=600s");
  }
}

/** Where `up` spends its time: the slowest Kubernetes operations (start to outputs), on stderr. */
function reportSlowest(events: readonly EngineEvent[], count = 8): void {
  const started = new Map<string, number>();
  const durations: [string, number][] = [];
  for (const e of events) {
    if (e.resourcePreEvent?.metadata.type.startsWith("kubernetes:")) started.set(e.resourcePreEvent.metadata.urn, e.timestamp);
    if (e.resOutputsEvent && started.has(e.resOutputsEvent.metadata.urn)) {
      const urn = e.resOutputsEvent.metadata.urn;
      durations.push([urn.split("::").slice(-2).join(" "), e.timestamp - started.get(urn)!]);
    }
  }
  durations.sort((a, b) => b[1] - a[1]);
  for (const [what, seconds] of durations.slice(0, count)) console.error(`bench:cluster:   ${seconds}s  ${what}`);
}

async function main(): Promise<void> {
  const work = tempDir("bench-cluster-");
  const binDir = engineDir("build-cluster");
  engineDir("build");
  const charts = engineDir("istio-charts");
  const helmDir = engineDir("build-helm");
  const figures = new Map<string, number>();
  const breakdowns: string[][] = [];
  // BENCH_TRACES_DIR keeps the CLI's traces for a closer look (one OTLP JSON file per operation).
  const traces = process.env.BENCH_TRACES_DIR ?? path.join(work, "traces");
  fs.mkdirSync(traces, { recursive: true });
  let cluster: Cluster | undefined;
  try {
    cluster = await timed(figures, "cluster-up-s", () =>
      clusterUp("bench", Number(process.env.BENCH_CLUSTER_PORT_BASE ?? 26463), binDir, path.join(work, "cluster")),
    );
    const lane = await laneStack(cluster, work, charts);
    const render = path.join(work, "render");
    await timed(figures, "render-s", () => {
      const run = spawnSync("npm", ["run", "-s", "render", "--", "--stack", STACK, "--out", render], { cwd: ROOT, encoding: "utf8" });
      if (run.status !== 0) throw new Error(`npm run render failed:\n${run.stderr}`);
    });
    const cli = (args: readonly string[], traceDir?: string) => pulumiCli(lane, [...args, "--stack", STACK, "--parallel", String(PARALLEL)], traceDir);
    const measured = (name: string, args: readonly string[]) => timed(figures, name, () => cli(args));
    /** The figure, then a traced repeat of the same command for its breakdown. */
    const measuredAndTraced = async (name: string, args: readonly string[]) => {
      await measured(name, args);
      const dir = path.join(traces, name);
      const start = process.hrtime.bigint();
      cli(args, dir);
      const wall = secondsSince(start);
      try {
        breakdowns.push(formatBreakdown(`${name} (traced repeat: ${wall} s)`, breakdown(readSpans(path.join(dir, "pulumi.json")), wall)));
      } catch (error) {
        breakdowns.push([`${name}: no breakdown (${error instanceof Error ? error.message : String(error)})`]);
      }
    };
    await measuredAndTraced("preview-s", ["preview"]);
    const events = path.join(traces, "up-events.json");
    await measured("up-s", ["up", "--yes", "--skip-preview", "--event-log", events]);
    reportSlowest(
      fs
        .readFileSync(events, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as EngineEvent),
    );
    await measured("noop-up-first-s", ["up", "--yes", "--skip-preview"]);
    await measuredAndTraced("noop-up-s", ["up", "--yes", "--skip-preview"]);
    // The checkpoint the file backend rewrites twice for every resource an up creates (its size bounds an up's pace).
    const exported = pulumiCli(lane, ["stack", "export", "--stack", STACK]);
    fs.writeFileSync(path.join(traces, "state.json"), exported);
    figures.set("checkpoint-kb", Math.round(JSON.stringify(JSON.parse(exported).deployment).length / 1024));
    await measuredAndTraced("preview-with-policy-s", ["preview", "--policy-pack", POLICIES, "--policy-pack-config", POLICY_CONFIG]);
    await timed(figures, "destroy-s", () => lane.stack.destroy({ parallel: PARALLEL }));
    // Helm keeps Istio's CRDs on destroy, so the baseline's Istio objects have their kinds.
    await timed(figures, "kubectl-apply-s", () => kubectlApply(cluster!, helmDir, render, work, figures));
  } finally {
    if (cluster) clusterDown(cluster);
    fs.rmSync(work, { recursive: true, force: true });
  }
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const figure = (name: string) => figures.get(name)!;
  figures.set("up-vs-kubectl", ratio(figure("up-s"), figure("kubectl-apply-s")));
  figures.set("up-vs-kubectl-manifests", ratio(figure("up-s"), figure("kubectl-apply-s") - figure("istio-helm-s")));
  figures.set("preview-vs-render", ratio(figure("preview-s"), figure("render-s")));
  figures.set("preview-with-policy-vs-render", ratio(figure("preview-with-policy-s"), figure("render-s")));
  for (const lines of breakdowns) console.log(lines.join("\n"));
  for (const name of FIGURES) console.log(`${name} ${figures.get(name)}`);
  const missed = GOALS.filter(([name, limit]) => figures.get(name)! > limit).map(([name, limit]) => `${name} ${figures.get(name)} > ${limit}`);
  console.log(missed.length === 0 ? "goals: all met" : `goals missed: ${missed.join(", ")}`);
}

main().catch((error) => {
  console.error(`bench:cluster: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
