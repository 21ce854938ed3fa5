import * as pulumi from "@pulumi/pulumi";
import { SpecDocument } from "../../catalog";
import { ArtifactTree } from "./artifact-tree";
import { serializeDocument } from "./serialize";

/** The folder of the artifact tree below the stack's `artifactsDir`. */
export const ARTIFACT_TREE = "microservices_ecosystem";

/** Emits documents (paths relative to the tree) as one resource of `parent`'s, named after it. */
export function emitDocuments(parent: pulumi.Resource, name: string, root: string, documents: readonly SpecDocument[]): ArtifactTree {
  const files: Record<string, string> = {};
  for (const doc of documents) {
    const path = `${ARTIFACT_TREE}/${doc.path}`;
    if (path in files) throw new Error(`${name}: two documents are written to ${path}`);
    files[path] = serializeDocument(doc.path, doc.content);
  }
  return new ArtifactTree(name, { root, files }, { parent });
}
