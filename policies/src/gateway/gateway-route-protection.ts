import { Props, SERVICE_TYPES, describe, nameOf, namespaceOf, typesOf } from "../lib/k8s";
import { AUTHORIZATION_POLICY_TYPES, VIRTUAL_SERVICE_TYPES } from "../lib/istio";
import {
  KONG_CLUSTER_PLUGIN_TYPES,
  KONG_PLUGIN_TYPES,
  annotatedPlugins,
  declarativeConfigsOf,
  isGlobalClusterPlugin,
  isKongIngress,
  pluginsForRoute,
} from "../lib/kong";
import { ADVISORY, stackPolicy } from "../lib/policy";

export interface RouteProtectionSettings {
  rateLimitPlugins: string[];
  authPlugins: string[];
  rateLimitFilters: string[];
  kongProxyServices: string[];
}

const ENVOY_FILTER_TYPES = typesOf("networking.istio.io", "EnvoyFilter", ["v1alpha3"]);
const REQUEST_AUTHENTICATION_TYPES = typesOf("security.istio.io", "RequestAuthentication", ["v1", "v1beta1"]);

/** Whether an AuthorizationPolicy only lets requests with a validated JWT through (requestPrincipals / request.auth.*). */
const requiresJwt = (policy: Props): boolean =>
  ((policy.spec?.rules ?? []) as Props[]).some(
    (rule) =>
      ((rule?.from ?? []) as Props[]).some((f) => (f?.source?.requestPrincipals ?? []).length > 0) ||
      ((rule?.when ?? []) as Props[]).some((w) => String(w?.key ?? "").startsWith("request.auth.")),
  );

/** One gateway route, whether it is rate limited and authenticated, and how to fix each. */
interface ExposedRoute {
  readonly description: string;
  readonly urn: string;
  readonly rateLimited: boolean;
  readonly authenticated: boolean;
  readonly rateLimitFix: string;
  readonly authFix: string;
}

/** A route protected by Kong plugins: the plugin types Kong runs for it, and where a fix goes. */
function kongRoute(description: string, urn: string, plugins: readonly string[], where: string, s: RouteProtectionSettings): ExposedRoute {
  return {
    description,
    urn,
    rateLimited: plugins.some((p) => s.rateLimitPlugins.includes(p)),
    authenticated: plugins.some((p) => s.authPlugins.includes(p)),
    rateLimitFix: `enable the ${s.rateLimitPlugins[0]} plugin ${where}`,
    authFix: `enable an authentication plugin (${s.authPlugins.slice(0, 3).join(", ")}…) ${where}`,
  };
}

/** Kong routes of declarative configs held in ConfigMaps. */
function declarativeRoutes(resources: readonly { type: string; urn: string; props: Props }[], settings: RouteProtectionSettings): ExposedRoute[] {
  const out: ExposedRoute[] = [];
  for (const r of resources) {
    for (const config of declarativeConfigsOf(r.type, r.props)) {
      for (const route of config.routes) {
        out.push(
          kongRoute(
            `${describe(r.props, "ConfigMap")}: Kong route ${route.name}${route.paths.length ? ` (${route.paths.join(", ")})` : ""} in data["${config.key}"] ${route.path}`,
            r.urn,
            pluginsForRoute(config, route).map((p) => p.name),
            route.service ? `on the route, on its service ${route.service} or globally` : "on the route or globally",
            settings,
          ),
        );
      }
    }
  }
  return out;
}

/** Paths of Ingresses of class kong, with the plugins their annotations (and their backends') attach. */
function ingressRoutes(resources: readonly { type: string; urn: string; props: Props }[], settings: RouteProtectionSettings): ExposedRoute[] {
  const pluginType = new Map<string, string>();
  const global: string[] = [];
  for (const r of resources) {
    if (KONG_PLUGIN_TYPES.includes(r.type) && r.props.disabled !== true) pluginType.set(`${namespaceOf(r.props)}/${nameOf(r.props)}`, String(r.props.plugin));
    if (KONG_CLUSTER_PLUGIN_TYPES.includes(r.type) && r.props.disabled !== true) {
      pluginType.set(`*/${nameOf(r.props)}`, String(r.props.plugin));
      if (isGlobalClusterPlugin(r.props)) global.push(String(r.props.plugin));
    }
  }
  const services = new Map(resources.filter((r) => SERVICE_TYPES.includes(r.type)).map((r) => [`${namespaceOf(r.props)}/${nameOf(r.props)}`, r.props]));
  const resolve = (ns: string, names: string[]) => names.map((n) => pluginType.get(`${ns}/${n}`) ?? pluginType.get(`*/${n}`) ?? "").filter(Boolean);
  const out: ExposedRoute[] = [];
  for (const r of resources) {
    if (!isKongIngress(r.type, r.props)) continue;
    const ns = namespaceOf(r.props);
    const own = resolve(ns, annotatedPlugins(r.props));
    ((r.props.spec?.rules ?? []) as Props[]).forEach((rule, i) => {
      ((rule?.http?.paths ?? []) as Props[]).forEach((p, j) => {
        const backend = p?.backend?.service?.name ?? p?.backend?.serviceName;
        const service = services.get(`${ns}/${backend}`);
        out.push(
          kongRoute(
            `${describe(r.props, "Ingress")}: path ${p?.path ?? "/"} (spec.rules[${i}].http.paths[${j}])`,
            r.urn,
            [...global, ...own, ...(service ? resolve(ns, annotatedPlugins(service)) : [])],
            "through the Ingress's or the backend Service's konghq.com/plugins annotation, or a global KongClusterPlugin",
            settings,
          ),
        );
      });
    });
  }
  return out;
}

/**
 * HTTP routes of VirtualServices bound to an Istio ingress Gateway that reach services directly
 * (not through Kong's proxy): Kong's plugins do not apply to them. They count as rate limited with
 * an EnvoyFilter of a rate-limit filter, and as authenticated with a RequestAuthentication (jwtRules)
 * enforced by an AuthorizationPolicy that requires a request principal.
 */
function istioIngressRoutes(resources: readonly { type: string; urn: string; props: Props }[], settings: RouteProtectionSettings): ExposedRoute[] {
  const of = (types: readonly string[]) => resources.filter((r) => types.includes(r.type) && r.props);
  const rateLimited = of(ENVOY_FILTER_TYPES).some((f) => settings.rateLimitFilters.some((name) => JSON.stringify(f.props.spec ?? {}).includes(name)));
  const authenticated =
    of(REQUEST_AUTHENTICATION_TYPES).some((r) => (r.props.spec?.jwtRules ?? []).length > 0) && of(AUTHORIZATION_POLICY_TYPES).some((p) => requiresJwt(p.props));
  const out: ExposedRoute[] = [];
  for (const vs of of(VIRTUAL_SERVICE_TYPES)) {
    const gateways = ((vs.props.spec?.gateways ?? []) as string[]).filter((g) => g !== "mesh");
    if (gateways.length === 0) continue;
    ((vs.props.spec?.http ?? []) as Props[]).forEach((route, i) => {
      const hosts = ((route?.route ?? []) as Props[]).map((r) => String(r?.destination?.host ?? ""));
      if (hosts.length && hosts.every((h) => settings.kongProxyServices.includes(h.split(".")[0]))) return;
      const prefixes = ((route?.match ?? []) as Props[]).map((m) => m?.uri?.prefix ?? m?.uri?.exact).filter(Boolean);
      out.push({
        description: `${describe(vs.props, "VirtualService")}: route ${route?.name ?? i} (spec.http[${i}]${prefixes.length ? `, ${prefixes.join(", ")}` : ""}) exposed by Istio gateway ${gateways.join(", ")} around Kong`,
        urn: vs.urn,
        rateLimited,
        authenticated,
        rateLimitFix: "add an EnvoyFilter with envoy.filters.http.local_ratelimit on the ingress gateway, or route it through Kong's proxy",
        authFix: "add a RequestAuthentication (jwtRules) and an AuthorizationPolicy requiring requestPrincipals, or route it through Kong's proxy",
      });
    });
  }
  return out;
}

/**
 * Gateway protection: every route Kong exposes runs a rate-limiting plugin and an
 * authentication plugin (its own, its service's, or a global one).
 */
export const gatewayRouteProtection = stackPolicy<RouteProtectionSettings>(
  {
    name: "gateway-route-protection",
    description: "Every route exposed by the Kong gateway (or around it by an Istio ingress Gateway) is rate limited and authenticated.",
    enforcementLevel: ADVISORY,
    severity: "high",
    configSchema: {
      properties: {
        rateLimitPlugins: {
          type: "array",
          items: { type: "string" },
          default: ["rate-limiting", "rate-limiting-advanced"],
          description: "Kong plugins that count as rate limiting.",
        },
        rateLimitFilters: {
          type: "array",
          items: { type: "string" },
          default: ["envoy.filters.http.local_ratelimit", "envoy.filters.http.ratelimit"],
          description: "Envoy filters (in an EnvoyFilter) that count as rate limiting for routes of an Istio ingress Gateway.",
        },
        kongProxyServices: {
          type: "array",
          items: { type: "string" },
          default: ["kong-proxy", "kong-gateway-proxy", "kong"],
          description: "Services of Kong's proxy: an Istio gateway route to them is protected by Kong's plugins.",
        },
        authPlugins: {
          type: "array",
          items: { type: "string" },
          default: ["jwt", "key-auth", "oauth2", "basic-auth", "hmac-auth", "openid-connect", "ldap-auth", "mtls-auth"],
          description: "Kong plugins that count as authentication.",
        },
      },
    },
  },
  (stack, settings, report, args) => {
    const routes = [
      ...declarativeRoutes(stack.resources, settings),
      ...ingressRoutes(stack.resources, settings),
      ...istioIngressRoutes(stack.resources, settings),
    ];
    if (routes.length === 0) args.notApplicable("no gateway route in the stack");
    for (const route of routes) {
      if (!route.rateLimited) report(`${route.description} is not rate limited: ${route.rateLimitFix}.`, route.urn);
      if (!route.authenticated) report(`${route.description} is not authenticated: ${route.authFix}.`, route.urn);
    }
  },
);
