import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServiceEntry } from "../catalog";
import { StackNamespace } from "./zero-trust/namespaces";

/** What every platform component is given by the stack. */
export interface PlatformArgs {
  readonly stack: string;
  readonly environment: "dev" | "prod";
  /** Namespace of the services (platform pieces pick their own where they need one). */
  readonly namespace: pulumi.Input<string>;
  /** The namespace's name as configured (for FQDNs known before deployment). */
  readonly namespaceName: string;
  readonly services: readonly ServiceEntry[];
  /** The platform components this stack composes (a component may adapt to its peers). */
  readonly components: readonly string[];
  /** The stack's config object for this component (`microservices-ecosystem:<component>`), if any. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly artifactsDir: string;
  readonly provider: k8s.Provider;
  /** True when the provider writes manifests (renderYamlToDirectory): nothing can be read from a cluster. */
  readonly renderOnly: boolean;
  /**
   * What a namespace labelled for sidecar injection must wait for (the awaited istiod release,
   * when the stack installs Istio): pods created before the injection webhook answers run without
   * a sidecar, and STRICT mTLS then rejects their traffic.
   */
  readonly meshReady?: pulumi.Resource;
  /** Every namespace the stack creates, with its sidecar injection and Pod Security level (see stackNamespace). */
  readonly namespaces: readonly StackNamespace[];
  /** The StorageClass of every claim; the cluster's default when unset. */
  readonly storageClass?: string;
}

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** What a platform component gives one service: connection settings, pod annotations. */
export interface ServiceBinding {
  readonly env?: readonly EnvVar[];
  readonly podAnnotations?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Deployments to run instead of the single `v1` (a canary adds `v2`). */
  readonly versions?: readonly { readonly version: string; readonly replicas: number }[];
  /** Resources the service's Deployments must wait for (e.g. a secret's source, istiod). */
  readonly dependsOn?: readonly pulumi.Resource[];
}

/** A composed platform component; `bindService` is how it reaches the services. */
export interface PlatformComponentResource extends pulumi.ComponentResource {
  bindService?(service: ServiceEntry): ServiceBinding;
  /** Set by the mesh: what injected namespaces wait for (see PlatformArgs.meshReady). */
  readonly meshReady?: pulumi.Resource;
}
