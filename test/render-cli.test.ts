import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { manifestPath, manifestYaml, writeRender } from "../tools/render/render-output";
import { parse } from "yaml";

const ROOT = path.join(__dirname, "..");

function renderCli(...args: string[]) {
  return spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/render.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("npm run render", () => {
  let out: string;
  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "render-"));
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it("writes the tree, one manifest per object and resources.json, and prints a summary", () => {
    const run = renderCli("--stack", "dev", "--out", out);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Rendered stack "dev" in \d+ ms/);
    assert.match(run.stdout, /footprint: [\d.]+ CPU, [\d.]+ GiB requested by \d+ pods/);
    const files = fs.readdirSync(path.join(out, "microservices_ecosystem"), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    assert.equal(files.length, 50);
    const deployment = parse(fs.readFileSync(path.join(out, "manifests", "1-manifest", "apps_v1-deployment-microservices-order-service.yaml"), "utf8"));
    assert.equal(deployment.spec.replicas, undefined, "its HPA owns the count");
    const hpa = parse(
      fs.readFileSync(path.join(out, "manifests", "1-manifest", "autoscaling_v2-horizontalpodautoscaler-microservices-order-service.yaml"), "utf8"),
    );
    assert.equal(hpa.spec.minReplicas, 5);
    const namespace = parse(fs.readFileSync(path.join(out, "manifests", "1-manifest", "v1-namespace-default-microservices.yaml"), "utf8"));
    assert.equal(namespace.metadata.name, "microservices");
    const listing = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as { type: string; name: string; props: Record<string, unknown> }[];
    const service = listing.find((r) => r.type === "microservices:ecosystem:MicroService" && r.name === "user-service");
    assert.ok(service);
    assert.ok(listing.every((r) => !("__provider" in r.props)));
  });

  it("rejects an unknown flag with the usage and exit code 2", () => {
    const run = renderCli("--stak", "dev");
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^render: Unknown option '--stak'/);
    assert.match(run.stderr, /usage: npm run render -- \[--stack <name>\] \[--out <dir>\]/);
  });

  it("names a missing stack and exits 1", () => {
    const run = renderCli("--stack", "staging", "--out", out);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /render: no stack "staging": .*Pulumi\.staging\.yaml does not exist \(stacks: ci, dev, kwok, prod\)/);
  });
});

describe("manifest layout", () => {
  it("names files as renderYamlToDirectory does", () => {
    const object = { apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata: { name: "user-service", namespace: "microservices" } };
    assert.equal(manifestPath(object), path.join("1-manifest", "networking.istio.io_v1-destinationrule-microservices-user-service.yaml"));
    const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "foos.example.com" } };
    assert.equal(manifestPath(crd), path.join("0-crd", "apiextensions.k8s.io_v1-customresourcedefinition-default-foos.example.com.yaml"));
  });

  it("writes keys in go-yaml's order, sequences unindented", () => {
    const text = manifestYaml({
      kind: "ConfigMap",
      apiVersion: "v1",
      metadata: { name: "x", labels: { a10: "1", a9: "2", B: "3" } },
      data: { list: "[]" },
    } as never);
    assert.equal(text, 'apiVersion: v1\ndata:\n  list: "[]"\nkind: ConfigMap\nmetadata:\n  labels:\n    B: "3"\n    a9: "2"\n    a10: "1"\n  name: x\n');
  });

  it("refuses two objects on one manifest path before touching the previous render", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "render-collision-"));
    try {
      const previous = path.join(out, "manifests", "1-manifest", "previous.yaml");
      fs.mkdirSync(path.dirname(previous), { recursive: true });
      fs.writeFileSync(previous, "kept\n");
      const configMap = (name: string) => ({
        type: "kubernetes:core/v1:ConfigMap",
        name,
        urn: `urn:${name}`,
        custom: true,
        inputs: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "istio-system" } },
        aliases: [],
        protect: false,
        retainOnDelete: false,
      });
      assert.throws(() => writeRender(out, [configMap("mesh-settings"), configMap("service-settings")]), {
        message: `two resources render to ${path.join(out, "manifests", "1-manifest", "v1-configmap-istio-system-settings.yaml")}: kubernetes:core/v1:ConfigMap "mesh-settings" and kubernetes:core/v1:ConfigMap "service-settings"; nothing was written`,
      });
      assert.equal(fs.readFileSync(previous, "utf8"), "kept\n");
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
