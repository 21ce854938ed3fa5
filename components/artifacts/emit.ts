import * as pulumi from "@pulumi/pulumi";
import { SpecDocument } from "../../catalog";
import { ArtifactFile } from "./artifact-file";
import { serializeDocument } from "./serialize";

/** The folder of the artifact tree below the stack's `artifactsDir`. */
export const ARTIFACT_TREE = "microservices_ecosystem";

/** Emits documents (paths relative to the tree) as files managed by `parent`. */
export function emitDocuments(parent: pulumi.Resource, root: string, documents: readonly SpecDocument[]): ArtifactFile[] {
  return documents.map((doc) => {
    const path = `${ARTIFACT_TREE}/${doc.path}`;
    return new ArtifactFile(path, { root, path, content: serializeDocument(doc.path, doc.content) }, { parent });
  });
}
