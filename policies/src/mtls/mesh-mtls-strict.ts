import { APP_TIER_LABELS, appTierLabelsSchema, exemptNamespacesSchema } from "../lib/config";
import { Props, describe, formatLabels, hasLabels, labelsOf, namespaceOf } from "../lib/k8s";
import {
  CLUSTER_DOMAIN,
  DESTINATION_RULE_TYPES,
  INJECTION_ENABLED,
  INJECTION_LABEL,
  INJECT_ANNOTATION,
  PEER_AUTHENTICATION_TYPES,
  ROOT_NAMESPACE,
  hostCovers,
  injectionEnabled,
  intendedServiceFqdn,
  isIstioResource,
  resolveHost,
  trafficPolicies,
} from "../lib/istio";
import { MANDATORY, stackPolicy } from "../lib/policy";

export interface MtlsSettings {
  requireMesh: boolean;
  rootNamespace: string;
  forbiddenTlsModes: string[];
  appTierLabels: Record<string, string>;
  exemptNamespaces: string[];
  clusterDomain: string;
}

const WEAK_PEER_MODES = ["PERMISSIVE", "DISABLE"];

const hasSelector = (pa: Props): boolean => Object.keys(pa.spec?.selector?.matchLabels ?? {}).length > 0;

/**
 * mTLS: when the stack runs Istio, traffic between meshed workloads is mutual TLS only — a
 * mesh-wide STRICT PeerAuthentication in Istio's root namespace, no PeerAuthentication that
 * relaxes it (also per port), no DestinationRule that turns TLS off or to plain TLS towards an
 * in-mesh host (at any level), no pod that opts out of the sidecar, and every app namespace
 * labelled for injection. A stack without any Istio resource fails (`requireMesh`).
 */
export const meshMtlsStrict = stackPolicy<MtlsSettings>(
  {
    name: "mesh-mtls-strict",
    description:
      "Service-to-service traffic is mutual TLS only: a mesh-wide STRICT PeerAuthentication, nothing that relaxes it, and every app pod in the mesh.",
    enforcementLevel: MANDATORY,
    severity: "critical",
    configSchema: {
      properties: {
        requireMesh: { type: "boolean", default: true, description: "A stack without any Istio resource violates the policy (mTLS is not configured)." },
        rootNamespace: { type: "string", default: ROOT_NAMESPACE, description: "Istio's root namespace, where the mesh-wide PeerAuthentication lives." },
        forbiddenTlsModes: {
          type: "array",
          items: { type: "string", enum: ["DISABLE", "SIMPLE", "MUTUAL"] },
          default: ["DISABLE", "SIMPLE"],
          description: "DestinationRule tls.mode values not allowed towards in-mesh hosts.",
        },
        appTierLabels: appTierLabelsSchema,
        exemptNamespaces: exemptNamespacesSchema("pods may opt out of sidecar injection; the"),
        clusterDomain: { type: "string", default: CLUSTER_DOMAIN, description: "The cluster's DNS domain (FQDNs end in .svc.<domain>)." },
      },
    },
  },
  (stack, settings, report, args) => {
    if (!stack.resources.some((r) => isIstioResource(r.type, r.props))) {
      if (!settings.requireMesh) args.notApplicable("the stack has no Istio resource and requireMesh is false");
      report(
        "mTLS is not configured: the stack has no Istio resource (no mesh, no PeerAuthentication): compose the istio component with a mesh-wide STRICT PeerAuthentication, or set requireMesh false for a stack that must run without a mesh.",
      );
      return;
    }
    const domain = settings.clusterDomain;
    const namespaces = stack.namespaces();
    const templates = stack.podTemplates();
    const tier = settings.appTierLabels ?? APP_TIER_LABELS;

    // App namespaces: where app-tier pods run. Each must be a Namespace of the stack with injection on.
    const appNamespaces = new Set(
      templates
        .filter(({ resource, template }) => hasLabels({ ...labelsOf(resource.props), ...template.labels }, tier))
        .map(({ template }) => template.namespace),
    );
    for (const name of [...appNamespaces].sort()) {
      const ns = namespaces.get(name);
      if (!ns) {
        report(
          `Namespace ${name} runs app-tier pods (${formatLabels(tier)}) but is not declared by the stack, so its sidecar injection cannot be checked: declare it with label ${INJECTION_LABEL}: ${INJECTION_ENABLED}.`,
        );
      } else if (!injectionEnabled(ns.props)) {
        const value = labelsOf(ns.props)[INJECTION_LABEL];
        report(
          `Namespace ${name} runs app-tier pods but metadata.labels.${INJECTION_LABEL} is ${value === undefined ? "unset" : JSON.stringify(value)}, so its pods get no sidecar and no mTLS: set label ${INJECTION_LABEL}: ${INJECTION_ENABLED}.`,
          ns.urn,
        );
      }
    }
    const meshNamespaces = new Set([...appNamespaces, ...[...namespaces].filter(([, ns]) => injectionEnabled(ns.props)).map(([name]) => name)]);

    // PeerAuthentications: one mesh-wide STRICT; none PERMISSIVE/DISABLE, not even on a port.
    const peerAuthentications = stack.ofTypes(PEER_AUTHENTICATION_TYPES);
    const meshWide = peerAuthentications.filter((pa) => namespaceOf(pa.props) === settings.rootNamespace && !hasSelector(pa.props));
    if (meshWide.length === 0) {
      report(
        `No mesh-wide PeerAuthentication: add a PeerAuthentication named default in namespace ${settings.rootNamespace} without selector and with spec.mtls.mode STRICT (Istio's default is PERMISSIVE).`,
      );
    }
    for (const pa of peerAuthentications) {
      const what = describe(pa.props, "PeerAuthentication");
      const mode = pa.props.spec?.mtls?.mode;
      if (WEAK_PEER_MODES.includes(mode)) {
        report(
          `${what}: spec.mtls.mode is ${mode}, which accepts plain-text traffic: set it to STRICT (or remove the mtls block to inherit the mesh-wide STRICT).`,
          pa.urn,
        );
      } else if (meshWide.includes(pa) && mode !== "STRICT") {
        report(
          `${what} is the mesh-wide PeerAuthentication but spec.mtls.mode is ${mode ?? "unset"} (mesh-wide default is PERMISSIVE): set spec.mtls.mode to STRICT.`,
          pa.urn,
        );
      }
      for (const [port, setting] of Object.entries((pa.props.spec?.portLevelMtls ?? {}) as Record<string, Props>)) {
        if (WEAK_PEER_MODES.includes(setting?.mode)) {
          report(
            `${what}: spec.portLevelMtls.${port}.mode is ${setting.mode}, which accepts plain-text traffic on port ${port}: set it to STRICT or remove the port entry.`,
            pa.urn,
          );
        }
      }
    }

    // DestinationRules towards in-mesh hosts keep Istio's mutual TLS (ISTIO_MUTUAL, or unset = auto mTLS).
    const inMesh = (host: string, ruleNamespace: string): boolean => {
      const resolved = resolveHost(host, ruleNamespace, domain);
      const fqdn = intendedServiceFqdn(host, domain) ?? resolved;
      return [...meshNamespaces].some((ns) => hostCovers(resolved, `x.${ns}.svc.${domain}`) || fqdn.endsWith(`.${ns}.svc.${domain}`));
    };
    for (const rule of stack.ofTypes(DESTINATION_RULE_TYPES)) {
      const host = String(rule.props.spec?.host ?? "");
      if (!host || !inMesh(host, namespaceOf(rule.props))) continue;
      for (const { policy, path } of trafficPolicies(rule.props)) {
        const mode = policy.tls?.mode;
        if (settings.forbiddenTlsModes.includes(mode)) {
          report(
            `${describe(rule.props, "DestinationRule")} (host ${host}, in the mesh): ${path}.tls.mode is ${mode}, which replaces Istio's mutual TLS: set it to ISTIO_MUTUAL or remove tls.`,
            rule.urn,
          );
        }
      }
    }

    // No pod opts out of the sidecar.
    for (const { resource, template } of templates) {
      if (settings.exemptNamespaces.includes(template.namespace)) continue;
      for (const [where, values] of [
        ["annotations", template.annotations],
        ["labels", template.labels],
      ] as const) {
        if (String(values[INJECT_ANNOTATION]).toLowerCase() === "false") {
          const path = template.path.replace(/\.spec$/, "").replace(/^spec$/, "");
          report(
            `${describe(resource.props)}: ${path ? `${path}.` : ""}metadata.${where}["${INJECT_ANNOTATION}"] is "false", so its pods run without sidecar and without mTLS: remove it.`,
            resource.urn,
          );
        }
      }
    }
  },
);
