import * as pulumi from "@pulumi/pulumi";
import { emitDocuments } from "../artifacts/emit";
import { PlatformArgs } from "../platform";
import { meshSpecDocuments } from "./spec-documents";

/** Istio, the service mesh. */
export class IstioMesh extends pulumi.ComponentResource {
  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:Istio", name, {}, opts);
    emitDocuments(this, args.artifactsDir, meshSpecDocuments());
    this.registerOutputs({});
  }
}
