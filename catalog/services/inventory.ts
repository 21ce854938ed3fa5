import { ServiceEntry } from "../service";

export const inventoryService: ServiceEntry = {
  imageName: "inventory",
  config: {
    service_name: "inventory_service",
    port: 8004,
    database: "inventory_db",
    dependencies: ["analytics_service"],
    circuit_breaker: {
      failure_threshold: 4,
      timeout: 20,
      fallback_enabled: true,
    },
    caching: {
      provider: "redis",
      ttl: 300,
    },
    status: "configured",
    replicas: 3,
  },
  documents: [
    {
      path: "inventory_management.json",
      content: {
        stock_tracking: {
          real_time: true,
          threshold_alerts: {
            low_stock: 10,
            out_of_stock: 0,
            overstock: 1000,
          },
        },
        reservation_system: {
          timeout: 600,
          auto_release: true,
        },
        reorder_automation: {
          enabled: true,
          algorithms: ["demand_forecasting", "seasonal_adjustment"],
        },
        warehouse_integration: ["primary_warehouse", "overflow_warehouse"],
      },
    },
  ],
};
