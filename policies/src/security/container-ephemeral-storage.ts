import { exemptNamespacesSchema } from "../lib/config";
import { containersOf, describe } from "../lib/k8s";
import { ADVISORY, resourcePolicy } from "../lib/policy";
import { mayHavePodTemplate, templateOrSkip } from "../hygiene/workloads";

export interface EphemeralStorageSettings {
  exemptNamespaces: string[];
}

/**
 * Disk a container may fill: every container (init containers too) requests ephemeral storage (the
 * scheduler then places it where its logs and scratch space fit) and limits it (the kubelet evicts the
 * pod before it fills the node's disk and takes its neighbours down).
 */
export const containerEphemeralStorage = resourcePolicy<EphemeralStorageSettings>(
  {
    name: "container-ephemeral-storage",
    description: "Containers request and limit ephemeral storage.",
    enforcementLevel: ADVISORY,
    severity: "medium",
    configSchema: { properties: { exemptNamespaces: exemptNamespacesSchema("workloads") } },
  },
  mayHavePodTemplate,
  (props, settings, report, args) => {
    const template = templateOrSkip(args.type, props, settings.exemptNamespaces, args.notApplicable);
    for (const { container, path } of containersOf(template, { init: true })) {
      for (const block of ["requests", "limits"]) {
        if (container.resources?.[block]?.["ephemeral-storage"] === undefined) {
          report(
            `${describe(props)}: ${path}.resources.${block}.ephemeral-storage is unset: size it from what the container writes (its logs and the emptyDirs it mounts), e.g. 114Mi for 50Mi of logs and a 64Mi /tmp.`,
          );
        }
      }
    }
  },
);
