import * as pulumi from "@pulumi/pulumi";
import { SAGAS } from "../catalog";
import { emitDocuments } from "./artifacts/emit";
import { PlatformArgs } from "./platform";

/** PostgreSQL: the services' databases and the saga coordinator's. */
export class PostgreSql extends pulumi.ComponentResource {
  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:PostgreSQL", name, {}, opts);
    emitDocuments(this, args.artifactsDir, [
      { path: "distributed_data/saga_coordinator/saga_definitions.json", content: SAGAS.definitions },
      { path: "distributed_data/saga_coordinator/transaction_log.json", content: SAGAS.transactionLog },
    ]);
    this.registerOutputs({});
  }
}
