import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { MESH } from "../catalog";

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

  it("the Istio charts are stamped with the release the program pins, and the kwok stack names their folder", () => {
    const version = read("engine/istio-charts/version").trim();
    const module = read("engine/istio-charts/module").trim();
    assert.equal(version, MESH.install.version);
    assert.match(module, /^istio\.io\/istio@v0\.0\.0-\d{14}-[0-9a-f]{12}$/);
    const kwok = parse(read("Pulumi.kwok.yaml")).config["microservices-ecosystem:istio"];
    assert.equal(kwok.chartsDir, `~/.cache/microservices-ecosystem/istio-charts/${version}-${module.split("-").pop()}`);
  });
});
