import { spawnSync } from "child_process";
import { HelmRecord, Live, ObjectRef, ReleaseRef } from "./plan";

/** A kubectl call that failed: the command and what it printed. */
export class KubectlError extends Error {}

/** kubectl on the PATH, with `--context` when one is given. */
export function kubectl(context: string | undefined, args: readonly string[], input?: string): { status: number; stdout: string; stderr: string } {
  const run = spawnSync("kubectl", [...(context ? ["--context", context] : []), "--request-timeout=30s", ...args], {
    encoding: "utf8",
    input,
    maxBuffer: 64 * 2 ** 20,
  });
  if (run.error) throw new KubectlError(`kubectl ${args.join(" ")}: ${run.error.message} (is kubectl on the PATH?)`);
  return { status: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
}

/** The API server does not know the kind (its CRD is not installed yet, say): then no such object exists either. */
const UNKNOWN_KIND = /no matches for kind|the server doesn't have a resource type|could not find the requested resource/;

/** The cluster behind a kube context, as the recovery plan reads it (Helm's default Secret storage). */
export function liveCluster(context: string | undefined): Live {
  return {
    objectNamespace(ref: ObjectRef): string | undefined {
      const manifest = JSON.stringify({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
      });
      const run = kubectl(context, ["get", "-f", "-", "-o", "json", "--ignore-not-found"], manifest);
      if (run.status !== 0) {
        if (UNKNOWN_KIND.test(run.stderr)) return undefined;
        throw new KubectlError(`kubectl get ${ref.kind} ${ref.name}: ${run.stderr.trim()}`);
      }
      if (run.stdout.trim() === "") return undefined;
      // One object, or a List of it (`get -f` answers with a List).
      const found = JSON.parse(run.stdout);
      const live = found.kind === "List" ? found.items?.[0] : found;
      if (!live) return undefined;
      return String(live.metadata?.namespace ?? "");
    },
    helmRecords(release: ReleaseRef): HelmRecord[] {
      const run = kubectl(context, ["get", "secrets", "-n", release.namespace, "-l", `owner=helm,name=${release.name}`, "-o", "json"]);
      if (run.status !== 0) throw new KubectlError(`kubectl get secrets -n ${release.namespace} (Helm's records of ${release.name}): ${run.stderr.trim()}`);
      return (JSON.parse(run.stdout).items as any[]).map((s) => ({
        secret: String(s.metadata.name),
        status: String(s.metadata.labels?.status ?? ""),
        version: Number(s.metadata.labels?.version ?? 0),
      }));
    },
  };
}

/** Deletes one Helm release record. */
export function deleteHelmRecord(context: string | undefined, namespace: string, secret: string): void {
  const run = kubectl(context, ["delete", "secret", "-n", namespace, secret, "--ignore-not-found"]);
  if (run.status !== 0) throw new KubectlError(`kubectl delete secret -n ${namespace} ${secret}: ${run.stderr.trim()}`);
}
