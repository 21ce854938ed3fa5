/**
 * The Kubernetes provider's await on a Service waits until its selector has ready endpoints, then until they have
 * not changed for ten seconds: 11–13 s for each Service of an up, most of the up (issue 19's figures).
 *
 * For a Service whose selector picks the pods of a Deployment or StatefulSet of this program, that await repeats
 * what two other checks prove: the policy pack's mandatory `service-selects-pods` (the selector matches the pod
 * template of a workload in the same namespace, every preview) and the workload's own await (its pods are ready
 * before `up` goes on, never skipped). The annotation switches only that Service's await off; a LoadBalancer keeps
 * it, because there it also waits for the load balancer's address, which nothing else proves.
 * test/invariants.test.ts holds every Service of every stack to this.
 */
export const SELECTED_WORKLOAD_AWAITED = { "pulumi.com/skipAwait": "true" } as const;

export type ServiceType = "ClusterIP" | "NodePort" | "LoadBalancer";

/** The annotations a Service of `type` selecting one of the program's awaited workloads carries (a LoadBalancer: none). */
export const serviceAwaitAnnotations = (type: ServiceType): Record<string, string> | undefined =>
  type === "LoadBalancer" ? undefined : { ...SELECTED_WORKLOAD_AWAITED };
