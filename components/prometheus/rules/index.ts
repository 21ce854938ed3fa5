import { ALERTMANAGER_JOB, GRAFANA_JOB, PROMETHEUS_JOB, alertmanagerAlerts, grafanaAlerts, prometheusAlerts, watchdog } from "./monitoring";
import { SERVICES_JOB, serviceAlerts, serviceRecordingRules } from "./services";
import { JAEGER_JOB, jaegerAlerts } from "./tracing";
import { EVENTSTORE_JOB, KONG_JOB, eventStoreAlerts, kongAlerts } from "./platform";
import { POSTGRES_JOB, REDIS_JOB, postgresAlerts, redisAlerts } from "./data-stores";
import { ENVOY_JOB, ISTIOD_JOB, envoyAlerts, istiodAlerts } from "./mesh";
import { CADVISOR_JOB, KUBE_STATE_METRICS_JOB, cadvisorAlerts, kubeStateMetricsAlerts } from "./kubernetes";
import { RuleFile, RuleGroup } from "./types";

export { AlertRule, RecordingRule, RuleFile, RuleGroup, RUNBOOK_FILE, Severity, isAlert, runbookUrl } from "./types";
export { ALERTMANAGER_JOB, GRAFANA_JOB, PROMETHEUS_JOB } from "./monitoring";
export { SERVICES_JOB } from "./services";
export { JAEGER_JOB } from "./tracing";
export { EVENTSTORE_JOB, KONG_JOB } from "./platform";
export { POSTGRES_JOB, REDIS_JOB } from "./data-stores";
export { ENVOY_JOB, ISTIOD_JOB } from "./mesh";
export { CADVISOR_JOB, KUBE_STATE_METRICS_JOB } from "./kubernetes";

/** Each job's rule groups: a job's alerts are written only when Prometheus scrapes it (an absent job never fires). */
const GROUPS_BY_JOB: Readonly<Record<string, (runbook: string) => RuleGroup[]>> = {
  [SERVICES_JOB]: (runbook) => [serviceRecordingRules(), serviceAlerts(runbook)],
  [PROMETHEUS_JOB]: (runbook) => [prometheusAlerts(runbook)],
  [ALERTMANAGER_JOB]: (runbook) => [alertmanagerAlerts(runbook)],
  [GRAFANA_JOB]: (runbook) => [grafanaAlerts(runbook)],
  [JAEGER_JOB]: (runbook) => [jaegerAlerts(runbook)],
  [EVENTSTORE_JOB]: (runbook) => [eventStoreAlerts(runbook)],
  [KONG_JOB]: (runbook) => [kongAlerts(runbook)],
  [POSTGRES_JOB]: (runbook) => [postgresAlerts(runbook)],
  [REDIS_JOB]: (runbook) => [redisAlerts(runbook)],
  [ISTIOD_JOB]: (runbook) => [istiodAlerts(runbook)],
  [ENVOY_JOB]: (runbook) => [envoyAlerts(runbook)],
  [KUBE_STATE_METRICS_JOB]: (runbook) => [kubeStateMetricsAlerts(runbook)],
  [CADVISOR_JOB]: (runbook) => [cadvisorAlerts(runbook)],
};

/** The rules file for the jobs Prometheus scrapes, with every alert's runbook section under `runbook`. */
export function alertRules(jobs: readonly string[], runbook: string): RuleFile {
  return { groups: [watchdog(runbook), ...jobs.flatMap((job) => GROUPS_BY_JOB[job]?.(runbook) ?? [])] };
}
