import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { RecordedResource } from "../tools/render/mock-engine";
import { URN_STACKS, brokenUrns, droppedStateful, isStateful, renderForUrns } from "../tools/urn-contract";

const snapshot = (stack: string): Record<string, string> =>
  JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "urns", `${stack}.json`), "utf8")) as Record<string, string>;

// An object the stack keeps declaring must keep its URN, or alias the old one: otherwise `pulumi up` on an
// existing stack creates the "new" resource and then deletes the old one, taking the shared object with it.
describe("URN contract: every object a stack keeps keeps its URN or aliases it; no stateful one is dropped", function () {
  this.timeout(120_000);
  for (const stack of Object.keys(URN_STACKS)) {
    it(`${stack}: no object of test/fixtures/urns/${stack}.json moved to another URN without an alias, and no stateful one is gone`, async () => {
      const resources = await renderForUrns(stack);
      assert.deepEqual(brokenUrns(snapshot(stack), resources), []);
      assert.deepEqual(droppedStateful(snapshot(stack), resources), []);
    });
  }

  it("keeps every stateful resource of dev and prod in the snapshot: StatefulSets, claims, Secrets, namespaces, generated passwords", () => {
    for (const stack of ["dev", "prod"]) {
      const kinds = new Set(
        Object.keys(snapshot(stack))
          .filter(isStateful)
          .map((identity) => identity.split(" ")[0]),
      );
      assert.deepEqual(
        [...kinds].sort(),
        ["Namespace.core", "PersistentVolumeClaim.core", "Secret.core", "StatefulSet.apps", "random:index/randomPassword:RandomPassword"],
        stack,
      );
    }
  });

  it("fails when a stateful resource is renamed or moved without an alias (the data goes with its URN), and passes with one", () => {
    const old = "urn:pulumi:prod::p::microservices:platform:PostgreSQL$kubernetes:apps/v1:StatefulSet::postgres";
    const renamed = (aliases: string[]): RecordedResource => ({
      type: "kubernetes:apps/v1:StatefulSet",
      name: "postgresql",
      urn: "urn:pulumi:prod::p::microservices:platform:DataStore$kubernetes:apps/v1:StatefulSet::postgresql",
      custom: true,
      inputs: { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "postgresql", namespace: "data" } },
      aliases,
      protect: false,
      retainOnDelete: false,
    });
    const before = { "StatefulSet.apps data/postgres": old };
    assert.equal(droppedStateful(before, [renamed([])]).length, 1);
    assert.deepEqual(droppedStateful(before, [renamed([old])]), []);
    // Stateless objects may go: a NetworkPolicy dropped on purpose is no loss.
    assert.deepEqual(droppedStateful({ "NetworkPolicy.networking.k8s.io data/x": "urn:x" }, []), []);
  });

  it("fails when a resource moves under another parent without an alias, and passes with one", () => {
    const old = "urn:pulumi:dev::p::microservices:platform:Istio$kubernetes:networking.k8s.io/v1:NetworkPolicy::default-deny";
    const moved = (aliases: string[]): RecordedResource => ({
      type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      name: "default-deny",
      urn: "urn:pulumi:dev::p::microservices:platform:ZeroTrust$kubernetes:networking.k8s.io/v1:NetworkPolicy::default-deny",
      custom: true,
      inputs: { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "default-deny", namespace: "microservices" } },
      aliases,
      protect: false,
      retainOnDelete: false,
    });
    const before = { "NetworkPolicy.networking.k8s.io microservices/default-deny": old };
    assert.equal(brokenUrns(before, [moved([])]).length, 1);
    assert.deepEqual(brokenUrns(before, [moved([old])]), []);
  });
});
