import { DocumentValue } from "../documents";

/** PostgreSQL: one database per service that names one, plus the saga coordinator's. */
export const POSTGRES = {
  host: "postgres",
  port: 5432,
  /** The image the spec's docker_compose.yaml names. */
  specImage: "postgres:13",
  sagaDatabase: "saga_db",
  sagaUser: "saga_user",
};

/** Redis, the distributed cache and lock provider. */
export const REDIS = {
  port: 6379,
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
    projections,
    replicationNodes,
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
          events: [
            "order.created",
            "order.updated",
            "order.completed",
            "order.cancelled",
          ],
          retention: "5 years",
          partition_key: "order_id",
        },
        "payment-events": {
          events: [
            "payment.initiated",
            "payment.processed",
            "payment.failed",
            "payment.refunded",
          ],
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
        metrics: [
          "saga_duration",
          "step_duration",
          "compensation_rate",
          "success_rate",
        ],
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
