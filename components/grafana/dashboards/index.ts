import { businessDashboard } from "./business";
import { ecommerceDashboard } from "./ecommerce";
import { infrastructureDashboard } from "./infrastructure";
import { ProvisionedDashboard } from "./panels";
import { servicesDashboard } from "./services";

export { JAEGER_DATASOURCE_UID, PROMETHEUS_DATASOURCE_UID } from "./panels";
export type { ProvisionedDashboard } from "./panels";
export { BUSINESS_DASHBOARD_UID } from "./business";
export { ECOMMERCE_DASHBOARD_UID } from "./ecommerce";
export { INFRASTRUCTURE_DASHBOARD_UID, JOBS } from "./infrastructure";
export { SERVICES_DASHBOARD_UID } from "./services";

export interface DashboardInput {
  /** The scrape job names Prometheus has: a panel over a job's metrics is left out when the job is not scraped. */
  readonly jobs: readonly string[];
}

/** The ecosystem's Grafana dashboards, as the files Grafana's provisioning loads (uids stable: the runbook links them). */
export function dashboards(input: DashboardInput): ProvisionedDashboard[] {
  return [servicesDashboard(), businessDashboard(), infrastructureDashboard(input.jobs), ecommerceDashboard()];
}
