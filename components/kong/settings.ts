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
  /**
   * The API over TLS: Kong's proxy listens on HTTPS only, with the certificate of a `kubernetes.io/tls`
   * Secret in Kong's namespace (the user's own, or one cert-manager keeps). Required on prod.
   */
  readonly tls?: { readonly secretName: string };
  /** With `tls`: also take plain HTTP, only to answer it with a 308 redirect to HTTPS (else HTTP is closed). */
  readonly httpRedirect: boolean;
  /** Client address ranges the proxy's LoadBalancer admits (the cloud's firewall); all when unset. */
  readonly loadBalancerSourceRanges?: readonly string[];
}

const schema = (environment: "dev" | "prod") => ({
  type: "object",
  additionalProperties: false,
  properties: {
    serviceType: { enum: ["ClusterIP", "NodePort", "LoadBalancer"], default: environment === "dev" ? "NodePort" : "LoadBalancer" },
    nodePort: { type: "integer", minimum: 30000, maximum: 32767, default: GATEWAY.devNodePort },
    replicas: { type: "integer", minimum: 1, default: GATEWAY.sizing[environment].replicas },
    jwtPublicKey: { type: "string", minLength: 1 },
    tls: {
      type: "object",
      additionalProperties: false,
      required: ["secretName"],
      properties: { secretName: { type: "string", pattern: "^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$" } },
    },
    httpRedirect: { type: "boolean", default: false },
    loadBalancerSourceRanges: {
      type: "array",
      minItems: 1,
      uniqueItems: true,
      items: { type: "string", pattern: "^[0-9a-fA-F.:]+/[0-9]{1,3}$" },
    },
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
  if (environment === "prod" && !settings.tls) {
    throw new ConfigError(
      `${key("tls")} is not set: prod serves the API over TLS only; set kong.tls.secretName to a kubernetes.io/tls Secret in namespace ${GATEWAY.namespace} (your own, or one cert-manager keeps)`,
    );
  }
  if (settings.httpRedirect && !settings.tls) {
    throw new ConfigError(`${key("httpRedirect")} redirects plain HTTP to HTTPS, but kong.tls is not set: set kong.tls.secretName or remove httpRedirect`);
  }
  if (settings.loadBalancerSourceRanges && settings.serviceType !== "LoadBalancer") {
    throw new ConfigError(
      `${key("loadBalancerSourceRanges")} applies to a LoadBalancer Service, but kong.serviceType is ${settings.serviceType}: remove it or set serviceType to LoadBalancer`,
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
