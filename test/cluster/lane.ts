import { Stack } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as path from "path";
import { POLICIES, engineStack, engineWorkspace, lastLine, run } from "../engine/workspace";

// The cluster lane's pieces, shared by `npm run test:cluster` and `npm run bench:cluster`: a control plane
// of the lane's own (scripts/cluster.sh, built from the Go module cache), kubectl against it, and the kwok
// stack driven through the real engine (test/engine/workspace.ts).

export const STACK = "kwok";
export const POLICY_CONFIG = path.join(POLICIES, "config.dev.json");

/**
 * Resource operations at once (`pulumi up --parallel`). Most of an up is waiting, not CPU: the workloads'
 * rollouts, Istio's Helm releases and, for every step, the file backend's checkpoint writes, which go one at a
 * time. The engine's registration loop hands each step to one of these workers and stops when all are busy, so
 * with 32 (the CLI's default is 4 × cores, 8 here) istiod's registration reached the engine 7 s after the base
 * chart it waits for (1.3 s with 128), and everything that depends on the mesh waited with it. With 128: up 26.7-28.8 s against
 * 30.6-32.3 s (two A/B pairs each, the kwok stack); a no-change up is the same (7.3-9.3 s either way).
 */
export const PARALLEL = 128;

/** What the lane switches off because it cannot run here (printed by the test, named in the README). */
export const SWITCHED_OFF = [
  "images.build false: no Docker engine here; KWOK's pods never pull, so the service images are not built",
  "istio.webhooks false: istiod runs without its sidecar-injection and validation webhooks (the API server must not call a Service), so no sidecar is injected",
  "no Istio ingress gateway: its pods take their proxy image from the injection webhook",
  "secrets from stack config (redisPassword, postgresPasswordSeed, grafanaAdminPassword): the random provider is not built here",
  "nodes and pods are simulated by KWOK: containers do not run, probes are not executed",
];

export interface Cluster {
  readonly name: string;
  readonly kubeconfig: string;
  readonly context: string;
  readonly binDir: string;
  readonly stateDir: string;
}

/** Starts (or finds running) a control plane of its own for the lane; returns its kubeconfig. */
export function clusterUp(name: string, portBase: number, binDir: string, stateDir: string): Cluster {
  const env = { ...process.env, CLUSTER_NAME: name, CLUSTER_PORT_BASE: String(portBase), CLUSTER_BIN_DIR: binDir, CLUSTER_STATE_DIR: stateDir };
  const kubeconfig = lastLine(run("bash", ["scripts/cluster.sh", "up"], env));
  return { name, kubeconfig, context: `microservices-${name}`, binDir, stateDir };
}

export function clusterDown(cluster: Cluster, purge = true): void {
  run("bash", ["scripts/cluster.sh", "down", ...(purge ? ["--purge"] : [])], {
    ...process.env,
    CLUSTER_NAME: cluster.name,
    CLUSTER_BIN_DIR: cluster.binDir,
    CLUSTER_STATE_DIR: cluster.stateDir,
  });
}

/** kubectl (the control plane's own build) against the lane's cluster. */
export function kubectl(cluster: Cluster, ...args: string[]): string {
  return run(path.join(cluster.binDir, "kubectl"), ["--kubeconfig", cluster.kubeconfig, "--request-timeout=60s", ...args]);
}

export function kubectlJson<T = any>(cluster: Cluster, ...args: string[]): T {
  return JSON.parse(kubectl(cluster, ...args, "-o", "json")) as T;
}

export interface Lane {
  readonly cluster: Cluster;
  readonly stack: Stack;
  readonly work: string;
  readonly project: string;
  readonly env: Record<string, string>;
}

/** The kwok stack, in a scratch project, pointed at the cluster (context, Istio charts, artifacts). */
export async function laneStack(cluster: Cluster, work: string, istioCharts: string): Promise<Lane> {
  // The provider records the kubeconfig's path, not its identity: a link lets a step swap the identity
  // behind the same path, as CI's two jobs do with their own kubeconfigs at one path (see useKubeconfig).
  const kubeconfig = path.join(work, "kubeconfig");
  fs.symlinkSync(cluster.kubeconfig, kubeconfig);
  const workspace = await engineWorkspace(work, [STACK], { KUBECONFIG: kubeconfig });
  const stack = await engineStack(workspace, STACK, {
    kubeContext: cluster.context,
    artifactsDir: path.join(work, "artifacts"),
    "istio.chartsDir": istioCharts,
  });
  return { cluster, stack, work, project: workspace.project, env: workspace.env };
}

/** Points the lane's kubeconfig path at another kubeconfig (another identity on the same cluster); returns the undo. */
export function useKubeconfig(lane: Lane, file: string): () => void {
  const link = lane.env.KUBECONFIG;
  const swap = (target: string) => {
    fs.rmSync(link);
    fs.symlinkSync(target, link);
  };
  swap(file);
  return () => swap(lane.cluster.kubeconfig);
}
