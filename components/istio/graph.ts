import {
  DATA_STORES,
  EVENT_STORE,
  GATEWAY,
  GatewayRoute,
  MESH,
  POSTGRES,
  PROMETHEUS,
  REDIS,
  ServiceEntry,
  eventStoreClients,
  kubernetesName,
  redisClients,
  sagaCoordinators,
} from "../../catalog";

/**
 * Who talks to whom, from the catalog: the one graph the AuthorizationPolicies and the
 * NetworkPolicies are both derived from.
 */

/** A workload identity: a ServiceAccount in a namespace. */
export interface Identity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** The SPIFFE principal Istio gives a workload: `cluster.local/ns/<ns>/sa/<sa>`. */
export const principal = (id: Identity): string => `${MESH.trustDomain}/ns/${id.namespace}/sa/${id.serviceAccount}`;

/** Kong's identity: it calls the gateway-exposed services (GATEWAY.routes). */
export const KONG: Identity = { namespace: GATEWAY.namespace, serviceAccount: GATEWAY.serviceAccount };

/** Prometheus's identity: it scrapes every service's metrics endpoint. */
export const PROMETHEUS_SCRAPER: Identity = { namespace: PROMETHEUS.namespace, serviceAccount: PROMETHEUS.serviceAccount };

/** The Helm-installed ingress gateway's identity (the chart names its ServiceAccount after the release). */
export const INGRESS_GATEWAY: Identity = { namespace: MESH.install.ingressNamespace, serviceAccount: MESH.install.releases.gateway };

/** A service's own identity: MicroService gives each service a ServiceAccount named like it. */
export const serviceIdentity = (specName: string, namespace: string): Identity => ({ namespace, serviceAccount: kubernetesName(specName) });

/** The services that call `specName`: those that list it in their `dependencies`. */
export function callersOf(specName: string, services: readonly ServiceEntry[]): ServiceEntry[] {
  return services.filter((s) => s.config.dependencies.includes(specName));
}

/** The gateway route that exposes a service (GATEWAY.routes), if any. */
export const gatewayRoute = (specName: string): GatewayRoute | undefined => GATEWAY.routes.find((r) => r.service === specName);

/** A data store a service connects to, with where it runs. */
export interface DataStoreLink {
  /** The platform component that runs it (a stack may compose it or not). */
  readonly component: "postgresql" | "redis" | "eventstore";
  readonly namespace: string;
  /** The `tier` label of the store's pods. */
  readonly tier: string;
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
  if (entry.config.database || among(sagaCoordinators(services))) {
    links.push({ component: "postgresql", namespace: DATA_STORES.namespace, tier: POSTGRES.tier, port: POSTGRES.port });
  }
  if (among(redisClients(services))) links.push({ component: "redis", namespace: DATA_STORES.namespace, tier: REDIS.tier, port: REDIS.port });
  if (among(eventStoreClients(services))) {
    links.push({ component: "eventstore", namespace: DATA_STORES.namespace, tier: EVENT_STORE.tier, port: EVENT_STORE.port });
  }
  return links;
}
