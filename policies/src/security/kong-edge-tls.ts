import { exemptNamespacesSchema } from "../lib/config";
import { CONFIGMAP_TYPES, Props, containersOf, describe, nameOf, namespaceOf } from "../lib/k8s";
import { declarativeConfigsOf } from "../lib/kong";
import { ADVISORY, stackPolicy } from "../lib/policy";

/** Kong's own default `proxy_listen`: plain HTTP on 8000 next to HTTPS on 8443. */
const KONG_DEFAULT_LISTEN = "0.0.0.0:8000 reuseport backlog=16384, 0.0.0.0:8443 http2 ssl reuseport backlog=16384";

const envOf = (container: Props): Record<string, string> =>
  Object.fromEntries(((container.env ?? []) as Props[]).filter((e) => typeof e.value === "string").map((e) => [e.name, e.value]));

/**
 * The API's edge over TLS: a Kong proxy (a container configured by KONG_* variables) listens with `ssl`,
 * with a certificate of its own (KONG_SSL_CERT and KONG_SSL_CERT_KEY; else Kong serves its built-in
 * self-signed one), and a plain-HTTP listener, if any, only redirects or refuses: every route of its
 * declarative config takes HTTPS only. Meant for prod (its config makes it mandatory there).
 */
export const kongEdgeTls = stackPolicy<{ exemptNamespaces: string[] }>(
  {
    name: "kong-edge-tls",
    description: "Kong's proxy serves the API over TLS with its own certificate; plain HTTP only redirects.",
    enforcementLevel: ADVISORY,
    severity: "high",
    configSchema: { properties: { exemptNamespaces: exemptNamespacesSchema("Kong proxies") } },
  },
  (stack, settings, report, args) => {
    const proxies = stack
      .podTemplates()
      .filter(({ template }) => !settings.exemptNamespaces.includes(template.namespace))
      .flatMap(({ resource, template }) => containersOf(template).map((c) => ({ resource, template, ...c, env: envOf(c.container) })))
      .filter((c) => c.env.KONG_DATABASE !== undefined || c.env.KONG_PROXY_LISTEN !== undefined || c.env.KONG_DECLARATIVE_CONFIG !== undefined);
    if (proxies.length === 0) args.notApplicable("no Kong proxy (a container configured by KONG_* variables)");
    for (const { resource, template, container, path, env } of proxies) {
      const where = `${describe(resource.props)} ${path}`;
      const listen = (env.KONG_PROXY_LISTEN ?? KONG_DEFAULT_LISTEN).trim();
      if (listen === "off") continue;
      const listeners = listen.split(",").map((l) => l.trim());
      const tls = listeners.filter((l) => l.split(/\s+/).includes("ssl"));
      const plain = listeners.filter((l) => !l.split(/\s+/).includes("ssl"));
      if (tls.length === 0) {
        report(
          `${where} serves the API over plain HTTP only (KONG_PROXY_LISTEN "${listen}"): listen with ssl on a certificate of yours (for this stack: kong.tls.secretName).`,
          resource.urn,
        );
        continue;
      }
      if (!env.KONG_SSL_CERT || !env.KONG_SSL_CERT_KEY) {
        report(
          `${where} listens with ssl but sets no KONG_SSL_CERT/KONG_SSL_CERT_KEY, so clients get Kong's built-in self-signed certificate: mount your certificate and point both at it.`,
          resource.urn,
        );
      }
      if (plain.length === 0) continue;
      // A plain listener is fine when every route takes HTTPS only: Kong then redirects or refuses plain requests.
      const configPath = env.KONG_DECLARATIVE_CONFIG;
      const mount = ((container.volumeMounts ?? []) as Props[]).find((m) => configPath?.startsWith(`${String(m.mountPath).replace(/\/$/, "")}/`));
      const volume = ((template.spec.volumes ?? []) as Props[]).find((v) => v.name === mount?.name);
      const configMap = stack.ofTypes(CONFIGMAP_TYPES).find((r) => namespaceOf(r.props) === template.namespace && nameOf(r.props) === volume?.configMap?.name);
      const key = configPath?.split("/").pop();
      const config = configMap ? declarativeConfigsOf(configMap.type, configMap.props).find((c) => c.key === key) : undefined;
      if (!config) {
        report(
          `${where} also listens for plain HTTP (${plain.join(", ")}) and its routes cannot be read from a declarative config in the stack: close the plain listener, or make every route take HTTPS only.`,
          resource.urn,
        );
        continue;
      }
      const open = config.routes.filter((r) => r.protocols.includes("http"));
      if (open.length > 0) {
        report(
          `${where} also listens for plain HTTP (${plain.join(", ")}) and routes ${open.map((r) => r.name).join(", ")} take it: set their protocols to [https] (https_redirect_status_code 308 to redirect), or close the plain listener.`,
          resource.urn,
        );
      }
    }
  },
);
