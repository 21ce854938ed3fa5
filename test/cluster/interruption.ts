import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parsePs } from "../../tools/recover/orphaned-plugins";
import { Cluster, Lane, PARALLEL, STACK } from "./lane";
import { ROOT } from "../engine/workspace";

// The cluster lane's interruptions: a `pulumi up` killed outright, or one whose API server goes away,
// and the README's recovery (npm run recover) run exactly as a user would.

export interface RunningUp {
  readonly child: ChildProcess;
  /** The engine's events, one JSON object per line, written as they happen. */
  readonly eventLog: string;
  /** Resolves with the exit code (or the signal's name) once the CLI is gone. */
  readonly exited: Promise<number | string>;
  output(): string;
}

/** `pulumi up` as a CI job runs it, in a process group of its own, with its engine events logged to a file. */
export function startUp(lane: Lane, name: string): RunningUp {
  const eventLog = path.join(lane.work, `${name}.events.jsonl`);
  fs.rmSync(eventLog, { force: true });
  let output = "";
  const child = spawn("pulumi", ["up", "--yes", "--skip-preview", "--parallel", String(PARALLEL), "--stack", STACK, "--event-log", eventLog], {
    cwd: lane.project,
    // --event-log is one of the CLI's debug flags.
    env: { ...process.env, ...lane.env, PULUMI_DEBUG_COMMANDS: "true" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
  return { child, eventLog, exited, output: () => output };
}

/** The engine events logged so far. */
export function loggedEvents(up: RunningUp): Record<string, any>[] {
  if (!fs.existsSync(up.eventLog)) return [];
  return fs
    .readFileSync(up.eventLog, "utf8")
    .split("\n")
    .filter((line) => line.trim().startsWith("{"))
    .flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return []; // the line being written
      }
    });
}

/** A process and all its descendants (the CLI's plugins run in process groups of their own, so a group kill misses them). */
export function processTree(root: number): number[] {
  const processes = parsePs(spawnSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" }).stdout);
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of processes) {
      if (!tree.has(p.pid) && tree.has(p.ppid)) {
        tree.add(p.pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

/** SIGKILL to the CLI and every plugin it started, at once: what a runner's timeout or a lost machine does. */
export function killTree(root: number): number {
  const tree = processTree(root);
  for (const pid of tree) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
  return tree.length;
}

/** Polls `condition` every 100 ms until it holds (true), the up exits first (false), or the deadline passes (throws). */
export async function whileRunning(up: RunningUp, condition: () => boolean, deadlineMs = 300_000): Promise<boolean> {
  let exited = false;
  void up.exited.then(() => (exited = true));
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (condition()) return true;
    if (exited) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${deadlineMs / 1000}s:\n${up.output().slice(-3000)}`);
}

/** The README's recovery, as a user runs it: `npm run recover -- --stack <stack> --yes` in the project, kubectl on the PATH. */
export function recover(lane: Lane): { status: number; output: string } {
  const run = spawnSync("npm", ["run", "-s", "recover", "--", "--stack", STACK, "--yes"], {
    cwd: lane.project,
    env: { ...process.env, ...lane.env, PATH: `${lane.cluster.binDir}:${lane.env.PATH}` },
    encoding: "utf8",
    timeout: 600_000,
    maxBuffer: 64 * 2 ** 20,
  });
  return { status: run.status ?? 1, output: `${run.stdout}${run.stderr}` };
}

/** scripts/cluster.sh restart, against the lane's cluster. */
export function restartComponent(cluster: Cluster, component: string, ...options: string[]): string {
  const run = spawnSync("bash", [path.join(ROOT, "scripts", "cluster.sh"), "restart", component, ...options], {
    env: { ...process.env, CLUSTER_NAME: cluster.name, CLUSTER_BIN_DIR: cluster.binDir, CLUSTER_STATE_DIR: cluster.stateDir },
    encoding: "utf8",
    timeout: 300_000,
  });
  if (run.status !== 0) throw new Error(`cluster.sh restart ${component} exited ${run.status}:\n${run.stderr}`);
  return run.stderr;
}
