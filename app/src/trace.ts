import { randomBytes } from "crypto";

/** W3C Trace Context of one server span: the caller's trace, a new span of ours. */
export interface TraceContext {
  readonly traceId: string;
  /** This process's span for the request (a new id, never the caller's). */
  readonly spanId: string;
  /** The caller's span id from `traceparent`, when there was one. */
  readonly parentSpanId?: string;
  readonly flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

export function newTraceId(): string {
  let id: string;
  do id = randomBytes(16).toString("hex");
  while (id === ZERO_TRACE);
  return id;
}

export function newSpanId(): string {
  let id: string;
  do id = randomBytes(8).toString("hex");
  while (id === ZERO_SPAN);
  return id;
}

/**
 * Parses a `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header).
 * Invalid values (upper case, version ff, all-zero ids, extra fields on version 00) are ignored.
 */
export function parseTraceparent(header: string | string[] | undefined): { traceId: string; parentSpanId: string; flags: string } | undefined {
  if (typeof header !== "string") return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, parentSpanId, flags, rest] = match;
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || parentSpanId === ZERO_SPAN) return undefined;
  return { traceId, parentSpanId, flags };
}

/** The server span of a request: continues the caller's trace, or starts a sampled one. */
export function serverSpan(header: string | string[] | undefined): TraceContext {
  const parent = parseTraceparent(header);
  if (parent) return { traceId: parent.traceId, spanId: newSpanId(), parentSpanId: parent.parentSpanId, flags: parent.flags };
  return { traceId: newTraceId(), spanId: newSpanId(), flags: "01" };
}

export function formatTraceparent(traceId: string, spanId: string, flags: string): string {
  return `00-${traceId}-${spanId}-${flags}`;
}
