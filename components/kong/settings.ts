import { createPublicKey } from "crypto";
import { GATEWAY } from "../../catalog";
import { CONFIG_NAMESPACE, ConfigError, componentSettings } from "../settings";

export type KongServiceType = "ClusterIP" | "NodePort" | "LoadBalancer";

/** `microservices-ecosystem:kong`, validated and with its defaults. */
export interface KongSettings {
  /** Type of the proxy Service: NodePort on dev (kind maps host 8080 to it), LoadBalancer on prod. */
  readonly serviceType: KongServiceType;
  /** The proxy's node port when serviceType is NodePort. */
  readonly nodePort: number;
  readonly replicas: number;
  /** PEM public key of the auth service's RS256 signing key; Kong rejects every token without it. */
  readonly jwtPublicKey?: string;
}

const schema = (environment: "dev" | "prod") => ({
  type: "object",
  additionalProperties: false,
  properties: {
    serviceType: { enum: ["ClusterIP", "NodePort", "LoadBalancer"], default: environment === "dev" ? "NodePort" : "LoadBalancer" },
    nodePort: { type: "integer", minimum: 30000, maximum: 32767, default: GATEWAY.devNodePort },
    replicas: { type: "integer", minimum: 1, default: GATEWAY.sizing[environment].replicas },
    jwtPublicKey: { type: "string", minLength: 1 },
  },
});

/** Validates the Kong settings; a wrong one is a one-line ConfigError naming its key. */
export function kongSettings(environment: "dev" | "prod", value: Readonly<Record<string, unknown>>): KongSettings {
  const settings = componentSettings<KongSettings>("kong", schema(environment), value);
  const key = (field: string) => `${CONFIG_NAMESPACE}:kong.${field}`;
  if (environment === "dev" && settings.serviceType === "LoadBalancer") {
    throw new ConfigError(
      `${key("serviceType")} cannot be LoadBalancer on dev: kind never assigns it an address and the update would wait for one; use NodePort or ClusterIP`,
    );
  }
  if (settings.jwtPublicKey !== undefined) {
    let type: string | undefined;
    try {
      type = createPublicKey(settings.jwtPublicKey).asymmetricKeyType;
    } catch {
      throw new ConfigError(`${key("jwtPublicKey")} is not a PEM public key: set it to the auth service's "-----BEGIN PUBLIC KEY-----" block`);
    }
    if (type !== "rsa") {
      throw new ConfigError(`${key("jwtPublicKey")} is a ${type} key: ${GATEWAY.jwt.algorithm} tokens need the auth service's RSA public key`);
    }
  }
  return settings;
}
