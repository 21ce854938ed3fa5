import * as assert from "node:assert/strict";
import { meshMtlsStrict } from "../src/mtls/mesh-mtls-strict";
import { NS, T, compliantStack, destinationRule, expectNone, expectOne, mutate, namespace, peerAuthentication, resource, violations } from "./fixtures";

describe("policy mesh-mtls-strict (stack)", () => {
  it("is mandatory and passes the compliant stack", async () => {
    assert.equal(meshMtlsStrict.enforcementLevel, "mandatory");
    await expectNone(meshMtlsStrict, compliantStack());
  });

  it("fails a stack without any Istio resource: mTLS is not configured", async () => {
    const noMesh = compliantStack().filter((r) => !r.type.includes("istio.io"));
    const v = await expectOne(meshMtlsStrict, noMesh, [/mTLS is not configured/, /requireMesh false/]);
    assert.equal(v.urn, undefined);
  });

  it("is not applicable without Istio when requireMesh is false", async () => {
    const noMesh = compliantStack().filter((r) => !r.type.includes("istio.io"));
    assert.equal((await violations(meshMtlsStrict, noMesh, { requireMesh: false })).length, 0);
  });

  it("fails when no mesh-wide PeerAuthentication exists (only a namespaced one)", async () => {
    const stack = mutate(compliantStack(), T.peerAuthentication, "default", (p) => {
      p.metadata.namespace = NS;
    });
    await expectOne(meshMtlsStrict, stack, [/No mesh-wide PeerAuthentication/, /namespace istio-system without selector/]);
  });

  it("does not count a PeerAuthentication with a selector as mesh-wide", async () => {
    const stack = mutate(compliantStack(), T.peerAuthentication, "default", (p) => {
      p.spec.selector = { matchLabels: { app: "user-service" } };
    });
    await expectOne(meshMtlsStrict, stack, [/No mesh-wide PeerAuthentication/]);
  });

  for (const mode of ["PERMISSIVE", "DISABLE"]) {
    it(`fails a ${mode} PeerAuthentication, naming it`, async () => {
      const stack = mutate(compliantStack(), T.peerAuthentication, "default", (p) => {
        p.spec.mtls.mode = mode;
      });
      const v = await expectOne(meshMtlsStrict, stack, [new RegExp(`PeerAuthentication istio-system/default: spec.mtls.mode is ${mode}`), /set it to STRICT/]);
      assert.match(v.urn!, /PeerAuthentication::default$/);
    });
  }

  it("fails a mesh-wide PeerAuthentication that leaves the mode unset (PERMISSIVE by default)", async () => {
    const stack = mutate(compliantStack(), T.peerAuthentication, "default", (p) => {
      delete p.spec.mtls;
    });
    await expectOne(meshMtlsStrict, stack, [/mesh-wide PeerAuthentication but spec.mtls.mode is unset/]);
  });

  it("fails a PERMISSIVE port in portLevelMtls", async () => {
    const workload = resource(T.peerAuthentication, {
      apiVersion: "security.istio.io/v1beta1",
      kind: "PeerAuthentication",
      metadata: { name: "user-service", namespace: NS },
      spec: { selector: { matchLabels: { app: "user-service" } }, mtls: { mode: "STRICT" }, portLevelMtls: { 8001: { mode: "PERMISSIVE" } } },
    });
    await expectOne(meshMtlsStrict, [...compliantStack(), workload], [/spec.portLevelMtls.8001.mode is PERMISSIVE/]);
  });

  it("matches PeerAuthentication and DestinationRule on every served API version", async () => {
    const v1beta1 = {
      ...resource("kubernetes:security.istio.io/v1beta1:PeerAuthentication", { ...peerAuthentication(), metadata: { name: "relaxed", namespace: NS } }),
    };
    v1beta1.props = { ...v1beta1.props, spec: { mtls: { mode: "PERMISSIVE" } } };
    await expectOne(meshMtlsStrict, [...compliantStack(), v1beta1], [/PeerAuthentication microservices\/relaxed/]);
    const dr = destinationRule("payment-service");
    dr.spec.trafficPolicy.tls.mode = "DISABLE";
    await expectOne(meshMtlsStrict, [...compliantStack(), resource("kubernetes:networking.istio.io/v1alpha3:DestinationRule", dr)], [/payment-service/]);
  });

  for (const mode of ["DISABLE", "SIMPLE"]) {
    it(`fails a DestinationRule to an in-mesh host with trafficPolicy.tls.mode ${mode}`, async () => {
      const stack = mutate(compliantStack(), T.destinationRule, "user-service", (p) => {
        p.spec.trafficPolicy.tls.mode = mode;
      });
      await expectOne(meshMtlsStrict, stack, [new RegExp(`spec.trafficPolicy.tls.mode is ${mode}`), /ISTIO_MUTUAL/]);
    });
  }

  it("fails tls DISABLE in a port-level setting and in a subset's traffic policy", async () => {
    const port = mutate(compliantStack(), T.destinationRule, "user-service", (p) => {
      p.spec.trafficPolicy.portLevelSettings = [{ port: { number: 8001 }, tls: { mode: "DISABLE" } }];
    });
    await expectOne(meshMtlsStrict, port, [/spec.trafficPolicy.portLevelSettings\[0\] \(port 8001\).tls.mode is DISABLE/]);
    const subset = mutate(compliantStack(), T.destinationRule, "order-service", (p) => {
      p.spec.subsets[1].trafficPolicy = { portLevelSettings: [{ port: { number: 8002 }, tls: { mode: "SIMPLE" } }] };
    });
    await expectOne(meshMtlsStrict, subset, [/spec.subsets\[1\] \(v2\).trafficPolicy.portLevelSettings\[0\] \(port 8002\).tls.mode is SIMPLE/]);
  });

  it("treats short names, name.namespace and wildcards as in-mesh hosts; leaves external hosts alone", async () => {
    for (const host of ["user-service", "user-service.microservices", `*.${NS}.svc.cluster.local`]) {
      const stack = mutate(compliantStack(), T.destinationRule, "user-service", (p) => {
        p.spec.host = host;
        p.spec.trafficPolicy.tls.mode = "DISABLE";
      });
      await expectOne(meshMtlsStrict, stack, [/tls.mode is DISABLE/]);
    }
    const external = mutate(compliantStack(), T.destinationRule, "user-service", (p) => {
      p.spec.host = "api.stripe.com";
      p.spec.trafficPolicy.tls.mode = "SIMPLE";
    });
    await expectNone(meshMtlsStrict, external);
  });

  it("fails a pod template that opts out of the sidecar (annotation or label)", async () => {
    const annotated = mutate(compliantStack(), T.deployment, "user-service", (p) => {
      p.spec.template.metadata.annotations["sidecar.istio.io/inject"] = "false";
    });
    const v = await expectOne(meshMtlsStrict, annotated, [
      /Deployment microservices\/user-service: spec.template.metadata.annotations\["sidecar.istio.io\/inject"\] is "false"/,
      /remove it/,
    ]);
    assert.match(v.urn!, /Deployment::user-service$/);
    const labelled = mutate(compliantStack(), T.deployment, "user-service", (p) => {
      p.spec.template.metadata.labels["sidecar.istio.io/inject"] = "false";
    });
    await expectOne(meshMtlsStrict, labelled, [/metadata.labels\["sidecar.istio.io\/inject"\]/]);
    await expectNone(meshMtlsStrict, annotated, { exemptNamespaces: [NS] });
  });

  it("fails an app namespace without the istio-injection label", async () => {
    const stack = mutate(compliantStack(), T.namespace, NS, (p) => {
      delete p.metadata.labels["istio-injection"];
    });
    // The DestinationRules' hosts stay in-mesh: the app namespace is where app pods run.
    const v = await expectOne(meshMtlsStrict, stack, [
      /Namespace microservices runs app-tier pods but metadata.labels.istio-injection is unset/,
      /istio-injection: enabled/,
    ]);
    assert.match(v.urn!, /Namespace::microservices$/);
    const disabled = mutate(compliantStack(), T.namespace, NS, (p) => {
      p.metadata.labels["istio-injection"] = "disabled";
    });
    await expectOne(meshMtlsStrict, disabled, [/is "disabled"/]);
  });

  it("fails app pods in a namespace the stack does not declare", async () => {
    const stack = compliantStack().filter((r) => r.type !== T.namespace);
    await expectOne(meshMtlsStrict, stack, [/Namespace microservices runs app-tier pods .* not declared by the stack/]);
  });

  it("accepts revision-based injection (istio.io/rev)", async () => {
    const stack = mutate(compliantStack(), T.namespace, NS, (p) => {
      p.metadata.labels = { "istio.io/rev": "1-24" };
    });
    await expectNone(meshMtlsStrict, stack);
    assert.ok(namespace());
  });
});
