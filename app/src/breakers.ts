import * as http from "http";
import * as https from "https";
import CircuitBreaker from "opossum";
import { CircuitBreakerSettings, Dependency } from "./config";
import { Logger } from "./logger";
import { BreakerStateName, Metrics } from "./metrics";
import { formatTraceparent, newSpanId, TraceContext } from "./trace";

/** What /ready reports for one dependency. */
export interface DependencyReport {
  readonly name: string;
  readonly status: "up" | "down";
  readonly state: BreakerStateName;
  readonly url?: string;
  readonly status_code?: number;
  readonly error?: string;
  /** True when the answer came from the breaker's fallback (call failed or was short-circuited). */
  readonly fallback?: boolean;
  readonly consecutive_failures: number;
  readonly failure_threshold: number;
  readonly reset_timeout_seconds: number;
  readonly half_open_max_calls: number;
  readonly latency_ms?: number;
}

interface ProbeOutcome {
  readonly ok: boolean;
  readonly statusCode?: number;
  readonly error?: string;
  readonly fallback?: boolean;
  /** The breaker answered without calling the dependency. */
  readonly shortCircuited?: boolean;
}

/** A half-open breaker's trial calls: admitted so far (in flight or done) and their successes. */
interface Trials {
  inFlight: number;
  successes: number;
}

const isOpenBreakerError = (err: unknown) => (err as { code?: string })?.code === "EOPENBREAKER";

class ProbeTimeout extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

class HealthCheckError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = "HealthCheckError";
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError") return "timed out";
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** A check that failed, or that the breaker answered without calling the dependency. */
function failedOutcome(err: unknown): ProbeOutcome {
  return {
    ok: false,
    shortCircuited: isOpenBreakerError(err),
    statusCode: err instanceof HealthCheckError ? err.statusCode : undefined,
    error: isOpenBreakerError(err) ? "circuit open" : errorText(err),
  };
}

/**
 * `GET <url>/health` through an opossum breaker, with a consecutive-failure threshold.
 *
 * opossum trips on a failure *percentage* over a rolling window (errorThresholdPercentage,
 * volumeThreshold). service_config.json's failure_threshold is a count of consecutive failures,
 * so opossum's own trip is disabled — errorThresholdPercentage 100 (the rate is compared with
 * `>`, and can never exceed 100) and a volumeThreshold no window can reach — and this class
 * counts consecutive failures itself (reset by any success) and calls `breaker.open()` when the
 * count reaches the threshold. Everything else is opossum's: while open, calls are rejected
 * without touching the network (or answered by the fallback), and after resetTimeout it goes
 * half-open. opossum then lets a single trial call through and closes on its success; the spec's
 * `half_open_max_calls` asks for more, so this class keeps the breaker half-open (as /ready and the
 * gauge report it) until that many trial calls have succeeded, admits no more than that many, and
 * re-opens it on any failed trial, for another resetTimeout.
 */
export class DependencyBreaker {
  private readonly breaker?: CircuitBreaker<[TraceContext], ProbeOutcome>;
  private consecutiveFailures = 0;
  /** Set while the breaker is half-open. */
  private trials?: Trials;

  constructor(
    readonly dependency: Dependency,
    private readonly settings: CircuitBreakerSettings,
    private readonly timeoutMs: number,
    private readonly serviceName: string,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    // No URL, no breaker: no circuit_breaker_state series either (/ready reports the problem).
    if (!dependency.url) return;
    metrics.setBreakerState(dependency.name, "closed");
    const url = `${dependency.url}/health`;
    const breaker = new CircuitBreaker<[TraceContext], ProbeOutcome>((trace: TraceContext) => this.probe(url, trace), {
      name: dependency.name,
      // The probe enforces its own timeout (and aborts the socket); opossum's would leave it open.
      timeout: false,
      resetTimeout: settings.resetTimeoutMs,
      errorThresholdPercentage: 100,
      volumeThreshold: Number.MAX_SAFE_INTEGER,
    });
    if (settings.fallbackEnabled) {
      breaker.fallback((_trace: TraceContext, err: unknown): ProbeOutcome => ({ ...failedOutcome(err), fallback: true }));
    }
    breaker.on("success", () => {
      this.consecutiveFailures = 0;
    });
    breaker.on("failure", (err: unknown, _latency: number, args: unknown[]) => {
      this.consecutiveFailures += 1;
      const trace = Array.isArray(args) ? (args[0] as TraceContext | undefined) : undefined;
      this.logger.debug("dependency health check failed", {
        trace_id: trace?.traceId,
        span_id: trace?.spanId,
        dependency: dependency.name,
        error: errorText(err),
        consecutive_failures: this.consecutiveFailures,
      });
      if (breaker.closed && this.consecutiveFailures >= settings.failureThreshold) breaker.open();
    });
    breaker.on("open", () => {
      this.trials = undefined;
      this.transition("open");
    });
    breaker.on("halfOpen", () => {
      this.trials = { inFlight: 0, successes: 0 };
      this.transition("half_open");
    });
    breaker.on("close", () => {
      this.consecutiveFailures = 0;
      // opossum closes on the first successful trial; the breaker stays half-open until all succeed.
      if (!this.trials) this.transition("closed");
    });
    this.breaker = breaker;
  }

  get state(): BreakerStateName {
    if (this.trials) return "half_open";
    if (!this.breaker || this.breaker.closed) return "closed";
    return this.breaker.halfOpen ? "half_open" : "open";
  }

  /** Checks the dependency once; never rejects. */
  async check(trace: TraceContext): Promise<DependencyReport> {
    const base = {
      name: this.dependency.name,
      url: this.dependency.url,
      failure_threshold: this.settings.failureThreshold,
      reset_timeout_seconds: this.settings.resetTimeoutMs / 1000,
      half_open_max_calls: this.settings.halfOpenMaxCalls,
    };
    if (!this.breaker) {
      return { ...base, status: "down", state: "closed", error: this.dependency.problem, consecutive_failures: 0 };
    }
    const started = Date.now();
    const outcome = await this.callAsTrialIfHalfOpen(trace);
    return {
      ...base,
      status: outcome.ok ? "up" : "down",
      state: this.state,
      status_code: outcome.statusCode,
      error: outcome.error,
      fallback: outcome.fallback,
      consecutive_failures: this.consecutiveFailures,
      latency_ms: Date.now() - started,
    };
  }

  /** One call through the breaker; while half-open, counted against half_open_max_calls. */
  private async callAsTrialIfHalfOpen(trace: TraceContext): Promise<ProbeOutcome> {
    const trials = this.trials;
    if (!trials) return this.fire(trace);
    if (trials.inFlight + trials.successes >= this.settings.halfOpenMaxCalls) {
      const error = `circuit half-open: ${this.settings.halfOpenMaxCalls} trial calls already admitted`;
      return { ok: false, shortCircuited: true, fallback: this.settings.fallbackEnabled || undefined, error };
    }
    trials.inFlight += 1;
    const outcome = await this.fire(trace);
    trials.inFlight -= 1;
    if (this.trials !== trials || outcome.shortCircuited) return outcome;
    if (!outcome.ok) {
      // One failed trial re-opens the breaker (opossum has already, when it was its own trial).
      this.trials = undefined;
      if (!this.breaker!.opened) this.breaker!.open();
      return outcome;
    }
    trials.successes += 1;
    if (trials.successes >= this.settings.halfOpenMaxCalls) {
      this.trials = undefined;
      this.transition("closed");
    }
    return outcome;
  }

  private async fire(trace: TraceContext): Promise<ProbeOutcome> {
    try {
      return await this.breaker!.fire(trace);
    } catch (err) {
      return failedOutcome(err);
    }
  }

  shutdown(): void {
    this.breaker?.shutdown();
  }

  private transition(state: BreakerStateName): void {
    this.metrics.setBreakerState(this.dependency.name, state);
    const fields = {
      dependency: this.dependency.name,
      breaker_state: state,
      consecutive_failures: this.consecutiveFailures,
      failure_threshold: this.settings.failureThreshold,
      reset_timeout_seconds: this.settings.resetTimeoutMs / 1000,
    };
    if (state === "open") this.logger.warn(`circuit breaker for ${this.dependency.name} opened`, fields);
    else this.logger.info(`circuit breaker for ${this.dependency.name} is ${state === "closed" ? "closed" : "half-open"}`, fields);
  }

  /**
   * One `GET <url>/health` with Node's http/https client (fetch refuses some ports and pools
   * connections; a probe wants neither), aborted after DEPENDENCY_TIMEOUT_MS.
   */
  private probe(url: string, trace: TraceContext): Promise<ProbeOutcome> {
    return new Promise<ProbeOutcome>((resolve, reject) => {
      const target = new URL(url);
      const client = target.protocol === "https:" ? https : http;
      const req = client.request(
        target,
        {
          method: "GET",
          agent: false,
          headers: {
            accept: "application/json",
            connection: "close",
            traceparent: formatTraceparent(trace.traceId, newSpanId(), trace.flags),
            "user-agent": `${this.serviceName}-readiness`,
          },
        },
        (res) => {
          res.resume(); // the body is not needed
          res.on("error", reject);
          res.on("end", () => {
            clearTimeout(timer);
            const status = res.statusCode ?? 0;
            if (status >= 200 && status <= 299) resolve({ ok: true, statusCode: status });
            else reject(new HealthCheckError(`GET /health answered ${status}`, status));
          });
        },
      );
      const timer = setTimeout(() => req.destroy(new ProbeTimeout(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      req.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end();
    });
  }
}
