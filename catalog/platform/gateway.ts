import { DocumentValue } from "../documents";

/** A route Kong exposes, with the permissions the gateway's authorization asks for it. */
export interface GatewayRoute {
  readonly service: string;
  readonly path: string;
  readonly methods: readonly string[];
  readonly permissions: readonly string[];
}

/** Requests and limits of one container (Kubernetes quantities). */
export interface ContainerResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** How a platform workload is sized in one environment. */
export interface PlatformSizing {
  readonly replicas: number;
  readonly resources: ContainerResources;
}

/** Kong, the API gateway: routes, plugins and the gateway's fixed policy documents. */
export const GATEWAY = {
  /** Namespace Kong runs in (callers' policies allow traffic from it). */
  namespace: "kong",
  /** Kong's ServiceAccount: the identity meshed services accept gateway traffic from. */
  serviceAccount: "kong",
  /** Kong's proxy listener for plain HTTP inside the pod (port 80 on its Service with TLS, else this port). */
  proxyPort: 8000,
  /** Kong's HTTPS proxy listener inside the pod (port 443 on its Service), with `kong.tls`. */
  proxyTlsPort: 8443,
  /** The proxy's Service (in `namespace`). */
  proxyService: "kong-proxy",
  /** Kong's status listener (`/status`, `/status/ready`): probes only, never on a Service. */
  statusPort: 8100,
  /** The status listener's container port: health, and the Prometheus plugin's /metrics. */
  statusPortName: "status",
  /** The proxy's node port on dev: `scripts/kind-up.sh` maps host port 8080 to it. */
  devNodePort: 30080,
  /** The official DB-less capable image, pinned: 3.9 is the open-source line Kong still maintains. */
  image: "kong:3.9.3",
  /** One nginx worker per CPU the pod may use; `auto` would start one per host CPU. */
  sizing: {
    dev: {
      replicas: 1,
      nginxWorkers: 1,
      resources: { requests: { cpu: "50m", memory: "160Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    },
    prod: {
      replicas: 2,
      nginxWorkers: 2,
      resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "1Gi" } },
    },
  } satisfies Record<"dev" | "prod", PlatformSizing & { readonly nginxWorkers: number }>,
  /** `_format_version` of the spec's gateway_config.yaml. */
  configVersion: "3.0",
  host: "api.microservices.local",
  routes: [
    { service: "user_service", path: "/api/users", methods: ["GET", "POST", "PUT", "DELETE"], permissions: ["user:read", "user:write"] },
    { service: "order_service", path: "/api/orders", methods: ["GET", "POST"], permissions: ["order:read", "order:write"] },
    { service: "payment_service", path: "/api/payments", methods: ["POST"], permissions: ["payment:write"] },
  ] as readonly GatewayRoute[],
  rateLimit: { minute: 100, hour: 1000 },
  corsOrigins: ["http://localhost:3000", "https://app.example.com"] as readonly string[],
  /** The service that issues the JWTs Kong verifies. */
  authService: "auth_service",
  jwt: { audience: "microservices", algorithm: "RS256" },
  oauthScopes: ["read", "write", "admin"] as readonly string[],
  rbacPolicyFile: "/etc/policies.json",
  /** Gateway sessions live in Redis as long as the auth service's login sessions. */
  sessionTtlSeconds: 1800,
  loadBalancing: {
    algorithms: {
      user_service: {
        type: "round_robin",
        health_checks: {
          active: {
            http_path: "/health",
            healthy: {
              interval: 5,
              successes: 2,
            },
            unhealthy: {
              interval: 10,
              http_failures: 3,
            },
          },
        },
      },
      order_service: {
        type: "least_connections",
        weight_distribution: [1, 1, 1, 2, 2],
      },
      payment_service: {
        type: "weighted_round_robin",
        weights: {
          primary: 70,
          secondary: 30,
        },
      },
    },
    circuit_breaker: {
      failure_threshold: "50%",
      recovery_time: 30,
    },
  } as DocumentValue,
  rateLimits: {
    global_limits: {
      requests_per_minute: 10000,
      requests_per_hour: 100000,
    },
    service_limits: {
      user_service: {
        authenticated: "1000/hour",
        anonymous: "100/hour",
      },
      order_service: {
        per_user: "50/hour",
        per_ip: "200/hour",
      },
      payment_service: {
        per_user: "20/hour",
        strict_mode: true,
      },
    },
    quota_policies: {
      premium_tier: "unlimited",
      standard_tier: "5000/day",
      free_tier: "100/day",
    },
    spike_protection: {
      burst_limit: 200,
      sustained_limit: 100,
    },
  } as DocumentValue,
};
