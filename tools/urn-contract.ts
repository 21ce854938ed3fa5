import { RecordedResource } from "./render/mock-engine";
import { isKubernetesObject, kubernetesObject } from "./render/render-output";
import { renderStack } from "./render/render-stack";

/**
 * A resource's URN is a contract with every stack that already runs it: when a new version of the
 * program registers the same thing under another URN without an alias, `pulumi up` creates the new
 * one and then deletes the old one, which for a Kubernetes object of the same name deletes the object
 * the new resource just claimed. The snapshots in test/fixtures/urns/ hold each stack's URNs, keyed by
 * what they stand for, as every released version registered them; `npm run urns:snapshot` adds the new
 * ones (and `-- --rewrite` starts afresh, for a deliberate break that the release notes announce).
 */

/** The stacks whose URNs are kept, with the config overrides their offline render needs. */
export const URN_STACKS: Readonly<Record<string, Record<string, unknown>>> = {
  dev: {},
  prod: {},
  // The kwok stack's charts folder exists only once `scripts/engine.sh istio-charts` ran; the chart source does not change a URN.
  kwok: { "microservices-ecosystem:istio": { webhooks: false } },
};

/** What a custom resource stands for: a Kubernetes object by kind, namespace and name; anything else by type and name. */
export function identityOf(resource: RecordedResource): string {
  if (isKubernetesObject(resource)) {
    const object = kubernetesObject(resource);
    const group = object.apiVersion.includes("/") ? object.apiVersion.split("/")[0] : "core";
    return `${object.kind}.${group} ${object.metadata.namespace ?? ""}/${object.metadata.name}`;
  }
  return `${resource.type} ${resource.name}`;
}

/** identity → URN of every custom resource (components hold no state: their children's URNs carry the contract). */
export function urnsByIdentity(resources: readonly RecordedResource[]): Record<string, string> {
  const entries = resources.filter((r) => r.custom).map((r) => [identityOf(r), r.urn] as const);
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export const renderForUrns = (stack: string): Promise<RecordedResource[]> => renderStack({ stack, overrides: URN_STACKS[stack] });

/**
 * The snapshot's entries a render breaks: an identity the render still declares under another URN
 * that does not alias the old one.
 */
export function brokenUrns(snapshot: Readonly<Record<string, string>>, resources: readonly RecordedResource[]): string[] {
  const now = new Map(resources.filter((r) => r.custom).map((r) => [identityOf(r), r]));
  const broken: string[] = [];
  for (const [identity, urn] of Object.entries(snapshot)) {
    const resource = now.get(identity);
    if (resource && resource.urn !== urn && !resource.aliases.includes(urn)) broken.push(`${identity}: ${urn} → ${resource.urn} without an alias`);
  }
  return broken;
}

/**
 * What holds data or the access to it: a StatefulSet (and the claims its controller made), a claim, a
 * Secret, a Namespace (deleting one deletes every claim in it) and a generated password. Losing one of
 * these URNs deletes it, and with it the data or the only copy of a credential.
 */
export const isStateful = (identity: string): boolean =>
  /^(StatefulSet\.apps|PersistentVolumeClaim\.core|Secret\.core|Namespace\.core) /.test(identity) ||
  identity.startsWith("random:index/randomPassword:RandomPassword ");

/**
 * The snapshot's stateful entries a render drops: no resource of it has that URN or aliases it (a
 * StatefulSet renamed, a Secret moved under another parent without an alias, a password no longer made).
 */
export function droppedStateful(snapshot: Readonly<Record<string, string>>, resources: readonly RecordedResource[]): string[] {
  const answered = new Set(resources.flatMap((r) => [r.urn, ...r.aliases]));
  return Object.entries(snapshot)
    .filter(([identity, urn]) => isStateful(identity) && !answered.has(urn))
    .map(([identity, urn]) => `${identity}: ${urn} is gone, and no resource aliases it`);
}
