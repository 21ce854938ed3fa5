import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { appTierMinReplicas } from "../src/replicas/app-tier-min-replicas";
import { hpaManagedReplicas } from "../src/replicas/hpa-managed-replicas";
import { hpaReplicaBounds } from "../src/replicas/hpa-replica-bounds";
import { hpaTargetExists } from "../src/replicas/hpa-target-exists";
import { pdbAllowsDisruption } from "../src/replicas/pdb-allows-disruption";
import { istioReleaseReplicas } from "../src/replicas/istio-release-replicas";
import { helmReleaseContents } from "../src/hygiene/helm-release-contents";
import { NS, Props, T, compliantStack, deployment, expectNone, expectOne, hpa, istioRelease, mutate, pdb, resource, statefulSet, violations } from "./fixtures";

/** The per-service minimums the dev stack's policy config gives (the pack's own default is none). */
const DEV = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "config.dev.json"), "utf8"));
const MINIMUMS = { serviceMinimums: DEV["app-tier-min-replicas"].serviceMinimums as Record<string, number> };

describe("policy app-tier-min-replicas", () => {
  it("knows no service of its own: per-service minimums come from the stack's policy config", async () => {
    assert.deepEqual((appTierMinReplicas.configSchema!.properties.serviceMinimums as { default: unknown }).default, {});
    await expectNone(appTierMinReplicas, resource(T.deployment, deployment("user-service", 2)));
    await expectOne(appTierMinReplicas, resource(T.deployment, deployment("user-service", 2)), [/user-service needs at least 3/], MINIMUMS);
  });

  it("passes a service Deployment and StatefulSet at their catalog counts", async () => {
    await expectNone(appTierMinReplicas, [resource(T.deployment, deployment("user-service", 3)), resource(T.statefulSet, statefulSet("order-service", 5))]);
  });

  it("fails a Deployment below its per-service minimum, naming the service", async () => {
    const v = await expectOne(
      appTierMinReplicas,
      resource(T.deployment, deployment("user-service", 2)),
      [/user-service/, /spec\.replicas is 2/, /at least 3/],
      MINIMUMS,
    );
    assert.equal(v.enforcementLevel, "mandatory");
  });

  it("fails a StatefulSet below the global minimum", async () => {
    await expectOne(appTierMinReplicas, resource(T.statefulSet, statefulSet("search", 1)), [/StatefulSet microservices\/search/, /at least 2/]);
  });

  it("counts unset spec.replicas as Kubernetes' 1", async () => {
    const d = deployment("analytics-service", 2);
    delete d.spec.replicas;
    await expectOne(appTierMinReplicas, resource(T.deployment, d), [/unset \(Kubernetes runs 1\)/]);
  });

  it("holds a canary (version other than v1) to the global minimum only", async () => {
    await expectNone(appTierMinReplicas, resource(T.deployment, deployment("order-service", 2, "v2")));
    await expectOne(appTierMinReplicas, resource(T.deployment, deployment("order-service", 1, "v2")), [/canary v2 of order-service/, /at least 2/]);
  });

  it("reads the minimums from config; a per-service key may be a spec name", async () => {
    const d = resource(T.deployment, deployment("user-service", 3));
    await expectOne(appTierMinReplicas, d, [/at least 4/], { serviceMinimums: { user_service: 4 } });
    await expectOne(appTierMinReplicas, d, [/at least 5/], { minReplicas: 5 });
    // A service the map does not list needs the global minimum only.
    await expectNone(appTierMinReplicas, resource(T.deployment, deployment("order-service", 4)), { serviceMinimums: { "user-service": 3 } });
  });

  it("reads an autoscaled workload's count from its HPA's minReplicas, and names the autoscaler", async () => {
    await expectNone(appTierMinReplicas, compliantStack(), MINIMUMS);
    const low = mutate(compliantStack(), T.hpa, "user-service", (h) => {
      h.spec.minReplicas = 2;
    });
    const v = await expectOne(
      appTierMinReplicas,
      low,
      [/Deployment microservices\/user-service is scaled by HorizontalPodAutoscaler microservices\/user-service/, /spec\.minReplicas is 2/, /at least 3/],
      MINIMUMS,
    );
    assert.match(v.urn!, /Deployment::user-service$/);
  });

  it("does not apply outside the app tier", async () => {
    const d = deployment("jaeger", 1);
    d.metadata.labels = { app: "jaeger" };
    d.spec.template.metadata.labels = { app: "jaeger" };
    await expectNone(appTierMinReplicas, resource(T.deployment, d));
  });
});

describe("policy hpa-replica-bounds", () => {
  it("passes an HPA at its service's minimum with room to scale", async () => {
    await expectNone(hpaReplicaBounds, resource(T.hpa, hpa("user-service", 3, 50)));
  });

  it("fails minReplicas below 2", async () => {
    await expectOne(hpaReplicaBounds, resource(T.hpa, hpa("jaeger", 1, 5)), [/spec\.minReplicas is 1/, /at least 2/]);
  });

  it("fails minReplicas below the per-service minimum of its target", async () => {
    await expectOne(hpaReplicaBounds, resource(T.hpa, hpa("order-service", 2, 10)), [/order-service needs at least 5/], MINIMUMS);
  });

  it("fails maxReplicas not above minReplicas", async () => {
    await expectOne(hpaReplicaBounds, resource(T.hpa, hpa("user-service", 3, 3)), [/spec\.maxReplicas is 3, not above spec\.minReplicas 3/]);
  });

  it("counts unset minReplicas as 1", async () => {
    const h = hpa("jaeger", 2, 5);
    delete h.spec.minReplicas;
    await expectOne(hpaReplicaBounds, resource(T.hpa, h), [/unset \(defaults to 1\)/]);
  });
});

describe("policy hpa-managed-replicas (stack)", () => {
  // A deployed Deployment as a preview hands it to stack policies: the live object, whose replica count
  // the autoscaler set, with server-side apply's record of who owns which field.
  const live = (owner: string) =>
    mutate(compliantStack(), T.deployment, "user-service", (d) => {
      d.spec.replicas = 4;
      d.metadata.managedFields = [
        {
          manager: "pulumi-kubernetes-6f8a2b1c",
          operation: "Apply",
          fieldsV1: { "f:spec": { "f:selector": {}, "f:template": {}, ...(owner === "pulumi" ? { "f:replicas": {} } : {}) } },
        },
        { manager: "kube-controller-manager", operation: "Update", fieldsV1: { "f:spec": owner === "pulumi" ? {} : { "f:replicas": {} } } },
      ];
    });
  it("passes a deployed workload whose live count belongs to the autoscaler (the program does not set it)", async () => {
    await expectNone(hpaManagedReplicas, live("kube-controller-manager"));
  });
  it("fails a deployed workload whose count the program applies", async () => {
    await expectOne(hpaManagedReplicas, live("pulumi"), [/Deployment microservices\/user-service sets spec\.replicas 4/]);
  });

  it("passes autoscaled workloads that leave spec.replicas to the autoscaler, and unscaled ones that set it", async () => {
    await expectNone(hpaManagedReplicas, [...compliantStack(), resource(T.statefulSet, statefulSet("search", 3))]);
  });

  it("fails a workload that sets spec.replicas under an HPA, naming both", async () => {
    const stack = mutate(compliantStack(), T.deployment, "user-service", (d) => {
      d.spec.replicas = 3;
    });
    const v = await expectOne(hpaManagedReplicas, stack, [
      /Deployment microservices\/user-service sets spec\.replicas 3/,
      /HorizontalPodAutoscaler microservices\/user-service scales it/,
      /remove spec\.replicas/,
    ]);
    assert.equal(v.enforcementLevel, "mandatory");
  });
});

describe("policy hpa-target-exists (stack)", () => {
  it("passes HPAs that target workloads of the stack", async () => {
    await expectNone(hpaTargetExists, compliantStack());
  });

  it("fails an HPA whose target is missing, of another kind, or in another namespace", async () => {
    const renamed = mutate(compliantStack(), T.hpa, "user-service", (h) => {
      h.spec.scaleTargetRef.name = "users";
    });
    await expectOne(hpaTargetExists, renamed, [
      /HorizontalPodAutoscaler microservices\/user-service: spec\.scaleTargetRef names Deployment microservices\/users, which the stack does not have/,
    ]);
    const kind = mutate(compliantStack(), T.hpa, "user-service", (h) => {
      h.spec.scaleTargetRef.kind = "StatefulSet";
    });
    await expectOne(hpaTargetExists, kind, [/names StatefulSet microservices\/user-service/]);
    const elsewhere = mutate(compliantStack(), T.hpa, "user-service", (h) => {
      h.metadata.namespace = "other";
    });
    await expectOne(hpaTargetExists, elsewhere, [/names Deployment other\/user-service/]);
  });
});

describe("policy pdb-allows-disruption (stack)", () => {
  it("fails a policy/v1 PDB that sets neither minAvailable nor maxUnavailable (it protects nothing)", async () => {
    const stack = mutate(compliantStack(), T.pdb, "user-service", (p) => {
      delete p.spec.maxUnavailable;
      delete p.spec.minAvailable;
    });
    await expectOne(pdbAllowsDisruption, stack, [
      /PodDisruptionBudget microservices\/user-service covers Deployment microservices\/user-service but sets neither/,
      /set spec\.maxUnavailable to 1/,
    ]);
  });

  it("passes the compliant stack", async () => {
    await expectNone(pdbAllowsDisruption, compliantStack());
  });

  it("fails a multi-replica workload without a PDB", async () => {
    const stack = compliantStack().filter((r) => !(r.type === T.pdb && r.name === "user-service"));
    const v = await expectOne(pdbAllowsDisruption, stack, [/Deployment microservices\/user-service runs at least 3 replicas but no PodDisruptionBudget/]);
    assert.match(v.urn!, /Deployment::user-service$/);
  });

  it("fails a PDB whose selector does not match the pod labels", async () => {
    const stack = mutate(compliantStack(), T.pdb, "user-service", (p) => {
      p.spec.selector.matchLabels.app = "users";
    });
    await expectOne(pdbAllowsDisruption, stack, [/no PodDisruptionBudget .* selects its pods \(app=user-service,version=v1\)/]);
  });

  it("fails a PDB in another namespace", async () => {
    const stack = mutate(compliantStack(), T.pdb, "user-service", (p) => {
      p.metadata.namespace = "default";
    });
    await expectOne(pdbAllowsDisruption, stack, [/no PodDisruptionBudget in namespace microservices/]);
  });

  it("fails maxUnavailable 0", async () => {
    const stack = mutate(compliantStack(), T.pdb, "user-service", (p) => {
      p.spec.maxUnavailable = 0;
    });
    await expectOne(pdbAllowsDisruption, stack, [/maxUnavailable 0 allows no pod/, /blocks node drains/]);
  });

  it("fails minAvailable equal to the replicas (and a 100% minAvailable)", async () => {
    const stack = mutate(compliantStack(), T.pdb, "user-service", (p) => {
      delete p.spec.maxUnavailable;
      p.spec.minAvailable = 3;
    });
    await expectOne(pdbAllowsDisruption, stack, [/minAvailable 3 keeps all 3 pods/]);
    const percent = mutate(compliantStack(), T.pdb, "user-service", (p) => {
      delete p.spec.maxUnavailable;
      p.spec.minAvailable = "100%";
    });
    await expectOne(pdbAllowsDisruption, percent, [/minAvailable "100%"/]);
  });

  it("checks minAvailable against the autoscaler's lowest scale", async () => {
    // 5 replicas, HPA down to 5: minAvailable 4 still allows one eviction; with the HPA at 4 it does not.
    const ok = mutate(compliantStack(), T.pdb, "order-service", (p) => {
      delete p.spec.maxUnavailable;
      p.spec.minAvailable = 4;
    });
    await expectNone(pdbAllowsDisruption, ok);
    const low = mutate(ok, T.hpa, "order-service", (h) => {
      h.spec.minReplicas = 4;
    });
    await expectOne(pdbAllowsDisruption, low, [/lowest scale 4/]);
  });

  it("fails two PDBs selecting the same pods", async () => {
    const second = resource(T.pdb, { ...pdb("user-service"), metadata: { name: "user-service-extra", namespace: NS } });
    await expectOne(pdbAllowsDisruption, [...compliantStack(), second], [/2 PodDisruptionBudgets/]);
  });

  it("counts replicas from spec.replicas when no autoscaler owns them", async () => {
    const stack = compliantStack()
      .filter((r) => r.type !== T.hpa && !(r.type === T.pdb && r.name === "user-service"))
      .map((r) => (r.type === T.deployment && r.name === "user-service" ? resource(T.deployment, deployment("user-service", 3)) : r));
    await expectOne(pdbAllowsDisruption, stack, [/user-service runs 3 replicas but no PodDisruptionBudget/]);
  });

  it("ignores single-replica workloads and exempt namespaces", async () => {
    const stack = compliantStack().filter((r) => r.type !== T.pdb && r.type !== T.hpa);
    const single = stack.map((r) => (r.type === T.deployment ? { ...r, props: { ...r.props, spec: { ...(r.props.spec as object), replicas: 1 } } } : r));
    assert.equal((await violations(pdbAllowsDisruption, single)).length, 0);
    assert.equal((await violations(pdbAllowsDisruption, stack, { exemptNamespaces: [NS] })).length, 0);
  });
});

describe("policy istio-release-replicas (Istio's charts, read from their values)", () => {
  const PROD = { istiodMinReplicas: 2, gatewayMinReplicas: 2 };
  const release = (chart: "base" | "istiod" | "gateway", values: Props) => resource(T.helmRelease, istioRelease(chart, values));

  it("passes releases that autoscale from the minimum with the charts' PodDisruptionBudgets, and fixed counts", async () => {
    await expectNone(
      istioReleaseReplicas,
      [
        release("base", {}),
        release("istiod", { autoscaleEnabled: true, autoscaleMin: 2 }),
        release("gateway", { autoscaling: { enabled: true, minReplicas: 2 }, podDisruptionBudget: { minAvailable: 1 } }),
      ],
      PROD,
    );
    await expectNone(istioReleaseReplicas, [
      release("istiod", { autoscaleEnabled: false, replicaCount: 1 }),
      release("gateway", { autoscaling: { enabled: false } }),
    ]);
  });

  it("reads the chart's defaults: istiod autoscales from 1 unless its values say otherwise", async () => {
    await expectOne(
      istioReleaseReplicas,
      release("istiod", {}),
      [/Helm release istio-system\/istiod \(chart istiod 1\.31\.0\)/, /autoscales from 1 replica/, /values\.autoscaleMin to 2/],
      PROD,
    );
  });

  it("does not read the IstioOperator's `pilot:` layout, which the istiod chart ignores", async () => {
    await expectOne(
      istioReleaseReplicas,
      release("istiod", { pilot: { autoscaleEnabled: false, replicaCount: 3 } }),
      [/Deployment istio-system\/istiod autoscales from 1 replica\(s\) \(values\.autoscaleMin\)/],
      PROD,
    );
  });

  it("takes replicaCount only without autoscaling", async () => {
    await expectOne(
      istioReleaseReplicas,
      release("gateway", { replicaCount: 3 }),
      [/Deployment istio-ingress\/istio-ingress autoscales from 1/, /autoscaling\.minReplicas/],
      PROD,
    );
    await expectOne(
      istioReleaseReplicas,
      release("istiod", { autoscaleEnabled: false, replicaCount: 1 }),
      [/runs 1 replica\(s\) \(values\.replicaCount\)/],
      PROD,
    );
  });

  it("fails more than one gateway replica without a PodDisruptionBudget, and istiod's budget switched off", async () => {
    await expectOne(
      istioReleaseReplicas,
      release("gateway", { autoscaling: { minReplicas: 3 } }),
      [/3 replicas with no PodDisruptionBudget/, /podDisruptionBudget to \{minAvailable: 1\}/],
      PROD,
    );
    await expectOne(
      istioReleaseReplicas,
      release("istiod", { autoscaleMin: 2, global: { defaultPodDisruptionBudget: { enabled: false } } }),
      [/no PodDisruptionBudget/, /leave values\.global\.defaultPodDisruptionBudget\.enabled true/],
      PROD,
    );
  });

  it("leaves another repository's chart named `gateway` alone", async () => {
    const other = { ...istioRelease("gateway", {}), repositoryOpts: { repo: "https://charts.example.com" } };
    await expectNone(istioReleaseReplicas, resource(T.helmRelease, other), PROD);
  });
});

describe("policy helm-release-contents (what the pack cannot inspect)", () => {
  it("names a release of a chart the pack does not read, and is advisory", async () => {
    const redis = { name: "cache", chart: "oci://registry-1.docker.io/bitnamicharts/redis", version: "21.2.0", namespace: "data", values: {} };
    const v = await expectOne(helmReleaseContents, resource(T.helmRelease, redis), [
      /Helm release data\/cache \(chart redis 21\.2\.0\)/,
      /no policy of this pack checks them/,
    ]);
    assert.equal(v.enforcementLevel, "advisory");
    await expectNone(helmReleaseContents, resource(T.helmRelease, redis), { reviewedReleases: ["data/cache"] });
  });

  it("passes Istio's charts, whose values istio-release-replicas reads, from the repository or a local folder", async () => {
    const local = { ...istioRelease("istiod"), chart: "/home/me/.cache/istio-charts/istiod", repositoryOpts: undefined };
    await expectNone(helmReleaseContents, [
      resource(T.helmRelease, istioRelease("base")),
      resource(T.helmRelease, istioRelease("gateway")),
      resource(T.helmRelease, local),
    ]);
  });
});
