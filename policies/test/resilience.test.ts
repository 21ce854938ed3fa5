import * as assert from "node:assert/strict";
import { RESILIENCE_POLICIES } from "../src";
import { appStartupProbe } from "../src/resilience/app-startup-probe";
import { pdbUnhealthyEviction } from "../src/resilience/pdb-unhealthy-eviction";
import { statefulDataProtected } from "../src/resilience/stateful-data-protected";
import { Props, T, compliantStack, deployment, expectNone, expectOne, istioRelease, mutate, pdb, resource, statefulSet, violations } from "./fixtures";

const storageClass = (name: string, reclaimPolicy?: string): Props => ({
  apiVersion: "storage.k8s.io/v1",
  kind: "StorageClass",
  metadata: { name },
  provisioner: "rancher.io/local-path",
  ...(reclaimPolicy ? { reclaimPolicy } : {}),
});
const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";

/** PostgreSQL's StatefulSet as prod declares it: claims from the Retain class, kept when deleted, protected. */
function store(change: (props: Props) => void = () => {}, protect = true) {
  const props = statefulSet("postgres", 1);
  props.metadata.namespace = "data";
  props.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: "Retain", whenScaled: "Retain" };
  props.spec.volumeClaimTemplates = [
    {
      metadata: { name: "data" },
      spec: { accessModes: ["ReadWriteOnce"], storageClassName: "microservices-retain", resources: { requests: { storage: "10Gi" } } },
    },
  ];
  change(props);
  return { ...resource(T.statefulSet, props), protect };
}
const claim = (storageClassName?: string) =>
  resource(PVC, {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "prometheus-data", namespace: "monitoring" },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "20Gi" } }, ...(storageClassName ? { storageClassName } : {}) },
  });

describe("resilience policies are advisory by default (the prod stack's config makes them mandatory)", () => {
  for (const policy of RESILIENCE_POLICIES) it(policy.name, () => assert.equal(policy.enforcementLevel, "advisory"));
});

describe("policy stateful-data-protected (stack)", () => {
  const retainClass = resource(STORAGE_CLASS, storageClass("microservices-retain", "Retain"));

  it("passes a protected StatefulSet that keeps its claims on a Retain class, and a claim on that class", async () =>
    expectNone(statefulDataProtected, [retainClass, store(), claim("microservices-retain")]));

  it("fails a StatefulSet with claims that is not protected, naming the resource option", async () => {
    await expectOne(
      statefulDataProtected,
      [retainClass, store(undefined, false)],
      [/StatefulSet data\/postgres keeps data on claims but is not protected/, /protect: true/],
    );
  });

  it("fails a StatefulSet that deletes its claims with it", async () => {
    await expectOne(
      statefulDataProtected,
      [retainClass, store((p) => (p.spec.persistentVolumeClaimRetentionPolicy.whenDeleted = "Delete"))],
      [/persistentVolumeClaimRetentionPolicy.whenDeleted is Delete/, /set it to Retain/],
    );
  });

  it("fails claims on the default class, or on a class of the stack that deletes volumes (unset reclaimPolicy is Delete)", async () => {
    await expectOne(
      statefulDataProtected,
      [retainClass, store((p) => delete p.spec.volumeClaimTemplates[0].spec.storageClassName)],
      [/volumeClaimTemplates\[0\] \(data\) names no storageClassName/],
    );
    await expectOne(
      statefulDataProtected,
      [resource(STORAGE_CLASS, storageClass("microservices-retain")), store()],
      [/StorageClass microservices-retain, whose reclaimPolicy is Delete/],
    );
    await expectOne(statefulDataProtected, [retainClass, claim()], [/PersistentVolumeClaim monitoring\/prometheus-data names no storageClassName/]);
    await expectOne(
      statefulDataProtected,
      [resource(STORAGE_CLASS, storageClass("standard", "Delete")), claim("standard")],
      [/PersistentVolumeClaim monitoring\/prometheus-data comes from StorageClass standard, whose reclaimPolicy is Delete/],
    );
  });

  it("ignores StatefulSets without claims, and exempt namespaces", async () => {
    const found = await violations(statefulDataProtected, [{ ...resource(T.statefulSet, statefulSet("cache", 2)), protect: false }]);
    assert.deepEqual(found, []);
    await expectNone(statefulDataProtected, [store(undefined, false)], { exemptNamespaces: ["data"] });
  });
});

describe("policy pdb-unhealthy-eviction", () => {
  it("passes a PodDisruptionBudget that lets unhealthy pods go", async () => expectNone(pdbUnhealthyEviction, resource(T.pdb, pdb())));

  it("fails one that leaves the policy unset or IfHealthyBudget", async () => {
    const unset = pdb();
    delete unset.spec.unhealthyPodEvictionPolicy;
    await expectOne(pdbUnhealthyEviction, resource(T.pdb, unset), [
      /PodDisruptionBudget microservices\/user-service: spec.unhealthyPodEvictionPolicy is "unset"/,
      /AlwaysAllow/,
    ]);
    const ifHealthy = pdb();
    ifHealthy.spec.unhealthyPodEvictionPolicy = "IfHealthyBudget";
    await expectOne(pdbUnhealthyEviction, resource(T.pdb, ifHealthy), [/is "IfHealthyBudget"/]);
  });

  it("reads Istio's charts: istiod's and the gateway's budgets (only where the chart renders one)", async () => {
    const istiod = (pdbValues: Props) => resource(T.helmRelease, istioRelease("istiod", { autoscaleMin: 2, pdb: pdbValues }), "istiod");
    await expectNone(pdbUnhealthyEviction, istiod({ unhealthyPodEvictionPolicy: "AlwaysAllow" }));
    await expectOne(pdbUnhealthyEviction, istiod({}), [
      /Helm release istio-system\/istiod .*Deployment istio-system\/istiod .*set values.pdb.unhealthyPodEvictionPolicy to AlwaysAllow/,
    ]);
    const gateway = (budget: Props) => resource(T.helmRelease, istioRelease("gateway", { autoscaling: { minReplicas: 2 }, podDisruptionBudget: budget }));
    await expectNone(pdbUnhealthyEviction, gateway({ minAvailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" }));
    await expectOne(pdbUnhealthyEviction, gateway({ minAvailable: 1 }), [/set values.podDisruptionBudget.unhealthyPodEvictionPolicy to AlwaysAllow/]);
    // One replica: neither chart renders a budget, so there is nothing to set.
    assert.deepEqual(await violations(pdbUnhealthyEviction, resource(T.helmRelease, istioRelease("istiod", {}), "istiod")), []);
  });
});

describe("policy app-startup-probe", () => {
  it("passes the compliant stack's services", async () => expectNone(appStartupProbe, compliantStack()));

  it("fails an app-tier container without a startup probe, naming it", async () => {
    const stack = mutate(compliantStack(), T.deployment, "user-service", (p) => delete p.spec.template.spec.containers[0].startupProbe);
    await expectOne(appStartupProbe, stack, [/Deployment microservices\/user-service: spec.template.spec.containers\[0\] \(service\).startupProbe is unset/]);
  });

  it("ignores workloads outside the app tier", async () => {
    const platform = deployment("kong");
    platform.spec.template.metadata.labels = { app: "kong" };
    platform.metadata.labels = { app: "kong" };
    delete platform.spec.template.spec.containers[0].startupProbe;
    await expectNone(appStartupProbe, resource(T.deployment, platform));
  });
});
