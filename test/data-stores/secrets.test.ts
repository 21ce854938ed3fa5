import { strict as assert } from "assert";
import { EVENT_STORE, POSTGRES, REDIS, STORE_EXPORTERS } from "../../catalog";
import { footprint, quantity } from "../../tools/render/footprint";
import { isSecretValue } from "../../tools/render/mock-engine";
import { Rendered, render } from "../helpers/render";
import { MOCK_PASSWORD, Obj, renderWithSecrets, renderedFiles } from "./support";

const STORES = ["postgres", "redis", "eventstore"];
/** A redisPassword set as a config secret in the full stack below. */
const CONFIGURED = "Full-stack-redis-s3cret";

describe("data stores in the full dev stack: secrets", () => {
  let r: Rendered;
  let withConfigured: Rendered;
  before(async () => {
    r = await render();
    withConfigured = await renderWithSecrets({}, { redisPassword: CONFIGURED });
  });

  it("composes all three stores in the data namespace", () => {
    for (const name of STORES) assert.equal(r.object("StatefulSet", name, "data").metadata.namespace, "data");
  });

  it("no generated password (the mock engine's RandomPassword result) appears in any rendered file", () => {
    assert.ok(r.ofType("random:index/randomPassword:RandomPassword").length >= 9);
    const files = renderedFiles(r.resources);
    assert.ok(files.size > 100);
    for (const [file, content] of files) assert.equal(content.includes(MOCK_PASSWORD), false, file);
  });

  it("no configured redisPassword appears in any rendered file", () => {
    for (const [file, content] of renderedFiles(withConfigured.resources)) {
      assert.equal(content.includes(CONFIGURED), false, file);
      assert.equal(content.includes(MOCK_PASSWORD), false, file);
    }
  });

  it("every Secret the stores create holds its values as a Pulumi secret (encrypted in state)", () => {
    const secrets = r.ofType("kubernetes:core/v1:Secret").filter((s) => {
      const labels = (s.inputs as Obj).metadata.labels ?? {};
      return STORES.includes(labels.app);
    });
    assert.deepEqual(secrets.map((s) => (s.inputs as Obj).metadata.name).sort(), [
      "analytics-service-db",
      "auth-service-db",
      "inventory-service-db",
      "order-service-db",
      "payment-service-db",
      "postgres-credentials",
      "redis-auth",
      "redis-auth",
      "saga-db",
      "user-service-db",
    ]);
    for (const s of secrets) {
      assert.ok(isSecretValue((s.inputs as Obj).stringData), (s.inputs as Obj).metadata.name);
      assert.equal((s.inputs as Obj).data, undefined);
    }
  });

  it("no workload carries a password in a literal env value or a command", () => {
    for (const w of [...r.objects("Deployment"), ...r.objects("StatefulSet")] as Obj[]) {
      for (const c of w.spec.template.spec.containers as Obj[]) {
        const text = JSON.stringify({ env: (c.env ?? []).filter((e: Obj) => e.value !== undefined), command: c.command, args: c.args });
        assert.equal(text.includes(MOCK_PASSWORD), false, `${w.metadata.name}/${c.name}`);
      }
    }
  });

  it("the stores' dev requests, Istio sidecars and Prometheus exporters included, are the catalog's sizing: 670m CPU, 1280 MiB", () => {
    const mine = r.resources.filter((x) => {
      const o = x.inputs as Obj;
      return (
        (x.type === "kubernetes:core/v1:Namespace" && o.metadata?.name === "data") ||
        (x.type === "kubernetes:apps/v1:StatefulSet" && o.metadata?.namespace === "data")
      );
    });
    const f = footprint(mine);
    const sidecars = 3;
    const exporters = [STORE_EXPORTERS.postgresql, STORE_EXPORTERS.redis];
    const sum = (pick: (s: { resources: typeof POSTGRES.sizing.dev.resources }) => string) =>
      [POSTGRES.sizing.dev, REDIS.sizing.dev, EVENT_STORE.sizing.dev].reduce((t, s) => t + quantity(pick(s)) * s.replicas, 0) +
      exporters.reduce((t, e) => t + quantity(pick(e)), 0);
    assert.equal(f.pods, 3);
    assert.equal(Math.round(f.cpu * 1000), Math.round((sum((s) => s.resources.requests.cpu) + sidecars * 0.1) * 1000));
    assert.equal(f.memoryBytes, sum((s) => s.resources.requests.memory) + sidecars * 128 * 2 ** 20);
    assert.equal(Math.round(f.cpu * 1000), 670);
    assert.equal(f.memoryBytes / 2 ** 20, 1280);
  });
});
