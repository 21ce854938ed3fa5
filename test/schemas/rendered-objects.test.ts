import { strict as assert } from "assert";
import { PLATFORM_COMPONENTS } from "../../catalog";
import { isSecretValue } from "../../tools/render/mock-engine";
import { KubernetesObject, isKubernetesObject } from "../../tools/render/render-output";
import { Rendered, render } from "../helpers/render";
import { SchemaValidator, schemaValidator } from "../helpers/schema-validator";

/**
 * Every object the stack applies, validated strictly: Istio custom resources against the CRD
 * fixture, everything else against the Kubernetes API types. An object with no schema at all is a
 * failure too (nothing is applied unchecked).
 */
function violations(validator: SchemaValidator, objects: readonly KubernetesObject[]): string[] {
  const problems: string[] = [];
  for (const o of objects) {
    const id = `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? "-"}/${o.metadata.name}`;
    if (!validator.isCustomKind(o.apiVersion, o.kind) && !validator.isCoreKind(o.apiVersion, o.kind)) {
      problems.push(`${id}: no schema (neither the Istio CRDs nor the Kubernetes API types know it)`);
      continue;
    }
    const result = validator.validate(o);
    problems.push(...result.errors.map((e) => `${id}: ${e}`));
    problems.push(...result.unevaluated.map((u) => `${id}: CEL rule not evaluated at ${u}`));
  }
  return problems;
}

/** A secret's value instead of its envelope (the render masks secrets; the API server sees values). */
function unwrapSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  return value;
}

/** The Kubernetes objects as the provider would send them (secret values in place, not masked). */
const applied = (r: Rendered): KubernetesObject[] =>
  r.resources.filter(isKubernetesObject).map((res) => {
    const { __provider: _, ...inputs } = res.inputs;
    return unwrapSecrets(inputs) as KubernetesObject;
  });

const isIstio = (o: KubernetesObject) => o.apiVersion.includes(".istio.io/");

describe("rendered objects validate strictly against their schemas", function () {
  this.timeout(120_000);
  let validator: SchemaValidator;
  before(() => {
    validator = schemaValidator();
  });

  describe("all components composed (the dev stack)", () => {
    let all: Rendered;
    before(async () => {
      all = await render({ istio: { faultInjection: true } });
    });

    it("composes every platform component and renders Istio objects of each applied kind", () => {
      const kinds = new Set(
        applied(all)
          .filter(isIstio)
          .map((o) => `${o.apiVersion}/${o.kind}`),
      );
      assert.deepEqual([...kinds].sort(), [
        "networking.istio.io/v1/DestinationRule",
        "networking.istio.io/v1/Gateway",
        "networking.istio.io/v1/VirtualService",
        "security.istio.io/v1/AuthorizationPolicy",
        "security.istio.io/v1/PeerAuthentication",
      ]);
    });

    it("every Istio custom resource is valid for its CRD (unknown fields rejected, CEL rules evaluated)", () => {
      assert.deepEqual(violations(validator, applied(all).filter(isIstio)), []);
    });

    it("every other object is valid for its Kubernetes API type", () => {
      const core = applied(all).filter((o) => !isIstio(o));
      assert.ok(core.length > 50);
      assert.deepEqual(violations(validator, core), []);
    });
  });

  // Each component alone: what it renders must stand on its own (no peer assumed).
  for (const component of PLATFORM_COMPONENTS) {
    it(`${component} alone: every object is valid`, async () => {
      const rendered = await render({ components: [component] });
      assert.deepEqual(violations(validator, applied(rendered)), []);
    });
  }

  it("no component (services only): every object is valid", async () => {
    const rendered = await render({ components: [] });
    assert.deepEqual(violations(validator, applied(rendered)), []);
  });
});
