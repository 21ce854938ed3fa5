import { strict as assert } from "assert";
import { engineVerdicts, runnerVerdicts } from "../tools/policy/engine-verdicts";

describe("tools/policy/engine-verdicts (the engine test's comparison of pulumi preview and npm run policy)", () => {
  const log = [
    "Policies:",
    "    ❌ microservices-ecosystem@v0.1.0 (local: policies)",
    "        - [mandatory] [severity: high]  app-tier-min-replicas  (kubernetes:apps/v1:Deployment: user-service)",
    "          App-tier Deployments and StatefulSets run at least the global minimum of replicas.",
    "        - [advisory] [severity: medium]  workload-spread  (kubernetes:apps/v1:Deployment: order-service-v2)",
  ].join("\n");

  it("reads level, policy and resource off the CLI's lines", () => {
    assert.deepEqual(engineVerdicts(log), [
      "advisory workload-spread kubernetes:apps/v1:Deployment: order-service-v2",
      "mandatory app-tier-min-replicas kubernetes:apps/v1:Deployment: user-service",
    ]);
  });

  it("reads the same form off npm run policy --json, so equal verdicts compare equal", () => {
    const json = JSON.stringify({
      violations: [
        { enforcementLevel: "mandatory", policy: "app-tier-min-replicas", type: "kubernetes:apps/v1:Deployment", name: "user-service" },
        { enforcementLevel: "advisory", policy: "workload-spread", type: "kubernetes:apps/v1:Deployment", name: "order-service-v2" },
      ],
    });
    assert.deepEqual(runnerVerdicts(json), engineVerdicts(log));
    assert.notDeepEqual(runnerVerdicts(JSON.stringify({ violations: [] })), engineVerdicts(log));
  });
});
