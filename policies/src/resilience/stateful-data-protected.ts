import { exemptNamespacesSchema } from "../lib/config";
import { PVC_TYPES, Props, STATEFULSET_TYPES, STORAGE_CLASS_TYPES, describe, nameOf, namespaceOf } from "../lib/k8s";
import { ADVISORY, stackPolicy } from "../lib/policy";
import { StackResource, StackView } from "../lib/stack";

export interface StatefulDataSettings {
  exemptNamespaces: string[];
}

/** A StorageClass's reclaim policy as Kubernetes applies it (Delete when unset). */
const reclaimPolicyOf = (storageClass: Props): string => String(storageClass.reclaimPolicy ?? "Delete");

/**
 * Why a claim's volume may not outlive its claim, if it may not: no class named (the cluster's default
 * class decides, usually with Delete), or a class of the stack whose reclaimPolicy is not Retain.
 */
function volumeNotRetained(claimSpec: Props | undefined, classes: Map<string, Props>): string | undefined {
  const className = claimSpec?.storageClassName;
  if (typeof className !== "string" || className === "") {
    return "names no storageClassName, so the cluster's default class decides whether a deleted claim deletes its volume (usually it does)";
  }
  const storageClass = classes.get(className);
  if (storageClass && reclaimPolicyOf(storageClass) !== "Retain") {
    return `comes from StorageClass ${className}, whose reclaimPolicy is ${reclaimPolicyOf(storageClass)}, so a deleted claim deletes its volume`;
  }
  return undefined;
}

const storageClasses = (stack: StackView): Map<string, Props> => new Map(stack.ofTypes(STORAGE_CLASS_TYPES).map((r) => [nameOf(r.props), r.props]));

function checkStatefulSet(workload: StackResource, classes: Map<string, Props>, report: (message: string, urn: string) => void): void {
  const what = describe(workload.props);
  if (!workload.opts?.protect) {
    report(
      `${what} keeps data on claims but is not protected, so \`pulumi destroy\` or a replacement deletes it: give it the resource option protect: true (README, "Data survives the tool").`,
      workload.urn,
    );
  }
  const whenDeleted = workload.props.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted;
  if (whenDeleted === "Delete") {
    report(
      `${what}: spec.persistentVolumeClaimRetentionPolicy.whenDeleted is Delete, so deleting the StatefulSet deletes its claims: set it to Retain.`,
      workload.urn,
    );
  }
  for (const [i, template] of ((workload.props.spec?.volumeClaimTemplates ?? []) as Props[]).entries()) {
    const why = volumeNotRetained(template?.spec, classes);
    if (why) {
      report(`${what}: spec.volumeClaimTemplates[${i}] (${nameOf(template) || i}) ${why}: name a StorageClass with reclaimPolicy Retain.`, workload.urn);
    }
  }
}

/**
 * Data outlives the tool: a StatefulSet that keeps data on claims is protected (`pulumi destroy` and a
 * replacement stop on it) and keeps its claims when deleted, and every claim's volume comes from a
 * StorageClass that retains it. Stand-alone claims are held to the same class; whether they are
 * `retainOnDelete` the engine does not tell policies.
 */
export const statefulDataProtected = stackPolicy<StatefulDataSettings>(
  {
    name: "stateful-data-protected",
    description: "StatefulSets with claims are protected and keep their claims; every claim's volume comes from a StorageClass with reclaimPolicy Retain.",
    enforcementLevel: ADVISORY,
    severity: "critical",
    configSchema: {
      properties: {
        exemptNamespaces: exemptNamespacesSchema("StatefulSets and claims"),
      },
    },
  },
  (stack, settings, report, args) => {
    const kept = (r: StackResource) => !settings.exemptNamespaces.includes(namespaceOf(r.props));
    const classes = storageClasses(stack);
    const statefulSets = stack.ofTypes(STATEFULSET_TYPES).filter((r) => kept(r) && ((r.props.spec?.volumeClaimTemplates ?? []) as Props[]).length > 0);
    const claims = stack.ofTypes(PVC_TYPES).filter(kept);
    if (statefulSets.length === 0 && claims.length === 0) return args.notApplicable("no StatefulSet with claims and no PersistentVolumeClaim");
    for (const workload of statefulSets) checkStatefulSet(workload, classes, report);
    for (const claim of claims) {
      const why = volumeNotRetained(claim.props.spec, classes);
      if (why) report(`${describe(claim.props, "PersistentVolumeClaim")} ${why}: name a StorageClass with reclaimPolicy Retain.`, claim.urn);
    }
  },
);
