import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { UNKNOWN_VALUE, evaluate } from "../../tools/policy/evaluate";
import { pdbAllowsDisruption } from "../src/replicas/pdb-allows-disruption";
import { T, compliantStack, mutate } from "./fixtures";

// During a preview, values a provider computes are unknown. A stack policy that reads one must skip that
// resource only, and keep enforcing on the others.
describe("unknown values during a preview, per resource", () => {
  const unknownLabels = () =>
    mutate(compliantStack(), T.deployment, "user-service", (d) => {
      d.spec.template.metadata.labels.app = UNKNOWN_VALUE;
    });

  it("a stack policy skips the resource whose unknown value it reads, and still reports the others' defects at their level", async () => {
    const stack = unknownLabels().filter((r) => !(r.type === T.pdb && r.name === "order-service"));
    const evaluation = await evaluate([pdbAllowsDisruption], stack);
    assert.deepEqual(evaluation.errors, []);
    assert.equal(evaluation.violations.length, 1, evaluation.violations.map((v) => v.message).join("\n"));
    assert.equal(evaluation.violations[0].enforcementLevel, "mandatory");
    assert.match(evaluation.violations[0].message, /Deployment microservices\/order-service runs at least 5 replicas but no PodDisruptionBudget/);
  });

  it("reports nothing for the skipped resource itself, and nothing when the rest is compliant", async () => {
    const evaluation = await evaluate([pdbAllowsDisruption], unknownLabels());
    assert.deepEqual(evaluation.violations, []);
  });

  it("npm run policy -- --preview renders as a preview does and lists the values left unknown", function () {
    this.timeout(120_000);
    const run = spawnSync("npm", ["run", "-s", "policy", "--", "--stack", "dev", "--preview", "--json"], {
      cwd: path.join(__dirname, "..", ".."),
      encoding: "utf8",
      // The JSON report lists every policy's not-applicable resources: about a megabyte.
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.preview, true);
    // Istio's Helm releases are charts whose values the pack reads: none is named as uninspected.
    const releases = (result.policies as { name: string; applied: number }[]).filter((p) => /^(istio-release-replicas|helm-release-contents)$/.test(p.name));
    assert.deepEqual(releases, [
      { name: "istio-release-replicas", enforcementLevel: "mandatory", kind: "resource", applied: 2 },
      { name: "helm-release-contents", enforcementLevel: "advisory", kind: "resource", applied: 0 },
    ]);
    const unknown = (result.unknownValues as { resource: string; path: string }[]).map((u) => `${u.resource}: ${u.path}`);
    // The dev stack builds the service runtime: its digest is known only once pushed.
    assert.ok(unknown.includes("Deployment microservices/user-service: spec.template.spec.containers[0].image"), unknown.join("\n"));
    const mandatory = (result.violations as { enforcementLevel: string; message: string }[]).filter((v) => v.enforcementLevel === "mandatory");
    assert.deepEqual(mandatory, []);
    // Stack policies keep running: none of them is reported as unable to run during preview.
    const stackPolicies = ["pdb-allows-disruption", "mesh-mtls-strict", "circuit-breaker-coverage", "service-selects-pods"];
    for (const v of result.violations as { policy: string; message: string }[]) {
      assert.ok(!(stackPolicies.includes(v.policy) && /can't run policy/.test(v.message)), v.message);
    }
  });
});
