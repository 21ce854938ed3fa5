import * as assert from "node:assert/strict";
import { gatewayRouteProtection } from "../src/gateway/gateway-route-protection";
import { kongCorsOrigins } from "../src/gateway/kong-cors-origins";
import { NS, Props, T, compliantStack, expectNone, expectOne, kongConfigMap, kongDeclarative, kongPlugin, resource, service, violations } from "./fixtures";

const config = (change: (doc: Props) => void) => {
  const doc = kongDeclarative();
  change(doc);
  return resource(T.configMap, kongConfigMap(doc));
};
const withConfig = (change: (doc: Props) => void) => [...compliantStack().filter((r) => r.type !== T.configMap), config(change)];
const plugin = (doc: Props, name: string) => doc.plugins.find((p: Props) => p.name === name);

describe("policy kong-cors-origins", () => {
  it("is advisory and passes listed origins (declarative config and KongPlugin)", async () => {
    assert.equal(kongCorsOrigins.enforcementLevel, "advisory");
    await expectNone(kongCorsOrigins, resource(T.configMap, kongConfigMap()));
    await expectNone(kongCorsOrigins, resource(T.kongPlugin, kongPlugin()));
  });
  it("fails * in a global cors plugin, naming where it is", async () => {
    await expectOne(
      kongCorsOrigins,
      config((d) => {
        plugin(d, "cors").config.origins = ["*"];
      }),
      [/ConfigMap kong\/kong-declarative: data\["kong.yml"\] plugins\[1\].config.origins allows "\*"/],
    );
  });
  it("fails a cors plugin without origins (Kong then allows any origin)", async () => {
    await expectOne(
      kongCorsOrigins,
      config((d) => {
        delete plugin(d, "cors").config.origins;
      }),
      [/config.origins is unset/],
    );
  });
  it("fails * in a route's own cors plugin and in a KongPlugin", async () => {
    await expectOne(
      kongCorsOrigins,
      config((d) => {
        d.services[0].routes[0].plugins = [{ name: "cors", config: { origins: ["*"] } }];
      }),
      [/services\[0\].routes\[0\].plugins\[0\]/],
    );
    await expectOne(kongCorsOrigins, resource(T.kongPlugin, { ...kongPlugin(), config: { origins: ["*"] } }), [
      /KongPlugin microservices\/cors: config.origins allows "\*"/,
    ]);
  });
  it("ignores ConfigMaps that are not Kong configs, and disabled plugins", async () => {
    await expectNone(
      kongCorsOrigins,
      resource(T.configMap, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: NS }, data: { "a.yaml": "origins: ['*']" } }),
    );
    await expectNone(
      kongCorsOrigins,
      config((d) => {
        Object.assign(plugin(d, "cors"), { enabled: false, config: { origins: ["*"] } });
      }),
    );
  });
});

describe("policy gateway-route-protection (stack)", () => {
  it("is advisory and passes global rate limiting and jwt", async () => {
    assert.equal(gatewayRouteProtection.enforcementLevel, "advisory");
    await expectNone(gatewayRouteProtection, compliantStack());
  });
  it("fails every route when the global rate limiting goes, naming the route", async () => {
    const found = await violations(
      gatewayRouteProtection,
      withConfig((d) => {
        d.plugins = d.plugins.filter((p: Props) => p.name !== "rate-limiting");
      }),
    );
    assert.equal(found.length, 2);
    assert.match(
      found[0].message,
      /Kong route user-routes \(\/api\/users\) in data\["kong.yml"\] services\[0\].routes\[0\] is not rate limited: enable the rate-limiting plugin on the route, on its service user-service or globally/,
    );
  });
  it("fails a route without authentication", async () => {
    const stack = withConfig((d) => {
      d.plugins = d.plugins.filter((p: Props) => p.name !== "jwt");
      d.services[1].plugins = [{ name: "key-auth" }];
    });
    await expectOne(gatewayRouteProtection, stack, [
      /Kong route user-routes .* is not authenticated: enable an authentication plugin \(jwt, key-auth, oauth2…\)/,
    ]);
  });
  it("counts plugins scoped by reference, and not disabled or consumer-scoped ones", async () => {
    const scoped = withConfig((d) => {
      d.plugins = [
        { name: "rate-limiting", service: "user-service", config: { minute: 10 } },
        { name: "rate-limiting", route: { name: "order-routes" }, config: { minute: 10 } },
        { name: "jwt" },
      ];
    });
    await expectNone(gatewayRouteProtection, scoped);
    const weak = withConfig((d) => {
      d.plugins = [{ name: "rate-limiting", enabled: false }, { name: "jwt" }];
      d.consumers = [{ username: "app", plugins: [{ name: "rate-limiting", config: { minute: 5 } }] }];
    });
    assert.equal((await violations(gatewayRouteProtection, weak)).length, 2);
  });
  it("checks Ingresses of class kong through their plugin annotations", async () => {
    const ingress = (plugins: string) =>
      resource(T.ingress, {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "api", namespace: NS, annotations: { "konghq.com/plugins": plugins } },
        spec: {
          ingressClassName: "kong",
          rules: [{ http: { paths: [{ path: "/api/users", pathType: "Prefix", backend: { service: { name: "user-service", port: { number: 8001 } } } }] } }],
        },
      });
    const plugins = [
      resource(T.kongPlugin, { ...kongPlugin(), metadata: { name: "limit", namespace: NS }, plugin: "rate-limiting", config: { minute: 100 } }),
      resource(T.kongPlugin, { ...kongPlugin(), metadata: { name: "auth", namespace: NS }, plugin: "jwt", config: {} }),
    ];
    const base = [resource(T.service, service("user-service")), ...plugins];
    await expectNone(gatewayRouteProtection, [...base, ingress("limit, auth")]);
    await expectOne(gatewayRouteProtection, [...base, ingress("limit")], [/Ingress microservices\/api: path \/api\/users .* is not authenticated/]);
  });
  describe("routes of an Istio ingress Gateway (around Kong)", () => {
    const gatewayVs = (host = "user-service") =>
      resource(T.virtualService, {
        apiVersion: "networking.istio.io/v1",
        kind: "VirtualService",
        metadata: { name: "edge", namespace: NS },
        spec: {
          hosts: ["api.example.com"],
          gateways: ["edge-gateway"],
          http: [{ name: "users", match: [{ uri: { prefix: "/api/users" } }], route: [{ destination: { host } }] }],
        },
      });
    const envoyFilter = resource("kubernetes:networking.istio.io/v1alpha3:EnvoyFilter", {
      apiVersion: "networking.istio.io/v1alpha3",
      kind: "EnvoyFilter",
      metadata: { name: "ratelimit", namespace: "istio-ingress" },
      spec: { configPatches: [{ applyTo: "HTTP_FILTER", patch: { operation: "INSERT_BEFORE", value: { name: "envoy.filters.http.local_ratelimit" } } }] },
    });
    const requestAuthentication = resource("kubernetes:security.istio.io/v1:RequestAuthentication", {
      apiVersion: "security.istio.io/v1",
      kind: "RequestAuthentication",
      metadata: { name: "jwt", namespace: "istio-ingress" },
      spec: { jwtRules: [{ issuer: "auth-service", jwksUri: "http://auth-service.microservices.svc.cluster.local:8007/.well-known/jwks.json" }] },
    });
    const requireJwt = resource("kubernetes:security.istio.io/v1:AuthorizationPolicy", {
      apiVersion: "security.istio.io/v1",
      kind: "AuthorizationPolicy",
      metadata: { name: "require-jwt", namespace: "istio-ingress" },
      spec: { rules: [{ from: [{ source: { requestPrincipals: ["*"] } }] }] },
    });
    const base = compliantStack().filter((r) => r.type !== T.configMap);

    it("fails a route without rate limiting and without end-user authentication", async () => {
      const found = await violations(gatewayRouteProtection, [...base, gatewayVs()]);
      assert.deepEqual(
        found.map((v) => v.message.replace(/:.*?(is not \w+( \w+)?):.*/, ": $1")),
        ["VirtualService microservices/edge: is not rate limited", "VirtualService microservices/edge: is not authenticated"],
      );
      assert.match(
        found[0].message,
        /route users \(spec.http\[0\], \/api\/users\) exposed by Istio gateway edge-gateway around Kong is not rate limited: add an EnvoyFilter with envoy.filters.http.local_ratelimit/,
      );
    });
    it("passes with a local rate limit and an enforced JWT", async () => {
      await expectNone(gatewayRouteProtection, [...base, gatewayVs(), envoyFilter, requestAuthentication, requireJwt]);
      await expectOne(gatewayRouteProtection, [...base, gatewayVs(), envoyFilter, requestAuthentication], [/is not authenticated/]);
    });
    it("leaves routes to Kong's proxy to Kong's plugins", async () => {
      await expectNone(gatewayRouteProtection, [...base, gatewayVs("kong-proxy.kong.svc.cluster.local")]);
    });
  });

  it("is not applicable without Kong routes", async () => {
    assert.equal(
      (
        await violations(
          gatewayRouteProtection,
          compliantStack().filter((r) => r.type !== T.configMap),
        )
      ).length,
      0,
    );
  });
});
