import { exemptNamespacesSchema } from "../lib/config";
import { Props, describe, nameOf, namespaceOf, typesOf } from "../lib/k8s";
import { VIRTUAL_SERVICE_TYPES } from "../lib/istio";
import { ADVISORY, stackPolicy } from "../lib/policy";

const GATEWAY_TYPES = typesOf("networking.istio.io", "Gateway", ["v1", "v1beta1", "v1alpha3"]);
const PLAIN = ["HTTP", "HTTP2", "GRPC", "TCP"];

/** Whether a VirtualService binds a Gateway (`name` in its own namespace, or `namespace/name`). */
function binds(vs: Props, gateway: Props): boolean {
  const own = namespaceOf(vs);
  return ((vs.spec?.gateways ?? []) as string[]).some((ref) => {
    const [ns, name] = ref.includes("/") ? ref.split("/") : [own, ref];
    return ns === namespaceOf(gateway) && name === nameOf(gateway);
  });
}

/**
 * The API's edge over TLS when it is an Istio ingress Gateway: a Gateway that a VirtualService routes
 * through serves no plain-text server (unless it only redirects: `tls.httpsRedirect`), and each TLS server
 * terminating TLS names its certificate (`credentialName`, or files). A Gateway nothing routes through
 * serves nothing. Meant for prod (its config makes it mandatory there).
 */
export const istioGatewayTls = stackPolicy<{ exemptNamespaces: string[] }>(
  {
    name: "istio-gateway-tls",
    description: "An Istio Gateway that routes traffic serves it over TLS with its own certificate; plain HTTP only redirects.",
    enforcementLevel: ADVISORY,
    severity: "high",
    configSchema: { properties: { exemptNamespaces: exemptNamespacesSchema("Gateways") } },
  },
  (stack, settings, report, args) => {
    const services = stack.ofTypes(VIRTUAL_SERVICE_TYPES).map((r) => r.props);
    const gateways = stack.ofTypes(GATEWAY_TYPES).filter((g) => !settings.exemptNamespaces.includes(namespaceOf(g.props)));
    const routing = gateways.filter((g) => services.some((vs) => binds(vs, g.props)));
    if (routing.length === 0) args.notApplicable("no VirtualService routes through an Istio Gateway");
    for (const gateway of routing) {
      ((gateway.props.spec?.servers ?? []) as Props[]).forEach((server, i) => {
        const protocol = String(server?.port?.protocol ?? "").toUpperCase();
        const where = `${describe(gateway.props)} servers[${i}] (${protocol} ${server?.port?.number})`;
        if (PLAIN.includes(protocol) && server?.tls?.httpsRedirect !== true) {
          report(
            `${where} serves the API in plain text: serve it on an HTTPS server (tls.mode SIMPLE with credentialName), or set tls.httpsRedirect on this one.`,
            gateway.urn,
          );
        } else if (
          ["HTTPS", "TLS"].includes(protocol) &&
          ["SIMPLE", "MUTUAL", undefined].includes(server?.tls?.mode) &&
          !server?.tls?.credentialName &&
          !server?.tls?.serverCertificate
        ) {
          report(
            `${where} terminates TLS without a certificate: set tls.credentialName to a kubernetes.io/tls Secret of the gateway's namespace.`,
            gateway.urn,
          );
        }
      });
    }
  },
);
