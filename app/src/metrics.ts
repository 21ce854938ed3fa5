import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** monitoring/metrics/service_metrics.json, technical_metrics.http_request_duration.buckets (seconds). */
export const HTTP_DURATION_BUCKETS = [0.1, 0.3, 1.0, 3.0, 10.0];

/** circuit_breaker_state values. */
export const BREAKER_STATE_VALUES = { closed: 0, open: 1, half_open: 2 } as const;
export type BreakerStateName = keyof typeof BREAKER_STATE_VALUES;

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]);

/** The revenue of the last 60 s per currency, read by revenue_per_minute at scrape time. */
export class RevenueWindow {
  private readonly entries: { at: number; currency: string; amount: number }[] = [];
  private readonly currencies = new Set<string>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(currency: string, amount: number): void {
    this.prune();
    this.entries.push({ at: this.now(), currency, amount });
    this.currencies.add(currency);
  }

  /** Sum per currency over the window; currencies seen earlier report 0 rather than vanish. */
  totals(): Map<string, number> {
    this.prune();
    const totals = new Map<string, number>([...this.currencies].map((c) => [c, 0]));
    for (const entry of this.entries) totals.set(entry.currency, (totals.get(entry.currency) ?? 0) + entry.amount);
    return totals;
  }

  private prune(): void {
    const cutoff = this.now() - this.windowMs;
    let expired = 0;
    while (expired < this.entries.length && this.entries[expired].at < cutoff) expired++;
    if (expired > 0) this.entries.splice(0, expired);
  }
}

/**
 * One registry per process holding service_metrics.json's technical metrics, the business
 * metric(s) of this service, and prom-client's default process metrics.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<"method" | "route" | "status_code">;
  readonly httpDuration: Histogram<"method" | "route" | "status_code">;
  readonly breakerState: Gauge<"service" | "dependency">;
  readonly databaseConnections: Gauge<"service" | "database">;
  /** user_service only. */
  readonly userRegistrations?: Counter<"source">;
  /** order_service only. */
  readonly ordersPerSecond?: Counter<"service" | "status">;
  /** payment_service only. */
  readonly revenue?: RevenueWindow;

  constructor(
    readonly serviceName: string,
    database?: string,
  ) {
    const registers = [this.registry];
    this.httpRequests = new Counter({
      name: "http_requests_total",
      help: "HTTP requests served, by method, route template and status code.",
      labelNames: ["method", "route", "status_code"],
      registers,
    });
    this.httpDuration = new Histogram({
      name: "http_request_duration",
      help: "HTTP request duration in seconds (exposed as http_request_duration_bucket/_sum/_count).",
      labelNames: ["method", "route", "status_code"],
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    });
    this.breakerState = new Gauge({
      name: "circuit_breaker_state",
      help: "State of the circuit breaker guarding each dependency: 0 closed, 1 open, 2 half-open.",
      labelNames: ["service", "dependency"],
      registers,
    });
    this.databaseConnections = new Gauge({
      name: "database_connections_active",
      help: "Open database connections. This runtime keeps its data in memory, so always 0.",
      labelNames: ["service", "database"],
      registers,
    });
    if (database) this.databaseConnections.set({ service: serviceName, database }, 0);

    if (serviceName === "user_service") {
      this.userRegistrations = new Counter({
        name: "user_registrations",
        help: "Users registered (POST /users answered 201), by source.",
        labelNames: ["source"],
        registers,
      });
    }
    if (serviceName === "order_service") {
      // The spec names this counter orders_per_second; the rate is rate(orders_per_second[1m]).
      this.ordersPerSecond = new Counter({
        name: "orders_per_second",
        help: "Orders received, by outcome (created, rejected); query it with rate().",
        labelNames: ["service", "status"],
        registers,
      });
    }
    if (serviceName === "payment_service") {
      const revenue = new RevenueWindow();
      this.revenue = revenue;
      new Gauge({
        name: "revenue_per_minute",
        help: "Sum of accepted payment amounts over the last 60 seconds, by currency.",
        labelNames: ["currency"],
        registers,
        collect() {
          for (const [currency, total] of revenue.totals()) this.set({ currency }, Math.round(total * 100) / 100);
        },
      });
    }
    collectDefaultMetrics({ register: this.registry });
  }

  setBreakerState(dependency: string, state: BreakerStateName): void {
    this.breakerState.set({ service: this.serviceName, dependency }, BREAKER_STATE_VALUES[state]);
  }

  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    const labels = { method: KNOWN_METHODS.has(method) ? method : "OTHER", route, status_code: String(statusCode) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }
}
