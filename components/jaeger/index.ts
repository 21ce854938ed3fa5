import * as k8s from "@pulumi/kubernetes";
import { dataClaim } from "../data-claim";
import * as pulumi from "@pulumi/pulumi";
import { JAEGER, ServiceEntry } from "../../catalog";
import { emitDocuments } from "../artifacts/emit";
import { commonLabels } from "../labels";
import { PlatformArgs, ServiceBinding } from "../platform";
import { monitoringNamespace } from "../prometheus/monitoring-namespace";
import { componentSettings } from "../settings";
import { JaegerSamplingStrategies, plainValue, samplingStrategies } from "./sampling";
import { jaegerConfig } from "./config";
import { stringify } from "yaml";
import { httpProbe, platformWorkload } from "../platform-workload";

export { JaegerSamplingStrategies, jaegerStrategy, samplingStrategies } from "./sampling";

/** `microservices-ecosystem:jaeger`, validated and with its defaults. */
export interface JaegerSettings {
  /** Apply the spec's production `Jaeger` resource (needs the Jaeger operator) instead of the all-in-one. */
  readonly operator: boolean;
  /** Traces the all-in-one's in-memory store keeps. */
  readonly maxTraces: number;
  /** `memory` (dev) or `badger` (prod): Badger keeps spans on a claim, through restarts. */
  readonly storage: "memory" | "badger";
  /** How long Badger keeps spans (a Go duration: 168h). */
  readonly retention: string;
  /** The size of Badger's claim. */
  readonly volume: string;
}

const settingsSchema = (environment: "dev" | "prod") => ({
  type: "object",
  additionalProperties: false,
  properties: {
    operator: { type: "boolean", default: false },
    maxTraces: { type: "integer", minimum: 1000, default: JAEGER.sizing[environment].maxTraces },
    storage: { enum: ["memory", "badger"], default: JAEGER.sizing[environment].storage },
    retention: { type: "string", pattern: "^[0-9]+(h|m|s)$", default: JAEGER.sizing[environment].retention },
    volume: { type: "string", pattern: "^[0-9]+(Mi|Gi|Ti)$", default: JAEGER.sizing[environment].volume },
  },
});

const NAME = JAEGER.workload;
const STRATEGIES_FILE = "strategies.json";
const SAMPLING_DIR = "/etc/jaeger/sampling";
const CONFIG_DIR = "/etc/jaeger/config";
const CONFIG_FILE = "config.yaml";
/** Badger's directory (on the claim). */
const DATA_DIR = "/badger";
/** The Jaeger images' non-root user. */
const JAEGER_UID = 10001;

/**
 * Jaeger, distributed tracing, in the `monitoring` namespace. By default Jaeger v2 as one process
 * (collector, in-memory store, query UI; its config file in a ConfigMap) with OTLP on 4317/4318 and the spec's sampling strategies served to
 * clients from a mounted strategies file. With `jaeger.operator` set, the spec's production
 * `Jaeger` resource instead (the Jaeger operator and its CRDs must already be installed).
 */
export class Jaeger extends pulumi.ComponentResource {
  readonly settings: JaegerSettings;
  readonly strategies: JaegerSamplingStrategies;
  /** In-cluster host of the Service that receives OTLP. */
  readonly collectorHost: string;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:Jaeger", name, {}, opts);
    const settings = componentSettings<JaegerSettings>("jaeger", settingsSchema(args.environment), args.settings);
    this.settings = settings;
    this.strategies = samplingStrategies(JAEGER.sampling);
    const childOpts = { parent: this, provider: args.provider };
    const namespace = monitoringNamespace(args);
    const production = plainValue(JAEGER.productionResource) as {
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      spec: Record<string, unknown>;
    };
    // The operator names the collector's Service `<name>-collector`.
    const collectorService = settings.operator ? `${production.metadata.name}-collector` : JAEGER.collectorService;
    this.collectorHost = `${collectorService}.${JAEGER.namespace}.svc.cluster.local`;

    if (settings.operator) {
      new k8s.apiextensions.CustomResource(
        NAME,
        {
          apiVersion: production.apiVersion,
          kind: production.kind,
          metadata: { ...production.metadata, namespace },
          // The spec's resource, plus the same sampling strategies the all-in-one serves.
          spec: { ...production.spec, sampling: { options: this.strategies } },
        },
        childOpts,
      );
    } else {
      this.allInOne(args, settings, namespace, childOpts);
    }

    emitDocuments(this, name, args.artifactsDir, [
      { path: "monitoring/tracing/jaeger_config.yaml", content: JAEGER.productionResource },
      { path: "monitoring/tracing/trace_sampling.json", content: JAEGER.sampling },
    ]);
    this.registerOutputs({ collectorHost: this.collectorHost });
  }

  private allInOne(args: PlatformArgs, settings: JaegerSettings, namespace: pulumi.Input<string>, childOpts: pulumi.CustomResourceOptions) {
    const sizing = JAEGER.sizing[args.environment];
    const labels = { app: NAME, ...commonLabels(NAME, "tracing") };
    const selector = { app: NAME };

    const badger = settings.storage === "badger";
    const storage = badger ? { badger: { directory: DATA_DIR, retention: settings.retention } } : { memory: { maxTraces: settings.maxTraces } };
    const configText = stringify(jaegerConfig(storage, `${SAMPLING_DIR}/${STRATEGIES_FILE}`));
    // Badger's files on a claim: spans outlive the pod (and, on prod, `pulumi destroy`).
    const data = badger
      ? dataClaim(
          { name: `${NAME}-data`, namespace, labels, storage: settings.volume, storageClass: args.storageClass, environment: args.environment },
          childOpts,
        )
      : undefined;

    const probe = httpProbe(JAEGER.healthPath, "health", { initialDelaySeconds: 5, timeoutSeconds: 3 });

    platformWorkload(
      {
        name: NAME,
        namespace,
        labels,
        selector,
        uid: JAEGER_UID,
        // One store of its own (memory, or Badger's files, which one process opens at a time): never two pods at once.
        replicas: sizing.replicas,
        singleton: true,
        config: [
          // Jaeger reads its config file at start only: a changed config rolls the pod.
          { configMap: `${NAME}-config`, volume: "config", mountPath: CONFIG_DIR, files: { [CONFIG_FILE]: configText } },
          // It re-reads its sampling strategies every minute.
          {
            configMap: `${NAME}-sampling-strategies`,
            volume: "sampling",
            mountPath: SAMPLING_DIR,
            files: { [STRATEGIES_FILE]: `${JSON.stringify(this.strategies, null, 2)}\n` },
            reloaded: true,
          },
        ],
        container: {
          name: "jaeger",
          image: JAEGER.image,
          args: ["--config", `${CONFIG_DIR}/${CONFIG_FILE}`],
          ports: [
            { name: "otlp-grpc", containerPort: JAEGER.otlpGrpcPort, protocol: "TCP" },
            { name: "otlp-http", containerPort: JAEGER.otlpHttpPort, protocol: "TCP" },
            { name: "sampling", containerPort: JAEGER.samplingPort, protocol: "TCP" },
            { name: "query", containerPort: JAEGER.queryPort, protocol: "TCP" },
            { name: "health", containerPort: JAEGER.healthPort, protocol: "TCP" },
            { name: JAEGER.metricsPortName, containerPort: JAEGER.metricsPort, protocol: "TCP" },
          ],
          readinessProbe: probe,
          // Alive while the health extension listens; its status (readiness) reports the pipelines.
          livenessProbe: { tcpSocket: { port: "health" }, initialDelaySeconds: 15, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
          resources: sizing.resources,
          volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...(data ? [{ name: "data", mountPath: DATA_DIR }] : [])],
        },
        volumes: [
          { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
          ...(data ? [{ name: "data", persistentVolumeClaim: { claimName: data.metadata.name } }] : []),
        ],
        services: [
          {
            name: JAEGER.collectorService,
            ports: [
              { name: "grpc-otlp", port: JAEGER.otlpGrpcPort, targetPort: "otlp-grpc", protocol: "TCP", appProtocol: "grpc" },
              { name: "http-otlp", port: JAEGER.otlpHttpPort, targetPort: "otlp-http", protocol: "TCP", appProtocol: "http" },
              { name: "http-sampling", port: JAEGER.samplingPort, targetPort: "sampling", protocol: "TCP", appProtocol: "http" },
            ],
          },
          { name: JAEGER.queryService, ports: [{ name: "http-query", port: JAEGER.queryPort, targetPort: "query", protocol: "TCP", appProtocol: "http" }] },
        ],
      },
      childOpts,
    );
  }

  /** Where a service sends its spans (OTLP over HTTP) and the name its strategy is looked up by. */
  bindService(entry: ServiceEntry): ServiceBinding {
    return {
      env: [
        { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: `http://${this.collectorHost}:${JAEGER.otlpHttpPort}` },
        // The runtime exports OTLP/HTTP with JSON bodies (app/src/tracing.ts), which Jaeger accepts.
        { name: "OTEL_EXPORTER_OTLP_PROTOCOL", value: "http/json" },
        { name: "OTEL_SERVICE_NAME", value: entry.config.service_name },
      ],
    };
  }
}
