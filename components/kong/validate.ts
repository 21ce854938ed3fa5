import { createPublicKey } from "crypto";
import { KongDeclarativeConfig } from "./declarative-config";

/**
 * The fields Kong 3.9's schemas accept for the plugins the gateway uses (kong/plugins/<name>/schema.lua),
 * with the values they constrain. Kong rejects a declarative config with an unknown field.
 */
const PLUGIN_FIELDS: Readonly<Record<string, readonly string[]>> = {
  "rate-limiting": [
    "second",
    "minute",
    "hour",
    "day",
    "month",
    "year",
    "limit_by",
    "header_name",
    "path",
    "policy",
    "fault_tolerant",
    "redis",
    "hide_client_headers",
    "error_code",
    "error_message",
    "sync_rate",
  ],
  prometheus: ["per_consumer", "status_code_metrics", "latency_metrics", "bandwidth_metrics", "upstream_health_metrics", "ai_metrics", "wasm_metrics"],
  cors: ["origins", "headers", "exposed_headers", "methods", "max_age", "credentials", "private_network", "preflight_continue"],
  jwt: [
    "uri_param_names",
    "cookie_names",
    "header_names",
    "key_claim_name",
    "secret_is_base64",
    "claims_to_verify",
    "anonymous",
    "run_on_preflight",
    "maximum_expiration",
    "realm",
  ],
};

const HTTP_METHODS = ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"];
const RATE_LIMIT_WINDOWS = ["second", "minute", "hour", "day", "month", "year"];
const JWT_ALGORITHMS = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"];
/** Kong's entity names: letters, digits and `-._~`. */
const NAME = /^[A-Za-z0-9.\-_~]+$/;

/**
 * Checks a generated declarative config against the rules Kong applies when it loads one, as far
 * as they can be checked offline: required fields, unique names, URL and path forms, plugin names
 * and fields, the constraints between plugin fields, and the credentials' keys. Returns the
 * problems found (none for a valid config).
 */
export function kongConfigProblems(config: KongDeclarativeConfig): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const unique = (kind: string, name: string) => {
    if (seen.has(`${kind}:${name}`)) problems.push(`${kind} name "${name}" is used twice`);
    seen.add(`${kind}:${name}`);
  };
  if (config._format_version !== "3.0") problems.push(`_format_version must be "3.0", not ${JSON.stringify(config._format_version)}`);
  for (const svc of config.services ?? []) {
    if (!svc.name || !NAME.test(svc.name)) problems.push(`service name ${JSON.stringify(svc.name)} is not a valid Kong name`);
    unique("service", svc.name);
    let url: URL | undefined;
    try {
      url = new URL(svc.url);
    } catch {
      problems.push(`service ${svc.name}: url ${JSON.stringify(svc.url)} is not a URL`);
    }
    if (url && !["http:", "https:"].includes(url.protocol)) problems.push(`service ${svc.name}: protocol ${url.protocol} is not http or https`);
    if (url && !url.port) problems.push(`service ${svc.name}: url has no explicit port`);
    if ((svc.routes ?? []).length === 0) problems.push(`service ${svc.name} has no route`);
    for (const route of svc.routes ?? []) {
      if (!route.name || !NAME.test(route.name)) problems.push(`route name ${JSON.stringify(route.name)} is not a valid Kong name`);
      unique("route", route.name);
      if ((route.paths ?? []).length === 0) problems.push(`route ${route.name} has no path`);
      for (const path of route.paths ?? []) {
        if (!path.startsWith("/") || /\/\/|\s/.test(path)) problems.push(`route ${route.name}: path ${JSON.stringify(path)} is not a normalized path`);
      }
      for (const method of route.methods ?? []) {
        if (!HTTP_METHODS.includes(method)) problems.push(`route ${route.name}: method ${method} is not an HTTP method`);
      }
      if (new Set(route.methods).size !== (route.methods ?? []).length) problems.push(`route ${route.name}: methods repeat`);
      for (const protocol of route.protocols ?? []) {
        if (!["http", "https"].includes(protocol)) problems.push(`route ${route.name}: protocol ${protocol} does not fit an HTTP service`);
      }
    }
  }
  const pluginNames = new Set<string>();
  for (const plugin of config.plugins ?? []) {
    const fields = PLUGIN_FIELDS[plugin.name];
    if (!fields) {
      problems.push(`plugin ${plugin.name} is not one this gateway validates`);
      continue;
    }
    if (pluginNames.has(plugin.name)) problems.push(`plugin ${plugin.name} is configured twice globally`);
    pluginNames.add(plugin.name);
    for (const field of Object.keys(plugin.config ?? {})) {
      if (!fields.includes(field)) problems.push(`plugin ${plugin.name}: unknown field ${field}`);
    }
    const c = plugin.config as Record<string, unknown>;
    if (plugin.name === "rate-limiting") {
      const windows = RATE_LIMIT_WINDOWS.filter((w) => c[w] !== undefined);
      if (windows.length === 0) problems.push("plugin rate-limiting: at least one of second/minute/hour/day/month/year is required");
      for (const w of windows) if (!(typeof c[w] === "number" && (c[w] as number) > 0)) problems.push(`plugin rate-limiting: ${w} must be a positive number`);
      for (let i = 1; i < windows.length; i++) {
        if ((c[windows[i]] as number) < (c[windows[i - 1]] as number)) problems.push(`plugin rate-limiting: ${windows[i]} must be at least ${windows[i - 1]}`);
      }
      if (!["local", "cluster", "redis"].includes((c.policy as string | undefined) ?? "local"))
        problems.push(`plugin rate-limiting: policy ${JSON.stringify(c.policy)} is not local, cluster or redis`);
      if (c.policy === "cluster") problems.push("plugin rate-limiting: policy cluster needs a database (DB-less Kong has none)");
      if (!["consumer", "credential", "ip", "service", "header", "path", "consumer-group"].includes((c.limit_by as string | undefined) ?? "consumer")) {
        problems.push(`plugin rate-limiting: limit_by ${JSON.stringify(c.limit_by)} is not a Kong choice`);
      }
    }
    if (plugin.name === "cors") {
      const origins = (c.origins ?? []) as string[];
      if (origins.includes("*") && c.credentials === true) problems.push("plugin cors: credentials cannot be combined with origin *");
      for (const origin of origins) {
        if (origin !== "*" && !/^https?:\/\/[^/\s]+$/.test(origin)) problems.push(`plugin cors: origin ${origin} is not scheme://host[:port]`);
      }
      for (const method of (c.methods ?? []) as string[])
        if (!HTTP_METHODS.includes(method)) problems.push(`plugin cors: method ${method} is not an HTTP method`);
    }
    if (plugin.name === "jwt") {
      const claims = (c.claims_to_verify ?? []) as string[];
      for (const claim of claims) if (!["exp", "nbf"].includes(claim)) problems.push(`plugin jwt: claims_to_verify accepts exp and nbf, not ${claim}`);
      if (c.maximum_expiration !== undefined && !claims.includes("exp")) problems.push("plugin jwt: maximum_expiration needs exp in claims_to_verify");
      if (c.maximum_expiration !== undefined && !(Number(c.maximum_expiration) >= 0 && Number(c.maximum_expiration) <= 31536000)) {
        problems.push("plugin jwt: maximum_expiration must be between 0 and 31536000");
      }
    }
  }
  for (const consumer of config.consumers ?? []) {
    if (!consumer.username) problems.push("a consumer needs a username or custom_id");
    unique("consumer", consumer.username);
    for (const secret of consumer.jwt_secrets ?? []) {
      unique("jwt_secret", secret.key);
      if (!JWT_ALGORITHMS.includes(secret.algorithm)) problems.push(`jwt_secret ${secret.key}: algorithm ${secret.algorithm} is not supported`);
      if (/^(RS|PS|ES)/.test(secret.algorithm) || secret.algorithm === "EdDSA") {
        if (!secret.rsa_public_key) {
          problems.push(`jwt_secret ${secret.key}: ${secret.algorithm} needs rsa_public_key`);
        } else {
          try {
            createPublicKey(secret.rsa_public_key);
          } catch (error) {
            problems.push(`jwt_secret ${secret.key}: rsa_public_key is not a PEM public key (${(error as Error).message})`);
          }
        }
      }
    }
  }
  return problems;
}
