import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MESH } from "../../catalog";
import { CONFIG_NAMESPACE, ConfigError, componentSettings } from "../settings";

export type IngressServiceType = "ClusterIP" | "NodePort" | "LoadBalancer";

/** The charts an install takes from `chartsDir`: one folder each, named after the chart. */
export const ISTIO_CHARTS = ["base", "istiod", "gateway", "cni"] as const;

/**
 * `microservices-ecosystem:istio`, validated and with its defaults:
 *
 * | key                  | default                          | what it does                                                     |
 * |----------------------|----------------------------------|------------------------------------------------------------------|
 * | `install`            | `true`                           | install Istio with Helm (base → istiod → ingress gateway); `false` for a cluster that already runs it (its CRDs and istio-system are checked before anything is applied) |
 * | `chartsDir`          | `""` (Istio's chart repository)  | take the charts from this folder (`base/`, `istiod/`, `gateway/`; `~/` is the home folder) instead of the repository: `bash scripts/engine.sh istio-charts` prepares it offline |
 * | `webhooks`           | `true`                           | `false` installs istiod without its sidecar-injection and validation webhooks (a control plane that must not call into the cluster) |
 * | `canaryWeight`       | `10`                             | percent of the order service's traffic the canary (`v2`) gets; the stable subset gets the rest (the spec's documents keep 90/10) |
 * | `faultInjection`     | `false`                          | the spec's 5 s delay on 0.1 % of the user route (the issue's `mesh.faultInjection`) |
 * | `cni`                | `true`                           | Istio's CNI node agent redirects meshed pods' traffic, so that no pod needs the privileged `istio-init` container (its namespaces enforce `restricted`); with `install: false`, whether the running Istio does |
 * | `ingressServiceType` | `ClusterIP` with Kong (nothing routes through the gateway); else `NodePort` on dev, `LoadBalancer` on prod | type of the ingress gateway's Service (never LoadBalancer on dev: kind never assigns one an address) |
 * | `tls`                | none (required on prod without Kong) | `{secretName}`: without Kong the gateway is the edge; it then serves the API on HTTPS (443) only, with that `kubernetes.io/tls` Secret of its namespace |
 * | `loadBalancerSourceRanges` | none                       | client CIDRs the gateway's LoadBalancer admits |
 */
export interface IstioSettings {
  readonly install: boolean;
  /** Absolute, with `~` expanded; empty for the chart repository. */
  readonly chartsDir: string;
  readonly webhooks: boolean;
  /** The candidate subset's share of the canary split, in percent. */
  readonly canaryWeight: number;
  readonly faultInjection: boolean;
  readonly cni: boolean;
  readonly ingressServiceType: IngressServiceType;
  /** Without Kong: the gateway's HTTPS server takes its certificate from this Secret (its `credentialName`). */
  readonly tls?: { readonly secretName: string };
  readonly loadBalancerSourceRanges?: readonly string[];
}

const schema = (environment: "dev" | "prod", kong: boolean) => ({
  type: "object",
  additionalProperties: false,
  properties: {
    install: { type: "boolean", default: true },
    chartsDir: { type: "string", default: "" },
    webhooks: { type: "boolean", default: true },
    canaryWeight: { type: "integer", minimum: 0, maximum: 100, default: MESH.canary.candidate.weight },
    faultInjection: { type: "boolean", default: false },
    cni: { type: "boolean", default: true },
    ingressServiceType: {
      enum: ["ClusterIP", "NodePort", "LoadBalancer"],
      default: kong ? "ClusterIP" : environment === "dev" ? "NodePort" : "LoadBalancer",
    },
    tls: {
      type: "object",
      additionalProperties: false,
      required: ["secretName"],
      properties: { secretName: { type: "string", pattern: "^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$" } },
    },
    loadBalancerSourceRanges: { type: "array", minItems: 1, uniqueItems: true, items: { type: "string", pattern: "^[0-9a-fA-F.:]+/[0-9]{1,3}$" } },
  },
});

const expandHome = (dir: string) => (dir === "~" || dir.startsWith("~/") ? path.join(os.homedir(), dir.slice(1)) : dir);

/** The charts of ISTIO_CHARTS a folder (`~/` allowed) lacks. */
export const missingCharts = (dir: string): string[] =>
  ISTIO_CHARTS.filter((chart) => !fs.existsSync(path.join(path.resolve(expandHome(dir)), chart, "Chart.yaml")));

/** The charts folder, resolved; a ConfigError when a chart is missing from it. */
function resolveChartsDir(dir: string): string {
  if (dir === "") return "";
  const resolved = path.resolve(expandHome(dir));
  const missing = missingCharts(resolved);
  if (missing.length > 0) {
    throw new ConfigError(
      `${CONFIG_NAMESPACE}:istio.chartsDir ${resolved} has no ${missing.map((c) => `${c}/Chart.yaml`).join(", ")}: ` +
        "run `bash scripts/engine.sh istio-charts` (it prints the folder to set) or clear chartsDir to use Istio's chart repository",
    );
  }
  return resolved;
}

/**
 * Validates the Istio settings; a wrong one is a one-line ConfigError naming its key. `kong`: Kong is
 * composed, so it is the API's edge and nothing routes through the ingress gateway.
 */
export function istioSettings(environment: "dev" | "prod", value: Readonly<Record<string, unknown>>, kong: boolean): IstioSettings {
  if (value.networkPolicies !== undefined) {
    throw new ConfigError(
      `${CONFIG_NAMESPACE}:istio.networkPolicies moved to ${CONFIG_NAMESPACE}:network.policies (NetworkPolicies now guard every namespace, with or without Istio): set network.policies instead`,
    );
  }
  const settings = componentSettings<IstioSettings>("istio", schema(environment, kong), value);
  const key = (field: string) => `${CONFIG_NAMESPACE}:istio.${field}`;
  if (kong && (settings.tls || settings.loadBalancerSourceRanges)) {
    const field = settings.tls ? "tls" : "loadBalancerSourceRanges";
    throw new ConfigError(
      `${key(field)} configures the ingress gateway as the API's edge, but Kong is the edge and nothing routes through the gateway: remove ${field}`,
    );
  }
  if (!kong && environment === "prod" && !settings.tls) {
    throw new ConfigError(
      `${key("tls")} is not set: without Kong the ingress gateway is prod's edge, which serves the API over TLS only; set istio.tls.secretName to a kubernetes.io/tls Secret in namespace ${MESH.install.ingressNamespace}`,
    );
  }
  if (settings.loadBalancerSourceRanges && settings.ingressServiceType !== "LoadBalancer") {
    throw new ConfigError(
      `${key("loadBalancerSourceRanges")} applies to a LoadBalancer Service, but istio.ingressServiceType is ${settings.ingressServiceType}: remove it or set ingressServiceType to LoadBalancer`,
    );
  }
  if (kong && settings.ingressServiceType !== "ClusterIP") {
    throw new ConfigError(
      `${CONFIG_NAMESPACE}:istio.ingressServiceType ${settings.ingressServiceType} would expose the ingress gateway, but Kong is the API's edge and nothing routes through the gateway: remove the key (ClusterIP) or drop kong from ${CONFIG_NAMESPACE}:components`,
    );
  }
  if (environment === "dev" && settings.ingressServiceType === "LoadBalancer") {
    throw new ConfigError(
      `${CONFIG_NAMESPACE}:istio.ingressServiceType cannot be LoadBalancer on dev: kind never assigns it an address and the gateway release would wait for one; use NodePort or ClusterIP`,
    );
  }
  if (!settings.install && (settings.chartsDir !== "" || !settings.webhooks)) {
    const key = settings.chartsDir !== "" ? "chartsDir" : "webhooks";
    throw new ConfigError(
      `${CONFIG_NAMESPACE}:istio.${key} configures the Istio install, but istio.install is false (Istio already runs in the cluster): remove ${key} or set install to true`,
    );
  }
  return { ...settings, chartsDir: resolveChartsDir(settings.chartsDir) };
}
