import { APP_TIER_LABELS, appTierLabelsSchema } from "../lib/config";
import { describe, formatLabels, hasLabels, labelsOf } from "../lib/k8s";
import { MANDATORY, stackPolicy } from "../lib/policy";

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
 * spec name `user_service` works too; a stack's policy config lists its services'), never below the
 * global minimum.
 */
export function serviceMinimum(
  service: string | undefined,
  settings: Pick<MinReplicasSettings, "minReplicas" | "serviceMinimums">,
): { minimum: number; perService: boolean } {
  if (!service) return { minimum: settings.minReplicas, perService: false };
  const configured = settings.serviceMinimums?.[service] ?? settings.serviceMinimums?.[service.replace(/-/g, "_")];
  return typeof configured === "number" && configured > settings.minReplicas
    ? { minimum: configured, perService: true }
    : { minimum: settings.minReplicas, perService: false };
}

/**
 * Replicas: the app tier's Deployments and StatefulSets run at least the global minimum, and a
 * service's primary (`version: v1`, or unversioned) workload at least its per-service minimum;
 * a canary (`version` other than v1) is held to the global minimum only. Under a
 * HorizontalPodAutoscaler the count is the autoscaler's: its minReplicas is what is checked.
 */
export const appTierMinReplicas = stackPolicy<MinReplicasSettings>(
  {
    name: "app-tier-min-replicas",
    description:
      "App-tier Deployments and StatefulSets run at least the global minimum of replicas and their service's minimum (their HPA's minReplicas when autoscaled).",
    enforcementLevel: MANDATORY,
    severity: "high",
    configSchema: {
      properties: {
        minReplicas: { type: "integer", minimum: 1, default: 2, description: "Replicas every app-tier workload needs at least." },
        serviceMinimums: {
          type: "object",
          additionalProperties: { type: "integer", minimum: 1 },
          default: {},
          description: "Per-service minimums keyed by Kubernetes service name (or spec name); a service not listed needs the global minimum.",
        },
        appTierLabels: appTierLabelsSchema,
        primaryVersion: { type: "string", default: "v1", description: "The `version` label of a service's primary workload; other versions are canaries." },
      },
    },
  },
  (stack, settings, report, args) => {
    const tier = settings.appTierLabels ?? APP_TIER_LABELS;
    let checked = 0;
    for (const workload of stack.scalableWorkloads()) {
      const props = workload.props;
      const labels = { ...props.spec?.template?.metadata?.labels, ...labelsOf(props) };
      if (!hasLabels(labels, tier)) continue;
      checked++;
      const version = firstLabel(labels, VERSION_LABELS);
      const canary = version !== undefined && version !== settings.primaryVersion;
      const service = firstLabel(labels, SERVICE_LABELS);
      const { minimum, perService } = canary ? { minimum: settings.minReplicas, perService: false } : serviceMinimum(service, settings);
      const hpa = stack.autoscalerOf(workload);
      const counted = hpa ? hpa.spec?.minReplicas : props.spec?.replicas;
      const actual = typeof counted === "number" ? counted : 1;
      if (actual >= minimum) continue;
      const why = perService
        ? `${service} needs at least ${minimum} (per-service minimum; global minimum ${settings.minReplicas})`
        : `app-tier workloads${canary ? ` (canary ${version} of ${service ?? "its service"})` : ""} need at least ${minimum}`;
      if (hpa) {
        const shown = typeof counted === "number" ? `spec.minReplicas is ${counted}` : "spec.minReplicas is unset (defaults to 1)";
        report(
          `${describe(props)} is scaled by ${describe(hpa, "HorizontalPodAutoscaler")}, whose ${shown}, but ${why}: set the autoscaler's spec.minReplicas to ${minimum} or more.`,
          workload.urn,
        );
      } else {
        const shown = typeof counted === "number" ? `spec.replicas is ${counted}` : "spec.replicas is unset (Kubernetes runs 1)";
        report(`${describe(props)}: ${shown} but ${why}: set spec.replicas to ${minimum} or more.`, workload.urn);
      }
    }
    if (checked === 0) args.notApplicable(`no app-tier workload (labels ${formatLabels(tier)})`);
  },
);
