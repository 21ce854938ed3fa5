import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { MESH } from "../../catalog";
import { commonLabels } from "../labels";
import { ISTIO_CHARTS, IstioSettings } from "./settings";

/** What the Helm install leaves for the mesh objects: the namespaces and the awaited istiod. */
export interface IstioInstallation {
  /** istio-system (an Output, so that objects placed in it wait for the Namespace). */
  readonly rootNamespace: pulumi.Output<string>;
  /** The base release: Istio's CRDs. */
  readonly base: k8s.helm.v3.Release;
  /** The istiod release: awaited (skipAwait false), so its webhooks answer once it is ready. */
  readonly istiod: k8s.helm.v3.Release;
  /** The ingress gateway release; none without webhooks (its pods need the injector). */
  readonly gateway?: k8s.helm.v3.Release;
}

/** A chart from Istio's repository at the pinned version, or from the local charts folder. */
const chart = (name: (typeof ISTIO_CHARTS)[number], settings: IstioSettings) =>
  settings.chartsDir === ""
    ? { chart: name, version: MESH.install.version, repositoryOpts: { repo: MESH.install.chartRepository } }
    : { chart: path.join(settings.chartsDir, name) };

/**
 * istiod's pinned image (a chart from Istio's source tree has an empty hub and tag). `base` runs no
 * pod, and the gateway's pods take the proxy image from the injector (the chart's `image: auto`).
 */
const images = { global: { hub: MESH.install.hub, tag: MESH.install.version } };

/**
 * With `webhooks: false`, the values that leave out every admission webhook the charts would
 * register (sidecar injection, revision tags, config validation, the default-revision validator):
 * the API server then never calls istiod.
 */
function webhookValues(settings: IstioSettings) {
  if (settings.webhooks) return { base: {}, istiod: {} };
  return {
    base: { defaultRevision: "" },
    istiod: { global: { operatorManageWebhooks: true, configValidation: false } },
  };
}

/** Values merged one level deep under `global` (the only key the pieces share). */
type Values = Record<string, unknown> & { global?: Record<string, unknown> };
const merge = (...parts: Values[]): Values => parts.reduce<Values>((acc, part) => ({ ...acc, ...part, global: { ...acc.global, ...part.global } }), {});

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
export function installIstio(parent: pulumi.Resource, provider: k8s.Provider, environment: "dev" | "prod", settings: IstioSettings): IstioInstallation {
  const opts = { parent, provider };
  const sizes = MESH.install.sizes[environment];
  const replicas = MESH.install.replicas[environment];
  // A kind cluster has no metrics server: dev runs a fixed count, prod autoscales from its minimum.
  const autoscaled = environment === "prod";
  const namespace = (name: string) => new k8s.core.v1.Namespace(name, { metadata: { name, labels: commonLabels(name, "namespace") } }, opts);
  const root = namespace(MESH.rootNamespace);
  const webhooks = webhookValues(settings);

  const base = new k8s.helm.v3.Release(
    MESH.install.releases.base,
    {
      name: MESH.install.releases.base,
      ...chart("base", settings),
      namespace: root.metadata.name,
      skipAwait: false,
      values: webhooks.base,
    },
    opts,
  );

  const istiod = new k8s.helm.v3.Release(
    MESH.install.releases.istiod,
    {
      name: MESH.install.releases.istiod,
      ...chart("istiod", settings),
      namespace: root.metadata.name,
      skipAwait: false,
      // The istiod chart reads its settings at the top level (a `pilot:` key, the IstioOperator's
      // layout, is ignored by it); the chart's own PDB appears once it runs more than one replica.
      values: merge(images, webhooks.istiod, {
        ...(autoscaled ? { autoscaleEnabled: true, autoscaleMin: replicas.istiod } : { autoscaleEnabled: false, replicaCount: replicas.istiod }),
        resources: sizes.pilot,
        traceSampling: MESH.traceSampling,
        // Every injected sidecar's default size (services set theirs per pod, see IstioMesh.bindService).
        global: { proxy: { resources: sizes.proxy } },
      }),
    },
    { ...opts, dependsOn: [base] },
  );

  // The gateway's pods get their proxy image from the injection webhook (the chart says `image: auto`).
  if (!settings.webhooks) return { rootNamespace: root.metadata.name, base, istiod };
  const ingress = namespace(MESH.install.ingressNamespace);
  const gateway = new k8s.helm.v3.Release(
    MESH.install.releases.gateway,
    {
      name: MESH.install.releases.gateway,
      ...chart("gateway", settings),
      namespace: ingress.metadata.name,
      skipAwait: false,
      values: {
        name: MESH.install.releases.gateway,
        // The pods' selector labels: the Gateway object selects `istio: ingress`.
        labels: { ...MESH.ingressSelector },
        service: { type: settings.ingressServiceType, ports: ingressPorts(settings.ingressServiceType) },
        resources: sizes.gateway,
        ...(autoscaled
          ? { autoscaling: { enabled: true, minReplicas: replicas.gateway }, podDisruptionBudget: { minAvailable: 1 } }
          : { autoscaling: { enabled: false }, replicaCount: replicas.gateway }),
      },
    },
    { ...opts, dependsOn: [istiod] },
  );

  return { rootNamespace: root.metadata.name, base, istiod, gateway };
}
