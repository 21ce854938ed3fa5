import { ALERTMANAGER, DATA_STORES, GRAFANA, EVENT_STORE, GATEWAY, JAEGER, POSTGRES, PROMETHEUS, REDIS } from "../../catalog";

/** A platform Service the services (or operators) reach through the mesh. */
export interface PlatformEndpoint {
  readonly component: string;
  readonly service: string;
  readonly namespace: string;
}

/**
 * The platform's in-mesh Services, by the component that runs them (catalog names). Each gets
 * a DestinationRule like a service's, so that its callers eject failing pods too.
 */
export const PLATFORM_ENDPOINTS: readonly PlatformEndpoint[] = [
  { component: "kong", service: GATEWAY.proxyService, namespace: GATEWAY.namespace },
  { component: "postgresql", service: POSTGRES.host, namespace: DATA_STORES.namespace },
  { component: "redis", service: REDIS.host, namespace: DATA_STORES.namespace },
  { component: "eventstore", service: EVENT_STORE.host, namespace: DATA_STORES.namespace },
  { component: "jaeger", service: JAEGER.collectorService, namespace: JAEGER.namespace },
  { component: "jaeger", service: JAEGER.queryService, namespace: JAEGER.namespace },
  { component: "prometheus", service: PROMETHEUS.service, namespace: PROMETHEUS.namespace },
  // Composed with Prometheus.
  { component: "prometheus", service: ALERTMANAGER.workload, namespace: ALERTMANAGER.namespace },
  { component: "prometheus", service: GRAFANA.workload, namespace: GRAFANA.namespace },
];
