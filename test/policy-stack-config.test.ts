import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { SERVICES, kubernetesName } from "../catalog";
import { POLICIES } from "../policies/src";
import { loadPolicyConfig } from "../tools/policy/config";
import { stackPolicyConfigText } from "../tools/policy/stack-policy-config";

// The pack knows no service of its own (it is published alone); what it needs of the catalog reaches it
// through the stack's policy config, which must therefore follow the catalog.
describe("policies/config.<stack>.json follow the catalog", () => {
  for (const environment of ["dev", "prod"] as const) {
    const file = path.join(__dirname, "..", "policies", `config.${environment}.json`);

    it(`config.${environment}.json is what the catalog gives (npm run policy:config rewrites it)`, () => {
      assert.equal(fs.readFileSync(file, "utf8"), stackPolicyConfigText(environment), `run npm run policy:config`);
    });

    it(`config.${environment}.json is valid for the pack and gives every service its catalog minimum`, () => {
      const config = loadPolicyConfig(file, POLICIES) as Record<string, { serviceMinimums?: Record<string, number> }>;
      for (const policy of ["app-tier-min-replicas", "hpa-replica-bounds"]) {
        assert.deepEqual(config[policy].serviceMinimums, Object.fromEntries(SERVICES.map((s) => [kubernetesName(s.config.service_name), s.config.replicas])));
      }
      assert.deepEqual(Object.keys(config).sort(), POLICIES.map((p) => p.name).sort(), "every policy has a level");
    });
  }

  it("the pack's own defaults name no service", () => {
    for (const policy of POLICIES) {
      const text = JSON.stringify(policy.configSchema ?? {});
      for (const { config } of SERVICES) assert.ok(!text.includes(kubernetesName(config.service_name)), `${policy.name} names ${config.service_name}`);
    }
  });
});
