import * as assert from "node:assert/strict";
import { stringify } from "yaml";
import { SECURITY_POLICIES } from "../src";
import { authorizationPolicyCoverage } from "../src/security/authorization-policy-coverage";
import { containerEphemeralStorage } from "../src/security/container-ephemeral-storage";
import { istioGatewayTls } from "../src/security/istio-gateway-tls";
import { kongEdgeTls } from "../src/security/kong-edge-tls";
import { loadBalancerSourceRanges } from "../src/security/load-balancer-source-ranges";
import { namespaceDefaultDeny } from "../src/security/namespace-default-deny";
import { networkPolicyCoverage } from "../src/security/network-policy-coverage";
import { podSecurityEnforced } from "../src/security/pod-security-enforced";
import {
  NS,
  Props,
  T,
  compliantStack,
  deployment,
  expectNone,
  expectOne,
  istioRelease,
  kongDeclarative,
  mutate,
  namespace,
  podSecurity,
  resource,
  violations,
} from "./fixtures";

// One violating and one passing case per security policy, each from the compliant stack with one change.

describe("security policies are advisory by default (the prod stack's config makes them mandatory)", () => {
  for (const policy of SECURITY_POLICIES) it(policy.name, () => assert.equal(policy.enforcementLevel, "advisory"));
});

describe("policy namespace-default-deny (stack)", () => {
  it("passes a namespace with a default deny for both directions", async () => expectNone(namespaceDefaultDeny, compliantStack()));
  it("fails a default deny that isolates ingress only", async () => {
    const stack = mutate(compliantStack(), T.networkPolicy, "default-deny", (p) => {
      p.spec.policyTypes = ["Ingress"];
    });
    await expectOne(namespaceDefaultDeny, stack, [/Namespace microservices has no default-deny NetworkPolicy for egress/]);
  });
  it("fails a 'default deny' that allows something, or selects only some pods", async () => {
    const allowing = mutate(compliantStack(), T.networkPolicy, "default-deny", (p) => {
      p.spec.ingress = [{ from: [{ podSelector: {} }] }];
    });
    await expectOne(namespaceDefaultDeny, allowing, [/for ingress/]);
    const partial = mutate(compliantStack(), T.networkPolicy, "default-deny", (p) => {
      p.spec.podSelector = { matchLabels: { app: "user-service" } };
    });
    await expectOne(namespaceDefaultDeny, partial, [/for ingress and egress/]);
  });
});

describe("policy network-policy-coverage (stack)", () => {
  it("passes pods a default deny selects both ways", async () => expectNone(networkPolicyCoverage, compliantStack()));
  it("fails pods isolated for ingress only: their egress is open", async () => {
    const stack = mutate(compliantStack(), T.networkPolicy, "default-deny", (p) => {
      p.spec.policyTypes = ["Ingress"];
    }).filter((r) => r.name !== "microservices");
    const found = await violations(networkPolicyCoverage, stack);
    assert.equal(found.length, 3, "user-service, order-service and its v2");
    assert.match(found[0].message, /Deployment microservices\/user-service: no NetworkPolicy .* selects its pods \(app=user-service,version=v1\) for egress/);
  });
  it("fails a pod of a namespace without any NetworkPolicy", async () => {
    const other = { ...deployment("reporting", 1), metadata: { name: "reporting", namespace: "reports", labels: { app: "reporting" } } };
    await expectOne(networkPolicyCoverage, [...compliantStack(), resource(T.deployment, other)], [/reports\/reporting: .* for ingress and egress/]);
  });
});

describe("policy authorization-policy-coverage (stack)", () => {
  it("passes meshed pods an allow-nothing policy covers", async () => expectNone(authorizationPolicyCoverage, compliantStack()));
  it("fails a meshed workload no AuthorizationPolicy selects", async () => {
    const stack = mutate(compliantStack(), T.authorizationPolicy, "allow-nothing", (p) => {
      p.spec = { selector: { matchLabels: { app: "order-service" } } };
    });
    await expectOne(authorizationPolicyCoverage, stack, [
      /Deployment microservices\/user-service: its pods \(app=user-service,version=v1\) get an Istio sidecar but no AuthorizationPolicy selects them/,
    ]);
  });
  it("accepts a mesh-wide policy in the root namespace, and skips pods that opt out of the sidecar", async () => {
    const meshWide = mutate(compliantStack(), T.authorizationPolicy, "allow-nothing", (p) => {
      p.metadata.namespace = "istio-system";
    });
    await expectNone(authorizationPolicyCoverage, meshWide);
    const without = compliantStack().filter((r) => r.type !== T.authorizationPolicy);
    const optedOut = without.map((r) => {
      if (r.type !== T.deployment) return r;
      const props = structuredClone(r.props) as Props;
      props.spec.template.metadata.annotations["sidecar.istio.io/inject"] = "false";
      return { ...r, props };
    });
    await expectNone(authorizationPolicyCoverage, optedOut);
  });
});

describe("policy pod-security-enforced", () => {
  it("passes a namespace that enforces restricted", async () => expectNone(podSecurityEnforced, resource(T.namespace, namespace())));
  it("fails a namespace without an enforce label", async () => {
    await expectOne(podSecurityEnforced, resource(T.namespace, namespace(NS, { "istio-injection": "enabled" })), [
      /has no pod-security.kubernetes.io\/enforce label/,
    ]);
  });
  it("fails privileged outside the listed node-agent namespaces, and a level that does not exist", async () => {
    await expectOne(podSecurityEnforced, resource(T.namespace, namespace(NS, podSecurity("privileged"))), [/enforces the privileged level/]);
    await expectNone(podSecurityEnforced, resource(T.namespace, namespace("istio-cni", podSecurity("privileged"))));
    await expectOne(podSecurityEnforced, resource(T.namespace, namespace(NS, podSecurity("strict"))), [/is not a Pod Security Standards level/]);
  });
});

describe("policy container-ephemeral-storage", () => {
  const dep = (change?: (p: Props) => void) => {
    const props = deployment();
    change?.(props);
    return resource(T.deployment, props);
  };
  it("passes containers that request and limit ephemeral storage", async () => expectNone(containerEphemeralStorage, dep()));
  it("fails a container without an ephemeral-storage limit, and an init container without any", async () => {
    const found = await violations(
      containerEphemeralStorage,
      dep((p) => {
        delete p.spec.template.spec.containers[0].resources.limits["ephemeral-storage"];
        p.spec.template.spec.initContainers = [{ name: "migrate", image: "x:1", resources: {} }];
      }),
    );
    assert.deepEqual(
      found.map((v) => /: (.+)\.resources\.(\w+)\.ephemeral-storage/.exec(v.message)?.slice(1)),
      [
        ["spec.template.spec.containers[0] (service)", "limits"],
        ["spec.template.spec.initContainers[0] (migrate)", "requests"],
        ["spec.template.spec.initContainers[0] (migrate)", "limits"],
      ],
    );
  });
});

describe("policy load-balancer-source-ranges", () => {
  const lb = (spec: Props = {}, annotations: Record<string, string> = {}) =>
    resource(T.service, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kong-proxy", namespace: "kong", annotations },
      spec: { type: "LoadBalancer", selector: { app: "kong" }, ports: [{ port: 443 }], ...spec },
    });
  it("passes a LoadBalancer that names its client ranges, and an internal one", async () => {
    await expectNone(loadBalancerSourceRanges, lb({ loadBalancerSourceRanges: ["203.0.113.0/24"] }));
    await expectNone(loadBalancerSourceRanges, lb({}, { "networking.gke.io/load-balancer-type": "Internal" }));
  });
  it("fails a public LoadBalancer without source ranges", async () => {
    await expectOne(loadBalancerSourceRanges, lb(), [/Service kong\/kong-proxy is a public LoadBalancer without spec.loadBalancerSourceRanges/]);
  });
  it("reads the Service of Istio's gateway chart from its release: a LoadBalancer by default", async () => {
    await expectOne(loadBalancerSourceRanges, resource(T.helmRelease, istioRelease("gateway")), [/exposes the ingress gateway through a public LoadBalancer/]);
    await expectNone(loadBalancerSourceRanges, resource(T.helmRelease, istioRelease("gateway", { service: { type: "ClusterIP" } })));
    await expectNone(loadBalancerSourceRanges, resource(T.helmRelease, istioRelease("gateway", { service: { loadBalancerSourceRanges: ["203.0.113.0/24"] } })));
  });
});

describe("policy istio-gateway-tls (stack)", () => {
  const gateway = (server: Props) =>
    resource("kubernetes:networking.istio.io/v1:Gateway", {
      apiVersion: "networking.istio.io/v1",
      kind: "Gateway",
      metadata: { name: "microservices-gateway", namespace: NS },
      spec: { selector: { istio: "ingress" }, servers: [{ hosts: ["api.example.com"], ...server }] },
    });
  const routes = (gateways: string[]) =>
    resource(T.virtualService, {
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata: { name: "routes", namespace: NS },
      spec: { hosts: ["api.example.com"], gateways, http: [{ route: [{ destination: { host: "user-service" } }] }] },
    });
  const https = { port: { number: 443, name: "https", protocol: "HTTPS" }, tls: { mode: "SIMPLE", credentialName: "api-cert" } };
  const http = { port: { number: 80, name: "http", protocol: "HTTP" } };
  it("passes an HTTPS server with its certificate, a redirecting HTTP one, and a plain Gateway nothing routes through", async () => {
    await expectNone(istioGatewayTls, [gateway(https), routes(["microservices-gateway"])]);
    await expectNone(istioGatewayTls, [gateway({ ...http, tls: { httpsRedirect: true } }), routes([`${NS}/microservices-gateway`])]);
    await expectNone(istioGatewayTls, [gateway(http), routes(["mesh"])]);
  });
  it("fails a plain-HTTP server that routes the API, and TLS without a certificate", async () => {
    await expectOne(istioGatewayTls, [gateway(http), routes(["microservices-gateway"])], [/servers\[0\] \(HTTP 80\) serves the API in plain text/]);
    await expectOne(
      istioGatewayTls,
      [gateway({ ...https, tls: { mode: "SIMPLE" } }), routes(["microservices-gateway"])],
      [/terminates TLS without a certificate/],
    );
  });
});

describe("policy kong-edge-tls (stack)", () => {
  const kong = (listen: string | undefined, env: Record<string, string> = { KONG_SSL_CERT: "/kong/tls/tls.crt", KONG_SSL_CERT_KEY: "/kong/tls/tls.key" }) => {
    const props = deployment("kong", 2);
    props.metadata = { name: "kong", namespace: "kong", labels: { app: "kong" } };
    const container = props.spec.template.spec.containers[0];
    container.env = Object.entries({
      KONG_DATABASE: "off",
      KONG_DECLARATIVE_CONFIG: "/kong/declarative/kong.yml",
      ...(listen ? { KONG_PROXY_LISTEN: listen } : {}),
      ...env,
    }).map(([name, value]) => ({ name, value }));
    container.volumeMounts = [{ name: "declarative-config", mountPath: "/kong/declarative" }];
    props.spec.template.spec.volumes = [{ name: "declarative-config", configMap: { name: "kong-declarative" } }];
    return resource(T.deployment, props);
  };
  const config = (protocols?: string[]) => {
    const declarative = kongDeclarative();
    for (const service of declarative.services) for (const route of service.routes) if (protocols) route.protocols = protocols;
    return resource(T.configMap, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "kong-declarative", namespace: "kong" },
      data: { "kong.yml": stringify(declarative) },
    });
  };
  it("passes HTTPS only, and a plain listener whose routes all take HTTPS only (it redirects)", async () => {
    await expectNone(kongEdgeTls, [kong("0.0.0.0:8443 ssl http2"), config()]);
    await expectNone(kongEdgeTls, [kong("0.0.0.0:8443 ssl http2, 0.0.0.0:8000"), config(["https"])]);
  });
  it("fails a plain-HTTP edge, Kong's default listeners and a TLS listener on Kong's self-signed certificate", async () => {
    await expectOne(kongEdgeTls, [kong("0.0.0.0:8000"), config()], [/serves the API over plain HTTP only/]);
    await expectOne(
      kongEdgeTls,
      [kong(undefined), config()],
      [/also listens for plain HTTP \(0.0.0.0:8000 reuseport backlog=16384\) and routes user-routes, order-routes take it/],
    );
    await expectOne(kongEdgeTls, [kong("0.0.0.0:8443 ssl", {}), config()], [/built-in self-signed certificate/]);
  });
  it("does not apply without a Kong proxy", async () => {
    assert.deepEqual(
      await violations(
        kongEdgeTls,
        compliantStack().filter((r) => r.type !== T.configMap),
      ),
      [],
    );
  });
});
