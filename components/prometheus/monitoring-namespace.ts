import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PROMETHEUS } from "../../catalog";
import { commonLabels } from "../labels";
import { PlatformArgs } from "../platform";

/** The monitoring namespace of each stack's provider: Jaeger and Prometheus share it. */
const created = new WeakMap<k8s.Provider, k8s.core.v1.Namespace>();

/**
 * The namespace Jaeger and Prometheus run in (`monitoring`), created once per stack by whichever
 * of the two is composed first. It is registered without a parent so that its URN does not depend
 * on which of them created it: dropping Jaeger from a stack must not replace (delete) the namespace
 * Prometheus runs in. When the services themselves are configured into `monitoring`, the stack's
 * namespace is used as it is.
 */
export function monitoringNamespace(args: PlatformArgs): pulumi.Input<string> {
  const name = PROMETHEUS.namespace;
  if (args.namespaceName === name) return args.namespace;
  let namespace = created.get(args.provider);
  if (!namespace) {
    namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
      metadata: {
        name,
        labels: {
          ...commonLabels(name, "namespace"),
          // Sidecars give Prometheus its mesh identity for scraping and Jaeger's collector mTLS.
          ...(args.components.includes("istio") ? { "istio-injection": "enabled" } : {}),
        },
      },
    }, { provider: args.provider });
    created.set(args.provider, namespace);
  }
  return namespace.metadata.name;
}
