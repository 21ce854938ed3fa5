import { JAEGER } from "../../catalog";

/** The one trace store of the all-in-one. */
export const TRACE_STORE = "traces";

/** Where spans are kept: in memory (lost with the pod), or Badger's files (keys and values) under a directory on a claim. */
export type TraceStorage =
  { readonly memory: { readonly maxTraces: number } } | { readonly badger: { readonly directory: string; readonly retention: string } };

/** The `jaeger_storage` backend of a storage choice. */
function backend(storage: TraceStorage): Record<string, unknown> {
  if ("memory" in storage) return { memory: { max_traces: storage.memory.maxTraces } };
  const dir = storage.badger.directory;
  return { badger: { directories: { keys: `${dir}/keys`, values: `${dir}/values` }, ephemeral: false, ttl: { spans: storage.badger.retention } } };
}

/**
 * Jaeger v2's configuration (an OpenTelemetry Collector distribution, configured by one YAML file):
 * OTLP in, spans kept in memory or in Badger, the query API/UI, remote sampling from the mounted
 * strategies file, and a health endpoint for the probes. Every listener binds all interfaces of the pod.
 */
export function jaegerConfig(storage: TraceStorage, strategiesFile: string): Record<string, unknown> {
  const listen = (port: number) => `0.0.0.0:${port}`;
  return {
    service: {
      extensions: ["jaeger_storage", "jaeger_query", "remote_sampling", "healthcheckv2"],
      pipelines: {
        traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] },
      },
      telemetry: {
        resource: { "service.name": "jaeger" },
        metrics: { level: "detailed", address: listen(JAEGER.metricsPort) },
        logs: { level: "info" },
      },
    },
    extensions: {
      jaeger_storage: { backends: { [TRACE_STORE]: backend(storage) } },
      jaeger_query: { storage: { traces: TRACE_STORE }, http: { endpoint: listen(JAEGER.queryPort) } },
      // A changed ConfigMap reaches the mounted file; Jaeger re-reads it without a restart.
      remote_sampling: { file: { path: strategiesFile, reload_interval: "1m" }, http: { endpoint: listen(JAEGER.samplingPort) } },
      healthcheckv2: { use_v2: true, http: { endpoint: listen(JAEGER.healthPort), status: { enabled: true, path: JAEGER.healthPath } } },
    },
    receivers: {
      otlp: { protocols: { grpc: { endpoint: listen(JAEGER.otlpGrpcPort) }, http: { endpoint: listen(JAEGER.otlpHttpPort) } } },
    },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: TRACE_STORE } },
  };
}
