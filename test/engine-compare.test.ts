import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";

// The engine test's comparator (test/engine/compare.js): what it forgives between the offline render and the
// files `pulumi up` wrote, and what it must not.
const COMPARE = path.join(__dirname, "engine", "compare.js");

type Files = Record<string, object>;

function compare(render: Files, engine: Files): { status: number | null; output: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "engine-compare-"));
  try {
    for (const [side, files] of [
      ["render", render],
      ["engine", engine],
    ] as const) {
      for (const [name, object] of Object.entries(files)) {
        fs.mkdirSync(path.join(root, side, path.dirname(name)), { recursive: true });
        fs.writeFileSync(path.join(root, side, name), stringify(object));
      }
    }
    const run = spawnSync(process.execPath, [COMPARE, "manifests", path.join(root, "render"), path.join(root, "engine")], { encoding: "utf8" });
    return { status: run.status, output: run.stdout + run.stderr };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const hash = (c: string) => c.repeat(64);
const reader = (credentials: string, extra: object = {}) => ({
  kind: "Deployment",
  spec: { template: { metadata: { annotations: { "checksum/database-credentials": credentials, "checksum/config": hash("c") } }, ...extra } },
});

describe("engine test comparator", () => {
  it("pairs credentials checksums one-to-one: the render's mocked passwords hash differently from the engine's", () => {
    const result = compare(
      { "a.yaml": reader(hash("1")), "b.yaml": reader(hash("1")), "c.yaml": reader(hash("2")) },
      { "a.yaml": reader(hash("7")), "b.yaml": reader(hash("7")), "c.yaml": reader(hash("8")) },
    );
    assert.equal(result.status, 0, result.output);
  });

  it("fails when readers that share credentials on one side do not on the other", () => {
    const split = compare({ "a.yaml": reader(hash("1")), "b.yaml": reader(hash("1")) }, { "a.yaml": reader(hash("7")), "b.yaml": reader(hash("8")) });
    assert.equal(split.status, 1);
    assert.match(
      split.output,
      /a\.yaml\.spec\.template\.metadata\.annotations\.checksum\/database-credentials and b\.yaml.* equal in the offline render, different in the engine's file/,
    );
    const merged = compare({ "a.yaml": reader(hash("1")), "b.yaml": reader(hash("2")) }, { "a.yaml": reader(hash("7")), "b.yaml": reader(hash("7")) });
    assert.equal(merged.status, 1);
    assert.match(merged.output, /equal in the engine's file, different in the offline render/);
  });

  it("forgives no other checksum, and no value that is not a sha256", () => {
    const config = compare(
      { "a.yaml": reader(hash("1")) },
      {
        "a.yaml": {
          ...reader(hash("1")),
          spec: { template: { metadata: { annotations: { "checksum/database-credentials": hash("1"), "checksum/config": hash("d") } } } },
        },
      },
    );
    assert.equal(config.status, 1);
    assert.match(config.output, /checksum\/config: "c{64}" \(render\) vs "d{64}" \(engine\)/);
    const notHash = compare({ "a.yaml": reader(hash("1")) }, { "a.yaml": reader("rotated") });
    assert.equal(notHash.status, 1);
  });

  it("reports a field the engine's file lacks", () => {
    const withZero = reader(hash("1"), { spec: { containers: [{ livenessProbe: { initialDelaySeconds: 0 } }] } });
    const without = reader(hash("1"), { spec: { containers: [{ livenessProbe: {} }] } });
    const result = compare({ "a.yaml": withZero }, { "a.yaml": without });
    assert.equal(result.status, 1);
    assert.match(result.output, /livenessProbe\.initialDelaySeconds: only in the offline render \(0\)/);
  });
});
