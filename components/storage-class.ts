import * as k8s from "@pulumi/kubernetes";
import { CONFIG_NAMESPACE, ConfigError } from "./settings";

/**
 * Reads the StorageClass prod's claims come from, so that a preview already says when it is missing
 * (the read fails, naming it) or would delete a volume with its claim (a reclaimPolicy other than Retain).
 */
export function requireRetainingStorageClass(name: string, provider: k8s.Provider): k8s.storage.v1.StorageClass {
  const storageClass = k8s.storage.v1.StorageClass.get("storage-class", name, { provider });
  storageClass.reclaimPolicy.apply((policy) => {
    if (policy !== undefined && policy !== "Retain") {
      throw new ConfigError(
        `${CONFIG_NAMESPACE}:storageClass ${name} has reclaimPolicy ${policy}, so a deleted claim deletes its volume and data: use a StorageClass with reclaimPolicy Retain (README, "Deploy to production")`,
      );
    }
  });
  return storageClass;
}
