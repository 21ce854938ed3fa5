import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";

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
 * The provider, as the text of a plain CommonJS module (tree-provider.js): the dynamic provider host runs
 * `require(text).handler()` from a tree's `__provider` property, which the state keeps in the inputs and the
 * outputs of every tree. `pulumi.dynamic.Resource` would serialize a provider object into that text at every run
 * (its closure serializer loads the TypeScript compiler into the program: about 0.2 s of CPU) and the text would be
 * twice as long; this module is the whole provider, so the text in the state is exactly the file the tests run.
 */
const PROVIDER_FILE = path.join(__dirname, "tree-provider.js");
const PROVIDER_MODULE = fs.readFileSync(PROVIDER_FILE, "utf8");

/**
 * One component's files of the spec's artifact tree, managed by Pulumi like any other resource: `pulumi up`
 * writes them, a preview writes nothing, destroy removes them. One resource for a component's files, not one
 * per file: the file backend rewrites the whole checkpoint twice for every resource an up creates.
 */
export class ArtifactTree extends pulumi.CustomResource {
  static readonly TYPE = "pulumi-nodejs:dynamic/artifacts:Tree";

  constructor(name: string, inputs: ArtifactTreeInputs, opts?: pulumi.CustomResourceOptions) {
    super(ArtifactTree.TYPE, name, { ...inputs, __provider: PROVIDER_MODULE }, opts);
  }
}

/** The provider's operations (create, diff, update, delete), for tests that run them on a folder of their own. */
export const artifactTreeProvider = (require(PROVIDER_FILE) as { handler(): pulumi.dynamic.ResourceProvider }).handler();
