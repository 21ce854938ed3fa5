import * as assert from "node:assert/strict";
import * as path from "node:path";
import { loadPolicyConfig } from "../../tools/policy/config";
import { render } from "../../test/helpers/render";
import { Evaluation, EvaluatedResource, evaluate, fromRecorded } from "../../tools/policy/evaluate";
import { MISSION_POLICIES, POLICIES } from "../src";
import { appTierMinReplicas } from "../src/replicas/app-tier-min-replicas";

/** The dev stack's policy config, as CI runs the pack (per-service minimums from the catalog). */
const DEV_CONFIG = loadPolicyConfig(path.join(__dirname, "..", "config.dev.json"), POLICIES);
const mandatory = (e: Evaluation) => e.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policy}: ${v.message}`);

describe("the policy pack on the rendered dev stack", function () {
  this.timeout(60_000);
  let resources: EvaluatedResource[];
  let evaluation: Evaluation;

  before(async () => {
    resources = fromRecorded((await render()).resources);
    evaluation = await evaluate(POLICIES, resources, DEV_CONFIG);
  });

  it("runs every policy without an error", () => {
    assert.deepEqual(evaluation.errors, []);
  });

  it("passes every mandatory policy", () => {
    assert.deepEqual(mandatory(evaluation), []);
  });

  it("applies every mission policy to something (none is vacuously passed)", () => {
    for (const policy of MISSION_POLICIES) {
      assert.ok(evaluation.policies.find((p) => p.name === policy.name)!.applied > 0, `${policy.name} applied to no resource`);
    }
  });

  it("fails mesh-mtls-strict when the mesh-wide PeerAuthentication is switched to PERMISSIVE", async () => {
    const permissive = resources.map((r) =>
      /security\.istio\.io\/[^:]+:PeerAuthentication$/.test(r.type) && (r.props as any).metadata?.namespace === "istio-system"
        ? { ...r, props: { ...r.props, spec: { ...(r.props as any).spec, mtls: { mode: "PERMISSIVE" } } } }
        : r,
    );
    const result = await evaluate(MISSION_POLICIES, permissive);
    const found = result.violations.filter((v) => v.policy === "mesh-mtls-strict");
    assert.equal(found.length, 1, found.map((v) => v.message).join("\n"));
    assert.match(found[0].message, /PeerAuthentication istio-system\/\S+: spec.mtls.mode is PERMISSIVE/);
  });

  it("fails app-tier-min-replicas naming user-service when it runs 1 replica", async () => {
    const single = fromRecorded((await render({ services: { user_service: { replicas: 1 } } })).resources);
    const result = await evaluate([appTierMinReplicas], single, DEV_CONFIG);
    assert.equal(result.violations.length, 1);
    assert.equal(result.violations[0].enforcementLevel, "mandatory");
    assert.equal(result.violations[0].name, "user-service");
    assert.match(
      result.violations[0].message,
      /Deployment microservices\/user-service is scaled by HorizontalPodAutoscaler microservices\/user-service, whose spec.minReplicas is 1, but user-service needs at least 3/,
    );
  });
});
