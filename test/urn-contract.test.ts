import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { RecordedResource } from "../tools/render/mock-engine";
import { URN_STACKS, brokenUrns, renderForUrns } from "../tools/urn-contract";

const snapshot = (stack: string): Record<string, string> =>
  JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "urns", `${stack}.json`), "utf8")) as Record<string, string>;

// An object the stack keeps declaring must keep its URN, or alias the old one: otherwise `pulumi up` on an
// existing stack creates the "new" resource and then deletes the old one, taking the shared object with it.
describe("URN contract: every object a stack keeps keeps its URN or aliases it", function () {
  this.timeout(120_000);
  for (const stack of Object.keys(URN_STACKS)) {
    it(`${stack}: no object of test/fixtures/urns/${stack}.json moved to another URN without an alias`, async () => {
      assert.deepEqual(brokenUrns(snapshot(stack), await renderForUrns(stack)), []);
    });
  }

  it("fails when a resource moves under another parent without an alias, and passes with one", () => {
    const old = "urn:pulumi:dev::p::microservices:platform:Istio$kubernetes:networking.k8s.io/v1:NetworkPolicy::default-deny";
    const moved = (aliases: string[]): RecordedResource => ({
      type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      name: "default-deny",
      urn: "urn:pulumi:dev::p::microservices:platform:ZeroTrust$kubernetes:networking.k8s.io/v1:NetworkPolicy::default-deny",
      custom: true,
      inputs: { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "default-deny", namespace: "microservices" } },
      aliases,
    });
    const before = { "NetworkPolicy.networking.k8s.io microservices/default-deny": old };
    assert.equal(brokenUrns(before, [moved([])]).length, 1);
    assert.deepEqual(brokenUrns(before, [moved([old])]), []);
  });
});
