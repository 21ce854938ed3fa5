import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

// policies/register-typescript.js: how the CLI loads the program and the policy pack. Each case runs Node the way
// the CLI does (the project's nodeargs, in the project's folder) on a scratch project with its own cache.

const ROOT = path.join(__dirname, "..");
const LOADER = path.join(ROOT, "policies", "register-typescript.js");

const runtimeOptions = (file: string) => (parse(fs.readFileSync(file, "utf8")) as { runtime: { options: Record<string, unknown> } }).runtime.options;

describe("policies/register-typescript.js (the program's and the policy pack's TypeScript loader)", function () {
  this.timeout(60_000);
  let project: string;
  let cache: string;

  beforeEach(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), "register-typescript-"));
    cache = path.join(project, ".cache");
    fs.copyFileSync(path.join(ROOT, "tsconfig.json"), path.join(project, "tsconfig.json"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(project, "node_modules"), "dir");
  });
  afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

  /** Runs `script` (JavaScript) in the project with the loader; prints what it logs. */
  function node(script: string): { status: number | null; stdout: string; stderr: string } {
    return spawnSync(process.execPath, ["--require", LOADER, "-e", script], {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, MICROSERVICES_TRANSPILE_CACHE: cache },
    });
  }

  const typescriptLoaded = 'Object.keys(require.cache).some((f) => f.endsWith(path.join("typescript", "lib", "typescript.js")))';

  it("transpiles a module once: a second run takes it from the cache without loading the compiler; an edit is picked up", () => {
    fs.writeFileSync(path.join(project, "answer.ts"), "enum Answer { Yes = 42 }\nexport const answer: number = Answer.Yes;\n");
    const probe = `const path = require("path"); console.log(JSON.stringify([require("./answer").answer, ${typescriptLoaded}]));`;
    const first = node(probe);
    assert.equal(first.status, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), [42, true]);
    const second = node(probe);
    assert.deepEqual(JSON.parse(second.stdout), [42, false]);
    fs.writeFileSync(path.join(project, "answer.ts"), "export const answer: number = 43;\n");
    assert.deepEqual(JSON.parse(node(probe).stdout), [43, true]);
  });

  it("keeps each module's own filename and __dirname (the program reads files beside its sources)", () => {
    fs.mkdirSync(path.join(project, "nested"));
    fs.writeFileSync(path.join(project, "nested", "where.ts"), "export const where: string = __dirname;\n");
    const run = node('console.log(require("./nested/where").where)');
    assert.equal(run.stdout.trim(), fs.realpathSync(path.join(project, "nested")));
  });

  it("points stack frames at the TypeScript lines, through the transpiled file's source map", () => {
    fs.writeFileSync(
      path.join(project, "fails.ts"),
      [
        'import * as path from "path";',
        "",
        "interface Shape {",
        "  sides: number;",
        "}",
        "export function fail(shape: Shape): never {",
        "  throw new Error(`${shape.sides}${path.sep}`);",
        "}",
        "",
      ].join("\n"),
    );
    const run = node('try { require("./fails").fail({ sides: 3 }); } catch (e) { console.log(e.stack); }');
    assert.equal(run.status, 0, run.stderr);
    const frame = run.stdout.split("\n").find((line) => line.includes("fails.ts"));
    assert.match(frame ?? "", /at (Object\.)?fail \(.*fails\.ts:7:9\)/, run.stdout);
  });

  it("reports tsconfig.json that is not plain JSON, naming the file", () => {
    fs.writeFileSync(path.join(project, "tsconfig.json"), "{ // a comment\n}");
    const run = node("");
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /cannot read compilerOptions from .*tsconfig\.json/);
  });

  it("is how Pulumi.yaml and policies/PulumiPolicy.yaml run: no ts-node, the loader by a path that exists from the project's folder", () => {
    for (const [file, folder] of [
      [path.join(ROOT, "Pulumi.yaml"), ROOT],
      [path.join(ROOT, "policies", "PulumiPolicy.yaml"), path.join(ROOT, "policies")],
    ]) {
      const options = runtimeOptions(file);
      const args = String(options.nodeargs).split(" ");
      assert.equal(args[0], "--require", file);
      assert.equal(fs.realpathSync(path.resolve(folder, args[1])), LOADER, file);
      // The policy-pack runner registers ts-node whatever `typescript` says; the loader steps it aside.
      if (file.endsWith("Pulumi.yaml")) assert.equal(options.typescript, false, file);
    }
  });
});
