import { ServiceEntry, kubernetesName } from "./service";

/** A catalog that cannot be deployed: names the service and the field. */
export class CatalogError extends Error {
  constructor(service: string, field: string, problem: string) {
    super(`catalog: service "${service}" field "${field}": ${problem}`);
    this.name = "CatalogError";
  }
}

/** Ports Istio's sidecar and istiod use in every meshed pod (Envoy's admin, outbound, inbound, status, metrics…). */
export const ISTIO_RESERVED_PORTS = { from: 15000, to: 15090 } as const;

// Service names become DNS-1035 labels (Service objects): lowercase, start with a letter, ≤ 63.
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Checks the services before anything is created: names, ports, replicas and a dependency
 * graph without unknown targets, self-loops or cycles. Throws the first problem it finds.
 */
export function validateCatalog(services: readonly ServiceEntry[]): void {
  const names = new Set<string>();
  const ports = new Map<number, string>();
  for (const { config } of services) {
    const name = config.service_name;
    if (names.has(name)) throw new CatalogError(name, "service_name", "is used by two services; names must be unique");
    names.add(name);
    const k8sName = kubernetesName(name);
    if (!DNS_LABEL.test(k8sName)) {
      throw new CatalogError(
        name,
        "service_name",
        `"${k8sName}" is not a valid Kubernetes name: use lowercase letters, digits and "_" (at most 63, starting with a letter)`,
      );
    }
    if (!Number.isInteger(config.port) || config.port < 1 || config.port > 65535) {
      throw new CatalogError(name, "port", `${config.port} is not a TCP port (1-65535)`);
    }
    if (config.port >= ISTIO_RESERVED_PORTS.from && config.port <= ISTIO_RESERVED_PORTS.to) {
      throw new CatalogError(
        name,
        "port",
        `${config.port} is reserved by Istio (${ISTIO_RESERVED_PORTS.from}-${ISTIO_RESERVED_PORTS.to} are its sidecar's and istiod's ports); choose a port outside that range`,
      );
    }
    const holder = ports.get(config.port);
    if (holder) throw new CatalogError(name, "port", `${config.port} is already the port of "${holder}"; give each service its own`);
    ports.set(config.port, name);
    if (!Number.isInteger(config.replicas) || config.replicas < 1) {
      throw new CatalogError(name, "replicas", `${config.replicas} is not an integer of at least 1`);
    }
  }
  for (const { config } of services) {
    for (const dependency of config.dependencies) {
      if (dependency === config.service_name) throw new CatalogError(config.service_name, "dependencies", "the service depends on itself");
      if (!names.has(dependency)) {
        throw new CatalogError(config.service_name, "dependencies", `"${dependency}" is not a service of the catalog`);
      }
    }
  }
  const cycle = findCycle(services);
  if (cycle) throw new CatalogError(cycle[0], "dependencies", `dependency cycle ${cycle.join(" → ")}`);
}

function findCycle(services: readonly ServiceEntry[]): string[] | undefined {
  const edges = new Map(services.map((s) => [s.config.service_name, s.config.dependencies]));
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, trail: string[]): string[] | undefined => {
    if (state.get(name) === "done") return undefined;
    if (state.get(name) === "visiting") return [...trail.slice(trail.indexOf(name)), name];
    state.set(name, "visiting");
    for (const next of edges.get(name) ?? []) {
      const cycle = visit(next, [...trail, name]);
      if (cycle) return cycle;
    }
    state.set(name, "done");
    return undefined;
  };
  for (const name of edges.keys()) {
    const cycle = visit(name, []);
    if (cycle) return cycle;
  }
  return undefined;
}
