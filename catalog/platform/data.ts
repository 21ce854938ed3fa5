import { DocumentValue, YamlStream } from "../documents";
import { ServiceEntry } from "../service";

/** Requests and limits of one data store container (Kubernetes quantities). */
export interface DataStoreResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** How a data store is sized in one environment: pods, container resources, volume size. */
export interface DataStoreSizing {
  readonly replicas: number;
  readonly resources: DataStoreResources;
  /** Size of each pod's PersistentVolumeClaim. */
  readonly storage: string;
}

/** The image's numeric user and group: the pods run as them (never as root). */
export interface ImageUser {
  readonly uid: number;
  readonly gid: number;
}

/** Where the data stores run: their own namespace, shared by PostgreSQL, Redis and EventStoreDB. */
export const DATA_STORES = {
  namespace: "data",
  /**
   * The StorageClass prod's claims come from unless `storageClass` names another: one with
   * `reclaimPolicy: Retain` (README, "Deploy to production"), so a deleted claim leaves its volume.
   */
  prodStorageClass: "microservices-retain",
};

/** PostgreSQL: one database per service that names one, plus the saga coordinator's. */
export const POSTGRES = {
  /** The Service name (and the host the spec's connection strings use). */
  host: "postgres",
  port: 5432,
  /** The image the spec's docker_compose.yaml names. */
  specImage: "postgres:13",
  /**
   * The applied image, pinned. 15 or later: the init script reads passwords with psql's `\getenv`.
   * The alpine variant's `postgres` user is uid/gid 70.
   */
  image: "postgres:16.15-alpine3.24",
  user: { uid: 70, gid: 70 } satisfies ImageUser,
  /** The superuser the image creates (its password is generated, never the spec's sample). */
  superuser: "postgres",
  /** Mount point of the volume; PGDATA is a folder below it (a volume's root may hold lost+found). */
  dataMountPath: "/var/lib/postgresql/data",
  pgdata: "/var/lib/postgresql/data/pgdata",
  /** Pod label the spec's network policy selects the database by. */
  tier: "database",
  sagaDatabase: "saga_db",
  sagaUser: "saga_user",
  sizing: {
    dev: {
      replicas: 1,
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
      storage: "1Gi",
    },
    prod: {
      replicas: 1,
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
      storage: "20Gi",
    },
  } satisfies Record<"dev" | "prod", DataStoreSizing>,
};

/** Redis, the distributed cache and lock provider. */
export const REDIS = {
  /** The Service name. */
  host: "redis",
  port: 6379,
  /** Pinned; the alpine variant's `redis` user is uid 999, group 1000. */
  image: "redis:8.10.2-alpine3.23",
  user: { uid: 999, gid: 1000 } satisfies ImageUser,
  dataMountPath: "/data",
  /** Pod label the spec's network policy selects the cache by. */
  tier: "cache",
  /**
   * Share of the container's memory limit Redis may fill before it evicts. The rest is room for the fork
   * of an AOF rewrite, whose copy-on-write pages can grow to the dataset's size under writes, and overhead.
   */
  maxmemoryShare: 0.5,
  /** Evicts only keys with a TTL: every cache entry and lock has one (cache_config.json, distributed_lock.json). */
  maxmemoryPolicy: "volatile-lru",
  sizing: {
    dev: {
      replicas: 1,
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
      storage: "1Gi",
    },
    prod: {
      replicas: 1,
      resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
      storage: "5Gi",
    },
  } satisfies Record<"dev" | "prod", DataStoreSizing>,
};

/** EventStoreDB, the event store with its projections. */
export const EVENT_STORE = (() => {
  const host = "eventstore";
  const port = 2113;
  const projections = ["user-projections", "order-projections", "payment-projections"];
  /** Cluster size of the spec's replication block (the prod stack's cluster size). */
  const replicationNodes = 3;
  return {
    host,
    port,
    /** The container port of `port` (its HTTP API, gRPC and /metrics). */
    portName: "tcp-esdb",
    /** Internal replication (TCP) between cluster nodes. */
    replicationPort: 1112,
    /**
     * KurrentDB, EventStoreDB's successor (EventStoreDB 24.10 LTS was supported until October 2026),
     * pinned to the 26.0 LTS line; its user is uid/gid 1000, as EventStoreDB's was.
     */
    image: "docker.kurrent.io/kurrent-lts/kurrentdb:26.0.3",
    user: { uid: 1000, gid: 1000 } satisfies ImageUser,
    dataMountPath: "/var/lib/kurrentdb",
    logMountPath: "/var/log/kurrentdb",
    tier: "event-store",
    /** Nodes gossip over the HTTP port; `/health/live` answers 204 once a node is up. */
    healthPath: "/health/live",
    metricsPath: "/metrics",
    projections,
    replicationNodes,
    sizing: {
      dev: {
        replicas: 1,
        resources: { requests: { cpu: "200m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        storage: "2Gi",
      },
      prod: {
        replicas: replicationNodes,
        resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
        storage: "50Gi",
      },
    } satisfies Record<"dev" | "prod", DataStoreSizing>,
    sourcingConfig: {
      event_store: {
        provider: "eventstoredb",
        connection: `esdb://${host}:${port}`,
        projections: [...projections],
      },
      events: {
        user_created: {
          stream: "user-{user_id}",
          version: 1,
        },
        order_placed: {
          stream: "order-{order_id}",
          version: 1,
        },
        payment_processed: {
          stream: "payment-{payment_id}",
          version: 1,
        },
      },
      snapshots: {
        enabled: true,
        frequency: 100,
        compression: "gzip",
      },
      replication: {
        mode: "cluster",
        nodes: replicationNodes,
        consistency: "eventual",
      },
    } as DocumentValue,
    streams: {
      streams: {
        "user-events": {
          events: ["user.created", "user.updated", "user.deleted"],
          retention: "1 year",
          partition_key: "user_id",
        },
        "order-events": {
          events: ["order.created", "order.updated", "order.completed", "order.cancelled"],
          retention: "5 years",
          partition_key: "order_id",
        },
        "payment-events": {
          events: ["payment.initiated", "payment.processed", "payment.failed", "payment.refunded"],
          retention: "7 years",
          partition_key: "payment_id",
        },
      },
      global_ordering: true,
      consistency_level: "strong",
    } as DocumentValue,
  };
})();

/** The saga coordinator: its saga definitions and its transaction log, persisted in PostgreSQL. */
export const SAGAS = {
  definitions: {
    sagas: {
      order_processing_saga: {
        steps: [
          {
            name: "validate_user",
            service: "user_service",
            action: "validate",
            compensation: "none",
          },
          {
            name: "reserve_inventory",
            service: "inventory_service",
            action: "reserve",
            compensation: "release_inventory",
          },
          {
            name: "process_payment",
            service: "payment_service",
            action: "charge",
            compensation: "refund_payment",
          },
          {
            name: "create_order",
            service: "order_service",
            action: "create",
            compensation: "cancel_order",
          },
        ],
        timeout: 300,
        retry_policy: "exponential_backoff",
      },
      user_registration_saga: {
        steps: [
          {
            name: "create_user",
            service: "user_service",
            action: "create",
            compensation: "delete_user",
          },
          {
            name: "send_welcome_email",
            service: "email_service",
            action: "send",
            compensation: "none",
          },
          {
            name: "create_auth_profile",
            service: "auth_service",
            action: "create_profile",
            compensation: "delete_profile",
          },
        ],
        timeout: 120,
      },
    },
    coordinator: {
      persistence: "postgres",
      recovery: "automatic",
      monitoring: "enabled",
    },
  } as DocumentValue,
  transactionLog: (() => ({
    logging: {
      level: "INFO",
      format: "json",
      destination: "file",
      file_path: "/var/log/saga/transactions.log",
    },
    persistence: {
      provider: "postgresql",
      // The spec's sample connection string; the applied saga database gets a generated password.
      connection: `postgresql://saga_user:saga_pass@${POSTGRES.host}:${POSTGRES.port}/${POSTGRES.sagaDatabase}`,
      table: "saga_transactions",
      retention_days: 90,
    },
    monitoring: {
      metrics: ["saga_duration", "step_duration", "compensation_rate", "success_rate"],
      alerts: [
        {
          condition: "success_rate < 95%",
          action: "notify_ops",
        },
        {
          condition: "avg_duration > 60s",
          action: "scale_up",
        },
      ],
    },
    recovery: {
      checkpoint_interval: 10,
      recovery_timeout: 300,
    },
  }))() as DocumentValue,
};

export const CACHE = {
  config: (() => ({
    cache_layers: {
      local: {
        provider: "caffeine",
        max_size: 10000,
        ttl: 300,
      },
      distributed: {
        provider: "redis",
        cluster: [1, 2, 3].map((n) => `redis-${n}:${REDIS.port}`),
        ttl: 3600,
      },
    },
    cache_strategies: {
      user_profiles: {
        layer: "distributed",
        ttl: 1800,
        invalidation: "event_driven",
      },
      product_catalog: {
        layer: "both",
        local_ttl: 300,
        distributed_ttl: 3600,
      },
      session_data: {
        layer: "distributed",
        ttl: 1800,
        persistence: true,
      },
    },
    eviction_policies: {
      lru: "user_profiles",
      lfu: "product_catalog",
    },
    monitoring: {
      hit_rate_threshold: 80,
      memory_usage_alert: 90,
    },
  }))() as DocumentValue,
};

// ---- Which services use which data store: derived from the services' own config and documents.

/** Calls `visit` with every (key, value) pair of a document, at any depth (arrays, maps, streams). */
function walk(value: unknown, visit: (key: string | undefined, value: unknown) => void, key?: string): void {
  visit(key, value);
  if (Array.isArray(value)) value.forEach((v) => walk(v, visit));
  else if (value instanceof Map) value.forEach((v, k) => walk(v, visit, String(k)));
  else if (value instanceof YamlStream) value.documents.forEach((d) => walk(d, visit));
  else if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) walk(v, visit, k);
  }
}

const anywhere = (entry: ServiceEntry, test: (key: string | undefined, value: unknown) => boolean): boolean => {
  let found = false;
  const visit = (key: string | undefined, value: unknown) => {
    if (test(key, value)) found = true;
  };
  walk(entry.config, visit);
  entry.documents.forEach((d) => walk(d.content, visit));
  return found;
};

/** A PostgreSQL database with the one role that owns it. */
export interface DatabaseGrant {
  /** The service it belongs to (none for the saga coordinator's database). */
  readonly service?: string;
  readonly role: string;
  readonly database: string;
}

/** One database per service that names one (`database`), owned by a role named after the service. */
export function serviceDatabases(services: readonly ServiceEntry[]): DatabaseGrant[] {
  return services.filter((s) => s.config.database).map((s) => ({ service: s.config.service_name, role: s.config.service_name, database: s.config.database! }));
}

/** The saga coordinator's transaction log database (saga_coordinator/transaction_log.json). */
export const sagaDatabase = (): DatabaseGrant => ({ role: POSTGRES.sagaUser, database: POSTGRES.sagaDatabase });

/** Services that run a saga coordinator: one of their documents sets `saga_coordinator: "enabled"`. */
export function sagaCoordinators(services: readonly ServiceEntry[]): ServiceEntry[] {
  return services.filter((s) => anywhere(s, (key, value) => key === "saga_coordinator" && value === "enabled"));
}

/**
 * Services that use Redis: their config or documents name it as a provider, e.g. `caching.provider`
 * (inventory_service) or distributed_lock.json's `lock_provider` (order_service).
 */
export function redisClients(services: readonly ServiceEntry[]): ServiceEntry[] {
  return services.filter((s) => anywhere(s, (key, value) => (key === "provider" || key === "lock_provider") && value === "redis"));
}

/** The events of event_streams.json (`user.created`, …). */
export function streamEvents(): string[] {
  const streams = (EVENT_STORE.streams as { streams: Record<string, { events: string[] }> }).streams;
  return Object.values(streams).flatMap((s) => s.events);
}

/**
 * Services that use EventStoreDB: the owner of a stream of event_streams.json (its events are
 * `<domain>.<verb>`, owned by `<domain>_service`) and every service whose documents name one of
 * those events (analytics_service's pipelines and notification_service's triggers read them).
 */
export function eventStoreClients(services: readonly ServiceEntry[]): ServiceEntry[] {
  const events = streamEvents();
  const owners = new Set(events.map((e) => `${e.split(".")[0]}_service`));
  return services.filter(
    (s) =>
      owners.has(s.config.service_name) ||
      s.documents.some((d) => {
        let named = false;
        walk(d.content, (_key, value) => {
          if (typeof value === "string" && events.includes(value)) named = true;
        });
        return named;
      }),
  );
}
