/** Where an alert's runbook section is: `<base>#<anchor>`, the anchor the alert's name in lower case. */
export const RUNBOOK_FILE = "docs/alerts.md";

export type Severity = "critical" | "warning" | "none";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { readonly severity: Severity } & Readonly<Record<string, string>>;
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly (AlertRule | RecordingRule)[];
}

/** A Prometheus rules file: groups of rules. */
export interface RuleFile {
  readonly groups: readonly RuleGroup[];
}

export const isAlert = (rule: AlertRule | RecordingRule): rule is AlertRule => "alert" in rule;

/** The runbook section of an alert, under `runbookBase` (the repository's docs/alerts.md, or where it is served). */
export const runbookUrl = (runbookBase: string, alert: string) => `${runbookBase}#${alert.toLowerCase()}`;

export interface AlertSpec {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly severity: Severity;
  /** One line; may use `{{ $labels.<name> }}` (no `$value`: the promtool tests compare annotations exactly). */
  readonly summary: string;
  readonly description: string;
}

/** An alert rule with its severity and the three annotations every alert carries. */
export function alertRule(runbookBase: string, spec: AlertSpec): AlertRule {
  return {
    alert: spec.alert,
    expr: spec.expr,
    ...(spec.for ? { for: spec.for } : {}),
    labels: { severity: spec.severity },
    annotations: { summary: spec.summary, description: spec.description, runbook_url: runbookUrl(runbookBase, spec.alert) },
  };
}
