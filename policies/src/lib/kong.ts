import { parse } from "yaml";
import { CONFIGMAP_TYPES, INGRESS_TYPES, Props, annotationsOf, isOneOf, labelsOf, nameOf, namespaceOf, typesOf } from "./k8s";

/**
 * Kong's configuration as the stack applies it: DB-less declarative config (`_format_version`)
 * in a ConfigMap, or the Kong Ingress Controller's objects (KongPlugin, KongClusterPlugin, and
 * Ingresses of class kong with `konghq.com/plugins` annotations).
 */
export const KONG_PLUGIN_TYPES = typesOf("configuration.konghq.com", "KongPlugin", ["v1"]);
export const KONG_CLUSTER_PLUGIN_TYPES = typesOf("configuration.konghq.com", "KongClusterPlugin", ["v1"]);
export const PLUGINS_ANNOTATION = "konghq.com/plugins";

/** A plugin of a declarative config, with the scope Kong applies it in. */
export interface KongPlugin {
  readonly name: string;
  readonly config: Props;
  readonly enabled: boolean;
  readonly scope: "global" | "service" | "route" | "consumer";
  /** The service or route (name or id) a scoped plugin is attached to. */
  readonly target?: string;
  /** Where it sits in the config, for messages: `plugins[1]`, `services[0].routes[0].plugins[0]`. */
  readonly path: string;
}

export interface KongRoute {
  readonly name: string;
  readonly id?: string;
  readonly service?: string;
  readonly serviceId?: string;
  readonly paths: readonly string[];
  /** The protocols it takes (Kong's default for an HTTP route: http and https). */
  readonly protocols: readonly string[];
  readonly path: string;
}

export interface KongDeclarativeConfig {
  /** The ConfigMap data key the config is stored under (`kong.yml`). */
  readonly key: string;
  readonly plugins: KongPlugin[];
  readonly routes: KongRoute[];
}

/** A reference to an entity in a declarative config: a name, an id, or `{name}` / `{id}`. */
const refOf = (ref: unknown): string | undefined => {
  if (typeof ref === "string") return ref;
  if (ref && typeof ref === "object") return (ref as Props).name ?? (ref as Props).id;
  return undefined;
};

function pluginsAt(list: unknown, path: string, scope: KongPlugin["scope"], target?: string): KongPlugin[] {
  if (!Array.isArray(list)) return [];
  return list
    .filter((p) => p && typeof p === "object")
    .map((p: Props, i) => {
      let pluginScope = scope;
      let pluginTarget = target;
      if (scope === "global") {
        // A top-level plugin is scoped by its service/route/consumer reference.
        if (p.route !== undefined) [pluginScope, pluginTarget] = ["route", refOf(p.route)];
        else if (p.service !== undefined) [pluginScope, pluginTarget] = ["service", refOf(p.service)];
        else if (p.consumer !== undefined) [pluginScope, pluginTarget] = ["consumer", refOf(p.consumer)];
      }
      return {
        name: String(p.name ?? ""),
        config: p.config ?? {},
        enabled: p.enabled !== false,
        scope: pluginScope,
        target: pluginTarget,
        path: `${path}[${i}]`,
      };
    });
}

/** The Kong entities of one parsed declarative config. */
export function readDeclarativeConfig(key: string, doc: Props): KongDeclarativeConfig {
  const plugins: KongPlugin[] = [...pluginsAt(doc.plugins, "plugins", "global")];
  const routes: KongRoute[] = [];
  const addRoute = (route: Props, path: string, service?: string, serviceId?: string) => {
    if (!route || typeof route !== "object") return;
    const name = String(route.name ?? route.id ?? path);
    const protocols = Array.isArray(route.protocols) && route.protocols.length > 0 ? route.protocols : ["http", "https"];
    routes.push({ name, id: route.id, service, serviceId, paths: Array.isArray(route.paths) ? route.paths : [], protocols, path });
    plugins.push(...pluginsAt(route.plugins, `${path}.plugins`, "route", name));
  };
  (Array.isArray(doc.services) ? doc.services : []).forEach((service: Props, i: number) => {
    if (!service || typeof service !== "object") return;
    const serviceName = String(service.name ?? service.id ?? `services[${i}]`);
    plugins.push(...pluginsAt(service.plugins, `services[${i}].plugins`, "service", serviceName));
    (Array.isArray(service.routes) ? service.routes : []).forEach((route: Props, j: number) =>
      addRoute(route, `services[${i}].routes[${j}]`, serviceName, service.id),
    );
  });
  (Array.isArray(doc.routes) ? doc.routes : []).forEach((route: Props, j: number) => addRoute(route, `routes[${j}]`, refOf(route?.service)));
  (Array.isArray(doc.consumers) ? doc.consumers : []).forEach((consumer: Props, i: number) =>
    plugins.push(...pluginsAt(consumer?.plugins, `consumers[${i}].plugins`, "consumer", String(consumer?.username ?? consumer?.id ?? i))),
  );
  return { key, plugins, routes };
}

/** The declarative configs a ConfigMap holds (data values that parse to an object with `_format_version`). */
export function declarativeConfigsOf(type: string, props: Props): KongDeclarativeConfig[] {
  if (!isOneOf(type, CONFIGMAP_TYPES)) return [];
  const out: KongDeclarativeConfig[] = [];
  for (const [key, value] of Object.entries((props?.data ?? {}) as Record<string, unknown>)) {
    if (typeof value !== "string" || !value.includes("_format_version")) continue;
    let doc: unknown;
    try {
      doc = parse(value);
    } catch {
      continue;
    }
    if (doc && typeof doc === "object" && "_format_version" in (doc as object)) out.push(readDeclarativeConfig(key, doc as Props));
  }
  return out;
}

/** The plugins Kong runs for a route: global ones, its service's and its own (consumer-scoped ones apply to one consumer only). */
export function pluginsForRoute(config: KongDeclarativeConfig, route: KongRoute): KongPlugin[] {
  return config.plugins.filter(
    (p) =>
      p.enabled &&
      (p.scope === "global" ||
        (p.scope === "service" && p.target !== undefined && (p.target === route.service || p.target === route.serviceId)) ||
        (p.scope === "route" && p.target !== undefined && (p.target === route.name || p.target === route.id))),
  );
}

/** Whether an Ingress is served by Kong (ingressClassName or the legacy class annotation). */
export const isKongIngress = (type: string, props: Props): boolean =>
  isOneOf(type, INGRESS_TYPES) &&
  (String(props?.spec?.ingressClassName ?? "").includes("kong") || String(annotationsOf(props)["kubernetes.io/ingress.class"] ?? "").includes("kong"));

/** The KongPlugin names an object's `konghq.com/plugins` annotation lists. */
export const annotatedPlugins = (props: Props): string[] =>
  String(annotationsOf(props)[PLUGINS_ANNOTATION] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** A KongClusterPlugin labelled `global: "true"` applies to every route. */
export const isGlobalClusterPlugin = (props: Props): boolean => labelsOf(props).global === "true";

export { nameOf, namespaceOf };
