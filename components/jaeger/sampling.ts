import { DocumentValue, Float } from "../../catalog";

/** A strategy of Jaeger's sampling strategies file (`--sampling.strategies-file`). */
export interface JaegerStrategy {
  /** `probabilistic`: `param` is the sampling probability; `ratelimiting`: `param` is traces per second. */
  readonly type: "probabilistic" | "ratelimiting";
  readonly param: number;
}

export interface JaegerServiceStrategy extends JaegerStrategy {
  /** The name the service reports (`OTEL_SERVICE_NAME`, the spec's `user_service`). */
  readonly service: string;
}

/** Jaeger's sampling strategies file, as its static strategy store reads it. */
export interface JaegerSamplingStrategies {
  readonly default_strategy: JaegerStrategy;
  readonly service_strategies: readonly JaegerServiceStrategy[];
}

/** A catalog document as plain JSON data (Floats become numbers; keys of Maps become strings). */
export function plainValue(value: DocumentValue): unknown {
  if (value instanceof Float) return value.value;
  if (Array.isArray(value)) return value.map(plainValue);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), plainValue(v)]));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainValue(v as DocumentValue)]));
  }
  return value;
}

interface SpecStrategy {
  readonly service?: string;
  readonly type: string;
  readonly param?: number;
  readonly max_traces_per_second?: number;
}

/**
 * One strategy of trace_sampling.json in Jaeger's terms:
 * - `probabilistic` keeps its probability (`param`);
 * - `rate_limiting` becomes `ratelimiting` with `param` = `max_traces_per_second`;
 * - `adaptive` has no per-service form in the file: Jaeger's adaptive sampling is a
 *   collector-wide mode (`SAMPLING_CONFIG_TYPE=adaptive`) that needs a sampling store and aims at a
 *   throughput per operation. The closest static strategy is rate limiting at the spec's
 *   `max_traces_per_second`, which bounds the service's traces at the adaptive target.
 */
export function jaegerStrategy(spec: SpecStrategy, where: string): JaegerStrategy {
  const rate = (): number => {
    if (typeof spec.max_traces_per_second !== "number") throw new Error(`${where}: ${spec.type} sampling needs max_traces_per_second`);
    return spec.max_traces_per_second;
  };
  switch (spec.type) {
    case "probabilistic":
      if (typeof spec.param !== "number" || spec.param < 0 || spec.param > 1) throw new Error(`${where}: probabilistic sampling needs a param between 0 and 1`);
      return { type: "probabilistic", param: spec.param };
    case "rate_limiting":
    case "adaptive":
      return { type: "ratelimiting", param: rate() };
    default:
      throw new Error(`${where}: sampling type "${spec.type}" has no Jaeger equivalent`);
  }
}

/** trace_sampling.json's `sampling_strategies` as Jaeger's strategies file. */
export function samplingStrategies(sampling: DocumentValue): JaegerSamplingStrategies {
  const spec = plainValue(sampling) as {
    sampling_strategies: { default_strategy: SpecStrategy; per_service_strategies?: SpecStrategy[] };
  };
  const strategies = spec.sampling_strategies;
  return {
    default_strategy: jaegerStrategy(strategies.default_strategy, "default_strategy"),
    service_strategies: (strategies.per_service_strategies ?? []).map((s, i) => ({
      service: String(s.service),
      ...jaegerStrategy(s, `per_service_strategies[${i}] (${s.service})`),
    })),
  };
}
