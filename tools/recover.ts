import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { KubectlError, deleteHelmRecord, liveCluster } from "./recover/cluster";
import { findOrphanedPlugins } from "./recover/orphaned-plugins";
import { ExportedDeployment, RecoveryPlan, planIsEmpty, recoveredDeployment, recoveryPlan } from "./recover/plan";

// npm run recover: brings a stack back in step with its cluster after an interrupted `pulumi up`
// (README, "When a pulumi up is interrupted"). Without --yes it only prints the plan.

const USAGE = [
  "usage: npm run recover -- [--stack <name>] [--context <kube context>] [--yes]",
  "  --stack <name>      the stack whose `pulumi up` was interrupted (default: the selected stack)",
  "  --context <name>    the kube context of its cluster (default: the stack's microservices-ecosystem:kubeContext, else kubectl's current one)",
  "  --yes               apply the plan: delete Helm's pending release records, adopt the pending creates that exist into the state",
  "                      (`pulumi stack import`), drop the others, then `pulumi refresh` (after `pulumi cancel` when the interrupted",
  "                      run's lock is still held); without it, print the plan only",
  "exit status: 0 done (or plan printed), 1 a step failed or a plugin of the interrupted run still runs, 2 usage error",
].join("\n");

class StepError extends Error {}

function pulumi(stack: string | undefined, args: readonly string[], options: { live?: boolean } = {}): { status: number; stdout: string; stderr: string } {
  const run = spawnSync("pulumi", [...args, ...(stack ? ["--stack", stack] : [])], {
    encoding: "utf8",
    maxBuffer: 256 * 2 ** 20,
    stdio: options.live ? ["ignore", "inherit", "pipe"] : ["ignore", "pipe", "pipe"],
  });
  if (run.error) throw new StepError(`pulumi ${args[0]}: ${run.error.message} (is the Pulumi CLI on the PATH?)`);
  if (options.live && run.stderr) process.stderr.write(run.stderr);
  return { status: run.status ?? 1, stdout: run.stdout ?? "", stderr: run.stderr ?? "" };
}

function kubeContextOf(stack: string | undefined): string | undefined {
  const run = pulumi(stack, ["config", "get", "microservices-ecosystem:kubeContext"]);
  return run.status === 0 && run.stdout.trim() !== "" ? run.stdout.trim() : undefined;
}

function printPlan(plan: RecoveryPlan): void {
  const section = (title: string, lines: readonly string[]) => {
    if (lines.length === 0) return;
    console.log(`${title}:`);
    for (const line of lines) console.log(`  ${line}`);
  };
  section(
    "Helm release records left pending (deleted: an unfinished install is installed again, an unfinished upgrade falls back to the last deployed revision)",
    plan.pendingHelmRecords.map((r) => `${r.namespace}/${r.name} revision ${r.version} ${r.status} (Secret ${r.secret})`),
  );
  section(
    "pending creates whose object exists (adopted into the state with this ID, then read by pulumi refresh)",
    plan.imports.map((i) => `${i.what} as ${i.resource.id}`),
  );
  section(
    "components of pending creates (restored)",
    plan.components.map((c) => `${c.type} ${c.urn.split("::").pop()}`),
  );
  section(
    "pending creates of nothing in the cluster (cleared; the next pulumi up creates them)",
    plan.clears.map((c) => c.what),
  );
  section(
    "pending updates, deletes and reads (pulumi refresh reads them)",
    plan.otherPending.map((o) => `${o.type} ${o.urn}`),
  );
  if (planIsEmpty(plan)) console.log("nothing is pending: pulumi refresh only reads the stack again (and takes back a lock the interrupted run left).");
}

/** Runs a pulumi command that needs the stack's lock; once more after `pulumi cancel` if the interrupted run still holds it. */
function withLock(stack: string | undefined, args: readonly string[], what: string): void {
  let run = pulumi(stack, args, { live: true });
  if (run.status !== 0 && /currently locked/.test(run.stderr)) {
    console.log("the interrupted run's lock is still held: pulumi cancel");
    const cancel = pulumi(stack, ["cancel", "--yes"], { live: true });
    if (cancel.status !== 0) throw new StepError(`pulumi cancel failed: ${cancel.stderr.trim()}`);
    run = pulumi(stack, args, { live: true });
  }
  if (run.status !== 0) throw new StepError(`${what} failed (exit ${run.status})`);
}

/** Writes the recovered deployment and imports it (the file holds ciphertext only, and is removed after). */
function importState(stack: string | undefined, exported: Record<string, unknown>, deployment: ExportedDeployment): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "recover-"));
  const file = path.join(dir, "state.json");
  try {
    fs.writeFileSync(file, JSON.stringify({ ...exported, deployment }), { mode: 0o600 });
    withLock(stack, ["stack", "import", "--file", file], "pulumi stack import");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main(): number {
  let options: { stack?: string; context?: string; yes?: boolean; help?: boolean };
  try {
    ({ values: options } = parseArgs({
      options: { stack: { type: "string" }, context: { type: "string" }, yes: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }) as { values: typeof options });
  } catch (error) {
    console.error(`recover: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (options.stack === "" || options.context === "") {
    console.error(`recover: --stack and --context need a value\n${USAGE}`);
    return 2;
  }
  try {
    const orphans = findOrphanedPlugins();
    if (orphans.length > 0) {
      console.error(
        `recover: plugins of an interrupted pulumi run still run and may still be changing the cluster:\n${orphans.map((p) => `  ${p.pid} ${p.args}`).join("\n")}\nstop them (kill ${orphans.map((p) => p.pid).join(" ")}), then run this again`,
      );
      return 1;
    }
    const exported = pulumi(options.stack, ["stack", "export"]);
    if (exported.status !== 0) throw new StepError(`pulumi stack export failed: ${exported.stderr.trim()}`);
    const state = JSON.parse(exported.stdout) as Record<string, unknown>;
    const deployment = (state.deployment ?? {}) as ExportedDeployment;
    const context = options.context ?? kubeContextOf(options.stack);
    const plan = recoveryPlan(deployment, liveCluster(context));
    printPlan(plan);
    const recovered = recoveredDeployment(deployment, plan);
    if (recovered.dropped.length > 0)
      console.log(`dropped, since the state lacks their parent or provider (the next pulumi up takes them over): ${recovered.dropped.join(", ")}`);
    if (!options.yes) {
      console.log("\nnothing changed: run again with --yes to apply this plan (only once the interrupted run is gone: it may hold the stack's lock).");
      return 0;
    }
    for (const record of plan.pendingHelmRecords) {
      deleteHelmRecord(context, record.namespace, record.secret);
      console.log(`deleted Helm's record ${record.namespace}/${record.secret} (${record.status})`);
    }
    if ((deployment.pending_operations ?? []).some((op) => op.type === "creating")) importState(options.stack, state, recovered.deployment);
    withLock(options.stack, ["refresh", "--yes", "--skip-preview", "--non-interactive"], "pulumi refresh");
    console.log(`\nrecovered: run pulumi up${options.stack ? ` --stack ${options.stack}` : ""} to converge.`);
    return 0;
  } catch (error) {
    if (error instanceof StepError || error instanceof KubectlError) {
      console.error(`recover: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main();
