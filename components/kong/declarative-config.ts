import { GATEWAY, ServiceEntry, kubernetesName, service } from "../../catalog";
import { routeName } from "./spec-documents";

/** One entry of `services:` in Kong's declarative config (DB-less), with its routes nested. */
export interface KongService {
  readonly name: string;
  readonly url: string;
  readonly routes: readonly KongRoute[];
}

export interface KongRoute {
  readonly name: string;
  readonly paths: readonly string[];
  readonly methods: readonly string[];
  readonly protocols: readonly string[];
  readonly strip_path: boolean;
  readonly preserve_host: boolean;
  /** What Kong answers a plain-HTTP request to an HTTPS-only route with (a redirect when HTTP is redirected). */
  readonly https_redirect_status_code?: number;
}

export interface KongPlugin {
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
}

export interface KongJwtSecret {
  readonly key: string;
  readonly algorithm: string;
  readonly rsa_public_key?: string;
}

export interface KongConsumer {
  readonly username: string;
  readonly jwt_secrets?: readonly KongJwtSecret[];
}

/** Kong's declarative configuration (`kong.yml`), format 3.0. */
export interface KongDeclarativeConfig {
  readonly _format_version: string;
  readonly _transform: boolean;
  readonly services: readonly KongService[];
  readonly plugins: readonly KongPlugin[];
  readonly consumers: readonly KongConsumer[];
}

export interface KongConfigInput {
  /** Namespace of the services Kong routes to. */
  readonly namespace: string;
  readonly services: readonly ServiceEntry[];
  /** PEM of the auth service's RS256 signing key (public half); without it no token verifies. */
  readonly jwtPublicKey?: string;
  /** Kong serves the API over TLS: routes take HTTPS only; with `httpRedirect`, HTTP gets a 308 to HTTPS. */
  readonly tls?: { readonly httpRedirect: boolean };
}

/** The in-cluster URL of a service's Kubernetes Service: `http://user-service.<ns>.svc.cluster.local:8001`. */
export function serviceUrl(specName: string, namespace: string, services: readonly ServiceEntry[]): string {
  return `http://${kubernetesName(specName)}.${namespace}.svc.cluster.local:${service(specName, services).port}`;
}

/** Preflight requests must match a route for the `cors` plugin to answer them. */
const PREFLIGHT = "OPTIONS";

/**
 * The declarative configuration Kong runs with, generated from the gateway catalog: the spec's
 * routes pointed at the real Service FQDNs, the spec's global rate limit and CORS origins, and
 * JWT verification of the tokens the auth service issues.
 *
 * Choices beyond the spec's gateway_config.yaml:
 * - routes keep their path (`strip_path: false`): the services serve `/api/<resource>` as well as
 *   `/<resource>`, and a stripped `/api/users/metrics` would reach the service's `/metrics`;
 * - routes accept OPTIONS besides the spec's methods, so that CORS preflights reach the plugin;
 * - with TLS (`kong.tls`) routes take HTTPS only; a plain-HTTP request, where Kong listens for one at
 *   all (`kong.httpRedirect`), is redirected (308, which keeps the method and body);
 * - rate limits count per client IP (`limit_by: ip`): every verified token maps to the single
 *   issuer consumer, so counting per consumer would make the limit global; `policy: local`
 *   counts per Kong pod;
 * - the `jwt` plugin verifies RS256 tokens whose `iss` is the auth service against the consumer
 *   credential holding its public key, requires `exp` and caps token lifetime at the auth
 *   service's `jwt_expiry`; tokens are read from the Authorization header only (never from query
 *   strings, which end up in access logs). Kong OSS does not check `aud`.
 */
export function kongDeclarativeConfig(input: KongConfigInput): KongDeclarativeConfig {
  const auth = GATEWAY.authService;
  const known = (name: string) => input.services.some((s) => s.config.service_name === name);
  // A stack composed of other services (a benchmark) gets the routes of those it has.
  const routes = GATEWAY.routes.filter((route) => known(route.service));
  const methods = [...new Set([...routes.flatMap((r) => r.methods), PREFLIGHT])];
  const jwtExpiry = known(auth) ? service(auth, input.services).security?.jwt_expiry : undefined;
  return {
    _format_version: GATEWAY.configVersion,
    _transform: true,
    services: routes.map((route) => ({
      name: kubernetesName(route.service),
      url: serviceUrl(route.service, input.namespace, input.services),
      routes: [
        {
          name: routeName(route.service),
          paths: [route.path],
          methods: [...new Set([...route.methods, PREFLIGHT])],
          protocols: input.tls ? ["https"] : ["http", "https"],
          strip_path: false,
          preserve_host: false,
          ...(input.tls?.httpRedirect ? { https_redirect_status_code: 308 } : {}),
        },
      ],
    })),
    plugins: [
      {
        // Served on the status listener's /metrics (not the proxy's): requests by service and status, latencies.
        name: "prometheus",
        config: { per_consumer: false, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true },
      },
      {
        name: "rate-limiting",
        config: {
          minute: GATEWAY.rateLimit.minute,
          hour: GATEWAY.rateLimit.hour,
          policy: "local",
          limit_by: "ip",
          fault_tolerant: true,
        },
      },
      {
        name: "cors",
        config: {
          origins: [...GATEWAY.corsOrigins],
          methods,
          headers: ["Accept", "Authorization", "Content-Type"],
          exposed_headers: ["X-RateLimit-Limit-Minute", "X-RateLimit-Remaining-Minute"],
          // Tokens travel in the Authorization header: browsers need not send cookies.
          credentials: false,
          max_age: 3600,
          preflight_continue: false,
        },
      },
      {
        name: "jwt",
        config: {
          key_claim_name: "iss",
          claims_to_verify: ["exp"],
          ...(typeof jwtExpiry === "number" ? { maximum_expiration: jwtExpiry } : {}),
          header_names: ["authorization"],
          uri_param_names: [],
          cookie_names: [],
          secret_is_base64: false,
          run_on_preflight: false,
        },
      },
    ],
    consumers: [
      {
        username: auth,
        ...(input.jwtPublicKey ? { jwt_secrets: [{ key: auth, algorithm: GATEWAY.jwt.algorithm, rsa_public_key: input.jwtPublicKey }] } : {}),
      },
    ],
  };
}
