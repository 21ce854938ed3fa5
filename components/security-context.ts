import * as k8s from "@pulumi/kubernetes";

/** Pod security: the image's own non-root user and group (owning the volumes), the runtime's seccomp profile. */
export const restrictedPodSecurity = (uid: number, gid: number = uid): k8s.types.input.core.v1.PodSecurityContext => ({
  runAsNonRoot: true,
  runAsUser: uid,
  runAsGroup: gid,
  fsGroup: gid,
  seccompProfile: { type: "RuntimeDefault" },
});

/** Container security of the restricted Pod Security Standard, with a read-only root filesystem. */
export const restrictedContainerSecurity: k8s.types.input.core.v1.SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
};
