import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { commonLabels } from "../labels";
import { SECURITY_API, authorizationDefinitions } from "./authorization-policies";
import { TrafficGraph } from "./graph";
import { networkPolicyDefinitions } from "./network-policies";

export { TrafficGraph, TrafficInput, trafficGraph } from "./graph";
export { MeshPlan, StackNamespace, stackNamespaces } from "./namespaces";

export interface ZeroTrustArgs {
  readonly graph: TrafficGraph;
  /** Each of the graph's namespaces as a resource: its policies wait for it. */
  readonly namespaces: ReadonlyMap<string, k8s.core.v1.Namespace>;
  /** The services' namespace: its policies keep the URNs they had as children of the Istio component. */
  readonly servicesNamespace: string;
  /** Apply NetworkPolicies (`microservices-ecosystem:network` `{policies}`). */
  readonly networkPolicies: boolean;
  /** With Istio composed, what the AuthorizationPolicies wait for (Istio's CRDs, its webhooks); none without Istio. */
  readonly mesh?: { readonly dependsOn: readonly pulumi.Resource[] };
  readonly provider: k8s.Provider;
}

// Before this component, the services' namespace's policies were children of the Istio component (and its
// NetworkPolicies component): those resources keep their identity through these aliases.
function legacyParents() {
  const istio = pulumi.createUrn("istio", "microservices:platform:Istio");
  return { istio, networkPolicies: pulumi.createUrn("network-policies", "microservices:platform:NetworkPolicies", istio) };
}

/**
 * Zero trust in every namespace the stack creates, from one traffic graph (graph.ts): a default-deny
 * NetworkPolicy for ingress and egress and one allowing exactly each workload's edges; and where Istio
 * injects sidecars, an allow-nothing AuthorizationPolicy beneath one per workload that names exactly its
 * callers' identities.
 */
export class ZeroTrust extends pulumi.ComponentResource {
  constructor(name: string, args: ZeroTrustArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:ZeroTrust", name, {}, opts);
    const legacyParent = legacyParents();
    for (const plan of args.graph.namespaces) {
      const namespaceResource = args.namespaces.get(plan.name);
      if (!namespaceResource) throw new Error(`zero trust: namespace ${plan.name} of the graph was not created by the stack`);
      const namespace = namespaceResource.metadata.name;
      const legacy = plan.name === args.servicesNamespace;
      const childOpts = { parent: this, provider: args.provider, dependsOn: [namespaceResource] };

      if (args.networkPolicies) {
        for (const policy of networkPolicyDefinitions(args.graph, plan.name)) {
          new k8s.networking.v1.NetworkPolicy(
            `${plan.name}-${policy.name}`,
            { metadata: { name: policy.name, namespace, labels: commonLabels(policy.name, "network-policy") }, spec: policy.spec },
            { ...childOpts, ...(legacy ? { aliases: [{ name: policy.name, parent: legacyParent.networkPolicies }] } : {}) },
          );
        }
      }
      // Where sidecars are injected, and where a mesh proxy of its own runs (the ingress gateway's namespace).
      const guarded = plan.injected || args.graph.workloads.some((w) => w.managed && w.namespace === plan.name && w.inbound !== "none");
      if (args.mesh && guarded) {
        for (const policy of authorizationDefinitions(args.graph, plan.name)) {
          new k8s.apiextensions.CustomResource(
            `${plan.name}-${policy.name}`,
            {
              apiVersion: SECURITY_API,
              kind: "AuthorizationPolicy",
              metadata: { name: policy.name, namespace, labels: commonLabels(policy.name, "authorization-policy") },
              spec: policy.spec,
            },
            {
              ...childOpts,
              dependsOn: [namespaceResource, ...args.mesh.dependsOn],
              ...(legacy ? { aliases: [{ name: `${policy.name}-authorizationpolicy`, parent: legacyParent.istio }] } : {}),
            },
          );
        }
      }
    }
    this.registerOutputs({});
  }
}
