import { mayHavePodTemplate, templateOrSkip } from "../hygiene/workloads";
import { exemptNamespacesSchema } from "../lib/config";
import { containersOf, describe } from "../lib/k8s";
import { ADVISORY, resourcePolicy } from "../lib/policy";
import { describeHandler, handlerKey, handlerOf } from "../lib/probes";

export interface ProbesDistinctSettings {
  exemptNamespaces: string[];
}

/**
 * Distinct probes (kube-score `pod-probes`): a container's liveness probe must not run the same
 * check as its readiness probe. Readiness may fail while a dependency is down, and should only take
 * the pod out of its Services' endpoints; the same check as liveness restarts the container too,
 * and a dependency outage then turns into a restart loop across every replica. Handlers compare
 * with Kubernetes' defaults filled in (path `/`, scheme HTTP) and named ports resolved; timings
 * (delays, periods, thresholds) do not make two checks different.
 */
export const probesDistinct = resourcePolicy<ProbesDistinctSettings>(
  {
    name: "probes-distinct",
    description: "A container's livenessProbe runs a different check than its readinessProbe.",
    enforcementLevel: ADVISORY,
    severity: "medium",
    configSchema: {
      properties: {
        exemptNamespaces: exemptNamespacesSchema("workloads"),
      },
    },
  },
  mayHavePodTemplate,
  (props, settings, report, args) => {
    const template = templateOrSkip(args.type, props, settings.exemptNamespaces, args.notApplicable);
    for (const { container, path } of containersOf(template, { init: true })) {
      const readiness = handlerOf(container.readinessProbe);
      const liveness = handlerOf(container.livenessProbe);
      if (!readiness || !liveness || handlerKey(readiness, container) !== handlerKey(liveness, container)) continue;
      report(
        `${describe(props)}: ${path}.livenessProbe runs the same ${describeHandler(liveness)} as its readinessProbe, so a failed readiness check restarts the container instead of only taking it out of the Service's endpoints: point the livenessProbe at a check of the process alone (e.g. /health, keeping /ready for readiness).`,
      );
    }
  },
);
