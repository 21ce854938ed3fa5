import assert from "node:assert/strict";
import { closedPort, fakeDependency, FakeDependency, request, sample, ServiceProcess, sleep, startService, stopAll } from "./harness";

// Dependency-gated readiness (opt-in), so that each probe's status code shows what the breaker decided.
const STRICT_READY = { READY_REQUIRES_DEPENDENCIES: "true" };
import { NOTIFICATION_SERVICE_CONFIG } from "./fixtures";

/** notification_service's spec config with a small threshold, a 1 s reset timeout and two trial calls. */
const CONFIG = { ...NOTIFICATION_SERVICE_CONFIG, circuit_breaker: { failure_threshold: 3, timeout: 1, half_open_max_calls: 2, fallback_enabled: true } };

describe("app runtime: per-dependency circuit breaker (real process, fake dependency)", function () {
  let email: FakeDependency;
  let service: ServiceProcess;

  const ready = async () => {
    const reply = await request(service.port, "GET", "/ready");
    const body = reply.json();
    return { status: reply.status, body, dependency: body.dependencies[0] };
  };
  const gauge = async () =>
    sample((await request(service.port, "GET", "/metrics")).text, "circuit_breaker_state", { service: "notification_service", dependency: "email_service" });

  before(async function () {
    email = await fakeDependency();
    service = await startService({ files: { "service_config.json": CONFIG }, env: { EMAIL_SERVICE_URL: email.url, ...STRICT_READY } });
  });

  after(async function () {
    if (service) assert.equal(await service.stop(), 0);
    await email?.close();
    await stopAll();
  });

  it("reports the breaker settings of service_config.json", async function () {
    const { status, dependency } = await ready();
    assert.equal(status, 200);
    assert.equal(dependency.failure_threshold, 3);
    assert.equal(dependency.reset_timeout_seconds, 1);
    assert.equal(dependency.half_open_max_calls, 2);
    assert.equal(dependency.state, "closed");
    assert.equal(await gauge(), 0);
  });

  it("counts consecutive failures: a success in between resets the count", async function () {
    email.healthy = false;
    for (const expected of [1, 2]) {
      const { status, body, dependency } = await ready();
      assert.equal(status, 503);
      assert.deepEqual(body.down, ["email_service"]);
      assert.equal(dependency.status, "down");
      assert.equal(dependency.status_code, 500);
      assert.equal(dependency.state, "closed");
      assert.equal(dependency.consecutive_failures, expected);
    }
    email.healthy = true;
    const recovered = await ready();
    assert.equal(recovered.status, 200);
    assert.equal(recovered.dependency.consecutive_failures, 0);
    email.healthy = false;
    for (const expected of [1, 2]) assert.equal((await ready()).dependency.consecutive_failures, expected);
    assert.equal(await gauge(), 0, "2 consecutive failures < threshold 3: still closed");
  });

  it("opens at failure_threshold consecutive failures, then fails fast without calling the dependency", async function () {
    const third = await ready();
    assert.equal(third.status, 503);
    assert.equal(third.dependency.state, "open");
    assert.equal(third.dependency.consecutive_failures, 3);
    assert.equal(await gauge(), 1);
    await service.waitForLog((l) => l.breaker_state === "open" && l.dependency === "email_service" && l.log_level === "WARN");

    const hits = email.hits.length;
    email.healthy = true; // healthy again, but the breaker does not ask before its reset timeout
    const shortCircuited = await ready();
    assert.equal(shortCircuited.status, 503);
    assert.deepEqual(shortCircuited.body.down, ["email_service"]);
    assert.equal(shortCircuited.dependency.state, "open");
    assert.equal(shortCircuited.dependency.error, "circuit open");
    assert.equal(shortCircuited.dependency.fallback, true);
    assert.equal(email.hits.length, hits, "an open breaker does not call the dependency");
  });

  it("half-opens after the reset timeout (1 s) and closes once half_open_max_calls (2) trial calls succeeded", async function () {
    await sleep(1100);
    assert.equal(await gauge(), 2, "half-open");
    const hits = email.hits.length;
    const first = await ready();
    assert.equal(first.status, 200);
    assert.equal(first.dependency.state, "half_open", "1 of 2 trial calls succeeded: still half-open");
    assert.equal(await gauge(), 2);
    const second = await ready();
    assert.equal(second.status, 200);
    assert.equal(second.dependency.state, "closed");
    assert.equal(email.hits.length, hits + 2, "one call per trial");
    assert.equal(await gauge(), 0);
    await service.waitForLog((l) => l.breaker_state === "closed" && l.dependency === "email_service");
  });

  it("re-opens at once when a half-open trial call fails, the first or a later one", async function () {
    email.healthy = false;
    for (let i = 0; i < 3; i++) await ready();
    assert.equal(await gauge(), 1);
    await sleep(1100);
    assert.equal(await gauge(), 2);
    const trial = await ready();
    assert.equal(trial.status, 503);
    assert.equal(trial.dependency.state, "open", "one failed trial re-opens, whatever the threshold");
    assert.equal(await gauge(), 1);

    await sleep(1100);
    email.healthy = true;
    assert.equal((await ready()).dependency.state, "half_open", "first trial succeeded");
    email.healthy = false;
    const second = await ready();
    assert.equal(second.status, 503);
    assert.equal(second.dependency.state, "open", "the second trial failed: open again");
    assert.equal(await gauge(), 1);
    email.healthy = true;
  });
});

describe("app runtime: breaker defaults and failure kinds", function () {
  let slow: FakeDependency;
  let service: ServiceProcess;

  before(async function () {
    slow = await fakeDependency();
    slow.delayMs = 400;
    service = await startService({
      files: {
        // No circuit_breaker block: resilience_patterns.json's defaults apply (5 failures, 60 s, no fallback).
        "service_config.json": {
          service_name: "inventory_service",
          port: 8004,
          dependencies: ["analytics_service", "auth_service"],
          status: "configured",
          replicas: 1,
        },
      },
      env: { ANALYTICS_SERVICE_URL: slow.url, AUTH_SERVICE_URL: `http://127.0.0.1:${await closedPort()}`, DEPENDENCY_TIMEOUT_MS: "150", ...STRICT_READY },
    });
  });

  after(async function () {
    if (service) assert.equal(await service.stop(), 0);
    await slow?.close();
    await stopAll();
  });

  it("uses resilience_patterns.json's defaults without a circuit_breaker block, and counts timeouts and refused connections as failures", async function () {
    const listening = service.logs().find((l) => l.event === "listening")!;
    assert.deepEqual(listening.circuit_breaker, { failure_threshold: 5, reset_timeout_seconds: 60, fallback_enabled: false, source: "resilience_defaults" });
    const reply = await request(service.port, "GET", "/ready");
    assert.equal(reply.status, 503);
    const body = reply.json();
    assert.deepEqual(body.down, ["analytics_service", "auth_service"]);
    const [analytics, auth] = body.dependencies;
    assert.equal(analytics.error, "timed out");
    assert.match(auth.error, /ECONNREFUSED/);
    for (const dependency of [analytics, auth]) {
      assert.equal(dependency.failure_threshold, 5);
      assert.equal(dependency.reset_timeout_seconds, 60);
      assert.equal(dependency.fallback, undefined, "no fallback configured");
      assert.equal(dependency.consecutive_failures, 1);
      assert.equal(dependency.state, "closed");
    }
  });
});
