/**
 * Compares the policy verdicts of a `pulumi preview --policy-pack` log with those of `npm run policy --json`
 * on the same stack: one line per violation, `<level> <policy> <type>: <name>`; the engine test
 * (test/engine/engine.test.ts) requires both lists to be equal.
 */

// The CLI's lines: `- [mandatory] [severity: high]  app-tier-min-replicas  (kubernetes:apps/v1:Deployment: user-service)`.
const ENGINE_LINE = /^\s*- \[(\w+)\] \[severity: \w+\]\s+(\S+)\s+\((?:(\S+): ([^)\s]+))?\)/;

export function engineVerdicts(log: string): string[] {
  return log
    .split("\n")
    .map((line) => ENGINE_LINE.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]}${m[3] ? ` ${m[3]}: ${m[4]}` : ""}`)
    .sort();
}

export function runnerVerdicts(json: string): string[] {
  const { violations } = JSON.parse(json) as { violations: { enforcementLevel: string; policy: string; type?: string; name?: string }[] };
  return violations.map((v) => `${v.enforcementLevel} ${v.policy}${v.type ? ` ${v.type}: ${v.name}` : ""}`).sort();
}
