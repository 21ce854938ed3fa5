import * as assert from "node:assert/strict";
import { EvaluatedResource, Evaluation, evaluate, fromRecorded } from "../../tools/policy/evaluate";
import { renderStack } from "../../tools/render/render-stack";
import { circuitBreakerCoverage } from "../src/circuit-breakers/circuit-breaker-coverage";
import { authorizationPrincipalsExist, pinnedNamespace } from "../src/wiring/authorization-principals-exist";
import { destinationRuleHostExists } from "../src/wiring/destination-rule-host-exists";
import { isAllowNothing, oneDefaultAuthorizationPerNamespace } from "../src/wiring/one-default-authorization-per-namespace";
import { serviceSelectsPods } from "../src/wiring/service-selects-pods";
import { serviceTargetPorts } from "../src/wiring/service-target-ports";
import { virtualServiceHostsExist } from "../src/wiring/virtual-service-hosts-exist";
import { workloadSpread } from "../src/wiring/workload-spread";
import { NS, Props, T, clone, compliantStack, deployment, expectNone, expectOne, mutate, resource, service, violations } from "./fixtures";
import { KONG_NS, W, allowNothing, authorizationPolicy, serviceEntry, spreadOver, wiringStack } from "./wiring-fixtures";

const without = (stack: EvaluatedResource[], type: string, name: string) => {
  const out = stack.filter((r) => !(r.type === type && r.name === name));
  assert.equal(out.length, stack.length - 1, `no ${type} named ${name}`);
  return out;
};
const apSources = (p: Props, rule: number) => p.spec.rules[rule].from[0].source;

/** The wiring policies: the names one object uses for another resolve to something the stack declares. */
const WIRING_POLICIES = [
  serviceSelectsPods,
  serviceTargetPorts,
  destinationRuleHostExists,
  authorizationPrincipalsExist,
  virtualServiceHostsExist,
  oneDefaultAuthorizationPerNamespace,
  workloadSpread,
];

describe("wiring policies: levels", () => {
  const levels: Record<string, string> = {
    "service-selects-pods": "mandatory",
    "service-target-ports": "mandatory",
    "destination-rule-host-exists": "mandatory",
    "authorization-principals-exist": "mandatory",
    "virtual-service-hosts-exist": "advisory",
    "one-default-authorization-per-namespace": "advisory",
    "workload-spread": "advisory",
  };
  for (const policy of WIRING_POLICIES) {
    it(`${policy.name} is ${levels[policy.name]}, with a default and a description for every setting`, () => {
      assert.equal(policy.enforcementLevel, levels[policy.name]);
      for (const [key, property] of Object.entries(policy.configSchema!.properties)) {
        const p = property as { default?: unknown; description?: string };
        assert.notEqual(p.default, undefined, `${policy.name}.${key} has no default`);
        assert.ok(p.description, `${policy.name}.${key} has no description`);
      }
    });
  }
  it("the wired stack passes every wiring policy", async () => {
    const evaluation = await evaluate(WIRING_POLICIES, wiringStack());
    assert.deepEqual(evaluation.errors, []);
    assert.deepEqual(
      evaluation.violations.map((v) => `${v.policy}: ${v.message}`),
      [],
    );
    assert.deepEqual(evaluation.notApplicable, [], "every wiring policy applies to the wired stack");
  });
});

describe("policy service-selects-pods (stack)", () => {
  it("passes the compliant and the wired stacks", async () => {
    await expectNone(serviceSelectsPods, compliantStack());
    await expectNone(serviceSelectsPods, wiringStack());
  });

  it("fails a Service whose selector matches no pod, naming it and the workload it likely means", async () => {
    const stack = mutate(wiringStack(), T.service, "user-service", (p) => {
      p.spec.selector = { app: "user-service", version: "v9" };
    });
    const v = await expectOne(serviceSelectsPods, stack, [
      /^Service microservices\/user-service: spec.selector app=user-service,version=v9 selects no pod template in namespace microservices/,
      /no endpoints/,
      /pod labels of Deployment microservices\/user-service/,
    ]);
    assert.match(v.urn!, /Service::user-service$/);
    const unrelated = mutate(wiringStack(), T.service, "kong-proxy", (p) => {
      p.spec.selector = { app: "gateway" };
    });
    await expectOne(serviceSelectsPods, unrelated, [
      /Service kong\/kong-proxy: spec.selector app=gateway selects no pod/,
      /set spec.selector to the pod template labels/,
    ]);
  });

  it("only selects pods of the Service's own namespace", async () => {
    const elsewhere = { ...service("user-service"), metadata: { name: "user-service", namespace: KONG_NS } };
    await expectOne(
      serviceSelectsPods,
      [...wiringStack(), resource(T.service, elsewhere, "user-service-kong")],
      [/Service kong\/user-service: .* namespace kong/],
    );
  });

  it("counts pods of DaemonSets, Jobs and bare Pods", async () => {
    const d = deployment("log-agent", 1);
    const daemonSet = { ...d, kind: "DaemonSet", spec: { selector: d.spec.selector, template: d.spec.template } };
    const job = { ...deployment("migrate", 1), apiVersion: "batch/v1", kind: "Job" };
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "debug", namespace: NS, labels: { app: "debug" } }, spec: clone(d.spec.template.spec) };
    const extra = [
      resource(W.daemonSet, daemonSet),
      resource(W.job, job),
      resource(W.pod, pod),
      resource(T.service, service("log-agent")),
      resource(T.service, service("migrate")),
      resource(T.service, service("debug")),
    ];
    await expectNone(serviceSelectsPods, [...wiringStack(), ...extra]);
    await expectOne(serviceSelectsPods, [...wiringStack(), ...extra.filter((r) => r.type !== W.pod)], [/Service microservices\/debug/]);
  });

  it("skips ExternalName, selector-less and exempt Services", async () => {
    const externalName = { ...service("legacy"), spec: { type: "ExternalName", externalName: "legacy.example.com", selector: { app: "legacy" } } };
    const manual = { ...service("manual"), spec: { ports: [{ port: 80 }] } };
    const empty = { ...service("empty"), spec: { selector: {}, ports: [{ port: 80 }] } };
    const dangling = resource(T.service, service("ghost"));
    await expectNone(serviceSelectsPods, [...wiringStack(), resource(T.service, externalName), resource(T.service, manual), resource(T.service, empty)]);
    await expectOne(serviceSelectsPods, [...wiringStack(), dangling], [/ghost/]);
    await expectNone(serviceSelectsPods, [...wiringStack(), dangling], { exemptServices: [`${NS}/ghost`] });
  });
});

describe("policy service-target-ports (stack)", () => {
  it("passes the compliant and the wired stacks", async () => {
    await expectNone(serviceTargetPorts, compliantStack());
    await expectNone(serviceTargetPorts, wiringStack());
  });

  it("fails a target port name no container declares", async () => {
    const stack = mutate(wiringStack(), T.service, "user-service", (p) => {
      p.spec.ports[0].targetPort = "grpc";
    });
    const v = await expectOne(serviceTargetPorts, stack, [
      /^Service microservices\/user-service: spec.ports\[0\] \(http\) targets port name grpc, which no container of Deployment microservices\/user-service declares/,
      /its ports: http\/8001/,
      /set targetPort to one of its containerPort names or numbers/,
    ]);
    assert.match(v.urn!, /Service::user-service$/);
  });

  it("matches numbers, and an unset targetPort as the port", async () => {
    const byNumber = mutate(wiringStack(), T.service, "user-service", (p) => {
      p.spec.ports[0].targetPort = 8001;
    });
    await expectNone(serviceTargetPorts, byNumber);
    const unset = mutate(wiringStack(), T.service, "user-service", (p) => {
      delete p.spec.ports[0].targetPort;
    });
    await expectNone(serviceTargetPorts, unset);
    const wrongNumber = mutate(byNumber, T.service, "user-service", (p) => {
      p.spec.ports[0].targetPort = 9999;
    });
    await expectOne(serviceTargetPorts, wrongNumber, [/targets port 9999, which no container/]);
    const unsetOther = mutate(unset, T.service, "user-service", (p) => {
      p.spec.ports[0].port = 80;
    });
    await expectOne(serviceTargetPorts, unsetOther, [/targetPort is unset, so it targets port 80/]);
  });

  it("requires the port in every pod template the Service selects", async () => {
    const stack = mutate(wiringStack(), T.deployment, "order-service-v2", (p) => {
      p.spec.template.spec.containers[0].ports[0].name = "web";
    });
    await expectOne(serviceTargetPorts, stack, [
      /Service microservices\/order-service: .* no container of Deployment microservices\/order-service-v2 declares/,
    ]);
  });

  it("matches a port name with its protocol, and counts native sidecar ports", async () => {
    const udp = mutate(wiringStack(), T.service, "user-service", (p) => {
      p.spec.ports[0].protocol = "UDP";
    });
    await expectOne(serviceTargetPorts, udp, [/declares for UDP/]);
    const sidecar = mutate(
      mutate(wiringStack(), T.service, "user-service", (p) => {
        p.spec.ports.push({ name: "metrics", port: 9090, targetPort: "metrics" });
      }),
      T.deployment,
      "user-service",
      (p) => {
        p.spec.template.spec.initContainers = [
          { name: "exporter", image: "exporter:1", restartPolicy: "Always", ports: [{ name: "metrics", containerPort: 9090 }] },
        ];
      },
    );
    await expectNone(serviceTargetPorts, sidecar);
    const plainInit = mutate(sidecar, T.deployment, "user-service", (p) => {
      delete p.spec.template.spec.initContainers[0].restartPolicy;
    });
    await expectOne(serviceTargetPorts, plainInit, [/spec.ports\[1\] \(metrics\) targets port name metrics/]);
  });
});

describe("policy destination-rule-host-exists (stack)", () => {
  it("passes the compliant and the wired stacks", async () => {
    await expectNone(destinationRuleHostExists, compliantStack());
    await expectNone(destinationRuleHostExists, wiringStack());
  });

  it("fails a host that names no Service", async () => {
    const stack = mutate(wiringStack(), T.destinationRule, "user-service", (p) => {
      p.spec.host = "users.microservices.svc.cluster.local";
    });
    const v = await expectOne(destinationRuleHostExists, stack, [
      /^DestinationRule microservices\/user-service: spec.host users.microservices.svc.cluster.local resolves to users.microservices.svc.cluster.local, but the stack has no such Service \(namespace microservices has user-service, order-service\)/,
      /set spec.host to the FQDN of the Service/,
    ]);
    assert.match(v.urn!, /DestinationRule::user-service$/);
  });

  it("resolves a short host in the rule's namespace", async () => {
    const short = mutate(wiringStack(), T.destinationRule, "user-service", (p) => {
      p.spec.host = "user-service";
    });
    await expectNone(destinationRuleHostExists, short);
    const other = mutate(short, T.destinationRule, "user-service", (p) => {
      p.metadata.namespace = "other";
    });
    await expectOne(destinationRuleHostExists, other, [
      /spec.host user-service resolves to user-service.other.svc.cluster.local, but the stack has no such Service/,
    ]);
  });

  it("names a name.namespace host, which Istio takes literally", async () => {
    const stack = mutate(wiringStack(), T.destinationRule, "user-service", (p) => {
      p.spec.host = "user-service.microservices";
    });
    await expectOne(destinationRuleHostExists, stack, [/taken literally/, /set spec.host to user-service.microservices.svc.cluster.local/]);
  });

  it("allows wildcards, ServiceEntry hosts and configured external hosts; not an undeclared external host", async () => {
    const wildcard = mutate(wiringStack(), T.destinationRule, "user-service", (p) => {
      p.spec.host = "*.microservices.svc.cluster.local";
    });
    await expectNone(destinationRuleHostExists, wildcard);
    const external = mutate(wiringStack(), T.destinationRule, "user-service", (p) => {
      p.spec.host = "api.stripe.com";
    });
    await expectOne(destinationRuleHostExists, external, [
      /spec.host api.stripe.com is outside the cluster domain cluster.local and no ServiceEntry declares it/,
    ]);
    await expectNone(destinationRuleHostExists, [...external, resource(W.serviceEntry, serviceEntry("stripe", ["*.stripe.com"]))]);
    await expectNone(destinationRuleHostExists, external, { externalHosts: ["api.stripe.com"] });
    const helm = mutate(wiringStack(), T.destinationRule, "user-service", (p) => {
      p.spec.host = "istiod.istio-system.svc.cluster.local";
    });
    await expectOne(destinationRuleHostExists, helm, [/nothing in namespace istio-system/]);
    await expectNone(destinationRuleHostExists, helm, { externalHosts: ["*.istio-system.svc.cluster.local"] });
  });

  it("reads the cluster domain from config", async () => {
    const stack = mutate(wiringStack(), T.destinationRule, "user-service", (p) => {
      p.spec.host = "user-service.microservices.svc.example.internal";
    });
    await expectOne(destinationRuleHostExists, stack, [/outside the cluster domain cluster.local/]);
    const rebased = mutate(stack, T.destinationRule, "order-service", (p) => {
      p.spec.host = "order-service";
    });
    await expectNone(destinationRuleHostExists, rebased, { clusterDomain: "example.internal" });
  });
});

describe("policy authorization-principals-exist (stack)", () => {
  it("passes the wired stack; does not apply without AuthorizationPolicies", async () => {
    await expectNone(authorizationPrincipalsExist, wiringStack());
    await expectNone(authorizationPrincipalsExist, compliantStack());
  });

  it("fails a principal whose service account no pod runs as (Kong's serviceAccountName changed to default)", async () => {
    const stack = mutate(wiringStack(), T.deployment, "kong", (p) => {
      p.spec.template.spec.serviceAccountName = "default";
    });
    const v = await expectOne(authorizationPrincipalsExist, stack, [
      /^AuthorizationPolicy microservices\/user-service: spec.rules\[0\].from\[0\].source.principals\[0\] cluster.local\/ns\/kong\/sa\/kong is the identity of no pod of the stack \(pods in namespace kong run as default\)/,
      /the calls it is meant to allow are denied/,
      /serviceAccountName/,
    ]);
    assert.match(v.urn!, /AuthorizationPolicy::user-service$/);
    const unset = mutate(wiringStack(), T.deployment, "kong", (p) => {
      delete p.spec.template.spec.serviceAccountName;
    });
    await expectOne(authorizationPrincipalsExist, unset, [/pods in namespace kong run as default/]);
  });

  it("fails a principal in a namespace without workloads", async () => {
    const stack = mutate(wiringStack(), W.authorizationPolicy, "user-service", (p) => {
      apSources(p, 0).principals.push("cluster.local/ns/ghost/sa/ghost");
    });
    await expectOne(authorizationPrincipalsExist, stack, [
      /principals\[2\] cluster.local\/ns\/ghost\/sa\/ghost .*no workload of the stack runs in namespace ghost/,
    ]);
  });

  it("matches Istio's wildcards, and skips principals of another trust domain", async () => {
    const set = (principals: string[]) =>
      mutate(wiringStack(), W.authorizationPolicy, "user-service", (p) => {
        apSources(p, 0).principals = principals;
      });
    await expectNone(
      authorizationPrincipalsExist,
      set(["*", "cluster.local/ns/kong/sa/*", "*/ns/kong/sa/kong", "*/sa/order-service", "spiffe.example/ns/a/sa/b"]),
    );
    await expectOne(authorizationPrincipalsExist, set(["cluster.local/ns/ghost/sa/*"]), [/cluster.local\/ns\/ghost\/sa\/\* is the identity of no pod/]);
    await expectOne(authorizationPrincipalsExist, set(["*/ns/kong/sa/proxy"]), [/pods in namespace kong run as kong/]);
    await expectNone(authorizationPrincipalsExist, set(["example.org/ns/kong/sa/kong"]), { trustDomain: "example.org" });
    await expectOne(authorizationPrincipalsExist, set(["example.org/ns/kong/sa/gone"]), [/example.org\/ns\/kong\/sa\/gone/], { trustDomain: "example.org" });
    assert.equal(pinnedNamespace("cluster.local/ns/kong/*", "cluster.local"), "kong");
    assert.equal(pinnedNamespace("*/sa/kong", "cluster.local"), undefined);
    assert.equal(pinnedNamespace("other.domain/ns/kong/sa/kong", "cluster.local"), undefined);
  });

  it("fails a source namespace that is not in the stack, unless configured as external", async () => {
    const stack = mutate(wiringStack(), W.authorizationPolicy, "user-service", (p) => {
      apSources(p, 1).namespaces = [KONG_NS, "istio-ingress"];
    });
    await expectOne(authorizationPrincipalsExist, stack, [
      /spec.rules\[1\].from\[0\].source.namespaces\[1\] istio-ingress is no namespace of the stack/,
      /externalNamespaces/,
    ]);
    await expectNone(authorizationPrincipalsExist, stack, { externalNamespaces: ["istio-ingress"] });
    const gateway = resource(W.helmRelease, { chart: "gateway", name: "istio-ingress", namespace: "istio-ingress" }, "istio-ingress");
    await expectNone(authorizationPrincipalsExist, [...stack, gateway]);
    const wildcard = mutate(wiringStack(), W.authorizationPolicy, "user-service", (p) => {
      apSources(p, 1).namespaces = ["kon*", "*"];
    });
    await expectNone(authorizationPrincipalsExist, wildcard);
  });

  it("skips principals in external namespaces (a gateway a Helm chart installs)", async () => {
    const stack = mutate(wiringStack(), W.authorizationPolicy, "user-service", (p) => {
      apSources(p, 0).principals.push("cluster.local/ns/istio-ingress/sa/istio-ingress");
    });
    await expectOne(authorizationPrincipalsExist, stack, [/istio-ingress/]);
    await expectNone(authorizationPrincipalsExist, stack, { externalNamespaces: ["istio-ingress"] });
  });
});

describe("policy virtual-service-hosts-exist (stack)", () => {
  it("is advisory and passes the compliant and the wired stacks", async () => {
    await expectNone(virtualServiceHostsExist, compliantStack());
    await expectNone(virtualServiceHostsExist, wiringStack());
  });

  it("fails a cluster host that names no Service", async () => {
    const stack = mutate(wiringStack(), T.virtualService, "order-service", (p) => {
      p.spec.hosts = ["orders"];
    });
    const v = await expectOne(virtualServiceHostsExist, stack, [
      /^VirtualService microservices\/order-service: spec.hosts\[0\] orders resolves to orders.microservices.svc.cluster.local, which is no Service of the stack, so its routes apply to no traffic/,
    ]);
    assert.match(v.urn!, /VirtualService::order-service$/);
  });

  it("fails a route destination that names no Service", async () => {
    const stack = mutate(wiringStack(), T.virtualService, "order-service", (p) => {
      p.spec.http[0].route[0].destination.host = "order-service.shop.svc.cluster.local";
    });
    await expectOne(virtualServiceHostsExist, stack, [
      /spec.http\[0\].route\[0\].destination.host order-service.shop.svc.cluster.local resolves to .* so that route fails with 503/,
    ]);
    const literal = mutate(wiringStack(), T.virtualService, "order-service", (p) => {
      p.spec.http[1].route[1].destination.host = "order-service.microservices";
    });
    await expectOne(virtualServiceHostsExist, literal, [
      /spec.http\[1\].route\[1\].destination.host order-service.microservices is taken literally/,
      /use order-service.microservices.svc.cluster.local/,
    ]);
  });

  it("allows external hosts on a Gateway-bound VirtualService, and in the mesh only with a ServiceEntry", async () => {
    const external = mutate(wiringStack(), T.virtualService, "order-service", (p) => {
      p.spec.hosts = ["api.example.com"];
    });
    await expectOne(virtualServiceHostsExist, external, [/spec.hosts\[0\] api.example.com is outside the cluster domain .* no ServiceEntry declares it/]);
    const bound = mutate(external, T.virtualService, "order-service", (p) => {
      p.spec.gateways = ["mesh", "microservices/microservices-gateway"];
    });
    await expectNone(virtualServiceHostsExist, bound);
    await expectNone(virtualServiceHostsExist, [...external, resource(W.serviceEntry, serviceEntry("example", ["api.example.com"]))]);
    const boundToNothing = mutate(bound, T.virtualService, "order-service", (p) => {
      p.spec.hosts = ["api.example.com", "order-svc"];
    });
    await expectOne(virtualServiceHostsExist, boundToNothing, [/spec.hosts\[1\] order-svc resolves to order-svc.microservices.svc.cluster.local/]);
  });
});

describe("policy one-default-authorization-per-namespace (stack)", () => {
  it("is advisory and passes the wired stack; does not apply without ALLOW policies", async () => {
    await expectNone(oneDefaultAuthorizationPerNamespace, wiringStack());
    await expectNone(oneDefaultAuthorizationPerNamespace, compliantStack());
    const denyOnly = [
      ...compliantStack(),
      resource(W.authorizationPolicy, authorizationPolicy("deny-kong", { action: "DENY", rules: [{ from: [{ source: { namespaces: [KONG_NS] } }] }] })),
    ];
    await expectNone(oneDefaultAuthorizationPerNamespace, denyOnly);
  });

  it("fails a namespace with ALLOW policies and no allow-nothing default", async () => {
    const stack = without(wiringStack(), W.authorizationPolicy, "allow-nothing");
    const v = await expectOne(oneDefaultAuthorizationPerNamespace, stack, [
      /^Namespace microservices has ALLOW AuthorizationPolicies \(user-service\) but no namespace-wide allow-nothing policy/,
      /add AuthorizationPolicy allow-nothing in namespace microservices with spec \{\}/,
    ]);
    assert.match(v.urn!, /Namespace::microservices$/);
    const scoped = [...stack, resource(W.authorizationPolicy, authorizationPolicy("scoped", { selector: { matchLabels: { app: "order-service" } } }))];
    await expectOne(oneDefaultAuthorizationPerNamespace, scoped, [/\(user-service, scoped\) but no namespace-wide/]);
    const meshWide = [...stack, resource(W.authorizationPolicy, allowNothing("allow-nothing", "istio-system"))];
    await expectNone(oneDefaultAuthorizationPerNamespace, meshWide);
  });

  it("fails several allow-nothing defaults in one namespace", async () => {
    const stack = [...wiringStack(), resource(W.authorizationPolicy, authorizationPolicy("deny-all", { action: "ALLOW", rules: [] }))];
    await expectOne(oneDefaultAuthorizationPerNamespace, stack, [
      /Namespace microservices has 2 namespace-wide allow-nothing AuthorizationPolicies \(allow-nothing, deny-all\)/,
      /keep one/,
    ]);
    await expectNone(oneDefaultAuthorizationPerNamespace, stack, { exemptNamespaces: [NS] });
  });

  it("recognises the allow-nothing forms", () => {
    assert.ok(isAllowNothing(allowNothing()));
    assert.ok(isAllowNothing(authorizationPolicy("a", { action: "ALLOW", selector: { matchLabels: {} } })));
    assert.ok(!isAllowNothing(authorizationPolicy("a", { action: "ALLOW", rules: [{}] })), "rules: [{}] allows everything");
    assert.ok(!isAllowNothing(authorizationPolicy("a", { action: "DENY" })));
    assert.ok(!isAllowNothing(authorizationPolicy("a", { selector: { matchLabels: { app: "x" } } })));
  });
});

describe("policy workload-spread (stack)", () => {
  it("is advisory and passes the wired stack", async () => {
    await expectNone(workloadSpread, wiringStack());
  });

  it("fails every multi-replica workload without spread", async () => {
    const unspread = compliantStack().map((r) => {
      if (r.type !== T.deployment) return r;
      const props = structuredClone(r.props) as Record<string, any>;
      delete props.spec.template.spec.topologySpreadConstraints;
      return { ...r, props };
    });
    assert.deepEqual(await violations(workloadSpread, compliantStack()), [], "the compliant stack spreads its replicas");
    const found = await violations(workloadSpread, unspread);
    assert.deepEqual(found.map((v) => v.name).sort(), ["order-service", "order-service-v2", "user-service"]);
    assert.match(
      found.find((v) => v.name === "user-service")!.message,
      /^Deployment microservices\/user-service scales to at least 3 replicas but spec.template.spec has no topologySpreadConstraints or podAntiAffinity on kubernetes.io\/hostname or topology.kubernetes.io\/zone/,
    );
  });

  it("fails a spread that selects other pods, or uses another topology key", async () => {
    const wrong = mutate(wiringStack(), T.deployment, "user-service", (p) => {
      p.spec.template.spec.topologySpreadConstraints = [spreadOver({ app: "order-service", version: "v1" })];
    });
    await expectOne(workloadSpread, wrong, [
      /topologySpreadConstraints\[0\] \(kubernetes.io\/hostname\) selects app=order-service,version=v1, not its own pods \(app=user-service,version=v1\)/,
    ]);
    const rack = mutate(wiringStack(), T.deployment, "user-service", (p) => {
      p.spec.template.spec.topologySpreadConstraints = [spreadOver(p.spec.template.metadata.labels, "example.com/rack")];
    });
    await expectOne(workloadSpread, rack, [/user-service .* no topologySpreadConstraints or podAntiAffinity/]);
    await expectNone(workloadSpread, rack, { topologyKeys: ["kubernetes.io/hostname", "example.com/rack"] });
  });

  it("accepts a zone spread and a pod anti-affinity", async () => {
    const zone = mutate(wiringStack(), T.deployment, "user-service", (p) => {
      p.spec.template.spec.topologySpreadConstraints = [spreadOver(p.spec.template.metadata.labels, "topology.kubernetes.io/zone")];
    });
    await expectNone(workloadSpread, zone);
    const anti = mutate(wiringStack(), T.deployment, "user-service", (p) => {
      delete p.spec.template.spec.topologySpreadConstraints;
      p.spec.template.spec.affinity = {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "user-service" } } } },
          ],
        },
      };
    });
    await expectNone(workloadSpread, anti);
  });

  it("counts the HPA minimum, and reads minReplicas and exemptNamespaces", async () => {
    const autoscaled = mutate(wiringStack(), T.deployment, "user-service", (p) => {
      delete p.spec.replicas;
      delete p.spec.template.spec.topologySpreadConstraints;
    });
    await expectOne(workloadSpread, autoscaled, [/user-service scales to at least 3 replicas/]);
    await expectNone(workloadSpread, autoscaled, { minReplicas: 3 });
    await expectNone(workloadSpread, autoscaled, { exemptNamespaces: [NS] });
  });
});

describe("policy circuit-breaker-coverage: rule namespace and exportTo", () => {
  it("resolves a short host in the rule's own namespace", async () => {
    const short = mutate(compliantStack(), T.destinationRule, "user-service", (p) => {
      p.spec.host = "user-service";
    });
    await expectNone(circuitBreakerCoverage, short);
    const other = mutate(short, T.destinationRule, "user-service", (p) => {
      p.metadata.namespace = "other";
    });
    await expectOne(circuitBreakerCoverage, other, [/Service microservices\/user-service is in the mesh but no DestinationRule has host user-service/]);
  });

  it("does not count a rule whose exportTo hides it from the Service's namespace", async () => {
    const exported = (exportTo: string[], ns = NS) =>
      mutate(compliantStack(), T.destinationRule, "user-service", (p) => {
        p.metadata.namespace = ns;
        p.spec.exportTo = exportTo;
      });
    await expectNone(circuitBreakerCoverage, exported(["."]));
    await expectNone(circuitBreakerCoverage, exported(["*"], "other"));
    await expectNone(circuitBreakerCoverage, exported([NS], "other"));
    await expectOne(circuitBreakerCoverage, exported(["."], "other"), [
      /Service microservices\/user-service: DestinationRule other\/user-service has host user-service.microservices.svc.cluster.local but spec.exportTo \[.\] hides it from namespace microservices/,
    ]);
    await expectOne(circuitBreakerCoverage, exported(["~"]), [/spec.exportTo \[~\] hides it/]);
  });
});

describe("wiring policies on the dev and prod renders", function () {
  this.timeout(120_000);
  const renders: Record<string, EvaluatedResource[]> = {};
  const evaluations: Record<string, Evaluation> = {};
  const messages = (e: Evaluation, policy?: string) => e.violations.filter((v) => !policy || v.policy === policy).map((v) => `${v.policy}: ${v.message}`);
  const change = (stack: EvaluatedResource[], match: (r: EvaluatedResource) => boolean, edit: (p: Props) => void) => {
    let found = 0;
    const out = stack.map((r) => {
      if (!match(r)) return r;
      found++;
      const props = clone(r.props) as Props;
      edit(props);
      return { ...r, props };
    });
    assert.equal(found, 1, "exactly one resource to change");
    return out;
  };
  const isKind = (kind: string, namespace: string, name: string) => (r: EvaluatedResource) =>
    r.type.endsWith(`:${kind}`) && (r.props as Props).metadata?.name === name && (r.props as Props).metadata?.namespace === namespace;

  before(async () => {
    // The mock engine is global: one render at a time.
    for (const stack of ["dev", "prod"]) {
      renders[stack] = fromRecorded(await renderStack({ stack, overrides: {} }));
      evaluations[stack] = await evaluate(WIRING_POLICIES, renders[stack]);
    }
  });

  it("every wiring policy runs without an error and applies to both renders", () => {
    for (const stack of ["dev", "prod"]) {
      assert.deepEqual(evaluations[stack].errors, [], stack);
      assert.deepEqual(evaluations[stack].notApplicable, [], `${stack}: a wiring policy did not apply`);
    }
  });

  it("prod passes every wiring policy", () => {
    assert.deepEqual(messages(evaluations.prod), []);
  });

  it("dev passes every wiring policy but workload-spread (a single kind node), which names each autoscaled app Deployment", () => {
    assert.deepEqual(
      messages(evaluations.dev).filter((m) => !m.startsWith("workload-spread:")),
      [],
    );
    const spread = evaluations.dev.violations.filter((v) => v.policy === "workload-spread");
    assert.ok(spread.length > 0);
    for (const v of spread)
      assert.match(v.message, /^Deployment microservices\/\S+ scales to at least \d+ replicas but spec.template.spec has no topologySpreadConstraints/);
  });

  it("catches Kong's serviceAccountName changed to default on the dev render", async () => {
    const stack = change(renders.dev, isKind("Deployment", "kong", "kong"), (p) => {
      p.spec.template.spec.serviceAccountName = "default";
    });
    const found = messages(await evaluate([authorizationPrincipalsExist], stack));
    assert.ok(found.length > 0, "no violation");
    for (const m of found)
      assert.match(m, /cluster.local\/ns\/kong\/sa\/kong is the identity of no pod of the stack \(pods in namespace kong run as default\)/);
  });

  it("catches a Service whose selector matches no pod on the dev render", async () => {
    const stack = change(renders.dev, isKind("Service", "microservices", "user-service"), (p) => {
      p.spec.selector = { app: "user-svc" };
    });
    const found = messages(await evaluate([serviceSelectsPods], stack));
    assert.deepEqual(found.length, 1, found.join("\n"));
    assert.match(found[0], /Service microservices\/user-service: spec.selector app=user-svc selects no pod template in namespace microservices/);
  });

  it("catches a DestinationRule host naming a Service that does not exist on the dev render", async () => {
    const stack = change(renders.dev, isKind("DestinationRule", "microservices", "user-service"), (p) => {
      p.spec.host = "users.microservices.svc.cluster.local";
    });
    const found = messages(await evaluate([destinationRuleHostExists], stack));
    assert.deepEqual(found.length, 1, found.join("\n"));
    assert.match(found[0], /DestinationRule microservices\/user-service: spec.host users.microservices.svc.cluster.local .* no such Service/);
  });
});
