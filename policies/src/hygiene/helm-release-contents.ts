import { describeRelease, isHelmRelease, istioChartOf, releaseId } from "../lib/helm";
import { ADVISORY, resourcePolicy } from "../lib/policy";

/**
 * A Helm release installs objects that are not resources of the stack, so the pack's policies never
 * see them. It reads the values of Istio's charts (istio-release-replicas); any other release is
 * named here, so that a preview says what the pack could not inspect.
 */
export const helmReleaseContents = resourcePolicy<{ reviewedReleases: string[] }>(
  {
    name: "helm-release-contents",
    description: "Names each Helm release whose installed objects no policy of the pack inspects (every chart but Istio's base, istiod, gateway and cni).",
    enforcementLevel: ADVISORY,
    severity: "low",
    configSchema: {
      properties: {
        reviewedReleases: {
          type: "array",
          items: { type: "string" },
          default: [],
          description: "Releases (namespace/name) whose chart and values the team reviews elsewhere: not named.",
        },
      },
    },
  },
  isHelmRelease,
  (props, settings, report, args) => {
    if (istioChartOf(props)) return args.notApplicable(`${describeRelease(props)} is one of Istio's charts, whose values the pack reads`);
    if (settings.reviewedReleases.includes(releaseId(props))) return args.notApplicable(`${describeRelease(props)} is listed in reviewedReleases`);
    report(
      `${describeRelease(props)}: the objects it installs (Deployments, Services, PDBs, webhooks…) are not resources of the stack, so no policy of this pack checks them: review the chart's values, or install it with kubernetes:helm.sh/v4:Chart so that its objects become resources the pack sees.`,
    );
  },
);
