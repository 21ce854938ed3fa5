import { NAMESPACE_TYPES, labelsOf, nameOf } from "../lib/k8s";
import { ADVISORY, resourcePolicy } from "../lib/policy";

export interface PodSecuritySettings {
  privilegedNamespaces: string[];
}

export const ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
const LEVELS = ["privileged", "baseline", "restricted"];

/**
 * Pod Security Admission: every Namespace the stack creates carries `pod-security.kubernetes.io/enforce`
 * with a Pod Security Standards level, so that the API server refuses a pod that breaks it. `privileged`
 * enforces nothing: it is accepted only for namespaces listed as needing it (node agents such as
 * Istio's CNI plugin).
 */
export const podSecurityEnforced = resourcePolicy<PodSecuritySettings>(
  {
    name: "pod-security-enforced",
    description: "Every namespace enforces a Pod Security Standards level (privileged only where listed).",
    enforcementLevel: ADVISORY,
    severity: "high",
    configSchema: {
      properties: {
        privilegedNamespaces: {
          type: "array",
          items: { type: "string" },
          default: ["istio-cni"],
          description: "Namespaces whose pods need the privileged level (node agents); anywhere else privileged is a violation.",
        },
      },
    },
  },
  (type) => NAMESPACE_TYPES.includes(type),
  (props, settings, report) => {
    const name = nameOf(props);
    const level = labelsOf(props)[ENFORCE_LABEL];
    if (level === undefined) {
      report(
        `Namespace ${name} has no ${ENFORCE_LABEL} label, so the API server admits any pod into it (privileged containers, host namespaces): label it with the strictest level its pods meet (restricted), and audit/warn alike.`,
      );
    } else if (!LEVELS.includes(level)) {
      report(`Namespace ${name}: ${ENFORCE_LABEL}=${level} is not a Pod Security Standards level (${LEVELS.join(", ")}).`);
    } else if (level === "privileged" && !settings.privilegedNamespaces.includes(name)) {
      report(
        `Namespace ${name} enforces the privileged level, which admits any pod: enforce restricted (or baseline), or list the namespace in privilegedNamespaces if its pods are node agents that need it.`,
      );
    }
  },
);
