import { EngineEvent } from "@pulumi/pulumi/automation";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
  Cluster,
  PARALLEL,
  ROOT,
  STACK,
  clusterDown,
  clusterUp,
  engineDir,
  kubectl,
  kubectlJson,
  laneStack,
  secondsSince,
  tempDir,
} from "../test/cluster/lane";

/**
 * npm run bench:cluster: the kwok stack (dev-sized) through the real engine against a fresh local
 * control plane, with baselines measured in the same run on the same cluster:
 *   cluster-up-s        scripts/cluster.sh up on an empty state directory
 *   render-s            npm run render of the stack            → preview-vs-render = preview-s / render-s
 *   preview-s, up-s, noop-up-s, destroy-s                      (Automation API, as the cluster test drives it)
 *   kubectl-apply-s     server-side apply of the same rendered manifests, then kubectl waits for the same
 *                       rollouts                                → up-vs-kubectl = up-s / kubectl-apply-s
 * The builds (scripts/engine.sh) happen before any clock starts.
 */

type Obj = Record<string, any>;

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

/** What the kubectl baseline does: namespaces first, then everything, then the same waits as the provider's. */
function kubectlApply(cluster: Cluster, manifests: string): void {
  const files = yamlFiles(manifests);
  const namespaces = files.filter((f) => /^kind: Namespace$/m.test(fs.readFileSync(f, "utf8")));
  kubectl(cluster, "apply", "--server-side", ...namespaces.flatMap((f) => ["-f", f]));
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
  const figures = new Map<string, number>();
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
    await timed(figures, "preview-s", () => lane.stack.preview({ parallel: PARALLEL }));
    const events: EngineEvent[] = [];
    await timed(figures, "up-s", () => lane.stack.up({ parallel: PARALLEL, onEvent: (e) => events.push(e) }));
    reportSlowest(events);
    await timed(figures, "noop-up-s", () => lane.stack.up({ parallel: PARALLEL }));
    await timed(figures, "destroy-s", () => lane.stack.destroy({ parallel: PARALLEL }));
    // Helm keeps Istio's CRDs on destroy, so the baseline's Istio objects have their kinds.
    await timed(figures, "kubectl-apply-s", () => kubectlApply(cluster!, path.join(render, "manifests")));
  } finally {
    if (cluster) clusterDown(cluster);
    fs.rmSync(work, { recursive: true, force: true });
  }
  const ratio = (a: string, b: string) => Math.round((figures.get(a)! / figures.get(b)!) * 100) / 100;
  figures.set("up-vs-kubectl", ratio("up-s", "kubectl-apply-s"));
  figures.set("preview-vs-render", ratio("preview-s", "render-s"));
  for (const name of ["cluster-up-s", "render-s", "preview-s", "up-s", "noop-up-s", "destroy-s", "kubectl-apply-s", "up-vs-kubectl", "preview-vs-render"]) {
    console.log(`${name} ${figures.get(name)}`);
  }
}

main().catch((error) => {
  console.error(`bench:cluster: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
