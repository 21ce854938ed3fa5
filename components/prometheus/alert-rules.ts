import { PROMETHEUS } from "../../catalog";
import { plainValue } from "../jaeger/sampling";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: string };
  readonly annotations: { readonly summary: string };
}

/** A Prometheus rules file: groups of rules. */
export interface RuleFile {
  readonly groups: readonly { readonly name: string; readonly rules: readonly AlertRule[] }[];
}

interface SpecAlert {
  readonly expr: string;
  readonly for: string;
  readonly severity: string;
}

/** The alerting rules of service_metrics.json as a Prometheus rules file (one group). */
export function alertRules(): RuleFile {
  const spec = plainValue(PROMETHEUS.serviceMetrics) as { alerting_rules: Record<string, SpecAlert> };
  return {
    groups: [
      {
        name: "microservices",
        rules: Object.entries(spec.alerting_rules).map(([alert, rule]) => ({
          alert,
          expr: rule.expr,
          for: rule.for,
          labels: { severity: rule.severity },
          annotations: { summary: `${alert}: ${rule.expr} for ${rule.for}` },
        })),
      },
    ],
  };
}
