import { mayHavePodTemplate, templateOrSkip } from "../hygiene/workloads";
import { exemptNamespacesSchema } from "../lib/config";
import { containersOf, describe } from "../lib/k8s";
import { ADVISORY, resourcePolicy } from "../lib/policy";

export interface SidecarUidSettings {
  proxyUid: number;
  exemptNamespaces: string[];
}

/** The container Istio injects (and the one an Istio gateway runs): it is meant to run as the proxy UID. */
const PROXY_CONTAINER = "istio-proxy";
const INJECT = "sidecar.istio.io/inject";

/**
 * The sidecar's UID (Istio "Application requirements": pods must not run as UID 1337): the
 * sidecar's iptables rules let traffic of the proxy's own UID out unintercepted, so an app
 * container running as that UID bypasses the mesh — no mTLS, authorization policy, retries or
 * telemetry. Checked per app container with its effective UID (its own `runAsUser`, else the
 * pod's). Init containers are left out: running them as the proxy UID is Istio's documented way to
 * give them network before the sidecar starts. So is the `istio-proxy` container itself, and a pod
 * that opts out of injection (`sidecar.istio.io/inject: "false"`), which has no sidecar to bypass.
 */
export const istioSidecarUid = resourcePolicy<SidecarUidSettings>(
  {
    name: "istio-sidecar-uid",
    description: "No app container runs as the UID of Istio's sidecar proxy (1337), whose traffic the mesh does not intercept.",
    enforcementLevel: ADVISORY,
    severity: "medium",
    configSchema: {
      properties: {
        proxyUid: { type: "integer", default: 1337, description: "The UID Istio's sidecar proxy runs as (values.global.proxy.uid)." },
        exemptNamespaces: exemptNamespacesSchema("workloads"),
      },
    },
  },
  mayHavePodTemplate,
  (props, settings, report, args) => {
    const template = templateOrSkip(args.type, props, settings.exemptNamespaces, args.notApplicable);
    if (String(template.annotations[INJECT] ?? template.labels[INJECT] ?? "") === "false") args.notApplicable("the pod opts out of sidecar injection");
    const what = describe(props);
    const uid = Number(settings.proxyUid);
    const podUid = template.spec.securityContext?.runAsUser;
    const inheriting: string[] = [];
    for (const { container, path } of containersOf(template)) {
      if (container.name === PROXY_CONTAINER) continue;
      const own = container.securityContext?.runAsUser;
      if (own !== undefined && own !== null) {
        if (Number(own) === uid) {
          report(
            `${what}: ${path}.securityContext.runAsUser is ${uid}, the UID of Istio's sidecar, whose traffic the sidecar does not intercept, so the container bypasses the mesh (no mTLS or authorization policy): run it as another UID.`,
          );
        }
      } else if (podUid !== undefined && podUid !== null && Number(podUid) === uid) {
        inheriting.push(String(container.name ?? path));
      }
    }
    if (inheriting.length) {
      report(
        `${what}: ${template.path}.securityContext.runAsUser is ${uid} (inherited by ${inheriting.join(", ")}), the UID of Istio's sidecar, whose traffic the sidecar does not intercept, so those containers bypass the mesh (no mTLS or authorization policy): set another runAsUser.`,
      );
    }
  },
);
