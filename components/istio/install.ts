import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MESH } from "../../catalog";
import { commonLabels } from "../labels";
import { IstioSettings } from "./settings";

/** What the Helm install leaves for the mesh objects: the namespaces and the awaited istiod. */
export interface IstioInstallation {
  /** istio-system (an Output, so that objects placed in it wait for the Namespace). */
  readonly rootNamespace: pulumi.Output<string>;
  /** The istiod release: awaited (skipAwait false), so its webhooks answer once it is ready. */
  readonly istiod: k8s.helm.v3.Release;
  readonly gateway: k8s.helm.v3.Release;
}

const chart = (name: string) => ({
  chart: name,
  version: MESH.install.version,
  repositoryOpts: { repo: MESH.install.chartRepository },
});

/** The ingress gateway Service's ports (the chart's defaults, with kind's fixed NodePorts when NodePort). */
function ingressPorts(type: IstioSettings["ingressServiceType"]) {
  const nodePort = (port: number) => (type === "NodePort" ? { nodePort: port } : {});
  return [
    { name: "status-port", port: 15021, protocol: "TCP", targetPort: 15021 },
    { name: "http2", port: MESH.ingressServer.number, protocol: "TCP", targetPort: MESH.ingressServer.number, ...nodePort(MESH.install.ingressNodePorts.http) },
    { name: "https", port: 443, protocol: "TCP", targetPort: 443, ...nodePort(MESH.install.ingressNodePorts.https) },
  ];
}

/**
 * Istio from its Helm charts, pinned: `base` (CRDs, cluster roles) → `istiod` → the ingress
 * `gateway` in its own namespace. Each release waits for its resources to be ready (Pulumi's
 * Release awaits by default), so nothing that depends on istiod starts before its webhooks answer.
 */
export function installIstio(
  parent: pulumi.Resource,
  provider: k8s.Provider,
  environment: "dev" | "prod",
  settings: IstioSettings,
): IstioInstallation {
  const opts = { parent, provider };
  const sizes = MESH.install.sizes[environment];
  const namespace = (name: string) =>
    new k8s.core.v1.Namespace(name, { metadata: { name, labels: commonLabels(name, "namespace") } }, opts);
  const root = namespace(MESH.rootNamespace);
  const ingress = namespace(MESH.install.ingressNamespace);

  const base = new k8s.helm.v3.Release(MESH.install.releases.base, {
    name: MESH.install.releases.base,
    ...chart("base"),
    namespace: root.metadata.name,
    skipAwait: false,
  }, opts);

  const istiod = new k8s.helm.v3.Release(MESH.install.releases.istiod, {
    name: MESH.install.releases.istiod,
    ...chart("istiod"),
    namespace: root.metadata.name,
    skipAwait: false,
    values: {
      pilot: {
        replicaCount: 1,
        autoscaleEnabled: environment === "prod",
        resources: sizes.pilot,
      },
      // Every injected sidecar's default size (services set theirs per pod, see IstioMesh.bindService).
      global: { proxy: { resources: sizes.proxy } },
    },
  }, { ...opts, dependsOn: [base] });

  const gateway = new k8s.helm.v3.Release(MESH.install.releases.gateway, {
    name: MESH.install.releases.gateway,
    ...chart("gateway"),
    namespace: ingress.metadata.name,
    skipAwait: false,
    values: {
      name: MESH.install.releases.gateway,
      // The pods' selector labels: the Gateway object selects `istio: ingress`.
      labels: { ...MESH.ingressSelector },
      service: { type: settings.ingressServiceType, ports: ingressPorts(settings.ingressServiceType) },
      resources: sizes.gateway,
      autoscaling: { enabled: environment === "prod" },
    },
  }, { ...opts, dependsOn: [istiod] });

  return { rootNamespace: root.metadata.name, istiod, gateway };
}
