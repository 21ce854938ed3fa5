import { ALERTMANAGER, RECEIVERS, ReceiverName } from "../../catalog";
import { ResolvedReceiver } from "./settings";

type Json = Record<string, unknown>;

/** Where the receivers' secrets are mounted: one file per receiver, read by Alertmanager at each notification. */
export const CREDENTIALS_DIR = "/etc/alertmanager/credentials";

export interface AlertmanagerConfigInput {
  /** The configured receivers (resolved); a receiver left unset goes to `defaultWebhook`. */
  readonly receivers: readonly ResolvedReceiver[];
  /** The in-cluster webhook unset receivers post to (the notification service), if the stack runs it. */
  readonly defaultWebhook?: string;
}

const credentialFile = (receiver: ReceiverName) => `${CREDENTIALS_DIR}/${receiver}`;

/** One receiver's notification config: its secret read from its file, never written in the config. */
function receiverConfig(name: ReceiverName, receiver: ResolvedReceiver | undefined, defaultWebhook: string | undefined): Json {
  // The heartbeat's deliveries say the pipeline works; a "resolved" Watchdog would mean it stopped.
  const sendResolved = name !== "heartbeat";
  if (!receiver) return defaultWebhook ? { name, webhook_configs: [{ url: defaultWebhook, send_resolved: sendResolved }] } : { name };
  const s = receiver.settings;
  switch (receiver.kind) {
    case "pagerduty":
      return { name, pagerduty_configs: [{ routing_key_file: credentialFile(name), send_resolved: sendResolved }] };
    case "slack":
      return { name, slack_configs: [{ api_url_file: credentialFile(name), channel: s.channel, send_resolved: sendResolved }] };
    case "email":
      return {
        name,
        email_configs: [
          {
            to: s.to,
            from: s.from,
            smarthost: s.smarthost,
            ...(s.username ? { auth_username: s.username } : {}),
            auth_password_file: credentialFile(name),
            require_tls: true,
            send_resolved: sendResolved,
          },
        ],
      };
    case "webhook":
      return { name, webhook_configs: [{ ...(receiver.credential ? { url_file: credentialFile(name) } : { url: s.url }), send_resolved: sendResolved }] };
  }
}

const matcher = (label: string, value: string) => `${label}="${value}"`;

/**
 * alertmanager.yml: the routing tree of ALERTMANAGER.routing (the heartbeat first, then critical → page, warning →
 * ticket, anything else → ticket), the inhibition of a warning by the critical alert of the same name and service,
 * and the receivers.
 */
export function alertmanagerConfig(input: AlertmanagerConfigInput): Json {
  const routing = ALERTMANAGER.routing;
  const byName = new Map(input.receivers.map((r) => [r.name, r]));
  return {
    route: {
      receiver: "ticket",
      group_by: [...routing.groupBy],
      group_wait: routing.groupWait,
      group_interval: routing.groupInterval,
      repeat_interval: routing.repeatInterval.ticket,
      routes: [
        {
          receiver: "heartbeat",
          matchers: [matcher("alertname", routing.heartbeatAlert)],
          group_wait: "0s",
          group_interval: routing.repeatInterval.heartbeat,
          repeat_interval: routing.repeatInterval.heartbeat,
        },
        { receiver: "page", matchers: [matcher("severity", routing.severity.page)], repeat_interval: routing.repeatInterval.page },
        { receiver: "ticket", matchers: [matcher("severity", routing.severity.ticket)], repeat_interval: routing.repeatInterval.ticket },
      ],
    },
    inhibit_rules: [
      {
        source_matchers: [matcher("severity", routing.severity.page)],
        target_matchers: [matcher("severity", routing.severity.ticket)],
        equal: ["alertname", "service"],
      },
    ],
    receivers: RECEIVERS.map((name) => receiverConfig(name, byName.get(name), input.defaultWebhook)),
  };
}

/** The ports Alertmanager's notifications leave on to peers outside the cluster (for its egress policy). */
export function receiverPorts(receivers: readonly ResolvedReceiver[]): number[] {
  const ports = receivers.map((r) => {
    const { smarthost, url, port } = r.settings as { smarthost?: string; url?: string; port?: number };
    if (r.kind === "email") return Number(smarthost!.split(":").pop());
    if (r.kind === "webhook") return url ? urlPort(url) : (port ?? 443);
    return 443;
  });
  return [...new Set(ports)].sort((a, b) => a - b);
}

function urlPort(url: string): number {
  const parsed = new URL(url);
  return parsed.port ? Number(parsed.port) : parsed.protocol === "http:" ? 80 : 443;
}
