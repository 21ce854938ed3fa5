import * as k8s from "@pulumi/kubernetes";
import { topologySpread } from "./topology-spread";
import * as pulumi from "@pulumi/pulumi";
import { AUTOSCALING, LOGGING, ServiceEntry, WORKLOAD, kubernetesName } from "../catalog";
import { emitDocuments } from "./artifacts/emit";
import { serializeDocument } from "./artifacts/serialize";
import { serviceLabels } from "./labels";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./security-context";
import { configChecksum } from "./checksum";
import { disruptionBudget } from "./disruption-budget";
import { withEphemeralStorage } from "./ephemeral-storage";
import { serviceAwaitAnnotations } from "./service-await";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type Resources = k8s.types.input.core.v1.ResourceRequirements;

export interface MicroServiceArgs {
  /** The service's catalog entry (with the stack's replica override): port, replicas, dependencies, files. */
  readonly entry: ServiceEntry;
  readonly namespace: pulumi.Input<string>;
  readonly image: pulumi.Input<string>;
  readonly resources: Resources;
  /** In-cluster URL of each dependency, keyed by the dependency's spec name. */
  readonly dependencyUrls: Readonly<Record<string, string>>;
  /** Connection settings the platform hands the service (database, cache, tracing). */
  readonly env?: readonly EnvVar[];
  /** Pod template annotations besides the Prometheus ones (e.g. Istio's). */
  readonly podAnnotations?: Readonly<Record<string, pulumi.Input<string>>>;
  /** The Deployment versions to run; a canary adds `v2` beside `v1`. */
  readonly versions?: readonly { readonly version: string; readonly replicas: number }[];
  /** Sizes nothing here; on prod the pods are spread across zones and nodes. */
  readonly environment: "dev" | "prod";
  /** Folder the spec's artifact tree is written under. */
  readonly artifactsDir: string;
  readonly provider: k8s.Provider;
}

const CONFIG_VOLUME = "config";
const TMP_VOLUME = "tmp";
const SERVICE_CONFIG_FILE = "service_config.json";
/** The runtime image's numeric user (`app/Dockerfile`). */
export const RUNTIME_UID = 10001;

/**
 * One service of the ecosystem: its ServiceAccount, its config files as a mounted ConfigMap, a
 * hardened Deployment per version, a Service, a PodDisruptionBudget and an autoscaler; plus the
 * service's folder of the spec's artifact tree.
 */
export class MicroService extends pulumi.ComponentResource {
  readonly name: string;
  readonly serviceAccountName: string;
  readonly deployments: k8s.apps.v1.Deployment[];
  readonly service: k8s.core.v1.Service;
  /** The Service's in-cluster FQDN, e.g. `user-service.microservices.svc.cluster.local`. */
  readonly host: pulumi.Output<string>;

  constructor(args: MicroServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const config = args.entry.config;
    const name = kubernetesName(config.service_name);
    super("microservices:ecosystem:MicroService", name, {}, opts);
    this.name = name;
    const childOpts = { parent: this, provider: args.provider };
    const namespace = args.namespace;
    const port = config.port;
    const appLabel = { app: name };

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      name,
      {
        metadata: { name, namespace, labels: serviceLabels(name, "v1") },
        automountServiceAccountToken: false,
      },
      childOpts,
    );
    this.serviceAccountName = name;

    const files = [{ path: SERVICE_CONFIG_FILE, content: config }, ...args.entry.documents];
    const configData = Object.fromEntries(files.map((f) => [f.path, serializeDocument(f.path, f.content)]));
    // Updated in place (the provider's enableConfigMapMutable); the runtime reads it at start, so the pod
    // template carries its checksum and a change rolls the pods instead of replacing the Deployment.
    const configMapName = `${name}-config`;
    const configMap = new k8s.core.v1.ConfigMap(
      configMapName,
      {
        metadata: { name: configMapName, namespace, labels: serviceLabels(name, "v1") },
        data: configData,
      },
      childOpts,
    );
    const checksum = configChecksum(JSON.stringify(configData));

    const logLevels = (LOGGING.config as { log_levels?: Record<string, string> }).log_levels ?? {};
    const env: EnvVar[] = [
      { name: "SERVICE_NAME", value: config.service_name },
      { name: "PORT", value: String(port) },
      { name: "CONFIG_DIR", value: WORKLOAD.configMountPath },
      { name: "LOG_LEVEL", value: logLevels[config.service_name] ?? "INFO" },
      { name: "SHUTDOWN_TIMEOUT_MS", value: String(WORKLOAD.shutdown.timeoutSeconds * 1000) },
      ...config.dependencies.map((dep) => ({ name: `${dep.toUpperCase()}_URL`, value: args.dependencyUrls[dep] })),
      ...(args.env ?? []),
    ];
    const probe = (p: { path: string; periodSeconds: number; timeoutSeconds: number; initialDelaySeconds?: number; failureThreshold?: number }) => ({
      httpGet: { path: p.path, port: "http" },
      ...(p.initialDelaySeconds !== undefined ? { initialDelaySeconds: p.initialDelaySeconds } : {}),
      periodSeconds: p.periodSeconds,
      timeoutSeconds: p.timeoutSeconds,
      ...(p.failureThreshold !== undefined ? { failureThreshold: p.failureThreshold } : {}),
    });

    const versions = args.versions ?? [{ version: "v1", replicas: config.replicas }];
    this.deployments = versions.map(({ version, replicas }) => {
      const labels = serviceLabels(name, version);
      const deploymentName = version === "v1" ? name : `${name}-${version}`;
      const deployment = new k8s.apps.v1.Deployment(
        deploymentName,
        {
          metadata: { name: deploymentName, namespace, labels },
          spec: {
            // No spec.replicas: the HPA below owns the count (its minReplicas is the catalog's), so an
            // update of the Deployment never resets what the autoscaler chose.
            selector: { matchLabels: { ...appLabel, version } },
            template: {
              metadata: {
                labels,
                annotations: {
                  "prometheus.io/scrape": "true",
                  "prometheus.io/port": String(port),
                  "prometheus.io/path": WORKLOAD.metricsPath,
                  "checksum/config": checksum,
                  ...args.podAnnotations,
                },
              },
              spec: withEphemeralStorage({
                serviceAccountName: serviceAccount.metadata.name,
                automountServiceAccountToken: false,
                terminationGracePeriodSeconds: WORKLOAD.shutdown.graceSeconds,
                securityContext: restrictedPodSecurity(RUNTIME_UID),
                topologySpreadConstraints: topologySpread(args.environment, { ...appLabel, version }, "Deployment"),
                containers: [
                  {
                    name: "service",
                    image: args.image,
                    imagePullPolicy: "IfNotPresent",
                    ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
                    env: [...env, { name: "SERVICE_VERSION", value: version }],
                    startupProbe: probe(WORKLOAD.startup),
                    livenessProbe: probe(WORKLOAD.liveness),
                    readinessProbe: probe(WORKLOAD.readiness),
                    // Out of every proxy's rotation before SIGTERM (see WORKLOAD.shutdown).
                    lifecycle: { preStop: { sleep: { seconds: WORKLOAD.shutdown.drainSeconds } } },
                    resources: args.resources,
                    securityContext: restrictedContainerSecurity,
                    volumeMounts: [
                      { name: CONFIG_VOLUME, mountPath: WORKLOAD.configMountPath, readOnly: true },
                      { name: TMP_VOLUME, mountPath: "/tmp" },
                    ],
                  },
                ],
                volumes: [
                  { name: CONFIG_VOLUME, configMap: { name: configMapName } },
                  { name: TMP_VOLUME, emptyDir: { sizeLimit: "64Mi" } },
                ],
              }),
            },
          },
        },
        { ...childOpts, dependsOn: [configMap] },
      );

      disruptionBudget({ name: deploymentName, namespace, labels, selector: { ...appLabel, version }, budget: { maxUnavailable: 1 } }, childOpts);

      new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        deploymentName,
        {
          metadata: { name: deploymentName, namespace, labels },
          spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
            minReplicas: replicas,
            maxReplicas: Math.max(AUTOSCALING.maxReplicas, replicas + 1),
            metrics: [
              {
                type: "Resource",
                resource: { name: "cpu", target: { type: "Utilization", averageUtilization: AUTOSCALING.targetCpuUtilization } },
              },
            ],
          },
        },
        childOpts,
      );
      return deployment;
    });

    this.service = new k8s.core.v1.Service(
      name,
      {
        metadata: {
          name,
          namespace,
          labels: serviceLabels(name, "v1"),
          annotations: {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": String(port),
            "prometheus.io/path": WORKLOAD.metricsPath,
            ...serviceAwaitAnnotations("ClusterIP"),
          },
        },
        spec: {
          type: "ClusterIP",
          selector: appLabel,
          ports: [{ name: "http", port, targetPort: "http", protocol: "TCP", appProtocol: "http" }],
        },
      },
      childOpts,
    );
    this.host = pulumi.interpolate`${this.service.metadata.name}.${namespace}.svc.cluster.local`;

    emitDocuments(
      this,
      name,
      args.artifactsDir,
      files.map((f) => ({ path: `services/${config.service_name}/${f.path}`, content: f.content })),
    );

    this.registerOutputs({ host: this.host, replicas: config.replicas });
  }
}
