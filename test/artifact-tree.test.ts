import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { filesUnder } from "./helpers/files";
import { ArtifactTreeInputs, ArtifactTreeOutputs, artifactTreeProvider as provider } from "../components/artifacts/artifact-tree";

const sha256 = (text: string) => crypto.createHash("sha256").update(text).digest("hex");

/** Every file under `dir`, relative, with its content. */
const tree = (dir: string): Record<string, string> => Object.fromEntries(filesUnder(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));

describe("the artifact tree resource's provider (run on a folder of the test's own)", () => {
  let root: string;
  const inputs = (files: Record<string, string>): ArtifactTreeInputs => ({ root, files });
  const first = { "tree/a/one.json": '{"one": 1}\n', "tree/a/deep/two.yaml": "two: 2\n", "tree/three.md": "# three\n" };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "artifact-tree-"));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  async function created(files: Record<string, string>): Promise<ArtifactTreeOutputs> {
    const result = await provider.create(inputs(files));
    return result.outs as ArtifactTreeOutputs;
  }

  it("create writes every file and keeps only their SHA-256 in the state, not the content again", async () => {
    const outs = await created(first);
    assert.deepEqual(tree(root), first);
    assert.deepEqual(outs, { root, digests: Object.fromEntries(Object.entries(first).map(([f, c]) => [f, sha256(c)])) });
  });

  it("diff: no change for the same files on an untouched disk; a change for new content, a file added or dropped", async () => {
    const outs = await created(first);
    const diff = (files: Record<string, string>) => provider.diff!("id", outs, inputs(files));
    assert.equal((await diff(first)).changes, false);
    assert.equal((await diff({ ...first, "tree/three.md": "# 3\n" })).changes, true);
    assert.equal((await diff({ ...first, "tree/four.txt": "4" })).changes, true);
    const { ["tree/three.md"]: _, ...fewer } = first;
    assert.equal((await diff(fewer)).changes, true);
  });

  it("diff: a file edited or removed on disk since the up is a change (the next up writes it again)", async () => {
    const outs = await created(first);
    fs.writeFileSync(path.join(root, "tree/a/one.json"), "edited");
    assert.equal((await provider.diff!("id", outs, inputs(first))).changes, true);
    fs.rmSync(path.join(root, "tree/a/one.json"));
    assert.equal((await provider.diff!("id", outs, inputs(first))).changes, true);
    const updated = (await provider.update!("id", outs, inputs(first))).outs as ArtifactTreeOutputs;
    assert.deepEqual(tree(root), first);
    assert.equal((await provider.diff!("id", updated, inputs(first))).changes, false);
  });

  it("diff: another root replaces the tree (created under the new root before the old one is removed)", async () => {
    const outs = await created(first);
    const diff = await provider.diff!("id", outs, { root: path.join(root, "elsewhere"), files: first });
    assert.deepEqual([diff.changes, diff.replaces, diff.deleteBeforeReplace], [true, ["root"], false]);
  });

  it("update writes changed files, removes dropped ones and the folders they leave empty", async () => {
    const outs = await created(first);
    const next = { "tree/a/one.json": '{"one": "uno"}\n', "tree/three.md": "# three\n", "tree/b/four.txt": "4" };
    const updated = (await provider.update!("id", outs, inputs(next))).outs as ArtifactTreeOutputs;
    assert.deepEqual(tree(root), next);
    assert.equal(fs.existsSync(path.join(root, "tree/a/deep")), false);
    assert.deepEqual(Object.keys(updated.digests).sort(), Object.keys(next).sort());
  });

  it("delete removes the files and their empty folders, never the root or a file it did not write", async () => {
    const outs = await created(first);
    fs.writeFileSync(path.join(root, "tree/mine.txt"), "a user's file");
    await provider.delete!("id", outs);
    assert.deepEqual(tree(root), { "tree/mine.txt": "a user's file" });
    fs.rmSync(path.join(root, "tree/mine.txt"));
    await provider.delete!("id", outs);
    assert.equal(fs.existsSync(root), true);
  });
});
