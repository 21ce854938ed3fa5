import { Metrics } from "../../app/src/metrics";
import { SERVICES } from "../../catalog";

/** The series names a metric family of the text exposition format stands for. */
function seriesNames(name: string, type: string): string[] {
  if (type === "histogram") return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === "summary") return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

/** The metric names of a text exposition, read from its `# TYPE name type` lines. */
export function exposedNames(exposition: string): string[] {
  const names: string[] = [];
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) names.push(...seriesNames(match[1], match[2]));
  return names;
}

/**
 * Every metric name the services' runtime can expose, over every service of the catalog: each
 * service's registry holds its own business metrics besides the shared technical ones.
 */
export async function runtimeMetricNames(services = SERVICES): Promise<string[]> {
  const names = new Set<string>();
  for (const service of services) {
    const metrics = new Metrics(service.config.service_name, service.config.database);
    exposedNames(await metrics.registry.metrics()).forEach((n) => names.add(n));
  }
  return [...names].sort();
}
