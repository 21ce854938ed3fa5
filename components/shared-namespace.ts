import * as k8s from "@pulumi/kubernetes";
import { commonLabels } from "./labels";
import { PlatformArgs } from "./platform";

const created = new WeakMap<k8s.Provider, Map<string, k8s.core.v1.Namespace>>();

/**
 * A namespace several platform components share (`data`, `monitoring`), created once per stack
 * by whichever of them is composed first. It is registered without a parent so that its URN does
 * not depend on which component created it: dropping one of them from a stack must not replace
 * (delete) the namespace the others run in. Labelled for sidecar injection when Istio is composed,
 * and then created once istiod answers, so that no pod in it starts without its sidecar.
 */
export function sharedNamespace(args: PlatformArgs, name: string, resourceName: string = name): k8s.core.v1.Namespace {
  const byName = created.get(args.provider) ?? new Map<string, k8s.core.v1.Namespace>();
  created.set(args.provider, byName);
  let namespace = byName.get(name);
  if (!namespace) {
    namespace = new k8s.core.v1.Namespace(
      resourceName,
      {
        metadata: {
          name,
          labels: {
            ...commonLabels(name, "namespace"),
            ...(args.components.includes("istio") ? { "istio-injection": "enabled" } : {}),
          },
        },
      },
      { provider: args.provider, dependsOn: args.meshReady ? [args.meshReady] : [] },
    );
    byName.set(name, namespace);
  }
  return namespace;
}
