import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DATA_STORES, EVENT_STORE, ServiceEntry, eventStoreClients } from "../../catalog";
import { emitDocuments } from "../artifacts/emit";
import {
  ResolvedSizing,
  StoreSettings,
  containerSecurityContext,
  dataNamespace,
  dataStoreHost,
  podSecurityContext,
  resolveSizing,
  storeDisruptionBudget,
  storeLabels,
  storeServices,
  storeSettings,
  storeSettingsSchema,
  volumeClaim,
  dataProtection,
} from "../data-stores/common";
import { PlatformArgs, PlatformComponentResource, ServiceBinding } from "../platform";
import { topologySpread } from "../topology-spread";
import { withEphemeralStorage } from "../ephemeral-storage";

const NAME = EVENT_STORE.host;
const HEADLESS = `${NAME}-headless`;
const PORT_NAME = EVENT_STORE.portName;
const REPLICATION_PORT_NAME = "tcp-replication";

export interface EventStoreSettings extends StoreSettings {
  /** Cluster size: 1 on dev, the spec's replication nodes (3) on prod unless set. Odd, for a quorum. */
  readonly clusterSize?: 1 | 3 | 5;
}

/** Validates `microservices-ecosystem:eventstore` (one-line ConfigError naming the key). */
export const eventStoreSettings = (value: Readonly<Record<string, unknown>>): EventStoreSettings =>
  storeSettings<EventStoreSettings>("eventstore", storeSettingsSchema({ clusterSize: { type: "integer", enum: [1, 3, 5] } }), value);

/** A cluster node's stable DNS name: `eventstore-0.eventstore-headless.data.svc.cluster.local`. */
export const nodeHost = (ordinal: number): string => `${NAME}-${ordinal}.${dataStoreHost(HEADLESS)}`;

/**
 * The connection string services use. One node: the client Service. A cluster: every node as a
 * gossip seed, so that the client finds the leader. `tls=false`: see the class comment.
 */
export function eventStoreUrl(clusterSize: number): string {
  const hosts = clusterSize === 1 ? [dataStoreHost(NAME)] : Array.from({ length: clusterSize }, (_, i) => nodeHost(i));
  return `esdb://${hosts.map((h) => `${h}:${EVENT_STORE.port}`).join(",")}?tls=false`;
}

/**
 * EventStoreDB: a StatefulSet in the data namespace, one persistent volume per node, projections
 * running (the system projections started). Its size is 1 on dev and the spec's replication
 * nodes on prod; nodes find each other through the headless Service's DNS and gossip on the
 * HTTP port.
 *
 * The nodes run in insecure mode (KURRENTDB_INSECURE: no TLS, no built-in users). Secure mode
 * needs a certificate authority and a certificate per node, which this project does not manage;
 * instead the mesh secures the store when the stack composes Istio: the data namespace is
 * injected, so the wire is mTLS between sidecars (STRICT PeerAuthentication), and who may connect
 * can be decided by workload identity (AuthorizationPolicies for the services that use the store,
 * `eventStoreClients()` of the catalog, plus the nodes themselves on the replication port).
 * Without Istio the store is reachable unencrypted inside the cluster; the program warns.
 */
export class EventStore extends pulumi.ComponentResource implements PlatformComponentResource {
  readonly settings: EventStoreSettings;
  readonly sizing: ResolvedSizing;
  readonly image: string;
  readonly clusterSize: number;
  /** The connection string services get as EVENTSTORE_URL. */
  readonly url: string;
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  private readonly clients: ReadonlySet<string>;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = eventStoreSettings(args.settings);
    super("microservices:platform:EventStore", name, {}, opts);
    this.settings = settings;
    emitDocuments(this, name, args.artifactsDir, [
      { path: "distributed_data/event_store/event_sourcing_config.json", content: EVENT_STORE.sourcingConfig },
      { path: "distributed_data/event_store/event_streams.json", content: EVENT_STORE.streams },
    ]);

    const childOpts = { parent: this, provider: args.provider };
    const namespace = dataNamespace(args).metadata.name;
    const labels = storeLabels(NAME, EVENT_STORE.tier);
    const catalogSizing = EVENT_STORE.sizing[args.environment];
    const sizing = resolveSizing(catalogSizing, settings);
    this.sizing = sizing;
    this.image = settings.image ?? EVENT_STORE.image;
    const clusterSize = settings.clusterSize ?? catalogSizing.replicas;
    this.clusterSize = clusterSize;
    this.url = eventStoreUrl(clusterSize);
    if (!args.components.includes("istio")) {
      void pulumi.log.warn("eventstore: Istio is not composed, so EventStoreDB (insecure mode) is reachable without TLS inside the cluster", this);
    }

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      NAME,
      {
        metadata: { name: NAME, namespace, labels },
        automountServiceAccountToken: false,
      },
      childOpts,
    );

    const { headless } = storeServices(
      this,
      args.provider,
      NAME,
      namespace,
      labels,
      [{ name: PORT_NAME, port: EVENT_STORE.port }],
      [{ name: REPLICATION_PORT_NAME, port: EVENT_STORE.replicationPort }],
    );

    const env: Record<string, string> = {
      KURRENTDB_CLUSTER_SIZE: String(clusterSize),
      KURRENTDB_RUN_PROJECTIONS: "All",
      KURRENTDB_START_STANDARD_PROJECTIONS: "true",
      KURRENTDB_INSECURE: "true",
      KURRENTDB_NODE_IP: "0.0.0.0",
      KURRENTDB_NODE_PORT: String(EVENT_STORE.port),
      KURRENTDB_REPLICATION_IP: "0.0.0.0",
      KURRENTDB_REPLICATION_PORT: String(EVENT_STORE.replicationPort),
      KURRENTDB_DB: EVENT_STORE.dataMountPath,
      KURRENTDB_LOG: EVENT_STORE.logMountPath,
      KURRENTDB_TELEMETRY_OPTOUT: "true",
      ...(clusterSize > 1
        ? {
            KURRENTDB_DISCOVER_VIA_DNS: "true",
            KURRENTDB_CLUSTER_DNS: dataStoreHost(HEADLESS),
            KURRENTDB_CLUSTER_GOSSIP_PORT: String(EVENT_STORE.port),
            // Each node advertises its stable DNS name (not its pod IP) to its peers and to clients.
            KURRENTDB_NODE_HOST_ADVERTISE_AS: `$(POD_NAME).${dataStoreHost(HEADLESS)}`,
            KURRENTDB_REPLICATION_HOST_ADVERTISE_AS: `$(POD_NAME).${dataStoreHost(HEADLESS)}`,
            KURRENTDB_ADVERTISE_HOST_TO_CLIENT_AS: `$(POD_NAME).${dataStoreHost(HEADLESS)}`,
          }
        : {}),
    };
    const health = {
      httpGet: { path: EVENT_STORE.healthPath, port: PORT_NAME, scheme: "HTTP" },
      timeoutSeconds: 5,
    };
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      NAME,
      {
        metadata: { name: NAME, namespace, labels },
        spec: {
          serviceName: headless.metadata.name,
          replicas: clusterSize,
          // Cluster members must start together: a node waits for a quorum of its peers.
          podManagementPolicy: "Parallel",
          selector: { matchLabels: { app: NAME } },
          template: {
            metadata: {
              labels,
              annotations: {
                "prometheus.io/scrape": "true",
                "prometheus.io/port": String(EVENT_STORE.port),
                "prometheus.io/path": EVENT_STORE.metricsPath,
              },
            },
            spec: withEphemeralStorage({
              serviceAccountName: serviceAccount.metadata.name,
              automountServiceAccountToken: false,
              // The Service `eventstore` would inject EVENTSTORE_* link variables, a prefix the server also reads.
              enableServiceLinks: false,
              terminationGracePeriodSeconds: 60,
              securityContext: podSecurityContext(EVENT_STORE.user),
              // Cluster members on prod: spread across zones (best effort: a cluster of one zone still runs them).
              topologySpreadConstraints: topologySpread(args.environment, { app: NAME }, "StatefulSet"),
              // A cluster's nodes never share a machine: losing one would take two votes and the quorum with
              // them. So a cluster of N nodes needs N schedulable machines.
              affinity:
                clusterSize > 1
                  ? {
                      podAntiAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: [
                          { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: NAME } } },
                        ],
                      },
                    }
                  : undefined,
              containers: [
                {
                  name: "eventstore",
                  image: this.image,
                  imagePullPolicy: "IfNotPresent",
                  ports: [
                    { name: PORT_NAME, containerPort: EVENT_STORE.port, protocol: "TCP" },
                    { name: REPLICATION_PORT_NAME, containerPort: EVENT_STORE.replicationPort, protocol: "TCP" },
                  ],
                  env: [
                    // Read by the advertised names below (`$(POD_NAME)`), so listed first.
                    ...(clusterSize > 1 ? [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }] : []),
                    ...Object.entries(env).map(([envName, value]) => ({ name: envName, value })),
                  ],
                  resources: sizing.resources,
                  // Opening a large database (index verification) may take minutes.
                  startupProbe: { ...health, periodSeconds: 5, failureThreshold: 60 },
                  readinessProbe: { ...health, periodSeconds: 10, failureThreshold: 3 },
                  // Alive while it listens; /health/live (readiness) also fails while a node catches up.
                  livenessProbe: { tcpSocket: { port: PORT_NAME }, timeoutSeconds: 5, periodSeconds: 15, failureThreshold: 4 },
                  securityContext: containerSecurityContext,
                  volumeMounts: [
                    { name: "data", mountPath: EVENT_STORE.dataMountPath },
                    { name: "logs", mountPath: EVENT_STORE.logMountPath },
                    { name: "tmp", mountPath: "/tmp" },
                  ],
                },
              ],
              volumes: [
                { name: "logs", emptyDir: { sizeLimit: "1Gi" } },
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

    this.clients = new Set(eventStoreClients(args.services).map((s) => s.config.service_name));
    this.registerOutputs({ url: this.url, clusterSize, namespace: DATA_STORES.namespace });
  }

  /**
   * EVENTSTORE_URL for the services that own a stream of event_streams.json or read its events
   * (user, order and payment services own theirs; analytics_service's pipelines and
   * notification_service's triggers read them).
   */
  bindService(entry: ServiceEntry): ServiceBinding {
    if (!this.clients.has(entry.config.service_name)) return {};
    return { env: [{ name: "EVENTSTORE_URL", value: this.url }] };
  }
}
