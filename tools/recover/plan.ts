/**
 * What an interrupted `pulumi up` leaves behind, and what puts the stack back in step with the cluster.
 *
 * A CLI killed mid-update (SIGKILL, a runner's timeout, a lost machine) leaves its creates "pending" in
 * the state: the engine asked the provider to create them and never heard back, so it cannot know
 * whether they exist. Helm, killed mid-install or mid-upgrade, leaves its release record `pending-*`,
 * and refuses every later operation on the release ("another operation is in progress", or "cannot
 * re-use a name that is still in use"). The plan, read from the stack's export and the cluster:
 * - drop Helm's pending release records: an install that never finished is then no release at all
 *   (the next `up` installs it again and adopts the objects it had created), an upgrade falls back to
 *   the last revision that was deployed;
 * - adopt each pending create whose object exists into the state, with its ID (what `pulumi refresh
 *   --import-pending-creates` is for; CLI 3.276.0 drops those creates instead of importing them), and
 *   the components they belong to;
 * - drop the rest: they were never created, and the next `up` creates them.
 * `pulumi refresh` then reads every adopted object from the cluster.
 */

/** A resource as `pulumi stack export` writes it (the fields read here). */
export interface ExportedResource {
  readonly urn: string;
  readonly type: string;
  readonly custom?: boolean;
  readonly id?: string;
  readonly inputs?: Record<string, any>;
  readonly outputs?: Record<string, any>;
  readonly parent?: string;
  /** `<provider URN>::<provider ID>`. */
  readonly provider?: string;
  readonly [field: string]: unknown;
}

export interface PendingOperation {
  /** `creating`, `updating`, `deleting`, `reading`, `importing`. */
  readonly type: string;
  readonly resource: ExportedResource;
}

export interface ExportedDeployment {
  readonly resources?: readonly ExportedResource[];
  readonly pending_operations?: readonly PendingOperation[];
}

/** A Kubernetes object as `kubectl get -f` finds it. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface ReleaseRef {
  readonly namespace: string;
  readonly name: string;
}

/** One revision of a Helm release, as Helm's Secret storage driver keeps it. */
export interface HelmRecord {
  /** The Secret holding it (`sh.helm.release.v1.<release>.v<version>`). */
  readonly secret: string;
  readonly status: string;
  readonly version: number;
}

/** What the plan asks of the cluster. */
export interface Live {
  /** The live object's namespace ("" when cluster-scoped), or undefined when it does not exist. */
  objectNamespace(ref: ObjectRef): string | undefined;
  /** Every record of a release, in any status. */
  helmRecords(release: ReleaseRef): HelmRecord[];
}

export interface RecoveryPlan {
  /** Helm release records in a pending status, to delete. */
  readonly pendingHelmRecords: readonly (ReleaseRef & HelmRecord)[];
  /** Pending creates whose object exists, as the state entries that adopt them (with their ID). */
  readonly imports: readonly { resource: ExportedResource; what: string }[];
  /** Components of pending creates: logical, restored as they were registered. */
  readonly components: readonly ExportedResource[];
  /** Pending creates of nothing that exists: dropped from the state, created again by the next `up`. */
  readonly clears: readonly { urn: string; what: string }[];
  /** Pending updates, deletes and reads: `pulumi refresh` reads those resources and clears them. */
  readonly otherPending: readonly { urn: string; type: string }[];
}

export const isHelmRelease = (type: string): boolean => /^kubernetes:helm\.sh\/v\d+:Release$/.test(type);

/** The statuses of a Helm release record that block every later operation on the release. */
export const PENDING_HELM_STATUSES = ["pending-install", "pending-upgrade", "pending-rollback"] as const;

const isPendingHelmStatus = (status: string) => (PENDING_HELM_STATUSES as readonly string[]).includes(status);

/** The release a Release resource installs (Helm's default namespace when it names none). */
export function releaseOf(resource: ExportedResource): ReleaseRef | undefined {
  const props = resource.outputs?.name ? resource.outputs : resource.inputs;
  if (typeof props?.name !== "string" || props.name === "") return undefined;
  return { namespace: typeof props.namespace === "string" && props.namespace !== "" ? props.namespace : "default", name: props.name };
}

/** The Kubernetes object a pending create of the Kubernetes provider was creating (undefined for other resources). */
export function objectOf(resource: ExportedResource): ObjectRef | undefined {
  if (!resource.type.startsWith("kubernetes:") || isHelmRelease(resource.type)) return undefined;
  const inputs = resource.inputs ?? {};
  const name = inputs.metadata?.name;
  if (typeof inputs.apiVersion !== "string" || typeof inputs.kind !== "string" || typeof name !== "string") return undefined;
  const namespace = inputs.metadata?.namespace;
  return { apiVersion: inputs.apiVersion, kind: inputs.kind, name, ...(typeof namespace === "string" && namespace !== "" ? { namespace } : {}) };
}

/** `type name` of a resource that is no Kubernetes object (a component, a generated password). */
const describeResource = (resource: ExportedResource) => `${resource.type} ${resource.urn.split("::").pop()}`;
const describeObject = (ref: ObjectRef) => `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
const describeRelease = (ref: ReleaseRef) => `Helm release ${ref.namespace}/${ref.name}`;
const releaseKey = (ref: ReleaseRef) => `${ref.namespace}/${ref.name}`;

export function recoveryPlan(deployment: ExportedDeployment, live: Live): RecoveryPlan {
  const pending = deployment.pending_operations ?? [];
  const inState = new Set((deployment.resources ?? []).map((r) => r.urn));
  // A pending create outlives later runs until something clears it: keep one per URN, and none of what the state already has.
  const creates = [
    ...new Map(pending.filter((op) => op.type === "creating" && !inState.has(op.resource.urn)).map((op) => [op.resource.urn, op.resource])).values(),
  ];

  // Every release the stack has or was installing.
  const releases = new Map<string, ReleaseRef>();
  for (const resource of [...(deployment.resources ?? []), ...creates]) {
    if (!isHelmRelease(resource.type)) continue;
    const release = releaseOf(resource);
    if (release) releases.set(releaseKey(release), release);
  }
  const records = new Map<string, HelmRecord[]>();
  for (const [key, release] of releases) records.set(key, live.helmRecords(release));
  const pendingHelmRecords = [...releases.entries()].flatMap(([key, release]) =>
    records
      .get(key)!
      .filter((r) => isPendingHelmStatus(r.status))
      .map((r) => ({ ...release, ...r })),
  );

  const imports: { resource: ExportedResource; what: string }[] = [];
  const components: ExportedResource[] = [];
  const clears: { urn: string; what: string }[] = [];
  const adopt = (resource: ExportedResource, id: string, what: string) =>
    imports.push({
      resource: { ...resource, id, outputs: resource.outputs && Object.keys(resource.outputs).length > 0 ? resource.outputs : resource.inputs },
      what,
    });
  for (const resource of creates) {
    if (!resource.custom) {
      components.push(resource);
      continue;
    }
    if (isHelmRelease(resource.type)) {
      const release = releaseOf(resource);
      const kept = release ? records.get(releaseKey(release))!.filter((r) => !isPendingHelmStatus(r.status)) : [];
      if (release && kept.length > 0) {
        const latest = kept.reduce((a, b) => (b.version > a.version ? b : a));
        adopt(resource, releaseKey(release), `${describeRelease(release)} (revision ${latest.version}, ${latest.status})`);
      } else {
        clears.push({ urn: resource.urn, what: release ? `${describeRelease(release)} (no deployed revision)` : describeResource(resource) });
      }
      continue;
    }
    const object = objectOf(resource);
    const namespace = object && live.objectNamespace(object);
    if (object && namespace !== undefined) adopt(resource, namespace ? `${namespace}/${object.name}` : object.name, describeObject(object));
    else clears.push({ urn: resource.urn, what: object ? `${describeObject(object)} (not in the cluster)` : describeResource(resource) });
  }
  const otherPending = pending.filter((op) => op.type !== "creating").map((op) => ({ urn: op.resource.urn, type: op.type }));
  return { pendingHelmRecords, imports, components, clears, otherPending };
}

/** The provider reference's URN (`urn::id`). */
const providerUrn = (reference: string | undefined) => reference?.slice(0, reference.lastIndexOf("::"));

/**
 * The deployment with the plan applied: the adopted objects and their components appended after
 * everything they name (parent, provider, dependencies), references to dropped creates removed, and no
 * pending operation left. An adopted object whose parent or provider the state lacks is dropped too
 * (and listed in `dropped`): the state could not hold it.
 */
export function recoveredDeployment<D extends ExportedDeployment>(deployment: D, plan: RecoveryPlan): { deployment: D; dropped: string[] } {
  const known = new Set((deployment.resources ?? []).map((r) => r.urn));
  // A create left pending by an earlier run may name a provider the stack has since replaced (same URN, new ID).
  const providers = new Map((deployment.resources ?? []).filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.urn, `${r.urn}::${r.id}`]));
  const candidates = new Map<string, ExportedResource>([...plan.components, ...plan.imports.map((i) => i.resource)].map((r) => [r.urn, r]));
  const added: ExportedResource[] = [];
  const dropped: string[] = [];
  // Append in an order where everything a resource names comes first; what can never be placed is dropped.
  let progress = true;
  while (candidates.size > 0 && progress) {
    progress = false;
    for (const [urn, resource] of candidates) {
      const needs = [resource.parent, providerUrn(resource.provider)].filter((u): u is string => Boolean(u));
      if (needs.some((u) => !known.has(u) && !candidates.has(u)) || (resource.provider && !providers.has(providerUrn(resource.provider)!))) {
        candidates.delete(urn);
        dropped.push(urn);
        progress = true;
        continue;
      }
      const waitsFor = [...needs, ...((resource.dependencies as string[] | undefined) ?? [])].filter((u) => candidates.has(u) && u !== urn);
      if (waitsFor.length > 0) continue;
      const keep = (u: string) => known.has(u);
      const propertyDependencies = resource.propertyDependencies as Record<string, string[]> | undefined;
      added.push({
        ...resource,
        ...(resource.provider ? { provider: providers.get(providerUrn(resource.provider)!) } : {}),
        ...(resource.dependencies ? { dependencies: (resource.dependencies as string[]).filter(keep) } : {}),
        ...(propertyDependencies
          ? { propertyDependencies: Object.fromEntries(Object.entries(propertyDependencies).map(([k, v]) => [k, v.filter(keep)])) }
          : {}),
        ...(resource.deletedWith && !keep(resource.deletedWith as string) ? { deletedWith: undefined } : {}),
      });
      known.add(urn);
      candidates.delete(urn);
      progress = true;
    }
  }
  dropped.push(...candidates.keys());
  return { deployment: { ...deployment, resources: [...(deployment.resources ?? []), ...added], pending_operations: [] }, dropped };
}

/** Whether the stack needs anything at all. */
export const planIsEmpty = (plan: RecoveryPlan): boolean =>
  plan.pendingHelmRecords.length === 0 &&
  plan.imports.length === 0 &&
  plan.components.length === 0 &&
  plan.clears.length === 0 &&
  plan.otherPending.length === 0;
