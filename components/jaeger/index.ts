import * as pulumi from "@pulumi/pulumi";
import { JAEGER } from "../catalog";
import { emitDocuments } from "./artifacts/emit";
import { PlatformArgs } from "./platform";

/** Jaeger, distributed tracing. */
export class Jaeger extends pulumi.ComponentResource {
  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:Jaeger", name, {}, opts);
    emitDocuments(this, args.artifactsDir, [
      { path: "monitoring/tracing/jaeger_config.yaml", content: JAEGER.productionResource },
      { path: "monitoring/tracing/trace_sampling.json", content: JAEGER.sampling },
    ]);
    this.registerOutputs({});
  }
}
