import { CONFIG_NAMESPACE, ConfigError, componentSettings } from "../settings";

export type IngressServiceType = "ClusterIP" | "NodePort" | "LoadBalancer";

/**
 * `microservices-ecosystem:istio`, validated and with its defaults:
 *
 * | key                  | default                          | what it does                                                     |
 * |----------------------|----------------------------------|------------------------------------------------------------------|
 * | `install`            | `true`                           | install Istio with Helm (base → istiod → ingress gateway); `false` for a cluster that already runs it |
 * | `faultInjection`     | `false`                          | the spec's 5 s delay on 0.1 % of the user route (the issue's `mesh.faultInjection`) |
 * | `networkPolicies`    | `true`                           | NetworkPolicies from the service graph (default deny, callers, DNS, istiod, data stores) |
 * | `ingressServiceType` | `NodePort` on dev, `LoadBalancer` on prod | type of the ingress gateway's Service (never LoadBalancer on dev: kind never assigns one an address) |
 */
export interface IstioSettings {
  readonly install: boolean;
  readonly faultInjection: boolean;
  readonly networkPolicies: boolean;
  readonly ingressServiceType: IngressServiceType;
}

const schema = (environment: "dev" | "prod") => ({
  type: "object",
  additionalProperties: false,
  properties: {
    install: { type: "boolean", default: true },
    faultInjection: { type: "boolean", default: false },
    networkPolicies: { type: "boolean", default: true },
    ingressServiceType: { enum: ["ClusterIP", "NodePort", "LoadBalancer"], default: environment === "dev" ? "NodePort" : "LoadBalancer" },
  },
});

/** Validates the Istio settings; a wrong one is a one-line ConfigError naming its key. */
export function istioSettings(environment: "dev" | "prod", value: Readonly<Record<string, unknown>>): IstioSettings {
  const settings = componentSettings<IstioSettings>("istio", schema(environment), value);
  if (environment === "dev" && settings.ingressServiceType === "LoadBalancer") {
    throw new ConfigError(
      `${CONFIG_NAMESPACE}:istio.ingressServiceType cannot be LoadBalancer on dev: kind never assigns it an address and the gateway release would wait for one; use NodePort or ClusterIP`,
    );
  }
  return settings;
}
