import { strict as assert } from "assert";
import { Evaluation } from "../tools/policy/evaluate";
import { formatReport } from "../tools/policy/report";

/** The summary line `npm run policy` prints for one policy. */
function summaryOf(evaluation: Evaluation, policy: string): string {
  const report = formatReport("pack", "1.0.0", evaluation, { stack: "dev", source: "policies" });
  const line = report.split("\n").find((l) => l.trim().split(/\s+/)[1] === policy);
  assert.ok(line, `no summary line for ${policy} in:\n${report}`);
  return line.replace(/\s+/g, " ").trim();
}

describe("tools/policy/report: why a policy that checked nothing checked nothing", () => {
  const evaluation = (notApplicable: Evaluation["notApplicable"], kind: "resource" | "stack" = "resource"): Evaluation => ({
    violations: [],
    errors: [],
    notApplicable,
    policies: [{ name: "p", enforcementLevel: "advisory", kind, applied: 0 }],
  });

  it("a resource policy whose type filter skipped everything checks no resource", () => {
    assert.equal(
      summaryOf(evaluation([{ policy: "p", urn: "u1", reason: "p does not apply to kubernetes:core/v1:Service" }]), "p"),
      "✓ p advisory not applicable (no resource it checks)",
    );
  });

  it("a resource policy that skipped resources of its type gives its own reason, with how many", () => {
    const own = [
      { policy: "p", urn: "u1", reason: "p does not apply to kubernetes:core/v1:Service" },
      { policy: "p", urn: "u2", reason: "release a is one of Istio's charts" },
      { policy: "p", urn: "u3", reason: "release b is one of Istio's charts" },
      { policy: "other", urn: "u4", reason: "not p's" },
    ];
    assert.equal(summaryOf(evaluation(own.slice(0, 2)), "p"), "✓ p advisory not applicable (release a is one of Istio's charts)");
    assert.equal(summaryOf(evaluation(own), "p"), "✓ p advisory not applicable (2 resources; the first: release a is one of Istio's charts)");
  });

  it("a stack policy gives the reason it returned", () => {
    assert.equal(
      summaryOf(evaluation([{ policy: "p", reason: "no Kong in this stack" }], "stack"), "p"),
      "✓ p advisory not applicable (no Kong in this stack)",
    );
  });
});
