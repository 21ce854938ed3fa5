import { exemptNamespacesSchema } from "../lib/config";
import { containersOf, describe } from "../lib/k8s";
import { ADVISORY, resourcePolicy } from "../lib/policy";
import { mayHavePodTemplate, templateOrSkip } from "./workloads";

export interface ResourceSettings {
  requireCpuLimit: boolean;
  exemptNamespaces: string[];
}

/** Resources: every container (init containers too) requests CPU and memory and limits memory. */
export const containerResources = resourcePolicy<ResourceSettings>(
  {
    name: "container-resources",
    description: "Containers request CPU and memory and set a memory limit.",
    enforcementLevel: ADVISORY,
    severity: "medium",
    configSchema: {
      properties: {
        requireCpuLimit: { type: "boolean", default: false, description: "Also require a CPU limit (off: CPU limits throttle more than they protect)." },
        exemptNamespaces: exemptNamespacesSchema("workloads"),
      },
    },
  },
  mayHavePodTemplate,
  (props, settings, report, args) => {
    const template = templateOrSkip(args.type, props, settings.exemptNamespaces, args.notApplicable);
    const required: [string, string][] = [
      ["requests", "cpu"],
      ["requests", "memory"],
      ["limits", "memory"],
      ...(settings.requireCpuLimit ? [["limits", "cpu"] as [string, string]] : []),
    ];
    for (const { container, path } of containersOf(template, { init: true })) {
      for (const [block, resource] of required) {
        if (container.resources?.[block]?.[resource] === undefined) {
          report(
            `${describe(props)}: ${path}.resources.${block}.${resource} is unset: set it (e.g. ${resource === "cpu" ? "250m" : "256Mi"}) so the scheduler${block === "limits" ? " and the OOM killer" : ""} can plan for the container.`,
          );
        }
      }
    }
  },
);
