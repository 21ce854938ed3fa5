import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { HYGIENE_POLICIES, MISSION_POLICIES, POLICIES } from "../src";
import { withDefaults } from "../src/lib/config";
import { PolicyConfigError, checkPolicyConfig, loadPolicyConfig } from "../../tools/policy/config";
import { blocksDeployment, enforcementLevelOf, evaluate } from "../../tools/policy/evaluate";
import { T, compliantStack, deployment, resource } from "./fixtures";
import { pinnedImageTags } from "../src/hygiene/pinned-image-tags";

const ROOT = path.resolve(__dirname, "..", "..");

describe("the policy pack", () => {
  it("index.ts only constructs the PolicyPack from the policy modules", () => {
    const source = fs.readFileSync(path.join(ROOT, "policies", "index.ts"), "utf8");
    assert.equal(source.match(/new PolicyPack\(/g)?.length, 1);
    assert.doesNotMatch(source, /validateResource|validateStack|reportViolation/);
    assert.match(fs.readFileSync(path.join(ROOT, "policies", "PulumiPolicy.yaml"), "utf8"), /^runtime:\n {2}name: nodejs$/m);
  });

  it("every policy has a unique name, a one-sentence description, a level, a severity and config defaults", () => {
    assert.equal(new Set(POLICIES.map((p) => p.name)).size, POLICIES.length);
    for (const policy of POLICIES) {
      assert.match(policy.name, /^[a-z0-9-]+$/);
      assert.match(policy.description, /^[A-Z][^\n]*\.$/, policy.name);
      assert.equal(policy.description.split(/\.\s/).length, 1, `${policy.name}: one sentence`);
      assert.ok(policy.enforcementLevel && policy.severity, policy.name);
      const properties = Object.entries(policy.configSchema?.properties ?? {});
      assert.ok(properties.length > 0, `${policy.name} has a configSchema`);
      for (const [key, schema] of properties) assert.notEqual((schema as { default?: unknown }).default, undefined, `${policy.name}.${key} has a default`);
    }
  });

  it("the README's table lists every policy once, in the pack's order, with its level, severity and the rule it mirrors", () => {
    const rows = fs
      .readFileSync(path.join(ROOT, "policies", "README.md"), "utf8")
      .split("\n")
      .filter((line) => /^\| `[a-z0-9-]+` \|/.test(line))
      .map((line) => line.split(" | ").map((cell) => cell.replace(/^\| |\|$/g, "").trim()));
    assert.deepEqual(
      rows.map((cells) => [cells[0], cells[2], cells[3]]),
      POLICIES.map((p) => [`\`${p.name}\``, p.enforcementLevel, p.severity]),
    );
    for (const cells of rows) assert.ok(cells.length === 6 && cells[5].length > 0, `${cells[0]} names the rule it mirrors`);
  });

  it("the mission's policies are mandatory, the others advisory", () => {
    assert.deepEqual(
      MISSION_POLICIES.map((p) => p.enforcementLevel),
      MISSION_POLICIES.map(() => "mandatory"),
    );
    assert.deepEqual(
      HYGIENE_POLICIES.map((p) => p.enforcementLevel),
      HYGIENE_POLICIES.map(() => "advisory"),
    );
  });

  it("every policy passes the compliant fixture stack", async () => {
    const evaluation = await evaluate(POLICIES, compliantStack());
    assert.deepEqual(evaluation.errors, []);
    assert.deepEqual(
      evaluation.violations.map((v) => `${v.policy}: ${v.message}`),
      [],
    );
  });

  it("policies/config.dev.json is a valid config of this pack", () => {
    const config = loadPolicyConfig(path.join(ROOT, "policies", "config.dev.json"), POLICIES);
    assert.ok(Object.keys(config).length > 0);
  });
});

describe("engine semantics (tools/policy/evaluate)", () => {
  const throwing: ResourceValidationPolicy = {
    name: "t-resource",
    description: "Test.",
    enforcementLevel: "mandatory",
    validateResource: [
      () => {
        throw new Error("boom");
      },
      (args, report) => {
        if (args.type === T.deployment) report("second function still runs");
      },
      (args) => args.notApplicable("third is not applicable"),
    ],
  };
  const stackThrows: StackValidationPolicy = {
    name: "t-stack",
    description: "Test.",
    validateStack: () => {
      throw new TypeError("bad");
    },
  };
  const stackOk: StackValidationPolicy = {
    name: "t-after",
    description: "Test.",
    enforcementLevel: "advisory",
    validateStack: (args, report) => report(`saw ${args.resources.length} resources, parent ${args.resources[1].parent?.name}`, args.resources[1].urn),
  };
  const resources = [
    resource("microservices:ecosystem:MicroService", {}, "user-service"),
    { ...resource(T.deployment, deployment()), parent: "urn:pulumi:test::microservices-ecosystem::microservices:ecosystem:MicroService::user-service" },
  ];

  it("runs each validateResource function in its own try/catch: an exception is an error of that policy, not a crash", async () => {
    const evaluation = await evaluate([throwing, stackThrows, stackOk], resources);
    assert.equal(evaluation.errors.filter((e) => e.policy === "t-resource").length, 2, "one per resource");
    assert.match(evaluation.errors[0].message, /Error: boom/);
    assert.deepEqual(
      evaluation.violations.map((v) => v.message),
      ["second function still runs", "saw 2 resources, parent user-service"],
    );
    assert.match(evaluation.errors.find((e) => e.policy === "t-stack")!.message, /TypeError: bad/);
    assert.ok(blocksDeployment(evaluation));
  });

  it("records notApplicable without failing", async () => {
    const na: ResourceValidationPolicy = {
      name: "t-na",
      description: "Test.",
      enforcementLevel: "mandatory",
      validateResource: (args) => args.notApplicable("never"),
    };
    const evaluation = await evaluate([na], resources);
    assert.equal(evaluation.notApplicable.length, 2);
    assert.deepEqual(evaluation.violations, []);
    assert.deepEqual(evaluation.errors, []);
    assert.equal(blocksDeployment(evaluation), false);
    assert.equal(evaluation.policies[0].applied, 0);
  });

  it("takes the enforcement level from the config entry, then all, then the policy", async () => {
    const [probes] = HYGIENE_POLICIES;
    assert.equal(enforcementLevelOf(probes), "advisory");
    assert.equal(enforcementLevelOf(probes, { all: "mandatory" }), "mandatory");
    assert.equal(enforcementLevelOf(probes, { all: "mandatory", [probes.name]: { enforcementLevel: "advisory" } }), "advisory");
    assert.equal(enforcementLevelOf(probes, { [probes.name]: "disabled" }), "disabled");
    const noProbes = deployment();
    delete noProbes.spec.template.spec.containers[0].livenessProbe;
    const raised = await evaluate([probes], [resource(T.deployment, noProbes)], { [probes.name]: "mandatory" });
    assert.equal(raised.violations[0].enforcementLevel, "mandatory");
    assert.ok(blocksDeployment(raised));
    const disabled = await evaluate([probes], [resource(T.deployment, noProbes)], { [probes.name]: "disabled" });
    assert.deepEqual(disabled.policies, []);
  });

  it("getConfig() gives no defaults (as outside the engine); policies apply them in code", async () => {
    let seen: object | undefined;
    const spy: StackValidationPolicy = {
      name: "t-config",
      description: "Test.",
      validateStack: (args) => {
        seen = args.getConfig();
      },
    };
    await evaluate([spy], resources, { "t-config": { enforcementLevel: "mandatory", threshold: 3 } });
    assert.deepEqual(seen, { threshold: 3 });
    const schema = { properties: { a: { type: "integer" as const, default: 2 }, b: { type: "array" as const, default: ["x"] } } };
    assert.deepEqual(withDefaults(schema, {}), { a: 2, b: ["x"] });
    assert.deepEqual(withDefaults(schema, { a: 5, enforcementLevel: "advisory" }), { a: 5, b: ["x"] });
  });

  it("reads props through the engine's unknown-checking proxy: an unknown value is an advisory 'can't run during preview'", async () => {
    const pinned = pinnedImageTags;
    const d = deployment();
    d.spec.template.spec.containers[0].image = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; // the engine's unknown string
    const evaluation = await evaluate([pinned], [resource(T.deployment, d)], { [pinned.name]: "mandatory" });
    assert.equal(evaluation.violations.length, 1);
    assert.equal(evaluation.violations[0].enforcementLevel, "advisory");
    assert.match(evaluation.violations[0].message, /can't run policy 'pinned-image-tags' during preview/);
    assert.equal(blocksDeployment(evaluation), false);
  });

  it("unwraps secrets in props as the engine deserializes them", async () => {
    let value: unknown;
    const spy: ResourceValidationPolicy = {
      name: "t-secret",
      description: "Test.",
      validateResource: (args) => {
        value = args.props.data?.password;
      },
    };
    const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "s3cret" };
    await evaluate([spy], [resource("kubernetes:core/v1:Secret", { kind: "Secret", metadata: { name: "db" }, data: { password: secret } })]);
    assert.equal(value, "s3cret");
  });
});

describe("policy config validation", () => {
  it("accepts levels and known settings", () => {
    checkPolicyConfig({ all: "advisory", "app-tier-min-replicas": { enforcementLevel: "mandatory", minReplicas: 3 } }, POLICIES);
  });
  for (const [what, config, pattern] of [
    ["an unknown policy", { "no-such-policy": "mandatory" }, /"no-such-policy" is not a policy of the pack/],
    ["an unknown level", { "app-tier-min-replicas": "strict" }, /use one of advisory, mandatory, remediate, disabled/],
    ["an unknown setting", { "app-tier-min-replicas": { minReplica: 3 } }, /has an unknown setting "minReplica"/],
    ["a wrong type", { "app-tier-min-replicas": { minReplicas: "3" } }, /app-tier-min-replicas.minReplicas must be integer/],
  ] as const) {
    it(`rejects ${what} in one line`, () => {
      assert.throws(
        () => checkPolicyConfig(config, POLICIES),
        (e: Error) => e instanceof PolicyConfigError && pattern.test(e.message) && !e.message.includes("\n"),
      );
    });
  }
});

describe("npm run policy (argument errors, before any render)", () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "tools", "policy.ts"), ...args], { cwd: ROOT, encoding: "utf8" });

  it("prints the usage and exits 2 on an unknown flag", () => {
    const result = run("--stak", "dev");
    assert.equal(result.status, 2);
    assert.match(result.stderr, /Unknown option '--stak'/);
    assert.match(result.stderr, /usage: npm run policy -- \[--stack <name>\]/);
  });

  it("exits 2 naming the key of a bad config file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-"));
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(file, JSON.stringify({ "mesh-mtls-strict": { requireMesh: "yes" } }));
    const result = run("--config", file);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /mesh-mtls-strict.requireMesh must be boolean/);
  });
});
