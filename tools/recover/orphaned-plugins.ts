import { spawnSync } from "child_process";

/**
 * The CLI starts its plugins (language host, providers, policy analyzers) in process groups of their
 * own, so killing the CLI, even with its group, leaves them running: a provider then finishes what it
 * had started (a Helm install, say) with nobody to record it. Recovering while one still runs races it.
 */

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly args: string;
}

const PLUGIN = /(^|\/)pulumi-(resource|language|analyzer|converter)-[\w.-]+(\s|$)/;
const CLI = /^(\S*\/)?pulumi(\s|$)/;

/** `ps -eo pid=,ppid=,args=` output, parsed. */
export function parsePs(text: string): ProcessInfo[] {
  return text
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] }));
}

/** Plugin processes no running `pulumi` CLI is an ancestor of. */
export function orphanedPlugins(processes: readonly ProcessInfo[]): ProcessInfo[] {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const underCli = (p: ProcessInfo): boolean => {
    const seen = new Set<number>();
    for (let parent = byPid.get(p.ppid); parent && !seen.has(parent.pid); parent = byPid.get(parent.ppid)) {
      if (CLI.test(parent.args)) return true;
      seen.add(parent.pid);
    }
    return false;
  };
  // The first two words: a plugin may run under a shell wrapper (`/bin/sh …/pulumi-resource-pulumi-nodejs`).
  const isPlugin = (p: ProcessInfo) => PLUGIN.test(p.args.split(/\s+/).slice(0, 2).join(" "));
  return processes.filter((p) => isPlugin(p) && !underCli(p));
}

/** This machine's orphaned plugin processes (none when `ps` is unavailable). */
export function findOrphanedPlugins(): ProcessInfo[] {
  const ps = spawnSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" });
  return ps.status === 0 ? orphanedPlugins(parsePs(ps.stdout)) : [];
}
