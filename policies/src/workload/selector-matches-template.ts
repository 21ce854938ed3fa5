import { exemptNamespacesSchema } from "../lib/config";
import { DEPLOYMENT_TYPES, STATEFULSET_TYPES, describe, formatLabels, isOneOf, kubernetesType, namespaceOf, selectorMatches, typesOf } from "../lib/k8s";
import { ADVISORY, resourcePolicy } from "../lib/policy";

export interface SelectorSettings {
  exemptNamespaces: string[];
}

const DAEMONSET_TYPES = [...typesOf("apps", "DaemonSet", ["v1", "v1beta2"]), "kubernetes:extensions/v1beta1:DaemonSet"];
const REPLICASET_TYPES = [...typesOf("apps", "ReplicaSet", ["v1", "v1beta2"]), "kubernetes:extensions/v1beta1:ReplicaSet"];
const CONTROLLER_TYPES = [...DEPLOYMENT_TYPES, ...STATEFULSET_TYPES, ...DAEMONSET_TYPES, ...REPLICASET_TYPES];

const OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"];

/** `tier NotIn [cache, db]` for messages. */
const formatExpression = (e: { key?: unknown; operator?: unknown; values?: unknown[] }): string =>
  `${String(e.key)} ${String(e.operator)}${e.values?.length ? ` [${e.values.map(String).join(", ")}]` : ""}`;

/**
 * Selector and template (kube-linter `mismatching-selector`): a Deployment's, StatefulSet's,
 * DaemonSet's or ReplicaSet's `spec.selector` selects the pods of its own `spec.template` — every
 * `matchLabels` entry and every `matchExpressions` term (In, NotIn, Exists, DoesNotExist) holds for
 * the template's labels. Otherwise the controller never counts its own pods (the API server
 * rejects apps/v1 objects like that at apply, after the preview passed). Only the v1beta1 APIs
 * default an unset selector to the template's labels.
 */
export const selectorMatchesTemplate = resourcePolicy<SelectorSettings>(
  {
    name: "selector-matches-template",
    description: "A workload controller's spec.selector matches the labels of its own pod template.",
    enforcementLevel: ADVISORY,
    severity: "high",
    configSchema: {
      properties: {
        exemptNamespaces: exemptNamespacesSchema("workloads"),
      },
    },
  },
  (type) => isOneOf(type, CONTROLLER_TYPES),
  (props, settings, report, args) => {
    if (settings.exemptNamespaces.includes(namespaceOf(props))) args.notApplicable(`namespace ${namespaceOf(props)} is exempt`);
    const what = describe(props);
    const labels: Record<string, string> = props.spec?.template?.metadata?.labels ?? {};
    const shown = Object.keys(labels).length ? formatLabels(labels) : "none";
    const selector = props.spec?.selector;
    if (!selector) {
      if (kubernetesType(args.type)?.version === "v1beta1") args.notApplicable("the v1beta1 API defaults the selector to the template's labels");
      report(
        `${what}: spec.selector is unset, so the API server rejects the object: set spec.selector.matchLabels to labels of spec.template.metadata.labels (${shown}).`,
      );
      return;
    }
    const matchLabels: Record<string, unknown> = selector.matchLabels ?? {};
    const expressions: Record<string, any>[] = selector.matchExpressions ?? [];
    if (Object.keys(matchLabels).length === 0 && expressions.length === 0) {
      report(
        `${what}: spec.selector is empty, so it would select every pod of the namespace (the API server rejects it): set spec.selector.matchLabels to labels of spec.template.metadata.labels (${shown}).`,
      );
      return;
    }
    for (const [key, value] of Object.entries(matchLabels)) {
      if (labels[key] === String(value)) continue;
      const actual = key in labels ? `${key}=${labels[key]}` : `no ${key} label`;
      report(
        `${what}: spec.selector.matchLabels ${key}=${String(value)} does not match spec.template.metadata.labels (${actual}), so the controller never owns its own pods: make the selector's labels a subset of the template's.`,
      );
    }
    expressions.forEach((expression, i) => {
      const where = `spec.selector.matchExpressions[${i}] (${formatExpression(expression)})`;
      if (!OPERATORS.includes(expression?.operator)) {
        report(`${what}: ${where} has operator ${String(expression?.operator)}, which selects nothing: use one of ${OPERATORS.join(", ")}.`);
        return;
      }
      if (selectorMatches({ matchExpressions: [expression as never] }, labels)) return;
      report(
        `${what}: ${where} does not hold for spec.template.metadata.labels (${shown}), so the controller never owns its own pods: change the expression or the template's labels so the selector selects the template.`,
      );
    });
  },
);
