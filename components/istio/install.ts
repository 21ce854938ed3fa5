import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { MESH } from "../../catalog";
import { UNHEALTHY_POD_EVICTION_POLICY } from "../disruption-budget";
import { NamespaceContext, stackNamespace } from "../namespace";
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
  /** The CNI node agent's release (`istio.cni`). */
  readonly cni?: k8s.helm.v3.Release;
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

/** The runtime's default seccomp profile, which the `restricted` Pod Security level requires of every pod. */
const RUNTIME_DEFAULT = { type: "RuntimeDefault" };

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
export function installIstio(parent: pulumi.Resource, context: NamespaceContext, environment: "dev" | "prod", settings: IstioSettings): IstioInstallation {
  const provider = context.provider;
  const opts = { parent, provider };
  const sizes = MESH.install.sizes[environment];
  const replicas = MESH.install.replicas[environment];
  // A kind cluster has no metrics server: dev runs a fixed count, prod autoscales from its minimum.
  const autoscaled = environment === "prod";
  const namespace = (name: string) => stackNamespace(context, name, name, { parent });
  const root = namespace(MESH.rootNamespace);
  const webhooks = webhookValues(settings);

  // The node agent that sets up each meshed pod's traffic redirection (no privileged istio-init container),
  // in a namespace of its own: the only one whose pods need the privileged Pod Security level.
  const cni = settings.cni
    ? new k8s.helm.v3.Release(
        MESH.install.releases.cni,
        {
          name: MESH.install.releases.cni,
          ...chart("cni", settings),
          namespace: namespace(MESH.install.cni.namespace).metadata.name,
          skipAwait: false,
          values: merge(images, { resources: sizes.cni }),
        },
        opts,
      )
    : undefined;

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
        // The chart's PodDisruptionBudget (from two replicas on): an unhealthy istiod never blocks a drain.
        pdb: { unhealthyPodEvictionPolicy: UNHEALTHY_POD_EVICTION_POLICY },
        resources: sizes.pilot,
        traceSampling: MESH.traceSampling,
        seccompProfile: RUNTIME_DEFAULT,
        // With the CNI agent, the injector leaves out istio-init and runs the sidecar as a restricted container.
        cni: { enabled: settings.cni },
        // Every injected sidecar's size and seccomp profile.
        global: { proxy: { resources: sizes.proxy, seccompProfile: RUNTIME_DEFAULT } },
      }),
    },
    // Pods injected before the CNI agent runs on their node would wait for it: istiod (and so every meshed pod) comes after it.
    { ...opts, dependsOn: [base, ...(cni ? [cni] : [])] },
  );

  // The gateway's pods get their proxy image from the injection webhook (the chart says `image: auto`).
  if (!settings.webhooks) return { rootNamespace: root.metadata.name, base, istiod, cni };
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
        service: {
          type: settings.ingressServiceType,
          ports: ingressPorts(settings.ingressServiceType),
          ...(settings.loadBalancerSourceRanges ? { loadBalancerSourceRanges: [...settings.loadBalancerSourceRanges] } : {}),
        },
        resources: sizes.gateway,
        // The chart's default pod security context (the sysctl that lets the proxy bind ports below 1024), plus
        // the seccomp profile the restricted level requires.
        securityContext: { sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }], seccompProfile: RUNTIME_DEFAULT },
        ...(autoscaled
          ? {
              autoscaling: { enabled: true, minReplicas: replicas.gateway },
              podDisruptionBudget: { minAvailable: 1, unhealthyPodEvictionPolicy: UNHEALTHY_POD_EVICTION_POLICY },
            }
          : { autoscaling: { enabled: false }, replicaCount: replicas.gateway }),
      },
    },
    { ...opts, dependsOn: [istiod] },
  );

  return { rootNamespace: root.metadata.name, base, istiod, gateway, cni };
}
