import { DEFAULT_CIRCUIT_BREAKER, GATEWAY, MESH, ServiceEntry, kubernetesName } from "../../catalog";
import { PLATFORM_ENDPOINTS, PlatformEndpoint } from "./platform-endpoints";
import { IstioSettings } from "./settings";

/**
 * The Istio objects the stack applies, derived from the catalog. They are the valid
 * equivalents of the spec's service_mesh/ documents (which are emitted as written, never applied):
 * one DestinationRule per service host (never `hosts:`, never `circuitBreaker:`), the canary's
 * subsets on the order service's own rule, `networking.istio.io/v1` and `security.istio.io/v1`.
 */

export const NETWORKING = "networking.istio.io/v1";
export const SECURITY = "security.istio.io/v1";

export interface MeshObject {
  readonly apiVersion: string;
  readonly kind: "DestinationRule" | "VirtualService" | "Gateway" | "PeerAuthentication";
  readonly name: string;
  /** `services`: the services' namespace; `root`: Istio's root namespace (mesh-wide). */
  readonly scope: "services" | "root";
  readonly spec: Record<string, unknown>;
}

export interface MeshContext {
  /** The services' namespace name (FQDNs, principals). */
  readonly namespace: string;
  readonly services: readonly ServiceEntry[];
  /** The platform components the stack composes (their Services get DestinationRules; Kong replaces the gateway routes). */
  readonly components: readonly string[];
  readonly settings: IstioSettings;
}

/** `<name>.<namespace>.svc.cluster.local`: the host every DestinationRule and route names. */
export const serviceHost = (specName: string, namespace: string): string => `${kubernetesName(specName)}.${namespace}.svc.cluster.local`;

const portOf = (specName: string, services: readonly ServiceEntry[]): number => {
  const entry = services.find((s) => s.config.service_name === specName);
  if (!entry) throw new Error(`mesh: no service named "${specName}" in the stack`);
  return entry.config.port;
};

type Breaker = { readonly failure_threshold: number; readonly timeout: number };

/** MESH's connection pool as a DestinationRule states it (the spec's file and the applied rules). */
export function connectionPool(): Record<string, unknown> {
  const pool = MESH.trafficPolicy.connectionPool;
  return {
    tcp: { maxConnections: pool.maxConnections },
    http: { http1MaxPendingRequests: pool.http1MaxPendingRequests, maxRequestsPerConnection: pool.maxRequestsPerConnection },
  };
}

/** Connection pool and load balancer from MESH, ejection from a breaker. */
function trafficPolicy(breaker: Breaker): Record<string, unknown> {
  const policy = MESH.trafficPolicy;
  return {
    loadBalancer: { simple: policy.loadBalancer },
    connectionPool: connectionPool(),
    outlierDetection: {
      consecutive5xxErrors: breaker.failure_threshold,
      interval: policy.outlierDetection.interval,
      baseEjectionTime: `${breaker.timeout}s`,
      maxEjectionPercent: Math.min(policy.outlierDetection.maxEjectionPercent, 50),
    },
  };
}

/** A service's DestinationRule: the traffic policy with ejection from its own breaker. */
export function destinationRule(entry: ServiceEntry, namespace: string): MeshObject {
  const config = entry.config;
  const canary = MESH.canary;
  return {
    apiVersion: NETWORKING,
    kind: "DestinationRule",
    name: kubernetesName(config.service_name),
    scope: "services",
    spec: {
      host: serviceHost(config.service_name, namespace),
      trafficPolicy: trafficPolicy(config.circuit_breaker ?? DEFAULT_CIRCUIT_BREAKER),
      // The canary's subsets live on the service's one rule: a second rule for the host would conflict.
      ...(config.service_name === canary.service
        ? { subsets: [canary.stable, canary.candidate].map((s) => ({ name: s.subset, labels: { version: s.subset } })) }
        : {}),
    },
  };
}

/**
 * A platform Service's DestinationRule (the resilience defaults' breaker). It lives in the
 * services' namespace, which exists before any platform namespace and holds the callers it is for.
 */
export function platformDestinationRule(endpoint: PlatformEndpoint): MeshObject {
  return {
    apiVersion: NETWORKING,
    kind: "DestinationRule",
    name: `${endpoint.service}-${endpoint.namespace}`,
    scope: "services",
    spec: {
      host: `${endpoint.service}.${endpoint.namespace}.svc.cluster.local`,
      trafficPolicy: trafficPolicy(DEFAULT_CIRCUIT_BREAKER),
    },
  };
}

const retriesOf = (specName: string) =>
  MESH.retries.service === specName ? { retries: { attempts: MESH.retries.attempts, perTryTimeout: MESH.retries.perTryTimeout } } : {};

/** The canary's two routes (header → candidate; else the weighted split), under `match`. */
type HttpRoute = Record<string, unknown>;

function canaryRoutes(host: string, port: number, match: Record<string, unknown>, namePrefix: string, candidateWeight: number): HttpRoute[] {
  const canary = MESH.canary;
  const weights = { [canary.stable.subset]: 100 - candidateWeight, [canary.candidate.subset]: candidateWeight };
  const destination = (subset: string) => ({ host, port: { number: port }, subset });
  return [
    {
      name: `${namePrefix}canary-header`,
      match: [{ ...match, headers: { [canary.header.name]: { exact: canary.header.exact } } }],
      route: [{ destination: destination(canary.candidate.subset), weight: 100 }],
      ...retriesOf(canary.service),
    },
    {
      name: `${namePrefix}canary-split`,
      ...(Object.keys(match).length ? { match: [match] } : {}),
      route: [canary.stable, canary.candidate].map((s) => ({ destination: destination(s.subset), weight: weights[s.subset] })),
      ...retriesOf(canary.service),
    },
  ];
}

/** Inside the mesh: the canary split of traffic_splitting.yaml, with the spec's retries. */
export function canaryVirtualService(ctx: MeshContext): MeshObject {
  const service = MESH.canary.service;
  const host = serviceHost(service, ctx.namespace);
  return {
    apiVersion: NETWORKING,
    kind: "VirtualService",
    name: MESH.canary.name,
    scope: "services",
    spec: { hosts: [host], http: canaryRoutes(host, portOf(service, ctx.services), {}, "", ctx.settings.canaryWeight) },
  };
}

/**
 * The ingress Gateway for the API host, on the Helm-installed gateway (`istio: ingress`): plain HTTP
 * (kind), or with `istio.tls` HTTPS only, with the named Secret's certificate.
 */
export function ingressGateway(settings: IstioSettings): MeshObject {
  const server = settings.tls
    ? { port: { ...MESH.ingressTlsServer }, hosts: [GATEWAY.host], tls: { mode: "SIMPLE", credentialName: settings.tls.secretName } }
    : { port: { ...MESH.ingressServer }, hosts: [GATEWAY.host] };
  return {
    apiVersion: NETWORKING,
    kind: "Gateway",
    name: MESH.gatewayName,
    scope: "services",
    spec: { selector: { ...MESH.ingressSelector }, servers: [server] },
  };
}

/** The ports the ingress gateway's listener takes the API's clients on. */
export const gatewayClientPorts = (settings: IstioSettings): number[] => [settings.tls ? MESH.ingressTlsServer.number : MESH.ingressServer.number];

/**
 * With Kong composed, Kong is the API's edge and the ingress gateway routes nothing around it;
 * the spec's fault injection then applies to the user service's traffic from Kong, in the mesh.
 */
export function faultFromKong(ctx: MeshContext): MeshObject | undefined {
  const fault = MESH.faultInjection;
  if (!ctx.settings.faultInjection || !ctx.services.some((s) => s.config.service_name === fault.service)) return undefined;
  if (fault.service === MESH.canary.service)
    throw new Error("mesh catalog: the fault-injected service cannot also be the canary (one VirtualService per host)");
  const host = serviceHost(fault.service, ctx.namespace);
  const destination = { host, port: { number: portOf(fault.service, ctx.services) } };
  return {
    apiVersion: NETWORKING,
    kind: "VirtualService",
    name: `${kubernetesName(fault.service)}-fault`,
    scope: "services",
    spec: {
      hosts: [host],
      http: [
        {
          name: "from-kong",
          match: [{ sourceNamespace: GATEWAY.namespace }],
          fault: { delay: { percentage: { value: fault.percentage }, fixedDelay: fault.fixedDelay } },
          route: [{ destination }],
        },
        { name: "default", route: [{ destination }] },
      ],
    },
  };
}

/**
 * The gateway's routes when Kong is not composed (GATEWAY.routes): each prefix to its service; the order route
 * keeps the canary split and the spec's retries; the user route gets the spec's fault-injection
 * delay only when `microservices-ecosystem:istio` `{faultInjection: true}`.
 */
export function gatewayVirtualService(ctx: MeshContext): MeshObject {
  const fault = MESH.faultInjection;
  const http = GATEWAY.routes
    .filter((r) => ctx.services.some((s) => s.config.service_name === r.service))
    .flatMap((route): HttpRoute[] => {
      const host = serviceHost(route.service, ctx.namespace);
      const port = portOf(route.service, ctx.services);
      const match = { uri: { prefix: route.path } };
      const name = kubernetesName(route.service);
      if (route.service === MESH.canary.service) return canaryRoutes(host, port, match, `${name}-`, ctx.settings.canaryWeight);
      return [
        {
          name,
          match: [match],
          route: [{ destination: { host, port: { number: port } } }],
          ...(ctx.settings.faultInjection && route.service === fault.service
            ? { fault: { delay: { percentage: { value: fault.percentage }, fixedDelay: fault.fixedDelay } } }
            : {}),
          ...retriesOf(route.service),
        },
      ];
    });
  return {
    apiVersion: NETWORKING,
    kind: "VirtualService",
    name: MESH.specGatewayRoutesName,
    scope: "services",
    spec: { hosts: [GATEWAY.host], gateways: [MESH.gatewayName], http },
  };
}

/** Mutual TLS required: mesh-wide (root namespace) and in the services' namespace. */
export function peerAuthentications(): MeshObject[] {
  return (["root", "services"] as const).map((scope) => ({
    apiVersion: SECURITY,
    kind: "PeerAuthentication",
    name: "default",
    scope,
    spec: { mtls: { mode: MESH.mtlsMode } },
  }));
}

/** Every Istio object of the mesh, in apply order (mTLS first, then traffic). */
export function meshObjects(ctx: MeshContext): MeshObject[] {
  const hasCanary = ctx.services.some((s) => s.config.service_name === MESH.canary.service);
  return [
    ...peerAuthentications(),
    ...ctx.services.map((s) => destinationRule(s, ctx.namespace)),
    ...PLATFORM_ENDPOINTS.filter((e) => ctx.components.includes(e.component)).map(platformDestinationRule),
    ...(hasCanary ? [canaryVirtualService(ctx)] : []),
    ingressGateway(ctx.settings),
    ...(ctx.components.includes("kong")
      ? [faultFromKong(ctx)].filter((vs): vs is MeshObject => vs !== undefined)
      : [gatewayVirtualService(ctx)].filter((vs) => (vs.spec.http as unknown[]).length > 0)),
  ];
}
