/**
 * Config files as the stack mounts them: copies of the spec's
 * services/<name>/service_config.json and user_service/api_definition.yaml.
 */

export const USER_SERVICE_CONFIG = {
  service_name: "user_service",
  port: 8001,
  database: "users_db",
  dependencies: ["auth_service"],
  circuit_breaker: { failure_threshold: 5, timeout: 30, fallback_enabled: true },
  health_endpoint: "/health",
  metrics_endpoint: "/metrics",
  status: "configured",
  replicas: 3,
};

export const USER_API_DEFINITION = `openapi: 3.0.0
info:
  title: User Service API
  version: 1.0.0
paths:
  /users:
    get:
      summary: Get all users
      responses:
        200:
          description: List of users
    post:
      summary: Create user
      responses:
        201:
          description: User created
  /users/{id}:
    get:
      summary: Get user by ID
      parameters:
      - name: id
        in: path
        required: true
        schema:
          type: string
      responses:
        200:
          description: User details
        404:
          description: User not found`;

export const ORDER_SERVICE_CONFIG = {
  service_name: "order_service",
  port: 8002,
  database: "orders_db",
  dependencies: ["user_service", "inventory_service", "payment_service"],
  circuit_breaker: { failure_threshold: 3, timeout: 45, fallback_enabled: true },
  health_endpoint: "/health",
  metrics_endpoint: "/metrics",
  status: "configured",
  replicas: 5,
};

export const PAYMENT_SERVICE_CONFIG = {
  service_name: "payment_service",
  port: 8003,
  database: "payments_db",
  dependencies: ["user_service", "notification_service"],
  circuit_breaker: { failure_threshold: 2, timeout: 60, fallback_enabled: true },
  security: { encryption: "aes_256", pci_compliance: true },
  external_apis: ["stripe", "paypal"],
  status: "configured",
  replicas: 4,
};

export const NOTIFICATION_SERVICE_CONFIG = {
  service_name: "notification_service",
  port: 8005,
  dependencies: ["email_service"],
  circuit_breaker: { failure_threshold: 6, timeout: 15, fallback_enabled: true },
  channels: ["email", "sms", "push", "webhook"],
  queue_system: "rabbitmq",
  status: "configured",
  replicas: 2,
};

export const ANALYTICS_SERVICE_CONFIG = {
  service_name: "analytics_service",
  port: 8006,
  database: "analytics_db",
  dependencies: [],
  data_sources: ["user_service", "order_service", "inventory_service"],
  processing: "stream_processing",
  status: "configured",
  replicas: 2,
};

/** monitoring/metrics/service_metrics.json's http_request_duration buckets. */
export const SPEC_BUCKETS = [0.1, 0.3, 1.0, 3.0, 10.0];

/** centralized_logging.json's structured_logging.required_fields. */
export const REQUIRED_LOG_FIELDS = ["timestamp", "service_name", "log_level", "message", "trace_id", "span_id"];
