import * as pulumi from "@pulumi/pulumi";
import { emitDocuments } from "../artifacts/emit";
import { PlatformArgs } from "../platform";
import { gatewaySpecDocuments } from "./spec-documents";

/** Kong, the API gateway. */
export class KongGateway extends pulumi.ComponentResource {
  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:Kong", name, {}, opts);
    emitDocuments(this, args.artifactsDir, gatewaySpecDocuments());
    this.registerOutputs({});
  }
}
