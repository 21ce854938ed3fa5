import { exemptServicesSchema } from "../lib/config";
import { Props, containersOf, describe } from "../lib/k8s";
import { MANDATORY, stackPolicy } from "../lib/policy";
import { listsService, selectedTemplates, selectingServices } from "../lib/wiring";

export interface ServiceTargetPortsSettings {
  exemptServices: string[];
}

const protocolOf = (port: Props): string => String(port?.protocol || "TCP");

/** The declared ports of some containers. */
function servingPorts(containers: Props[]): Props[] {
  return containers.flatMap((c) => ((c?.ports ?? []) as Props[]).filter((p) => p && typeof p === "object"));
}

/** `http/8001, metrics/9090` for messages. */
const formatPorts = (ports: Props[]): string =>
  ports.length ? ports.map((p) => (p.name ? `${p.name}/${p.containerPort}` : String(p.containerPort))).join(", ") : "none";

/**
 * Every port of a Service reaches a container: its `targetPort` (unset means `port`) names a
 * container port of every pod template the Service selects — by name (with the same protocol, as
 * the endpoints controller looks it up) or by number. kube-linter `dangling-service`, kube-score
 * `service-targetport`.
 */
export const serviceTargetPorts = stackPolicy<ServiceTargetPortsSettings>(
  {
    name: "service-target-ports",
    description: "Each Service port's targetPort is a declared container port of every pod the Service selects.",
    enforcementLevel: MANDATORY,
    severity: "high",
    configSchema: {
      properties: {
        exemptServices: exemptServicesSchema("Services whose ports this policy skips"),
      },
    },
  },
  (stack, settings, report, args) => {
    const services = selectingServices(stack).filter((s) => !listsService(settings.exemptServices, s.resource.props));
    if (services.length === 0) args.notApplicable("no Service with a selector");
    for (const { resource, selector } of services) {
      // A Service that selects nothing is service-selects-pods' finding.
      const selected = selectedTemplates(stack, resource.props, selector);
      ((resource.props.spec?.ports ?? []) as Props[]).forEach((port, i) => {
        if (!port || typeof port !== "object") return;
        const raw = port.targetPort ?? port.port;
        const byNumber = typeof raw === "number" || /^\d+$/.test(String(raw));
        const target = byNumber ? Number(raw) : String(raw);
        const label = `spec.ports[${i}] (${port.name ?? port.port})`;
        for (const { resource: workload, template } of selected) {
          const containers = containersOf(template, { init: true })
            .filter((c) => !c.init || c.container?.restartPolicy === "Always")
            .map((c) => c.container);
          const ports = servingPorts(containers);
          const found = byNumber
            ? ports.some((p) => Number(p.containerPort) === target)
            : ports.some((p) => p.name === target && protocolOf(p) === protocolOf(port));
          if (found) continue;
          const how =
            port.targetPort === undefined ? `targetPort is unset, so it targets port ${port.port}` : `targets ${byNumber ? "port" : "port name"} ${target}`;
          report(
            `${describe(resource.props, "Service")}: ${label} ${how}, which no container of ${describe(workload.props)} declares${byNumber ? "" : ` for ${protocolOf(port)}`} (its ports: ${formatPorts(ports)}), so that port's traffic reaches nothing: set targetPort to one of its containerPort names or numbers, or declare the port in ${template.path}.containers[].ports.`,
            resource.urn,
          );
        }
      });
    }
  },
);
