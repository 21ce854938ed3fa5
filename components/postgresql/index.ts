import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import * as pulumi from "@pulumi/pulumi";
import { createHmac } from "crypto";
import {
  DATA_STORES,
  DatabaseGrant,
  POSTGRES,
  SAGAS,
  STORE_EXPORTERS,
  ServiceEntry,
  kubernetesName,
  sagaCoordinators,
  sagaDatabase,
  serviceDatabases,
} from "../../catalog";
import { emitDocuments } from "../artifacts/emit";
import {
  ResolvedSizing,
  StoreSettings,
  containerSecurityContext,
  dataNamespace,
  dataStoreHost,
  podSecurityContext,
  resolveSizing,
  secretEnv,
  secretOptions,
  storeDisruptionBudget,
  storeLabels,
  storeServices,
  storeSettings,
  storeSettingsSchema,
  volumeClaim,
  dataProtection,
  secretConfig,
} from "../data-stores/common";
import { PlatformArgs, PlatformComponentResource, ServiceBinding } from "../platform";
import { credentialsChecksum } from "../checksum";
import { CONFIG_NAMESPACE, ConfigError } from "../settings";

/** A config secret that replaces the generated passwords (stacks without the random provider). */
export const PASSWORD_SEED_CONFIG_KEY = "postgresPasswordSeed";
import { INIT_SCRIPT, SUPERUSER_PASSWORD_VARIABLE, initScript, passwordVariable } from "./init-script";
import { withEphemeralStorage } from "../ephemeral-storage";
import { exporterContainer } from "../data-stores/exporter";

export { INIT_SCRIPT, initScript, passwordVariable } from "./init-script";

const NAME = POSTGRES.host;
const PORT_NAME = "tcp-postgres";
const CREDENTIALS = "postgres-credentials";
const SUPERUSER_PASSWORD_KEY = "POSTGRES_PASSWORD";
const INIT_DIR = "/docker-entrypoint-initdb.d";
const RUN_DIR = "/var/run/postgresql";

/**
 * The `reconcile-roles` init container: on a data directory initialised before (the image's entrypoint
 * handles a fresh one, with the same script), start the server on its Unix socket only, run the roles
 * script (idempotent: components/postgresql/init-script.ts), stop it again, also when the script fails.
 */
export const RECONCILE_SCRIPT = [
  "set -eu",
  '[ -s "$PGDATA/PG_VERSION" ] || exit 0',
  `pg_ctl -D "$PGDATA" -w -t 300 -o "-c listen_addresses='' -c unix_socket_directories=${RUN_DIR}" start`,
  `trap 'pg_ctl -D "$PGDATA" -m fast -w -t 300 stop' EXIT`,
  `psql -X -q -v ON_ERROR_STOP=1 -h ${RUN_DIR} -U "$POSTGRES_USER" -d postgres -f ${INIT_DIR}/${INIT_SCRIPT}`,
].join("\n");
/** psql's `\getenv`, which the init script reads passwords with, exists from PostgreSQL 15 on. */
const MIN_MAJOR_VERSION = 15;

export type PostgreSqlSettings = StoreSettings;

/** Validates `microservices-ecosystem:postgresql` (one-line ConfigError naming the key). */
export function postgresSettings(value: Readonly<Record<string, unknown>>): PostgreSqlSettings {
  const settings = storeSettings<PostgreSqlSettings>("postgresql", storeSettingsSchema(), value);
  const major = /:(\d+)[^:/]*$/.exec(settings.image ?? "")?.[1];
  if (major !== undefined && Number(major) < MIN_MAJOR_VERSION) {
    throw new ConfigError(
      `${CONFIG_NAMESPACE}:postgresql.image ${settings.image} is PostgreSQL ${major}: use ${MIN_MAJOR_VERSION} or later (the init script reads passwords with psql's \\getenv)`,
    );
  }
  return settings;
}

/** A service's database Secret, and the password it holds (what its pods' checksum follows). */
interface ServiceCredentials {
  readonly secret: k8s.core.v1.Secret;
  readonly password: pulumi.Output<string>;
}

/** `postgresql://<role>:<password>@postgres.data.svc.cluster.local:5432/<database>?sslmode=disable`, a secret. */
export function databaseUrl(grant: DatabaseGrant, password: pulumi.Input<string>): pulumi.Output<string> {
  // No TLS on the server: inside the mesh the sidecars encrypt the connection (mTLS).
  return pulumi.secret(pulumi.interpolate`postgresql://${grant.role}:${password}@${dataStoreHost(NAME)}:${POSTGRES.port}/${grant.database}?sslmode=disable`);
}

/**
 * PostgreSQL: one StatefulSet in the data namespace with a persistent volume; one database and
 * one role per service that names a `database` in the catalog, plus the saga coordinator's
 * `saga_db`/`saga_user`. Each role's password is generated (@pulumi/random, a Pulumi secret) and
 * reaches PostgreSQL through a Secret read by the init script, and the service through its own
 * Secret `<service>-db` (DATABASE_URL, PGPASSWORD, …) in the services' namespace.
 */
export class PostgreSql extends pulumi.ComponentResource implements PlatformComponentResource {
  readonly settings: PostgreSqlSettings;
  readonly sizing: ResolvedSizing;
  readonly image: string;
  /** The databases the init script creates, the saga coordinator's last. */
  readonly grants: readonly DatabaseGrant[];
  /** The client Service's in-cluster address. */
  readonly host: string;
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  private readonly serviceSecrets: ReadonlyMap<string, ServiceCredentials>;
  private readonly sagaSecret?: ServiceCredentials;
  private readonly coordinators: ReadonlySet<string>;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = postgresSettings(args.settings);
    super("microservices:platform:PostgreSQL", name, {}, opts);
    this.settings = settings;
    emitDocuments(this, name, args.artifactsDir, [
      { path: "distributed_data/saga_coordinator/saga_definitions.json", content: SAGAS.definitions },
      { path: "distributed_data/saga_coordinator/transaction_log.json", content: SAGAS.transactionLog },
    ]);

    const childOpts = { parent: this, provider: args.provider };
    const namespace = dataNamespace(args).metadata.name;
    const labels = storeLabels(NAME, POSTGRES.tier);
    const sizing = resolveSizing(POSTGRES.sizing[args.environment], settings);
    this.sizing = sizing;
    this.image = settings.image ?? POSTGRES.image;
    this.host = dataStoreHost(NAME);

    const saga = sagaDatabase();
    const services = serviceDatabases(args.services);
    this.grants = [...services, saga];
    // Generated passwords, or (for stacks without the random provider) derived from a config
    // secret: HMAC-SHA256(seed, role), one distinct password per role.
    const seed = secretConfig(PASSWORD_SEED_CONFIG_KEY);
    const password = (id: string): { result: pulumi.Output<string> } =>
      seed
        ? { result: pulumi.secret(seed.apply((s) => createHmac("sha256", s).update(id).digest("hex").slice(0, 32))) }
        : new random.RandomPassword(
            `${id}-password`,
            {
              length: 32,
              // Letters and digits only: safe in a URL and in SQL without quoting rules.
              special: false,
            },
            { parent: this, additionalSecretOutputs: ["result"] },
          );
    const superuserPassword = password("postgres-superuser");
    const passwords = new Map(this.grants.map((g) => [g.role, password(kubernetesName(g.role))]));
    // With Prometheus, postgres_exporter beside PostgreSQL, logging in as a pg_monitor role of its own.
    const monitor = args.components.includes("prometheus") ? STORE_EXPORTERS.postgresql.role : undefined;
    const monitorPassword = monitor === undefined ? undefined : password(kubernetesName(monitor));

    // What PostgreSQL itself reads: the superuser's password and each role's (init script).
    const credentials = new k8s.core.v1.Secret(
      CREDENTIALS,
      {
        metadata: { name: CREDENTIALS, namespace, labels },
        type: "Opaque",
        stringData: {
          [SUPERUSER_PASSWORD_KEY]: superuserPassword.result,
          ...Object.fromEntries([...passwords].map(([role, p]) => [role, p.result])),
          ...(monitor && monitorPassword ? { [monitor]: monitorPassword.result } : {}),
        },
      },
      secretOptions(this, args.provider),
    );

    const init = new k8s.core.v1.ConfigMap(
      `${NAME}-init`,
      {
        metadata: { name: `${NAME}-init`, namespace, labels },
        data: { [INIT_SCRIPT]: initScript(this.grants, POSTGRES.superuser, monitor) },
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

    const { headless } = storeServices(this, args.provider, NAME, namespace, labels, [{ name: PORT_NAME, port: POSTGRES.port }]);

    const env = [
      { name: "POSTGRES_USER", value: POSTGRES.superuser },
      secretEnv(SUPERUSER_PASSWORD_VARIABLE, credentials.metadata.name, SUPERUSER_PASSWORD_KEY),
      { name: "PGDATA", value: POSTGRES.pgdata },
      ...this.grants.map((g) => secretEnv(passwordVariable(g.role), credentials.metadata.name, g.role)),
      ...(monitor ? [secretEnv(passwordVariable(monitor), credentials.metadata.name, monitor)] : []),
    ];
    const exporter = monitor
      ? [
          exporterContainer(STORE_EXPORTERS.postgresql, [
            { name: "DATA_SOURCE_URI", value: `127.0.0.1:${POSTGRES.port}/postgres?sslmode=disable` },
            { name: "DATA_SOURCE_USER", value: monitor },
            secretEnv("DATA_SOURCE_PASS", credentials.metadata.name, monitor),
          ]),
        ]
      : [];
    const mounts = [
      { name: "data", mountPath: POSTGRES.dataMountPath },
      { name: "init", mountPath: INIT_DIR, readOnly: true },
      { name: "run", mountPath: RUN_DIR },
      { name: "tmp", mountPath: "/tmp" },
    ];
    const ready = {
      exec: { command: ["pg_isready", "--host=127.0.0.1", `--port=${POSTGRES.port}`, `--username=${POSTGRES.superuser}`] },
      timeoutSeconds: 5,
    };
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      NAME,
      {
        metadata: { name: NAME, namespace, labels },
        spec: {
          serviceName: headless.metadata.name,
          replicas: POSTGRES.sizing[args.environment].replicas,
          selector: { matchLabels: { app: NAME } },
          template: {
            // The roles script runs at every start (reconcile-roles): a rotated password rolls the pod.
            metadata: {
              labels,
              annotations: {
                "checksum/credentials": credentialsChecksum(
                  superuserPassword.result,
                  ...[...passwords.values(), ...(monitorPassword ? [monitorPassword] : [])].map((p) => p.result),
                ),
              },
            },
            spec: withEphemeralStorage({
              serviceAccountName: serviceAccount.metadata.name,
              automountServiceAccountToken: false,
              terminationGracePeriodSeconds: 60,
              securityContext: podSecurityContext(POSTGRES.user),
              // On a volume initialised before, the image runs no init script: this brings the roles, their
              // passwords and databases in line with the Secret first (a local server without TCP).
              initContainers: [
                {
                  name: "reconcile-roles",
                  image: this.image,
                  imagePullPolicy: "IfNotPresent",
                  command: ["sh", "-c", RECONCILE_SCRIPT],
                  env,
                  resources: sizing.resources,
                  securityContext: containerSecurityContext,
                  volumeMounts: mounts,
                },
              ],
              containers: [
                {
                  name: "postgres",
                  image: this.image,
                  imagePullPolicy: "IfNotPresent",
                  ports: [{ name: PORT_NAME, containerPort: POSTGRES.port, protocol: "TCP" }],
                  env,
                  resources: sizing.resources,
                  // Initialisation (initdb and the init script) may take a while on a slow disk.
                  startupProbe: { ...ready, periodSeconds: 5, failureThreshold: 60 },
                  readinessProbe: { ...ready, periodSeconds: 10, failureThreshold: 3 },
                  // Alive while it listens; pg_isready (readiness) also refuses during recovery or shutdown.
                  livenessProbe: { tcpSocket: { port: PORT_NAME }, timeoutSeconds: 5, periodSeconds: 15, failureThreshold: 4 },
                  securityContext: containerSecurityContext,
                  volumeMounts: mounts,
                },
                ...exporter,
              ],
              volumes: [
                { name: "init", configMap: { name: init.metadata.name } },
                { name: "run", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
                { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
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

    // What the services read: one Secret per database, in the services' namespace.
    const serviceSecret = (secretName: string, grant: DatabaseGrant): ServiceCredentials => {
      const pw = passwords.get(grant.role)!.result;
      const secret = new k8s.core.v1.Secret(
        secretName,
        {
          metadata: { name: secretName, namespace: args.namespace, labels: { ...labels, "app.kubernetes.io/component": "database-credentials" } },
          type: "Opaque",
          stringData: {
            DATABASE_URL: databaseUrl(grant, pw),
            PGHOST: this.host,
            PGPORT: String(POSTGRES.port),
            PGDATABASE: grant.database,
            PGUSER: grant.role,
            PGPASSWORD: pw,
          },
        },
        secretOptions(this, args.provider),
      );
      return { secret, password: pw };
    };
    this.serviceSecrets = new Map(services.map((g) => [g.service!, serviceSecret(`${kubernetesName(g.service!)}-db`, g)]));
    const coordinators = sagaCoordinators(args.services);
    this.coordinators = new Set(coordinators.map((s) => s.config.service_name));
    if (coordinators.length > 0) this.sagaSecret = serviceSecret(kubernetesName(saga.database), saga);

    this.registerOutputs({
      host: this.host,
      port: POSTGRES.port,
      databases: this.grants.map((g) => g.database),
      namespace: DATA_STORES.namespace,
    });
  }

  /**
   * A service with a database gets DATABASE_URL from its Secret; a saga coordinator (a document
   * of its sets `saga_coordinator: "enabled"`) also gets SAGA_DATABASE_URL. Never a value inline.
   */
  bindService(entry: ServiceEntry): ServiceBinding {
    const env: k8s.types.input.core.v1.EnvVar[] = [];
    const dependsOn: pulumi.Resource[] = [];
    const passwords: pulumi.Input<string>[] = [];
    const own = this.serviceSecrets.get(entry.config.service_name);
    if (own) {
      env.push(secretEnv("DATABASE_URL", own.secret.metadata.name, "DATABASE_URL"));
      dependsOn.push(own.secret);
      passwords.push(own.password);
    }
    if (this.sagaSecret && this.coordinators.has(entry.config.service_name)) {
      env.push(secretEnv("SAGA_DATABASE_URL", this.sagaSecret.secret.metadata.name, "DATABASE_URL"));
      dependsOn.push(this.sagaSecret.secret);
      passwords.push(this.sagaSecret.password);
    }
    // DATABASE_URL is read at start: a rotated password rolls the service's pods.
    return env.length > 0 ? { env, dependsOn, podAnnotations: { "checksum/database-credentials": credentialsChecksum(...passwords) } } : {};
  }
}
