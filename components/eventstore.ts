import * as pulumi from "@pulumi/pulumi";
import { EVENT_STORE } from "../catalog";
import { emitDocuments } from "./artifacts/emit";
import { PlatformArgs } from "./platform";

/** EventStoreDB, the event store. */
export class EventStore extends pulumi.ComponentResource {
  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:EventStore", name, {}, opts);
    emitDocuments(this, args.artifactsDir, [
      { path: "distributed_data/event_store/event_sourcing_config.json", content: EVENT_STORE.sourcingConfig },
      { path: "distributed_data/event_store/event_streams.json", content: EVENT_STORE.streams },
    ]);
    this.registerOutputs({});
  }
}
