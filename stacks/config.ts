import * as pulumi from "@pulumi/pulumi";
import Ajv from "ajv";
import * as path from "path";
import { DATA_STORES, GATEWAY, JAEGER, MESH, NETWORK, PLATFORM_COMPONENTS, PROMETHEUS, PlatformComponent, RECEIVERS } from "../catalog";
import { credentialKey } from "../components/alertmanager/settings";
import { CONFIG_NAMESPACE, ConfigError, describeConfigError } from "../components/settings";
import { checkProdImages } from "./prod-images";

export { CONFIG_NAMESPACE, ConfigError };

export interface ResourceSettings {
  readonly requests?: { readonly cpu?: string; readonly memory?: string };
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

/** What a stack may change about one service; everything else comes from the catalog. */
export interface ServiceOverride {
  readonly replicas?: number;
  readonly image?: string;
  readonly resources?: ResourceSettings;
}

export interface ImagesConfig {
  /** Where service images live, e.g. `localhost:5001/microservices` (image `<repository>/<service>:<tag>`). */
  readonly repository: string;
  readonly tag: string;
  /** Build `app/` with @pulumi/docker and push it to `repository`. */
  readonly build: boolean;
  /** Platform to build for (`linux/arm64` on Apple Silicon); the Docker host's own when unset. */
  readonly platform?: string;
}

/** `microservices-ecosystem:network`: what the zero-trust policies need to know of the cluster (catalog NETWORK). */
export interface NetworkConfig {
  readonly policies: boolean;
  readonly podCidrs: readonly string[];
  readonly apiServer: { readonly cidrs: readonly string[]; readonly ports: readonly number[] };
  readonly kubelets: { readonly cidrs: readonly string[]; readonly port: number };
}

/** The stack's configuration once validated: the contract `Pulumi.yaml` declares. */
export interface StackConfig {
  readonly stack: string;
  readonly environment: "dev" | "prod";
  readonly namespace: string;
  readonly artifactsDir: string;
  readonly components: readonly PlatformComponent[];
  readonly services: { readonly [specName: string]: ServiceOverride };
  readonly images: ImagesConfig;
  readonly kubeContext?: string;
  readonly renderYamlToDirectory?: string;
  /** The StorageClass of every claim (data stores, Prometheus, Jaeger); the cluster's default when unset (dev). */
  readonly storageClass?: string;
  readonly network: NetworkConfig;
  /** Each component's own settings: the config key named after it (`microservices-ecosystem:istio`). */
  readonly componentSettings: Partial<Record<PlatformComponent, Readonly<Record<string, unknown>>>>;
}

/** The components that take settings (`microservices-ecosystem:<component>`). */
const COMPONENTS_WITH_SETTINGS: readonly PlatformComponent[] = ["istio", "kong", "jaeger", "prometheus", "postgresql", "redis", "eventstore"];

const quantity = { type: "string", pattern: "^[0-9]+(\\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$" };
const resourceBlock = {
  type: "object",
  additionalProperties: false,
  properties: { cpu: quantity, memory: quantity },
};

const cidr = {
  type: "string",
  anyOf: [
    { pattern: "^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}/([0-9]|[12][0-9]|3[0-2])$" },
    { pattern: "^[0-9a-fA-F:]*:[0-9a-fA-F:]*/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$" },
  ],
};
const port = { type: "integer", minimum: 1, maximum: 65535 };

/** JSON schema of the raw config values: types, required keys, no unknown fields. */
const SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["environment", "namespace", "artifactsDir", "components", "services", "images"],
  properties: {
    environment: { enum: ["dev", "prod"] },
    namespace: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$" },
    artifactsDir: { type: "string" },
    components: { type: "array", uniqueItems: true, items: { enum: [...PLATFORM_COMPONENTS] } },
    services: {
      type: "object",
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        properties: {
          replicas: { type: "integer", minimum: 1 },
          image: { type: "string", pattern: "^[^\\s]+(:[\\w][\\w.-]*|@sha256:[0-9a-f]{64})$", not: { pattern: ":latest$" } },
          resources: {
            type: "object",
            additionalProperties: false,
            properties: { requests: resourceBlock, limits: resourceBlock },
          },
        },
      },
    },
    images: {
      type: "object",
      additionalProperties: false,
      required: ["repository", "tag", "build"],
      properties: {
        repository: { type: "string", minLength: 1 },
        tag: { type: "string", pattern: "^[\\w][\\w.-]{0,127}$", not: { const: "latest" } },
        build: { type: "boolean" },
        platform: { type: "string", pattern: "^[a-z0-9]+/[a-z0-9]+(/[a-z0-9]+)?$" },
      },
    },
    kubeContext: { type: "string" },
    renderYamlToDirectory: { type: "string" },
    storageClass: { type: "string", pattern: "^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)?$" },
    network: {
      type: "object",
      additionalProperties: false,
      properties: {
        policies: { type: "boolean", default: NETWORK.defaults.policies },
        podCidrs: { type: "array", minItems: 1, uniqueItems: true, items: cidr, default: [...NETWORK.defaults.podCidrs] },
        apiServer: {
          type: "object",
          additionalProperties: false,
          default: {},
          properties: {
            cidrs: { type: "array", minItems: 1, uniqueItems: true, items: cidr, default: [...NETWORK.defaults.apiServer.cidrs] },
            ports: { type: "array", minItems: 1, uniqueItems: true, items: port, default: [...NETWORK.defaults.apiServer.ports] },
          },
        },
        kubelets: {
          type: "object",
          additionalProperties: false,
          default: {},
          properties: {
            cidrs: { type: "array", minItems: 1, uniqueItems: true, items: cidr, default: [...NETWORK.defaults.kubelets.cidrs] },
            port: { ...port, default: NETWORK.defaults.kubelets.port },
          },
        },
      },
    },
    // A secret, read as one by components/redis (never part of the validated raw values).
    redisPassword: { type: "string" },
    postgresPasswordSeed: { type: "string" },
    // Alertmanager's receivers' secrets, read as secrets by components/alertmanager.
    ...Object.fromEntries(RECEIVERS.map((r) => [credentialKey(r), { type: "string" }])),
    // Grafana's admin password, read as a secret by components/grafana.
    grafanaAdminPassword: { type: "string" },
    // Each component validates its own settings object (components/<name>).
    ...Object.fromEntries(COMPONENTS_WITH_SETTINGS.map((c) => [c, { type: "object" }])),
  },
} as const;

const validateRaw = new Ajv({ allErrors: true, verbose: true, useDefaults: true }).compile(SCHEMA);

// Of several errors, the most telling: a misspelt field before the missing one it explains.
const ERROR_ORDER = ["additionalProperties", "enum", "type", "required"];
const rank = (keyword: string) => (ERROR_ORDER.includes(keyword) ? ERROR_ORDER.indexOf(keyword) : ERROR_ORDER.length);

const FIX_HINTS: Record<string, string> = {
  "/namespace": "use a DNS-1123 label such as microservices",
  "/images/tag": "pin a version tag such as v1.0.0 (latest changes under a running stack)",
  "/images": "a stack's images replaces Pulumi.yaml's default object whole: set repository, tag and build",
  "/storageClass": "name a StorageClass of the cluster (reclaimPolicy Retain on prod), or leave it empty for the default",
  "/network/podCidrs": "list the cluster's pod network ranges as CIDRs, such as 10.244.0.0/16",
  "/network/apiServer": "list the addresses the API server answers on as CIDRs (cidrs) and its ports (ports)",
  "/network/kubelets": "list the nodes' addresses as CIDRs (cidrs) and the kubelet's port (port, 10250 by default)",
  "/services": "see the services row of the README's config table (replicas: integer ≥ 1, image: pinned tag or digest, resources: quantities)",
};

/** The cluster's own namespaces: the services' default-deny policies and sidecar injection would hit everything in them. */
const CLUSTER_NAMESPACES = /^(default|kube-.*)$/;

/** Namespaces this stack creates for its platform components, by component. */
const PLATFORM_NAMESPACES: Record<string, string> = {
  [MESH.rootNamespace]: "Istio's control plane",
  [MESH.install.ingressNamespace]: "Istio's ingress gateway",
  [MESH.install.cni.namespace]: "Istio's CNI node agent",
  [GATEWAY.namespace]: "Kong",
  [DATA_STORES.namespace]: "the data stores",
  [JAEGER.namespace]: "Jaeger and Prometheus",
  [PROMETHEUS.namespace]: "Jaeger and Prometheus",
};

/** A namespace the services may not share: one line saying why, and what to use instead. */
function checkServicesNamespace(namespace: string): void {
  const fix = "use a namespace of the services' own, such as microservices";
  if (CLUSTER_NAMESPACES.test(namespace)) {
    throw new ConfigError(
      `${CONFIG_NAMESPACE}:namespace ${namespace} is a namespace of the cluster's own: the services' default-deny NetworkPolicy, allow-nothing AuthorizationPolicy and sidecar injection would apply to everything in it (cluster DNS included); ${fix}`,
    );
  }
  const owner = PLATFORM_NAMESPACES[namespace];
  if (owner) {
    throw new ConfigError(
      `${CONFIG_NAMESPACE}:namespace ${namespace} is where this stack runs ${owner}, whose traffic the services' default-deny policies would cut; ${fix}`,
    );
  }
}

/**
 * Validates raw config values (as the engine hands them over) and resolves the stack's
 * settings. Throws a ConfigError naming the first wrong key; nothing is created before this.
 */
export function parseStackConfig(stack: string, raw: Record<string, unknown>, knownServices: readonly string[]): StackConfig {
  const defined: Record<string, unknown> = { network: {}, ...Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) };
  if (!validateRaw(defined)) {
    const [first] = [...validateRaw.errors!].sort((a, b) => rank(a.keyword) - rank(b.keyword));
    throw new ConfigError(describeConfigError([], first, FIX_HINTS));
  }
  const values = defined as unknown as Omit<StackConfig, "stack" | "componentSettings">;
  checkServicesNamespace(values.namespace);
  for (const component of COMPONENTS_WITH_SETTINGS) {
    if (defined[component] !== undefined && Object.keys(defined[component] as object).length > 0 && !values.components.includes(component)) {
      throw new ConfigError(
        `${CONFIG_NAMESPACE}:${component} is set but ${component} is not in ${CONFIG_NAMESPACE}:components: add it there or remove its settings`,
      );
    }
  }
  for (const name of Object.keys(values.services)) {
    if (!knownServices.includes(name)) {
      throw new ConfigError(`${CONFIG_NAMESPACE}:services.${name} is not a service of the catalog: use one of ${knownServices.join(", ")}`);
    }
  }
  const componentSettings = Object.fromEntries(
    COMPONENTS_WITH_SETTINGS.filter((c) => defined[c] !== undefined).map((c) => [c, defined[c] as Record<string, unknown>]),
  );
  if (values.environment === "prod") checkProdImages({ ...values, componentSettings });
  return {
    ...values,
    stack,
    artifactsDir: path.resolve(values.artifactsDir || path.join("out", stack)),
    kubeContext: values.kubeContext || undefined,
    renderYamlToDirectory: values.renderYamlToDirectory || undefined,
    storageClass: values.storageClass || (values.environment === "prod" ? DATA_STORES.prodStorageClass : undefined),
    componentSettings,
  };
}

const OBJECT_KEYS = ["components", "services", "images", "network", ...COMPONENTS_WITH_SETTINGS] as const;
const STRING_KEYS = ["environment", "namespace", "artifactsDir", "kubeContext", "renderYamlToDirectory", "storageClass"] as const;

/** Reads the stack's config from the Pulumi engine (or the mock engine) and validates it. */
export function readStackConfig(knownServices: readonly string[]): StackConfig {
  const known = Object.keys(SCHEMA.properties);
  for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
    const [namespace, key] = fullKey.split(":");
    if (namespace === CONFIG_NAMESPACE && !known.includes(key)) {
      throw new ConfigError(`${fullKey} is not a config key of this project: remove it or use one of ${known.join(", ")}`);
    }
  }
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const raw: Record<string, unknown> = {};
  for (const key of STRING_KEYS) raw[key] = config.get(key);
  for (const key of OBJECT_KEYS) {
    try {
      raw[key] = config.getObject(key);
    } catch {
      throw new ConfigError(`${CONFIG_NAMESPACE}:${key} is not valid JSON/YAML structured config: set it as a YAML list or map in Pulumi.<stack>.yaml`);
    }
  }
  return parseStackConfig(pulumi.getStack(), raw, knownServices);
}
