import { SERVICES } from "../../../catalog/services";
import { kubernetesName } from "../../../catalog/service";
import { APP_TIER_LABELS, appTierLabelsSchema } from "../lib/config";
import { DEPLOYMENT_TYPES, STATEFULSET_TYPES, describe, formatLabels, hasLabels, isOneOf, labelsOf } from "../lib/k8s";
import { MANDATORY, resourcePolicy } from "../lib/policy";

/** Every service's minimum replicas: the catalog's count (user-service 3, order-service 5, …). */
export const CATALOG_MINIMUMS: Readonly<Record<string, number>> = Object.fromEntries(
  SERVICES.map((s) => [kubernetesName(s.config.service_name), s.config.replicas]),
);

export interface MinReplicasSettings {
  minReplicas: number;
  serviceMinimums: Record<string, number>;
  appTierLabels: Record<string, string>;
  primaryVersion: string;
}

/** The label naming a workload's service, and the one naming its version (canaries are not `v1`). */
const SERVICE_LABELS = ["app", "app.kubernetes.io/name"];
const VERSION_LABELS = ["version", "app.kubernetes.io/version"];

const firstLabel = (labels: Record<string, string>, keys: readonly string[]) => keys.map((k) => labels[k]).find((v) => typeof v === "string" && v.length > 0);

/**
 * The minimum a service needs: the per-service minimum from config (keyed by Kubernetes name, the
 * spec name `user_service` works too), else the catalog's count, and never below the global minimum.
 */
export function serviceMinimum(
  service: string | undefined,
  settings: Pick<MinReplicasSettings, "minReplicas" | "serviceMinimums">,
): { minimum: number; perService: boolean } {
  if (!service) return { minimum: settings.minReplicas, perService: false };
  const configured = settings.serviceMinimums?.[service] ?? settings.serviceMinimums?.[service.replace(/-/g, "_")] ?? CATALOG_MINIMUMS[service];
  return typeof configured === "number" && configured > settings.minReplicas
    ? { minimum: configured, perService: true }
    : { minimum: settings.minReplicas, perService: false };
}

/**
 * Replicas: the app tier's Deployments and StatefulSets run at least the global minimum, and a
 * service's primary (`version: v1`, or unversioned) workload at least its per-service minimum;
 * a canary (`version` other than v1) is held to the global minimum only.
 */
export const appTierMinReplicas = resourcePolicy<MinReplicasSettings>(
  {
    name: "app-tier-min-replicas",
    description: "App-tier Deployments and StatefulSets run at least the global minimum of replicas and their service's minimum.",
    enforcementLevel: MANDATORY,
    severity: "high",
    configSchema: {
      properties: {
        minReplicas: { type: "integer", minimum: 1, default: 2, description: "Replicas every app-tier workload needs at least." },
        serviceMinimums: {
          type: "object",
          additionalProperties: { type: "integer", minimum: 1 },
          default: { ...CATALOG_MINIMUMS },
          description: "Per-service minimums keyed by Kubernetes service name; a service not listed keeps the catalog's count.",
        },
        appTierLabels: appTierLabelsSchema,
        primaryVersion: { type: "string", default: "v1", description: "The `version` label of a service's primary workload; other versions are canaries." },
      },
    },
  },
  (type) => isOneOf(type, [...DEPLOYMENT_TYPES, ...STATEFULSET_TYPES]),
  (props, settings, report, args) => {
    const labels = { ...props.spec?.template?.metadata?.labels, ...labelsOf(props) };
    const tier = settings.appTierLabels ?? APP_TIER_LABELS;
    if (!hasLabels(labels, tier)) args.notApplicable(`not an app-tier workload (no labels ${formatLabels(tier)})`);
    const version = firstLabel(labels, VERSION_LABELS);
    const canary = version !== undefined && version !== settings.primaryVersion;
    const service = firstLabel(labels, SERVICE_LABELS);
    const { minimum, perService } = canary ? { minimum: settings.minReplicas, perService: false } : serviceMinimum(service, settings);
    const replicas = props.spec?.replicas;
    const actual = typeof replicas === "number" ? replicas : 1;
    if (actual >= minimum) return;
    const shown = typeof replicas === "number" ? `spec.replicas is ${replicas}` : "spec.replicas is unset (Kubernetes runs 1)";
    const why = perService
      ? `${service} needs at least ${minimum} (per-service minimum; global minimum ${settings.minReplicas})`
      : `app-tier workloads${canary ? ` (canary ${version} of ${service ?? "its service"})` : ""} need at least ${minimum}`;
    report(`${describe(props)}: ${shown} but ${why}: set spec.replicas to ${minimum} or more.`);
  },
);
