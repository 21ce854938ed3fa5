import { CADVISOR, STATE_METRICS } from "../../../catalog";
import { RuleGroup, alertRule } from "./types";

/** kube-state-metrics (its series carry the objects' own namespace, pod, container, deployment … labels). */
export const KUBE_STATE_METRICS_JOB = STATE_METRICS.job;
/** The kubelets' /metrics/cadvisor: every container's usage and limits. */
export const CADVISOR_JOB = CADVISOR.job;

/**
 * The workloads' state as kube-state-metrics reports it: pods that crash-loop, Deployments and StatefulSets short of
 * their replicas, autoscalers at their ceiling. Each series is reduced to its object's labels (`max by`), so a second
 * kube-state-metrics replica does not double an alert.
 */
export function kubeStateMetricsAlerts(runbook: string): RuleGroup {
  const job = `job="${KUBE_STATE_METRICS_JOB}"`;
  const of = (metric: string, by: string, extra = "") => `max by (${by}) (${metric}{${job}${extra ? `, ${extra}` : ""}})`;
  const deployment = "namespace, deployment";
  const statefulset = "namespace, statefulset";
  const hpa = "namespace, horizontalpodautoscaler";
  return {
    name: "kube-state-metrics",
    rules: [
      alertRule(runbook, {
        alert: "KubeStateMetricsDown",
        expr: `up{${job}} == 0`,
        for: "5m",
        severity: "warning",
        summary: "kube-state-metrics at {{ $labels.instance }} does not answer",
        description:
          "Prometheus has not reached kube-state-metrics at {{ $labels.instance }} for 5 minutes: the alerts on pods, Deployments, StatefulSets and autoscalers cannot fire.",
      }),
      alertRule(runbook, {
        alert: "KubePodCrashLooping",
        expr: `max by (namespace, pod, container) (max_over_time(kube_pod_container_status_waiting_reason{${job}, reason="CrashLoopBackOff"}[5m])) >= 1`,
        for: "15m",
        severity: "warning",
        summary: "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} is crash-looping",
        description:
          "The container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} has kept falling back into CrashLoopBackOff for 15 minutes: it exits or is killed soon after every start.",
      }),
      alertRule(runbook, {
        alert: "KubeDeploymentReplicasMismatch",
        expr: `${of("kube_deployment_spec_replicas", deployment)} > ${of("kube_deployment_status_replicas_available", deployment)}`,
        for: "15m",
        severity: "warning",
        summary: "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has fewer available replicas than it wants",
        description:
          "For 15 minutes the Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has had fewer available replicas than desired: pods that cannot be scheduled, pull their image, start or get ready, or a rollout that stalled.",
      }),
      alertRule(runbook, {
        alert: "KubeStatefulSetReplicasMismatch",
        expr: `${of("kube_statefulset_replicas", statefulset)} > ${of("kube_statefulset_status_replicas_ready", statefulset)}`,
        for: "15m",
        severity: "warning",
        summary: "StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} has fewer ready replicas than it wants",
        description:
          "For 15 minutes the StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} has had fewer ready replicas than desired: a data store's pod is not running, or its claim is not bound.",
      }),
      alertRule(runbook, {
        alert: "KubeHpaMaxedOut",
        expr: `${of("kube_horizontalpodautoscaler_status_current_replicas", hpa)} >= ${of("kube_horizontalpodautoscaler_spec_max_replicas", hpa)} and ${of("kube_horizontalpodautoscaler_spec_min_replicas", hpa)} < ${of("kube_horizontalpodautoscaler_spec_max_replicas", hpa)}`,
        for: "15m",
        severity: "warning",
        summary: "Autoscaler {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} is at its maximum replicas",
        description:
          "The HorizontalPodAutoscaler {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has run at its maximum replicas for 15 minutes: the load needs more, so latency and errors grow with it.",
      }),
    ],
  };
}

/** The containers' resources as the kubelets' cAdvisor reports them: memory close to the limit, CPU throttled by it. */
export function cadvisorAlerts(runbook: string): RuleGroup {
  const job = `job="${CADVISOR_JOB}"`;
  // A pod's own cgroup (container="") and its pause container are no container the pod spec declares.
  const containers = `${job}, container!="", container!="POD"`;
  const by = "namespace, pod, container";
  return {
    name: "cadvisor",
    rules: [
      alertRule(runbook, {
        alert: "CadvisorDown",
        expr: `up{${job}} == 0`,
        for: "5m",
        severity: "warning",
        summary: "The kubelet of node {{ $labels.node }} does not answer cAdvisor scrapes",
        description:
          "Prometheus has not reached the kubelet's /metrics/cadvisor on {{ $labels.node }} for 5 minutes: the node or its kubelet is down, and the memory and throttling alerts of its containers cannot fire.",
      }),
      alertRule(runbook, {
        alert: "ContainerMemoryNearLimit",
        // A container without a limit (0) leaves no denominator.
        expr: `max by (${by}) (container_memory_working_set_bytes{${containers}}) / max by (${by}) (container_spec_memory_limit_bytes{${containers}} > 0) > 0.9`,
        for: "15m",
        severity: "warning",
        summary: "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} uses more than 90 % of its memory limit",
        description:
          "The working set of {{ $labels.container }} in {{ $labels.namespace }}/{{ $labels.pod }} has been above 90 % of its memory limit for 15 minutes: a little more and the kernel OOM-kills it.",
      }),
      alertRule(runbook, {
        alert: "ContainerCPUThrottlingHigh",
        expr: `sum by (${by}) (increase(container_cpu_cfs_throttled_periods_total{${containers}}[5m])) / sum by (${by}) (increase(container_cpu_cfs_periods_total{${containers}}[5m])) > 0.25`,
        for: "15m",
        severity: "warning",
        summary: "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} is CPU-throttled",
        description:
          "More than 25 % of the CPU periods of {{ $labels.container }} in {{ $labels.namespace }}/{{ $labels.pod }} have been throttled by its CPU limit for 15 minutes: its requests wait for CPU time.",
      }),
    ],
  };
}
