import { DocumentValue, float } from "../documents";

/** The sizes the spec's IstioOperator (mesh_config.yaml) gives istiod and every sidecar. */
const OPERATOR_SIZES = {
  pilot: { requests: { cpu: "1000m", memory: "1Gi" } },
  proxy: { requests: { cpu: "200m", memory: "256Mi" } },
};
/**
 * Ephemeral storage of every Istio container (requested and limited alike): they write their logs (the
 * kubelet keeps 5 × 10 MiB) and, for a sidecar, a few files in its istio-data emptyDir.
 */
const SCRATCH = { "ephemeral-storage": "64Mi" };
/** The share of requests istiod's Envoys trace, in percent (the spec's IstioOperator: 1.0). */
const TRACE_SAMPLING = 1.0;
/** Istio's root namespace (istiod, the mesh-wide policies). */
const ROOT_NAMESPACE = "istio-system";

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
  rootNamespace: ROOT_NAMESPACE,
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
  /** Fault injection on the user service's gateway route (applied only with `microservices-ecosystem:istio` `{faultInjection: true}`). */
  faultInjection: { service: "user_service", percentage: 0.1, fixedDelay: "5s" },
  retries: { service: "order_service", attempts: 3, perTryTimeout: "10s" },
  canary: {
    name: "traffic-splitting",
    subsetRuleName: "order-service-subsets",
    service: "order_service",
    header: { name: "canary", exact: "true" },
    stable: { subset: "v1", weight: 90 },
    candidate: { subset: "v2", weight: 10 },
    /** Pods of the candidate (`version: v2`) Deployment; the stable one keeps the service's replicas. */
    candidateReplicas: 2,
  },
  /**
   * Installing Istio with Helm (`microservices-ecosystem:istio` `{install: true}`, the default):
   * releases `base` (CRDs) → `istiod` → the ingress `gateway`, each awaited.
   */
  install: {
    chartRepository: "https://istio-release.storage.googleapis.com/charts",
    /** Pinned; the 1.31 line is the one whose CRDs the tests validate against (test/fixtures/schemas). */
    version: "1.31.0",
    /** Where the release's images live (the charts' own hub/tag are empty in Istio's source tree). */
    hub: "docker.io/istio",
    releases: { base: "istio-base", istiod: "istiod", gateway: "istio-ingress", cni: "istio-cni" },
    ingressNamespace: "istio-ingress",
    /**
     * Istio's CNI node agent (chart `cni`) sets up each meshed pod's traffic redirection from the node,
     * so that no pod needs the privileged `istio-init` container; it runs in a namespace of its own,
     * the one namespace whose pods need the privileged Pod Security level.
     */
    cni: { namespace: "istio-cni", selector: { "k8s-app": "istio-cni-node" }, serviceAccount: "istio-cni" },
    /**
     * The ingress gateway Service's NodePorts when its type is NodePort (kind has no LoadBalancer):
     * Istio's historical ingress NodePorts, clear of Kubernetes' random allocations below them.
     */
    ingressNodePorts: { http: 31380, https: 31390 },
    /**
     * Replicas of istiod and of the ingress gateway. Dev runs one of each at a fixed count (kind has no
     * metrics for an autoscaler); prod autoscales from two, so a node drain or a rollout always leaves
     * one serving: istiod issues the workloads' certificates, and the gateway carries all outside traffic.
     */
    replicas: {
      dev: { istiod: 1, gateway: 1 },
      prod: { istiod: 2, gateway: 2 },
    },
    /** Requests on a laptop (dev); prod takes the spec's IstioOperator sizes. */
    sizes: {
      dev: {
        pilot: { requests: { cpu: "100m", memory: "256Mi", ...SCRATCH }, limits: { ...SCRATCH } },
        proxy: { requests: { cpu: "20m", memory: "64Mi", ...SCRATCH }, limits: { cpu: "500m", memory: "256Mi", ...SCRATCH } },
        gateway: { requests: { cpu: "50m", memory: "64Mi", ...SCRATCH }, limits: { cpu: "1000m", memory: "512Mi", ...SCRATCH } },
        cni: { requests: { cpu: "20m", memory: "64Mi", ...SCRATCH }, limits: { cpu: "200m", memory: "256Mi", ...SCRATCH } },
      },
      prod: {
        pilot: { requests: { ...OPERATOR_SIZES.pilot.requests, ...SCRATCH }, limits: { ...SCRATCH } },
        proxy: { requests: { ...OPERATOR_SIZES.proxy.requests, ...SCRATCH }, limits: { cpu: "2000m", memory: "1Gi", ...SCRATCH } },
        gateway: { requests: { cpu: "100m", memory: "128Mi", ...SCRATCH }, limits: { cpu: "2000m", memory: "1Gi", ...SCRATCH } },
        cni: { requests: { cpu: "100m", memory: "100Mi", ...SCRATCH }, limits: { cpu: "500m", memory: "512Mi", ...SCRATCH } },
      },
    },
  },
  /** istiod's trace sampling, in percent, as the spec's IstioOperator sets it (Helm value `traceSampling`). */
  traceSampling: TRACE_SAMPLING,
  /** The labels of the Helm-installed ingress gateway's pods (release `istio-ingress` → `istio: ingress`). */
  ingressSelector: { istio: "ingress" },
  /** The ingress gateway's listener for the API host (plain HTTP on kind). */
  ingressServer: { number: 80, name: "http", protocol: "HTTP" },
  /** Its listener over TLS (`istio.tls`, the edge on prod without Kong). */
  ingressTlsServer: { number: 443, name: "https", protocol: "HTTPS" },
  /**
   * istiod's pods: sidecars reach XDS and their certificates on `xdsPort`; the API server calls its
   * admission webhooks (injection, validation) on `webhookPort`, behind its Service's 443.
   */
  istiod: { selector: { app: "istiod" }, serviceAccount: "istiod", xdsPort: 15012, webhookPort: 15017 },
  /** The sidecar's merged Prometheus endpoint (app metrics + Envoy's), served in plain text. */
  mergedMetricsPort: 15020,
  /**
   * The sidecar's own ports, which it never captures: merged metrics (15020), health (15021), Envoy's
   * stats (15090). Traffic to them is plain text, so no AuthorizationPolicy or mTLS applies there.
   */
  uncapturedPorts: [15020, 15021, 15090] as readonly number[],
  /** The mesh's trust domain: workload principals are `<trustDomain>/ns/<namespace>/sa/<account>`. */
  trustDomain: "cluster.local",

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
              requests: { ...OPERATOR_SIZES.pilot.requests },
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
              requests: { ...OPERATOR_SIZES.proxy.requests },
            },
          },
        },
        pilot: {
          traceSampling: float(TRACE_SAMPLING),
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
