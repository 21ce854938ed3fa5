import { LogLevel } from "./config";
import { newSpanId, newTraceId } from "./trace";

const SEVERITY: Readonly<Record<LogLevel, number>> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

/** centralized_logging.json's structured_logging.required_fields: always present, never overridden. */
export const REQUIRED_FIELDS = ["timestamp", "service_name", "log_level", "message", "trace_id", "span_id"] as const;

export type LogFields = Record<string, unknown> & { trace_id?: string; span_id?: string };

let stdoutBroken = false;
let stdoutWatched = false;

/**
 * Writes to stdout; once stdout has failed (EPIPE: the reader went away) logging stops, instead
 * of each failed write raising an error that is itself logged, forever.
 */
export function writeStdout(line: string): void {
  if (stdoutBroken) return;
  if (!stdoutWatched) {
    stdoutWatched = true;
    process.stdout.on("error", () => {
      stdoutBroken = true;
    });
  }
  process.stdout.write(line);
}

/**
 * One JSON object per line on stdout (Fluent Bit tails the container log with the json parser).
 * Events outside a request get a fresh trace/span id so the required fields are always valid ids.
 */
export class Logger {
  constructor(
    private readonly serviceName: string,
    private readonly serviceVersion: string,
    private level: LogLevel,
    private readonly write: (line: string) => void = writeStdout,
  ) {}

  enabled(level: LogLevel): boolean {
    return SEVERITY[level] >= SEVERITY[this.level];
  }

  log(level: LogLevel, message: string, fields: LogFields = {}): void {
    if (!this.enabled(level)) return;
    const record: Record<string, unknown> = {
      timestamp: new Date().toISOString(),
      service_name: this.serviceName,
      log_level: level,
      message,
      trace_id: fields.trace_id ?? newTraceId(),
      span_id: fields.span_id ?? newSpanId(),
      service_version: this.serviceVersion,
    };
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined || (REQUIRED_FIELDS as readonly string[]).includes(key)) continue;
      record[key] = value instanceof Error ? describeError(value) : value;
    }
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      const required = Object.fromEntries(REQUIRED_FIELDS.map((key) => [key, record[key]]));
      line = JSON.stringify({ ...required, service_version: this.serviceVersion, fields_dropped: "not serialisable" });
    }
    try {
      this.write(`${line}\n`);
    } catch {
      // A closed stdout must not take the service down.
    }
  }

  debug(message: string, fields?: LogFields): void {
    this.log("DEBUG", message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.log("INFO", message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.log("WARN", message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.log("ERROR", message, fields);
  }
}

export function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const cause = (err as { cause?: unknown }).cause;
    return {
      name: err.name,
      message: err.message,
      ...(code ? { code } : {}),
      ...(cause instanceof Error ? { cause: describeError(cause) } : {}),
      ...(err.stack ? { stack: err.stack } : {}),
    };
  }
  return { message: String(err) };
}
