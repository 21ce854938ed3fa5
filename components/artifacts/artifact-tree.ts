import * as pulumi from "@pulumi/pulumi";

export interface ArtifactTreeInputs {
  /** Absolute folder the files are written under. */
  root: string;
  /** Path below `root` (e.g. `microservices_ecosystem/services/user_service/service_config.json`) → content. */
  files: Record<string, string>;
}

/** What the state keeps of a written tree: its root and each file's SHA-256 (the content is in the inputs once). */
export interface ArtifactTreeOutputs {
  root: string;
  digests: Record<string, string>;
}

/**
 * The provider's file operations: `digestOf` (SHA-256), `diskDigest` (of a file on disk; undefined when absent),
 * `removeFiles` (and the folders they leave empty, never the root), `writeTree` (each file whose content differs
 * from the disk's; removes the files the old tree had and the new one has not).
 *
 * The provider is serialized into the state (`__provider`, in the inputs and the outputs of every tree) and run by
 * the dynamic provider host, so it imports nothing, and its helpers live in this one function with no comments
 * inside: each captured function costs a wrapper, and each line a copy, in every tree's state.
 */
function treeOperations() {
  const fs = require("fs") as typeof import("fs");
  const path = require("path") as typeof import("path");
  const digestOf = (content: string | Buffer) => (require("crypto") as typeof import("crypto")).createHash("sha256").update(content).digest("hex");
  const diskDigest = (root: string, file: string) => {
    try {
      return digestOf(fs.readFileSync(path.join(root, file)));
    } catch {
      return undefined;
    }
  };
  const removeFiles = (root: string, files: readonly string[]) => {
    for (const file of files) {
      fs.rmSync(path.join(root, file), { force: true });
      let dir = path.dirname(path.join(root, file));
      while (dir.startsWith(root + path.sep) && fs.existsSync(dir) && fs.readdirSync(dir).length === 0) {
        fs.rmdirSync(dir);
        dir = path.dirname(dir);
      }
    }
  };
  const writeTree = (news: ArtifactTreeInputs, olds?: ArtifactTreeOutputs): ArtifactTreeOutputs => {
    const digests: Record<string, string> = {};
    for (const [file, content] of Object.entries(news.files)) {
      digests[file] = digestOf(content);
      if (diskDigest(news.root, file) === digests[file]) continue;
      fs.mkdirSync(path.dirname(path.join(news.root, file)), { recursive: true });
      fs.writeFileSync(path.join(news.root, file), content);
    }
    if (olds)
      removeFiles(
        olds.root,
        Object.keys(olds.digests).filter((file) => olds.root !== news.root || !(file in news.files)),
      );
    return { root: news.root, digests };
  };
  return { digestOf, diskDigest, removeFiles, writeTree };
}

const treeProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: ArtifactTreeInputs) {
    const { digestOf, writeTree } = treeOperations();
    const outs = writeTree(inputs);
    return { id: `${inputs.root}#${digestOf(Object.keys(outs.digests).sort().join("\n")).slice(0, 16)}`, outs };
  },
  // A change: new content, a file added or dropped, a file edited or removed on disk since the last up.
  async diff(_id: string, olds: ArtifactTreeOutputs, news: ArtifactTreeInputs) {
    const { digestOf, diskDigest } = treeOperations();
    const replaces = olds.root === news.root ? [] : ["root"];
    const wanted = Object.entries(news.files);
    const changed =
      wanted.length !== Object.keys(olds.digests).length ||
      wanted.some(([file, content]) => olds.digests[file] !== digestOf(content)) ||
      Object.entries(olds.digests).some(([file, digest]) => diskDigest(olds.root, file) !== digest);
    return { changes: replaces.length > 0 || changed, replaces, deleteBeforeReplace: false };
  },
  async update(_id: string, olds: ArtifactTreeOutputs, news: ArtifactTreeInputs) {
    return { outs: treeOperations().writeTree(news, olds) };
  },
  async delete(_id: string, olds: ArtifactTreeOutputs) {
    treeOperations().removeFiles(olds.root, Object.keys(olds.digests));
  },
};

/**
 * One component's files of the spec's artifact tree, managed by Pulumi like any other resource: `pulumi up`
 * writes them, a preview writes nothing, destroy removes them. One resource for a component's files, not one
 * per file: the file backend rewrites the whole checkpoint twice for every resource an up creates.
 */
export class ArtifactTree extends pulumi.dynamic.Resource {
  static readonly TYPE = "pulumi-nodejs:dynamic/artifacts:Tree";

  constructor(name: string, inputs: ArtifactTreeInputs, opts?: pulumi.CustomResourceOptions) {
    super(treeProvider, name, { ...inputs }, opts, "artifacts", "Tree");
  }
}

/** The provider's operations, for tests that run them on a folder of their own. */
export const artifactTreeProvider = treeProvider;
