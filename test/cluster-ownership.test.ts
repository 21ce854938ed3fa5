import { strict as assert } from "assert";
import { managedByState, plainTextSecrets } from "./cluster/ownership";

// The cluster lane's checks of the state against the cluster, on fixed inputs.

describe("cluster lane: what the state manages, and secrets in an exported state", () => {
  it("reads the state's objects by kind, namespace and name, and its Helm releases", () => {
    const { objects, releases } = managedByState([
      { type: "kubernetes:apps/v1:StatefulSet", outputs: { kind: "StatefulSet", metadata: { name: "postgres", namespace: "data" } } },
      { type: "kubernetes:core/v1:Namespace", inputs: { kind: "Namespace", metadata: { name: "data" } }, outputs: {} },
      { type: "kubernetes:helm.sh/v3:Release", outputs: { name: "istiod", namespace: "istio-system" } },
      { type: "pulumi:providers:kubernetes", outputs: { kubeconfig: "x" } },
    ]);
    assert.deepEqual([...objects].sort(), ["Namespace data", "StatefulSet data/postgres"]);
    assert.deepEqual([...releases], ["istio-system/istiod"]);
  });

  it("finds a secret value in plain text or base64 (as a Secret's data holds it), never in ciphertext, and names it without printing it", () => {
    const password = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    const encoded = Buffer.from(password).toString("base64");
    assert.deepEqual(plainTextSecrets(`{"data":{"PGPASSWORD":"${encoded}"}}`, [password]), ["9f8e… (32 characters)"]);
    assert.deepEqual(plainTextSecrets(`{"url":"postgresql://user:${password}@postgres"}`, [password]), ["9f8e… (32 characters)"]);
    assert.deepEqual(plainTextSecrets(`{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","ciphertext":"v1:AbCd"}`, [password]), []);
  });
});
