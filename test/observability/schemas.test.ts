import { strict as assert } from "assert";
import { generateKeyPairSync } from "crypto";
import { GATEWAY, JAEGER } from "../../catalog";
import { KubernetesObject } from "../../tools/render/render-output";
import { Rendered, render } from "../helpers/render";
import { SchemaValidator, schemaValidator } from "../helpers/schema-validator";

/** The objects of the gateway and observability components (their namespaces, and Prometheus's Roles). */
const ours = (r: Rendered): KubernetesObject[] =>
  r
    .objects()
    .filter((o) => [GATEWAY.namespace, JAEGER.namespace].includes(o.metadata.namespace ?? o.metadata.name) || o.metadata.name === "prometheus-discovery");

function violations(validator: SchemaValidator, objects: readonly KubernetesObject[]): string[] {
  return objects.flatMap((o) => {
    const id = `${o.kind} ${o.metadata.namespace ?? "-"}/${o.metadata.name}`;
    if (!validator.isCoreKind(o.apiVersion, o.kind)) return [`${id}: no Kubernetes schema`];
    return validator.validate(o).errors.map((e) => `${id}: ${e}`);
  });
}

// The stack-wide schema test renders each component alone and all together on dev; these are the
// variants it does not render: prod sizing, a JWT key, the Jaeger operator.
describe("Kong, Jaeger and Prometheus objects of every variant validate strictly", function () {
  this.timeout(120_000);
  let validator: SchemaValidator;
  before(() => {
    validator = schemaValidator();
  });

  it("prod (PodDisruptionBudget, LoadBalancer, prod sizing) with a JWT key", async () => {
    const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();
    const r = await render({
      environment: "prod",
      components: ["kong", "jaeger", "prometheus"],
      kong: { jwtPublicKey: pem, tls: { secretName: "kong-proxy-tls" } },
    });
    const objects = ours(r);
    assert.ok(objects.some((o) => o.kind === "PodDisruptionBudget"));
    assert.deepEqual(violations(validator, objects), []);
  });

  it("the Jaeger operator variant: core objects strictly, the Jaeger resource's shape", async () => {
    const r = await render({ components: ["jaeger", "prometheus"], jaeger: { operator: true } });
    const [cr, ...others] = [...r.objects("Jaeger"), ...ours(r).filter((o) => o.kind !== "Jaeger")];
    assert.deepEqual(violations(validator, others), []);
    // No CRD fixture for jaegertracing.io: check what the operator's CRD requires of the fields set.
    assert.equal(cr.apiVersion, "jaegertracing.io/v1");
    assert.equal(cr.metadata.namespace, JAEGER.namespace);
    const spec = cr.spec as Record<string, unknown>;
    assert.deepEqual(Object.keys(spec).sort(), ["collector", "query", "sampling", "storage", "strategy"]);
    assert.ok(["allInOne", "production", "streaming"].includes(String(spec.strategy)));
    assert.deepEqual(Object.keys(spec.sampling as object), ["options"]);
  });
});
