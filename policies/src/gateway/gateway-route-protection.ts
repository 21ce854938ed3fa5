import { Props, SERVICE_TYPES, describe, nameOf, namespaceOf } from "../lib/k8s";
import {
  KONG_CLUSTER_PLUGIN_TYPES, KONG_PLUGIN_TYPES, annotatedPlugins, declarativeConfigsOf, isGlobalClusterPlugin, isKongIngress, pluginsForRoute,
} from "../lib/kong";
import { ADVISORY, stackPolicy } from "../lib/policy";

export interface RouteProtectionSettings {
  rateLimitPlugins: string[];
  authPlugins: string[];
}

/** One gateway route and the plugin types Kong runs for it. */
interface ExposedRoute {
  readonly description: string;
  readonly urn: string;
  readonly plugins: readonly string[];
  readonly fix: string;
}

/** Kong routes of declarative configs held in ConfigMaps. */
function declarativeRoutes(resources: readonly { type: string; urn: string; props: Props }[]): ExposedRoute[] {
  const out: ExposedRoute[] = [];
  for (const r of resources) {
    for (const config of declarativeConfigsOf(r.type, r.props)) {
      for (const route of config.routes) {
        out.push({
          description: `${describe(r.props, "ConfigMap")}: Kong route ${route.name}${route.paths.length ? ` (${route.paths.join(", ")})` : ""} in data["${config.key}"] ${route.path}`,
          urn: r.urn,
          plugins: pluginsForRoute(config, route).map((p) => p.name),
          fix: route.service ? `on the route, on its service ${route.service} or globally` : "on the route or globally",
        });
      }
    }
  }
  return out;
}

/** Paths of Ingresses of class kong, with the plugins their annotations (and their backends') attach. */
function ingressRoutes(resources: readonly { type: string; urn: string; props: Props }[]): ExposedRoute[] {
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
        out.push({
          description: `${describe(r.props, "Ingress")}: path ${p?.path ?? "/"} (spec.rules[${i}].http.paths[${j}])`,
          urn: r.urn,
          plugins: [...global, ...own, ...(service ? resolve(ns, annotatedPlugins(service)) : [])],
          fix: "through the Ingress's or the backend Service's konghq.com/plugins annotation, or a global KongClusterPlugin",
        });
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
    description: "Every route the Kong gateway exposes is rate limited and authenticated.",
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
    const routes = [...declarativeRoutes(stack.resources), ...ingressRoutes(stack.resources)];
    if (routes.length === 0) args.notApplicable("no Kong route in the stack");
    for (const route of routes) {
      if (!route.plugins.some((p) => settings.rateLimitPlugins.includes(p))) {
        report(`${route.description} is not rate limited: enable ${settings.rateLimitPlugins[0]} ${route.fix}.`, route.urn);
      }
      if (!route.plugins.some((p) => settings.authPlugins.includes(p))) {
        report(`${route.description} has no authentication plugin: enable one of ${settings.authPlugins.slice(0, 3).join(", ")}… ${route.fix}.`, route.urn);
      }
    }
  },
);
