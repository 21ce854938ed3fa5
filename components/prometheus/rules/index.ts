import { ALERTMANAGER_JOB, GRAFANA_JOB, PROMETHEUS_JOB, alertmanagerAlerts, grafanaAlerts, prometheusAlerts, watchdog } from "./monitoring";
import { SERVICES_JOB, serviceAlerts, serviceRecordingRules } from "./services";
import { JAEGER_JOB, jaegerAlerts } from "./tracing";
import { EVENTSTORE_JOB, KONG_JOB, eventStoreAlerts, kongAlerts } from "./platform";
import { RuleFile, RuleGroup } from "./types";

export { AlertRule, RecordingRule, RuleFile, RuleGroup, RUNBOOK_FILE, Severity, isAlert, runbookUrl } from "./types";
export { ALERTMANAGER_JOB, GRAFANA_JOB, PROMETHEUS_JOB } from "./monitoring";
export { SERVICES_JOB } from "./services";
export { JAEGER_JOB } from "./tracing";
export { EVENTSTORE_JOB, KONG_JOB } from "./platform";

/** Each job's rule groups: a job's alerts are written only when Prometheus scrapes it (an absent job never fires). */
const GROUPS_BY_JOB: Readonly<Record<string, (runbook: string) => RuleGroup[]>> = {
  [SERVICES_JOB]: (runbook) => [serviceRecordingRules(), serviceAlerts(runbook)],
  [PROMETHEUS_JOB]: (runbook) => [prometheusAlerts(runbook)],
  [ALERTMANAGER_JOB]: (runbook) => [alertmanagerAlerts(runbook)],
  [GRAFANA_JOB]: (runbook) => [grafanaAlerts(runbook)],
  [JAEGER_JOB]: (runbook) => [jaegerAlerts(runbook)],
  [EVENTSTORE_JOB]: (runbook) => [eventStoreAlerts(runbook)],
  [KONG_JOB]: (runbook) => [kongAlerts(runbook)],
};

/** The rules file for the jobs Prometheus scrapes, with every alert's runbook section under `runbook`. */
export function alertRules(jobs: readonly string[], runbook: string): RuleFile {
  return { groups: [watchdog(runbook), ...jobs.flatMap((job) => GROUPS_BY_JOB[job]?.(runbook) ?? [])] };
}
