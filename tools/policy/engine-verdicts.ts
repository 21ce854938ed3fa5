/**
 * Compares the policy verdicts of a `pulumi preview --policy-pack` log with those of `npm run policy --json`
 * on the same stack: one line per violation, `<level> <policy> <type>: <name>`. Prints the difference and
 * exits 1 when they disagree (the engine test, test/engine/engine.test.ts, calls the two functions).
 *
 *   node -r ts-node/register/transpile-only tools/policy/engine-verdicts.ts <preview.log> <policy.json>
 */
import * as fs from "fs";

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

if (require.main === module) {
  const [log, json] = process.argv.slice(2);
  const engine = engineVerdicts(fs.readFileSync(log, "utf8"));
  const runner = runnerVerdicts(fs.readFileSync(json, "utf8"));
  const onlyEngine = engine.filter((v) => !runner.includes(v));
  const onlyRunner = runner.filter((v) => !engine.includes(v));
  if (engine.length === 0 || onlyEngine.length + onlyRunner.length > 0) {
    console.log(`engine: ${engine.length} verdicts, npm run policy: ${runner.length}`);
    for (const v of onlyEngine) console.log(`  only in pulumi preview: ${v}`);
    for (const v of onlyRunner) console.log(`  only in npm run policy: ${v}`);
    process.exit(1);
  }
  console.log(`${engine.length} verdicts, the same in both`);
}
