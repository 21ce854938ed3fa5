import * as pulumi from "@pulumi/pulumi";
import { PROMETHEUS } from "../catalog";
import { emitDocuments } from "./artifacts/emit";
import { PlatformArgs } from "./platform";

/** Prometheus, metrics and alerts. */
export class Prometheus extends pulumi.ComponentResource {
  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:Prometheus", name, {}, opts);
    emitDocuments(this, args.artifactsDir, [
      { path: "monitoring/metrics/prometheus_config.yaml", content: PROMETHEUS.config },
      { path: "monitoring/metrics/service_metrics.json", content: PROMETHEUS.serviceMetrics },
    ]);
    this.registerOutputs({});
  }
}
