import { DocumentValue, GATEWAY, MESH, POSTGRES, REDIS, SpecDocument, YamlStream, kubernetesName, service } from "../../catalog";
import { connectionPool } from "./mesh-objects";

const host = (specName: string) => kubernetesName(specName);
const gatewayRoute = (specName: string) => {
  const route = GATEWAY.routes.find((r) => r.service === specName);
  if (!route) throw new Error(`mesh catalog: ${specName} has no gateway route`);
  return route;
};

/**
 * The service_mesh/ folder of the spec's artifact tree. These are the spec's documents as
 * written (a `hosts:` list and a `circuitBreaker` block in the DestinationRule); the objects
 * the stack applies are the valid equivalents built by the Istio component.
 */
export function meshSpecDocuments(): SpecDocument[] {
  const policy = MESH.trafficPolicy;
  const fault = MESH.faultInjection;
  const retries = MESH.retries;
  const canary = MESH.canary;
  const canaryHost = host(canary.service);
  return [
    { path: "service_mesh/istio_config/mesh_config.yaml", content: MESH.operator },
    {
      path: "service_mesh/istio_config/virtual_services.yaml",
      content: {
        apiVersion: MESH.specApiVersion,
        kind: "VirtualService",
        metadata: { name: MESH.specGatewayRoutesName },
        spec: {
          hosts: [GATEWAY.host],
          gateways: [MESH.gatewayName],
          http: [
            {
              match: [{ uri: { prefix: gatewayRoute(fault.service).path } }],
              route: [{ destination: { host: host(fault.service), port: { number: service(fault.service).port } } }],
              fault: { delay: { percentage: { value: fault.percentage }, fixedDelay: fault.fixedDelay } },
            },
            {
              match: [{ uri: { prefix: gatewayRoute(retries.service).path } }],
              route: [{ destination: { host: host(retries.service), port: { number: service(retries.service).port } } }],
              retries: { attempts: retries.attempts, perTryTimeout: retries.perTryTimeout },
            },
          ],
        },
      },
    },
    {
      path: "service_mesh/istio_config/destination_rules.yaml",
      content: {
        apiVersion: MESH.specApiVersion,
        kind: "DestinationRule",
        metadata: { name: MESH.specRuleName },
        spec: {
          hosts: MESH.specRuleServices.map(host),
          trafficPolicy: {
            loadBalancer: { simple: policy.loadBalancer },
            connectionPool: connectionPool() as DocumentValue,
            circuitBreaker: { ...policy.specCircuitBreaker },
            outlierDetection: {
              consecutive5xxErrors: policy.outlierDetection.consecutive5xxErrors,
              interval: policy.outlierDetection.interval,
              baseEjectionTime: policy.outlierDetection.baseEjectionTime,
            },
          },
        },
      },
    },
    {
      path: "service_mesh/security_policies/mtls_policy.yaml",
      content: new YamlStream(
        {
          apiVersion: MESH.specSecurityApiVersion,
          kind: "PeerAuthentication",
          metadata: { name: "default" },
          spec: { mtls: { mode: MESH.mtlsMode } },
        },
        MESH.specAuthorizationPolicy,
      ),
    },
    {
      path: "service_mesh/security_policies/network_policies.yaml",
      content: {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "microservices-netpol" },
        spec: {
          podSelector: { matchLabels: { tier: "microservices" } },
          policyTypes: ["Ingress", "Egress"],
          ingress: [
            {
              from: [{ podSelector: { matchLabels: { tier: "api-gateway" } } }, { podSelector: { matchLabels: { tier: "microservices" } } }],
              ports: MESH.specNetworkPolicyServices.map((s) => ({ protocol: "TCP", port: service(s).port })),
            },
          ],
          egress: [
            { to: [{ podSelector: { matchLabels: { tier: "database" } } }], ports: [{ protocol: "TCP", port: POSTGRES.port }] },
            { to: [{ podSelector: { matchLabels: { tier: "cache" } } }], ports: [{ protocol: "TCP", port: REDIS.port }] },
          ],
        },
      },
    },
    {
      path: "service_mesh/traffic_management/traffic_splitting.yaml",
      content: new YamlStream(
        {
          apiVersion: MESH.specApiVersion,
          kind: "VirtualService",
          metadata: { name: canary.name },
          spec: {
            hosts: [canaryHost],
            http: [
              {
                match: [{ headers: { [canary.header.name]: { exact: canary.header.exact } } }],
                route: [{ destination: { host: canaryHost, subset: canary.candidate.subset }, weight: 100 }],
              },
              {
                route: [canary.stable, canary.candidate].map((s) => ({
                  destination: { host: canaryHost, subset: s.subset },
                  weight: s.weight,
                })),
              },
            ],
          },
        },
        {
          apiVersion: MESH.specApiVersion,
          kind: "DestinationRule",
          metadata: { name: canary.subsetRuleName },
          spec: {
            host: canaryHost,
            subsets: [canary.stable, canary.candidate].map((s) => ({ name: s.subset, labels: { version: s.subset } })),
          },
        },
      ),
    },
  ];
}
