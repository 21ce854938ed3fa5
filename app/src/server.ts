import * as http from "http";
import { AddressInfo } from "net";
import { DependencyBreaker, DependencyReport } from "./breakers";
import { LogLevel, RuntimeConfig } from "./config";
import { describeError, Logger } from "./logger";
import { Metrics } from "./metrics";
import { badRequest, Outcome, ResourceApi, ResourceStore } from "./resources";
import { formatTraceparent, serverSpan, TraceContext } from "./trace";
import { SpanExporter } from "./tracing";

/** Request bodies above this size are answered 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

type Match =
  | { readonly kind: "system"; readonly name: "health" | "ready" | "metrics"; readonly route: string }
  | { readonly kind: "collection"; readonly store: ResourceStore; readonly route: string }
  | { readonly kind: "item"; readonly store: ResourceStore; readonly id: string; readonly route: string }
  | { readonly kind: "bad_path"; readonly route: string }
  | { readonly kind: "none"; readonly route: string };

const SYSTEM_PATHS: Readonly<Record<string, "health" | "ready" | "metrics">> = {
  "/health": "health",
  "/ready": "ready",
  "/metrics": "metrics",
};

/** The path of a request target, without query or fragment (origin-form or absolute-form). */
export function requestPath(target: string | undefined): string {
  const raw = target ?? "/";
  if (raw.startsWith("/")) return raw.split(/[?#]/, 1)[0];
  try {
    return new URL(raw).pathname;
  } catch {
    return raw.split(/[?#]/, 1)[0];
  }
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => (tooLarge ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks).toString("utf8"))));
    req.on("error", reject);
  });
}

function parseJson(text: string): { value?: unknown; error?: string } {
  if (text.trim() === "") return { error: "request body is empty: expected a JSON object" };
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { error: `request body is not valid JSON: ${(err as Error).message}` };
  }
}

function sleep(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/**
 * The HTTP side of the runtime: routing, the three operational endpoints, the resource API,
 * per-request metrics and logs, and graceful shutdown.
 */
export class Runtime {
  readonly server: http.Server;
  readonly metrics: Metrics;
  readonly breakers: readonly DependencyBreaker[];
  private readonly api: ResourceApi;
  private readonly exporter?: SpanExporter;
  private readonly startedAt = Date.now();
  private shuttingDown = false;
  private stopping?: Promise<number>;
  private inFlight = 0;

  constructor(
    readonly config: RuntimeConfig,
    private readonly logger: Logger,
  ) {
    this.metrics = new Metrics(config.serviceName, config.database);
    this.breakers = config.dependencies.map(
      (dependency) => new DependencyBreaker(dependency, config.circuitBreaker, config.dependencyTimeoutMs, config.serviceName, logger, this.metrics),
    );
    this.api = new ResourceApi(config.serviceName, config.resources, this.metrics);
    if (config.tracing) this.exporter = new SpanExporter(config.tracing, logger);
    this.server = http.createServer((req, res) => this.handle(req, res));
    // Longer than the idle timeouts of the proxies in front (Envoy, Kong) so that they, not we,
    // close idle upstream connections: avoids the race that turns into sporadic 502/503s.
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
    this.server.requestTimeout = 30_000;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once("error", onError);
      const onListening = () => {
        this.server.off("error", onError);
        this.server.on("error", (err) => this.logger.error("server error", { error: describeError(err) }));
        resolve((this.server.address() as AddressInfo).port);
      };
      if (this.config.host) this.server.listen(this.config.port, this.config.host, onListening);
      else this.server.listen(this.config.port, onListening);
    });
  }

  /**
   * Stops accepting connections, lets in-flight requests finish (answering them with
   * `Connection: close`), and resolves with the exit code once every connection is closed or
   * after SHUTDOWN_TIMEOUT_MS, when the remaining connections are cut. /ready answers 503 from
   * the first moment, and during SHUTDOWN_DELAY_MS the listener stays open so that requests
   * routed before the endpoint was removed are still served.
   */
  shutdown(reason: string): Promise<number> {
    if (this.stopping) {
      this.logger.info("shutdown already in progress", { reason });
      return this.stopping;
    }
    this.shuttingDown = true;
    this.logger.info("shutdown started", {
      reason,
      in_flight: this.inFlight,
      delay_ms: this.config.shutdownDelayMs,
      timeout_ms: this.config.shutdownTimeoutMs,
    });
    this.stopping = (async () => {
      if (this.config.shutdownDelayMs > 0) await sleep(this.config.shutdownDelayMs).promise;
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeIdleConnections();
      this.logger.info("stopped accepting connections", { in_flight: this.inFlight });
      const deadline = sleep(this.config.shutdownTimeoutMs);
      const timedOut = await Promise.race([closed.then(() => false), deadline.promise.then(() => true)]);
      deadline.cancel();
      if (timedOut) {
        this.logger.warn("shutdown timed out: closing the remaining connections", { in_flight: this.inFlight });
        this.server.closeAllConnections();
      }
      for (const breaker of this.breakers) breaker.shutdown();
      await this.exporter?.shutdown(1000);
      this.logger.info("shutdown complete", { reason, forced: timedOut, uptime_seconds: Math.round((Date.now() - this.startedAt) / 1000) });
      return 0;
    })();
    return this.stopping;
  }

  private match(path: string): Match {
    const system = SYSTEM_PATHS[path];
    if (system) return { kind: "system", name: system, route: path };
    let p = path.length > 1 ? path.replace(/\/+$/, "") : path;
    // Kong forwards /api/<resource>... unchanged when its route does not strip the path.
    if (p.startsWith("/api/")) p = p.slice(4);
    const segments = p === "/" ? [] : p.slice(1).split("/");
    const decode = (segment: string): string | undefined => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return undefined;
      }
    };
    const named = segments.length > 0 ? this.api.store(segments[0]) : undefined;
    if (named && segments.length <= 2) {
      const route = `/${named.spec.name}`;
      if (segments.length === 1) return { kind: "collection", store: named, route };
      const id = decode(segments[1]);
      if (id === undefined || id === "") return { kind: "bad_path", route: `${route}/{id}` };
      return { kind: "item", store: named, id, route: `${route}/{id}` };
    }
    // Kong with strip_path (its default) and a service URL without a path forwards /api/users
    // as / and /api/users/42 as /42: serve the primary resource there too.
    const primary = this.api.primary;
    if (segments.length === 0) return { kind: "collection", store: primary, route: `/${primary.spec.name}` };
    if (segments.length === 1) {
      const id = decode(segments[0]);
      if (id === undefined || id === "") return { kind: "bad_path", route: `/${primary.spec.name}/{id}` };
      return { kind: "item", store: primary, id, route: `/${primary.spec.name}/{id}` };
    }
    return { kind: "none", route: "unmatched" };
  }

  private send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent) return;
    // Responses finished during shutdown close their connection, so keep-alive clients reconnect
    // (to another pod) instead of reusing a socket that is about to go away.
    if (this.shuttingDown) res.setHeader("connection", "close");
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (body === undefined || status === 204) {
      res.writeHead(status);
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  private sendOutcome(res: http.ServerResponse, outcome: Outcome): void {
    this.send(res, outcome.status, outcome.body);
  }

  private methodNotAllowed(res: http.ServerResponse, method: string, path: string, allowed: readonly string[]): void {
    const allow = [...allowed, ...(allowed.includes("GET") ? ["HEAD"] : [])];
    this.send(
      res,
      405,
      { error: "method_not_allowed", message: `${method} is not allowed on ${path}; allowed: ${allow.join(", ")}` },
      { allow: allow.join(", ") },
    );
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const started = process.hrtime.bigint();
    const startedWallNanos = BigInt(Date.now()) * 1_000_000n;
    const trace = serverSpan(req.headers.traceparent);
    const method = (req.method ?? "GET").toUpperCase();
    const path = requestPath(req.url);
    let route = "unmatched";
    this.inFlight += 1;
    res.setHeader("traceparent", formatTraceparent(trace.traceId, trace.spanId, trace.flags));
    if (this.shuttingDown) res.setHeader("connection", "close");
    res.on("close", () => {
      this.inFlight -= 1;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.writableFinished ? res.statusCode : 499;
      try {
        this.metrics.observeRequest(method, route, status, seconds);
      } catch (err) {
        this.logger.error("recording request metrics failed", { error: describeError(err) });
      }
      const system = route === "/health" || route === "/ready" || route === "/metrics";
      // Probes and scrapes are frequent: DEBUG while they succeed; a not-ready /ready is a WARN,
      // not an ERROR (the dependency's failure is what is worth an error, and it is logged).
      const level: LogLevel = system ? (status < 400 ? "DEBUG" : "WARN") : status >= 500 ? "ERROR" : "INFO";
      this.logger.log(level, `${method} ${path.slice(0, 256)} ${status}`, {
        trace_id: trace.traceId,
        span_id: trace.spanId,
        parent_span_id: trace.parentSpanId,
        event: "http_request",
        http_method: method,
        http_path: path.slice(0, 256),
        http_route: route,
        status_code: status,
        duration_ms: Math.round(seconds * 1e6) / 1e3,
        ...(res.writableFinished ? {} : { aborted: true }),
      });
      // Probes and scrapes are not traced: they would bury the requests worth looking at.
      if (this.exporter && !system && route !== "unmatched" && (parseInt(trace.flags, 16) & 1) === 1) {
        const elapsed = process.hrtime.bigint() - started;
        this.exporter.record({
          traceId: trace.traceId,
          spanId: trace.spanId,
          parentSpanId: trace.parentSpanId,
          name: `${method} ${route}`,
          startNanos: startedWallNanos,
          endNanos: startedWallNanos + elapsed,
          attributes: { "http.request.method": method, "http.route": route, "url.path": path.slice(0, 256), "http.response.status_code": status },
          error: status >= 500,
        });
      }
      if (this.shuttingDown) this.server.closeIdleConnections();
    });
    const fail = (err: unknown) => {
      this.logger.error("request failed", {
        trace_id: trace.traceId,
        span_id: trace.spanId,
        http_method: method,
        http_path: path.slice(0, 256),
        error: describeError(err),
      });
      if (!res.headersSent) this.send(res, 500, { error: "internal_error", message: "internal server error" });
      else res.destroy();
    };
    try {
      const match = this.match(path);
      route = match.route;
      this.route(req, res, method, path, match, trace).catch(fail);
    } catch (err) {
      fail(err);
    }
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse, method: string, path: string, match: Match, trace: TraceContext): Promise<void> {
    const read = method === "HEAD" ? "GET" : method;
    switch (match.kind) {
      case "none":
        return this.sendOutcome(res, { status: 404, body: { error: "not_found", message: `no route for ${method} ${path}` } });
      case "bad_path":
        return this.sendOutcome(res, badRequest(`malformed path ${path}`));
      case "system":
        if (read !== "GET") return this.methodNotAllowed(res, method, path, ["GET"]);
        if (match.name === "health") return this.health(res);
        if (match.name === "ready") return this.ready(res, trace);
        return this.metricsEndpoint(res);
      case "collection": {
        const allowed = match.store.spec.collectionMethods;
        if (!allowed.includes(read)) return this.methodNotAllowed(res, method, path, allowed);
        if (read === "GET") return this.sendOutcome(res, this.api.list(match.store));
        const body = await this.body(req, res);
        if (body === undefined) return;
        return this.sendOutcome(res, this.api.create(match.store, body.value, body.error));
      }
      case "item": {
        const allowed = match.store.spec.itemMethods;
        if (!allowed.includes(read)) return this.methodNotAllowed(res, method, path, allowed);
        if (read === "GET") return this.sendOutcome(res, this.api.get(match.store, match.id));
        if (read === "DELETE") return this.sendOutcome(res, this.api.delete(match.store, match.id));
        const body = await this.body(req, res);
        if (body === undefined) return;
        return this.sendOutcome(res, this.api.replace(match.store, match.id, body.value, body.error));
      }
    }
  }

  /** The parsed body (or its parse error); undefined once a 413 has been sent. */
  private async body(req: http.IncomingMessage, res: http.ServerResponse): Promise<{ value?: unknown; error?: string } | undefined> {
    try {
      return parseJson(await readBody(req, MAX_BODY_BYTES));
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        this.send(res, 413, { error: "payload_too_large", message: `request body exceeds ${MAX_BODY_BYTES} bytes` }, { connection: "close" });
        return undefined;
      }
      throw err;
    }
  }

  private health(res: http.ServerResponse): void {
    this.send(res, 200, {
      status: "ok",
      service: this.config.serviceName,
      version: this.config.serviceVersion,
      uptime_seconds: Math.round((Date.now() - this.startedAt) / 1000),
    });
  }

  private async ready(res: http.ServerResponse, trace: TraceContext): Promise<void> {
    if (this.shuttingDown) {
      return this.send(res, 503, { status: "shutting_down", service: this.config.serviceName, down: [], dependencies: [] });
    }
    const reports: DependencyReport[] = await Promise.all(this.breakers.map((breaker) => breaker.check(trace)));
    const down = reports.filter((report) => report.status === "down").map((report) => report.name);
    const ready = down.length === 0 || !this.config.readyRequiresDependencies;
    this.send(res, ready ? 200 : 503, {
      status: down.length === 0 ? "ready" : ready ? "degraded" : "not_ready",
      service: this.config.serviceName,
      down,
      dependencies: reports,
    });
  }

  private async metricsEndpoint(res: http.ServerResponse): Promise<void> {
    const text = await this.metrics.registry.metrics();
    if (res.headersSent) return;
    res.writeHead(200, { "content-type": this.metrics.registry.contentType, "content-length": Buffer.byteLength(text) });
    res.end(text);
  }
}
