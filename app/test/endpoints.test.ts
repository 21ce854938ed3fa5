import assert from "node:assert/strict";
import { fakeDependency, FakeDependency, request, sample, ServiceProcess, startService, stopAll } from "./harness";
import {
  ANALYTICS_SERVICE_CONFIG,
  ORDER_SERVICE_CONFIG,
  PAYMENT_SERVICE_CONFIG,
  REQUIRED_LOG_FIELDS,
  SPEC_BUCKETS,
  USER_API_DEFINITION,
  USER_SERVICE_CONFIG,
} from "./fixtures";

const SECRET = "s3cr3t-pa55word";

describe("app runtime: user_service as a real process", function () {
  let auth: FakeDependency;
  let user: ServiceProcess;

  before(async function () {
    auth = await fakeDependency();
    user = await startService({
      files: { "service_config.json": USER_SERVICE_CONFIG, "api_definition.yaml": USER_API_DEFINITION },
      env: {
        SERVICE_NAME: "user_service",
        AUTH_SERVICE_URL: auth.url,
        DATABASE_URL: `postgresql://user:${SECRET}@postgres:5432/users_db`,
        REDIS_URL: `redis://:${SECRET}@redis:6379/0`,
      },
    });
  });

  after(async function () {
    if (user) assert.equal(await user.stop("SIGTERM"), 0, "SIGTERM must exit 0");
    await auth?.close();
    await stopAll();
  });

  it("logs a listening line with its port, dependencies and breaker settings", function () {
    const line = user.logs().find((l) => l.event === "listening")!;
    assert.equal(line.port, user.port);
    assert.ok(user.port > 0);
    assert.deepEqual(line.dependencies, [{ name: "auth_service", env: "AUTH_SERVICE_URL", url: auth.url }]);
    assert.deepEqual(line.circuit_breaker, { failure_threshold: 5, reset_timeout_seconds: 30, fallback_enabled: true, source: "service_config" });
    assert.deepEqual(line.resources, [{ name: "users", collection: ["GET", "POST"], item: ["GET"], source: "api_definition" }]);
    assert.deepEqual(line.backing_services, { database_url: true, redis_url: true, eventstore_url: false });
  });

  it("GET /health answers 200 while the process is alive", async function () {
    const reply = await request(user.port, "GET", "/health");
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers["content-type"]), /^application\/json/);
    const body = reply.json();
    assert.equal(body.status, "ok");
    assert.equal(body.service, "user_service");
    assert.equal(body.version, "v1");
  });

  it("GET /ready answers 200 when auth_service's /health answers, and propagates the trace", async function () {
    const before = auth.hits.length;
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const reply = await request(user.port, "GET", "/ready", { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    assert.equal(reply.status, 200);
    const body = reply.json();
    assert.equal(body.status, "ready");
    assert.deepEqual(body.down, []);
    assert.equal(body.dependencies.length, 1);
    assert.equal(body.dependencies[0].name, "auth_service");
    assert.equal(body.dependencies[0].status, "up");
    assert.equal(body.dependencies[0].state, "closed");
    assert.equal(body.dependencies[0].status_code, 200);
    assert.equal(auth.hits.length, before + 1);
    const forwarded = auth.hits[auth.hits.length - 1].traceparent!;
    assert.match(forwarded, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    assert.notEqual(forwarded.split("-")[2], "00f067aa0ba902b7", "the outgoing call is a new span");
  });

  it("serves the routes of api_definition.yaml: GET /users, POST /users (201), GET /users/{id} (200/404)", async function () {
    const empty = await request(user.port, "GET", "/users");
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.json(), []);

    const created = await request(user.port, "POST", "/users", { body: { name: "Ada Lovelace", email: "ada@example.com", source: "web" } });
    assert.equal(created.status, 201);
    const ada = created.json();
    assert.match(ada.id, /^[0-9a-f-]{36}$/);
    assert.equal(ada.name, "Ada Lovelace");
    assert.equal(ada.email, "ada@example.com");
    assert.ok(!Number.isNaN(Date.parse(ada.created_at)));

    const fetched = await request(user.port, "GET", `/users/${ada.id}`);
    assert.equal(fetched.status, 200);
    assert.deepEqual(fetched.json(), ada);

    const listed = await request(user.port, "GET", "/users?limit=10");
    assert.deepEqual(listed.json(), [ada]);

    const missing = await request(user.port, "GET", "/users/no-such-user");
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json(), { error: "not_found", message: "user no-such-user not found" });
  });

  it("serves the same API under /api/users (Kong without strip_path) and at / (Kong with strip_path)", async function () {
    const created = await request(user.port, "POST", "/api/users", { body: { name: "Grace Hopper", email: "grace@example.com" } });
    assert.equal(created.status, 201);
    const grace = created.json();
    assert.equal((await request(user.port, "GET", `/api/users/${grace.id}`)).json().email, "grace@example.com");
    assert.equal((await request(user.port, "GET", `/api/users/`)).json().length, 2);
    // Kong's default strip_path with a path-less service URL forwards /api/users as / and /api/users/<id> as /<id>.
    assert.equal((await request(user.port, "GET", "/")).json().length, 2);
    assert.equal((await request(user.port, "GET", `/${grace.id}`)).json().name, "Grace Hopper");
    assert.equal((await request(user.port, "POST", "/", { body: { name: "Root", email: "root@example.com", source: "mobile" } })).status, 201);
  });

  it("answers 400 with a message for bad JSON and invalid users, 409 for a duplicate email", async function () {
    const cases: [string | object, number, RegExp][] = [
      ["{not json", 400, /request body is not valid JSON/],
      ["", 400, /request body is empty/],
      [[{ name: "x" }], 400, /must be a JSON object/],
      [{ email: "nobody@example.com" }, 400, /name is required/],
      [{ name: "No Email", email: "not-an-email" }, 400, /email is required/],
      [{ name: "Ada again", email: "ADA@example.com" }, 409, /already exists/],
    ];
    for (const [body, status, message] of cases) {
      const reply = await request(user.port, "POST", "/users", { body: typeof body === "string" ? body : JSON.stringify(body) });
      assert.equal(reply.status, status, `${JSON.stringify(body)} → ${reply.text}`);
      assert.match(reply.json().message, message);
    }
    const large = await request(user.port, "POST", "/users", { body: JSON.stringify({ name: "x".repeat(1024 * 1024 + 10), email: "big@example.com" }) });
    assert.equal(large.status, 413);
    assert.match(large.json().message, /exceeds/);
    assert.equal((await request(user.port, "GET", "/users")).json().length, 3, "rejected requests created nothing");
  });

  it("answers 404 JSON for unknown routes and 405 with Allow for methods the API does not define", async function () {
    const unknown = await request(user.port, "GET", "/no/such/route");
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json(), { error: "not_found", message: "no route for GET /no/such/route" });
    const del = await request(user.port, "DELETE", "/users/123");
    assert.equal(del.status, 405);
    assert.equal(del.headers.allow, "GET, HEAD");
    const put = await request(user.port, "PUT", "/api/users");
    assert.equal(put.status, 405);
    assert.equal(put.headers.allow, "GET, POST, HEAD");
    const postHealth = await request(user.port, "POST", "/health", { body: {} });
    assert.equal(postHealth.status, 405);
    assert.equal((await request(user.port, "GET", "/health")).status, 200, "still alive");
  });

  it("continues a W3C traceparent: same trace id, a new span id, both in the response and the log line", async function () {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const parent = "b7ad6b7169203331";
    const reply = await request(user.port, "GET", "/users", { headers: { traceparent: `00-${traceId}-${parent}-01` } });
    const [version, echoedTrace, spanId, flags] = String(reply.headers.traceparent).split("-");
    assert.equal(version, "00");
    assert.equal(echoedTrace, traceId);
    assert.match(spanId, /^[0-9a-f]{16}$/);
    assert.notEqual(spanId, parent);
    assert.equal(flags, "01");
    const line = await user.waitForLog((l) => l.event === "http_request" && l.trace_id === traceId);
    assert.equal(line.span_id, spanId);
    assert.equal(line.parent_span_id, parent);
    assert.equal(line.http_route, "/users");
    assert.equal(line.status_code, 200);

    const invalid = await request(user.port, "GET", "/users", { headers: { traceparent: `00-${"0".repeat(32)}-${parent}-01` } });
    const fresh = String(invalid.headers.traceparent).split("-")[1];
    assert.match(fresh, /^[0-9a-f]{32}$/);
    assert.notEqual(fresh, "0".repeat(32));
  });

  it("exposes the spec's metrics in Prometheus text format", async function () {
    const reply = await request(user.port, "GET", "/metrics");
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
    const m = reply.text;
    assert.equal(sample(m, "http_requests_total", { method: "POST", route: "/users", status_code: "201" }), 3);
    assert.equal(sample(m, "http_requests_total", { method: "POST", route: "/users", status_code: "400" }), 5);
    assert.equal(sample(m, "http_requests_total", { method: "GET", route: "unmatched", status_code: "404" }), 1);
    assert.equal(sample(m, "http_requests_total", { method: "GET", route: "/users/{id}", status_code: "404" }), 1);
    assert.match(m, /# TYPE http_request_duration histogram/);
    const les = [...m.matchAll(/^http_request_duration_bucket\{le="([^"]+)",method="GET",route="\/health",status_code="200"\}/gm)].map((x) => x[1]);
    assert.deepEqual(les, [...SPEC_BUCKETS.map(String), "+Inf"]);
    assert.ok(sample(m, "http_request_duration_count", { method: "GET", route: "/health", status_code: "200" })! >= 2);
    assert.equal(sample(m, "circuit_breaker_state", { service: "user_service", dependency: "auth_service" }), 0);
    assert.equal(sample(m, "user_registrations", { source: "web" }), 1);
    assert.equal(sample(m, "user_registrations", { source: "api" }), 1);
    assert.equal(sample(m, "user_registrations", { source: "mobile" }), 1);
    assert.equal(sample(m, "database_connections_active", { service: "user_service", database: "users_db" }), 0);
    assert.ok(sample(m, "process_cpu_user_seconds_total")! > 0, "default process metrics");
    assert.ok(sample(m, "nodejs_heap_size_total_bytes")! > 0, "default Node.js metrics");
    assert.equal(sample(m, "orders_per_second"), undefined, "business metrics stay with their service");
    assert.doesNotMatch(m, /revenue_per_minute/);
  });

  it("writes only JSON log lines with every required field, and never the database/redis passwords", async function () {
    const lines = user.logs();
    assert.ok(lines.length > 10);
    for (const line of lines) {
      for (const field of REQUIRED_LOG_FIELDS) assert.ok(field in line, `${field} missing in ${JSON.stringify(line)}`);
      assert.ok(!Number.isNaN(Date.parse(line.timestamp)));
      assert.equal(line.service_name, "user_service");
      assert.ok(["DEBUG", "INFO", "WARN", "ERROR"].includes(line.log_level));
      assert.match(line.trace_id, /^[0-9a-f]{32}$/);
      assert.match(line.span_id, /^[0-9a-f]{16}$/);
    }
    assert.ok(!user.stdout().includes(SECRET), "a secret leaked into the logs");
    const requests = lines.filter((l) => l.event === "http_request");
    assert.ok(requests.some((l) => l.http_method === "POST" && l.status_code === 201 && l.log_level === "INFO"));
  });
});

describe("app runtime: order, payment and analytics services", function () {
  let order: ServiceProcess;
  let payment: ServiceProcess;
  let analytics: ServiceProcess;
  let strict: ServiceProcess;

  before(async function () {
    [order, payment, analytics, strict] = await Promise.all([
      startService({ files: { "service_config.json": ORDER_SERVICE_CONFIG }, env: { LOG_LEVEL: "INFO" } }),
      startService({ files: { "service_config.json": PAYMENT_SERVICE_CONFIG } }),
      startService({ files: { "service_config.json": ANALYTICS_SERVICE_CONFIG } }),
      startService({ files: { "service_config.json": PAYMENT_SERVICE_CONFIG }, env: { READY_REQUIRES_DEPENDENCIES: "true" } }),
    ]);
  });

  after(async function () {
    const codes = await Promise.all([order, payment, analytics, strict].filter(Boolean).map((p) => p.stop("SIGINT")));
    assert.deepEqual(codes, [0, 0, 0, 0], "SIGINT must exit 0");
    await stopAll();
  });

  it("order_service: /orders and /api/orders, counted by orders_per_second{service,status}", async function () {
    const created = await request(order.port, "POST", "/api/orders", { body: { user_id: "u1", items: [{ sku: "A", quantity: 2 }] } });
    assert.equal(created.status, 201);
    const o = created.json();
    assert.equal(o.status, "created");
    assert.deepEqual(o.items, [{ sku: "A", quantity: 2 }]);
    assert.equal((await request(order.port, "GET", `/orders/${o.id}`)).json().id, o.id);
    assert.equal((await request(order.port, "GET", "/orders")).json().length, 1);
    assert.equal((await request(order.port, "POST", "/orders", { body: "{oops" })).status, 400);
    assert.equal((await request(order.port, "GET", "/orders/unknown")).status, 404);
    const m = (await request(order.port, "GET", "/metrics")).text;
    assert.equal(sample(m, "orders_per_second", { service: "order_service", status: "created" }), 1);
    assert.equal(sample(m, "orders_per_second", { service: "order_service", status: "rejected" }), 1);
    assert.equal(sample(m, "database_connections_active", { service: "order_service", database: "orders_db" }), 0);
    assert.equal(sample(m, "circuit_breaker_state"), undefined, "no dependency URL set, so no breaker and no state series");
    assert.equal(sample(m, "user_registrations"), undefined);
  });

  it('order_service: /ready reflects the pod\'s own state (200 "degraded") and names every dependency whose URL variable is missing', async function () {
    const reply = await request(order.port, "GET", "/ready");
    assert.equal(reply.status, 200, "a dependency down must not take this pod out of its endpoints (no readiness cascade)");
    const body = reply.json();
    assert.equal(body.status, "degraded");
    assert.deepEqual(body.down, ["user_service", "inventory_service", "payment_service"]);
    assert.equal(body.dependencies[0].error, "USER_SERVICE_URL is not set");
    const warning = order.logs().find((l) => l.event === "config_warning" && String(l.message).includes("INVENTORY_SERVICE_URL"));
    assert.ok(warning, "missing URLs are logged at startup");
    assert.equal(order.logs().filter((l) => l.log_level === "DEBUG").length, 0, "LOG_LEVEL=INFO drops DEBUG lines");
  });

  it('READY_REQUIRES_DEPENDENCIES=true (opt-in): /ready answers 503 "not_ready" while a dependency is down', async function () {
    const reply = await request(strict.port, "GET", "/ready");
    assert.equal(reply.status, 503);
    assert.equal(reply.json().status, "not_ready");
    assert.deepEqual(reply.json().down, ["user_service", "notification_service"]);
  });

  it("payment_service: /payments validates amounts, revenue_per_minute{currency} sums the last minute", async function () {
    assert.equal((await request(payment.port, "POST", "/payments", { body: { amount: 12.5, currency: "EUR" } })).status, 201);
    assert.equal((await request(payment.port, "POST", "/api/payments", { body: { amount: 7.25, currency: "EUR" } })).status, 201);
    const usd = await request(payment.port, "POST", "/payments", { body: { amount: 3 } });
    assert.equal(usd.status, 201);
    assert.equal(usd.json().currency, "USD");
    assert.equal(usd.json().status, "accepted");
    const negative = await request(payment.port, "POST", "/payments", { body: { amount: -1, currency: "EUR" } });
    assert.equal(negative.status, 400);
    assert.match(negative.json().message, /amount/);
    assert.equal((await request(payment.port, "POST", "/payments", { body: { amount: 1, currency: "euro" } })).status, 400);
    const m = (await request(payment.port, "GET", "/metrics")).text;
    assert.equal(sample(m, "revenue_per_minute", { currency: "EUR" }), 19.75);
    assert.equal(sample(m, "revenue_per_minute", { currency: "USD" }), 3);
    assert.equal(sample(m, "orders_per_second"), undefined);
  });

  it("analytics_service (no dependencies, no circuit_breaker): ready at once, /events resource", async function () {
    const ready = await request(analytics.port, "GET", "/ready");
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json().dependencies, []);
    assert.equal((await request(analytics.port, "POST", "/api/events", { body: { type: "page_view" } })).status, 201);
    assert.equal((await request(analytics.port, "GET", "/events")).json()[0].type, "page_view");
    assert.equal((await request(analytics.port, "GET", "/no/such/route")).status, 404);
    const m = (await request(analytics.port, "GET", "/metrics")).text;
    assert.equal(sample(m, "circuit_breaker_state"), undefined);
    assert.equal(sample(m, "http_requests_total", { method: "POST", route: "/events", status_code: "201" }), 1);
  });
});
