import * as http from "http";
import * as https from "https";
import { Logger } from "./logger";

/** One finished server span, as the runtime records it. */
export interface FinishedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly startNanos: bigint;
  readonly endNanos: bigint;
  readonly attributes: Readonly<Record<string, string | number>>;
  readonly error: boolean;
}

export interface ExporterSettings {
  /** Full URL spans are POSTed to (`<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`). */
  readonly url: string;
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** OTEL_BSP_SCHEDULE_DELAY: how often the queue is flushed, ms. */
  readonly scheduleDelayMs: number;
  /** OTEL_BSP_MAX_QUEUE_SIZE: spans beyond it are dropped (and counted). */
  readonly maxQueueSize: number;
  /** OTEL_BSP_MAX_EXPORT_BATCH_SIZE. */
  readonly maxBatchSize: number;
  /** OTEL_EXPORTER_OTLP_TIMEOUT, ms. */
  readonly timeoutMs: number;
}

/**
 * Resolves where spans go from the standard OpenTelemetry variables. Only OTLP over HTTP with
 * JSON bodies is spoken (no protobuf or gRPC dependency): an endpoint on 4318, such as Jaeger's
 * collector `http://jaeger-collector.monitoring.svc.cluster.local:4318`.
 */
export function exporterSettings(env: NodeJS.ProcessEnv, serviceName: string, serviceVersion: string, warnings: string[]): ExporterSettings | undefined {
  const tracesEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!tracesEndpoint && !endpoint) return undefined;
  if ((env.OTEL_TRACES_EXPORTER ?? "").trim() === "none") return undefined;
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "").trim();
  if (protocol !== "" && protocol !== "http/json") {
    warnings.push(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported (only http/json); spans are not exported`);
    return undefined;
  }
  const raw = tracesEndpoint || `${endpoint!.replace(/\/+$/, "")}/v1/traces`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    warnings.push("the OTLP endpoint is not a valid URL; spans are not exported");
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    warnings.push("the OTLP endpoint must be an http(s) URL; spans are not exported");
    return undefined;
  }
  if (url.port === "4317") warnings.push("the OTLP endpoint uses port 4317 (OTLP/gRPC); this runtime speaks OTLP/HTTP (4318)");
  const positive = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return env[name] !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
  };
  return {
    url: url.toString(),
    serviceName,
    serviceVersion,
    scheduleDelayMs: positive("OTEL_BSP_SCHEDULE_DELAY", 5000),
    maxQueueSize: positive("OTEL_BSP_MAX_QUEUE_SIZE", 2048),
    maxBatchSize: positive("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512),
    timeoutMs: positive("OTEL_EXPORTER_OTLP_TIMEOUT", 10000),
  };
}

const attribute = (key: string, value: string | number) =>
  typeof value === "number" && Number.isInteger(value) ? { key, value: { intValue: String(value) } } : { key, value: { stringValue: String(value) } };

/** A batching OTLP/HTTP JSON span exporter: bounded queue, periodic flush, drop on failure. */
export class SpanExporter {
  private queue: FinishedSpan[] = [];
  private timer?: NodeJS.Timeout;
  private dropped = 0;
  private lastFailureLog = 0;
  private exporting?: Promise<void>;

  constructor(
    private readonly settings: ExporterSettings,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.flush(), settings.scheduleDelayMs);
    this.timer.unref();
  }

  record(span: FinishedSpan): void {
    if (this.queue.length >= this.settings.maxQueueSize) {
      this.dropped += 1;
      return;
    }
    this.queue.push(span);
    if (this.queue.length >= this.settings.maxBatchSize) void this.flush();
  }

  /** Sends what is queued (one batch at a time); never rejects. */
  async flush(): Promise<void> {
    while (this.exporting) await this.exporting;
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.settings.maxBatchSize);
    this.exporting = this.send(batch).finally(() => {
      this.exporting = undefined;
    });
    await this.exporting;
    if (this.queue.length >= this.settings.maxBatchSize) await this.flush();
  }

  /** Stops the timer and flushes what is left, within `timeoutMs`. */
  async shutdown(timeoutMs: number): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([
      (async () => {
        while (this.queue.length > 0 || this.exporting) await this.flush();
      })(),
      new Promise<void>((resolve) => {
        deadline = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(deadline);
  }

  private body(batch: readonly FinishedSpan[]): string {
    return JSON.stringify({
      resourceSpans: [
        {
          resource: {
            attributes: [attribute("service.name", this.settings.serviceName), attribute("service.version", this.settings.serviceVersion)],
          },
          scopeSpans: [
            {
              scope: { name: "microservices-ecosystem-app" },
              spans: batch.map((span) => ({
                traceId: span.traceId,
                spanId: span.spanId,
                ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
                name: span.name,
                kind: 2, // SPAN_KIND_SERVER
                startTimeUnixNano: span.startNanos.toString(),
                endTimeUnixNano: span.endNanos.toString(),
                attributes: Object.entries(span.attributes).map(([key, value]) => attribute(key, value)),
                status: span.error ? { code: 2 } : { code: 0 },
              })),
            },
          ],
        },
      ],
    });
  }

  private send(batch: readonly FinishedSpan[]): Promise<void> {
    const body = this.body(batch);
    const url = new URL(this.settings.url);
    const client = url.protocol === "https:" ? https : http;
    return new Promise<void>((resolve) => {
      const failed = (reason: string) => {
        const now = Date.now();
        if (now - this.lastFailureLog > 60_000) {
          this.lastFailureLog = now;
          this.logger.warn("exporting spans failed; the batch is dropped", {
            event: "tracing",
            reason,
            spans: batch.length,
            dropped_since_start: this.dropped,
          });
        }
        this.dropped += batch.length;
        resolve();
      };
      const req = client.request(
        url,
        { method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on("end", () => {
            clearTimeout(timer);
            const status = res.statusCode ?? 0;
            if (status >= 200 && status <= 299) resolve();
            else failed(`collector answered ${status}`);
          });
          res.on("error", (err) => failed(err.message));
        },
      );
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${this.settings.timeoutMs} ms`)), this.settings.timeoutMs);
      req.on("error", (err) => {
        clearTimeout(timer);
        failed(err.message);
      });
      req.end(body);
    });
  }
}
