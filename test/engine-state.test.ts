import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { engineEnv } from "./engine/workspace";

// The manual path (README: "Deploy to the local control plane") keeps its stacks' state where every shell finds
// it, as `pulumi login --local` does: a second shell that sources scripts/engine.sh sees what the first deployed.
// The engine's units are stood in for by empty cache entries, so nothing is built.

const ROOT = path.join(__dirname, "..");
/** The provider's plugin folder, at the version the engine pins. */
const PLUGIN = `resource-kubernetes-v${fs.readFileSync(path.join(ROOT, "engine", "kubernetes-provider", "VERSION"), "utf8").trim()}`;
const hasGo = spawnSync("go", ["version"]).status === 0;

describe("scripts/engine.sh: the engine's state directory", function () {
  this.timeout(60_000);
  let cache: string;
  const sourced = (env: Record<string, string>) => {
    const result = spawnSync("bash", ["-c", 'source scripts/engine.sh >/dev/null 2>&1 && printf "%s\\n%s\\n" "$PULUMI_BACKEND_URL" "$PULUMI_HOME"'], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, ENGINE_STATE_DIR: "", PULUMI_BACKEND_URL: "", ENGINE_CACHE_DIR: cache, ...env },
    });
    assert.equal(result.status, 0, result.stderr);
    const [backend, home] = result.stdout.trim().split("\n");
    return { backend, home };
  };

  before(function () {
    if (!hasGo) this.skip();
    cache = fs.mkdtempSync(path.join(os.tmpdir(), "engine-cache-"));
    // The Node.js that scripts/node.sh fetched before, if any, so that nothing is downloaded.
    const node = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "microservices-ecosystem", "node");
    if (fs.existsSync(node)) fs.symlinkSync(node, path.join(cache, "node"));
    const status = spawnSync("bash", ["scripts/engine.sh", "status"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ENGINE_CACHE_DIR: cache } });
    const entry = (unit: string) =>
      status.stdout
        .split("\n")
        .find((l) => l.startsWith(`${unit} `))!
        .trim()
        .split(/\s+/)[2];
    for (const unit of ["cli", "kubernetes-provider"]) {
      fs.mkdirSync(entry(unit), { recursive: true });
      fs.writeFileSync(path.join(entry(unit), ".complete"), "");
    }
    fs.mkdirSync(path.join(entry("kubernetes-provider"), PLUGIN));
    fs.writeFileSync(path.join(entry("kubernetes-provider"), PLUGIN, "pulumi-resource-kubernetes"), "");
  });
  after(() => cache && fs.rmSync(cache, { recursive: true, force: true }));

  it("status passes once every unit .ci/run builds is cached: the bench's Helm is built on demand, never required", () => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), "engine-status-"));
    try {
      const status = () => spawnSync("bash", ["scripts/engine.sh", "status"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ENGINE_CACHE_DIR: own } });
      const entries = new Map(
        status()
          .stdout.trim()
          .split("\n")
          .map((l) => l.trim().split(/\s+/))
          .map(([unit, , dir]) => [unit, dir] as const),
      );
      assert.ok(entries.has("helm") && entries.has("cli"), [...entries.keys()].join(" "));
      for (const [unit, dir] of entries) {
        if (unit === "helm") continue;
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, ".complete"), "");
      }
      const withoutHelm = status();
      assert.equal(withoutHelm.status, 0, withoutHelm.stdout);
      assert.match(withoutHelm.stdout, /^helm +missing .*for the bench only/m);
      fs.rmSync(path.join(entries.get("etcd")!, ".complete"));
      assert.equal(status().status, 1, "a unit .ci/run builds is required");
      assert.doesNotMatch(fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8"), /build-helm|bench:cluster/);
    } finally {
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it("is the same for every shell that sources it, under the engine's cache", () => {
    const first = sourced({});
    const second = sourced({});
    assert.deepEqual(second, first);
    assert.deepEqual(first, { backend: `file://${cache}/state/state`, home: `${cache}/state/home` });
    assert.ok(fs.existsSync(path.join(cache, "state", "home", "plugins", PLUGIN, "pulumi-resource-kubernetes")));
  });

  it("reaches the tests' engine workspace whole: engineEnv holds every variable `scripts/engine.sh env` gives a shell, with its value", () => {
    const own = path.join(cache, "workspace");
    const base = { ...process.env, ENGINE_CACHE_DIR: cache, ENGINE_STATE_DIR: own, PULUMI_BACKEND_URL: "" };
    const printed = spawnSync("bash", ["scripts/engine.sh", "env"], { cwd: ROOT, encoding: "utf8", env: base });
    const names = [...printed.stdout.matchAll(/^export ([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    const shell = spawnSync("bash", ["-c", `eval "$(bash scripts/engine.sh env)" && env -0`], { cwd: ROOT, encoding: "utf8", env: base });
    assert.equal(shell.status, 0, shell.stderr);
    const values = new Map(
      shell.stdout
        .split("\0")
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as const),
    );
    assert.ok(names.includes("PULUMI_SKIP_UPDATE_CHECK"), printed.stdout);
    const { PATH, ...read } = engineEnv(own, base);
    // A shell's own startup may reorder the rest of PATH; the engine's folders come first in both.
    const { PATH: shellPath, ...exported } = Object.fromEntries(names.map((n) => [n, values.get(n)!]));
    assert.deepEqual(read, exported);
    const engineFolders = /^export PATH='([^']*)'/m.exec(printed.stdout)![1];
    assert.ok(PATH.startsWith(`${engineFolders}:`) && shellPath.startsWith(`${engineFolders}:`), `${PATH}\n${shellPath}`);
  });

  it("is the caller's when ENGINE_STATE_DIR or PULUMI_BACKEND_URL names one (the tests' own temporary ones)", () => {
    const own = path.join(cache, "elsewhere");
    assert.deepEqual(sourced({ ENGINE_STATE_DIR: own }), { backend: `file://${own}/state`, home: `${own}/home` });
    assert.equal(sourced({ PULUMI_BACKEND_URL: "file:///srv/pulumi" }).backend, "file:///srv/pulumi");
  });
});
