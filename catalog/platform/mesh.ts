import { DocumentValue, float } from "../documents";

/**
 * Istio: mesh-wide mTLS, the traffic policy every DestinationRule applies, the gateway routes'
 * fault injection and retries, and the order service's canary.
 */
export const MESH = {
  /** The API version the spec's files are written in (the applied objects use `networking.istio.io/v1`). */
  specApiVersion: "networking.istio.io/v1beta1",
  specSecurityApiVersion: "security.istio.io/v1beta1",
  gatewayName: "microservices-gateway",
  mtlsMode: "STRICT" as const,
  /** Istio's root namespace, where a PeerAuthentication applies mesh-wide. */
  rootNamespace: "istio-system",
  trafficPolicy: {
    loadBalancer: "LEAST_CONN",
    connectionPool: { maxConnections: 100, http1MaxPendingRequests: 50, maxRequestsPerConnection: 10 },
    outlierDetection: { consecutive5xxErrors: 3, interval: "30s", baseEjectionTime: "30s", maxEjectionPercent: 50 },
    /** The spec's `circuitBreaker` block: no Istio version accepts it, so it is emitted, never applied. */
    specCircuitBreaker: { consecutiveGatewayErrors: 3, interval: "30s", baseEjectionTime: "30s", maxEjectionPercent: 50 },
  },
  /** The services the spec's shared DestinationRule `microservices-dr` names. */
  specRuleName: "microservices-dr",
  specRuleServices: ["user_service", "order_service", "payment_service"] as readonly string[],
  specGatewayRoutesName: "microservices-vs",
  /** Fault injection on the user service's gateway route (applied only when `mesh.faultInjection` is set). */
  faultInjection: { service: "user_service", percentage: 0.1, fixedDelay: "5s" },
  retries: { service: "order_service", attempts: 3, perTryTimeout: "10s" },
  canary: {
    name: "traffic-splitting",
    subsetRuleName: "order-service-subsets",
    service: "order_service",
    header: { name: "canary", exact: "true" },
    stable: { subset: "v1", weight: 90 },
    candidate: { subset: "v2", weight: 10 },
  },
  /** The ports the spec's NetworkPolicy opens to the gateway and the services. */
  specNetworkPolicyServices: ["user_service", "order_service"] as readonly string[],
  /** An IstioOperator: input to `istioctl install -f`, not a cluster object. */
  operator: {
    apiVersion: "install.istio.io/v1alpha1",
    kind: "IstioOperator",
    metadata: {
      name: "microservices-mesh",
    },
    spec: {
      components: {
        pilot: {
          k8s: {
            resources: {
              requests: {
                cpu: "1000m",
                memory: "1Gi",
              },
            },
          },
        },
        ingressGateways: [
          {
            name: "istio-ingressgateway",
            enabled: true,
            k8s: {
              service: {
                type: "LoadBalancer",
              },
            },
          },
        ],
      },
      values: {
        global: {
          meshID: "microservices-mesh",
          network: "cluster-network",
          proxy: {
            resources: {
              requests: {
                cpu: "200m",
                memory: "256Mi",
              },
            },
          },
        },
        pilot: {
          traceSampling: float(1.0),
        },
      },
    },
  } as DocumentValue,
  specAuthorizationPolicy: {
    apiVersion: "security.istio.io/v1beta1",
    kind: "AuthorizationPolicy",
    metadata: {
      name: "microservices-authz",
    },
    spec: {
      selector: {
        matchLabels: {
          app: "microservices",
        },
      },
      rules: [
        {
          from: [
            {
              source: {
                principals: ["cluster.local/ns/default/sa/microservices"],
              },
            },
          ],
        },
        {
          to: [
            {
              operation: {
                methods: ["GET", "POST"],
              },
            },
          ],
          when: [
            {
              key: "request.headers[authorization]",
              values: ["Bearer *"],
            },
          ],
        },
      ],
    },
  } as DocumentValue,
};
