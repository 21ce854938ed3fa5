import * as k8s from "@pulumi/kubernetes";
import { parseQuantity } from "./quantity";

type PodSpec = k8s.types.input.core.v1.PodSpec;

/** What the kubelet keeps of a container's logs by default: 5 rotated files of 10 MiB. */
export const LOG_ALLOWANCE = "50Mi";

const MI = 2 ** 20;
const mebibytes = (bytes: number) => `${Math.ceil(bytes / MI)}Mi`;

const plain = <T>(value: unknown, what: string): T => {
  if (value === undefined || (typeof value === "object" && value !== null && "apply" in value)) {
    throw new Error(`ephemeral storage: ${what} must be known when the program runs (not an Output)`);
  }
  return value as T;
};

/**
 * The pod spec with each container's (and init container's) ephemeral storage requested and limited from what it writes:
 * its logs (LOG_ALLOWANCE) and the disk-backed emptyDirs it mounts, each at its sizeLimit (a disk-backed
 * emptyDir without one is an error: nothing would bound it). The request equals the limit, so a pod is
 * scheduled only where all it may write fits; memory-backed emptyDirs count against memory instead.
 */
export function withEphemeralStorage<T extends PodSpec>(spec: T): T {
  const volumes = plain<NonNullable<PodSpec["volumes"]>>(spec.volumes ?? [], "volumes") as k8s.types.input.core.v1.Volume[];
  const scratch = new Map<string, number>();
  for (const volume of volumes) {
    const emptyDir = volume.emptyDir as k8s.types.input.core.v1.EmptyDirVolumeSource | undefined;
    if (!emptyDir || emptyDir.medium === "Memory") continue;
    const name = plain<string>(volume.name, "a volume's name");
    if (emptyDir.sizeLimit === undefined) throw new Error(`ephemeral storage: emptyDir ${name} has no sizeLimit, so nothing bounds what is written to it`);
    scratch.set(name, parseQuantity(plain<string>(emptyDir.sizeLimit, `emptyDir ${name}'s sizeLimit`)));
  }
  const size = (container: k8s.types.input.core.v1.Container) => {
    const mounts = (plain<k8s.types.input.core.v1.VolumeMount[] | undefined>(container.volumeMounts ?? [], "volumeMounts") ?? []).map((m) =>
      plain<string>(m.name, "a volume mount's name"),
    );
    const bytes = parseQuantity(LOG_ALLOWANCE) + mounts.reduce((sum, name) => sum + (scratch.get(name) ?? 0), 0);
    const resources = plain<k8s.types.input.core.v1.ResourceRequirements>(container.resources ?? {}, "resources");
    const size = { "ephemeral-storage": mebibytes(bytes) };
    return {
      ...container,
      resources: {
        ...resources,
        requests: { ...plain<Record<string, string>>(resources.requests ?? {}, "requests"), ...size },
        limits: { ...plain<Record<string, string>>(resources.limits ?? {}, "limits"), ...size },
      },
    };
  };
  const containers = plain<k8s.types.input.core.v1.Container[]>(spec.containers, "containers").map(size);
  const initContainers = plain<k8s.types.input.core.v1.Container[]>(spec.initContainers ?? [], "initContainers").map(size);
  return { ...spec, containers, ...(initContainers.length ? { initContainers } : {}) };
}
