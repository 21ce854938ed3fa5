import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { circuitBreakerCoverage } from "./circuit-breakers/circuit-breaker-coverage";
import { destinationRuleCircuitBreaker } from "./circuit-breakers/destination-rule-circuit-breaker";
import { gatewayRouteProtection } from "./gateway/gateway-route-protection";
import { kongCorsOrigins } from "./gateway/kong-cors-origins";
import { canaryWeights } from "./hygiene/canary-weights";
import { containerProbes } from "./hygiene/container-probes";
import { containerResources } from "./hygiene/container-resources";
import { helmReleaseContents } from "./hygiene/helm-release-contents";
import { pinnedImageTags } from "./hygiene/pinned-image-tags";
import { restrictedPodSecurity } from "./hygiene/restricted-pod-security";
import { virtualServiceSubsets } from "./hygiene/virtual-service-subsets";
import { meshMtlsStrict } from "./mtls/mesh-mtls-strict";
import { authorizationPrincipalsExist } from "./wiring/authorization-principals-exist";
import { destinationRuleHostExists } from "./wiring/destination-rule-host-exists";
import { oneDefaultAuthorizationPerNamespace } from "./wiring/one-default-authorization-per-namespace";
import { serviceSelectsPods } from "./wiring/service-selects-pods";
import { serviceTargetPorts } from "./wiring/service-target-ports";
import { virtualServiceHostsExist } from "./wiring/virtual-service-hosts-exist";
import { workloadSpread } from "./wiring/workload-spread";
import { hostAccess } from "./workload/host-access";
import { istioSidecarUid } from "./workload/istio-sidecar-uid";
import { probePortsDeclared } from "./workload/probe-ports-declared";
import { probesDistinct } from "./workload/probes-distinct";
import { rollingUpdateStrategy } from "./workload/rolling-update-strategy";
import { selectorMatchesTemplate } from "./workload/selector-matches-template";
import { appTierMinReplicas } from "./replicas/app-tier-min-replicas";
import { hpaManagedReplicas } from "./replicas/hpa-managed-replicas";
import { hpaReplicaBounds } from "./replicas/hpa-replica-bounds";
import { hpaTargetExists } from "./replicas/hpa-target-exists";
import { istioReleaseReplicas } from "./replicas/istio-release-replicas";
import { pdbAllowsDisruption } from "./replicas/pdb-allows-disruption";
import { appStartupProbe } from "./resilience/app-startup-probe";
import { pdbUnhealthyEviction } from "./resilience/pdb-unhealthy-eviction";
import { statefulDataProtected } from "./resilience/stateful-data-protected";
import { authorizationPolicyCoverage } from "./security/authorization-policy-coverage";
import { containerEphemeralStorage } from "./security/container-ephemeral-storage";
import { istioGatewayTls } from "./security/istio-gateway-tls";
import { kongEdgeTls } from "./security/kong-edge-tls";
import { loadBalancerSourceRanges } from "./security/load-balancer-source-ranges";
import { namespaceDefaultDeny } from "./security/namespace-default-deny";
import { networkPolicyCoverage } from "./security/network-policy-coverage";
import { podSecurityEnforced } from "./security/pod-security-enforced";

export type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** The policy pack's name (PulumiPolicy.yaml's folder is `policies/`). */
export const PACK_NAME = "microservices-ecosystem";

/**
 * The mission's policies, mandatory: replicas, mTLS, circuit breakers, and the wiring they rely on
 * (Services that reach pods, rules and identities that name what the stack runs).
 */
export const MISSION_POLICIES: readonly AnyPolicy[] = [
  appTierMinReplicas,
  hpaReplicaBounds,
  hpaManagedReplicas,
  hpaTargetExists,
  pdbAllowsDisruption,
  istioReleaseReplicas,
  meshMtlsStrict,
  circuitBreakerCoverage,
  destinationRuleCircuitBreaker,
  serviceSelectsPods,
  serviceTargetPorts,
  destinationRuleHostExists,
  authorizationPrincipalsExist,
];

/**
 * Zero trust and the edge: isolation of every namespace and pod (NetworkPolicies both ways,
 * AuthorizationPolicies for every meshed workload), Pod Security enforced, bounded containers, pinned
 * images, and a TLS edge that admits only its clients. Advisory by default; the prod stack's policy
 * config makes them mandatory.
 */
export const SECURITY_POLICIES: readonly AnyPolicy[] = [
  namespaceDefaultDeny,
  networkPolicyCoverage,
  authorizationPolicyCoverage,
  oneDefaultAuthorizationPerNamespace,
  podSecurityEnforced,
  restrictedPodSecurity,
  hostAccess,
  istioSidecarUid,
  containerEphemeralStorage,
  pinnedImageTags,
  loadBalancerSourceRanges,
  kongEdgeTls,
  istioGatewayTls,
  gatewayRouteProtection,
  kongCorsOrigins,
];

/**
 * Prod keeps its data and rides out faults: stateful sets protected on retained volumes, drains that
 * unhealthy pods cannot block, services that start under a startup probe. Advisory by default; the prod
 * stack's policy config makes them mandatory.
 */
export const RESILIENCE_POLICIES: readonly AnyPolicy[] = [statefulDataProtected, pdbUnhealthyEviction, appStartupProbe];

/** Beyond the mission, security and resilience: advisory unless the stack's policy config raises them. */
export const HYGIENE_POLICIES: readonly AnyPolicy[] = [
  containerProbes,
  containerResources,
  virtualServiceSubsets,
  canaryWeights,
  probesDistinct,
  rollingUpdateStrategy,
  selectorMatchesTemplate,
  probePortsDeclared,
  virtualServiceHostsExist,
  workloadSpread,
  helmReleaseContents,
];

/** Every policy of the pack, in the order the pack lists them. Importing this starts nothing. */
export const POLICIES: readonly AnyPolicy[] = [...MISSION_POLICIES, ...SECURITY_POLICIES, ...RESILIENCE_POLICIES, ...HYGIENE_POLICIES];
