import { typeNotChecked } from "../../policies/src/lib/policy";
import { Evaluation, Violation } from "./evaluate";

const resourceLabel = (v: { urn?: string; type?: string; name?: string }): string =>
  v.urn ? `${v.type ?? v.urn.split("::")[2] ?? "resource"}: ${v.name ?? v.urn.split("::").pop()}` : "stack";

/**
 * Why a policy checked nothing: a stack policy's own reason; for a resource policy, the reason its
 * body gave for the resources of its type (the type filter's own "does not apply" is no news).
 */
function notApplicableReason(p: Evaluation["policies"][number], evaluation: Evaluation): string {
  const reasons = evaluation.notApplicable.filter((n) => n.policy === p.name);
  if (p.kind === "stack") return reasons[0]?.reason ?? "";
  const own = reasons.filter((n) => !n.reason.startsWith(typeNotChecked(p.name, "")));
  if (own.length === 0) return "no resource it checks";
  return own.length === 1 ? own[0].reason : `${own.length} resources; the first: ${own[0].reason}`;
}

const ORDER = { mandatory: 0, remediate: 0, advisory: 1, disabled: 2 } as const;

/**
 * The report, grouped as `pulumi preview --policy-pack` prints it: the pack, then per violation
 * `- [level] [severity] policy (type: name)`, the policy's description and the one-line message;
 * then errors and a summary per policy.
 */
export function formatReport(pack: string, version: string, evaluation: Evaluation, options: { stack: string; source: string }): string {
  const lines: string[] = [];
  const blocked = evaluation.errors.length > 0 || evaluation.violations.some((v) => v.enforcementLevel === "mandatory");
  lines.push(`Policies (stack ${options.stack}):`);
  lines.push(`    ${blocked ? "❌" : evaluation.violations.length ? "⚠️ " : "✅"} ${pack}@v${version} (local: ${options.source})`);
  const sorted = [...evaluation.violations].sort((a, b) => ORDER[a.enforcementLevel] - ORDER[b.enforcementLevel] || a.policy.localeCompare(b.policy));
  const byPolicy = new Map<string, Violation[]>();
  for (const v of sorted) byPolicy.set(v.policy, [...(byPolicy.get(v.policy) ?? []), v]);
  for (const [policy, violations] of byPolicy) {
    const first = violations[0];
    lines.push(
      `        - [${first.enforcementLevel}] ${first.severity ? `[severity: ${first.severity}]  ` : " "}${policy}  (${violations.length} violation${violations.length === 1 ? "" : "s"})`,
    );
    lines.push(`          ${first.description}`);
    for (const v of violations) lines.push(`          • (${resourceLabel(v)}) ${v.message}`);
  }
  for (const e of evaluation.errors) {
    lines.push(`        - [error] ${e.policy}  (${e.urn ? e.urn.split("::").slice(-2).join(": ") : "stack"})`);
    lines.push(`          the policy threw: ${e.message}`);
  }
  lines.push("");
  lines.push("Summary:");
  for (const p of evaluation.policies) {
    const count = evaluation.violations.filter((v) => v.policy === p.name).length;
    const errors = evaluation.errors.filter((e) => e.policy === p.name).length;
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
    let status: string;
    if (errors) status = plural(errors, "error");
    else if (count) status = plural(count, "violation");
    else if (p.applied === 0) {
      status = `not applicable (${notApplicableReason(p, evaluation)})`;
    } else status = p.kind === "resource" ? `passed (${plural(p.applied, "resource")})` : "passed";
    const mark = errors || (count && p.enforcementLevel === "mandatory") ? "✗" : count ? "!" : "✓";
    lines.push(`    ${mark} ${p.name.padEnd(34)} ${p.enforcementLevel.padEnd(9)} ${status}`);
  }
  const mandatory = evaluation.violations.filter((v) => v.enforcementLevel === "mandatory").length;
  const advisory = evaluation.violations.filter((v) => v.enforcementLevel === "advisory").length;
  lines.push("");
  lines.push(
    `${mandatory} mandatory violation${mandatory === 1 ? "" : "s"}, ${advisory} advisory, ${evaluation.errors.length} policy error${evaluation.errors.length === 1 ? "" : "s"}: ${blocked ? "the deployment would be BLOCKED" : "the deployment may proceed"}.`,
  );
  return lines.join("\n");
}
