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
