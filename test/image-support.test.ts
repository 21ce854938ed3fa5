import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { MESH } from "../catalog";
import { IMAGE_SUPPORT, IMAGE_SUPPORT_CHECKED_ON, SPEC_ONLY_IMAGES } from "../catalog/platform/image-support";
import { RUNTIME_IMAGE_NAME } from "../stacks/service-image";
import { Rendered, render } from "./helpers/render";

type Obj = Record<string, any>;
const ROOT = path.join(__dirname, "..");
const read = (...p: string[]) => fs.readFileSync(path.join(ROOT, ...p), "utf8");

/** Every container image a render applies, except the service runtime this repository builds. */
function appliedImages(r: Rendered): Set<string> {
  const images = new Set<string>();
  for (const w of r.objects() as Obj[]) {
    const pod = w.spec?.template?.spec ?? w.spec?.jobTemplate?.spec?.template?.spec;
    for (const c of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) {
      if (!new RegExp(`/${RUNTIME_IMAGE_NAME}[:@]`).test(String(c.image))) images.add(String(c.image));
    }
  }
  return images;
}

describe("pinned images and their upstream support windows", () => {
  const table = new Map(IMAGE_SUPPORT.map((e) => [e.image, e]));
  let dev: Rendered;
  let prod: Rendered;
  before(async () => {
    dev = await render();
    prod = await render({ environment: "prod" });
  });

  it("lists every image the dev and prod stacks apply", () => {
    const applied = new Set([...appliedImages(dev), ...appliedImages(prod)]);
    assert.ok(applied.size >= 6, `found ${[...applied].join(", ")}`);
    for (const image of applied) assert.ok(table.has(image), `${image} is applied but has no row in IMAGE_SUPPORT`);
  });

  it("lists the runtime image's base, the local registry and Istio's images at the pinned release", () => {
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(read("app/Dockerfile"))?.[1];
    const registry = /^REGISTRY_IMAGE="(\S+)"$/m.exec(read("scripts/kind-up.sh"))?.[1];
    for (const image of [base, registry, `${MESH.install.hub}/pilot:${MESH.install.version}`, `${MESH.install.hub}/proxyv2:${MESH.install.version}`]) {
      assert.ok(image && table.has(image), `${image} has no row in IMAGE_SUPPORT`);
    }
  });

  it("has no applied image past its end of support on the day of the check; spec-only pins are never applied", () => {
    const applied = new Set([...appliedImages(dev), ...appliedImages(prod)]);
    for (const entry of IMAGE_SUPPORT) {
      if (SPEC_ONLY_IMAGES.includes(entry.image)) {
        assert.ok(!applied.has(entry.image), `${entry.image} is spec-only but applied`);
        continue;
      }
      assert.match(entry.image, /:[0-9v][^:@]*\d$/, `${entry.image} is pinned by an exact version tag`);
      if (entry.endOfSupport !== null) assert.ok(entry.endOfSupport > IMAGE_SUPPORT_CHECKED_ON, `${entry.image}: support ended ${entry.endOfSupport}`);
    }
  });

  it("is the README's support table, row for row", () => {
    const rows = read("README.md")
      .split("\n")
      .filter((line) => /^\| `[^`]+` \| /.test(line))
      .map((line) =>
        line
          .split("|")
          .slice(1, -1)
          .map((cell) => cell.trim()),
      )
      .filter((cells) => cells.length === 5 && table.has(cells[0].slice(1, -1)));
    const expected = IMAGE_SUPPORT.map((e) => [`\`${e.image}\``, e.line, e.endOfSupport ?? "not announced", e.usedBy, e.note]);
    assert.deepEqual(rows, expected);
  });
});
