import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { STATE_METRICS } from "../../catalog";
import { commonLabels } from "../labels";
import { PlatformArgs } from "../platform";
import { httpProbe, platformWorkload } from "../platform-workload";

export interface KubeStateMetricsArgs extends PlatformArgs {
  /** Where it runs (Prometheus's namespace). */
  readonly monitoringNamespace: pulumi.Input<string>;
  /** The namespaces it reports on, each by name and by the input that names it (so that its Role waits for it). */
  readonly watched: readonly { readonly name: string; readonly namespace: pulumi.Input<string> }[];
}

const NAME = STATE_METRICS.workload;

/** The RBAC rules it needs in each namespace it watches: list and watch of exactly the resources it reports. */
export function stateMetricsRules(): { apiGroups: string[]; resources: string[]; verbs: string[] }[] {
  const groups = [...new Set(STATE_METRICS.resources.map((r) => r.apiGroup))];
  return groups.map((group) => ({
    apiGroups: [group],
    resources: STATE_METRICS.resources.filter((r) => r.apiGroup === group).map((r) => r.resource),
    verbs: ["list", "watch"],
  }));
}

/** Its command line: the resources and namespaces it reports, its two ports. */
export function stateMetricsArgs(namespaces: readonly string[]): string[] {
  return [
    `--resources=${STATE_METRICS.resources.map((r) => r.resource).join(",")}`,
    `--namespaces=${namespaces.join(",")}`,
    `--port=${STATE_METRICS.port}`,
    `--telemetry-port=${STATE_METRICS.telemetryPort}`,
  ];
}

/**
 * kube-state-metrics (pinned) beside Prometheus: the state of the stack's objects (pods' restarts and readiness,
 * workloads' desired and available replicas, claims, disruption budgets) for the infrastructure dashboard and the
 * Kubernetes alerts. It reads only the namespaces the stack creates, through a Role in each: no ClusterRole, no
 * Secrets, no ConfigMaps.
 */
export class KubeStateMetrics extends pulumi.ComponentResource {
  constructor(name: string, args: KubeStateMetricsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:KubeStateMetrics", name, {}, opts);
    const childOpts = { parent: this, provider: args.provider };
    const labels = { app: NAME, ...commonLabels(NAME, "monitoring") };
    const sizing = STATE_METRICS.sizing[args.environment];

    const bindings = args.watched.map(({ name: ns, namespace }) => {
      const role = new k8s.rbac.v1.Role(`${NAME}-${ns}`, { metadata: { name: NAME, namespace, labels }, rules: stateMetricsRules() }, childOpts);
      return new k8s.rbac.v1.RoleBinding(
        `${NAME}-${ns}`,
        {
          metadata: { name: NAME, namespace, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
          subjects: [{ kind: "ServiceAccount", name: NAME, namespace: args.monitoringNamespace }],
        },
        childOpts,
      );
    });

    platformWorkload(
      {
        name: NAME,
        namespace: args.monitoringNamespace,
        labels,
        selector: { app: NAME },
        serviceAccount: { automountToken: true },
        uid: STATE_METRICS.uid,
        replicas: sizing.replicas,
        container: {
          name: NAME,
          image: STATE_METRICS.image,
          args: stateMetricsArgs(args.watched.map((w) => w.name)),
          ports: [
            { name: STATE_METRICS.portName, containerPort: STATE_METRICS.port, protocol: "TCP" },
            { name: STATE_METRICS.telemetryPortName, containerPort: STATE_METRICS.telemetryPort, protocol: "TCP" },
          ],
          livenessProbe: httpProbe("/livez", STATE_METRICS.portName, { initialDelaySeconds: 5, timeoutSeconds: 5 }),
          readinessProbe: httpProbe("/readyz", STATE_METRICS.telemetryPortName, { initialDelaySeconds: 5, timeoutSeconds: 5 }),
          resources: sizing.resources,
        },
        // Its Roles first: without them its first lists fail and it reports nothing until it retries.
        dependsOn: bindings,
      },
      childOpts,
    );
    this.registerOutputs({});
  }
}
