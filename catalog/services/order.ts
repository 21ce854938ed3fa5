import { ServiceEntry } from "../service";

export const orderService: ServiceEntry = {
  imageName: "order",
  config: {
    service_name: "order_service",
    port: 8002,
    database: "orders_db",
    dependencies: ["user_service", "inventory_service", "payment_service"],
    circuit_breaker: {
      failure_threshold: 3,
      timeout: 45,
      fallback_enabled: true,
    },
    health_endpoint: "/health",
    metrics_endpoint: "/metrics",
    status: "configured",
    replicas: 5,
  },
  documents: [
    {
      path: "distributed_lock.json",
      content: {
        lock_provider: "redis",
        locks: {
          inventory_update: {
            ttl: 30,
            retry_interval: 100,
            max_attempts: 5,
          },
          payment_processing: {
            ttl: 60,
            retry_interval: 200,
            max_attempts: 3,
          },
        },
        deadlock_detection: true,
        lock_timeout: 45,
      },
    },
    {
      path: "workflow_config.json",
      content: {
        workflows: {
          order_creation: {
            steps: [
              {
                step: "validate_user",
                service: "user_service",
                timeout: 5,
              },
              {
                step: "check_inventory",
                service: "inventory_service",
                timeout: 10,
              },
              {
                step: "calculate_total",
                service: "order_service",
                timeout: 3,
              },
              {
                step: "process_payment",
                service: "payment_service",
                timeout: 30,
              },
            ],
            compensation: true,
            max_retries: 3,
          },
        },
        saga_coordinator: "enabled",
        transaction_log: "order_transactions.log",
      },
    },
  ],
};
