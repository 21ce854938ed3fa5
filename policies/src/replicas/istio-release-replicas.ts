import { chartWorkload, describeRelease, isHelmRelease, istioChartOf } from "../lib/helm";
import { MANDATORY, resourcePolicy } from "../lib/policy";

export interface IstioReleaseReplicasSettings {
  istiodMinReplicas: number;
  gatewayMinReplicas: number;
}

/**
 * Replicas of what Istio's charts install, read from the release's values with the charts' defaults:
 * istiod issues every workload's certificate and the ingress gateway carries all outside traffic, so
 * each runs at least its minimum, and more than one replica comes with the chart's PodDisruptionBudget
 * (a node drain must leave one serving). Both charts leave their PDB out at one replica.
 */
export const istioReleaseReplicas = resourcePolicy<IstioReleaseReplicasSettings>(
  {
    name: "istio-release-replicas",
    description: "Istio's istiod and ingress gateway releases run at least their minimum replicas, with a PodDisruptionBudget when more than one.",
    enforcementLevel: MANDATORY,
    severity: "high",
    configSchema: {
      properties: {
        istiodMinReplicas: {
          type: "integer",
          minimum: 1,
          default: 1,
          description: "The fewest istiod replicas a release may run (autoscaleMin, or replicaCount without autoscaling).",
        },
        gatewayMinReplicas: {
          type: "integer",
          minimum: 1,
          default: 1,
          description: "The fewest ingress gateway replicas a release may run (autoscaling.minReplicas, or replicaCount without autoscaling).",
        },
      },
    },
  },
  isHelmRelease,
  (props, settings, report, args) => {
    const chart = istioChartOf(props);
    const workload = chart && chartWorkload(chart, props);
    if (!chart || !workload) return args.notApplicable(`${describeRelease(props)} installs no istiod or ingress gateway`);
    const minimum = chart === "istiod" ? settings.istiodMinReplicas : settings.gatewayMinReplicas;
    const how = workload.autoscaled ? "autoscales from" : "runs";
    if (workload.minReplicas < minimum) {
      report(
        `${describeRelease(props)}: its ${workload.workload} ${how} ${workload.minReplicas} replica(s) (values.${workload.replicasKey}), fewer than the ${minimum} required: set values.${workload.replicasKey} to ${minimum} or more.`,
      );
    }
    if (workload.minReplicas > 1 && !workload.disruptionBudget) {
      const fix = chart === "istiod" ? `leave values.${workload.budgetKey} true` : `set values.${workload.budgetKey} to {minAvailable: 1}`;
      report(
        `${describeRelease(props)}: its ${workload.workload} ${how} ${workload.minReplicas} replicas with no PodDisruptionBudget, so a node drain may evict them all at once: ${fix}.`,
      );
    }
  },
);
