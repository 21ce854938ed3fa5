import { describe, isOneOf } from "../lib/k8s";
import { KONG_CLUSTER_PLUGIN_TYPES, KONG_PLUGIN_TYPES, declarativeConfigsOf } from "../lib/kong";
import { CONFIGMAP_TYPES } from "../lib/k8s";
import { ADVISORY, resourcePolicy } from "../lib/policy";

export interface CorsSettings {
  forbiddenOrigins: string[];
}

/** The forbidden origins a cors plugin's config allows (unset origins means every origin). */
export function openOrigins(config: Record<string, any>, forbidden: readonly string[]): string[] | "unset" {
  const origins = config?.origins;
  if (!Array.isArray(origins) || origins.length === 0) return "unset";
  return origins.filter((o: unknown) => forbidden.includes(String(o).trim()));
}

/** CORS at the gateway: Kong's cors plugin lists its allowed origins, none of them a wildcard. */
export const kongCorsOrigins = resourcePolicy<CorsSettings>(
  {
    name: "kong-cors-origins",
    description: "Kong's cors plugin allows listed origins only, never the * wildcard.",
    enforcementLevel: ADVISORY,
    severity: "high",
    configSchema: {
      properties: {
        forbiddenOrigins: { type: "array", items: { type: "string" }, default: ["*", ".*"], description: "Origin values that allow any site." },
      },
    },
  },
  (type) => isOneOf(type, [...CONFIGMAP_TYPES, ...KONG_PLUGIN_TYPES, ...KONG_CLUSTER_PLUGIN_TYPES]),
  (props, settings, report, args) => {
    const check = (config: Record<string, any>, at: string) => {
      const where = at ? `${at}.config.origins` : "config.origins";
      const open = openOrigins(config, settings.forbiddenOrigins);
      if (open === "unset") {
        report(
          `${describe(props)}: ${where} is unset, so Kong answers Access-Control-Allow-Origin: * for any site: list the allowed origins (e.g. https://app.example.com).`,
        );
      } else if (open.length) {
        report(`${describe(props)}: ${where} allows ${open.map((o) => JSON.stringify(o)).join(", ")}, i.e. any site: list the allowed origins instead.`);
      }
    };
    if (isOneOf(args.type, CONFIGMAP_TYPES)) {
      const configs = declarativeConfigsOf(args.type, props);
      if (configs.length === 0) args.notApplicable("not a Kong declarative config");
      for (const config of configs) {
        for (const plugin of config.plugins) if (plugin.name === "cors" && plugin.enabled) check(plugin.config, `data["${config.key}"] ${plugin.path}`);
      }
      return;
    }
    if (props.plugin !== "cors") args.notApplicable("not a cors plugin");
    check(props.config ?? {}, "");
  },
);
