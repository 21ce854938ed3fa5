import * as pulumi from "@pulumi/pulumi";
import { CACHE } from "../catalog";
import { emitDocuments } from "./artifacts/emit";
import { PlatformArgs } from "./platform";

/** Redis, the distributed cache. */
export class RedisCache extends pulumi.ComponentResource {
  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:Redis", name, {}, opts);
    emitDocuments(this, args.artifactsDir, [
      { path: "distributed_data/distributed_cache/cache_config.json", content: CACHE.config },
    ]);
    this.registerOutputs({});
  }
}
