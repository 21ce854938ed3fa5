import { Props } from "./k8s";

/** The probes a container can declare, in the order messages list them. */
export const PROBE_FIELDS = ["livenessProbe", "readinessProbe", "startupProbe"] as const;
export type ProbeField = (typeof PROBE_FIELDS)[number];

/** The handlers a probe can use; a valid probe sets exactly one. */
export const HANDLER_FIELDS = ["httpGet", "tcpSocket", "grpc", "exec"] as const;
export type HandlerField = (typeof HANDLER_FIELDS)[number];

/** A probe's handler: which one, and the handler object itself. */
export interface ProbeHandler {
  readonly field: HandlerField;
  readonly handler: Props;
}

/** The handler of a probe (the first set, should a malformed probe set several). */
export function handlerOf(probe: Props | undefined): ProbeHandler | undefined {
  if (!probe) return undefined;
  for (const field of HANDLER_FIELDS) {
    if (probe[field]) return { field, handler: probe[field] };
  }
  return undefined;
}

/** Whether an IntOrString port is a number (`8080` or `"8080"`), not a port name. */
export const isNumericPort = (port: unknown): boolean => typeof port === "number" || (typeof port === "string" && /^\d+$/.test(port.trim()));

/** The container's declared ports. */
export const portsOf = (container: Props): Props[] => (container?.ports ?? []) as Props[];

/** A probe port as a number: numbers as they are, names through the container's `ports`; unresolved names stay names. */
export function resolvePort(port: number | string | undefined | null, container: Props): number | string | undefined {
  if (port === undefined || port === null) return undefined;
  if (isNumericPort(port)) return Number(port);
  const named = portsOf(container).find((p) => p?.name === port);
  return named?.containerPort !== undefined ? Number(named.containerPort) : String(port);
}

/**
 * A handler reduced to what decides what it checks, with Kubernetes' defaults filled in and named
 * ports resolved to numbers: two probes with equal keys run the same check.
 */
export function handlerKey(probe: ProbeHandler, container: Props): string {
  const h = probe.handler;
  switch (probe.field) {
    case "httpGet": {
      const headers = ((h.httpHeaders ?? []) as Props[]).map((x) => [String(x?.name ?? "").toLowerCase(), String(x?.value ?? "")]).sort();
      return JSON.stringify([
        "httpGet",
        String(h.host ?? ""),
        String(h.scheme ?? "HTTP").toUpperCase(),
        String(h.path || "/"),
        resolvePort(h.port, container),
        headers,
      ]);
    }
    case "tcpSocket":
      return JSON.stringify(["tcpSocket", String(h.host ?? ""), resolvePort(h.port, container)]);
    case "grpc":
      return JSON.stringify(["grpc", resolvePort(h.port, container), String(h.service ?? "")]);
    case "exec":
      return JSON.stringify(["exec", ((h.command ?? []) as unknown[]).map(String)]);
  }
}

/** `httpGet /ready on port http`, `exec "pg_isready --host=127.0.0.1"`: a handler for messages. */
export function describeHandler(probe: ProbeHandler): string {
  const h = probe.handler;
  switch (probe.field) {
    case "httpGet":
      return `httpGet ${String(h.path || "/")} on port ${h.port}`;
    case "tcpSocket":
      return `tcpSocket check on port ${h.port}`;
    case "grpc":
      return `grpc check${h.service ? ` of service ${h.service}` : ""} on port ${h.port}`;
    case "exec":
      return `exec "${((h.command ?? []) as unknown[]).map(String).join(" ")}"`;
  }
}
