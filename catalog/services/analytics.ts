import { ServiceEntry } from "../service";

export const analyticsService: ServiceEntry = {
  imageName: "analytics",
  config: {
    service_name: "analytics_service",
    port: 8006,
    database: "analytics_db",
    dependencies: [],
    data_sources: ["user_service", "order_service", "inventory_service"],
    processing: "stream_processing",
    status: "configured",
    replicas: 2,
  },
  documents: [
    {
      path: "analytics_pipeline.json",
      content: {
        pipelines: {
          user_behavior: {
            input_streams: ["user.created", "user.updated", "order.created"],
            processing: "real_time",
            output: "user_insights_topic",
          },
          sales_metrics: {
            input_streams: ["order.completed", "payment.processed"],
            processing: "batch_hourly",
            output: "sales_dashboard",
          },
          inventory_optimization: {
            input_streams: ["inventory.updated", "order.created"],
            processing: "ml_pipeline",
            output: "reorder_recommendations",
          },
        },
        data_retention: "90_days",
      },
    },
  ],
};
