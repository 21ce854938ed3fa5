import type { StackValidationPolicy } from "@pulumi/policy";
import { authorizationPrincipalsExist } from "./authorization-principals-exist";
import { destinationRuleHostExists } from "./destination-rule-host-exists";
import { oneDefaultAuthorizationPerNamespace } from "./one-default-authorization-per-namespace";
import { serviceSelectsPods } from "./service-selects-pods";
import { serviceTargetPorts } from "./service-target-ports";
import { virtualServiceHostsExist } from "./virtual-service-hosts-exist";
import { workloadSpread } from "./workload-spread";

export {
  serviceSelectsPods,
  serviceTargetPorts,
  destinationRuleHostExists,
  authorizationPrincipalsExist,
  virtualServiceHostsExist,
  oneDefaultAuthorizationPerNamespace,
  workloadSpread,
};

/** The wiring policies: the names one object uses for another resolve to something the stack declares. */
export const WIRING_POLICIES: readonly StackValidationPolicy[] = [
  serviceSelectsPods,
  serviceTargetPorts,
  destinationRuleHostExists,
  authorizationPrincipalsExist,
  virtualServiceHostsExist,
  oneDefaultAuthorizationPerNamespace,
  workloadSpread,
];
