import { PlatformSizing } from "./gateway";
import { PROMETHEUS } from "./observability";

/** Where an alert goes, by what it asks of the on-call team. */
export const RECEIVERS = ["page", "ticket", "heartbeat"] as const;
export type ReceiverName = (typeof RECEIVERS)[number];

/** The kinds of receiver a stack can configure, and what secret each needs (`alertmanager<Receiver>Credential`). */
export const RECEIVER_KINDS = {
  pagerduty: "the PagerDuty Events v2 integration's routing key",
  slack: "the Slack incoming webhook's URL",
  email: "the SMTP user's password",
  webhook: "the webhook's URL (when it carries a token; else set url)",
} as const;
export type ReceiverKind = keyof typeof RECEIVER_KINDS;

/**
 * Alertmanager: receives Prometheus's alerts (found by the spec's `alertmanager=prometheus` pod label), groups,
 * inhibits and routes them by severity.
 */
export const ALERTMANAGER = {
  namespace: PROMETHEUS.namespace,
  /** Its Deployment, Service, ServiceAccount and pods' `app` label. */
  workload: "alertmanager",
  port: 9093,
  /** The container port the spec's discovery keeps (a sidecar's ports are not Alertmanagers). */
  portName: "web",
  /** What the spec's prometheus_config.yaml discovers Alertmanager pods by. */
  discoveryLabel: { alertmanager: "prometheus" },
  /** Where Prometheus posts its alerts (API v2). */
  alertsPath: "/api/v2/alerts",
  /** The release line of v0.35.0, pinned; amtool and alertmanager of the same release check its config (engine/alertmanager). */
  image: "prom/alertmanager:v0.35.0",
  sizing: {
    dev: {
      replicas: 1,
      storage: "256Mi",
      resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
    },
    prod: {
      replicas: 1,
      storage: "1Gi",
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    },
  } satisfies Record<"dev" | "prod", PlatformSizing & { /** Silences and the notification log, on a claim. */ readonly storage: string }>,
  /**
   * The routing tree: alerts of one alert name and service travel together; a critical one pages, a warning
   * opens a ticket, the Watchdog heartbeat goes to its own receiver as often as it fires (a dead-man's switch
   * counts on it), and a firing critical alert mutes the warning of the same alert and service.
   */
  routing: {
    groupBy: ["alertname", "service", "namespace"],
    groupWait: "30s",
    groupInterval: "5m",
    repeatInterval: { page: "1h", ticket: "12h", heartbeat: "1m" } satisfies Record<ReceiverName, string>,
    severity: { page: "critical", ticket: "warning" } as const,
    heartbeatAlert: "Watchdog",
  },
  /** Where a dev stack's alerts go without any account: the notification service stores each delivery. */
  devWebhook: { service: "notification_service", path: "/notifications" },
};
