import * as pulumi from "@pulumi/pulumi";

export interface ArtifactFileInputs {
  /** Absolute folder the artifact tree is written under. */
  root: string;
  /** Path below `root`, e.g. `microservices_ecosystem/services/user_service/service_config.json`. */
  path: string;
  content: string;
}

/**
 * Writes one file under `root` on create/update and removes it on delete; a preview writes
 * nothing. Kept free of imports so that Pulumi can serialize it for the dynamic provider host.
 */
const fileProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: ArtifactFileInputs) {
    const fs = require("fs") as typeof import("fs");
    const nodePath = require("path") as typeof import("path");
    const target = nodePath.join(inputs.root, inputs.path);
    fs.mkdirSync(nodePath.dirname(target), { recursive: true });
    fs.writeFileSync(target, inputs.content);
    return { id: target, outs: inputs };
  },
  async diff(_id: string, olds: ArtifactFileInputs, news: ArtifactFileInputs) {
    const replaces = (["root", "path"] as const).filter((k) => olds[k] !== news[k]);
    const changes = replaces.length > 0 || olds.content !== news.content;
    return { changes, replaces, deleteBeforeReplace: false };
  },
  async update(_id: string, _olds: ArtifactFileInputs, news: ArtifactFileInputs) {
    const fs = require("fs") as typeof import("fs");
    const nodePath = require("path") as typeof import("path");
    fs.writeFileSync(nodePath.join(news.root, news.path), news.content);
    return { outs: news };
  },
  async delete(_id: string, props: ArtifactFileInputs) {
    const fs = require("fs") as typeof import("fs");
    const nodePath = require("path") as typeof import("path");
    fs.rmSync(nodePath.join(props.root, props.path), { force: true });
    // Remove the folders the tree leaves empty, never `root` itself.
    let dir = nodePath.dirname(nodePath.join(props.root, props.path));
    while (dir.startsWith(props.root + nodePath.sep) && fs.existsSync(dir) && fs.readdirSync(dir).length === 0) {
      fs.rmdirSync(dir);
      dir = nodePath.dirname(dir);
    }
  },
};

/** One file of the spec's artifact tree, managed by Pulumi like any other resource. */
export class ArtifactFile extends pulumi.dynamic.Resource {
  static readonly TYPE = "pulumi-nodejs:dynamic/artifacts:File";

  constructor(name: string, inputs: ArtifactFileInputs, opts?: pulumi.CustomResourceOptions) {
    super(fileProvider, name, { ...inputs }, opts, "artifacts", "File");
  }
}
