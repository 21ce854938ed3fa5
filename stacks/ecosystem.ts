import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  LOGGING,
  PlatformComponent,
  REPORTS,
  SERVICES,
  ServiceEntry,
  SpecDocument,
  WORKLOAD,
  dockerCompose,
  kubernetesManifest,
  kubernetesName,
  validateCatalog,
} from "../catalog";
import { ConfigBundle } from "../components/config-bundle";
import { EventStore } from "../components/eventstore";
import { IstioMesh } from "../components/istio";
import { Jaeger } from "../components/jaeger";
import { KongGateway } from "../components/kong";
import { MicroService } from "../components/microservice";
import { createdNamespaces, stackNamespace } from "../components/namespace";
import { istioSettings } from "../components/istio/settings";
import { requireRetainingStorageClass } from "../components/storage-class";
import { MeshPlan, TrafficGraph, ZeroTrust, stackNamespaces, trafficGraph } from "../components/zero-trust";
import { PlatformArgs, PlatformComponentResource, ServiceBinding } from "../components/platform";
import { PostgreSql } from "../components/postgresql";
import { Prometheus } from "../components/prometheus";
import { RedisCache } from "../components/redis";
import { CHAOS, PERFORMANCE, SECURITY } from "../catalog";
import { architectureConfig } from "./architecture";
import { StackConfig, readStackConfig } from "./config";
import { serviceRuntimeImage } from "./service-image";

export interface EcosystemOptions {
  /** The services to deploy; the spec's eight unless a benchmark or test passes others. */
  readonly services?: readonly ServiceEntry[];
  /** Told the traffic graph the zero-trust policies were derived from (tests hold the policies to it). */
  readonly onTrafficGraph?: (graph: TrafficGraph) => void;
}

export interface EcosystemOutputs {
  readonly namespace: pulumi.Output<string>;
  readonly artifactsDir: string;
  readonly components: readonly PlatformComponent[];
  readonly services: Record<string, pulumi.Output<string>>;
}

type PlatformFactory = (args: PlatformArgs, opts: pulumi.ComponentResourceOptions) => PlatformComponentResource;

const PLATFORM: Record<PlatformComponent, PlatformFactory> = {
  kong: (args, opts) => new KongGateway("kong", args, opts),
  istio: (args, opts) => new IstioMesh("istio", args, opts),
  eventstore: (args, opts) => new EventStore("eventstore", args, opts),
  redis: (args, opts) => new RedisCache("redis", args, opts),
  postgresql: (args, opts) => new PostgreSql("postgresql", args, opts),
  jaeger: (args, opts) => new Jaeger("jaeger", args, opts),
  prometheus: (args, opts) => new Prometheus("prometheus", args, opts),
  chaos: (args, opts) =>
    new ConfigBundle(
      "chaos",
      [
        { path: "chaos_engineering/chaos_experiments.json", content: CHAOS.experiments },
        { path: "chaos_engineering/resilience_patterns.json", content: CHAOS.resiliencePatterns },
      ],
      args.artifactsDir,
      opts,
    ),
  security: (args, opts) =>
    new ConfigBundle(
      "security",
      [
        { path: "security/security_policies.json", content: SECURITY.policies },
        { path: "security/vulnerability_scan.json", content: SECURITY.vulnerabilityScan },
      ],
      args.artifactsDir,
      opts,
    ),
  performance: (args, opts) =>
    new ConfigBundle(
      "performance",
      [
        { path: "performance/load_testing.json", content: PERFORMANCE.loadTesting },
        { path: "performance/capacity_planning.json", content: PERFORMANCE.capacityPlanning },
      ],
      args.artifactsDir,
      opts,
    ),
};

/** How the stack runs Istio, as far as its namespaces and the traffic graph care (istio settings, validated). */
function meshPlan(config: StackConfig): MeshPlan {
  if (!config.components.includes("istio")) return { meshed: false, installed: false, webhooks: false, cni: false };
  const settings = istioSettings(config.environment, config.componentSettings.istio ?? {}, config.components.includes("kong"));
  return { meshed: true, installed: settings.install, webhooks: settings.webhooks, cni: settings.cni };
}

/** A service as this stack runs it: the catalog entry with the stack's replica override. */
function withOverride(entry: ServiceEntry, config: StackConfig): ServiceEntry {
  const replicas = config.services[entry.config.service_name]?.replicas;
  return replicas === undefined ? entry : { ...entry, config: { ...entry.config, replicas } };
}

/** The image and resources of a service after the stack's overrides. */
function runtimeSettings(entry: ServiceEntry, config: StackConfig, runtimeImage: pulumi.Input<string>) {
  const override = config.services[entry.config.service_name] ?? {};
  const base = config.environment === "prod" ? WORKLOAD.resources : WORKLOAD.devResources;
  return {
    image: override.image ?? runtimeImage,
    resources: {
      requests: { ...base.requests, ...override.resources?.requests },
      limits: { ...base.limits, ...override.resources?.limits },
    },
  };
}

/** The documents of the whole ecosystem that belong to no single component. */
function ecosystemDocuments(services: readonly ServiceEntry[], components: readonly PlatformComponent[]): SpecDocument[] {
  return [
    { path: "architecture_config.json", content: architectureConfig(services, components) as never },
    { path: "monitoring/logging/centralized_logging.json", content: LOGGING.config },
    { path: "deployment/docker_compose.yaml", content: dockerCompose() },
    { path: "deployment/kubernetes_manifests.yaml", content: kubernetesManifest() },
    { path: "operational_runbook.md", content: REPORTS.runbook },
    { path: "microservices_status_report.json", content: REPORTS.status },
    { path: "microservices_ecosystem_complete.txt", content: REPORTS.completion },
  ];
}

/**
 * The program: validates the catalog and the stack config (nothing is created if either is
 * wrong), then composes the services and the configured platform components.
 */
export async function deployEcosystem(options: EcosystemOptions = {}): Promise<EcosystemOutputs> {
  const catalog = options.services ?? SERVICES;
  validateCatalog(catalog);
  const config = readStackConfig(catalog.map((s) => s.config.service_name));
  const services = catalog.map((entry) => withOverride(entry, config));

  const provider = new k8s.Provider("kubernetes", {
    context: config.kubeContext,
    renderYamlToDirectory: config.renderYamlToDirectory,
    // A changed ConfigMap is updated in place; the pods that read one at start carry its checksum and roll.
    enableConfigMapMutable: true,
  });
  new ConfigBundle("ecosystem", ecosystemDocuments(services, config.components), config.artifactsDir);
  // Registrations leave on a later turn of the event loop, and building the rest below holds the loop for seconds:
  // yielding here lets the engine start the Kubernetes provider (and connect it to the cluster) meanwhile. The
  // bundle's files leave only after the build (their registration waits for the engine to acknowledge the bundle);
  // waiting for them here gained nothing: the engine would then start the dynamic provider's host before the
  // Kubernetes provider's Configure, which waits for it (README: bench:cluster).
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (config.environment === "prod" && config.storageClass && !config.renderYamlToDirectory) requireRetainingStorageClass(config.storageClass, provider);
  const mesh = meshPlan(config);
  const namespaces = stackNamespaces(config.namespace, config.components, mesh, config.environment);
  const namespace = stackNamespace({ provider, namespaces }, config.namespace, config.namespace);
  const namespaceName = namespace.metadata.name;
  const runtimeImage = serviceRuntimeImage(config.images);

  const dependencyUrl = (specName: string) => {
    const target = services.find((s) => s.config.service_name === specName)!.config;
    return `http://${kubernetesName(specName)}.${config.namespace}.svc.cluster.local:${target.port}`;
  };

  // The mesh first: the other components' injected namespaces wait for it (meshReady).
  const ordered = [...config.components].sort((a, b) => Number(b === "istio") - Number(a === "istio"));
  const platform: PlatformComponentResource[] = [];
  for (const component of ordered) {
    platform.push(
      PLATFORM[component](
        {
          stack: config.stack,
          environment: config.environment,
          namespace: namespaceName,
          namespaceName: config.namespace,
          services,
          components: config.components,
          settings: config.componentSettings[component] ?? {},
          artifactsDir: config.artifactsDir,
          provider,
          renderOnly: config.renderYamlToDirectory !== undefined,
          meshReady: platform.find((p) => p.meshReady)?.meshReady,
          namespaces,
          storageClass: config.storageClass,
        },
        {},
      ),
    );
  }
  const bindings = (entry: ServiceEntry): ServiceBinding[] => platform.map((component) => component.bindService?.(entry) ?? {});

  const deployed = services.map((entry) => {
    const resolved = runtimeSettings(entry, config, runtimeImage);
    const bound = bindings(entry);
    return new MicroService(
      {
        entry,
        namespace: namespaceName,
        image: resolved.image,
        resources: resolved.resources,
        dependencyUrls: Object.fromEntries(entry.config.dependencies.map((d) => [d, dependencyUrl(d)])),
        env: bound.flatMap((b) => b.env ?? []),
        podAnnotations: Object.assign({}, ...bound.map((b) => b.podAnnotations ?? {})),
        versions: bound.find((b) => b.versions)?.versions,
        environment: config.environment,
        artifactsDir: config.artifactsDir,
        provider,
      },
      { dependsOn: bound.flatMap((b) => b.dependsOn ?? []) },
    );
  });

  const istio = platform.find((p): p is IstioMesh => p instanceof IstioMesh);
  const graph = trafficGraph({
    environment: config.environment,
    namespace: config.namespace,
    services,
    components: config.components,
    mesh,
    network: config.network,
    kongProxyPorts: platform.find((p): p is KongGateway => p instanceof KongGateway)?.clientPorts ?? [],
    gatewayClientPorts: istio?.gatewayClientPorts ?? [],
    eventStoreNodes: platform.find((p): p is EventStore => p instanceof EventStore)?.clusterSize ?? 0,
    alerting: platform.find((p): p is Prometheus => p instanceof Prometheus)?.alertmanager.egress,
  });
  options.onTrafficGraph?.(graph);
  new ZeroTrust("zero-trust", {
    graph,
    namespaces: createdNamespaces(provider),
    servicesNamespace: config.namespace,
    networkPolicies: config.network.policies,
    mesh: istio ? { dependsOn: istio.objectsReady } : undefined,
    provider,
  });

  return {
    namespace: namespaceName,
    artifactsDir: config.artifactsDir,
    components: config.components,
    services: Object.fromEntries(deployed.map((s) => [s.name, s.host])),
  };
}
