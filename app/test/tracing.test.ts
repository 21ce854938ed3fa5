import assert from "node:assert/strict";
import * as http from "http";
import { AddressInfo } from "net";
import { request, sleep, startService, stopAll } from "./harness";
import { USER_API_DEFINITION, USER_SERVICE_CONFIG } from "./fixtures";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string } }[];
  status: { code: number };
}

/** A fake OTLP/HTTP collector that keeps what it receives on /v1/traces. */
async function fakeCollector(status = 200) {
  const bodies: any[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/v1/traces" && req.headers["content-type"] === "application/json") {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      }
      res.writeHead(status, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const spans = (): OtlpSpan[] => bodies.flatMap((b) => b.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans)));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until<T>(probe: () => T | undefined, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(25);
  }
}

describe("app runtime: OTLP/HTTP span export", function () {
  after(stopAll);

  it("exports one server span per API request (not for probes), continuing the caller's trace", async function () {
    const collector = await fakeCollector();
    const service = await startService({
      files: { "service_config.json": { ...USER_SERVICE_CONFIG, dependencies: [] }, "api_definition.yaml": USER_API_DEFINITION },
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: "100" },
    });
    try {
      const traceId = "5b8efff798038103d269b633813fc60c";
      await request(service.port, "GET", "/health");
      await request(service.port, "GET", "/metrics");
      const reply = await request(service.port, "POST", "/api/users", {
        body: { name: "Traced", email: "traced@example.com" },
        headers: { traceparent: `00-${traceId}-eee19b7ec3c1b174-01` },
      });
      assert.equal(reply.status, 201);
      const span = await until(() => collector.spans().find((s) => s.traceId === traceId));
      assert.equal(span.spanId, String(reply.headers.traceparent).split("-")[2]);
      assert.equal(span.parentSpanId, "eee19b7ec3c1b174");
      assert.equal(span.name, "POST /users");
      assert.equal(span.kind, 2);
      assert.ok(BigInt(span.endTimeUnixNano) >= BigInt(span.startTimeUnixNano));
      assert.ok(Math.abs(Number(BigInt(span.startTimeUnixNano) / 1_000_000n) - Date.now()) < 60_000);
      const attrs = Object.fromEntries(span.attributes.map((a) => [a.key, a.value.stringValue ?? a.value.intValue]));
      assert.deepEqual(attrs, { "http.request.method": "POST", "http.route": "/users", "url.path": "/api/users", "http.response.status_code": "201" });
      const resource = collector.bodies[0].resourceSpans[0].resource.attributes;
      assert.deepEqual(resource, [
        { key: "service.name", value: { stringValue: "user_service" } },
        { key: "service.version", value: { stringValue: "v1" } },
      ]);
      await sleep(250);
      assert.deepEqual(
        collector.spans().map((s) => s.name),
        ["POST /users"],
        "no spans for /health and /metrics",
      );

      // An unsampled request (flags 00) is not exported.
      await request(service.port, "GET", "/users/nobody", { headers: { traceparent: "00-33333333333333333333333333333333-4444444444444444-00" } });
      await sleep(250);
      assert.ok(!collector.spans().some((s) => s.traceId === "33333333333333333333333333333333"));
    } finally {
      await service.stop();
      await collector.close();
    }
  });

  it("flushes queued spans on SIGTERM", async function () {
    const collector = await fakeCollector();
    const service = await startService({
      files: { "service_config.json": { ...USER_SERVICE_CONFIG, dependencies: [] } },
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `${collector.url}/`, OTEL_BSP_SCHEDULE_DELAY: "60000" },
    });
    try {
      await request(service.port, "GET", "/users", { headers: { traceparent: "00-11111111111111111111111111111111-2222222222222222-01" } });
      await sleep(100);
      assert.equal(collector.spans().length, 0, "nothing sent before the schedule delay");
      assert.equal(await service.stop(), 0);
      assert.deepEqual(
        collector.spans().map((s) => s.traceId),
        ["11111111111111111111111111111111"],
      );
    } finally {
      await service.stop();
      await collector.close();
    }
  });

  it("keeps serving when the collector fails, and says so once", async function () {
    const collector = await fakeCollector(503);
    const service = await startService({
      files: { "service_config.json": { ...USER_SERVICE_CONFIG, dependencies: [] } },
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: "50" },
    });
    try {
      for (let i = 0; i < 3; i++) {
        assert.equal((await request(service.port, "GET", "/users")).status, 200);
        await sleep(80);
      }
      await service.waitForLog((l) => l.message === "exporting spans failed; the batch is dropped" && l.reason === "collector answered 503");
      assert.equal(service.logs().filter((l) => l.message.startsWith("exporting spans failed")).length, 1);
      assert.equal(await service.stop(), 0);
    } finally {
      await service.stop();
      await collector.close();
    }
  });
});
