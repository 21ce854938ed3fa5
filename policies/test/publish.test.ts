import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { POLICIES } from "../src";

// `pulumi policy publish` packs this folder alone, so the pack must load from its own files: this packs
// it with npm, unpacks the tarball outside the repository and loads the policies from there.
const PACK_DIR = path.join(__dirname, "..");
const REPO_NODE_MODULES = path.join(PACK_DIR, "..", "node_modules");

describe("the policy pack, packed alone (npm pack)", function () {
  this.timeout(120_000);
  let work: string;
  let unpacked: string;
  let files: string[];

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "policy-pack-"));
    const pack = spawnSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: PACK_DIR, encoding: "utf8" });
    assert.equal(pack.status, 0, pack.stderr);
    const [{ filename }] = JSON.parse(pack.stdout) as { filename: string }[];
    const untar = spawnSync("tar", ["-xzf", path.join(work, filename), "-C", work], { encoding: "utf8" });
    assert.equal(untar.status, 0, untar.stderr);
    unpacked = path.join(work, "package");
    files = (fs.readdirSync(unpacked, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(unpacked, f)).isFile());
  });

  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it("holds the pack's files and no tests", () => {
    for (const required of [
      "PulumiPolicy.yaml",
      "register-typescript.js",
      "package.json",
      "README.md",
      "index.ts",
      "tsconfig.json",
      path.join("src", "index.ts"),
    ]) {
      assert.ok(files.includes(required), `${required} is in the tarball`);
    }
    assert.deepEqual(
      files.filter((f) => f.startsWith("test")),
      [],
    );
  });

  it("imports nothing outside itself: every relative import of its TypeScript resolves inside the package", () => {
    const escapes: string[] = [];
    for (const file of files.filter((f) => f.endsWith(".ts"))) {
      const text = fs.readFileSync(path.join(unpacked, file), "utf8");
      for (const [, spec] of text.matchAll(/(?:from|import|require\()\s*["'](\.[^"']+)["']/g)) {
        const target = path.resolve(path.dirname(path.join(unpacked, file)), spec);
        const found = [".ts", "/index.ts", ".json", ""].some((ext) => fs.existsSync(target + ext) && fs.statSync(target + ext).isFile());
        if (!target.startsWith(unpacked + path.sep) || !found) escapes.push(`${file}: ${spec}`);
      }
    }
    assert.deepEqual(escapes, []);
  });

  it("loads from the tarball with only its dependencies and runs the same policies", () => {
    // Its dependencies as `npm install` would give them (the repository's copies), nothing of the program.
    fs.symlinkSync(REPO_NODE_MODULES, path.join(unpacked, "node_modules"), "dir");
    const probe = [
      "const { POLICIES, PACK_NAME } = require('./src');",
      "console.log(JSON.stringify({ pack: PACK_NAME, names: POLICIES.map((p) => p.name) }));",
    ].join("\n");
    // As the CLI starts it: PulumiPolicy.yaml's nodeargs (the pack's own loader), in the pack's folder, with an empty cache.
    const nodeargs = String((parse(fs.readFileSync(path.join(unpacked, "PulumiPolicy.yaml"), "utf8")) as any).runtime.options.nodeargs).split(" ");
    const run = spawnSync(process.execPath, [...nodeargs, "-e", probe], {
      cwd: unpacked,
      encoding: "utf8",
      env: { ...process.env, MICROSERVICES_TRANSPILE_CACHE: path.join(work, "transpiled") },
    });
    assert.equal(run.status, 0, run.stderr);
    const loaded = JSON.parse(run.stdout.trim().split("\n").pop()!);
    assert.equal(loaded.pack, "microservices-ecosystem");
    assert.deepEqual(
      loaded.names,
      POLICIES.map((p) => p.name),
    );
  });
});
