/**
 * There is no Docker engine here: these tests hold the Dockerfile and its build context to the
 * choices the image depends on (isolated context, locked install, pinned base, numeric user).
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { appLockfile, render } from "../tools/sync-lockfile";

const APP_DIR = path.resolve(__dirname, "..");
const REPO_DIR = path.resolve(APP_DIR, "..");

type Lock = {
  lockfileVersion: number;
  packages: Record<string, { version?: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> }>;
};

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, "utf8")) as T;

describe("app image: lockfile and Dockerfile", function () {
  const manifest = readJson<{ dependencies: Record<string, string>; devDependencies: Record<string, string> }>(path.join(APP_DIR, "package.json"));
  const appLock = readJson<Lock>(path.join(APP_DIR, "package-lock.json"));
  const rootLock = readJson<Lock>(path.join(REPO_DIR, "package-lock.json"));
  const dockerfile = fs.readFileSync(path.join(APP_DIR, "Dockerfile"), "utf8");
  const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));

  it("app/package-lock.json locks exactly app/package.json's dependencies", function () {
    assert.equal(appLock.lockfileVersion, 3);
    assert.deepEqual(appLock.packages[""].dependencies, manifest.dependencies);
    assert.deepEqual(appLock.packages[""].devDependencies, manifest.devDependencies);
    for (const version of [...Object.values(manifest.dependencies), ...Object.values(manifest.devDependencies)]) {
      assert.match(version, /^\d+\.\d+\.\d+$/, "exact versions only");
    }
  });

  it("is exactly what tools/sync-lockfile.ts derives from the root lock: the image installs the versions the workspace (and these tests) run", function () {
    const expected = render(appLockfile(manifest as never, rootLock as never));
    assert.equal(
      fs.readFileSync(path.join(APP_DIR, "package-lock.json"), "utf8"),
      expected,
      "app/package-lock.json is out of date: run `npm run lockfile -w app`",
    );
    const locked = Object.entries(appLock.packages).filter(([key]) => key.startsWith("node_modules/"));
    const production = locked.filter(([, entry]) => !(entry as { dev?: boolean }).dev).map(([key]) => key.slice("node_modules/".length));
    for (const name of Object.keys(manifest.dependencies)) assert.ok(production.includes(name), `${name} is a production package`);
    for (const name of production) assert.ok(name !== "typescript" && !name.startsWith("@types/"), `${name} must not reach the runtime image`);
  });

  it("uses a base image pinned by version tag, multi-stage, prod-only install, numeric non-root user", function () {
    const arg = instructions.find((line) => line.startsWith("ARG NODE_IMAGE="));
    assert.ok(arg);
    assert.match(arg!, /^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-alpine3\.\d+$/);
    // The image runs the Node.js major the project's own scripts and CI run (scripts/node.sh's pin).
    const pinned = /^NODE_PINNED_VERSION=(\d+)\./m.exec(fs.readFileSync(path.join(APP_DIR, "..", "scripts", "node.sh"), "utf8"))?.[1];
    assert.equal(/node:(\d+)\./.exec(arg!)?.[1], pinned);
    const froms = instructions.filter((line) => line.startsWith("FROM "));
    assert.deepEqual(froms, ["FROM ${NODE_IMAGE} AS build", "FROM ${NODE_IMAGE} AS prod-deps", "FROM ${NODE_IMAGE} AS runtime"]);
    assert.ok(!/latest/.test(dockerfile));
    assert.ok(
      instructions.some((line) => /^RUN npm ci --omit=dev --ignore-scripts/.test(line)),
      "runtime dependencies: npm ci --omit=dev",
    );
    const runtime = instructions.slice(instructions.indexOf("FROM ${NODE_IMAGE} AS runtime"));
    assert.ok(!runtime.some((line) => line.startsWith("RUN npm")), "nothing is installed in the runtime stage");
    assert.deepEqual(
      runtime.filter((line) => line.startsWith("USER ")),
      ["USER 10001:10001"],
    );
    assert.equal(runtime[runtime.length - 1], 'CMD ["node", "dist/main.js"]', "exec form: node is PID 1 and receives SIGTERM");
    assert.ok(
      runtime.some((l) => /^ENV .*CONFIG_DIR=\/etc\/microservice/.test(l)),
      "CONFIG_DIR defaults to the mount path",
    );
  });

  it("builds from app/ alone: every file the Dockerfile copies from the context exists and passes .dockerignore", function () {
    const ignore = fs
      .readFileSync(path.join(APP_DIR, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    assert.equal(ignore[0], "*", ".dockerignore is an allowlist");
    const allowed = ignore.filter((l) => l.startsWith("!")).map((l) => l.slice(1));
    const copies = instructions.filter((line) => line.startsWith("COPY ") && !line.includes("--from="));
    assert.ok(copies.length >= 3);
    for (const copy of copies) {
      const sources = copy.split(/\s+/).slice(1, -1);
      for (const source of sources) {
        assert.ok(fs.existsSync(path.join(APP_DIR, source)), `${source} is not in app/`);
        assert.ok(allowed.includes(source), `${source} is excluded by .dockerignore`);
        assert.ok(!source.startsWith(".."), "nothing from outside app/");
      }
    }
  });
});
