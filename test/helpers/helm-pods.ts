import { MESH } from "../../catalog";
import { INGRESS_GATEWAY } from "../../components/zero-trust/graph";
import { Rendered } from "./render";

/** A pod the render does not hold, as the catalog records its labels and identity. */
export interface ExternalPod {
  readonly id: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly serviceAccount: string;
  /** A mesh proxy (the ingress gateway): it has a mesh identity and enforces AuthorizationPolicies on its listener. */
  readonly gateway: boolean;
}

/** The pods Istio's Helm releases in the render run (the charts' workloads are not resources of the stack). */
export function helmPods(r: Rendered): ExternalPod[] {
  const releases = new Set(r.ofType("kubernetes:helm.sh/v3:Release").map((x) => String(x.inputs.name)));
  const pod = (release: string, namespace: string, labels: Record<string, string>, serviceAccount: string, gateway = false): ExternalPod[] =>
    releases.has(release) ? [{ id: `${namespace}/${release} (Helm)`, namespace, labels: { ...labels }, serviceAccount, gateway }] : [];
  return [
    ...pod(MESH.install.releases.istiod, MESH.rootNamespace, MESH.istiod.selector, MESH.istiod.serviceAccount),
    ...pod(MESH.install.releases.gateway, INGRESS_GATEWAY.namespace, MESH.ingressSelector, INGRESS_GATEWAY.serviceAccount, true),
    ...pod(MESH.install.releases.cni, MESH.install.cni.namespace, MESH.install.cni.selector, MESH.install.cni.serviceAccount),
  ];
}
