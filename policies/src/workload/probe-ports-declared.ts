import { mayHavePodTemplate, templateOrSkip } from "../hygiene/workloads";
import { exemptNamespacesSchema } from "../lib/config";
import { containersOf, describe } from "../lib/k8s";
import { ADVISORY, resourcePolicy } from "../lib/policy";
import { PROBE_FIELDS, handlerOf, isNumericPort, portsOf } from "../lib/probes";

export interface ProbePortSettings {
  allowUndeclaredNumericPorts: boolean;
  exemptNamespaces: string[];
}

/** Hosts that are the pod itself: a probe to one of them probes the container's own ports. */
const LOCAL_HOSTS = new Set(["", "localhost", "127.0.0.1", "::1"]);

/**
 * Probe ports (kube-linter `liveness-port`, `readiness-port`, `startup-port`): the port of every
 * httpGet, tcpSocket and grpc probe is one the container declares — a name must be the `name` of
 * one of its `ports` (the kubelet cannot resolve any other, and the probe fails forever), a number
 * one of its `containerPort`s unless `allowUndeclaredNumericPorts`. A probe of another host
 * (`httpGet.host`, `tcpSocket.host`) is not the container's and is skipped.
 */
export const probePortsDeclared = resourcePolicy<ProbePortSettings>(
  {
    name: "probe-ports-declared",
    description: "Every probe's port is a port the container declares (by name, or by number).",
    enforcementLevel: ADVISORY,
    severity: "medium",
    configSchema: {
      properties: {
        allowUndeclaredNumericPorts: {
          type: "boolean",
          default: false,
          description: "Allow a numeric probe port that is not one of the container's containerPorts.",
        },
        exemptNamespaces: exemptNamespacesSchema("workloads"),
      },
    },
  },
  mayHavePodTemplate,
  (props, settings, report, args) => {
    const template = templateOrSkip(args.type, props, settings.exemptNamespaces, args.notApplicable);
    const what = describe(props);
    for (const { container, path } of containersOf(template, { init: true })) {
      const ports = portsOf(container);
      const names = ports.map((p) => p?.name).filter(Boolean);
      const numbers = ports.map((p) => Number(p?.containerPort));
      for (const field of PROBE_FIELDS) {
        const probe = handlerOf(container[field]);
        if (!probe || probe.field === "exec" || !LOCAL_HOSTS.has(String(probe.handler.host ?? "").trim())) continue;
        const port = probe.handler.port;
        const where = `${path}.${field}.${probe.field}.port`;
        if (port === undefined || port === null) {
          report(`${what}: ${where} is unset, so the probe checks no port: set it to the name of one of the container's ports.`);
        } else if (!isNumericPort(port)) {
          if (!names.includes(port)) {
            report(
              `${what}: ${where} is "${String(port)}", which is the name of none of the container's ports (${names.length ? names.join(", ") : "it names none"}), so the probe never succeeds: use one of its port names or declare the port.`,
            );
          }
        } else if (!settings.allowUndeclaredNumericPorts && !numbers.includes(Number(port))) {
          report(
            `${what}: ${where} is ${Number(port)}, which is not a containerPort of the container (${numbers.length ? numbers.join(", ") : "it declares none"}): probe a declared port by its name, or declare ${Number(port)} in ports.`,
          );
        }
      }
    }
  },
);
