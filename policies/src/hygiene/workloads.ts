import { PodTemplate, podTemplateOf } from "../lib/k8s";

/** Long-running workloads: the kinds whose containers serve traffic (probes make sense for them). */
export const SERVING_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"]);

/** Whether a resource type can carry a pod template (the pod-spec policies apply to it). */
export const mayHavePodTemplate = (type: string): boolean =>
  /^kubernetes:(core|apps|extensions|batch)\/[^:]+:(Deployment|StatefulSet|DaemonSet|ReplicaSet|Job|CronJob|Pod)$/.test(type);

/** A workload's pod template, or "not applicable" (no template, or its namespace is exempt). */
export function templateOrSkip(
  type: string,
  props: Record<string, any>,
  exemptNamespaces: readonly string[],
  notApplicable: (reason: string) => never,
): PodTemplate {
  const template = podTemplateOf(type, props);
  if (!template) return notApplicable("no pod template");
  if (exemptNamespaces.includes(template.namespace)) return notApplicable(`namespace ${template.namespace} is exempt`);
  return template;
}
