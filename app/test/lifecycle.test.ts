import assert from "node:assert/strict";
import { fakeDependency, FakeDependency, request, sleep, startService, stopAll } from "./harness";
import { USER_SERVICE_CONFIG } from "./fixtures";

describe("app runtime: graceful shutdown and startup failures", function () {
  let slow: FakeDependency;

  before(async function () {
    slow = await fakeDependency();
  });

  after(async function () {
    await slow?.close();
    await stopAll();
  });

  it("SIGTERM: /ready turns 503, the in-flight request completes, new connections are refused, exit 0", async function () {
    slow.delayMs = 600;
    const service = await startService({
      files: { "service_config.json": USER_SERVICE_CONFIG },
      env: { AUTH_SERVICE_URL: slow.url, DEPENDENCY_TIMEOUT_MS: "5000" },
    });
    const inFlight = request(service.port, "GET", "/ready");
    await sleep(200);
    const started = Date.now();
    service.child.kill("SIGTERM");
    const closed = await service.waitForLog((l) => l.message === "stopped accepting connections");
    assert.equal(closed.in_flight, 1);
    await assert.rejects(request(service.port, "GET", "/health"), /ECONNREFUSED/);
    const reply = await inFlight;
    assert.equal(reply.status, 200, "the request that was in flight is answered");
    assert.equal(reply.json().status, "ready");
    assert.equal(reply.headers.connection, "close");
    assert.equal(await service.exited, 0);
    assert.ok(Date.now() - started < 2000);
    const complete = service.logs().find((l) => l.message === "shutdown complete")!;
    assert.equal(complete.forced, false);
    assert.equal(complete.reason, "SIGTERM");
  });

  it("SHUTDOWN_DELAY_MS keeps serving (with /ready 503) before the listener closes", async function () {
    slow.delayMs = 0;
    const service = await startService({
      files: { "service_config.json": USER_SERVICE_CONFIG },
      env: { AUTH_SERVICE_URL: slow.url, SHUTDOWN_DELAY_MS: "500" },
    });
    assert.equal((await request(service.port, "GET", "/ready")).status, 200);
    service.child.kill("SIGTERM");
    await service.waitForLog((l) => l.message === "shutdown started");
    const readyDuringDelay = await request(service.port, "GET", "/ready");
    assert.equal(readyDuringDelay.status, 503);
    assert.equal(readyDuringDelay.json().status, "shutting_down");
    assert.equal((await request(service.port, "GET", "/users")).status, 200, "still serving during the delay");
    assert.equal(await service.exited, 0);
  });

  it("exits 0 within SHUTDOWN_TIMEOUT_MS even when a request never finishes", async function () {
    slow.delayMs = 5000;
    const service = await startService({
      files: { "service_config.json": USER_SERVICE_CONFIG },
      env: { AUTH_SERVICE_URL: slow.url, DEPENDENCY_TIMEOUT_MS: "10000", SHUTDOWN_TIMEOUT_MS: "300" },
    });
    const stuck = request(service.port, "GET", "/ready").then(
      () => "answered",
      (err: Error) => err.message,
    );
    await sleep(150);
    const started = Date.now();
    service.child.kill("SIGTERM");
    assert.equal(await service.exited, 0);
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    assert.match(await stuck, /socket hang up|ECONNRESET/);
    const complete = service.logs().find((l) => l.message === "shutdown complete")!;
    assert.equal(complete.forced, true);
    slow.delayMs = 0;
  });

  it("exits 1 with a JSON error line when service_config.json is missing or invalid", async function () {
    const [missing, invalid, notJson, noTrials] = await Promise.all([
      startService({ files: {}, env: { SERVICE_NAME: "user_service" }, waitForListening: false }),
      startService({
        files: { "service_config.json": { ...USER_SERVICE_CONFIG, circuit_breaker: { failure_threshold: 0, timeout: 30, fallback_enabled: true } } },
        waitForListening: false,
      }),
      startService({ files: { "service_config.json": "{ nope" }, waitForListening: false }),
      startService({
        files: { "service_config.json": { ...USER_SERVICE_CONFIG, circuit_breaker: { failure_threshold: 5, timeout: 30, half_open_max_calls: 0 } } },
        waitForListening: false,
      }),
    ]);
    assert.deepEqual(await Promise.all([missing.exited, invalid.exited, notJson.exited, noTrials.exited]), [1, 1, 1, 1]);
    assert.match(noTrials.logs()[0].message, /circuit_breaker\.half_open_max_calls must be an integer >= 1, got 0/);
    const [line] = missing.logs();
    assert.equal(line.log_level, "ERROR");
    assert.equal(line.service_name, "user_service");
    assert.match(line.message, /invalid configuration: cannot read .*service_config\.json: ENOENT/);
    assert.match(invalid.logs()[0].message, /failure_threshold must be an integer >= 1/);
    assert.match(notJson.logs()[0].message, /is not valid JSON/);
  });
});
