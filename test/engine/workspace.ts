import { ConfigMap, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CONFIG_NAMESPACE } from "../../components/settings";

// The one way tests drive the real engine (`npm run test:engine`, `npm run test:cluster`, `npm run bench:cluster`):
// the CLI and the Kubernetes provider from the Go module cache (scripts/engine.sh), a scratch copy of the project,
// and a stack in it driven through the Automation API, with its own file backend and PULUMI_HOME.

export { CONFIG_NAMESPACE };
export const ROOT = path.resolve(__dirname, "..", "..");
export const POLICIES = path.join(ROOT, "policies");

export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 3_600_000, cwd = ROOT): string {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: timeoutMs, maxBuffer: 256 * 2 ** 20 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.status ?? result.signal}:\n${(result.stdout + result.stderr).slice(-4000)}`);
  }
  return result.stdout;
}

export const lastLine = (text: string) => text.trim().split("\n").pop()!.trim();

/** Builds (or reuses) a unit of scripts/engine.sh and returns the directory it prints. */
export const engineDir = (command: "build" | "build-cluster" | "build-helm" | "istio-charts") => lastLine(run("bash", ["scripts/engine.sh", command]));

/**
 * The engine's environment (PATH, PULUMI_HOME with the provider plugin, file backend, no update check) for a state
 * dir: every `export` line `scripts/engine.sh env` prints; a line it cannot read is an error, never skipped.
 */
export function engineEnv(stateDir: string, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out = run("bash", ["scripts/engine.sh", "env"], { ...base, ENGINE_STATE_DIR: stateDir, PULUMI_BACKEND_URL: "" });
  const env: Record<string, string> = {};
  for (const line of out
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)) {
    const m = /^export ([A-Z][A-Z0-9_]*)='([^']*)'(:"\$PATH")?$/.exec(line);
    if (!m) throw new Error(`scripts/engine.sh env printed a line the tests cannot read (export NAME='value' expected): ${line}`);
    env[m[1]] = m[3] ? `${m[2]}:${base.PATH}` : m[2];
  }
  return env;
}

/**
 * A scratch project: the repository by symlinks, Pulumi.yaml and the stack files copied (the Automation API
 * writes config into the stack file, never into the repository's).
 */
export function scratchProject(dir: string, stacks: readonly string[]): string {
  const project = path.join(dir, "project");
  fs.mkdirSync(project, { recursive: true });
  for (const entry of fs.readdirSync(ROOT)) {
    if ([".git", "out", "Pulumi.yaml"].includes(entry) || /^Pulumi\..+\.yaml$/.test(entry)) continue;
    fs.symlinkSync(path.join(ROOT, entry), path.join(project, entry));
  }
  fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
  for (const stack of stacks) fs.copyFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), path.join(project, `Pulumi.${stack}.yaml`));
  return project;
}

export interface EngineWorkspace {
  readonly work: string;
  readonly project: string;
  readonly env: Record<string, string>;
  readonly pulumiCommand: PulumiCommand;
}

/** A scratch project of `stacks` under `work`, with the engine's environment (extra variables in `env`). */
export async function engineWorkspace(work: string, stacks: readonly string[], env: Record<string, string> = {}): Promise<EngineWorkspace> {
  const project = scratchProject(work, stacks);
  const engine = { ...engineEnv(path.join(work, "engine")), ...env };
  // PulumiCommand runs <root>/bin/pulumi.
  const cliRoot = path.join(work, "cli");
  fs.mkdirSync(cliRoot, { recursive: true });
  fs.symlinkSync(engine.ENGINE_BIN_DIR, path.join(cliRoot, "bin"));
  const pulumiCommand = await PulumiCommand.get({ root: cliRoot, skipVersionCheck: true });
  return { work, project, env: engine, pulumiCommand };
}

/** A stack of the scratch project, created in its backend, with config (short keys are the project's). */
export async function engineStack(workspace: EngineWorkspace, name: string, config: Record<string, string> = {}): Promise<Stack> {
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: name, workDir: workspace.project },
    { pulumiCommand: workspace.pulumiCommand, envVars: { ...workspace.env } },
  );
  const full: ConfigMap = Object.fromEntries(Object.entries(config).map(([k, v]) => [k.includes(":") ? k : `${CONFIG_NAMESPACE}:${k}`, { value: v }]));
  if (Object.keys(full).length > 0) await stack.setAllConfig(full, true);
  return stack;
}

/**
 * What a preview runs with, here as in the workflows and the README: the CLI (3.276) gives a preview a snapshot
 * manager whose writes are discarded, yet it still serializes and verifies the whole planned state after every
 * step, about 3 s of CPU in a preview of the kwok stack. With PULUMI_SKIP_CHECKPOINTS it does that once, at the
 * end. A preview writes no state either way; an `up` must never run with it (an interrupted up would lose the
 * state of everything it did), so this is never part of the engine's environment.
 */
export const PREVIEW_ENV: Readonly<Record<string, string>> = { PULUMI_SKIP_CHECKPOINTS: "true" };

/**
 * One CLI command in the scratch project, as a developer types it (the Automation API runs other commands around
 * each operation, such as `pulumi stack history`); a preview gets PREVIEW_ENV. With `traceDir`, the CLI writes its OpenTelemetry trace there.
 */
export function pulumiCli(workspace: Pick<EngineWorkspace, "project" | "env">, args: readonly string[], traceDir?: string): string {
  const tracing = traceDir ? ["--otel-traces", `file://${path.join(traceDir, "pulumi.json")}`] : [];
  if (traceDir) fs.mkdirSync(traceDir, { recursive: true });
  return run(
    path.join(workspace.env.ENGINE_BIN_DIR, "pulumi"),
    [...args, "--non-interactive", ...tracing],
    // The span queue (2048 by default) overflows in a long up and drops the spans that end last.
    // PULUMI_DEBUG_COMMANDS: the hidden flags the Automation API uses too (--event-log).
    {
      ...process.env,
      ...workspace.env,
      ...(args[0] === "preview" ? PREVIEW_ENV : {}),
      PULUMI_DEBUG_COMMANDS: "true",
      ...(traceDir ? { OTEL_BSP_MAX_QUEUE_SIZE: "1000000" } : {}),
    },
    undefined,
    workspace.project,
  );
}

export const tempDir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Seconds since `start` (a process.hrtime.bigint()), to a tenth. */
export const secondsSince = (start: bigint) => Math.round(Number(process.hrtime.bigint() - start) / 1e8) / 10;
