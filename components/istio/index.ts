import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MESH, ServiceEntry } from "../../catalog";
import { emitDocuments } from "../artifacts/emit";
import { PlatformArgs, PlatformComponentResource, ServiceBinding } from "../platform";
import { IstioInstallation, installIstio } from "./install";
import { gatewayClientPorts, meshObjects } from "./mesh-objects";
import { requireInstalledIstio } from "./prerequisites";
import { IstioSettings, istioSettings } from "./settings";
import { meshSpecDocuments } from "./spec-documents";

/**
 * Istio, the service mesh. Emits the spec's service_mesh/ documents as written and applies their
 * valid equivalents derived from the catalog:
 * - with `microservices-ecosystem:istio` `{install: true}` (the default), Istio itself from its
 *   Helm charts (base → istiod → ingress gateway, see install.ts); every mesh object and every
 *   service's Deployments wait for the awaited istiod release;
 * - STRICT mTLS mesh-wide and in the services' namespace (the AuthorizationPolicies of every injected
 *   namespace come from the zero-trust graph, components/zero-trust);
 * - a DestinationRule per service, the order service's canary (subsets, in-mesh split, a real
 *   `version: v2` Deployment through `bindService`), the API Gateway and its routes.
 */
export class IstioMesh extends pulumi.ComponentResource implements PlatformComponentResource {
  readonly settings: IstioSettings;
  /** Set when this stack installs Istio. */
  readonly installation?: IstioInstallation;
  readonly meshReady?: pulumi.Resource;
  /** The ports the ingress gateway's listener takes the API's clients on (without Kong). */
  readonly gatewayClientPorts: readonly number[];
  /** What every Istio object of the stack waits for: the CRDs (and istiod's webhooks), or the checks of an Istio already running. */
  readonly objectsReady: readonly pulumi.Resource[];
  private readonly environment: "dev" | "prod";

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:Istio", name, {}, opts);
    this.settings = istioSettings(args.environment, args.settings, args.components.includes("kong"));
    this.environment = args.environment;
    this.gatewayClientPorts = gatewayClientPorts(this.settings);
    emitDocuments(this, name, args.artifactsDir, meshSpecDocuments());

    const childOpts = { parent: this, provider: args.provider };
    this.installation = this.settings.install ? installIstio(this, args, args.environment, this.settings) : undefined;
    // What must answer before others go ahead: with webhooks, istiod (injection, validation); without, the
    // mesh objects only need the CRDs, and pods have nothing to wait for.
    const webhooksReady = this.installation && this.settings.webhooks ? this.installation.istiod : undefined;
    this.meshReady = webhooksReady;
    const objects = meshObjects({
      namespace: args.namespaceName,
      services: args.services,
      components: args.components,
      settings: this.settings,
    });
    const prerequisites = this.installation || args.renderOnly ? [] : requireInstalledIstio(this, args.provider, objects);
    this.objectsReady = this.installation ? [webhooksReady ?? this.installation.base] : prerequisites;
    const meshOpts = { ...childOpts, dependsOn: [...this.objectsReady] };
    const rootNamespace = this.installation?.rootNamespace ?? MESH.rootNamespace;

    for (const object of objects) {
      new k8s.apiextensions.CustomResource(
        `${object.name}-${object.kind.toLowerCase()}${object.scope === "root" ? "-mesh" : ""}`,
        {
          apiVersion: object.apiVersion,
          kind: object.kind,
          metadata: { name: object.name, namespace: object.scope === "root" ? rootNamespace : args.namespace },
          spec: object.spec,
        },
        meshOpts,
      );
    }
    this.registerOutputs({});
  }

  /**
   * What a service gets from the mesh: the canary's second Deployment (`version: v2`) for
   * MESH.canary.service, and a wait for istiod when this stack installs it (the injection webhook must
   * answer before the pods are created). Sidecars are sized by the install's values (requests and limits
   * of CPU, memory and ephemeral storage); on an Istio the stack does not install, by pod annotations,
   * which size CPU and memory only.
   */
  bindService(entry: ServiceEntry): ServiceBinding {
    const proxy = MESH.install.sizes[this.environment].proxy;
    const canary = entry.config.service_name === MESH.canary.service;
    return {
      ...(this.installation
        ? {}
        : {
            podAnnotations: {
              "sidecar.istio.io/proxyCPU": proxy.requests.cpu,
              "sidecar.istio.io/proxyMemory": proxy.requests.memory,
              "sidecar.istio.io/proxyCPULimit": proxy.limits.cpu,
              "sidecar.istio.io/proxyMemoryLimit": proxy.limits.memory,
            },
          }),
      ...(canary
        ? {
            versions: [
              { version: MESH.canary.stable.subset, replicas: entry.config.replicas },
              { version: MESH.canary.candidate.subset, replicas: MESH.canary.candidateReplicas },
            ],
          }
        : {}),
      ...(this.meshReady ? { dependsOn: [this.meshReady] } : {}),
    };
  }
}
