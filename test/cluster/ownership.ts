import { Cluster, kubectl, kubectlJson } from "./lane";

// What the cluster holds of the stack, compared with the stack's state: objects the stack labels as its
// own (or Helm installed for one of its releases) that the state does not know are orphans, which no
// later `pulumi up` or `destroy` would ever touch again.

type Obj = Record<string, any>;

export const PART_OF = "app.kubernetes.io/part-of";
export const PROJECT = "microservices-ecosystem";
const HELM_RELEASE_NAME = "meta.helm.sh/release-name";
const HELM_RELEASE_NAMESPACE = "meta.helm.sh/release-namespace";

const ref = (o: Obj) => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;

/** A resource of `pulumi stack export` (the fields read here). */
interface StateResource {
  readonly type: string;
  readonly inputs?: Obj;
  readonly outputs?: Obj;
}

/** What the state manages: its Kubernetes objects (`Kind namespace/name`) and its Helm releases (`namespace/name`). */
export function managedByState(resources: readonly StateResource[]): { objects: Set<string>; releases: Set<string> } {
  const objects = new Set<string>();
  const releases = new Set<string>();
  for (const r of resources) {
    const props = r.outputs && Object.keys(r.outputs).length > 0 ? r.outputs : (r.inputs ?? {});
    if (/^kubernetes:helm\.sh\/v\d+:Release$/.test(r.type)) releases.add(`${props.namespace || "default"}/${props.name}`);
    else if (r.type.startsWith("kubernetes:") && props.kind && props.metadata?.name) objects.add(ref(props));
  }
  return { objects, releases };
}

/** Every object of every listable kind, namespaced and cluster-scoped. */
function everyObject(cluster: Cluster): Obj[] {
  const kinds = kubectl(cluster, "api-resources", "--verbs=list", "-o", "name")
    .trim()
    .split("\n")
    .filter((r) => !/^(events|events\.events\.k8s\.io)$/.test(r));
  return kubectlJson(cluster, "get", kinds.join(","), "-A").items as Obj[];
}

/**
 * Objects of the stack the state does not manage: labelled `part-of: microservices-ecosystem` and not
 * made by a controller (no ownerReferences; a StatefulSet's claims and a Service's Endpoints are theirs), or installed by Helm for
 * a release the state does not have, and Helm's records of such releases.
 */
export function orphans(cluster: Cluster, resources: readonly StateResource[]): string[] {
  const { objects, releases } = managedByState(resources);
  const statefulSets = [...objects].filter((o) => o.startsWith("StatefulSet ")).map((o) => o.slice("StatefulSet ".length));
  const claimOfManagedSet = (o: Obj) =>
    o.kind === "PersistentVolumeClaim" &&
    statefulSets.some((s) => s.startsWith(`${o.metadata.namespace}/`) && new RegExp(`^[a-z0-9-]+-${s.split("/")[1]}-\\d+$`).test(o.metadata.name));
  // The endpoints controller mirrors each Service's labels onto its Endpoints, without an owner reference.
  const endpointsOfManagedService = (o: Obj) => o.kind === "Endpoints" && objects.has(`Service ${o.metadata.namespace}/${o.metadata.name}`);
  const found: string[] = [];
  for (const o of everyObject(cluster)) {
    const annotations = o.metadata?.annotations ?? {};
    const labels = o.metadata?.labels ?? {};
    if (o.kind === "Secret" && labels.owner === "helm") {
      if (!releases.has(`${o.metadata.namespace}/${labels.name}`)) found.push(`${ref(o)} (Helm's record of a release the state lacks)`);
      continue;
    }
    if (annotations[HELM_RELEASE_NAME]) {
      const release = `${annotations[HELM_RELEASE_NAMESPACE] ?? "default"}/${annotations[HELM_RELEASE_NAME]}`;
      if (!releases.has(release)) found.push(`${ref(o)} (installed by Helm release ${release}, which the state lacks)`);
      continue;
    }
    if (labels[PART_OF] !== PROJECT || (o.metadata?.ownerReferences ?? []).length > 0 || claimOfManagedSet(o) || endpointsOfManagedService(o)) continue;
    if (!objects.has(ref(o))) found.push(ref(o));
  }
  return [...new Set(found)].sort();
}

/** Helm's release records that are not `deployed` (pending, failed, superseded ones aside). */
export function helmRecordsNotDeployed(cluster: Cluster): string[] {
  const records = kubectlJson(cluster, "get", "secrets", "-A", "-l", "owner=helm").items as Obj[];
  const latest = new Map<string, Obj>();
  for (const r of records) {
    const key = `${r.metadata.namespace}/${r.metadata.labels.name}`;
    if (!latest.has(key) || Number(r.metadata.labels.version) > Number(latest.get(key)!.metadata.labels.version)) latest.set(key, r);
  }
  return [...latest.entries()].filter(([, r]) => r.metadata.labels.status !== "deployed").map(([key, r]) => `${key} ${r.metadata.labels.status}`);
}

/**
 * The secret values the stack put in the cluster: every value of a key that names a password in a Secret
 * the stack labels as its own, and every value of such a Secret that contains one (a connection URL).
 */
export function clusterSecretValues(cluster: Cluster): string[] {
  const secrets = kubectlJson(cluster, "get", "secrets", "-A", "-l", `${PART_OF}=${PROJECT}`).items as Obj[];
  const entries = secrets.flatMap((s) =>
    Object.entries((s.data ?? {}) as Record<string, string>).map(([key, value]) => ({ key, value: Buffer.from(value, "base64").toString("utf8") })),
  );
  const passwords = new Set(entries.filter((e) => /password/i.test(e.key)).map((e) => e.value));
  return [...new Set(entries.filter((e) => passwords.has(e.value) || [...passwords].some((p) => e.value.includes(p))).map((e) => e.value))];
}

/** Which of `values` appear in `text` in plain text or base64-encoded (as a Secret's data holds them). */
export function plainTextSecrets(text: string, values: readonly string[]): string[] {
  return values.filter((v) => text.includes(v) || text.includes(Buffer.from(v).toString("base64"))).map((v) => `${v.slice(0, 4)}… (${v.length} characters)`);
}
