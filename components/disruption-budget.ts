import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * Unhealthy pods (crash-looping, or never ready) may always be evicted: they serve nothing, and under
 * the default policy a single one blocks every node drain for as long as it stays unhealthy.
 */
export const UNHEALTHY_POD_EVICTION_POLICY = "AlwaysAllow";

export interface DisruptionBudgetArgs {
  readonly name: string;
  readonly namespace: pulumi.Input<string>;
  readonly labels: Record<string, string>;
  /** The pods it guards. */
  readonly selector: Record<string, string>;
  /** How much of the workload a voluntary disruption (drain, upgrade) may take at once. */
  readonly budget: { readonly maxUnavailable: number } | { readonly minAvailable: number };
}

/** A PodDisruptionBudget of the stack: the workload's budget, unhealthy pods always evictable. */
export function disruptionBudget(args: DisruptionBudgetArgs, opts: pulumi.CustomResourceOptions): k8s.policy.v1.PodDisruptionBudget {
  return new k8s.policy.v1.PodDisruptionBudget(
    args.name,
    {
      metadata: { name: args.name, namespace: args.namespace, labels: args.labels },
      spec: { ...args.budget, selector: { matchLabels: args.selector }, unhealthyPodEvictionPolicy: UNHEALTHY_POD_EVICTION_POLICY },
    },
    opts,
  );
}
