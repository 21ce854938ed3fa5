import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { MESH } from "../catalog";
import { chartsFolderOverrides, render } from "./helpers/render";

// The versions the engine builds and the program asks for must agree, or the CLI looks for a plugin
// (or a chart) that is not there.
const ROOT = path.join(__dirname, "..");
const read = (...p: string[]) => fs.readFileSync(path.join(ROOT, ...p), "utf8");

describe("engine pins agree with the program's", () => {
  it("the Kubernetes provider plugin is the version of the @pulumi/kubernetes SDK in package.json and the lockfile", () => {
    const plugin = read("engine/kubernetes-provider/VERSION").trim();
    assert.equal(JSON.parse(read("package.json")).dependencies["@pulumi/kubernetes"], plugin);
    assert.equal(JSON.parse(read("package-lock.json")).packages["node_modules/@pulumi/kubernetes"].version, plugin);
  });

  it("the Helm CLI of the bench's baseline is the Helm library the provider's Release runs", () => {
    const helm = (goMod: string) => /helm\.sh\/helm\/v3 (v\d+\.\d+\.\d+)\b/.exec(read(goMod))?.[1];
    assert.match(helm("engine/kubernetes-provider/go.mod") ?? "", /^v3\./);
    assert.equal(helm("engine/helm/go.mod"), helm("engine/kubernetes-provider/go.mod"));
  });

  it("the Pulumi CLI the engine builds is the version of @pulumi/pulumi the program and the policy pack run", () => {
    const goMod = read("engine/go.mod");
    const sdk = /github\.com\/pulumi\/pulumi\/sdk\/v3 v(\d+\.\d+\.\d+)\b/.exec(goMod)?.[1];
    const pkg = /github\.com\/pulumi\/pulumi\/pkg\/v3 v(\d+\.\d+\.\d+)\b/.exec(goMod)?.[1];
    assert.ok(sdk && pkg, "engine/go.mod requires pkg/v3 and sdk/v3 at release versions");
    assert.equal(pkg, sdk, "the CLI (pkg/v3) and its SDK (sdk/v3) are one release");
    assert.equal(JSON.parse(read("package.json")).dependencies["@pulumi/pulumi"], sdk);
    assert.equal(JSON.parse(read("policies/package.json")).dependencies["@pulumi/pulumi"], sdk);
    assert.equal(JSON.parse(read("package-lock.json")).packages["node_modules/@pulumi/pulumi"].version, sdk);
    // Where a user or CI meets the CLI's version: the policy workflow's official action and the READMEs.
    for (const workflow of ["policy.yml", "deploy.yml"]) {
      const actionVersions = [...read(".github/workflows", workflow).matchAll(/pulumi-version: (\S+)/g)].map((m) => m[1]);
      assert.ok(actionVersions.length > 0);
      for (const v of actionVersions) assert.equal(v, sdk, `.github/workflows/${workflow} installs the same CLI`);
    }
    for (const doc of ["README.md", "engine/README.md"]) {
      for (const m of read(doc).matchAll(/Pulumi CLI v?(\d+\.\d+\.\d+)|`pulumi` v(\d+\.\d+\.\d+)/g))
        assert.equal(m[1] ?? m[2], sdk, `${doc} names CLI ${m[0]}`);
    }
  });

  it("the Istio charts are stamped with the release the program pins, and the kwok stack names their folder", () => {
    const version = read("engine/istio-charts/version").trim();
    const module = read("engine/istio-charts/module").trim();
    assert.equal(version, MESH.install.version);
    assert.match(module, /^istio\.io\/istio@v0\.0\.0-\d{14}-[0-9a-f]{12}$/);
    const kwok = parse(read("Pulumi.kwok.yaml")).config["microservices-ecosystem:istio"];
    assert.equal(kwok.chartsDir, `~/.cache/microservices-ecosystem/istio-charts/${version}-${module.split("-").pop()}`);
  });

  // The engine builds one resource provider, Kubernetes' (plus the dynamic provider @pulumi/pulumi ships): a stack
  // the real engine runs that registers anything else fails at its first preview (the random provider did, when
  // Grafana first generated its password).
  for (const stack of ["ci", "kwok"]) {
    it(`the ${stack} stack registers resources of the providers the engine builds only`, async function () {
      this.timeout(120_000);
      const r = await render(chartsFolderOverrides(stack), { stack });
      const built = new Set(["kubernetes", "pulumi-nodejs"]);
      // A provider resource (pulumi:providers:<package>) counts as its package.
      const packageOf = (type: string) => (type.startsWith("pulumi:providers:") ? type.split(":")[2] : type.split(":")[0]);
      const packages = new Set(r.resources.filter((x) => x.custom).map((x) => packageOf(x.type)));
      assert.deepEqual(
        [...packages].filter((p) => !built.has(p)),
        [],
      );
      assert.ok(packages.has("kubernetes"));
    });
  }
});
