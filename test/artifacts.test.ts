import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PLATFORM_COMPONENTS } from "../catalog";
import { ArtifactTree } from "../components/artifacts/artifact-tree";
import { render, Rendered } from "./helpers/render";
import { comparable } from "./helpers/typed-document";

const SPEC = path.join(__dirname, "fixtures", "spec");
const SPEC_TREE = path.join(SPEC, "microservices_ecosystem");
const STATES = JSON.parse(fs.readFileSync(path.join(SPEC, "architecture_states.json"), "utf8")) as Record<string, unknown>;

function specFiles(dir = SPEC_TREE, prefix = ""): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? specFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

const architecture = (r: Rendered) => JSON.parse(r.artifacts().get("microservices_ecosystem/architecture_config.json")!);

describe("the artifact tree", () => {
  let full: Rendered;
  before(async () => {
    full = await render();
  });

  it("has exactly the spec's 50 files", () => {
    const emitted = [...full.artifacts().keys()].map((p) => p.replace(/^microservices_ecosystem\//, "")).sort();
    assert.deepEqual(emitted, specFiles().sort());
    assert.equal(emitted.length, 50);
  });

  for (const file of specFiles().sort()) {
    it(`emits ${file} as specified`, () => {
      const emitted = full.artifacts().get(`microservices_ecosystem/${file}`);
      assert.ok(emitted !== undefined, `${file} was not emitted`);
      const expected = fs.readFileSync(path.join(SPEC_TREE, file), "utf8");
      assert.deepEqual(comparable(file, emitted), comparable(file, expected));
    });
  }

  it("writes every file under the stack's artifactsDir", () => {
    const roots = new Set(full.ofType(ArtifactTree.TYPE).map((r) => r.inputs.root));
    assert.deepEqual([...roots], [path.resolve("out", "dev")]);
  });
});

describe("architecture_config.json follows what the stack composes", () => {
  const cases: [string, string[]][] = [
    ["33", []],
    ["50", ["kong", "istio"]],
    ["59", ["kong", "istio", "eventstore", "redis", "postgresql"]],
    ["69", ["kong", "istio", "eventstore", "redis", "postgresql", "jaeger", "prometheus"]],
    ["82", [...PLATFORM_COMPONENTS]],
  ];
  for (const [step, components] of cases) {
    it(`services + [${components.join(", ")}] give the state after step ${step}`, async () => {
      const r = await render({ components });
      assert.deepEqual(architecture(r), STATES[step]);
    });
  }

  it("a stack without a component leaves its key out", async () => {
    const r = await render({ components: PLATFORM_COMPONENTS.filter((c) => c !== "jaeger") });
    const config = architecture(r);
    assert.equal(config.tracing, "distributed");
    assert.equal(config.metrics, "prometheus");
    assert.equal(r.artifacts().has("microservices_ecosystem/monitoring/tracing/jaeger_config.yaml"), false);
  });

  it("the registry shows a service's replicas after the stack's override", async () => {
    const r = await render({ services: { email_service: { replicas: 4 } } });
    assert.deepEqual(architecture(r).service_registry.email_service, { port: 8008, replicas: 4, status: "configured" });
  });
});
