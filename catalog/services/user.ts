import { DocumentValue } from "../documents";
import { ServiceEntry } from "../service";

export const userService: ServiceEntry = {
  imageName: "user",
  config: {
    service_name: "user_service",
    port: 8001,
    database: "users_db",
    dependencies: ["auth_service"],
    circuit_breaker: {
      failure_threshold: 5,
      timeout: 30,
      fallback_enabled: true,
    },
    health_endpoint: "/health",
    metrics_endpoint: "/metrics",
    status: "configured",
    replicas: 3,
  },
  documents: [
    {
      path: "api_definition.yaml",
      content: {
        openapi: "3.0.0",
        info: {
          title: "User Service API",
          version: "1.0.0",
        },
        paths: {
          "/users": {
            get: {
              summary: "Get all users",
              responses: new Map<number | string, DocumentValue>([
                [
                  200,
                  {
                    description: "List of users",
                  },
                ],
              ]),
            },
            post: {
              summary: "Create user",
              responses: new Map<number | string, DocumentValue>([
                [
                  201,
                  {
                    description: "User created",
                  },
                ],
              ]),
            },
          },
          "/users/{id}": {
            get: {
              summary: "Get user by ID",
              parameters: [
                {
                  name: "id",
                  in: "path",
                  required: true,
                  schema: {
                    type: "string",
                  },
                },
              ],
              responses: new Map<number | string, DocumentValue>([
                [
                  200,
                  {
                    description: "User details",
                  },
                ],
                [
                  404,
                  {
                    description: "User not found",
                  },
                ],
              ]),
            },
          },
        },
      },
    },
    {
      path: "event_schema.json",
      content: {
        events: {
          user_created: {
            schema: {
              user_id: "string",
              email: "string",
              created_at: "timestamp",
            },
            routing_key: "user.created",
          },
          user_updated: {
            schema: {
              user_id: "string",
              updated_fields: "object",
              updated_at: "timestamp",
            },
            routing_key: "user.updated",
          },
          user_deleted: {
            schema: {
              user_id: "string",
              deleted_at: "timestamp",
            },
            routing_key: "user.deleted",
          },
        },
        subscriptions: ["auth.token_revoked", "order.user_activity"],
      },
    },
  ],
};
