import { parse } from "yaml";
import { PROMETHEUS } from "../../catalog";
import { EXPORTED_METRICS, PROMETHEUS_SYNTHESIZED } from "../../catalog/platform/exported-metrics";
import { KubernetesObject } from "../../tools/render/render-output";
import { metricNames } from "./promql";
import { runtimeMetricNames } from "./runtime-metrics";

type Obj = Record<string, any>;

/** A PromQL expression and where it was written, e.g. `prometheus-rules/alerting_rules.yml alert high_latency`. */
export interface Reference {
  readonly source: string;
  readonly expr: string;
}

/** What the rendered ConfigMaps ask of Prometheus's data. */
export interface Collected {
  /** The `job_name`s of the rendered prometheus.yml. */
  readonly jobs: string[];
  readonly rules: Reference[];
  readonly dashboards: Reference[];
  /** The names recording rules write: they exist once the rules run. */
  readonly recorded: string[];
}

const dataOf = (configMap: KubernetesObject): [string, string][] => Object.entries((configMap.data ?? {}) as Record<string, string>);
const where = (configMap: KubernetesObject, key: string): string => `${configMap.metadata.name}/${key}`;

function parsedYaml(value: string): unknown {
  try {
    return parse(value);
  } catch {
    return undefined;
  }
}

/** The jobs of the rendered prometheus.yml (ConfigMap `prometheus-config`). */
function scrapeJobs(configMaps: readonly KubernetesObject[]): string[] {
  const found = configMaps.filter((c) => c.metadata.name === "prometheus-config" && c.metadata.namespace === PROMETHEUS.namespace);
  if (found.length !== 1) throw new Error(`expected one ConfigMap prometheus-config in ${PROMETHEUS.namespace}, found ${found.length}`);
  const config = parse((found[0].data as Obj)["prometheus.yml"]) as Obj;
  return ((config.scrape_configs ?? []) as Obj[]).map((job) => String(job.job_name));
}

/** Every rule of every rules file: any value of a ConfigMap in Prometheus's namespace that is YAML with `groups`. */
function ruleReferences(configMaps: readonly KubernetesObject[]): { rules: Reference[]; recorded: string[] } {
  const rules: Reference[] = [];
  const recorded: string[] = [];
  for (const configMap of configMaps.filter((c) => c.metadata.namespace === PROMETHEUS.namespace)) {
    for (const [key, value] of dataOf(configMap)) {
      const file = parsedYaml(value) as Obj | undefined;
      if (!file || typeof file !== "object" || !Array.isArray(file.groups)) continue;
      for (const group of file.groups as Obj[]) {
        for (const rule of (group.rules ?? []) as Obj[]) {
          const name = rule.alert !== undefined ? `alert ${String(rule.alert)}` : `record ${String(rule.record)}`;
          rules.push({ source: `${where(configMap, key)} ${name}`, expr: String(rule.expr) });
          if (rule.record !== undefined) recorded.push(String(rule.record));
        }
      }
    }
  }
  return { rules, recorded };
}

/** A query of a datasource of another kind (Loki, Jaeger, …) is not PromQL. */
const otherDatasource = (datasource: unknown): boolean => {
  const type = (datasource as Obj | undefined)?.type;
  return typeof type === "string" && type !== "prometheus" && type !== "datasource";
};

/**
 * The PromQL of a Grafana query variable. Besides plain PromQL (a series selector), Grafana's
 * Prometheus variables take `label_values(label)`, `label_values(selector, label)`,
 * `label_names(…)`, `metrics(regex)` and `query_result(expr)`.
 */
export function variableExpression(query: string): string | undefined {
  const labelValues = /^\s*label_values\s*\(([\s\S]*?)\s*(?:,\s*([\w.]+)\s*)?\)\s*$/.exec(query);
  if (labelValues) return labelValues[2] === undefined ? undefined : labelValues[1];
  const queryResult = /^\s*query_result\s*\(([\s\S]*)\)\s*$/.exec(query);
  if (queryResult) return queryResult[1];
  const labelNames = /^\s*label_names\s*\(([\s\S]*)\)\s*$/.exec(query);
  if (labelNames) return labelNames[1].trim() || undefined;
  // metrics(regex) lists the names that exist: it finds rather than names one.
  if (/^\s*metrics\s*\(/.test(query)) return undefined;
  return query;
}

/** Every query of every dashboard: ConfigMaps (any namespace) labelled `grafana_dashboard: "1"`. */
function dashboardReferences(configMaps: readonly KubernetesObject[]): Reference[] {
  const references: Reference[] = [];
  const dashboards = configMaps.filter((c) => ((c.metadata.labels ?? {}) as Record<string, string>).grafana_dashboard === "1");
  for (const configMap of dashboards) {
    for (const [key, value] of dataOf(configMap)) {
      let json: Obj;
      try {
        json = JSON.parse(value) as Obj;
      } catch (e) {
        throw new Error(`dashboard ConfigMap ${configMap.metadata.namespace}/${where(configMap, key)} is not JSON: ${(e as Error).message}`, { cause: e });
      }
      const dashboard = (json.dashboard ?? json) as Obj;
      const uid = String(dashboard.uid ?? where(configMap, key));
      const visit = (panel: Obj) => {
        for (const target of (panel.targets ?? []) as Obj[]) {
          if (otherDatasource(target.datasource ?? panel.datasource)) continue;
          if (typeof target.expr === "string" && target.expr.trim() !== "") {
            references.push({ source: `dashboard ${uid}/${String(panel.title ?? `panel ${String(panel.id)}`)}`, expr: target.expr });
          }
        }
        // A collapsed row holds its panels; the pre-schema-16 `rows` hold theirs.
        ((panel.panels ?? []) as Obj[]).forEach(visit);
      };
      ((dashboard.panels ?? []) as Obj[]).forEach(visit);
      ((dashboard.rows ?? []) as Obj[]).forEach(visit);
      for (const variable of ((dashboard.templating as Obj | undefined)?.list ?? []) as Obj[]) {
        if ((variable.type ?? "query") !== "query" || otherDatasource(variable.datasource)) continue;
        const query: unknown = typeof variable.query === "object" && variable.query !== null ? (variable.query as Obj).query : variable.query;
        const expr = typeof query === "string" ? variableExpression(query) : undefined;
        if (expr !== undefined && expr.trim() !== "") references.push({ source: `dashboard ${uid}/variable ${String(variable.name)}`, expr });
      }
    }
  }
  return references;
}

/** The scrape jobs, rules and dashboards of a render's ConfigMaps. */
export function collect(configMaps: readonly KubernetesObject[]): Collected {
  const { rules, recorded } = ruleReferences(configMaps);
  return { jobs: scrapeJobs(configMaps), rules, dashboards: dashboardReferences(configMaps), recorded };
}

/** The jobs that the exported-metrics catalog does not describe. */
export const undescribedJobs = (jobs: readonly string[]): string[] => jobs.filter((job) => !Object.hasOwn(EXPORTED_METRICS, job));

/** The names that exist when these jobs are scraped and these recording rules run. */
export async function availableMetrics(jobs: readonly string[], recorded: readonly string[] = []): Promise<Set<string>> {
  const names = new Set<string>([...PROMETHEUS_SYNTHESIZED, ...recorded]);
  for (const job of jobs) {
    const exported = EXPORTED_METRICS[job];
    if (!exported) throw new Error(`scrape job "${job}" has no entry in catalog/platform/exported-metrics.ts`);
    const metrics = exported.source === "runtime" ? await runtimeMetricNames() : exported.metrics;
    metrics.forEach((m) => names.add(m));
  }
  return names;
}

/** The expressions that do not parse, and each `<source>: <metric>` whose metric does not exist. */
export function check(references: readonly Reference[], available: ReadonlySet<string>): { unparsable: string[]; missing: string[] } {
  const unparsable: string[] = [];
  const missing: string[] = [];
  for (const { source, expr } of references) {
    let names: string[];
    try {
      names = metricNames(expr);
    } catch (e) {
      unparsable.push(`${source}: ${(e as Error).message}`);
      continue;
    }
    for (const name of names) if (!available.has(name)) missing.push(`${source}: ${name}`);
  }
  return { unparsable, missing };
}
