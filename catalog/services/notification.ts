import { ServiceEntry } from "../service";

export const notificationService: ServiceEntry = {
  imageName: "notification",
  config: {
    service_name: "notification_service",
    port: 8005,
    dependencies: ["email_service"],
    circuit_breaker: {
      failure_threshold: 6,
      timeout: 15,
      fallback_enabled: true,
    },
    channels: ["email", "sms", "push", "webhook"],
    queue_system: "rabbitmq",
    status: "configured",
    replicas: 2,
  },
  documents: [
    {
      path: "notification_rules.json",
      content: {
        rules: {
          order_confirmation: {
            triggers: ["order.created"],
            channels: ["email", "sms"],
            priority: "high",
            template: "order_confirmation_template",
          },
          payment_failed: {
            triggers: ["payment.failed"],
            channels: ["email"],
            priority: "critical",
            template: "payment_failure_template",
          },
          inventory_alert: {
            triggers: ["inventory.low_stock"],
            channels: ["webhook"],
            priority: "medium",
            recipients: ["inventory_managers"],
          },
        },
        rate_limiting: {
          email: "1000/hour",
          sms: "100/hour",
        },
      },
    },
  ],
};
