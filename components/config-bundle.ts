import * as pulumi from "@pulumi/pulumi";
import { SpecDocument } from "../catalog";
import { emitDocuments } from "./artifacts/emit";

/**
 * A platform concern that is configuration only (chaos experiments, security posture,
 * performance plans): it owns its folder of the artifact tree.
 */
export class ConfigBundle extends pulumi.ComponentResource {
  constructor(name: string, documents: readonly SpecDocument[], artifactsDir: string, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:ConfigBundle", name, {}, opts);
    emitDocuments(this, name, artifactsDir, documents);
    this.registerOutputs({ files: documents.length });
  }
}
