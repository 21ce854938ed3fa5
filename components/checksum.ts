import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

/**
 * A pod template annotation value that changes with the config its pods read at start: a
 * changed ConfigMap then rolls the pods (sha256 of the texts, in order).
 */
export function configChecksum(...texts: readonly string[]): string {
  const hash = createHash("sha256");
  for (const text of texts) hash.update(text);
  return hash.digest("hex");
}

/**
 * A pod template annotation value that changes with the credentials its pods read at start (Secrets
 * read into the environment are not updated in a running pod): a rotated password then rolls them. A
 * sha256 of high-entropy passwords tells nothing of them, so it is not kept secret (a secret annotation
 * would hide every diff of the pod template).
 */
export function credentialsChecksum(...secrets: readonly pulumi.Input<string>[]): pulumi.Output<string> {
  return pulumi.unsecret(pulumi.all([...secrets]).apply((values: string[]) => configChecksum(...values.map((v) => `${v}\0`))));
}
