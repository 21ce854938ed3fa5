import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// The cluster lane's pieces, shared by `npm run test:cluster` and `npm run bench:cluster`: the engine
// and the control plane from the Go module cache (scripts/engine.sh), a control plane of the lane's
// own (scripts/cluster.sh), kubectl against it, and the kwok stack in a scratch copy of the project
// driven through the Automation API.

export const ROOT = path.resolve(__dirname, "..", "..");
export const STACK = "kwok";
export const CONFIG_NAMESPACE = "microservices-ecosystem";
export const POLICIES = path.join(ROOT, "policies");
export const POLICY_CONFIG = path.join(POLICIES, "config.dev.json");

/**
 * Resource operations at once (`pulumi up --parallel`). Most of an up is waiting, not CPU: the
 * provider's Service await settles 10 s after the last endpoint change, and the CLI's default
 * (4 × cores, 8 here) queues those waits behind each other.
 */
export const PARALLEL = 32;

/** What the lane switches off because it cannot run here (printed by the test, named in the README). */
export const SWITCHED_OFF = [
  "images.build false: no Docker engine here; KWOK's pods never pull, so the service images are not built",
  "istio.webhooks false: istiod runs without its sidecar-injection and validation webhooks (the API server must not call a Service), so no sidecar is injected",
  "no Istio ingress gateway: its pods take their proxy image from the injection webhook",
  "secrets from stack config (redisPassword, postgresPasswordSeed, grafanaAdminPassword): the random provider is not built here",
  "nodes and pods are simulated by KWOK: containers do not run, probes are not executed",
];

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 3_600_000) {
  const result = spawnSync(command, args, { cwd: ROOT, env, encoding: "utf8", timeout: timeoutMs, maxBuffer: 256 * 2 ** 20 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.status ?? result.signal}:\n${(result.stderr || result.stdout).slice(-4000)}`);
  }
  return result.stdout;
}

const lastLine = (text: string) => text.trim().split("\n").pop()!.trim();

/** Builds (or reuses) a unit of scripts/engine.sh and returns the directory it prints. */
export const engineDir = (command: "build" | "build-cluster" | "istio-charts") => lastLine(run("bash", ["scripts/engine.sh", command]));

/** The engine's environment (PATH, PULUMI_HOME with the provider plugin, file backend) for a state dir. */
export function engineEnv(stateDir: string): Record<string, string> {
  const out = run("bash", ["scripts/engine.sh", "env"], { ...process.env, ENGINE_STATE_DIR: stateDir, PULUMI_BACKEND_URL: "" });
  const env: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const m = /^export ([A-Z_]+)='([^']*)'(?::"\$PATH")?$/.exec(line.trim());
    if (m) env[m[1]] = m[1] === "PATH" ? `${m[2]}:${process.env.PATH}` : m[2];
  }
  // ts-node's type check repeats what `npm run typecheck` does, at ~4 s a run.
  env.PULUMI_NODEJS_TRANSPILE_ONLY = "true";
  return env;
}

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

/**
 * A scratch project: the repository by symlinks, Pulumi.yaml and the stack file copied (the
 * Automation API writes config into the stack file, never into the repository's).
 */
export function scratchProject(dir: string): string {
  const project = path.join(dir, "project");
  fs.mkdirSync(project, { recursive: true });
  for (const entry of fs.readdirSync(ROOT)) {
    if ([".git", "out", "Pulumi.yaml"].includes(entry) || /^Pulumi\..+\.yaml$/.test(entry)) continue;
    fs.symlinkSync(path.join(ROOT, entry), path.join(project, entry));
  }
  fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
  fs.copyFileSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), path.join(project, `Pulumi.${STACK}.yaml`));
  return project;
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
  const project = scratchProject(work);
  // The provider records the kubeconfig's path, not its identity: a link lets a step swap the identity
  // behind the same path, as CI's two jobs do with their own kubeconfigs at one path (see useKubeconfig).
  const kubeconfig = path.join(work, "kubeconfig");
  fs.symlinkSync(cluster.kubeconfig, kubeconfig);
  const env: Record<string, string> = { ...engineEnv(path.join(work, "engine")), KUBECONFIG: kubeconfig };
  // PulumiCommand runs <root>/bin/pulumi.
  const cliRoot = path.join(work, "cli");
  fs.mkdirSync(cliRoot, { recursive: true });
  fs.symlinkSync(env.ENGINE_BIN_DIR, path.join(cliRoot, "bin"));
  const pulumiCommand = await PulumiCommand.get({ root: cliRoot, skipVersionCheck: true });
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: STACK, workDir: project }, { pulumiCommand, envVars: env });
  await stack.setAllConfig(
    {
      [`${CONFIG_NAMESPACE}:kubeContext`]: { value: cluster.context },
      [`${CONFIG_NAMESPACE}:artifactsDir`]: { value: path.join(work, "artifacts") },
      [`${CONFIG_NAMESPACE}:istio.chartsDir`]: { value: istioCharts },
    },
    true,
  );
  return { cluster, stack, work, project, env };
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

export const tempDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Seconds since `start` (a process.hrtime.bigint()), to a tenth. */
export const secondsSince = (start: bigint) => Math.round(Number(process.hrtime.bigint() - start) / 1e8) / 10;
