/**
 * Kubernetes objects as policies see them. Under the Pulumi engine (and the offline render) a
 * Kubernetes resource's props are its full manifest: `apiVersion`, `kind`, `metadata`, `spec`.
 * Typed resources and custom resources are both recognised by their type string
 * (`kubernetes:<group>/<version>:<Kind>`), never by class: Istio and Kong objects have none.
 */

export type Props = Record<string, any>;

export interface KubernetesType {
  /** API group; `""` for the core group (`kubernetes:core/v1:Service`). */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** `kubernetes:apps/v1:Deployment` → {group: "apps", version: "v1", kind: "Deployment"}. */
export function kubernetesType(type: string): KubernetesType | undefined {
  const match = /^kubernetes:([^:]+):([^:]+)$/.exec(type);
  if (!match) return undefined;
  const groupVersion = match[1];
  const slash = groupVersion.lastIndexOf("/");
  const group = slash < 0 ? "" : groupVersion.slice(0, slash);
  const version = slash < 0 ? groupVersion : groupVersion.slice(slash + 1);
  return { group: group === "core" ? "" : group, version, kind: match[2] };
}

/** Type strings of a kind in each API version it is served in. */
export const typesOf = (group: string, kind: string, versions: readonly string[]): readonly string[] =>
  versions.map((v) => `kubernetes:${group || "core"}/${v}:${kind}`);

export const DEPLOYMENT_TYPES = [...typesOf("apps", "Deployment", ["v1", "v1beta1", "v1beta2"]), "kubernetes:extensions/v1beta1:Deployment"];
export const STATEFULSET_TYPES = typesOf("apps", "StatefulSet", ["v1", "v1beta1", "v1beta2"]);
export const HPA_TYPES = typesOf("autoscaling", "HorizontalPodAutoscaler", ["v2", "v1", "v2beta2", "v2beta1"]);
export const PDB_TYPES = typesOf("policy", "PodDisruptionBudget", ["v1", "v1beta1"]);
export const NAMESPACE_TYPES = typesOf("", "Namespace", ["v1"]);
export const STORAGE_CLASS_TYPES = typesOf("storage.k8s.io", "StorageClass", ["v1", "v1beta1"]);
export const PVC_TYPES = typesOf("", "PersistentVolumeClaim", ["v1"]);
export const SERVICE_TYPES = typesOf("", "Service", ["v1"]);
export const CONFIGMAP_TYPES = typesOf("", "ConfigMap", ["v1"]);
export const NETWORK_POLICY_TYPES = typesOf("networking.k8s.io", "NetworkPolicy", ["v1"]);
export const INGRESS_TYPES = [...typesOf("networking.k8s.io", "Ingress", ["v1", "v1beta1"]), "kubernetes:extensions/v1beta1:Ingress"];

export const isOneOf = (type: string, types: readonly string[]): boolean => types.includes(type);

export const nameOf = (props: Props): string => String(props?.metadata?.name ?? "");
/** An object's namespace; the provider's default namespace (`default`) when it names none. */
export const namespaceOf = (props: Props): string => String(props?.metadata?.namespace || "default");
export const labelsOf = (props: Props): Record<string, string> => props?.metadata?.labels ?? {};
export const annotationsOf = (props: Props): Record<string, string> => props?.metadata?.annotations ?? {};

/** `Deployment microservices/user-service`: how messages name an object. */
export function describe(props: Props, fallbackKind = "object"): string {
  const kind = props?.kind ?? fallbackKind;
  const name = nameOf(props) || "(unnamed)";
  return props?.metadata?.namespace ? `${kind} ${props.metadata.namespace}/${name}` : `${kind} ${name}`;
}

/** A pod template, wherever its owner keeps it. */
export interface PodTemplate {
  /** The owner's kind (`Deployment`, `CronJob`, `Pod`…). */
  readonly kind: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly spec: Props;
  /** Where the pod spec sits in the owner, for messages: `spec.template.spec`. */
  readonly path: string;
}

const WORKLOAD_GROUPS = new Set(["", "apps", "extensions", "batch"]);

/** The pod template of a workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod). */
export function podTemplateOf(type: string, props: Props): PodTemplate | undefined {
  const t = kubernetesType(type);
  if (!t || !WORKLOAD_GROUPS.has(t.group) || !props) return undefined;
  const namespace = namespaceOf(props);
  const from = (template: Props | undefined, path: string): PodTemplate | undefined =>
    template?.spec
      ? {
          kind: t.kind,
          namespace,
          labels: template.metadata?.labels ?? {},
          annotations: template.metadata?.annotations ?? {},
          spec: template.spec,
          path,
        }
      : undefined;
  switch (t.kind) {
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "Job":
      return from(props.spec?.template, "spec.template.spec");
    case "CronJob":
      return from(props.spec?.jobTemplate?.spec?.template, "spec.jobTemplate.spec.template.spec");
    case "Pod":
      return t.group === "" ? from({ metadata: props.metadata, spec: props.spec }, "spec") : undefined;
    default:
      return undefined;
  }
}

/** A container of a pod spec with the path messages name it by. */
export interface ContainerRef {
  readonly container: Props;
  readonly path: string;
  readonly init: boolean;
}

export function containersOf(template: PodTemplate, options: { init?: boolean } = {}): ContainerRef[] {
  const list = (field: string, init: boolean) =>
    ((template.spec[field] ?? []) as Props[]).map((container, i) => ({
      container,
      path: `${template.path}.${field}[${i}] (${container?.name ?? i})`,
      init,
    }));
  return [...list("containers", false), ...(options.init ? list("initContainers", true) : [])];
}

/** A Kubernetes label selector. */
export interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] }[];
}

/**
 * Whether a label selector selects a set of labels (Kubernetes semantics: an empty selector
 * selects everything; `null`/absent selects nothing).
 */
export function selectorMatches(selector: LabelSelector | null | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expr of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, expr.key);
    const values = expr.values ?? [];
    switch (expr.operator) {
      case "In":
        if (!has || !values.includes(labels[expr.key])) return false;
        break;
      case "NotIn":
        if (has && values.includes(labels[expr.key])) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `labels` carry every label of `required`. */
export const hasLabels = (labels: Record<string, string>, required: Record<string, string>): boolean =>
  Object.entries(required).every(([k, v]) => labels[k] === v);

/** `tier=microservices` for messages. */
export const formatLabels = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

/** The labels that identify a pod in messages: its app and version when it has them, else all. */
export function podIdentity(labels: Record<string, string>): string {
  const key = Object.fromEntries(["app", "app.kubernetes.io/name", "version"].filter((k) => labels[k]).map((k) => [k, labels[k]]));
  if (key.app && key["app.kubernetes.io/name"] === key.app) delete key["app.kubernetes.io/name"];
  return formatLabels(Object.keys(key).length ? key : labels);
}

/**
 * The value of an IntOrString quantity (a PDB's `minAvailable`, `maxUnavailable`) for a number of
 * pods; percentages round up, as the disruption controller computes them.
 */
export function scaledValue(value: number | string, total: number): number | undefined {
  if (typeof value === "number") return value;
  const percent = /^(\d+)%$/.exec(String(value).trim());
  if (percent) return Math.ceil((Number(percent[1]) * total) / 100);
  return /^\d+$/.test(String(value).trim()) ? Number(value) : undefined;
}

/** The field manager the Pulumi Kubernetes provider applies with (`pulumi-kubernetes-<id>`, unless a resource names another). */
export const PULUMI_FIELD_MANAGER = /^pulumi-kubernetes/;

/**
 * Whether a field of a live object is the program's: stack policies get a deployed object's outputs,
 * the live object, where the API server defaults fields and controllers set others (an autoscaler's
 * replica count). Server-side apply records who owns which field (`metadata.managedFields`): a field
 * no Pulumi manager owns is not the program's. Without managedFields (a first preview: outputs are the
 * program's inputs) every field present is.
 */
export function declaredByProgram(props: Props, path: readonly string[], manager: RegExp = PULUMI_FIELD_MANAGER): boolean {
  let value: unknown = props;
  for (const key of path) value = (value as Props | undefined)?.[key];
  if (value === undefined || value === null) return false;
  const managed = props?.metadata?.managedFields as Props[] | undefined;
  if (!Array.isArray(managed) || managed.length === 0) return true;
  return managed
    .filter((m) => manager.test(String(m.manager ?? "")))
    .some((m) => {
      let fields: Props | undefined = m.fieldsV1;
      for (const key of path) fields = fields?.[`f:${key}`];
      return fields !== undefined;
    });
}
