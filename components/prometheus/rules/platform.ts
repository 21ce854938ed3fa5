import { RuleGroup, alertRule } from "./types";

/** EventStoreDB's job (its nodes' /metrics). */
export const EVENTSTORE_JOB = "eventstore";
/** Kong's job (the Prometheus plugin on its status listener). */
export const KONG_JOB = "kong";

/** EventStoreDB's health: every node answers. */
export function eventStoreAlerts(runbook: string): RuleGroup {
  return {
    name: "eventstore",
    rules: [
      alertRule(runbook, {
        alert: "EventStoreDown",
        expr: `up{job="${EVENTSTORE_JOB}"} == 0`,
        for: "2m",
        severity: "critical",
        summary: "EventStoreDB node {{ $labels.pod }} does not answer",
        description:
          "Prometheus has not reached the EventStoreDB node {{ $labels.pod }} for 2 minutes: the services that append or read events fail or fall back.",
      }),
    ],
  };
}

/** Kong's health: up, and not answering the API's clients with 5xx. */
export function kongAlerts(runbook: string): RuleGroup {
  const job = `job="${KONG_JOB}"`;
  return {
    name: "kong",
    rules: [
      alertRule(runbook, {
        alert: "KongDown",
        expr: `up{${job}} == 0`,
        for: "2m",
        severity: "critical",
        summary: "Kong pod {{ $labels.pod }} does not answer",
        description: "Prometheus has not reached Kong's pod {{ $labels.pod }} for 2 minutes: the API's clients lose the capacity it served.",
      }),
      alertRule(runbook, {
        alert: "KongHighServerErrors",
        expr: `sum by (service) (rate(kong_http_requests_total{${job}, code=~"5.."}[5m])) / sum by (service) (rate(kong_http_requests_total{${job}}[5m])) > 0.05`,
        for: "5m",
        severity: "warning",
        summary: "Kong answers more than 5 % of requests to {{ $labels.service }} with 5xx",
        description:
          "More than 5 % of the API's requests Kong routes to {{ $labels.service }} failed with a 5xx for 5 minutes: the upstream fails or Kong cannot reach it.",
      }),
    ],
  };
}
