import { DEPLOYMENT_TYPES, HPA_TYPES, NAMESPACE_TYPES, PodTemplate, Props, STATEFULSET_TYPES, isOneOf, nameOf, namespaceOf, podTemplateOf } from "./k8s";

/** What a stack policy needs of a resource (a subset of @pulumi/policy's PolicyResource). */
export interface StackResource {
  readonly type: string;
  readonly urn: string;
  readonly name: string;
  readonly props: Props;
  /** The resource's options; only `protect` is read (the engine does not hand policies `retainOnDelete`). */
  readonly opts?: { readonly protect?: boolean };
}

/** The resources of a stack, with the lookups the stack policies share. */
export class StackView {
  constructor(readonly resources: readonly StackResource[]) {}

  ofTypes(types: readonly string[]): StackResource[] {
    return this.resources.filter((r) => isOneOf(r.type, types) && r.props);
  }

  /** Namespaces the stack declares, by name. */
  namespaces(): Map<string, StackResource> {
    return new Map(this.ofTypes(NAMESPACE_TYPES).map((r) => [nameOf(r.props), r]));
  }

  /** Every resource that has a pod template, with it. */
  podTemplates(): { resource: StackResource; template: PodTemplate }[] {
    const out: { resource: StackResource; template: PodTemplate }[] = [];
    for (const resource of this.resources) {
      const template = podTemplateOf(resource.type, resource.props);
      if (template) out.push({ resource, template });
    }
    return out;
  }

  /** Deployments and StatefulSets: the workloads whose replicas the policies reason about. */
  scalableWorkloads(): StackResource[] {
    return this.ofTypes([...DEPLOYMENT_TYPES, ...STATEFULSET_TYPES]);
  }

  /** The HorizontalPodAutoscaler that scales a workload, if any. */
  autoscalerOf(workload: StackResource): Props | undefined {
    const kind = workload.props.kind;
    return this.ofTypes(HPA_TYPES)
      .map((r) => r.props)
      .find(
        (hpa) =>
          namespaceOf(hpa) === namespaceOf(workload.props) &&
          hpa.spec?.scaleTargetRef?.name === nameOf(workload.props) &&
          (!kind || !hpa.spec?.scaleTargetRef?.kind || hpa.spec.scaleTargetRef.kind === kind),
      );
  }
}

/** A workload's replica count as Kubernetes reads it (`spec.replicas`, 1 when unset). */
export const replicasOf = (workload: Props): number => (typeof workload?.spec?.replicas === "number" ? workload.spec.replicas : 1);
