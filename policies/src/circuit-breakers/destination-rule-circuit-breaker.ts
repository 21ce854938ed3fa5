import { formatDuration, parseDuration } from "../lib/durations";
import { Props, describe } from "../lib/k8s";
import { isDestinationRule, trafficPolicies } from "../lib/istio";
import { MANDATORY, resourcePolicy } from "../lib/policy";

export interface BreakerSettings {
  minConsecutiveErrors: number;
  maxConsecutiveErrors: number;
  minBaseEjectionTime: string;
  maxEjectionPercent: number;
  maxConnectionsLimit: number;
  maxPendingRequestsLimit: number;
}

/** Istio's defaults for the fields a rule may leave unset (outlier detection). */
export const ISTIO_DEFAULTS = { baseEjectionTime: "30s", maxEjectionPercent: 10 };

const OUTLIER_FIX = "outlierDetection (consecutive5xxErrors or consecutiveGatewayErrors, interval, baseEjectionTime, maxEjectionPercent)";
const POOL_FIX = "connectionPool (tcp.maxConnections, http.http1MaxPendingRequests)";

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/** The violations of one outlierDetection block, each a one-line message without the rule's name. */
export function outlierDetectionProblems(od: Props, path: string, s: BreakerSettings): string[] {
  const problems: string[] = [];
  const range = `${s.minConsecutiveErrors}–${s.maxConsecutiveErrors}`;
  if (od.consecutiveErrors !== undefined) {
    problems.push(
      `${path}.consecutiveErrors is deprecated (it counts 502-504 only): use ${path}.consecutive5xxErrors (or consecutiveGatewayErrors) between ${range} instead.`,
    );
  }
  const e5 = od.consecutive5xxErrors;
  const eg = od.consecutiveGatewayErrors;
  for (const [field, value] of [
    ["consecutive5xxErrors", e5],
    ["consecutiveGatewayErrors", eg],
  ] as const) {
    if (value === undefined || value === 0) continue;
    if (!isCount(value) || value < s.minConsecutiveErrors || value > s.maxConsecutiveErrors) {
      problems.push(`${path}.${field} is ${JSON.stringify(value)}, outside ${range}: set it between ${s.minConsecutiveErrors} and ${s.maxConsecutiveErrors}.`);
    }
  }
  if (e5 === undefined && eg === undefined && od.consecutiveErrors === undefined) {
    problems.push(
      `${path} sets neither consecutive5xxErrors nor consecutiveGatewayErrors, so ejection rests on Envoy's implicit default: set ${path}.consecutive5xxErrors between ${range}.`,
    );
  } else if (!(isCount(e5) && e5 > 0) && !(isCount(eg) && eg > 0) && od.consecutiveErrors === undefined) {
    problems.push(
      `${path}: consecutive5xxErrors and consecutiveGatewayErrors are both 0 or unset, so no host is ever ejected: set ${path}.consecutive5xxErrors between ${range}.`,
    );
  }
  if (isCount(e5) && isCount(eg) && e5 > 0 && eg > 0 && eg >= e5) {
    problems.push(
      `${path}.consecutiveGatewayErrors ${eg} is not below consecutive5xxErrors ${e5} (gateway errors are 5xx errors, so it never trips first): set consecutiveGatewayErrors below ${e5}.`,
    );
  }
  const minEjection = parseDuration(s.minBaseEjectionTime) ?? 10_000;
  if (od.baseEjectionTime !== undefined) {
    const ms = parseDuration(od.baseEjectionTime);
    if (ms === undefined) {
      problems.push(`${path}.baseEjectionTime ${JSON.stringify(od.baseEjectionTime)} is not a duration: write it like 30s or 1m.`);
    } else if (ms < minEjection) {
      problems.push(
        `${path}.baseEjectionTime is ${od.baseEjectionTime}, below ${formatDuration(minEjection)}, so ejected hosts return before they recover: set it to ${formatDuration(minEjection)} or more.`,
      );
    }
  } else if ((parseDuration(ISTIO_DEFAULTS.baseEjectionTime) ?? 0) < minEjection) {
    problems.push(
      `${path}.baseEjectionTime is unset (Istio's default ${ISTIO_DEFAULTS.baseEjectionTime} is below ${formatDuration(minEjection)}): set it to ${formatDuration(minEjection)} or more.`,
    );
  }
  if (od.interval !== undefined && parseDuration(od.interval) === undefined) {
    problems.push(`${path}.interval ${JSON.stringify(od.interval)} is not a duration: write it like 10s or 30s.`);
  }
  // Unset, Istio ejects at most 10% of the hosts: within any bound of 10% or more.
  const percent = od.maxEjectionPercent ?? ISTIO_DEFAULTS.maxEjectionPercent;
  if (!isCount(percent) || percent > s.maxEjectionPercent) {
    problems.push(
      `${path}.maxEjectionPercent is ${JSON.stringify(od.maxEjectionPercent)}, above ${s.maxEjectionPercent}, so an outage can eject most of the pool: set it to ${s.maxEjectionPercent} or less.`,
    );
  } else if (percent === 0) {
    problems.push(`${path}.maxEjectionPercent is 0, so no host can ever be ejected: set it between 1 and ${s.maxEjectionPercent}.`);
  }
  return problems;
}

/** The violations of one connectionPool block. */
export function connectionPoolProblems(pool: Props, path: string, s: BreakerSettings): string[] {
  const problems: string[] = [];
  const bounded = (field: string, value: unknown, limit: number) => {
    if (value === undefined) {
      problems.push(`${path}.${field} is unset, so the pool is unbounded: set it between 1 and ${limit}.`);
    } else if (!isCount(value) || value < 1 || value > limit) {
      problems.push(`${path}.${field} is ${JSON.stringify(value)}, outside 1–${limit}: set it between 1 and ${limit}.`);
    }
  };
  bounded("tcp.maxConnections", pool.tcp?.maxConnections, s.maxConnectionsLimit);
  bounded("http.http1MaxPendingRequests", pool.http?.http1MaxPendingRequests, s.maxPendingRequestsLimit);
  return problems;
}

/**
 * Circuit breakers: every DestinationRule breaks circuits the way Istio can — outlier detection
 * that actually ejects (thresholds, ejection time and share within bounds) and a bounded
 * connection pool — at the rule's level, and within bounds wherever a subset or port overrides
 * them. A `circuitBreaker` block (the spec's) is no Istio field and is named with its replacement.
 */
export const destinationRuleCircuitBreaker = resourcePolicy<BreakerSettings>(
  {
    name: "destination-rule-circuit-breaker",
    description: "Every DestinationRule sets outlier detection that ejects within bounds and a bounded connection pool.",
    enforcementLevel: MANDATORY,
    severity: "high",
    configSchema: {
      properties: {
        minConsecutiveErrors: { type: "integer", minimum: 1, default: 1, description: "Lowest consecutive5xxErrors / consecutiveGatewayErrors allowed." },
        maxConsecutiveErrors: { type: "integer", minimum: 1, default: 10, description: "Highest consecutive5xxErrors / consecutiveGatewayErrors allowed." },
        minBaseEjectionTime: { type: "string", default: "10s", description: "Shortest baseEjectionTime allowed (a duration: 10s, 1m, 500ms)." },
        maxEjectionPercent: {
          type: "integer",
          minimum: 1,
          maximum: 100,
          default: 50,
          description: "Highest maxEjectionPercent allowed; unset counts as Istio's default 10.",
        },
        maxConnectionsLimit: { type: "integer", minimum: 1, default: 1024, description: "Highest connectionPool.tcp.maxConnections allowed." },
        maxPendingRequestsLimit: { type: "integer", minimum: 1, default: 1024, description: "Highest connectionPool.http.http1MaxPendingRequests allowed." },
      },
    },
  },
  isDestinationRule,
  (props, settings, report) => {
    const what = `${describe(props, "DestinationRule")} (host ${props.spec?.host ?? "unset"})`;
    if (props.spec?.hosts !== undefined && props.spec?.host === undefined) {
      report(
        `${describe(props, "DestinationRule")}: spec.hosts is not a DestinationRule field (a rule has one spec.host): write one DestinationRule per host with spec.host.`,
      );
    }
    const top = props.spec?.trafficPolicy;
    if (!top || typeof top !== "object") {
      report(`${what}: spec.trafficPolicy is unset, so nothing breaks circuits: set spec.trafficPolicy.${OUTLIER_FIX} and spec.trafficPolicy.${POOL_FIX}.`);
    } else {
      if (!top.outlierDetection)
        report(`${what}: spec.trafficPolicy.outlierDetection is unset, so failing hosts are never ejected: set spec.trafficPolicy.${OUTLIER_FIX}.`);
      if (!top.connectionPool)
        report(`${what}: spec.trafficPolicy.connectionPool is unset, so requests queue without bound: set spec.trafficPolicy.${POOL_FIX}.`);
    }
    for (const { policy, path } of trafficPolicies(props)) {
      if (policy.circuitBreaker !== undefined) {
        report(
          `${what}: ${path}.circuitBreaker is not an Istio field (the API server rejects or prunes it, so it breaks nothing): express it as ${path}.${OUTLIER_FIX} plus ${path}.${POOL_FIX}.`,
        );
      }
      if (policy.outlierDetection)
        for (const p of outlierDetectionProblems(policy.outlierDetection, `${path}.outlierDetection`, settings)) report(`${what}: ${p}`);
      if (policy.connectionPool) for (const p of connectionPoolProblems(policy.connectionPool, `${path}.connectionPool`, settings)) report(`${what}: ${p}`);
    }
  },
);
