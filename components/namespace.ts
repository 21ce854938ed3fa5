import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { commonLabels } from "./labels";
import { StackNamespace, namespaceLabels } from "./zero-trust/namespaces";

/** What creating one of the stack's namespaces needs: the cluster's provider and the stack's namespace plan. */
export interface NamespaceContext {
  readonly provider: k8s.Provider;
  /** Every namespace the stack creates, with its injection and Pod Security level (stackNamespaces). */
  readonly namespaces: readonly StackNamespace[];
  /** What an injected namespace waits for: pods created before the injection webhook answers have no sidecar. */
  readonly meshReady?: pulumi.Resource;
}

const created = new WeakMap<k8s.Provider, Map<string, k8s.core.v1.Namespace>>();

/**
 * One of the stack's namespaces, created once per stack (a second call returns the first one's
 * resource), labelled from the plan: sidecar injection, and the Pod Security level its pods meet.
 * An injected namespace is created once istiod answers, so that no pod in it starts without its sidecar.
 */
export function stackNamespace(context: NamespaceContext, name: string, resourceName: string, opts: pulumi.CustomResourceOptions = {}): k8s.core.v1.Namespace {
  const byName = created.get(context.provider) ?? new Map<string, k8s.core.v1.Namespace>();
  created.set(context.provider, byName);
  const existing = byName.get(name);
  if (existing) return existing;
  const plan = context.namespaces.find((n) => n.name === name);
  if (!plan) throw new Error(`namespace ${name} is not one the stack plans (stackNamespaces): ${context.namespaces.map((n) => n.name).join(", ")}`);
  const namespace = new k8s.core.v1.Namespace(
    resourceName,
    { metadata: { name, labels: { ...commonLabels(name, "namespace"), ...namespaceLabels(plan) } } },
    { ...opts, provider: context.provider, protect: plan.protect, dependsOn: plan.injected && context.meshReady ? [context.meshReady] : [] },
  );
  byName.set(name, namespace);
  return namespace;
}

/**
 * A namespace several platform components share (`data`, `monitoring`), created by whichever of them is
 * composed first. It is registered without a parent so that its URN does not depend on which component
 * created it: dropping one of them from a stack must not replace (delete) the namespace the others run in.
 */
export const sharedNamespace = (context: NamespaceContext, name: string, resourceName: string = name): k8s.core.v1.Namespace =>
  stackNamespace(context, name, resourceName);

/** The namespaces created so far for a provider's cluster, by name (the zero-trust policies wait for them). */
export function createdNamespaces(provider: k8s.Provider): ReadonlyMap<string, k8s.core.v1.Namespace> {
  return created.get(provider) ?? new Map();
}
