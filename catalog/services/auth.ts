import { ServiceEntry } from "../service";

export const authService: ServiceEntry = {
  imageName: "auth",
  config: {
    service_name: "auth_service",
    port: 8007,
    database: "auth_db",
    dependencies: [],
    security: {
      jwt_expiry: 3600,
      refresh_token_expiry: 604800,
      password_policy: "strong",
    },
    oauth_providers: ["google", "github"],
    status: "configured",
    replicas: 3,
  },
  documents: [
    {
      path: "auth_policies.json",
      content: {
        policies: {
          user_authentication: {
            methods: ["password", "oauth", "sso"],
            mfa_required: false,
            session_timeout: 1800,
          },
          service_authentication: {
            method: "jwt",
            key_rotation: "daily",
            service_whitelist: ["user_service", "order_service", "payment_service"],
          },
          authorization: {
            rbac_enabled: true,
            permissions: ["read", "write", "delete", "admin"],
            role_inheritance: true,
          },
        },
        audit_logging: "enabled",
      },
    },
  ],
};
