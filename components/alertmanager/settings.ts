import * as pulumi from "@pulumi/pulumi";
import { RECEIVERS, RECEIVER_KINDS, ReceiverKind, ReceiverName } from "../../catalog";
import { secretConfig } from "../data-stores/common";
import { CONFIG_NAMESPACE, ConfigError } from "../settings";

/** One receiver as the stack configures it (`prometheus.alertmanager.receivers.<name>`): exactly one kind. */
export type ReceiverSettings =
  | { readonly pagerduty: Record<string, never> }
  | { readonly slack: { readonly channel: string } }
  | { readonly email: { readonly to: string; readonly from: string; readonly smarthost: string; readonly username?: string } }
  | { readonly webhook: { readonly url?: string; readonly port?: number } };

export interface AlertmanagerSettings {
  readonly receivers?: Partial<Record<ReceiverName, ReceiverSettings>>;
}

const hostPort = "^[A-Za-z0-9.-]+:[0-9]{1,5}$";
const receiverSchema = {
  type: "object",
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: {
    pagerduty: { type: "object", additionalProperties: false, properties: {} },
    slack: { type: "object", additionalProperties: false, required: ["channel"], properties: { channel: { type: "string", pattern: "^[#@]?[\\w.-]+$" } } },
    email: {
      type: "object",
      additionalProperties: false,
      required: ["to", "from", "smarthost"],
      properties: {
        to: { type: "string", pattern: "^[^\\s@]+@[^\\s@]+$" },
        from: { type: "string", pattern: "^[^\\s@]+@[^\\s@]+$" },
        smarthost: { type: "string", pattern: hostPort },
        username: { type: "string", minLength: 1 },
      },
    },
    webhook: {
      type: "object",
      additionalProperties: false,
      properties: { url: { type: "string", pattern: "^https?://[^\\s]+$" }, port: { type: "integer", minimum: 1, maximum: 65535 } },
    },
  },
};

/** The part of Prometheus's settings schema that configures its Alertmanager. */
export const alertmanagerSettingsSchema = {
  type: "object",
  additionalProperties: false,
  default: {},
  properties: {
    receivers: {
      type: "object",
      additionalProperties: false,
      properties: Object.fromEntries(RECEIVERS.map((r) => [r, receiverSchema])),
    },
  },
};

/** The stack config key of a receiver's secret: `alertmanagerPageCredential`, … */
export const credentialKey = (receiver: ReceiverName) => `alertmanager${receiver[0].toUpperCase()}${receiver.slice(1)}Credential`;

/** A receiver resolved: its kind, its plain settings, and its secret (read as a Pulumi secret) when it has one. */
export interface ResolvedReceiver {
  readonly name: ReceiverName;
  readonly kind: ReceiverKind;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly credential?: pulumi.Output<string>;
}

/** The kind and settings of a configured receiver. */
export function receiverKind(settings: ReceiverSettings): [ReceiverKind, Readonly<Record<string, unknown>>] {
  const [kind, value] = Object.entries(settings)[0] as [ReceiverKind, Record<string, unknown>];
  return [kind, value];
}

/**
 * The configured receivers with their secrets. A kind that needs a secret and has none, or a webhook with
 * neither a URL nor a secret URL (or both), is a one-line ConfigError naming the key to set.
 */
export function resolveReceivers(
  settings: AlertmanagerSettings,
  credential: (key: string) => pulumi.Output<string> | undefined = secretConfig,
): ResolvedReceiver[] {
  return RECEIVERS.flatMap((name) => {
    const configured = settings.receivers?.[name];
    if (!configured) return [];
    const [kind, value] = receiverKind(configured);
    const key = credentialKey(name);
    const secret = credential(key);
    const path = `${CONFIG_NAMESPACE}:prometheus.alertmanager.receivers.${name}.${kind}`;
    if (kind === "webhook") {
      if (value.url !== undefined && secret)
        throw new ConfigError(`${path}.url and ${CONFIG_NAMESPACE}:${key} are both set: keep one (the secret when the URL carries a token)`);
      if (value.url === undefined && !secret)
        throw new ConfigError(`${path} has no URL: set ${path}.url, or the URL as a secret with \`pulumi config set --secret ${key} <url>\``);
    } else if (!secret) {
      throw new ConfigError(`${path} needs ${RECEIVER_KINDS[kind]}: set it with \`pulumi config set --secret ${key} <value>\``);
    }
    return [{ name, kind, settings: value, ...(secret ? { credential: secret } : {}) }];
  });
}
