import { SpawnSyncReturns, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/**
 * Prometheus's and Alertmanager's own tools (promtool, prometheus, amtool, alertmanager), built from the pinned
 * releases by `bash scripts/engine.sh build-monitoring`, which prints their directory. Tests that run them need
 * MONITORING_BIN_DIR to name it (.ci/run sets it); without it they are skipped, and with it a missing tool fails.
 */
export const MONITORING_TOOLS = ["promtool", "prometheus", "amtool", "alertmanager"] as const;
export type MonitoringTool = (typeof MONITORING_TOOLS)[number];

export function monitoringBinDir(): string | undefined {
  const dir = process.env.MONITORING_BIN_DIR;
  if (!dir) return undefined;
  for (const tool of MONITORING_TOOLS) {
    if (!fs.existsSync(path.join(dir, tool))) throw new Error(`MONITORING_BIN_DIR=${dir} has no ${tool}: run bash scripts/engine.sh build-monitoring`);
  }
  return dir;
}

export function runTool(dir: string, tool: MonitoringTool, args: readonly string[], timeout = 60_000): SpawnSyncReturns<string> {
  return spawnSync(path.join(dir, tool), args, { encoding: "utf8", timeout });
}

/** The tool's output when it failed, for an assertion message. */
export const outputOf = (run: SpawnSyncReturns<string>) => `exit ${run.status}: ${run.stdout}${run.stderr}${run.error ? String(run.error) : ""}`;
