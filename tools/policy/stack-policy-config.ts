/**
 * The policy config a stack's pull requests run with (policies/config.<stack>.json): every policy at its
 * own level, plus what the pack cannot know on its own — each service's minimum replicas and the
 * autoscaling floor from the catalog, Istio's root namespace and its replicas, and whether replicas must spread over
 * nodes (prod: several nodes).
 * The pack itself imports nothing of the program (it is published alone); a test keeps the committed
 * files equal to this, and `npm run policy:config` rewrites them.
 */
import { AUTOSCALING, MESH, SERVICES, kubernetesName } from "../../catalog";
import { POLICIES, RESILIENCE_POLICIES, SECURITY_POLICIES } from "../../policies/src";

export type PolicyConfigFile = Record<string, string | Record<string, unknown>>;

/** Each service's minimum replicas: the catalog's count, keyed by Kubernetes name. */
export const catalogMinimums = (): Record<string, number> =>
  Object.fromEntries(SERVICES.map((s) => [kubernetesName(s.config.service_name), s.config.replicas]));

/** The settings a stack's config adds to a policy's level: what the pack's generic defaults cannot know. */
function catalogSettings(environment: "dev" | "prod"): Record<string, Record<string, unknown>> {
  const replicas = { minReplicas: AUTOSCALING.minReplicas, serviceMinimums: catalogMinimums() };
  const mesh = MESH.install.replicas[environment];
  return {
    "app-tier-min-replicas": replicas,
    "hpa-replica-bounds": replicas,
    "istio-release-replicas": { istiodMinReplicas: mesh.istiod, gatewayMinReplicas: mesh.gateway },
    "mesh-mtls-strict": { rootNamespace: MESH.rootNamespace },
    "authorization-policy-coverage": { rootNamespace: MESH.rootNamespace },
    "pod-security-enforced": { privilegedNamespaces: [MESH.install.cni.namespace] },
  };
}

/**
 * Every policy at its own level (with the catalog's settings where it needs them), the security and
 * resilience policies mandatory on prod; dev spreads nothing and serves plain HTTP on localhost.
 */
export function stackPolicyConfig(environment: "dev" | "prod"): PolicyConfigFile {
  const settings = catalogSettings(environment);
  const prodMandatory = new Set([...SECURITY_POLICIES, ...RESILIENCE_POLICIES].map((p) => p.name));
  const config: PolicyConfigFile = {};
  for (const policy of POLICIES) {
    const level = environment === "prod" && prodMandatory.has(policy.name) ? "mandatory" : (policy.enforcementLevel ?? "advisory");
    config[policy.name] = settings[policy.name] ? { enforcementLevel: level, ...settings[policy.name] } : level;
  }
  // A dev cluster is one kind node: there is nothing to spread replicas over.
  if (environment === "dev") config["workload-spread"] = "disabled";
  // Dev keeps plain HTTP on localhost (kind maps host 8080 to Kong); the edge's TLS is prod's.
  // Dev's data is disposable: its stores run on the default class, unprotected, so `pulumi destroy` cleans up.
  if (environment === "dev") config["stateful-data-protected"] = "disabled";
  if (environment === "dev") for (const edge of ["kong-edge-tls", "istio-gateway-tls"]) config[edge] = "disabled";
  return config;
}

/** The file's text as committed. */
export const stackPolicyConfigText = (environment: "dev" | "prod"): string => `${JSON.stringify(stackPolicyConfig(environment), null, 2)}\n`;
