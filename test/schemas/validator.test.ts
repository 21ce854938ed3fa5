import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { SchemaValidator, durationMs, schemaValidator, toAjvSchema } from "../helpers/schema-validator";
import Ajv from "ajv";

const SPEC = path.resolve(__dirname, "..", "fixtures", "spec", "microservices_ecosystem");
const specDocuments = (file: string) => parseAllDocuments(fs.readFileSync(path.join(SPEC, file), "utf8")).map((d) => d.toJS() as Record<string, any>);

/** A valid DestinationRule to change one field of at a time. */
const destinationRule = () => ({
  apiVersion: "networking.istio.io/v1",
  kind: "DestinationRule",
  metadata: { name: "payment-service", namespace: "microservices" },
  spec: {
    host: "payment-service.microservices.svc.cluster.local",
    trafficPolicy: {
      connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 50, maxRequestsPerConnection: 10 } },
      outlierDetection: { consecutive5xxErrors: 2, interval: "30s", baseEjectionTime: "60s", maxEjectionPercent: 50 },
    },
  },
});

describe("strict schema validator: Istio CRDs (test/fixtures/schemas/istio-crds.yaml)", function () {
  this.timeout(60_000);
  let validator: SchemaValidator;
  before(() => {
    validator = schemaValidator();
  });

  it("serves the v1 kinds the stack applies", () => {
    for (const kind of [
      "networking.istio.io/v1/DestinationRule",
      "networking.istio.io/v1/VirtualService",
      "networking.istio.io/v1/Gateway",
      "security.istio.io/v1/PeerAuthentication",
      "security.istio.io/v1/AuthorizationPolicy",
    ]) {
      assert.ok(validator.customKinds().includes(kind), kind);
    }
  });

  it("accepts a valid DestinationRule", () => {
    assert.deepEqual(validator.validate(destinationRule()), { valid: true, errors: [], unevaluated: [] });
  });

  it("rejects the spec's destination_rules.yaml: `hosts:` is unknown, `host` missing, `circuitBreaker` unknown", () => {
    const [spec] = specDocuments("service_mesh/istio_config/destination_rules.yaml");
    assert.equal(spec.apiVersion, "networking.istio.io/v1beta1");
    const result = validator.validate(spec);
    assert.equal(result.valid, false);
    assert.ok(result.errors.includes('/spec has unknown field "hosts"'), result.errors.join("\n"));
    assert.ok(result.errors.includes('/spec is missing required field "host"'), result.errors.join("\n"));
    assert.ok(result.errors.includes('/spec/trafficPolicy has unknown field "circuitBreaker"'), result.errors.join("\n"));
    // The same document in v1 is rejected for the same reasons.
    const v1 = validator.validate({ ...spec, apiVersion: "networking.istio.io/v1" });
    assert.ok(v1.errors.includes('/spec/trafficPolicy has unknown field "circuitBreaker"'));
  });

  it("reports an unknown field at any depth, and in metadata", () => {
    const dr = destinationRule();
    (dr.spec.trafficPolicy.connectionPool.tcp as Record<string, unknown>).maxConnection = 1;
    (dr.metadata as Record<string, unknown>).label = {};
    assert.deepEqual(validator.validate(dr).errors, [
      '/metadata has unknown field "label"',
      '/spec/trafficPolicy/connectionPool/tcp has unknown field "maxConnection"',
    ]);
  });

  it("checks types, enums, the apiVersion/kind and the CEL duration rule", () => {
    const dr = destinationRule();
    (dr.spec.trafficPolicy.outlierDetection as Record<string, unknown>).baseEjectionTime = "0s";
    (dr.spec.trafficPolicy as Record<string, unknown>).loadBalancer = { simple: "FASTEST" };
    (dr.spec.trafficPolicy.connectionPool.tcp as Record<string, unknown>).maxConnections = "100";
    const errors = validator.validate(dr).errors;
    assert.ok(
      errors.some((e) => e.startsWith("/spec/trafficPolicy/outlierDetection/baseEjectionTime must be a valid duration greater than 1ms")),
      errors.join("\n"),
    );
    assert.ok(
      errors.some((e) => e.startsWith("/spec/trafficPolicy/loadBalancer/simple must be one of")),
      errors.join("\n"),
    );
    assert.ok(errors.includes("/spec/trafficPolicy/connectionPool/tcp/maxConnections must be integer"), errors.join("\n"));
    assert.throws(
      () => validator.validate({ ...destinationRule(), apiVersion: "networking.istio.io/v2" }),
      /no schema for networking.istio.io\/v2\/DestinationRule/,
    );
  });

  it("evaluates the CEL rules of AuthorizationPolicy (selector xor targetRefs; serviceAccounts xor principals)", () => {
    const policy = {
      apiVersion: "security.istio.io/v1",
      kind: "AuthorizationPolicy",
      metadata: { name: "p" },
      spec: {
        selector: { matchLabels: { app: "a" } },
        targetRefs: [{ kind: "Service", name: "a" }],
        rules: [{ from: [{ source: { principals: ["cluster.local/ns/a/sa/b"], serviceAccounts: ["a/b"] } }] }],
      },
    };
    const errors = validator.validate(policy).errors;
    assert.equal(errors.length, 2, errors.join("\n"));
    assert.match(errors[0], /^\/spec only one of targetRefs or selector can be set/);
    assert.match(errors[1], /^\/spec\/rules\/0\/from\/0\/source Cannot set serviceAccounts with namespaces or principals/);
    // An empty spec (the documented deny-by-default policy) is valid.
    assert.equal(validator.validate({ ...policy, spec: {} }).valid, true);
  });

  it("reports a CEL rule it cannot evaluate instead of passing it silently", () => {
    const entry = {
      apiVersion: "networking.istio.io/v1",
      kind: "ServiceEntry",
      metadata: { name: "e" },
      spec: { hosts: ["example.com"], resolution: "DNS_ROUND_ROBIN", endpoints: [{ address: "a.example.com" }] },
    };
    const result = validator.validate(entry);
    assert.ok(
      result.unevaluated.some((u) => u.includes("DNS_ROUND_ROBIN")),
      result.unevaluated.join("\n"),
    );
  });
});

describe("strict schema validator: CRD structural schema conversion", () => {
  const compile = (structural: Record<string, unknown>) => new Ajv({ strict: false, allErrors: true }).compile(toAjvSchema(structural));

  it("closes objects with properties, unless x-kubernetes-preserve-unknown-fields", () => {
    const closed = compile({ type: "object", properties: { a: { type: "string" } } });
    assert.equal(closed({ a: "x" }), true);
    assert.equal(closed({ a: "x", b: 1 }), false);
    const open = compile({ type: "object", properties: { a: { type: "string" } }, "x-kubernetes-preserve-unknown-fields": true });
    assert.equal(open({ a: "x", b: 1 }), true);
    const map = compile({ type: "object", additionalProperties: { type: "string" } });
    assert.equal(map({ any: "x" }), true);
    assert.equal(map({ any: 1 }), false);
  });

  it("allows null where nullable, and integer or string where x-kubernetes-int-or-string", () => {
    const nullable = compile({ type: "object", properties: { a: { type: "string", nullable: true, enum: ["x"] } } });
    assert.equal(nullable({ a: null }), true);
    assert.equal(nullable({ a: "y" }), false);
    const intOrString = compile({ type: "object", properties: { p: { "x-kubernetes-int-or-string": true } } });
    assert.equal(intOrString({ p: 8080 }), true);
    assert.equal(intOrString({ p: "http" }), true);
    assert.equal(intOrString({ p: true }), false);
  });

  it("keeps oneOf/not branches as value validations (no closing inside them)", () => {
    const schema = compile({
      type: "object",
      properties: { a: { type: "string" }, b: { type: "string" } },
      oneOf: [{ not: { anyOf: [{ required: ["a"] }, { required: ["b"] }] } }, { required: ["a"] }, { required: ["b"] }],
    });
    assert.equal(schema({ a: "x" }), true);
    assert.equal(schema({}), true);
    assert.equal(schema({ a: "x", b: "y" }), false);
  });

  it("parses Go durations as the CEL duration() does", () => {
    assert.equal(durationMs("60s"), 60_000);
    assert.equal(durationMs("1h30m"), 5_400_000);
    assert.equal(durationMs("1.5ms"), 1.5);
    assert.equal(durationMs("60"), undefined);
  });
});

describe("strict schema validator: Kubernetes API types (kubernetes-types)", function () {
  this.timeout(60_000);
  let validator: SchemaValidator;
  const deployment = () => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d", namespace: "n", labels: { app: "d" } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "d" } },
      template: {
        metadata: { labels: { app: "d" } },
        spec: {
          containers: [
            {
              name: "c",
              image: "registry/app:v1.0.0",
              ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
              readinessProbe: { httpGet: { path: "/ready", port: "http" } },
              resources: { requests: { cpu: "250m", memory: 268435456 } },
            },
          ],
        },
      },
    },
  });
  before(() => {
    validator = schemaValidator();
  });

  it("accepts a valid Deployment (named port as int-or-string, a quantity as a number)", () => {
    assert.deepEqual(validator.validate(deployment()), { valid: true, errors: [], unevaluated: [] });
  });

  it("rejects unknown fields, missing required fields and wrong types", () => {
    const d = deployment() as Record<string, any>;
    d.spec.template.spec.containers[0].port = 8080;
    delete d.spec.template.spec.containers[0].name;
    d.spec.replicas = "2";
    assert.deepEqual(validator.validate(d).errors, [
      "/spec/replicas must be number",
      '/spec/template/spec/containers/0 is missing required field "name"',
      '/spec/template/spec/containers/0 has unknown field "port"',
    ]);
  });

  it("checks apiVersion and kind against the type's own literal", () => {
    assert.throws(() => validator.validate({ ...deployment(), apiVersion: "apps/v1beta9" }), /no schema for apps\/v1beta9\/Deployment/);
    assert.ok(validator.isCoreKind("networking.k8s.io/v1", "NetworkPolicy"));
    assert.ok(validator.isCoreKind("policy/v1", "PodDisruptionBudget"));
    assert.ok(validator.isCoreKind("autoscaling/v2", "HorizontalPodAutoscaler"));
  });
});
