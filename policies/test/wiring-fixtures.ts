import { EvaluatedResource } from "../../tools/policy/evaluate";
import { NS, Props, T, compliantStack, deployment, mutate, namespace, resource } from "./fixtures";

/**
 * Fixtures for the wiring policies: the compliant stack wired the way the real render is — each
 * app workload runs as its own service account and spreads its pods over nodes, Kong runs in its
 * own namespace as service account `kong`, and the app namespace is default-deny with one ALLOW
 * policy admitting Kong and order-service to user-service.
 */

export const W = {
  ...T,
  authorizationPolicy: "kubernetes:security.istio.io/v1:AuthorizationPolicy",
  serviceEntry: "kubernetes:networking.istio.io/v1:ServiceEntry",
  daemonSet: "kubernetes:apps/v1:DaemonSet",
  job: "kubernetes:batch/v1:Job",
  pod: "kubernetes:core/v1:Pod",
  helmRelease: "kubernetes:helm.sh/v3:Release",
} as const;

export const KONG_NS = "kong";

/** A topology spread constraint on `key` selecting the pods of a pod template. */
export const spreadOver = (labels: Record<string, string>, key = "kubernetes.io/hostname"): Props => ({
  maxSkew: 1,
  topologyKey: key,
  whenUnsatisfiable: "ScheduleAnyway",
  labelSelector: { matchLabels: { app: labels.app, version: labels.version } },
});

/** A workload wired as the render wires it: its own service account, pods spread over nodes. */
export function wired(props: Props): Props {
  const template = props.spec.template;
  template.spec.serviceAccountName = template.metadata.labels.app;
  template.spec.topologySpreadConstraints = [spreadOver(template.metadata.labels)];
  return props;
}

export function kongDeployment(): Props {
  const d = deployment("kong", 1);
  const labels = { app: "kong" };
  d.metadata = { name: "kong", namespace: KONG_NS, labels };
  d.spec.selector = { matchLabels: labels };
  d.spec.template.metadata.labels = labels;
  d.spec.template.spec.serviceAccountName = "kong";
  d.spec.template.spec.containers[0].ports = [
    { name: "proxy", containerPort: 8000 },
    { name: "status", containerPort: 8100 },
  ];
  return d;
}

export const kongService = (): Props => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "kong-proxy", namespace: KONG_NS, labels: { app: "kong" } },
  spec: { type: "NodePort", selector: { app: "kong" }, ports: [{ name: "http-proxy", port: 80, targetPort: "proxy" }] },
});

export const authorizationPolicy = (name: string, spec: Props, ns = NS): Props => ({
  apiVersion: "security.istio.io/v1",
  kind: "AuthorizationPolicy",
  metadata: { name, namespace: ns },
  spec,
});

/** The namespace-wide default-deny: an ALLOW policy with no rules. */
export const allowNothing = (name = "allow-nothing", ns = NS): Props => authorizationPolicy(name, {}, ns);

/** user-service admits Kong (by principal and by namespace) and order-service. */
export const userServiceAllow = (): Props =>
  authorizationPolicy("user-service", {
    action: "ALLOW",
    selector: { matchLabels: { app: "user-service" } },
    rules: [
      {
        from: [{ source: { principals: ["cluster.local/ns/kong/sa/kong", `cluster.local/ns/${NS}/sa/order-service`] } }],
        to: [{ operation: { ports: ["8001"] } }],
      },
      { from: [{ source: { namespaces: [KONG_NS] } }], to: [{ operation: { methods: ["GET"], paths: ["/health"] } }] },
    ],
  });

export const serviceEntry = (name: string, hosts: string[], ns = NS): Props => ({
  apiVersion: "networking.istio.io/v1",
  kind: "ServiceEntry",
  metadata: { name, namespace: ns },
  spec: { hosts, location: "MESH_EXTERNAL", resolution: "DNS", ports: [{ number: 443, name: "https", protocol: "TLS" }] },
});

/** The compliant stack, wired: every wiring policy passes it. */
export function wiringStack(): EvaluatedResource[] {
  let stack = compliantStack();
  for (const name of ["user-service", "order-service", "order-service-v2"]) stack = mutate(stack, T.deployment, name, wired);
  return [
    ...stack,
    resource(T.namespace, namespace(KONG_NS)),
    resource(T.deployment, kongDeployment()),
    resource(T.service, kongService()),
    resource(W.authorizationPolicy, userServiceAllow()),
  ];
}
