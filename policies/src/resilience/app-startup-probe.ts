import { APP_TIER_LABELS, appTierLabelsSchema } from "../lib/config";
import { DEPLOYMENT_TYPES, STATEFULSET_TYPES, containersOf, describe, hasLabels, isOneOf, labelsOf, podTemplateOf } from "../lib/k8s";
import { ADVISORY, resourcePolicy } from "../lib/policy";

export interface StartupProbeSettings {
  appTierLabels: Record<string, string>;
}

/**
 * A service starts under a startup probe: until it first answers, liveness waits, so a slow start (a
 * busy node, a cold cache) is not taken for a hang and restarted into a crash loop, and liveness need
 * not wait a guessed initial delay on every start.
 */
export const appStartupProbe = resourcePolicy<StartupProbeSettings>(
  {
    name: "app-startup-probe",
    description: "Every container of an app-tier Deployment or StatefulSet has a startupProbe.",
    enforcementLevel: ADVISORY,
    severity: "medium",
    configSchema: {
      properties: {
        appTierLabels: appTierLabelsSchema,
      },
    },
  },
  (type) => isOneOf(type, [...DEPLOYMENT_TYPES, ...STATEFULSET_TYPES]),
  (props, settings, report, args) => {
    const template = podTemplateOf(args.type, props);
    const tier = settings.appTierLabels ?? APP_TIER_LABELS;
    if (!template || !hasLabels({ ...template.labels, ...labelsOf(props) }, tier)) return args.notApplicable("not an app-tier workload");
    for (const { container, path } of containersOf(template)) {
      if (!container.startupProbe) {
        report(
          `${describe(props)}: ${path}.startupProbe is unset, so liveness judges the container while it is still starting and a slow start ends in a restart: add a startupProbe on its health endpoint (failureThreshold × periodSeconds covers the slowest start).`,
        );
      }
    }
  },
);
