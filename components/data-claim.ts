import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface DataClaimArgs {
  /** The claim's name, and its resource name (`<workload>-data`). */
  readonly name: string;
  readonly namespace: pulumi.Input<string>;
  readonly labels: Record<string, string>;
  readonly storage: string;
  /** The stack's StorageClass (the cluster's default when unset). */
  readonly storageClass?: string;
  readonly environment: string;
}

/**
 * A Deployment's data on a claim of its own: it outlives the pod, and on prod `pulumi destroy` leaves it
 * behind (`retainOnDelete`), its volume kept by the Retain class.
 */
export function dataClaim(args: DataClaimArgs, opts: pulumi.CustomResourceOptions): k8s.core.v1.PersistentVolumeClaim {
  return new k8s.core.v1.PersistentVolumeClaim(
    args.name,
    {
      metadata: { name: args.name, namespace: args.namespace, labels: args.labels },
      spec: {
        accessModes: ["ReadWriteOnce"],
        ...(args.storageClass ? { storageClassName: args.storageClass } : {}),
        resources: { requests: { storage: args.storage } },
      },
    },
    { ...opts, retainOnDelete: args.environment === "prod" },
  );
}
