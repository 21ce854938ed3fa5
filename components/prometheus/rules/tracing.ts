import { RuleGroup, alertRule } from "./types";

/** Jaeger's job (its collector's own metrics port). */
export const JAEGER_JOB = "jaeger";

/** Jaeger's health: up, taking spans, storing them. */
export function jaegerAlerts(runbook: string): RuleGroup {
  const job = `job="${JAEGER_JOB}"`;
  return {
    name: "jaeger",
    rules: [
      alertRule(runbook, {
        alert: "JaegerDown",
        expr: `up{${job}} == 0`,
        for: "5m",
        severity: "warning",
        summary: "Jaeger does not answer",
        description: "Prometheus has not reached Jaeger's pod {{ $labels.pod }} for 5 minutes: the services' spans are being lost.",
      }),
      alertRule(runbook, {
        alert: "JaegerSpansRefused",
        expr: `sum by (receiver) (rate(otelcol_receiver_refused_spans_total{${job}}[5m])) > 0`,
        for: "10m",
        severity: "warning",
        summary: "Jaeger refuses spans on {{ $labels.receiver }}",
        description: "Jaeger's {{ $labels.receiver }} receiver has been refusing spans for 10 minutes (memory limit or back pressure).",
      }),
      alertRule(runbook, {
        alert: "JaegerSpansNotStored",
        expr: `sum by (exporter) (rate(otelcol_exporter_send_failed_spans_total{${job}}[5m])) > 0`,
        for: "10m",
        severity: "warning",
        summary: "Jaeger fails to store spans through {{ $labels.exporter }}",
        description: "Spans Jaeger received could not be written to its storage through {{ $labels.exporter }} for 10 minutes.",
      }),
    ],
  };
}
