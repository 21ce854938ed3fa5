import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { ExporterSettings, exporterSettings } from "./tracing";

/**
 * The circuit breaker every dependency gets when service_config.json has no `circuit_breaker`
 * block: chaos_engineering/resilience_patterns.json's `patterns.circuit_breaker`
 * (failure_threshold 5, timeout 60 s, half_open_max_calls 3). That document says nothing about
 * fallbacks, so none.
 */
export const RESILIENCE_DEFAULTS = { failure_threshold: 5, timeout: 60, half_open_max_calls: 3, fallback_enabled: false } as const;

export const DEFAULT_CONFIG_DIR = "/etc/microservice";

export interface CircuitBreakerSettings {
  /** Consecutive failed calls that open the breaker. */
  readonly failureThreshold: number;
  /** How long the breaker stays open before it goes half-open. */
  readonly resetTimeoutMs: number;
  /** Trial calls a half-open breaker admits; all must succeed to close it, one failure re-opens it. */
  readonly halfOpenMaxCalls: number;
  readonly fallbackEnabled: boolean;
  /** Where the values came from, reported by /ready. */
  readonly source: "service_config" | "resilience_defaults";
}

export interface Dependency {
  /** Spec name, e.g. `auth_service`. */
  readonly name: string;
  /** `AUTH_SERVICE_URL`. */
  readonly envVar: string;
  /** Base URL without a trailing slash, or undefined when the variable is missing or invalid. */
  readonly url?: string;
  /** Why `url` is undefined. */
  readonly problem?: string;
}

/** One collection of the service's JSON resource API (`/users`, `/users/{id}`). */
export interface ResourceSpec {
  readonly name: string;
  /** Methods served on `/<name>`, upper case. */
  readonly collectionMethods: readonly string[];
  /** Methods served on `/<name>/{param}`, upper case. */
  readonly itemMethods: readonly string[];
  /** Status code of a successful POST (201 unless the API definition says otherwise). */
  readonly createStatus: number;
  readonly source: "api_definition" | "default";
}

export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";

export interface RuntimeConfig {
  readonly serviceName: string;
  readonly serviceVersion: string;
  readonly port: number;
  /** Undefined: listen on every address (IPv6 and IPv4). */
  readonly host?: string;
  readonly configDir: string;
  readonly dependencies: readonly Dependency[];
  readonly circuitBreaker: CircuitBreakerSettings;
  readonly logLevel: LogLevel;
  /** service_config.json's `database`, the label of database_connections_active. */
  readonly database?: string;
  readonly resources: readonly ResourceSpec[];
  readonly dependencyTimeoutMs: number;
  /**
   * READY_REQUIRES_DEPENDENCIES (default false): /ready reflects the pod's own state and answers 200 "degraded"
   * when dependencies are down; true makes it 503 then (one service down would take its callers out of their
   * endpoints, and theirs: a readiness cascade).
   */
  readonly readyRequiresDependencies: boolean;
  readonly shutdownDelayMs: number;
  readonly shutdownTimeoutMs: number;
  /** Where server spans are exported (OTLP/HTTP JSON), when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  readonly tracing?: ExporterSettings;
  /** Which optional backing-service URLs are set (values are never kept: they hold passwords). */
  readonly backingServices: Readonly<Record<string, boolean>>;
  /** Problems that did not stop the runtime (logged at startup). */
  readonly warnings: readonly string[];
}

export class ConfigError extends Error {}

/** `auth_service` → `AUTH_SERVICE_URL`, the docker_compose naming. */
export function dependencyEnvVar(dependency: string): string {
  return `${dependency.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_URL`;
}

/** The resource each spec service serves when it has no api_definition.yaml. */
export const DEFAULT_RESOURCES: Readonly<Record<string, string>> = {
  user_service: "users",
  order_service: "orders",
  payment_service: "payments",
  inventory_service: "inventory",
  notification_service: "notifications",
  email_service: "emails",
  analytics_service: "events",
  auth_service: "sessions",
};

const LOG_LEVEL_ALIASES: Readonly<Record<string, LogLevel>> = {
  TRACE: "DEBUG",
  DEBUG: "DEBUG",
  INFO: "INFO",
  WARN: "WARN",
  WARNING: "WARN",
  ERROR: "ERROR",
  FATAL: "ERROR",
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function positiveNumber(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`${what} must be a positive number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function integerEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function booleanEnv(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (raw === "true" || raw === "1" || raw === "yes") return true;
  if (raw === "false" || raw === "0" || raw === "no") return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(env[name])}`);
}

/** Parses a dependency URL; userinfo is rejected so that URLs are always safe to log. */
function dependencyUrl(name: string, envVar: string, raw: string | undefined): Dependency {
  if (raw === undefined || raw.trim() === "") {
    return { name, envVar, problem: `${envVar} is not set` };
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { name, envVar, problem: `${envVar} is not a valid URL` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { name, envVar, problem: `${envVar} must be an http(s) URL` };
  }
  if (url.username !== "" || url.password !== "") {
    return { name, envVar, problem: `${envVar} must not contain credentials` };
  }
  return { name, envVar, url: `${url.origin}${url.pathname}`.replace(/\/+$/, "") };
}

function circuitBreakerSettings(raw: unknown): CircuitBreakerSettings {
  if (raw === undefined || raw === null) {
    return {
      failureThreshold: RESILIENCE_DEFAULTS.failure_threshold,
      resetTimeoutMs: RESILIENCE_DEFAULTS.timeout * 1000,
      halfOpenMaxCalls: RESILIENCE_DEFAULTS.half_open_max_calls,
      fallbackEnabled: RESILIENCE_DEFAULTS.fallback_enabled,
      source: "resilience_defaults",
    };
  }
  if (!isRecord(raw)) throw new ConfigError("service_config.json: circuit_breaker must be an object");
  const threshold = raw.failure_threshold ?? RESILIENCE_DEFAULTS.failure_threshold;
  if (typeof threshold !== "number" || !Number.isInteger(threshold) || threshold < 1) {
    throw new ConfigError(`service_config.json: circuit_breaker.failure_threshold must be an integer >= 1, got ${JSON.stringify(threshold)}`);
  }
  const timeout = positiveNumber(raw.timeout ?? RESILIENCE_DEFAULTS.timeout, "service_config.json: circuit_breaker.timeout (seconds)");
  const trials = raw.half_open_max_calls ?? RESILIENCE_DEFAULTS.half_open_max_calls;
  if (typeof trials !== "number" || !Number.isInteger(trials) || trials < 1) {
    throw new ConfigError(`service_config.json: circuit_breaker.half_open_max_calls must be an integer >= 1, got ${JSON.stringify(trials)}`);
  }
  const fallback = raw.fallback_enabled ?? RESILIENCE_DEFAULTS.fallback_enabled;
  if (typeof fallback !== "boolean") throw new ConfigError("service_config.json: circuit_breaker.fallback_enabled must be a boolean");
  return {
    failureThreshold: threshold,
    resetTimeoutMs: Math.round(timeout * 1000),
    halfOpenMaxCalls: trials,
    fallbackEnabled: fallback,
    source: "service_config",
  };
}

const HTTP_METHODS = ["get", "post", "put", "delete"];

/**
 * Reads the resources of an OpenAPI document (api_definition.yaml): `/<name>` and `/<name>/{param}`
 * paths with get/post/put/delete operations. Other shapes are reported as warnings and skipped.
 */
export function resourcesFromApiDefinition(document: unknown, warnings: string[]): ResourceSpec[] {
  if (!isRecord(document) || !isRecord(document.paths)) {
    throw new ConfigError("api_definition.yaml has no `paths` object");
  }
  const byName = new Map<string, { collection: string[]; item: string[]; createStatus: number }>();
  const entry = (name: string) => {
    let found = byName.get(name);
    if (!found) {
      found = { collection: [], item: [], createStatus: 201 };
      byName.set(name, found);
    }
    return found;
  };
  for (const [pathKey, operations] of Object.entries(document.paths)) {
    const collection = /^\/([A-Za-z0-9_-]+)$/.exec(pathKey);
    const item = /^\/([A-Za-z0-9_-]+)\/\{[A-Za-z0-9_]+\}$/.exec(pathKey);
    if ((!collection && !item) || !isRecord(operations)) {
      warnings.push(`api_definition.yaml: path ${pathKey} is not a /<resource> or /<resource>/{id} path; not served`);
      continue;
    }
    const resource = entry((collection ?? item)![1]);
    for (const [method, operation] of Object.entries(operations)) {
      if (!HTTP_METHODS.includes(method)) {
        if (method !== "parameters" && method !== "summary" && method !== "description") {
          warnings.push(`api_definition.yaml: ${method.toUpperCase()} ${pathKey} is not supported; not served`);
        }
        continue;
      }
      if (collection && (method === "put" || method === "delete")) {
        warnings.push(`api_definition.yaml: ${method.toUpperCase()} ${pathKey} is not supported on a collection; not served`);
        continue;
      }
      if (item && method === "post") {
        warnings.push(`api_definition.yaml: POST ${pathKey} is not supported on an item; not served`);
        continue;
      }
      (collection ? resource.collection : resource.item).push(method.toUpperCase());
      if (collection && method === "post" && isRecord(operation) && isRecord(operation.responses)) {
        const success = Object.keys(operation.responses)
          .map(Number)
          .find((code) => code >= 200 && code < 300);
        if (success !== undefined) resource.createStatus = success;
      }
    }
  }
  return [...byName.entries()].map(([name, r]) => ({
    name,
    collectionMethods: r.collection,
    itemMethods: r.item,
    createStatus: r.createStatus,
    source: "api_definition" as const,
  }));
}

function defaultResource(serviceName: string): ResourceSpec {
  const name = DEFAULT_RESOURCES[serviceName] ?? serviceName.replace(/_service$/, "").replace(/[^A-Za-z0-9-]/g, "-");
  return { name, collectionMethods: ["GET", "POST"], itemMethods: ["GET"], createStatus: 201, source: "default" };
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Builds the runtime's configuration from the mounted config directory and the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const warnings: string[] = [];
  const configDir = env.CONFIG_DIR && env.CONFIG_DIR.trim() !== "" ? env.CONFIG_DIR : DEFAULT_CONFIG_DIR;
  const serviceConfig = readJson(path.join(configDir, "service_config.json"));
  if (!isRecord(serviceConfig)) throw new ConfigError("service_config.json must be a JSON object");

  const configuredName = serviceConfig.service_name;
  if (typeof configuredName !== "string" || configuredName === "") {
    throw new ConfigError("service_config.json: service_name must be a non-empty string");
  }
  const serviceName = env.SERVICE_NAME && env.SERVICE_NAME.trim() !== "" ? env.SERVICE_NAME.trim() : configuredName;
  if (serviceName !== configuredName) {
    warnings.push(`SERVICE_NAME=${serviceName} differs from service_config.json's service_name ${configuredName}; using SERVICE_NAME`);
  }

  let port: number;
  if (env.PORT !== undefined && env.PORT.trim() !== "") {
    port = integerEnv(env, "PORT", 0, 0);
    if (port > 65535) throw new ConfigError(`PORT must be <= 65535, got ${port}`);
  } else {
    const configured = serviceConfig.port;
    if (typeof configured !== "number" || !Number.isInteger(configured) || configured < 1 || configured > 65535) {
      throw new ConfigError(`service_config.json: port must be an integer in 1..65535, got ${JSON.stringify(configured)}`);
    }
    port = configured;
  }

  const rawDependencies = serviceConfig.dependencies ?? [];
  if (!Array.isArray(rawDependencies) || !rawDependencies.every((d) => typeof d === "string" && d !== "")) {
    throw new ConfigError("service_config.json: dependencies must be an array of service names");
  }
  const dependencies = [...new Set(rawDependencies as string[])].map((name) => {
    const envVar = dependencyEnvVar(name);
    return dependencyUrl(name, envVar, env[envVar]);
  });
  for (const dependency of dependencies) {
    if (dependency.problem) warnings.push(`dependency ${dependency.name}: ${dependency.problem}; it will be reported as down by /ready`);
  }

  const rawLevel = (env.LOG_LEVEL ?? "").trim().toUpperCase();
  let logLevel: LogLevel = "INFO";
  if (rawLevel !== "") {
    const known = LOG_LEVEL_ALIASES[rawLevel];
    if (known) logLevel = known;
    else warnings.push(`LOG_LEVEL=${env.LOG_LEVEL} is not one of DEBUG, INFO, WARN, ERROR; using INFO`);
  }

  let resources: ResourceSpec[] = [];
  const definitionFile = path.join(configDir, "api_definition.yaml");
  if (fs.existsSync(definitionFile)) {
    let document: unknown;
    try {
      document = parseYaml(fs.readFileSync(definitionFile, "utf8"));
    } catch (err) {
      throw new ConfigError(`api_definition.yaml is not valid YAML: ${(err as Error).message}`);
    }
    resources = resourcesFromApiDefinition(document, warnings);
  }
  if (resources.length === 0) resources = [defaultResource(serviceName)];

  const database = typeof serviceConfig.database === "string" && serviceConfig.database !== "" ? serviceConfig.database : undefined;
  const serviceVersion = env.SERVICE_VERSION && env.SERVICE_VERSION.trim() !== "" ? env.SERVICE_VERSION.trim() : "unknown";

  return {
    serviceName,
    serviceVersion,
    port,
    host: env.HOST && env.HOST.trim() !== "" ? env.HOST.trim() : undefined,
    configDir,
    dependencies,
    circuitBreaker: circuitBreakerSettings(serviceConfig.circuit_breaker),
    logLevel,
    database,
    resources,
    dependencyTimeoutMs: integerEnv(env, "DEPENDENCY_TIMEOUT_MS", 800, 1),
    readyRequiresDependencies: booleanEnv(env, "READY_REQUIRES_DEPENDENCIES", false),
    shutdownDelayMs: integerEnv(env, "SHUTDOWN_DELAY_MS", 0, 0),
    shutdownTimeoutMs: integerEnv(env, "SHUTDOWN_TIMEOUT_MS", 10000, 1),
    tracing: exporterSettings(env, serviceName, serviceVersion, warnings),
    backingServices: {
      database_url: Boolean(env.DATABASE_URL),
      redis_url: Boolean(env.REDIS_URL),
      eventstore_url: Boolean(env.EVENTSTORE_URL),
    },
    warnings,
  };
}
