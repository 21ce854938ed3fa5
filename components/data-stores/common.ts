import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DATA_STORES, DataStoreSizing } from "../../catalog";
import { ImageUser } from "../../catalog/platform/data";
import { commonLabels } from "../labels";
import { disruptionBudget } from "../disruption-budget";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../security-context";
import { sharedNamespace } from "../namespace";
import { PlatformArgs } from "../platform";
import { CONFIG_NAMESPACE, ConfigError, componentSettings } from "../settings";
import { serviceAwaitAnnotations } from "../service-await";
export { parseQuantity } from "../quantity";

/** `postgres` → `postgres.data.svc.cluster.local`: a data store's in-cluster address. */
export const dataStoreHost = (service: string): string => `${service}.${DATA_STORES.namespace}.svc.cluster.local`;

/**
 * The data stores' namespace, shared by the stores (see sharedNamespace). The stores' traffic is
 * mTLS like the services' when the stack composes Istio.
 */
export function dataNamespace(args: PlatformArgs): k8s.core.v1.Namespace {
  if (args.namespaceName === DATA_STORES.namespace) {
    throw new ConfigError(`${CONFIG_NAMESPACE}:namespace is "${DATA_STORES.namespace}", the data stores' namespace: choose another one for the services`);
  }
  return sharedNamespace(args, DATA_STORES.namespace);
}

/** A data store's labels: `app` (what selectors use), the spec's `tier`, the recommended set. */
export const storeLabels = (name: string, tier: string): Record<string, string> => ({
  app: name,
  tier,
  ...commonLabels(name, "data-store"),
});

/** Pod security: the image's own non-root user, its group owning the volumes, the runtime's seccomp profile. */
export const podSecurityContext = (user: ImageUser): k8s.types.input.core.v1.PodSecurityContext => ({
  ...restrictedPodSecurity(user.uid, user.gid),
  fsGroupChangePolicy: "OnRootMismatch",
});

export const containerSecurityContext = restrictedContainerSecurity;

/** The settings every data store accepts (`microservices-ecosystem:<store>`). */
export interface StoreSettings {
  /** The image instead of the catalog's (pinned: a tag other than latest, or a digest). */
  readonly image?: string;
  /** Size of each pod's volume. */
  readonly storage?: string;
  readonly resources?: {
    readonly requests?: { readonly cpu?: string; readonly memory?: string };
    readonly limits?: { readonly cpu?: string; readonly memory?: string };
  };
}

const quantity = { type: "string", pattern: "^[0-9]+(\\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$" };
const resourceBlock = { type: "object", additionalProperties: false, properties: { cpu: quantity, memory: quantity } };

/** The JSON schema of a store's settings: the common fields plus the store's own. */
export function storeSettingsSchema(extra: Record<string, object> = {}): object {
  return {
    type: "object",
    additionalProperties: false,
    properties: {
      image: { type: "string", minLength: 1 },
      storage: { type: "string", pattern: "^[0-9]+(Mi|Gi|Ti)$" },
      resources: {
        type: "object",
        additionalProperties: false,
        properties: { requests: resourceBlock, limits: resourceBlock },
      },
      ...extra,
    },
  };
}

export interface ResolvedSizing {
  readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
  readonly storage: string;
}

// `<repository>:<tag>` (a tag other than latest) or `<repository>@sha256:<digest>`.
const PINNED_IMAGE = /^[^\s@]+(:(?!latest$)[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})$/;

/**
 * Validates a store's settings against its schema (one-line ConfigError naming the key), then
 * that an image it sets is pinned.
 */
export function storeSettings<T extends StoreSettings>(component: string, schema: object, value: Readonly<Record<string, unknown>>): T {
  const settings = componentSettings<T>(component, schema, value);
  if (settings.image !== undefined && !PINNED_IMAGE.test(settings.image)) {
    throw new ConfigError(`${CONFIG_NAMESPACE}:${component}.image "${settings.image}" is not pinned: use a version tag (not latest) or a sha256 digest`);
  }
  return settings;
}

/** The catalog's sizing for the environment with the settings' overrides applied. */
export function resolveSizing(sizing: DataStoreSizing, settings: StoreSettings): ResolvedSizing {
  return {
    resources: {
      requests: { ...sizing.resources.requests, ...settings.resources?.requests },
      limits: { ...sizing.resources.limits, ...settings.resources?.limits },
    },
    storage: settings.storage ?? sizing.storage,
  };
}

/** One volume claim per pod, the size of the store's storage, from the stack's StorageClass (the cluster's default when unset). */
export const volumeClaim = (name: string, labels: Record<string, string>, storage: string, storageClass?: string) => ({
  metadata: { name, labels },
  spec: { accessModes: ["ReadWriteOnce"], ...(storageClass ? { storageClassName: storageClass } : {}), resources: { requests: { storage } } },
});

/**
 * What keeps a store's data through the tool: its claims outlive the StatefulSet, whether it is deleted
 * or scaled down (the controller's default, stated), and on prod `pulumi destroy` refuses to delete the
 * StatefulSet (`protect`; README, "Tear prod down on purpose"). A change the API server cannot make in
 * place (a claim's size: volumeClaimTemplates are immutable) then stops `pulumi up` instead of replacing
 * the StatefulSet (README, "Resize a data store's volume").
 */
export const dataProtection = (environment: "dev" | "prod") => ({
  spec: { persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" } },
  opts: { protect: environment === "prod" },
});

export interface StorePorts {
  readonly name: string;
  readonly port: number;
}

/**
 * The store's two Services: the client-facing ClusterIP `name` (the ports clients use) and the
 * StatefulSet's governing headless `<name>-headless` (per-pod DNS names, listed before they are
 * ready so that cluster members find each other while they start). Port names start with `tcp-`:
 * Istio treats the stores' protocols as opaque TCP (still mTLS inside the mesh).
 */
export function storeServices(
  parent: pulumi.Resource,
  provider: k8s.Provider,
  name: string,
  namespace: pulumi.Input<string>,
  labels: Record<string, string>,
  clientPorts: readonly StorePorts[],
  peerPorts: readonly StorePorts[] = [],
): { service: k8s.core.v1.Service; headless: k8s.core.v1.Service } {
  const opts = { parent, provider };
  const toPorts = (ports: readonly StorePorts[]) => ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP" }));
  const service = new k8s.core.v1.Service(
    name,
    {
      metadata: { name, namespace, labels, annotations: serviceAwaitAnnotations("ClusterIP") },
      spec: { type: "ClusterIP", selector: { app: name }, ports: toPorts(clientPorts) },
    },
    opts,
  );
  const headless = new k8s.core.v1.Service(
    `${name}-headless`,
    {
      metadata: { name: `${name}-headless`, namespace, labels, annotations: serviceAwaitAnnotations("ClusterIP") },
      spec: {
        clusterIP: "None",
        publishNotReadyAddresses: true,
        selector: { app: name },
        ports: toPorts([...clientPorts, ...peerPorts]),
      },
    },
    opts,
  );
  return { service, headless };
}

/** At most one pod of the store down at a time for voluntary disruptions (drains, upgrades). */
export const storeDisruptionBudget = (
  parent: pulumi.Resource,
  provider: k8s.Provider,
  name: string,
  namespace: pulumi.Input<string>,
  labels: Record<string, string>,
) => disruptionBudget({ name, namespace, labels, selector: { app: name }, budget: { maxUnavailable: 1 } }, { parent, provider });

/** A Secret whose values are Pulumi secrets: encrypted in state, masked in every rendered file. */
export const secretOptions = (parent: pulumi.Resource, provider: k8s.Provider): pulumi.CustomResourceOptions => ({
  parent,
  provider,
  additionalSecretOutputs: ["data", "stringData"],
});

/** `<service>` env var reading one key of a Secret. */
export const secretEnv = (name: string, secret: pulumi.Input<string>, key: string): k8s.types.input.core.v1.EnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key } },
});

// Whether the engine holds a config value as a secret: the SDK's own check, exported by its
// runtime module but not typed (marked internal). Without it, the secret-ness is not enforced.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- internal SDK module without typings
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (key: string) => boolean };

/**
 * A secret the stack may set instead of a generated one (`microservices-ecosystem:<key>`): the
 * value as a secret Output, undefined when unset or empty. A plain-text value is a ConfigError.
 */
export function secretConfig(key: string): pulumi.Output<string> | undefined {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  // Only compared with "": the value itself is read as a secret below.
  if ((config.get(key) ?? "") === "") return undefined;
  if (isConfigSecret && !isConfigSecret(`${CONFIG_NAMESPACE}:${key}`)) {
    throw new ConfigError(`${CONFIG_NAMESPACE}:${key} is set in plain text: set it with \`pulumi config set --secret ${key} <value>\``);
  }
  return config.requireSecret(key);
}
