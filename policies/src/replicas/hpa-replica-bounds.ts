import { HPA_TYPES, describe, isOneOf } from "../lib/k8s";
import { MANDATORY, resourcePolicy } from "../lib/policy";
import { serviceMinimum } from "./app-tier-min-replicas";

export interface HpaBoundsSettings {
  minReplicas: number;
  serviceMinimums: Record<string, number>;
}

/**
 * Replicas under autoscaling: an HPA never scales below the global minimum (nor below the
 * per-service minimum of the service Deployment it targets) and can scale above its minimum.
 */
export const hpaReplicaBounds = resourcePolicy<HpaBoundsSettings>(
  {
    name: "hpa-replica-bounds",
    description: "HorizontalPodAutoscalers keep minReplicas at or above the minimum and maxReplicas above minReplicas.",
    enforcementLevel: MANDATORY,
    severity: "high",
    configSchema: {
      properties: {
        minReplicas: { type: "integer", minimum: 1, default: 2, description: "The lowest minReplicas an autoscaler may set." },
        serviceMinimums: {
          type: "object",
          additionalProperties: { type: "integer", minimum: 1 },
          default: {},
          description: "Per-service minimums, applied to the HPA whose scaleTargetRef is that service's Deployment.",
        },
      },
    },
  },
  (type) => isOneOf(type, HPA_TYPES),
  (props, settings, report) => {
    const spec = props.spec ?? {};
    // minReplicas defaults to 1 in every autoscaling version.
    const min = typeof spec.minReplicas === "number" ? spec.minReplicas : 1;
    const target = spec.scaleTargetRef?.name as string | undefined;
    // The service's own Deployment is named after it; a canary's (order-service-v2) gets the global minimum.
    const { minimum, perService } = serviceMinimum(target, settings);
    const shownMin = typeof spec.minReplicas === "number" ? `spec.minReplicas is ${min}` : "spec.minReplicas is unset (defaults to 1)";
    if (min < minimum) {
      const why = perService ? `its target ${target} needs at least ${minimum} (per-service minimum)` : `autoscalers must keep at least ${minimum}`;
      report(`${describe(props, "HorizontalPodAutoscaler")}: ${shownMin} but ${why}: set spec.minReplicas to ${minimum} or more.`);
    }
    if (typeof spec.maxReplicas !== "number" || spec.maxReplicas <= min) {
      report(
        `${describe(props, "HorizontalPodAutoscaler")}: spec.maxReplicas is ${spec.maxReplicas ?? "unset"}, not above spec.minReplicas ${min}, so it cannot scale out: set spec.maxReplicas to more than ${min}.`,
      );
    }
  },
);
