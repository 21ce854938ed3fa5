/** The typed catalog: the single source of the services' and the platform's settings. */
export * from "./documents";
export * from "./service";
export * from "./architecture";
export { SERVICES } from "./services";
export { service, specUrl } from "./lookup";
export { GATEWAY, GatewayRoute } from "./platform/gateway";
export { MESH } from "./platform/mesh";
export { NETWORK, type PodSecurityLevel } from "./platform/network";
export {
  POSTGRES,
  REDIS,
  EVENT_STORE,
  SAGAS,
  CACHE,
  DATA_STORES,
  type DataStoreSizing,
  type DatabaseGrant,
  serviceDatabases,
  sagaDatabase,
  sagaCoordinators,
  redisClients,
  eventStoreClients,
  streamEvents,
} from "./platform/data";
export { JAEGER, PROMETHEUS, LOGGING } from "./platform/observability";
export { ALERTMANAGER, RECEIVERS, RECEIVER_KINDS, ReceiverName, ReceiverKind } from "./platform/alerting";
export { SLO } from "./platform/slo";
export { GRAFANA } from "./platform/grafana";
export { CADVISOR, MESH_TELEMETRY, STATE_METRICS, STORE_EXPORTERS, StoreExporter } from "./platform/exporters";
export { CHAOS, SECURITY, PERFORMANCE, AUTOSCALING, DEFAULT_CIRCUIT_BREAKER } from "./platform/operations";
export { WORKLOAD } from "./platform/workload";
export { dockerCompose, kubernetesManifest } from "./platform/deployment";
export { REPORTS } from "./reports";
export { validateCatalog, CatalogError } from "./validate";
