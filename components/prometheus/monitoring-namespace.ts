import * as pulumi from "@pulumi/pulumi";
import { PROMETHEUS } from "../../catalog";
import { PlatformArgs } from "../platform";
import { sharedNamespace } from "../namespace";

/**
 * The namespace Jaeger and Prometheus run in (`monitoring`, see sharedNamespace). Sidecars give
 * Prometheus its mesh identity for scraping and Jaeger's collector mTLS. When the services
 * themselves are configured into `monitoring`, the stack's namespace is used as it is.
 */
export function monitoringNamespace(args: PlatformArgs): pulumi.Input<string> {
  const name = PROMETHEUS.namespace;
  if (args.namespaceName === name) return args.namespace;
  return sharedNamespace(args, name, `${name}-namespace`).metadata.name;
}
