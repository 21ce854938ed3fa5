import { STORE_EXPORTERS } from "../../../catalog";
import { RuleGroup, alertRule } from "./types";

/** postgres_exporter, the sidecar in PostgreSQL's pod. */
export const POSTGRES_JOB = STORE_EXPORTERS.postgresql.job;
/** redis_exporter, the sidecar in Redis's pod. */
export const REDIS_JOB = STORE_EXPORTERS.redis.job;

/** PostgreSQL's health: the pod answers, the server takes connections, has room for more, and its transactions do not deadlock. */
export function postgresAlerts(runbook: string): RuleGroup {
  const job = `job="${POSTGRES_JOB}"`;
  const byPod = "namespace, pod";
  return {
    name: "postgresql",
    rules: [
      alertRule(runbook, {
        alert: "PostgresExporterDown",
        expr: `up{${job}} == 0`,
        for: "5m",
        severity: "critical",
        summary: "PostgreSQL's pod {{ $labels.pod }} does not answer scrapes",
        description:
          "Prometheus has not reached the exporter in PostgreSQL's pod {{ $labels.pod }} for 5 minutes: the pod is down or not ready, so the services' relational data is likely unreachable too.",
      }),
      alertRule(runbook, {
        alert: "PostgreSQLDown",
        expr: `pg_up{${job}} == 0`,
        for: "2m",
        severity: "critical",
        summary: "PostgreSQL in {{ $labels.pod }} refuses connections",
        description:
          "The exporter in {{ $labels.pod }} has not been able to connect to PostgreSQL for 2 minutes: the server is down, starting, or refusing logins.",
      }),
      alertRule(runbook, {
        alert: "PostgreSQLTooManyConnections",
        expr: `sum by (${byPod}) (pg_stat_activity_count{${job}}) > 0.8 * (max by (${byPod}) (pg_settings_max_connections{${job}}) - max by (${byPod}) (pg_settings_superuser_reserved_connections{${job}}))`,
        for: "10m",
        severity: "warning",
        summary: "PostgreSQL in {{ $labels.pod }} uses more than 80 % of its connections",
        description:
          "Client connections to PostgreSQL in {{ $labels.pod }} have been above 80 % of max_connections (less the superuser reserve) for 10 minutes: at the limit, new connections fail with too many clients.",
      }),
      alertRule(runbook, {
        alert: "PostgreSQLDeadlocks",
        expr: `sum by (${byPod}, datname) (increase(pg_stat_database_deadlocks{${job}}[5m])) > 0`,
        for: "10m",
        severity: "warning",
        summary: "Transactions in database {{ $labels.datname }} keep deadlocking",
        description:
          "PostgreSQL in {{ $labels.pod }} has aborted deadlocked transactions in {{ $labels.datname }} in every 5-minute window for 10 minutes: two code paths take the same locks in different orders.",
      }),
    ],
  };
}

/** Redis's health: the pod answers, the server answers the exporter, has memory left below maxmemory, and accepts its clients. */
export function redisAlerts(runbook: string): RuleGroup {
  const job = `job="${REDIS_JOB}"`;
  return {
    name: "redis",
    rules: [
      alertRule(runbook, {
        alert: "RedisExporterDown",
        expr: `up{${job}} == 0`,
        for: "5m",
        severity: "critical",
        summary: "Redis's pod {{ $labels.pod }} does not answer scrapes",
        description:
          "Prometheus has not reached the exporter in Redis's pod {{ $labels.pod }} for 5 minutes: the pod is down or not ready, so the cache and the distributed locks are likely unreachable too.",
      }),
      alertRule(runbook, {
        alert: "RedisDown",
        expr: `redis_up{${job}} == 0`,
        for: "2m",
        severity: "critical",
        summary: "Redis in {{ $labels.pod }} does not answer",
        description:
          "The exporter in {{ $labels.pod }} has not been able to reach Redis for 2 minutes: inventory's cache and order's distributed locks are unavailable.",
      }),
      alertRule(runbook, {
        alert: "RedisMemoryNearMax",
        // maxmemory 0 (no limit) leaves no denominator: no alert rather than a division by zero.
        expr: `redis_memory_used_bytes{${job}} / (redis_memory_max_bytes{${job}} > 0) > 0.9`,
        for: "15m",
        severity: "warning",
        summary: "Redis in {{ $labels.pod }} uses more than 90 % of its maxmemory",
        description:
          "Redis in {{ $labels.pod }} has held more than 90 % of its maxmemory for 15 minutes: at the limit it evicts keys with a TTL (cache entries and locks alike), and refuses writes when none is left to evict.",
      }),
      alertRule(runbook, {
        alert: "RedisRejectedConnections",
        expr: `increase(redis_rejected_connections_total{${job}}[5m]) > 0`,
        for: "5m",
        severity: "critical",
        summary: "Redis in {{ $labels.pod }} rejects connections",
        description:
          "Redis in {{ $labels.pod }} has been rejecting new connections for 5 minutes because it reached maxclients: the clients refused cannot use the cache or take locks.",
      }),
    ],
  };
}
