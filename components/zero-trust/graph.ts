import {
  ALERTMANAGER,
  DATA_STORES,
  GRAFANA,
  EVENT_STORE,
  GATEWAY,
  GatewayRoute,
  JAEGER,
  MESH,
  MESH_TELEMETRY,
  NETWORK,
  POSTGRES,
  PROMETHEUS,
  REDIS,
  STATE_METRICS,
  STORE_EXPORTERS,
  ServiceEntry,
  WORKLOAD,
  eventStoreClients,
  kubernetesName,
  redisClients,
  sagaCoordinators,
} from "../../catalog";
import { MeshPlan, StackNamespace, gatewayInstalled, stackNamespaces } from "./namespaces";

/**
 * Who talks to whom, in every namespace the stack creates: the one graph the NetworkPolicies and the
 * AuthorizationPolicies are both derived from (network-policies.ts, authorization-policies.ts), and
 * that the invariant tests hold them to, in both directions.
 */

export type Protocol = "TCP" | "UDP";
export interface Port {
  readonly protocol: Protocol;
  readonly port: number;
}

/** A workload identity: a ServiceAccount in a namespace. */
export interface Identity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/**
 * How a workload's inbound traffic is guarded besides NetworkPolicies:
 * - `sidecar`: its sidecar captures it: STRICT mTLS, so only meshed callers, whose identities its
 *   AuthorizationPolicy names;
 * - `gateway`: it is a mesh proxy whose listener takes plain-text clients; AuthorizationPolicies apply;
 * - `none`: nothing in the pod checks the caller (not meshed, or its inbound is left uncaptured).
 */
export type InboundGuard = "sidecar" | "gateway" | "none";

/** The pods of one workload. */
export interface Workload {
  readonly kind: "workload";
  /** The name its policies take (`user-service`, `postgres`, `istiod`). */
  readonly name: string;
  readonly namespace: string;
  /** Labels that select its pods, and only them. */
  readonly selector: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  /** It has a mesh identity (a sidecar, or it is a mesh proxy): its calls carry its principal. */
  readonly meshed: boolean;
  readonly inbound: InboundGuard;
  /** False for pods of a namespace the stack does not create (the cluster's DNS, an Istio it did not install). */
  readonly managed: boolean;
}

/** Every pod of a namespace (the source of the edges every pod has: DNS, and istiod for sidecars). */
export interface NamespacePods {
  readonly kind: "namespace";
  readonly namespace: string;
}

/** Peers outside the pod network, as address ranges: the Kubernetes API server, the API's clients. */
export interface Outside {
  readonly kind: "outside";
  readonly name: "kubernetes-api" | "kubelets" | "clients" | "alert-receivers";
  readonly cidrs: readonly string[];
  /** The pod network: an address in it is a pod, never this peer. */
  readonly except: readonly string[];
}

export type Source = Workload | NamespacePods | Outside;
export type Destination = Workload | Outside;

/** The HTTP requests an AuthorizationPolicy narrows an edge to (any request when absent). */
export interface Operation {
  readonly methods?: readonly string[];
  readonly paths?: readonly string[];
}

/** One allowed flow: `from` opens connections to `to` on `ports`. */
export interface Edge {
  readonly from: Source;
  readonly to: Destination;
  readonly ports: readonly Port[];
  readonly operations?: readonly Operation[];
  /** Why the flow exists (one line, for humans reading a failing test). */
  readonly why: string;
}

/** What the graph needs of the stack's config and composed components. */
export interface TrafficInput {
  readonly environment: "dev" | "prod";
  /** The services' namespace. */
  readonly namespace: string;
  readonly services: readonly ServiceEntry[];
  readonly components: readonly string[];
  readonly mesh: MeshPlan;
  readonly network: {
    readonly podCidrs: readonly string[];
    readonly apiServer: { readonly cidrs: readonly string[]; readonly ports: readonly number[] };
    readonly kubelets: { readonly cidrs: readonly string[]; readonly port: number };
  };
  /** The ports Kong's proxy takes clients on (with TLS, its HTTPS listener, and its HTTP one when it redirects). */
  readonly kongProxyPorts: readonly number[];
  /** The ports the ingress gateway's listener takes clients on, when it is the edge (no Kong). */
  readonly gatewayClientPorts: readonly number[];
  /** EventStoreDB's nodes: more than one gossip and replicate with each other. */
  readonly eventStoreNodes: number;
  /** Where Alertmanager (composed with Prometheus) delivers: the notification service, ports outside the cluster. */
  readonly alerting?: { readonly notificationService: boolean; readonly outsidePorts: readonly number[] };
}

export interface TrafficGraph {
  readonly namespaces: readonly StackNamespace[];
  readonly workloads: readonly Workload[];
  readonly edges: readonly Edge[];
}

/** The SPIFFE principal Istio gives a workload: `cluster.local/ns/<ns>/sa/<sa>`. */
export const principal = (id: Identity): string => `${MESH.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;

/** Kong's identity: it calls the gateway-exposed services (GATEWAY.routes). */
export const KONG: Identity = { namespace: GATEWAY.namespace, serviceAccount: GATEWAY.serviceAccount };

/** The Helm-installed ingress gateway's identity (the chart names its ServiceAccount after the release). */
export const INGRESS_GATEWAY: Identity = { namespace: MESH.install.ingressNamespace, serviceAccount: MESH.install.releases.gateway };

/** The services that call `specName`: those that list it in their `dependencies`. */
export function callersOf(specName: string, services: readonly ServiceEntry[]): ServiceEntry[] {
  return services.filter((s) => s.config.dependencies.includes(specName));
}

/** The gateway route that exposes a service (GATEWAY.routes), if any. */
export const gatewayRoute = (specName: string): GatewayRoute | undefined => GATEWAY.routes.find((r) => r.service === specName);

/** A data store a service connects to. */
export interface DataStoreLink {
  /** The platform component that runs it (a stack may compose it or not). */
  readonly component: "postgresql" | "redis" | "eventstore";
  /** Its Service and pods' `app` label. */
  readonly name: string;
  readonly port: number;
}

/**
 * The data stores a service uses, decided from catalog data (the same functions the data-store
 * components bind services with):
 * - PostgreSQL (5432): a service with a `database`, or a saga coordinator (saga_db);
 * - Redis (6379): a service whose config or documents name Redis as a provider (inventory's
 *   `caching`, order's distributed locks);
 * - EventStoreDB (2113): the owner of one of event_streams.json's streams (user, order, payment)
 *   and every service whose documents name one of its events (analytics' pipelines, notification's
 *   `order.created` trigger).
 */
export function dataStoresOf(entry: ServiceEntry, services: readonly ServiceEntry[]): DataStoreLink[] {
  const name = entry.config.service_name;
  const among = (list: readonly ServiceEntry[]) => list.some((s) => s.config.service_name === name);
  const links: DataStoreLink[] = [];
  if (entry.config.database || among(sagaCoordinators(services))) links.push({ component: "postgresql", name: POSTGRES.host, port: POSTGRES.port });
  if (among(redisClients(services))) links.push({ component: "redis", name: REDIS.host, port: REDIS.port });
  if (among(eventStoreClients(services))) links.push({ component: "eventstore", name: EVENT_STORE.host, port: EVENT_STORE.port });
  return links;
}

export const tcp = (...ports: readonly number[]): Port[] => ports.map((port) => ({ protocol: "TCP", port }));

/** A workload of the stack named by its `app` label, ServiceAccount and policies alike. */
function appWorkload(name: string, namespace: string, meshed: boolean, inbound: InboundGuard = meshed ? "sidecar" : "none"): Workload {
  return { kind: "workload", name, namespace, selector: { app: name }, serviceAccount: name, meshed, inbound, managed: true };
}

/**
 * The graph of a stack: its namespaces, its workloads (and the cluster's DNS and istiod, which its pods
 * call), and every edge between them:
 * - every pod → the cluster DNS (UDP and TCP 53); with Istio, every pod of an injected namespace →
 *   istiod (XDS and certificates), and the API server → istiod's webhooks where they are on;
 *   istiod and the CNI agent → the API server;
 * - a service → each dependency it declares, on the dependency's port;
 * - a service → each data store it uses (`dataStoresOf`), when composed; EventStoreDB's nodes → each
 *   other when it runs as a cluster;
 * - a service → Jaeger's OTLP receivers; Prometheus → each service's metrics on its port, → the
 *   API server (service discovery), → Alertmanager's alerts API and metrics, → Jaeger's and Grafana's metrics;
 *   Grafana → Prometheus's query API and Jaeger's; Alertmanager → the notification service's
 *   webhook (receivers left unset) and → its receivers outside the cluster;
 * - the API's clients → Kong's proxy, and Kong → the services it routes to on their routes' methods and paths;
 *   without Kong, clients → the ingress gateway, and the gateway → those services on their routes.
 */
export function trafficGraph(input: TrafficInput): TrafficGraph {
  const composed = (c: string) => input.components.includes(c);
  const meshed = input.mesh.meshed;
  const namespaces = stackNamespaces(input.namespace, input.components, input.mesh, input.environment);
  const except = input.network.podCidrs;
  const kubernetesApi: Outside = { kind: "outside", name: "kubernetes-api", cidrs: input.network.apiServer.cidrs, except };
  const clients: Outside = { kind: "outside", name: "clients", cidrs: ["0.0.0.0/0"], except };

  const dns: Workload = {
    kind: "workload",
    name: "kube-dns",
    namespace: NETWORK.clusterDns.namespace,
    selector: NETWORK.clusterDns.selector,
    serviceAccount: "coredns",
    meshed: false,
    inbound: "none",
    managed: false,
  };
  const istiod: Workload = {
    kind: "workload",
    name: "istiod",
    namespace: MESH.rootNamespace,
    selector: MESH.istiod.selector,
    serviceAccount: MESH.istiod.serviceAccount,
    meshed: false,
    inbound: "none",
    managed: input.mesh.installed,
  };
  const gateway: Workload = {
    kind: "workload",
    name: MESH.install.releases.gateway,
    namespace: INGRESS_GATEWAY.namespace,
    selector: MESH.ingressSelector,
    serviceAccount: INGRESS_GATEWAY.serviceAccount,
    meshed: true,
    inbound: "gateway",
    // An Istio the stack does not install brings its own ingress gateway, as the spec's Gateway expects.
    managed: input.mesh.installed,
  };
  const cni: Workload = {
    kind: "workload",
    name: MESH.install.cni.serviceAccount,
    namespace: MESH.install.cni.namespace,
    selector: MESH.install.cni.selector,
    serviceAccount: MESH.install.cni.serviceAccount,
    meshed: false,
    inbound: "none",
    managed: true,
  };
  const services = new Map(input.services.map((s) => [s.config.service_name, appWorkload(kubernetesName(s.config.service_name), input.namespace, meshed)]));
  // Kong's proxy port is not captured by its sidecar: Kong's rate limits count per client address,
  // which it would no longer see; its calls to the services leave through the sidecar (mTLS).
  const kong = appWorkload(GATEWAY.serviceAccount, GATEWAY.namespace, meshed, "none");
  const stores = {
    postgresql: appWorkload(POSTGRES.host, DATA_STORES.namespace, meshed),
    redis: appWorkload(REDIS.host, DATA_STORES.namespace, meshed),
    eventstore: appWorkload(EVENT_STORE.host, DATA_STORES.namespace, meshed),
  };
  const prometheus = appWorkload(PROMETHEUS.serviceAccount, PROMETHEUS.namespace, meshed);
  const alertmanager = appWorkload(ALERTMANAGER.workload, ALERTMANAGER.namespace, meshed);
  const grafana = appWorkload(GRAFANA.workload, GRAFANA.namespace, meshed);
  const stateMetrics = appWorkload(STATE_METRICS.workload, STATE_METRICS.namespace, meshed);
  const jaeger = appWorkload(JAEGER.workload, JAEGER.namespace, meshed);

  const gatewayRuns = gatewayInstalled(input.mesh) || (meshed && !input.mesh.installed);
  const workloads: Workload[] = [
    ...services.values(),
    ...(composed("kong") ? [kong] : []),
    ...(["postgresql", "redis", "eventstore"] as const).filter(composed).map((c) => stores[c]),
    ...(composed("prometheus") ? [prometheus, alertmanager, grafana, stateMetrics] : []),
    ...(composed("jaeger") ? [jaeger] : []),
    ...(meshed ? [istiod] : []),
    ...(gatewayRuns ? [gateway] : []),
    ...(meshed && input.mesh.installed && input.mesh.cni ? [cni] : []),
    dns,
  ];

  const edges: Edge[] = [];
  const add = (from: Source, to: Destination, ports: readonly Port[], why: string, operations?: readonly Operation[]) =>
    edges.push({ from, to, ports, why, ...(operations ? { operations } : {}) });

  for (const ns of namespaces) {
    add(
      { kind: "namespace", namespace: ns.name },
      dns,
      [
        { protocol: "UDP", port: NETWORK.clusterDns.port },
        { protocol: "TCP", port: NETWORK.clusterDns.port },
      ],
      "every pod resolves names",
    );
  }
  if (meshed) {
    for (const ns of namespaces.filter((n) => n.injected)) {
      add({ kind: "namespace", namespace: ns.name }, istiod, tcp(MESH.istiod.xdsPort), "every sidecar takes its configuration and certificate from istiod");
    }
    if (gatewayRuns && gateway.managed)
      add(gateway, istiod, tcp(MESH.istiod.xdsPort), "the ingress gateway takes its configuration and certificate from istiod");
    if (input.mesh.installed) {
      add(istiod, kubernetesApi, tcp(...input.network.apiServer.ports), "istiod watches the cluster");
      if (input.mesh.webhooks) add(kubernetesApi, istiod, tcp(MESH.istiod.webhookPort), "the API server calls istiod's injection and validation webhooks");
      if (input.mesh.cni) add(cni, kubernetesApi, tcp(...input.network.apiServer.ports), "the CNI agent watches the pods on its node");
    }
  }

  for (const entry of input.services) {
    const config = entry.config;
    const self = services.get(config.service_name)!;
    for (const caller of callersOf(config.service_name, input.services)) {
      add(services.get(caller.config.service_name)!, self, tcp(config.port), `${caller.config.service_name} lists ${config.service_name} in its dependencies`);
    }
    for (const store of dataStoresOf(entry, input.services)) {
      if (composed(store.component)) add(self, stores[store.component], tcp(store.port), `${config.service_name} keeps data in ${store.name}`);
    }
    if (composed("jaeger")) add(self, jaeger, tcp(JAEGER.otlpGrpcPort, JAEGER.otlpHttpPort), `${config.service_name} exports its spans`);
    const route = gatewayRoute(config.service_name);
    if (route && composed("kong")) {
      add(kong, self, tcp(config.port), `Kong routes ${route.path} to ${config.service_name}`, [
        { methods: [...route.methods], paths: [route.path, `${route.path}/*`] },
      ]);
    }
    if (route && !composed("kong") && gatewayRuns) {
      add(gateway, self, tcp(config.port), `the ingress gateway routes ${route.path} to ${config.service_name}`, [
        { methods: [...route.methods], paths: [route.path, `${route.path}/*`] },
      ]);
    }
    // Over mTLS on the service's own port (the scrape config follows the Service's prometheus.io/port).
    if (composed("prometheus"))
      add(prometheus, self, tcp(config.port), `Prometheus scrapes ${config.service_name}`, [{ methods: ["GET"], paths: [WORKLOAD.metricsPath] }]);
  }

  if (composed("kong")) add(clients, kong, tcp(...input.kongProxyPorts), "Kong is the API's edge");
  if (gatewayRuns && !composed("kong")) add(clients, gateway, tcp(...input.gatewayClientPorts), "without Kong, the ingress gateway is the API's edge");
  if (composed("eventstore") && input.eventStoreNodes > 1) {
    add(stores.eventstore, stores.eventstore, tcp(EVENT_STORE.port, EVENT_STORE.replicationPort), "EventStoreDB's nodes gossip and replicate");
  }
  if (composed("prometheus")) {
    add(prometheus, kubernetesApi, tcp(...input.network.apiServer.ports), "Prometheus discovers its targets");
    add(prometheus, alertmanager, tcp(ALERTMANAGER.port), "Prometheus sends its alerts and scrapes Alertmanager", [
      { methods: ["POST"], paths: [ALERTMANAGER.alertsPath] },
      { methods: ["GET"], paths: [WORKLOAD.metricsPath] },
    ]);
    if (composed("jaeger"))
      add(prometheus, jaeger, tcp(JAEGER.metricsPort), "Prometheus scrapes Jaeger", [{ methods: ["GET"], paths: [WORKLOAD.metricsPath] }]);
    add(prometheus, grafana, tcp(GRAFANA.port), "Prometheus scrapes Grafana", [{ methods: ["GET"], paths: [WORKLOAD.metricsPath] }]);
    // EventStoreDB's port is TCP to the mesh (HTTP-only rule fields would never match it); Kong's status port is
    // not captured by its sidecar: their scrapes are allowed by port.
    if (composed("eventstore")) add(prometheus, stores.eventstore, tcp(EVENT_STORE.port), "Prometheus scrapes EventStoreDB");
    if (composed("kong")) add(prometheus, kong, tcp(GATEWAY.statusPort), "Prometheus scrapes Kong's Prometheus plugin");
    for (const store of ["postgresql", "redis"] as const) {
      if (composed(store))
        add(prometheus, stores[store], tcp(STORE_EXPORTERS[store].port), `Prometheus scrapes ${store}'s exporter`, [
          { methods: ["GET"], paths: [WORKLOAD.metricsPath] },
        ]);
    }
    add(prometheus, stateMetrics, tcp(STATE_METRICS.port, STATE_METRICS.telemetryPort), "Prometheus scrapes kube-state-metrics", [
      { methods: ["GET"], paths: [WORKLOAD.metricsPath] },
    ]);
    add(stateMetrics, kubernetesApi, tcp(...input.network.apiServer.ports), "kube-state-metrics watches the stack's objects");
    const kubelets: Outside = { kind: "outside", name: "kubelets", cidrs: input.network.kubelets.cidrs, except };
    add(prometheus, kubelets, tcp(input.network.kubelets.port), "Prometheus scrapes each kubelet's cAdvisor");
    if (meshed) {
      add(prometheus, istiod, tcp(MESH_TELEMETRY.istiodPort), "Prometheus scrapes istiod");
      // The sidecar's merged endpoint is plain text outside its capture: the NetworkPolicy is its only guard.
      const injected = new Set(namespaces.filter((n) => n.injected).map((n) => n.name));
      for (const workload of workloads.filter((w) => w.meshed && w.managed && injected.has(w.namespace))) {
        add(prometheus, workload, tcp(MESH.mergedMetricsPort), `Prometheus scrapes ${workload.namespace}/${workload.name}'s sidecar`);
      }
      if (gatewayRuns && gateway.managed) add(prometheus, gateway, tcp(MESH.mergedMetricsPort), "Prometheus scrapes the ingress gateway's proxy");
    }
    add(grafana, prometheus, tcp(PROMETHEUS.port), "Grafana queries Prometheus", [{ methods: ["GET", "POST"], paths: ["/api/v1/*"] }]);
    if (composed("jaeger")) add(grafana, jaeger, tcp(JAEGER.queryPort), "Grafana reads Jaeger's traces", [{ methods: ["GET"], paths: ["/api/*"] }]);
    const sink = services.get(ALERTMANAGER.devWebhook.service);
    if (input.alerting?.notificationService && sink) {
      const port = input.services.find((s) => s.config.service_name === ALERTMANAGER.devWebhook.service)!.config.port;
      add(alertmanager, sink, tcp(port), "Alertmanager delivers to the notification service's webhook", [
        { methods: ["POST"], paths: [ALERTMANAGER.devWebhook.path] },
      ]);
    }
    if (input.alerting && input.alerting.outsidePorts.length > 0) {
      const receivers: Outside = { kind: "outside", name: "alert-receivers", cidrs: ["0.0.0.0/0"], except };
      add(alertmanager, receivers, tcp(...input.alerting.outsidePorts), "Alertmanager notifies PagerDuty, Slack, email or webhooks");
    }
  }

  return { namespaces, workloads, edges };
}
