import { strict as assert } from "assert";
import { Stack } from "@pulumi/pulumi/automation";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { engineVerdicts, runnerVerdicts } from "../../tools/policy/engine-verdicts";
import { filesUnder } from "../helpers/files";
import { CONFIG_NAMESPACE, EngineWorkspace, POLICIES, ROOT, engineDir, engineStack, engineWorkspace, tempDir } from "./workspace";

// npm run test:engine: the program under the real Pulumi CLI and the upstream Kubernetes provider, offline, on the
// stack `ci`, whose provider writes YAML (renderYamlToDirectory), checked against the offline render. Steps build
// on each other: a step whose predecessor failed fails too (never skipped), so the summary counts every step.

const STACK = "ci";
const VIOLATING_STACK = `${STACK}-violation`;
/** A config (`--path` key, value) that violates a mandatory policy, and that policy. */
const VIOLATION = { key: "services.user_service.replicas", value: "1", policy: "app-tier-min-replicas" };
const POLICY_CONFIG = path.join(POLICIES, `config.${STACK}.json`);
const COMPARE = path.join(__dirname, "compare.js");

function npm(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync("npm", ["run", "-s", ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 2 ** 20 });
}

describe(`engine test: the real Pulumi CLI and Kubernetes provider on stack ${STACK} (YAML, no cluster)`, function () {
  this.timeout(1_200_000);
  const done = new Set<number>();
  const requireStep = (step: number) => assert.ok(done.has(step), `step ${step} did not pass`);
  let work: string;
  let workspace: EngineWorkspace;
  let stack: Stack;
  let manifests: string;
  let artifacts: string;
  let render: string;
  const policyOptions = () => ({ policyPacks: [POLICIES], ...(fs.existsSync(POLICY_CONFIG) ? { policyPackConfigs: [POLICY_CONFIG] } : {}) });
  let violationLog = "";

  before(async () => {
    engineDir("build");
    work = tempDir("engine-test-");
    manifests = path.join(work, "engine-manifests");
    artifacts = path.join(work, "engine-artifacts");
    render = path.join(work, "render");
    workspace = await engineWorkspace(work, [STACK]);
    stack = await engineStack(workspace, STACK, { renderYamlToDirectory: manifests, artifactsDir: artifacts });
  });

  after(() => {
    if (process.env.ENGINE_TEST_KEEP === "1") console.log(`engine test: scratch directory kept: ${work}`);
    else if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("0. the CLI is @pulumi/pulumi's release and the provider plugin @pulumi/kubernetes's version", async () => {
    const sdk = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/pulumi/package.json"), "utf8")).version;
    const cli = spawnSync(path.join(workspace.env.ENGINE_BIN_DIR, "pulumi"), ["version"], { encoding: "utf8", env: { ...process.env, ...workspace.env } });
    assert.equal(cli.stdout.trim(), `v${sdk}`);
    const kubernetes = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/kubernetes/package.json"), "utf8")).version;
    const plugins = await stack.workspace.listPlugins();
    assert.deepEqual(
      plugins.filter((p) => p.name === "kubernetes" && p.kind === "resource").map((p) => p.version),
      [kubernetes],
    );
    done.add(0);
  });

  it("1. pulumi preview succeeds and writes nothing", async () => {
    requireStep(0);
    const result = await stack.preview();
    assert.ok((result.changeSummary.create ?? 0) > 200, `preview plans ${result.changeSummary.create} creates`);
    assert.deepEqual([...filesUnder(manifests), ...filesUnder(artifacts)], []);
    done.add(1);
  });

  it("2. pulumi up writes the manifests and the artifact tree", async () => {
    requireStep(1);
    const result = await stack.up();
    assert.equal(result.summary.result, "succeeded");
    // The program exports a promise (it yields while the provider starts): the stack's outputs are its value.
    assert.equal(result.outputs.namespace?.value, "microservices");
    assert.equal(Object.keys(result.outputs.services?.value ?? {}).length, 8);
    assert.ok(filesUnder(manifests).length > 100, `${filesUnder(manifests).length} manifests written`);
    assert.equal(filesUnder(path.join(artifacts, "microservices_ecosystem")).length, 50);
    done.add(2);
  });

  it(`3. the manifests equal the offline render's (npm run render -- --stack ${STACK})`, () => {
    requireStep(2);
    const rendered = npm(["render", "--", "--stack", STACK, "--out", render]);
    assert.equal(rendered.status, 0, rendered.stderr);
    const compared = spawnSync("node", [COMPARE, "manifests", path.join(render, "manifests"), manifests], { encoding: "utf8" });
    assert.equal(compared.status, 0, compared.stdout + compared.stderr);
    done.add(3);
  });

  it("4. the artifact tree equals the offline render's, byte for byte", () => {
    requireStep(3);
    const tree = (dir: string) => path.join(dir, "microservices_ecosystem");
    const compared = spawnSync("node", [COMPARE, "tree", tree(render), tree(artifacts)], { encoding: "utf8" });
    assert.equal(compared.status, 0, compared.stdout + compared.stderr);
    done.add(4);
  });

  it("5. a second pulumi preview shows no changes (--expect-no-changes)", async () => {
    requireStep(2);
    await stack.preview({ expectNoChanges: true });
    done.add(5);
  });

  it(`6. pulumi preview --policy-pack policies passes on ${STACK}`, async () => {
    requireStep(2);
    await stack.preview(policyOptions());
    done.add(6);
  });

  it(`7. pulumi preview --policy-pack fails on a stack with ${VIOLATION.key}=${VIOLATION.value}, naming ${VIOLATION.policy}`, async () => {
    requireStep(6);
    fs.copyFileSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), path.join(workspace.project, `Pulumi.${VIOLATING_STACK}.yaml`));
    const violating = await engineStack(workspace, VIOLATING_STACK, {
      renderYamlToDirectory: path.join(work, "violation-manifests"),
      artifactsDir: path.join(work, "violation-artifacts"),
    });
    await violating.setConfig(`${CONFIG_NAMESPACE}:${VIOLATION.key}`, { value: VIOLATION.value }, true);
    await assert.rejects(violating.preview({ ...policyOptions(), onOutput: (out) => (violationLog += out) }));
    assert.match(violationLog, new RegExp(`\\[mandatory\\].*${VIOLATION.policy}`));
    done.add(7);
  });

  it("8. npm run policy gives the same verdicts (level, policy, resource) as that failing preview", () => {
    requireStep(7);
    const [top, ...rest] = VIOLATION.key.split(".");
    const value = rest.reduceRight<unknown>((inner, key) => ({ [key]: inner }), Number(VIOLATION.value));
    const config = fs.existsSync(POLICY_CONFIG) ? ["--config", POLICY_CONFIG] : [];
    const runner = npm(["policy", "--", "--stack", STACK, "--set", `${top}=${JSON.stringify(value)}`, ...config, "--json"]);
    assert.ok(runner.stdout.trim().length > 0, runner.stderr);
    const engine = engineVerdicts(violationLog);
    assert.ok(engine.length > 0, "the failing preview printed verdicts");
    assert.deepEqual(runnerVerdicts(runner.stdout), engine);
    done.add(8);
  });

  it("9. pulumi destroy removes every manifest and artifact file", async () => {
    requireStep(2);
    await stack.destroy();
    assert.deepEqual([...filesUnder(manifests), ...filesUnder(artifacts)], []);
    done.add(9);
  });
});
