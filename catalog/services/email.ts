import { ServiceEntry } from "../service";

export const emailService: ServiceEntry = {
  imageName: "email",
  config: {
    service_name: "email_service",
    port: 8008,
    dependencies: [],
    providers: ["sendgrid", "ses"],
    circuit_breaker: {
      failure_threshold: 8,
      timeout: 10,
      fallback_enabled: true,
    },
    templates: "template_engine",
    status: "configured",
    replicas: 2,
  },
  documents: [
    {
      path: "email_templates.json",
      content: {
        templates: {
          order_confirmation: {
            subject: "Order Confirmation #{{order_id}}",
            body_type: "html",
            variables: ["user_name", "order_id", "total_amount", "items"],
          },
          password_reset: {
            subject: "Password Reset Request",
            body_type: "text",
            variables: ["user_name", "reset_link", "expiry_time"],
          },
          inventory_alert: {
            subject: "Low Stock Alert",
            body_type: "html",
            variables: ["product_name", "current_stock", "threshold"],
          },
        },
        delivery_tracking: true,
        bounce_handling: "automatic",
      },
    },
  ],
};
