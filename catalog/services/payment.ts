import { ServiceEntry } from "../service";

export const paymentService: ServiceEntry = {
  imageName: "payment",
  config: {
    service_name: "payment_service",
    port: 8003,
    database: "payments_db",
    dependencies: ["user_service", "notification_service"],
    circuit_breaker: {
      failure_threshold: 2,
      timeout: 60,
      fallback_enabled: true,
    },
    security: {
      encryption: "aes_256",
      pci_compliance: true,
    },
    external_apis: ["stripe", "paypal"],
    status: "configured",
    replicas: 4,
  },
  documents: [
    {
      path: "payment_flow.json",
      content: {
        flows: {
          credit_card: {
            steps: ["validate_card", "check_fraud", "authorize", "capture"],
            timeout: 45,
            retry_policy: "exponential_backoff",
          },
          bank_transfer: {
            steps: ["validate_account", "initiate_transfer", "confirm_transfer"],
            timeout: 120,
            async: true,
          },
        },
        security_checks: ["fraud_detection", "velocity_check", "blacklist_check"],
        compliance: "pci_dss_level_1",
      },
    },
  ],
};
