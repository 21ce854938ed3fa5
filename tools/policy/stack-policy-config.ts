/**
 * The policy config a stack's pull requests run with (policies/config.<stack>.json): the pack's levels
 * and thresholds plus what the pack cannot know on its own — each service's minimum replicas from the
 * catalog, Istio's root namespace, and whether replicas must spread over nodes (prod: several nodes).
 * The pack itself imports nothing of the program (it is published alone); a test keeps the committed
 * files equal to this, and `npm run policy:config` rewrites them.
 */
import { MESH, SERVICES, kubernetesName } from "../../catalog";

export type PolicyConfigFile = Record<string, string | Record<string, unknown>>;

/** Each service's minimum replicas: the catalog's count, keyed by Kubernetes name. */
export const catalogMinimums = (): Record<string, number> =>
  Object.fromEntries(SERVICES.map((s) => [kubernetesName(s.config.service_name), s.config.replicas]));

export function stackPolicyConfig(environment: "dev" | "prod"): PolicyConfigFile {
  const serviceMinimums = catalogMinimums();
  return {
    "app-tier-min-replicas": { enforcementLevel: "mandatory", minReplicas: 2, serviceMinimums },
    "hpa-replica-bounds": { enforcementLevel: "mandatory", minReplicas: 2, serviceMinimums },
    "hpa-managed-replicas": "mandatory",
    "hpa-target-exists": "mandatory",
    "pdb-allows-disruption": "mandatory",
    "mesh-mtls-strict": { enforcementLevel: "mandatory", requireMesh: true, rootNamespace: MESH.rootNamespace },
    "circuit-breaker-coverage": "mandatory",
    "service-selects-pods": "mandatory",
    "service-target-ports": "mandatory",
    "destination-rule-host-exists": "mandatory",
    "authorization-principals-exist": "mandatory",
    "destination-rule-circuit-breaker": {
      enforcementLevel: "mandatory",
      minConsecutiveErrors: 1,
      maxConsecutiveErrors: 10,
      minBaseEjectionTime: "10s",
      maxEjectionPercent: 50,
    },
    "container-probes": "advisory",
    "container-resources": "advisory",
    "pinned-image-tags": "advisory",
    "restricted-pod-security": "advisory",
    "network-policy-coverage": "advisory",
    "virtual-service-subsets": "advisory",
    "canary-weights": "advisory",
    "kong-cors-origins": "advisory",
    "gateway-route-protection": "advisory",
    "probes-distinct": "advisory",
    "rolling-update-strategy": "advisory",
    "selector-matches-template": "advisory",
    "host-access": "advisory",
    "probe-ports-declared": "advisory",
    "istio-sidecar-uid": "advisory",
    "virtual-service-hosts-exist": "advisory",
    "one-default-authorization-per-namespace": "advisory",
    // A dev cluster is one kind node: there is nothing to spread replicas over.
    "workload-spread": environment === "prod" ? "advisory" : "disabled",
  };
}

/** The file's text as committed. */
export const stackPolicyConfigText = (environment: "dev" | "prod"): string => `${JSON.stringify(stackPolicyConfig(environment), null, 2)}\n`;
