import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import * as pulumi from "@pulumi/pulumi";
import { CACHE, DATA_STORES, REDIS, STORE_EXPORTERS, ServiceEntry, redisClients } from "../../catalog";
import { emitDocuments } from "../artifacts/emit";
import {
  ResolvedSizing,
  StoreSettings,
  containerSecurityContext,
  dataNamespace,
  dataStoreHost,
  parseQuantity,
  podSecurityContext,
  resolveSizing,
  secretConfig,
  secretEnv,
  secretOptions,
  storeDisruptionBudget,
  storeLabels,
  storeServices,
  storeSettings,
  storeSettingsSchema,
  volumeClaim,
  dataProtection,
} from "../data-stores/common";
import { PlatformArgs, PlatformComponentResource, ServiceBinding } from "../platform";
import { configChecksum, credentialsChecksum } from "../checksum";
import { withEphemeralStorage } from "../ephemeral-storage";
import { exporterContainer } from "../data-stores/exporter";

const NAME = REDIS.host;
const PORT_NAME = "tcp-redis";
const AUTH_SECRET = "redis-auth";
const PASSWORD_KEY = "REDIS_PASSWORD";
const CONFIG_DIR = "/etc/redis";
const CONFIG_FILE = "redis.conf";
/** The stack config key of a password that replaces the generated one. */
export const PASSWORD_CONFIG_KEY = "redisPassword";

export type RedisSettings = StoreSettings;

/** Validates `microservices-ecosystem:redis` (one-line ConfigError naming the key). */
export const redisSettings = (value: Readonly<Record<string, unknown>>): RedisSettings => storeSettings<RedisSettings>("redis", storeSettingsSchema(), value);

/** redis.conf, without the password (added from the Secret when the server starts). */
export function redisConfig(memoryLimit: string): string {
  const maxmemoryMb = Math.floor((parseQuantity(memoryLimit) * REDIS.maxmemoryShare) / 2 ** 20);
  return [
    "# Generated from the catalog (REDIS). requirepass is read from the Secret at start-up, never written here.",
    `port ${REDIS.port}`,
    "protected-mode yes",
    `dir ${REDIS.dataMountPath}`,
    "appendonly yes",
    "appendfsync everysec",
    `maxmemory ${maxmemoryMb}mb`,
    `maxmemory-policy ${REDIS.maxmemoryPolicy}`,
    "",
  ].join("\n");
}

/**
 * Starts redis-server with the config file and `requirepass` on its standard input (`-`), read
 * from $REDIS_PASSWORD: the password is on no command line and in no file. `"` and `\` are
 * escaped for Redis's quoted strings.
 */
export const START_SCRIPT = [
  "set -eu",
  `password=$(printf '%s' "$${PASSWORD_KEY}" | sed -e 's/[\\\\"]/\\\\&/g')`,
  `exec redis-server ${CONFIG_DIR}/${CONFIG_FILE} - <<EOF`,
  'requirepass "$password"',
  "EOF",
].join("\n");

/**
 * Redis, the distributed cache and lock provider: one StatefulSet (AOF persistence on a volume)
 * in the data namespace, password-protected. The password is generated (@pulumi/random, a
 * Pulumi secret) unless the stack sets `redisPassword` (a config secret); it reaches Redis and
 * the services only through Secrets. Services that use Redis (caching or distributed locks,
 * from their catalog entries) get REDIS_PASSWORD from a Secret and REDIS_URL built from it.
 */
export class RedisCache extends pulumi.ComponentResource implements PlatformComponentResource {
  readonly settings: RedisSettings;
  readonly sizing: ResolvedSizing;
  readonly image: string;
  readonly host: string;
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  /** Whether the password comes from `redisPassword` rather than @pulumi/random. */
  readonly passwordFromConfig: boolean;
  private readonly clientSecret?: k8s.core.v1.Secret;
  private readonly password: pulumi.Output<string>;
  private readonly clients: ReadonlySet<string>;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = redisSettings(args.settings);
    const fromConfig = secretConfig(PASSWORD_CONFIG_KEY);
    super("microservices:platform:Redis", name, {}, opts);
    this.settings = settings;
    emitDocuments(this, name, args.artifactsDir, [{ path: "distributed_data/distributed_cache/cache_config.json", content: CACHE.config }]);

    const childOpts = { parent: this, provider: args.provider };
    const namespace = dataNamespace(args).metadata.name;
    const labels = storeLabels(NAME, REDIS.tier);
    const sizing = resolveSizing(REDIS.sizing[args.environment], settings);
    this.sizing = sizing;
    this.image = settings.image ?? REDIS.image;
    this.host = dataStoreHost(NAME);
    this.passwordFromConfig = fromConfig !== undefined;

    const password =
      fromConfig ??
      new random.RandomPassword(
        `${NAME}-password`,
        {
          length: 32,
          // Letters and digits only: usable in a redis:// URL as is.
          special: false,
        },
        { parent: this, additionalSecretOutputs: ["result"] },
      ).result;

    this.password = pulumi.output(password);
    const auth = new k8s.core.v1.Secret(
      AUTH_SECRET,
      {
        metadata: { name: AUTH_SECRET, namespace, labels },
        type: "Opaque",
        stringData: { [PASSWORD_KEY]: pulumi.secret(password) },
      },
      secretOptions(this, args.provider),
    );

    const configText = redisConfig(sizing.resources.limits.memory);
    const config = new k8s.core.v1.ConfigMap(
      `${NAME}-config`,
      {
        metadata: { name: `${NAME}-config`, namespace, labels },
        data: { [CONFIG_FILE]: configText },
      },
      childOpts,
    );

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      NAME,
      {
        metadata: { name: NAME, namespace, labels },
        automountServiceAccountToken: false,
      },
      childOpts,
    );

    const { headless } = storeServices(this, args.provider, NAME, namespace, labels, [{ name: PORT_NAME, port: REDIS.port }]);

    // redis-cli reads the password from REDISCLI_AUTH: probes pass none on their command line.
    // With Prometheus, redis_exporter beside Redis, on localhost with the same password (Redis has one user).
    const exporter = args.components.includes("prometheus")
      ? [
          exporterContainer(STORE_EXPORTERS.redis, [
            { name: "REDIS_ADDR", value: `redis://127.0.0.1:${REDIS.port}` },
            secretEnv("REDIS_PASSWORD", auth.metadata.name, PASSWORD_KEY),
          ]),
        ]
      : [];
    const ping = (accept: string) => ({
      exec: { command: ["sh", "-c", `redis-cli -h 127.0.0.1 -p ${REDIS.port} ping | grep -Eq '${accept}'`] },
      timeoutSeconds: 5,
    });
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      NAME,
      {
        metadata: { name: NAME, namespace, labels },
        spec: {
          serviceName: headless.metadata.name,
          replicas: REDIS.sizing[args.environment].replicas,
          selector: { matchLabels: { app: NAME } },
          template: {
            metadata: {
              labels,
              // Redis reads its config and its password at start only: a change of either rolls the pod.
              annotations: { "checksum/config": configChecksum(configText), "checksum/credentials": credentialsChecksum(password) },
            },
            spec: withEphemeralStorage({
              serviceAccountName: serviceAccount.metadata.name,
              automountServiceAccountToken: false,
              terminationGracePeriodSeconds: 30,
              securityContext: podSecurityContext(REDIS.user),
              containers: [
                {
                  name: "redis",
                  image: this.image,
                  imagePullPolicy: "IfNotPresent",
                  command: ["sh", "-c", START_SCRIPT],
                  ports: [{ name: PORT_NAME, containerPort: REDIS.port, protocol: "TCP" }],
                  env: [secretEnv(PASSWORD_KEY, auth.metadata.name, PASSWORD_KEY), secretEnv("REDISCLI_AUTH", auth.metadata.name, PASSWORD_KEY)],
                  resources: sizing.resources,
                  // Loading a large append-only file answers LOADING: alive, not ready.
                  startupProbe: { ...ping("PONG|LOADING"), periodSeconds: 5, failureThreshold: 24 },
                  readinessProbe: { ...ping("PONG"), periodSeconds: 10, failureThreshold: 3 },
                  livenessProbe: { ...ping("PONG|LOADING"), periodSeconds: 15, failureThreshold: 4 },
                  securityContext: containerSecurityContext,
                  volumeMounts: [
                    { name: "data", mountPath: REDIS.dataMountPath },
                    { name: "config", mountPath: CONFIG_DIR, readOnly: true },
                    { name: "tmp", mountPath: "/tmp" },
                  ],
                },
                ...exporter,
              ],
              volumes: [
                { name: "config", configMap: { name: config.metadata.name } },
                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
              ],
            }),
          },
          volumeClaimTemplates: [volumeClaim("data", labels, sizing.storage, args.storageClass)],
          ...dataProtection(args.environment).spec,
        },
      },
      { ...childOpts, ...dataProtection(args.environment).opts },
    );

    storeDisruptionBudget(this, args.provider, NAME, namespace, labels);

    const clients = redisClients(args.services);
    this.clients = new Set(clients.map((s) => s.config.service_name));
    if (clients.length > 0) {
      // The services' copy of the password: a Secret is read only from its own namespace.
      this.clientSecret = new k8s.core.v1.Secret(
        `${AUTH_SECRET}-services`,
        {
          metadata: { name: AUTH_SECRET, namespace: args.namespace, labels: { ...labels, "app.kubernetes.io/component": "cache-credentials" } },
          type: "Opaque",
          stringData: { [PASSWORD_KEY]: pulumi.secret(password) },
        },
        secretOptions(this, args.provider),
      );
    }

    this.registerOutputs({ host: this.host, port: REDIS.port, namespace: DATA_STORES.namespace });
  }

  /**
   * REDIS_PASSWORD from the Secret, then REDIS_URL, which Kubernetes completes from it
   * (`$(REDIS_PASSWORD)`): the manifest holds no password. For services with `caching` by Redis
   * and for those whose documents name Redis as their lock provider.
   */
  bindService(entry: ServiceEntry): ServiceBinding {
    if (!this.clientSecret || !this.clients.has(entry.config.service_name)) return {};
    return {
      env: [
        secretEnv(PASSWORD_KEY, this.clientSecret.metadata.name, PASSWORD_KEY),
        { name: "REDIS_URL", value: `redis://:$(${PASSWORD_KEY})@${this.host}:${REDIS.port}/0` },
      ],
      dependsOn: [this.clientSecret],
      // REDIS_PASSWORD is read at start: a rotated password rolls the client's pods.
      podAnnotations: { "checksum/cache-credentials": credentialsChecksum(this.password) },
    };
  }
}
