import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServiceEntry } from "../catalog";

/** What every platform component is given by the stack. */
export interface PlatformArgs {
  readonly environment: "dev" | "prod";
  /** Namespace of the services (platform pieces pick their own where they need one). */
  readonly namespace: pulumi.Input<string>;
  readonly services: readonly ServiceEntry[];
  readonly artifactsDir: string;
  readonly provider: k8s.Provider;
}
