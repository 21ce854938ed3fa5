import { describeRelease, isHelmRelease, istioChartOf } from "../lib/helm";
import { SERVICE_TYPES, annotationsOf, describe } from "../lib/k8s";
import { ADVISORY, resourcePolicy } from "../lib/policy";

export interface SourceRangesSettings {
  internalAnnotations: Record<string, string>;
}

/** Annotations that make a cloud load balancer internal (reachable from the private network only). */
const INTERNAL_ANNOTATIONS: Record<string, string> = {
  "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
  "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
  "networking.gke.io/load-balancer-type": "Internal",
  "cloud.google.com/load-balancer-type": "Internal",
  "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
  "service.beta.kubernetes.io/oci-load-balancer-internal": "true",
};
const SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges";

/**
 * A public load balancer admits only the client ranges it names: a `LoadBalancer` Service that is not
 * internal sets `spec.loadBalancerSourceRanges` (or the older annotation), so the cloud's firewall drops
 * everyone else before a packet reaches the cluster. An explicit 0.0.0.0/0 is a deliberate choice and passes.
 * Istio's gateway chart installs such a Service (a LoadBalancer by default): its release values are read.
 */
export const loadBalancerSourceRanges = resourcePolicy<SourceRangesSettings>(
  {
    name: "load-balancer-source-ranges",
    description: "A public LoadBalancer Service names the client ranges it admits.",
    enforcementLevel: ADVISORY,
    severity: "high",
    configSchema: {
      properties: {
        internalAnnotations: {
          type: "object",
          default: INTERNAL_ANNOTATIONS,
          description: "Annotation → value pairs that make a load balancer internal (then no source ranges are needed).",
        },
      },
    },
  },
  (type) => SERVICE_TYPES.includes(type) || isHelmRelease(type),
  (props, settings, report, args) => {
    if (isHelmRelease(args.type)) {
      if (istioChartOf(props) !== "gateway") return args.notApplicable(`${describeRelease(props)} installs no gateway Service`);
      const service = props?.values?.service ?? {};
      // The chart's Service is a LoadBalancer unless the values say otherwise.
      if ((service.type ?? "LoadBalancer") !== "LoadBalancer") return args.notApplicable(`${describeRelease(props)}: its Service is ${service.type}`);
      if (Object.entries(settings.internalAnnotations).some(([k, v]) => service.annotations?.[k] === v))
        return args.notApplicable(`${describeRelease(props)} is internal`);
      if (!(service.loadBalancerSourceRanges ?? []).length) {
        report(
          `${describeRelease(props)} exposes the ingress gateway through a public LoadBalancer without service.loadBalancerSourceRanges: list the client ranges it serves (for this stack: istio.loadBalancerSourceRanges).`,
        );
      }
      return;
    }
    if (props?.spec?.type !== "LoadBalancer") return args.notApplicable(`${describe(props)} is not a LoadBalancer`);
    const annotations = annotationsOf(props);
    if (Object.entries(settings.internalAnnotations).some(([k, v]) => annotations[k] === v))
      return args.notApplicable(`${describe(props)} is an internal load balancer`);
    const ranges = (props.spec.loadBalancerSourceRanges ?? []) as string[];
    if (ranges.length === 0 && !annotations[SOURCE_RANGES_ANNOTATION]) {
      report(
        `${describe(props)} is a public LoadBalancer without spec.loadBalancerSourceRanges, so the whole internet reaches it: list the client ranges it serves (for Kong: kong.loadBalancerSourceRanges), or 0.0.0.0/0 if it is meant for everyone.`,
      );
    }
  },
);
