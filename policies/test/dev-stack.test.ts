import * as assert from "node:assert/strict";
import * as path from "node:path";
import { loadPolicyConfig } from "../../tools/policy/config";
import { render } from "../../test/helpers/render";
import { Evaluation, EvaluatedResource, evaluate, fromRecorded } from "../../tools/policy/evaluate";
import { MISSION_POLICIES, POLICIES, RESILIENCE_POLICIES, SECURITY_POLICIES } from "../src";
import { appTierMinReplicas } from "../src/replicas/app-tier-min-replicas";

/** The dev stack's policy config, as CI runs the pack (per-service minimums from the catalog). */
const DEV_CONFIG = loadPolicyConfig(path.join(__dirname, "..", "config.dev.json"), POLICIES);
const mandatory = (e: Evaluation) => e.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policy}: ${v.message}`);

describe("the policy pack on the rendered dev stack", function () {
  this.timeout(60_000);
  let resources: EvaluatedResource[];
  let evaluation: Evaluation;

  before(async () => {
    resources = fromRecorded((await render()).resources);
    evaluation = await evaluate(POLICIES, resources, DEV_CONFIG);
  });

  it("runs every policy without an error", () => {
    assert.deepEqual(evaluation.errors, []);
  });

  it("passes every mandatory policy", () => {
    assert.deepEqual(mandatory(evaluation), []);
  });

  it("applies every mission policy to something (none is vacuously passed)", () => {
    for (const policy of MISSION_POLICIES) {
      assert.ok(evaluation.policies.find((p) => p.name === policy.name)!.applied > 0, `${policy.name} applied to no resource`);
    }
  });

  it("fails mesh-mtls-strict when the mesh-wide PeerAuthentication is switched to PERMISSIVE", async () => {
    const permissive = resources.map((r) =>
      /security\.istio\.io\/[^:]+:PeerAuthentication$/.test(r.type) && (r.props as any).metadata?.namespace === "istio-system"
        ? { ...r, props: { ...r.props, spec: { ...(r.props as any).spec, mtls: { mode: "PERMISSIVE" } } } }
        : r,
    );
    const result = await evaluate(MISSION_POLICIES, permissive);
    const found = result.violations.filter((v) => v.policy === "mesh-mtls-strict");
    assert.equal(found.length, 1, found.map((v) => v.message).join("\n"));
    assert.match(found[0].message, /PeerAuthentication istio-system\/\S+: spec.mtls.mode is PERMISSIVE/);
  });

  it("fails app-tier-min-replicas naming user-service when it runs 1 replica", async () => {
    const single = fromRecorded((await render({ services: { user_service: { replicas: 1 } } })).resources);
    const result = await evaluate([appTierMinReplicas], single, DEV_CONFIG);
    assert.equal(result.violations.length, 1);
    assert.equal(result.violations[0].enforcementLevel, "mandatory");
    assert.equal(result.violations[0].name, "user-service");
    assert.match(
      result.violations[0].message,
      /Deployment microservices\/user-service is scaled by HorizontalPodAutoscaler microservices\/user-service, whose spec.minReplicas is 1, but user-service needs at least 3/,
    );
  });

  /** The dev render with one object changed (a copy); the change names its kind and name. */
  const changedOne = (kind: string, name: string, namespace: string, change: (props: any) => void): EvaluatedResource[] => {
    let found = 0;
    const out = resources.map((r) => {
      const p = r.props as any;
      if (p?.kind !== kind || p?.metadata?.name !== name || p?.metadata?.namespace !== namespace) return r;
      found++;
      const props = structuredClone(p);
      change(props);
      return { ...r, props };
    });
    assert.equal(found, 1, `${kind} ${namespace}/${name} in the dev render`);
    return out;
  };

  // Each defect of the policy review, applied to the real dev render, is reported by the policy meant for it.
  // [defect, the changed render, the policy meant for it, and any policy that rightly reports its consequence]
  const DEFECTS: [string, () => EvaluatedResource[], string, string?][] = [
    [
      "spec.replicas set on a workload an HPA scales",
      () => changedOne("Deployment", "user-service", "microservices", (d) => (d.spec.replicas = 3)),
      "hpa-managed-replicas",
    ],
    [
      "an HPA whose target does not exist",
      () => changedOne("HorizontalPodAutoscaler", "payment-service", "microservices", (h) => (h.spec.scaleTargetRef.name = "payments")),
      "hpa-target-exists",
      // Its Deployment, now scaled by nothing, runs 1 replica.
      "app-tier-min-replicas",
    ],
    [
      "a PodDisruptionBudget with neither minAvailable nor maxUnavailable",
      () =>
        changedOne("PodDisruptionBudget", "order-service", "microservices", (p) => {
          delete p.spec.maxUnavailable;
          delete p.spec.minAvailable;
        }),
      "pdb-allows-disruption",
    ],
    [
      "a Service whose targetPort no container declares",
      () => changedOne("Service", "auth-service", "microservices", (s) => (s.spec.ports[0].targetPort = "web")),
      "service-target-ports",
    ],
    [
      "a Service whose selector matches no pod",
      () => changedOne("Service", "email-service", "microservices", (s) => (s.spec.selector = { app: "mail" })),
      "service-selects-pods",
    ],
    [
      "Kong's serviceAccountName changed to default",
      () => changedOne("Deployment", "kong", "kong", (d) => (d.spec.template.spec.serviceAccountName = "default")),
      "authorization-principals-exist",
    ],
  ];
  for (const [defect, stack, policy, consequence] of DEFECTS) {
    it(`reports ${defect} (${policy}, mandatory)`, async () => {
      const result = await evaluate(POLICIES, stack(), DEV_CONFIG);
      assert.deepEqual(result.errors, []);
      const found = mandatory(result);
      assert.ok(
        found.some((v) => v.startsWith(`${policy}: `)),
        found.join("\n"),
      );
      assert.deepEqual(
        found.filter((v) => !v.startsWith(`${policy}: `) && !(consequence && v.startsWith(`${consequence}: `))),
        [],
      );
    });
  }
});

describe("the policy pack on the rendered prod stack: the security and resilience policies are mandatory there", function () {
  this.timeout(60_000);
  const PROD_CONFIG = loadPolicyConfig(path.join(__dirname, "..", "config.prod.json"), POLICIES);
  let resources: EvaluatedResource[];
  before(async () => {
    resources = fromRecorded((await render({ environment: "prod" })).resources);
  });

  it("passes every policy, the security and resilience ones mandatory", async () => {
    for (const policy of [...SECURITY_POLICIES, ...RESILIENCE_POLICIES])
      assert.equal((PROD_CONFIG[policy.name] as { enforcementLevel?: string })?.enforcementLevel ?? PROD_CONFIG[policy.name], "mandatory", policy.name);
    const result = await evaluate(POLICIES, resources, PROD_CONFIG);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(
      result.violations.map((v) => `${v.policy}: ${v.message}`),
      [],
    );
  });

  it("applies every resilience policy to something (none is vacuously passed)", async () => {
    const result = await evaluate(POLICIES, resources, PROD_CONFIG);
    for (const policy of RESILIENCE_POLICIES) {
      assert.ok(result.policies.find((p) => p.name === policy.name)!.applied > 0, `${policy.name} applied to no resource`);
    }
  });

  const changed = (kind: string, name: string, namespace: string | undefined, change: (props: any) => unknown): EvaluatedResource[] => {
    let found = 0;
    const out = resources.flatMap((r) => {
      const p = r.props as any;
      if (p?.kind !== kind || p?.metadata?.name !== name || p?.metadata?.namespace !== namespace) return [r];
      found++;
      const props = structuredClone(p);
      return change(props) === "drop" ? [] : [{ ...r, props }];
    });
    assert.equal(found, 1, `${kind} ${namespace ?? ""}/${name} in the prod render`);
    return out;
  };

  // Each class the zero-trust review named, applied to the real prod render: [defect, render, policy, policies that rightly report its consequences].
  const DEFECTS: [string, () => EvaluatedResource[], string, string[]][] = [
    ["a namespace without its default deny", () => changed("NetworkPolicy", "default-deny", "data", () => "drop"), "namespace-default-deny", []],
    [
      "a pod in a namespace no NetworkPolicy covers",
      () => {
        const jaeger = resources.find((r) => (r.props as any).kind === "Deployment" && (r.props as any).metadata.name === "jaeger")!;
        const props = structuredClone(jaeger.props) as any;
        props.metadata = { ...props.metadata, name: "reports", namespace: "batch" };
        return [...resources, { ...jaeger, name: "reports", urn: `${jaeger.urn}-reports`, props }];
      },
      "network-policy-coverage",
      [],
    ],
    [
      "a meshed workload no AuthorizationPolicy selects",
      // Kong's proxy port is not captured by its sidecar: no ALLOW policy selects it, only kong's allow-nothing.
      () => changed("AuthorizationPolicy", "allow-nothing", "kong", () => "drop"),
      "authorization-policy-coverage",
      ["one-default-authorization-per-namespace"],
    ],
    [
      "a namespace without a Pod Security enforce label",
      () => changed("Namespace", "kong", undefined, (n) => delete n.metadata.labels["pod-security.kubernetes.io/enforce"]),
      "pod-security-enforced",
      [],
    ],
    [
      "a container without an ephemeral-storage limit",
      () => changed("Deployment", "jaeger", "monitoring", (d) => delete d.spec.template.spec.containers[0].resources.limits["ephemeral-storage"]),
      "container-ephemeral-storage",
      [],
    ],
    [
      "a public LoadBalancer without source ranges",
      () => changed("Service", "kong-proxy", "kong", (s) => delete s.spec.loadBalancerSourceRanges),
      "load-balancer-source-ranges",
      [],
    ],
    [
      "a Kong edge without TLS",
      () =>
        changed("Deployment", "kong", "kong", (d) => {
          const env = d.spec.template.spec.containers[0].env as { name: string; value: string }[];
          env.find((e) => e.name === "KONG_PROXY_LISTEN")!.value = "0.0.0.0:8000";
        }),
      "kong-edge-tls",
      [],
    ],
    [
      "a data store's StatefulSet that is not protected",
      () => resources.map((r) => ((r.props as any).kind === "StatefulSet" && (r.props as any).metadata.name === "postgres" ? { ...r, protect: false } : r)),
      "stateful-data-protected",
      [],
    ],
    [
      "a PodDisruptionBudget that an unhealthy pod can block",
      () => changed("PodDisruptionBudget", "eventstore", "data", (p) => delete p.spec.unhealthyPodEvictionPolicy),
      "pdb-unhealthy-eviction",
      [],
    ],
    [
      "a service without a startup probe",
      () => changed("Deployment", "payment-service", "microservices", (d) => delete d.spec.template.spec.containers[0].startupProbe),
      "app-startup-probe",
      [],
    ],
  ];
  for (const [defect, stack, policy, consequences] of DEFECTS) {
    it(`reports ${defect} (${policy}, mandatory on prod)`, async () => {
      const result = await evaluate(POLICIES, stack(), PROD_CONFIG);
      assert.deepEqual(result.errors, []);
      const found = result.violations.map((v) => `${v.policy} (${v.enforcementLevel}): ${v.message}`);
      assert.ok(
        found.some((v) => v.startsWith(`${policy} (mandatory): `)),
        found.join("\n"),
      );
      assert.deepEqual(
        found.filter((v) => ![policy, ...consequences].some((p) => v.startsWith(`${p} (`))),
        [],
      );
    });
  }
});
