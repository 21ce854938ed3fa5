import { exemptNamespacesSchema } from "../lib/config";
import { DEPLOYMENT_TYPES, describe, isOneOf, nameOf, namespaceOf } from "../lib/k8s";
import { ADVISORY, resourcePolicy } from "../lib/policy";

export interface RollingUpdateSettings {
  allowRecreate: string[];
  exemptNamespaces: string[];
}

/** `maxUnavailable` as Kubernetes defaults it when `rollingUpdate` leaves it unset. */
const DEFAULT_MAX_UNAVAILABLE = "25%";

/**
 * Rolling updates (kube-linter `no-rolling-update-strategy`, Polaris): a Deployment that runs more
 * than one replica — or leaves `spec.replicas` unset, as one an HPA scales does — rolls out with
 * RollingUpdate (unset is RollingUpdate), and its `maxUnavailable` leaves a pod serving: below 100%
 * and below the replica count. `Recreate` stops every pod before starting the new ones, an outage
 * on each rollout; Deployments whose pods must never overlap are listed in `allowRecreate`.
 */
export const rollingUpdateStrategy = resourcePolicy<RollingUpdateSettings>(
  {
    name: "rolling-update-strategy",
    description: "Deployments with more than one replica roll out with RollingUpdate and keep a pod available.",
    enforcementLevel: ADVISORY,
    severity: "medium",
    configSchema: {
      properties: {
        allowRecreate: {
          type: "array",
          items: { type: "string" },
          default: [],
          description: "Deployments (`name` or `namespace/name`) allowed to use the Recreate strategy.",
        },
        exemptNamespaces: exemptNamespacesSchema("Deployments"),
      },
    },
  },
  (type) => isOneOf(type, DEPLOYMENT_TYPES),
  (props, settings, report, args) => {
    const what = describe(props, "Deployment");
    if (settings.exemptNamespaces.includes(namespaceOf(props))) args.notApplicable(`namespace ${namespaceOf(props)} is exempt`);
    const replicas = props.spec?.replicas === undefined || props.spec?.replicas === null ? undefined : Number(props.spec.replicas);
    if (replicas !== undefined && replicas <= 1) args.notApplicable(`${what} runs ${replicas} replica`);
    const count = replicas === undefined ? "spec.replicas unset" : `${replicas} replicas`;

    const strategy = props.spec?.strategy ?? {};
    const type = String(strategy.type ?? "RollingUpdate");
    if (type !== "RollingUpdate") {
      const allowed = settings.allowRecreate.includes(nameOf(props)) || settings.allowRecreate.includes(`${namespaceOf(props)}/${nameOf(props)}`);
      if (type !== "Recreate" || !allowed) {
        report(
          `${what}: spec.strategy.type is ${type} with ${count}, so every pod stops before a new one starts and each rollout is an outage: use RollingUpdate (or list the Deployment in allowRecreate if its pods must never overlap).`,
        );
      }
      return;
    }

    const maxUnavailable = strategy.rollingUpdate?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE;
    const raw = String(maxUnavailable).trim();
    const percent = /^(\d+)%$/.exec(raw);
    if (percent && Number(percent[1]) >= 100) {
      report(
        `${what}: spec.strategy.rollingUpdate.maxUnavailable is ${raw} with ${count}, so a rollout may stop every pod at once: set it below 100% (e.g. 25%) so a pod keeps serving.`,
      );
    } else if (!percent && /^\d+$/.test(raw) && replicas !== undefined && Number(raw) >= replicas) {
      report(
        `${what}: spec.strategy.rollingUpdate.maxUnavailable is ${raw} with ${count}, so a rollout may stop every pod at once: set it below the replica count (e.g. 1 or 25%).`,
      );
    }
  },
);
