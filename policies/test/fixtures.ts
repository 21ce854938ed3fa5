import * as assert from "node:assert/strict";
import { stringify } from "yaml";
import { EvaluatedResource, Policy, PolicyPackConfig, Violation, evaluate } from "../../tools/policy/evaluate";

/**
 * One valid fixture per resource kind (in the style of Pulumi's compliance-policies), and a
 * compliant stack built of them. Tests change one field of a fixture and expect one violation.
 */

export type Props = Record<string, any>;

export const NS = "microservices";
const APP_LABELS = (app: string, version = "v1") => ({ app, version, tier: "microservices" });

/** A resource as the engine hands it to policies; the URN is derived from type and name. */
export function resource(type: string, props: Props, name = String(props.metadata?.name ?? "r")): EvaluatedResource {
  return { type, name, urn: `urn:pulumi:test::microservices-ecosystem::${type}::${name}`, props };
}

export const clone = <T>(value: T): T => structuredClone(value);

/** The Pod Security labels of a namespace that enforces, audits and warns at `level`. */
export const podSecurity = (level = "restricted"): Record<string, string> => ({
  "pod-security.kubernetes.io/enforce": level,
  "pod-security.kubernetes.io/audit": level,
  "pod-security.kubernetes.io/warn": level,
});

export const namespace = (name = NS, labels: Record<string, string> = { "istio-injection": "enabled", ...podSecurity() }): Props => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels },
});

export function deployment(app = "user-service", replicas = 3, version = "v1"): Props {
  const labels = APP_LABELS(app, version);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: version === "v1" ? app : `${app}-${version}`, namespace: NS, labels },
    spec: {
      replicas,
      selector: { matchLabels: { app, version } },
      template: {
        metadata: { labels, annotations: { "prometheus.io/scrape": "true" } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app, version } } },
          ],
          containers: [
            {
              name: "service",
              image: `localhost:5001/microservices/${app}:v1.0.0`,
              ports: [{ name: "http", containerPort: 8001 }],
              startupProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 2, failureThreshold: 30 },
              readinessProbe: { httpGet: { path: "/ready", port: "http" } },
              livenessProbe: { httpGet: { path: "/health", port: "http" } },
              resources: {
                requests: { cpu: "250m", memory: "256Mi", "ephemeral-storage": "50Mi" },
                limits: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "50Mi" },
              },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
            },
          ],
        },
      },
    },
  };
}

export function statefulSet(app = "user-service", replicas = 3): Props {
  const d = deployment(app, replicas);
  return { ...d, kind: "StatefulSet", spec: { ...d.spec, serviceName: app } };
}

export const hpa = (target = "user-service", minReplicas = 3, maxReplicas = 50): Props => ({
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: { name: target, namespace: NS },
  spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target }, minReplicas, maxReplicas },
});

export const pdb = (app = "user-service", version = "v1"): Props => ({
  apiVersion: "policy/v1",
  kind: "PodDisruptionBudget",
  metadata: { name: version === "v1" ? app : `${app}-${version}`, namespace: NS },
  spec: { maxUnavailable: 1, selector: { matchLabels: { app, version } }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
});

export const service = (app = "user-service", port = 8001): Props => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: app, namespace: NS, labels: { app } },
  spec: { type: "ClusterIP", selector: { app }, ports: [{ name: "http", port, targetPort: "http" }] },
});

export const peerAuthentication = (): Props => ({
  apiVersion: "security.istio.io/v1",
  kind: "PeerAuthentication",
  metadata: { name: "default", namespace: "istio-system" },
  spec: { mtls: { mode: "STRICT" } },
});

export const destinationRule = (app = "user-service", subsets: string[] = []): Props => ({
  apiVersion: "networking.istio.io/v1",
  kind: "DestinationRule",
  metadata: { name: app, namespace: NS },
  spec: {
    host: `${app}.${NS}.svc.cluster.local`,
    trafficPolicy: {
      loadBalancer: { simple: "LEAST_REQUEST" },
      connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 50, maxRequestsPerConnection: 10 } },
      outlierDetection: { consecutive5xxErrors: 3, interval: "30s", baseEjectionTime: "30s", maxEjectionPercent: 50 },
      tls: { mode: "ISTIO_MUTUAL" },
    },
    ...(subsets.length ? { subsets: subsets.map((s) => ({ name: s, labels: { version: s } })) } : {}),
  },
});

export const virtualService = (app = "order-service"): Props => ({
  apiVersion: "networking.istio.io/v1",
  kind: "VirtualService",
  metadata: { name: app, namespace: NS },
  spec: {
    hosts: [app],
    http: [
      { match: [{ headers: { canary: { exact: "true" } } }], route: [{ destination: { host: app, subset: "v2" } }] },
      {
        route: [
          { destination: { host: app, subset: "v1" }, weight: 90 },
          { destination: { host: app, subset: "v2" }, weight: 10 },
        ],
      },
    ],
  },
});

export const networkPolicy = (): Props => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "microservices", namespace: NS },
  spec: {
    podSelector: { matchLabels: { tier: "microservices" } },
    policyTypes: ["Ingress"],
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kong" } } }] }],
  },
});

/** A namespace's default deny: every pod selected, ingress and egress isolated, nothing allowed. */
export const defaultDeny = (ns = NS): Props => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "default-deny", namespace: ns },
  spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
});

/** An allow-nothing AuthorizationPolicy: the namespace's default deny for meshed workloads. */
export const allowNothing = (ns = NS): Props => ({
  apiVersion: "security.istio.io/v1",
  kind: "AuthorizationPolicy",
  metadata: { name: "allow-nothing", namespace: ns },
  spec: {},
});

/** Kong's DB-less declarative config (global rate limiting, cors and jwt; one route per service). */
export const kongDeclarative = (): Props => ({
  _format_version: "3.0",
  services: [
    { name: "user-service", url: "http://user-service.microservices.svc.cluster.local:8001", routes: [{ name: "user-routes", paths: ["/api/users"] }] },
    { name: "order-service", url: "http://order-service.microservices.svc.cluster.local:8002", routes: [{ name: "order-routes", paths: ["/api/orders"] }] },
  ],
  plugins: [
    { name: "rate-limiting", config: { minute: 100, hour: 1000 } },
    { name: "cors", config: { origins: ["http://localhost:3000", "https://app.example.com"] } },
    { name: "jwt", config: { claims_to_verify: ["exp"] } },
  ],
});

export const kongConfigMap = (declarative: Props = kongDeclarative()): Props => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "kong-declarative", namespace: "kong" },
  data: { "kong.yml": stringify(declarative) },
});

export const kongPlugin = (): Props => ({
  apiVersion: "configuration.konghq.com/v1",
  kind: "KongPlugin",
  metadata: { name: "cors", namespace: NS },
  plugin: "cors",
  config: { origins: ["https://app.example.com"] },
});

export const T = {
  namespace: "kubernetes:core/v1:Namespace",
  deployment: "kubernetes:apps/v1:Deployment",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  service: "kubernetes:core/v1:Service",
  configMap: "kubernetes:core/v1:ConfigMap",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  authorizationPolicy: "kubernetes:security.istio.io/v1:AuthorizationPolicy",
  ingress: "kubernetes:networking.k8s.io/v1:Ingress",
  peerAuthentication: "kubernetes:security.istio.io/v1:PeerAuthentication",
  destinationRule: "kubernetes:networking.istio.io/v1:DestinationRule",
  virtualService: "kubernetes:networking.istio.io/v1:VirtualService",
  kongPlugin: "kubernetes:configuration.konghq.com/v1:KongPlugin",
  kongClusterPlugin: "kubernetes:configuration.konghq.com/v1:KongClusterPlugin",
  helmRelease: "kubernetes:helm.sh/v3:Release",
} as const;

/** A Helm release of one of Istio's charts (from Istio's repository), with the given values. */
export const istioRelease = (chart: "base" | "istiod" | "gateway", values: Props = {}, name = chart === "gateway" ? "istio-ingress" : chart): Props => ({
  name,
  chart,
  version: "1.31.0",
  namespace: chart === "gateway" ? "istio-ingress" : "istio-system",
  repositoryOpts: { repo: "https://istio-release.storage.googleapis.com/charts" },
  values,
});

/** A Deployment an HPA scales: spec.replicas is left to the autoscaler. */
export function autoscaled(workload: Props): Props {
  delete workload.spec.replicas;
  return workload;
}

/**
 * A small stack every policy passes: the app namespace (injection on), user-service (3) and
 * order-service (5, with a v2 canary of 2; counts set by their HPAs), their Services, PDBs, HPAs and DestinationRules, a
 * mesh-wide STRICT PeerAuthentication, the canary VirtualService, a NetworkPolicy beside the namespace's default
 * deny, an allow-nothing AuthorizationPolicy, Kong's config. The namespace enforces the restricted Pod Security
 * level and every container sizes its ephemeral storage.
 */
export function compliantStack(): EvaluatedResource[] {
  return [
    resource(T.namespace, namespace()),
    resource(T.deployment, autoscaled(deployment("user-service", 3))),
    resource(T.deployment, autoscaled(deployment("order-service", 5))),
    resource(T.deployment, autoscaled(deployment("order-service", 2, "v2"))),
    resource(T.service, service("user-service", 8001)),
    resource(T.service, service("order-service", 8002)),
    resource(T.pdb, pdb("user-service")),
    resource(T.pdb, pdb("order-service")),
    resource(T.pdb, pdb("order-service", "v2")),
    resource(T.hpa, hpa("user-service", 3)),
    resource(T.hpa, hpa("order-service", 5)),
    resource(T.hpa, { ...hpa("order-service-v2", 2), metadata: { name: "order-service-v2", namespace: NS } }),
    resource(T.peerAuthentication, peerAuthentication()),
    resource(T.destinationRule, destinationRule("user-service")),
    resource(T.destinationRule, destinationRule("order-service", ["v1", "v2"])),
    resource(T.virtualService, virtualService("order-service")),
    resource(T.networkPolicy, networkPolicy()),
    resource(T.networkPolicy, defaultDeny()),
    resource(T.authorizationPolicy, allowNothing()),
    resource(T.configMap, kongConfigMap()),
  ];
}

/** Replaces the props of the stack's resource of that type and name by `change(props)` (on a copy). */
export function mutate(stack: EvaluatedResource[], type: string, name: string, change: (props: Props) => void): EvaluatedResource[] {
  let found = false;
  const out = stack.map((r) => {
    if (r.type !== type || r.name !== name) return r;
    found = true;
    const props = clone(r.props) as Props;
    change(props);
    return { ...r, props };
  });
  assert.ok(found, `no ${type} named ${name} in the stack`);
  return out;
}

/** Runs one policy (engine semantics) and returns its violations; a policy that throws fails the test. */
export async function violations(policy: Policy, resources: EvaluatedResource | EvaluatedResource[], settings?: Props): Promise<Violation[]> {
  const config: PolicyPackConfig = settings ? { [policy.name]: settings } : {};
  const evaluation = await evaluate([policy], ([] as EvaluatedResource[]).concat(resources), config);
  assert.deepEqual(evaluation.errors, [], `${policy.name} threw`);
  return evaluation.violations;
}

/** Asserts exactly one violation whose message matches every pattern; returns it. */
export async function expectOne(policy: Policy, resources: EvaluatedResource | EvaluatedResource[], patterns: RegExp[], settings?: Props): Promise<Violation> {
  const found = await violations(policy, resources, settings);
  assert.equal(found.length, 1, `expected one ${policy.name} violation, got ${found.length}:\n${found.map((v) => v.message).join("\n")}`);
  for (const pattern of patterns) assert.match(found[0].message, pattern);
  assert.ok(!found[0].message.includes("\n"), "a violation is one line");
  return found[0];
}

export async function expectNone(policy: Policy, resources: EvaluatedResource | EvaluatedResource[], settings?: Props): Promise<void> {
  const found = await violations(policy, resources, settings);
  assert.deepEqual(
    found.map((v) => v.message),
    [],
    `${policy.name} should pass`,
  );
}
