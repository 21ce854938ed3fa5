import { exemptNamespacesSchema } from "../lib/config";
import { containersOf, describe } from "../lib/k8s";
import { ADVISORY, resourcePolicy } from "../lib/policy";
import { SERVING_KINDS, mayHavePodTemplate, templateOrSkip } from "./workloads";

export interface ProbeSettings {
  requireReadiness: boolean;
  requireLiveness: boolean;
  exemptNamespaces: string[];
}

/** Probes: every container of a long-running workload has a readiness and a liveness probe. */
export const containerProbes = resourcePolicy<ProbeSettings>(
  {
    name: "container-probes",
    description: "Containers of long-running workloads declare readiness and liveness probes.",
    enforcementLevel: ADVISORY,
    severity: "medium",
    configSchema: {
      properties: {
        requireReadiness: { type: "boolean", default: true, description: "Every container needs a readinessProbe." },
        requireLiveness: { type: "boolean", default: true, description: "Every container needs a livenessProbe." },
        exemptNamespaces: exemptNamespacesSchema("workloads"),
      },
    },
  },
  mayHavePodTemplate,
  (props, settings, report, args) => {
    const template = templateOrSkip(args.type, props, settings.exemptNamespaces, args.notApplicable);
    if (!SERVING_KINDS.has(template.kind)) args.notApplicable(`${template.kind} pods run to completion`);
    for (const { container, path } of containersOf(template)) {
      if (settings.requireReadiness && !container.readinessProbe) {
        report(
          `${describe(props)}: ${path}.readinessProbe is unset, so traffic reaches the container before it is ready: add an httpGet/tcpSocket/grpc readinessProbe.`,
        );
      }
      if (settings.requireLiveness && !container.livenessProbe) {
        report(`${describe(props)}: ${path}.livenessProbe is unset, so a hung container is never restarted: add a livenessProbe.`);
      }
    }
  },
);
