import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { configChecksum } from "./checksum";
import { withEphemeralStorage } from "./ephemeral-storage";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./security-context";
import { ServiceType, serviceAwaitAnnotations } from "./service-await";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type ServicePort = k8s.types.input.core.v1.ServicePort;
type ServiceSpec = k8s.types.input.core.v1.ServiceSpec;

/** Files a workload reads, from a ConfigMap mounted read-only at `mountPath`. */
export interface ConfigFiles {
  /** The ConfigMap's name, and its resource name. */
  readonly configMap: string;
  /** The volume's name in the pod. */
  readonly volume: string;
  readonly mountPath: string;
  readonly files: Readonly<Record<string, string>>;
  /**
   * The workload re-reads these files while it runs (the kubelet refreshes a mounted ConfigMap), so a change
   * needs no restart; otherwise they are read at start only and the pod template carries their checksum.
   */
  readonly reloaded?: boolean;
  /** Labels besides the workload's (a convention a reader selects by, say). */
  readonly labels?: Record<string, string>;
}

export interface PlatformService {
  /** The Service's name, and its resource name. */
  readonly name: string;
  readonly ports: readonly ServicePort[];
  /** ClusterIP unless set; other fields of the spec (externalTrafficPolicy, …) go in `spec`. */
  readonly type?: ServiceType;
  readonly spec?: Omit<ServiceSpec, "type" | "selector" | "ports">;
  readonly labels?: Record<string, string>;
}

/**
 * An HTTP probe of a platform workload on a named port: every 10 s, three misses in a row fail it; the timeout
 * (and any initial delay) is the workload's own.
 */
export function httpProbe(path: string, port: string, timing: { readonly timeoutSeconds: number; readonly initialDelaySeconds?: number }) {
  return {
    httpGet: { path, port, scheme: "HTTP" },
    ...(timing.initialDelaySeconds ? { initialDelaySeconds: timing.initialDelaySeconds } : {}),
    periodSeconds: 10,
    timeoutSeconds: timing.timeoutSeconds,
    failureThreshold: 3,
  };
}

export interface PlatformWorkloadArgs {
  /** The Deployment's name, and the resource name of the Deployment and the ServiceAccount. */
  readonly name: string;
  readonly namespace: pulumi.Input<string>;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  /** The ServiceAccount's name (default: `name`); its token is mounted only when the workload calls the API. */
  readonly serviceAccount?: { readonly name?: string; readonly automountToken?: boolean };
  /** The image's non-root user. */
  readonly uid: number;
  readonly replicas: number;
  /** One pod at a time (its data is the pod's own volume): Recreate instead of a rolling update. */
  readonly singleton?: boolean;
  readonly config?: readonly ConfigFiles[];
  /** The annotation holding the checksum of the files read at start (default `checksum/config`). */
  readonly checksumAnnotation?: string;
  readonly podAnnotations?: Record<string, pulumi.Input<string>>;
  /** The workload's one container; the config mounts are added to its own. */
  readonly container: Omit<Container, "securityContext" | "imagePullPolicy">;
  /** Volumes besides the config's. */
  readonly volumes?: PodSpec["volumes"];
  /** Other fields of the pod spec (topology spread, grace period, …). */
  readonly podSpec?: Omit<PodSpec, "containers" | "volumes" | "securityContext" | "serviceAccountName" | "automountServiceAccountToken">;
  readonly services?: readonly PlatformService[];
  /** What the Deployment waits for besides its own inputs (RBAC its discovery needs, say). */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** `{ [field]: list }`, or nothing for an empty list: the API server drops an empty one, and the applied object would differ. */
const nonEmpty = <K extends string, T>(field: K, list: T[]): Partial<Record<K, T[]>> => (list.length > 0 ? ({ [field]: list } as Record<K, T[]>) : {});

export interface PlatformWorkload {
  readonly serviceAccount: k8s.core.v1.ServiceAccount;
  readonly configMaps: readonly k8s.core.v1.ConfigMap[];
  readonly deployment: k8s.apps.v1.Deployment;
  readonly services: readonly k8s.core.v1.Service[];
}

/**
 * The shape every single-container platform workload shares (Kong, Prometheus, Jaeger, Alertmanager, Grafana…):
 * a ServiceAccount of its own, its config files in ConfigMaps, one Deployment under the restricted Pod Security
 * profile with sized ephemeral storage, and ClusterIP Services in front of it.
 */
export function platformWorkload(args: PlatformWorkloadArgs, opts: pulumi.CustomResourceOptions): PlatformWorkload {
  const { name, namespace, labels, selector } = args;
  const automountToken = args.serviceAccount?.automountToken ?? false;
  const serviceAccount = new k8s.core.v1.ServiceAccount(
    name,
    { metadata: { name: args.serviceAccount?.name ?? name, namespace, labels }, automountServiceAccountToken: automountToken },
    opts,
  );
  const config = args.config ?? [];
  const configMaps = config.map(
    (c) =>
      new k8s.core.v1.ConfigMap(c.configMap, { metadata: { name: c.configMap, namespace, labels: { ...labels, ...c.labels } }, data: { ...c.files } }, opts),
  );
  const readAtStart = config.filter((c) => !c.reloaded).flatMap((c) => Object.values(c.files));
  const annotations = {
    ...(readAtStart.length > 0 ? { [args.checksumAnnotation ?? "checksum/config"]: configChecksum(...readAtStart) } : {}),
    ...args.podAnnotations,
  };
  const deployment = new k8s.apps.v1.Deployment(
    name,
    {
      metadata: { name, namespace, labels },
      spec: {
        replicas: args.replicas,
        ...(args.singleton ? { strategy: { type: "Recreate" } } : {}),
        selector: { matchLabels: selector },
        template: {
          // No empty annotations map: the API server drops it, as it does an empty list (nonEmpty).
          metadata: { labels, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
          spec: withEphemeralStorage({
            serviceAccountName: serviceAccount.metadata.name,
            automountServiceAccountToken: automountToken,
            ...args.podSpec,
            securityContext: restrictedPodSecurity(args.uid),
            containers: [
              {
                ...args.container,
                imagePullPolicy: "IfNotPresent",
                securityContext: restrictedContainerSecurity,
                ...nonEmpty("volumeMounts", [
                  ...config.map((c) => ({ name: c.volume, mountPath: c.mountPath, readOnly: true })),
                  ...((args.container.volumeMounts ?? []) as k8s.types.input.core.v1.VolumeMount[]),
                ]),
              },
            ],
            ...nonEmpty("volumes", [
              ...configMaps.map((m, i) => ({ name: config[i].volume, configMap: { name: m.metadata.name } })),
              ...((args.volumes ?? []) as k8s.types.input.core.v1.Volume[]),
            ]),
          }),
        },
      },
    },
    { ...opts, ...(args.dependsOn ? { dependsOn: args.dependsOn } : {}) },
  );
  const services = (args.services ?? []).map((s) => {
    const type = s.type ?? "ClusterIP";
    return new k8s.core.v1.Service(
      s.name,
      {
        metadata: { name: s.name, namespace, labels: s.labels ?? labels, annotations: serviceAwaitAnnotations(type) },
        spec: { type, ...s.spec, selector, ports: [...s.ports] },
      },
      opts,
    );
  });
  return { serviceAccount, configMaps, deployment, services };
}
