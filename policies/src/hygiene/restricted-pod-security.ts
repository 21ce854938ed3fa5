import { exemptNamespacesSchema } from "../lib/config";
import { containersOf, describe } from "../lib/k8s";
import { ADVISORY, resourcePolicy } from "../lib/policy";
import { mayHavePodTemplate, templateOrSkip } from "./workloads";

export interface SecuritySettings {
  requireReadOnlyRootFilesystem: boolean;
  allowedSeccompProfiles: string[];
  exemptNamespaces: string[];
}

/**
 * Pod security: pods meet the Kubernetes "restricted" profile — non-root, no privilege
 * escalation, all capabilities dropped, a RuntimeDefault/Localhost seccomp profile, no host
 * namespaces or privileged containers — plus a read-only root filesystem.
 */
export const restrictedPodSecurity = resourcePolicy<SecuritySettings>(
  {
    name: "restricted-pod-security",
    description: "Pods meet the restricted Pod Security Standard and mount a read-only root filesystem.",
    enforcementLevel: ADVISORY,
    severity: "high",
    configSchema: {
      properties: {
        requireReadOnlyRootFilesystem: { type: "boolean", default: true, description: "Containers set securityContext.readOnlyRootFilesystem true." },
        allowedSeccompProfiles: {
          type: "array",
          items: { type: "string" },
          default: ["RuntimeDefault", "Localhost"],
          description: "Seccomp profile types allowed.",
        },
        exemptNamespaces: exemptNamespacesSchema("workloads"),
      },
    },
  },
  mayHavePodTemplate,
  (props, settings, report, args) => {
    const template = templateOrSkip(args.type, props, settings.exemptNamespaces, args.notApplicable);
    const what = describe(props);
    const pod = template.spec.securityContext ?? {};
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
      if (template.spec[field] === true) report(`${what}: ${template.path}.${field} is true, which shares the node's namespaces: remove it.`);
    }
    for (const { container, path } of containersOf(template, { init: true })) {
      const sc = container.securityContext ?? {};
      const runAsNonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
      const runAsUser = sc.runAsUser ?? pod.runAsUser;
      if (runAsNonRoot !== true) {
        report(`${what}: ${path}.securityContext.runAsNonRoot is not true (nor the pod's): set runAsNonRoot true with a non-zero runAsUser.`);
      } else if (runAsUser === 0) {
        report(`${what}: ${path} runs as user 0 while runAsNonRoot is true, so it cannot start: set runAsUser to a non-zero UID.`);
      }
      if (sc.privileged === true) report(`${what}: ${path}.securityContext.privileged is true: remove it.`);
      if (sc.allowPrivilegeEscalation !== false) {
        report(`${what}: ${path}.securityContext.allowPrivilegeEscalation is ${sc.allowPrivilegeEscalation ?? "unset (true)"}: set it to false.`);
      }
      const drop: string[] = sc.capabilities?.drop ?? [];
      if (!drop.includes("ALL"))
        report(
          `${what}: ${path}.securityContext.capabilities.drop does not include ALL: set capabilities.drop [ALL] (add back only NET_BIND_SERVICE if needed).`,
        );
      const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
      if (!settings.allowedSeccompProfiles.includes(seccomp)) {
        report(
          `${what}: ${path} has seccomp profile ${seccomp ?? "unset (Unconfined)"}: set securityContext.seccompProfile.type RuntimeDefault (pod or container).`,
        );
      }
      if (settings.requireReadOnlyRootFilesystem && sc.readOnlyRootFilesystem !== true) {
        report(`${what}: ${path}.securityContext.readOnlyRootFilesystem is not true: set it and mount an emptyDir where the process writes (e.g. /tmp).`);
      }
    }
  },
);
