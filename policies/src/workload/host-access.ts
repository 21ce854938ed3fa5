import { mayHavePodTemplate, templateOrSkip } from "../hygiene/workloads";
import { exemptNamespacesSchema } from "../lib/config";
import { Props, containersOf, describe } from "../lib/k8s";
import { ADVISORY, resourcePolicy } from "../lib/policy";

export interface HostAccessSettings {
  allowedCapabilities: string[];
  exemptNamespaces: string[];
}

/** `cap_net_admin` → `NET_ADMIN`: capabilities compare without the prefix, case-insensitively. */
const capability = (name: unknown): string => String(name).trim().toUpperCase().replace(/^CAP_/, "");

const NAMESPACES: Record<string, string> = { hostNetwork: "network", hostPID: "process", hostIPC: "IPC" };

/**
 * Host access (Pod Security Baseline; Kyverno's `disallow-host-path`, `disallow-host-ports`,
 * `disallow-privileged-containers`, `disallow-capabilities`, `disallow-host-namespaces`): a pod
 * template mounts no hostPath volume, binds no hostPort, runs no privileged container (init
 * containers included), adds no capability beyond `allowedCapabilities`, and shares none of the
 * node's network, process or IPC namespaces. Each of these lets a compromised container reach the
 * node and every other pod on it.
 */
export const hostAccess = resourcePolicy<HostAccessSettings>(
  {
    name: "host-access",
    description: "Pods use no hostPath volume, hostPort, privileged container, added capability or host namespace.",
    enforcementLevel: ADVISORY,
    severity: "high",
    configSchema: {
      properties: {
        allowedCapabilities: {
          type: "array",
          items: { type: "string" },
          default: [],
          description: "Capabilities containers may add (e.g. NET_BIND_SERVICE); every other one in capabilities.add is a violation.",
        },
        exemptNamespaces: exemptNamespacesSchema("workloads"),
      },
    },
  },
  mayHavePodTemplate,
  (props, settings, report, args) => {
    const template = templateOrSkip(args.type, props, settings.exemptNamespaces, args.notApplicable);
    const what = describe(props);
    for (const [field, namespace] of Object.entries(NAMESPACES)) {
      if (template.spec[field] === true) {
        report(`${what}: ${template.path}.${field} is true, which shares the node's ${namespace} namespace with the pod: remove it.`);
      }
    }
    ((template.spec.volumes ?? []) as Props[]).forEach((volume, i) => {
      if (!volume?.hostPath) return;
      report(
        `${what}: ${template.path}.volumes[${i}] (${volume.name ?? i}) mounts hostPath ${volume.hostPath.path ?? "(no path)"}, which exposes the node's filesystem to the pod: use an emptyDir, ConfigMap, Secret or PersistentVolumeClaim instead.`,
      );
    });
    const allowed = new Set(settings.allowedCapabilities.map(capability));
    for (const { container, path } of containersOf(template, { init: true })) {
      ((container.ports ?? []) as Props[]).forEach((port, j) => {
        if (!port?.hostPort || Number(port.hostPort) === 0) return;
        report(
          `${what}: ${path}.ports[${j}]${port.name ? ` (${port.name})` : ""} sets hostPort ${port.hostPort}, which binds the node's port and allows one such pod per node: remove hostPort and expose the port through a Service.`,
        );
      });
      const sc = container.securityContext ?? {};
      if (sc.privileged === true) {
        report(`${what}: ${path}.securityContext.privileged is true, which gives the container every capability and the node's devices: remove it.`);
      }
      const added = ((sc.capabilities?.add ?? []) as unknown[]).map(String).filter((c) => !allowed.has(capability(c)));
      if (added.length) {
        report(
          `${what}: ${path}.securityContext.capabilities.add includes ${added.join(", ")}, not in allowedCapabilities [${[...allowed].join(", ")}]: remove ${added.length > 1 ? "them" : "it"} (or allow ${added.length > 1 ? "them" : "it"} in the policy config).`,
        );
      }
    }
  },
);
