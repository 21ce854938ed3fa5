import { RuleGroup, alertRule } from "./types";

/** Prometheus's own job (it scrapes itself on localhost). */
export const PROMETHEUS_JOB = "prometheus";
/** Alertmanager's job. */
export const ALERTMANAGER_JOB = "alertmanager";
/** Grafana's job. */
export const GRAFANA_JOB = "grafana";

/** Always firing: delivered to the heartbeat receiver, whose silence says the alerting pipeline is broken. */
export function watchdog(runbook: string): RuleGroup {
  return {
    name: "watchdog",
    rules: [
      alertRule(runbook, {
        alert: "Watchdog",
        expr: "vector(1)",
        severity: "none",
        summary: "The alerting pipeline works",
        description:
          "Always firing: Prometheus evaluates rules and Alertmanager delivers. If the heartbeat receiver stops hearing it, nothing else will be heard either.",
      }),
    ],
  };
}

/** Prometheus's self-health: its config, rules, storage and the road to Alertmanager. */
export function prometheusAlerts(runbook: string): RuleGroup {
  const job = `job="${PROMETHEUS_JOB}"`;
  return {
    name: "prometheus",
    rules: [
      alertRule(runbook, {
        alert: "PrometheusConfigReloadFailed",
        expr: `prometheus_config_last_reload_successful{${job}} == 0`,
        for: "10m",
        severity: "warning",
        summary: "Prometheus runs an old config",
        description: "Prometheus failed to load its latest configuration and keeps running the previous one.",
      }),
      alertRule(runbook, {
        alert: "PrometheusRuleEvaluationFailures",
        expr: `increase(prometheus_rule_evaluation_failures_total{${job}}[5m]) > 0`,
        for: "5m",
        severity: "critical",
        summary: "Prometheus fails to evaluate rules of group {{ $labels.rule_group }}",
        description: "Rules of {{ $labels.rule_group }} failed to evaluate in the last 5 minutes: their alerts can no longer fire.",
      }),
      alertRule(runbook, {
        alert: "PrometheusRuleGroupSlow",
        expr: `prometheus_rule_group_last_duration_seconds{${job}} > prometheus_rule_group_interval_seconds{${job}}`,
        for: "15m",
        severity: "warning",
        summary: "Rule group {{ $labels.rule_group }} takes longer than its interval",
        description: "Evaluating {{ $labels.rule_group }} takes longer than its interval, so evaluations are skipped and alerts come late.",
      }),
      alertRule(runbook, {
        alert: "PrometheusNotConnectedToAlertmanagers",
        expr: `max_over_time(prometheus_notifications_alertmanagers_discovered{${job}}[5m]) < 1`,
        for: "5m",
        severity: "critical",
        summary: "Prometheus knows no Alertmanager",
        description: "Prometheus has discovered no Alertmanager for 5 minutes: every alert it fires goes nowhere.",
      }),
      alertRule(runbook, {
        alert: "PrometheusNotificationErrors",
        expr: `rate(prometheus_notifications_errors_total{${job}}[5m]) / rate(prometheus_notifications_sent_total{${job}}[5m]) > 0.01`,
        for: "15m",
        severity: "critical",
        summary: "Prometheus fails to send alerts to {{ $labels.alertmanager }}",
        description: "More than 1 % of the alerts Prometheus sends to {{ $labels.alertmanager }} fail.",
      }),
      alertRule(runbook, {
        alert: "PrometheusNotificationQueueFull",
        expr: `prometheus_notifications_queue_length{${job}} > 0.9 * prometheus_notifications_queue_capacity{${job}}`,
        for: "15m",
        severity: "warning",
        summary: "Prometheus's alert queue is almost full",
        description: "The queue of alerts waiting to be sent to Alertmanager is over 90 % full: alerts will be dropped.",
      }),
      alertRule(runbook, {
        alert: "PrometheusTSDBCompactionsFailing",
        expr: `increase(prometheus_tsdb_compactions_failed_total{${job}}[3h]) > 0`,
        severity: "warning",
        summary: "Prometheus fails to compact its storage",
        description: "Compactions of the TSDB failed in the last 3 hours: the volume may be full or damaged.",
      }),
      alertRule(runbook, {
        alert: "PrometheusTSDBWALCorruptions",
        expr: `increase(prometheus_tsdb_wal_corruptions_total{${job}}[3h]) > 0`,
        severity: "warning",
        summary: "Prometheus found a corrupt write-ahead log",
        description: "The TSDB's write-ahead log was corrupt in the last 3 hours: recent samples may be lost.",
      }),
    ],
  };
}

/** Alertmanager's health: up, configured, delivering. */
export function alertmanagerAlerts(runbook: string): RuleGroup {
  const job = `job="${ALERTMANAGER_JOB}"`;
  return {
    name: "alertmanager",
    rules: [
      alertRule(runbook, {
        alert: "AlertmanagerDown",
        expr: `up{${job}} == 0`,
        for: "5m",
        severity: "critical",
        summary: "Alertmanager does not answer",
        description: "Prometheus has not reached Alertmanager's pod {{ $labels.pod }} for 5 minutes: alerts are not delivered (the heartbeat stops too).",
      }),
      alertRule(runbook, {
        alert: "AlertmanagerConfigReloadFailed",
        expr: `alertmanager_config_last_reload_successful{${job}} == 0`,
        for: "10m",
        severity: "warning",
        summary: "Alertmanager runs an old config",
        description: "Alertmanager failed to load its latest configuration and keeps routing with the previous one.",
      }),
      alertRule(runbook, {
        alert: "AlertmanagerNotificationsFailing",
        expr: `rate(alertmanager_notifications_failed_total{${job}}[5m]) > 0`,
        for: "10m",
        severity: "critical",
        summary: "Alertmanager fails to notify through {{ $labels.integration }}",
        description: "Notifications through {{ $labels.integration }} have been failing for 10 minutes: check the receiver's URL, key and reachability.",
      }),
    ],
  };
}

/** Grafana's health: the dashboards the runbook links. */
export function grafanaAlerts(runbook: string): RuleGroup {
  return {
    name: "grafana",
    rules: [
      alertRule(runbook, {
        alert: "GrafanaDown",
        expr: `up{job="${GRAFANA_JOB}"} == 0`,
        for: "10m",
        severity: "warning",
        summary: "Grafana does not answer",
        description: "Prometheus has not reached Grafana's pod {{ $labels.pod }} for 10 minutes: the runbook's dashboards are unavailable.",
      }),
    ],
  };
}
