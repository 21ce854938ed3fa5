import { ProvisionedDashboard, Query, buildDashboard, graph, singleStat } from "./panels";
import { servicesJob } from "./sli";

export const BUSINESS_DASHBOARD_UID = "business";

/**
 * The business metrics the services' runtime exports (app/src/metrics.ts): orders (order_service's counter
 * `orders_per_second`, by status created/rejected), revenue (payment_service's gauge `revenue_per_minute`, the
 * accepted amounts of the last 60 s by currency) and registrations (user_service's counter `user_registrations`,
 * by source).
 */
export const businessQueries = {
  orderRate: (by = "status"): Query => ({
    expr: `sum by (${by}) (rate(orders_per_second{${servicesJob()}}[$__rate_interval]))`,
    legend: `{{${by}}}`,
  }),
  /** Each payment pod counts its own payments: the service's revenue is their sum. */
  revenuePerMinute: (): Query => ({ expr: `sum by (currency) (revenue_per_minute{${servicesJob()}})`, legend: "{{currency}}" }),
  registrationRate: (): Query => ({
    expr: `sum by (source) (rate(user_registrations{${servicesJob()}}[$__rate_interval]))`,
    legend: "{{source}}",
  }),
};

export function businessDashboard(): ProvisionedDashboard {
  return buildDashboard({
    uid: BUSINESS_DASHBOARD_UID,
    title: "Business Metrics",
    description: "Orders, revenue and user registrations, as the services count them.",
    sections: [
      {
        title: "Orders",
        tiles: [
          graph({
            title: "Orders per second by status",
            description: "Orders order_service received, by outcome: created, or rejected (the order failed validation).",
            queries: [businessQueries.orderRate()],
            unit: "suffix: orders/s",
            min: 0,
            stacked: true,
            w: 12,
            h: 8,
          }),
          singleStat({
            title: "Orders in the last 24 h",
            queries: [{ expr: `sum by (status) (increase(orders_per_second{${servicesJob()}}[24h]))`, legend: "{{status}}" }],
            unit: "short",
            decimals: 0,
            thresholds: [["blue"]],
            w: 6,
            h: 8,
          }),
          singleStat({
            title: "Rejected orders (5 m)",
            description: "Share of the orders of the last 5 minutes that were rejected.",
            queries: [
              {
                expr: `sum(rate(orders_per_second{${servicesJob('status="rejected"')}}[5m])) / sum(rate(orders_per_second{${servicesJob()}}[5m]))`,
                legend: "rejected",
              },
            ],
            unit: "percentunit",
            decimals: 1,
            thresholds: [["green"], [0.05, "orange"], [0.2, "red"]],
            w: 6,
            h: 8,
          }),
        ],
      },
      {
        title: "Revenue",
        tiles: [
          graph({
            title: "Revenue per minute by currency",
            description: "Accepted payment amounts over the last 60 seconds, per currency.",
            queries: [businessQueries.revenuePerMinute()],
            unit: "short",
            min: 0,
            w: 16,
            h: 8,
          }),
          singleStat({
            title: "Revenue, last hour",
            description: "The average revenue per minute over the last hour, times 60, per currency.",
            queries: [{ expr: `sum by (currency) (avg_over_time(revenue_per_minute{${servicesJob()}}[1h])) * 60`, legend: "{{currency}}" }],
            unit: "short",
            decimals: 2,
            thresholds: [["blue"]],
            w: 8,
            h: 8,
          }),
        ],
      },
      {
        title: "Registrations",
        tiles: [
          graph({
            title: "User registrations per second by source",
            queries: [businessQueries.registrationRate()],
            unit: "suffix: users/s",
            min: 0,
            stacked: true,
            w: 16,
            h: 8,
          }),
          singleStat({
            title: "Registrations in the last 24 h",
            queries: [{ expr: `sum by (source) (increase(user_registrations{${servicesJob()}}[24h]))`, legend: "{{source}}" }],
            unit: "short",
            decimals: 0,
            thresholds: [["blue"]],
            w: 8,
            h: 8,
          }),
        ],
      },
    ],
  });
}
