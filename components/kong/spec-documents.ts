import { GATEWAY, SpecDocument, kubernetesName, specUrl } from "../../catalog";

/** The services Kong fronts, one entry per gateway route (`user_service` → `user`). */
export const routeName = (specName: string) => `${specName.replace(/_service$/, "")}-routes`;

/** The api_gateway/ folder of the spec's artifact tree, derived from the gateway catalog. */
export function gatewaySpecDocuments(): SpecDocument[] {
  const auth = GATEWAY.authService;
  return [
    {
      path: "api_gateway/kong_gateway/gateway_config.yaml",
      content: {
        version: GATEWAY.configVersion,
        services: GATEWAY.routes.map((route) => ({
          name: kubernetesName(route.service),
          url: specUrl(route.service),
          routes: [{ name: routeName(route.service), paths: [route.path], methods: [...route.methods] }],
        })),
        plugins: [
          { name: "rate-limiting", config: { minute: GATEWAY.rateLimit.minute, hour: GATEWAY.rateLimit.hour } },
          { name: "cors", config: { origins: [...GATEWAY.corsOrigins] } },
        ],
      },
    },
    { path: "api_gateway/kong_gateway/load_balancing.json", content: GATEWAY.loadBalancing },
    { path: "api_gateway/rate_limiting/rate_limits.json", content: GATEWAY.rateLimits },
    {
      path: "api_gateway/authentication/auth_middleware.json",
      content: {
        strategies: {
          jwt: {
            issuer: auth,
            audience: GATEWAY.jwt.audience,
            algorithm: GATEWAY.jwt.algorithm,
            public_key_url: `${specUrl(auth)}/.well-known/jwks.json`,
          },
          api_key: { header: "X-API-Key", query_param: "api_key", validation_endpoint: `${specUrl(auth)}/validate-key` },
          oauth2: { provider: auth, scopes: [...GATEWAY.oauthScopes] },
        },
        authorization: {
          rbac: { enabled: true, policy_file: GATEWAY.rbacPolicyFile },
          endpoint_permissions: Object.fromEntries(GATEWAY.routes.map((r) => [r.path, [...r.permissions]])),
        },
        session_management: { storage: "redis", ttl: GATEWAY.sessionTtlSeconds },
      },
    },
  ];
}
