/**
 * Strict structural validation of rendered Kubernetes objects, as a real API server with
 * `--validate=strict` (server-side field validation Strict) would judge them:
 *
 * - Custom resources against the `openAPIV3Schema` of their CRD version (test/fixtures/schemas/
 *   istio-crds.yaml): unknown fields are errors wherever a schema lists `properties` and does not
 *   set `x-kubernetes-preserve-unknown-fields` (the API server would prune them; strict
 *   validation rejects them). `nullable`, `x-kubernetes-int-or-string`, `oneOf`/`anyOf`/`not`,
 *   `x-kubernetes-list-type: map|set` and the CEL rules (`x-kubernetes-validations`) that Istio's
 *   CRDs use on the fields we set are evaluated; a CEL rule this module cannot evaluate is never
 *   silently passed: an object that reaches it reports it in `unevaluated`.
 * - Core objects against the Kubernetes API types of the `kubernetes-types` package (generated
 *   from the Kubernetes OpenAPI spec): every interface becomes a closed JSON schema (unknown fields
 *   rejected, required fields required, `number | string` for int-or-string, quantities as string
 *   or number, `RawExtension`/`JSON`/`FieldsV1` free-form).
 *
 * `metadata` of custom resources is checked against the same ObjectMeta schema as core objects.
 */
import Ajv, { AnySchemaObject, ErrorObject, SchemaObject, ValidateFunction } from "ajv";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { parseAllDocuments } from "yaml";

export const ISTIO_CRDS = path.resolve(__dirname, "..", "fixtures", "schemas", "istio-crds.yaml");

export interface ValidationResult {
  readonly valid: boolean;
  /** One line per violation: `<json pointer> <message>`. */
  readonly errors: string[];
  /** CEL rules the object reached that this validator cannot evaluate: `<json pointer> <rule>`. */
  readonly unevaluated: string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Structural = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// CEL: the rules Istio's CRDs attach to fields, evaluated in JavaScript where their shape is known.

type CelCheck = (self: any) => boolean;

const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
const DURATION_UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

/** Milliseconds of a Go/CEL duration string (`1.5s`, `1h30m`), or undefined when it is not one. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value !== "string" || !GO_DURATION.test(value)) return undefined;
  let total = 0;
  for (const m of value.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * DURATION_UNIT_MS[m[2]];
  return total;
}

const has = (self: any, field: string) => self !== null && typeof self === "object" && self[field] !== undefined;

/** Known CEL rule shapes → a JavaScript check. Anything else is reported as unevaluated. */
function celCheck(rule: string): CelCheck | undefined {
  const r = rule.replace(/\s+/g, " ").trim();
  if (r === "duration(self) >= duration('1ms')") return (self) => (durationMs(self) ?? -1) >= 1;
  if (r === 'self.all(key, !key.contains("*"))') return (self) => Object.keys(self).every((k) => !k.includes("*"));
  if (r === "self.all(key, key.size() != 0)") return (self) => Object.keys(self).every((k) => k.length !== 0);
  if (r === '!self.contains("*")') return (self) => !String(self).includes("*");
  if (r === 'self != "*"') return (self) => self !== "*";
  if (r === "self.size() == 0") return (self) => (typeof self === "string" || Array.isArray(self) ? self.length : Object.keys(self).length) === 0;
  if (r === "0 < self && self <= 65535") return (self) => 0 < self && self <= 65535;
  if (r === "self.all(key, 0 < int(key) && int(key) <= 65535)") {
    return (self) => Object.keys(self).every((k) => /^-?[0-9]+$/.test(k) && 0 < Number(k) && Number(k) <= 65535);
  }
  if (r === "self.all(l1, self.exists_one(l2, l1.number == l2.number))") {
    return (self) => (self as any[]).every((a) => (self as any[]).filter((b) => a.number === b.number).length === 1);
  }
  const inList = /^self in \[((?:"[^"]*"(?:, )?)+)\]$/.exec(r);
  if (inList) {
    const allowed = JSON.parse(`[${inList[1]}]`) as string[];
    return (self) => allowed.includes(self);
  }
  // (has(self.a) ? 1 : 0) + (has(self.b) ? 1 : 0) + … <= 1: at most one of the fields is set.
  const term = /\(has\(self\.(\w+)\) \? 1 : 0\)/g;
  if (/^(\(has\(self\.\w+\) \? 1 : 0\)( \+ )?)+ <= 1$/.test(r)) {
    const fields = [...r.matchAll(term)].map((m) => m[1]);
    return (self) => fields.filter((f) => has(self, f)).length <= 1;
  }
  // (has(self.a) || has(self.b)) ? (!has(self.c) && !has(self.d) …) : true: a excludes c.
  const excludes = /^\(((?:has\(self\.\w+\)(?: \|\| )?)+)\) \? \(((?:!has\(self\.\w+\)(?: && )?)+)\) : true$/.exec(r);
  if (excludes) {
    const ifAny = [...excludes[1].matchAll(/has\(self\.(\w+)\)/g)].map((m) => m[1]);
    const noneOf = [...excludes[2].matchAll(/has\(self\.(\w+)\)/g)].map((m) => m[1]);
    return (self) => !ifAny.some((f) => has(self, f)) || !noneOf.some((f) => has(self, f));
  }
  const either = /^has\(self\.(\w+)\) \|\| has\(self\.(\w+)\)$/.exec(r);
  if (either) return (self) => has(self, either[1]) || has(self, either[2]);
  if (r === "has(self.portLevelMtls) ? (((has(self.selector) && has(self.selector.matchLabels)) ? self.selector.matchLabels : {}).size() > 0) : true") {
    return (self) => !has(self, "portLevelMtls") || Object.keys(self.selector?.matchLabels ?? {}).length > 0;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The ajv instance: Kubernetes formats and extension keywords.

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false, strictTuples: false, allowUnionTypes: true });
  const int = (bits: number) => (n: number) => Number.isInteger(n) && n >= -(2 ** (bits - 1)) && n <= 2 ** (bits - 1) - 1;
  ajv.addFormat("int32", { type: "number", validate: int(32) });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat("double", { type: "number", validate: () => true });
  ajv.addFormat("float", { type: "number", validate: () => true });
  ajv.addFormat("byte", { type: "string", validate: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/ });
  ajv.addFormat("date-time", {
    type: "string",
    validate: /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  });
  // Annotations that carry no check of their own once converted (see toAjvSchema).
  for (const keyword of ["x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-list-map-keys"]) {
    ajv.addKeyword({ keyword, schemaType: ["boolean", "array"] });
  }
  ajv.addKeyword({
    keyword: "x-kubernetes-list-type",
    schemaType: "string",
    type: "array",
    errors: true,
    // `map`: items are unique by their map keys; `set`: items are unique.
    compile: (listType: string, parent: AnySchemaObject) => {
      const keys = (parent["x-kubernetes-list-map-keys"] as string[] | undefined) ?? [];
      return function check(data: any[]) {
        if (listType !== "map" && listType !== "set") return true;
        const seen = new Set<string>();
        for (const item of data) {
          const id = listType === "map" ? JSON.stringify(keys.map((k) => item?.[k])) : JSON.stringify(item);
          if (seen.has(id)) {
            (check as any).errors = [{ keyword: "x-kubernetes-list-type", message: `duplicate ${listType} entry ${id}`, params: {} }];
            return false;
          }
          seen.add(id);
        }
        return true;
      };
    },
  });
  ajv.addKeyword({
    keyword: "x-kubernetes-validations",
    schemaType: "array",
    errors: true,
    compile: (rules: { rule: string; message?: string }[]) => {
      const checks = rules.map((r) => ({ ...r, check: celCheck(r.rule) }));
      return function validate(data: any, ctx?: any) {
        const errors: Partial<ErrorObject>[] = [];
        for (const rule of checks) {
          if (!rule.check) {
            unevaluatedSink?.push(`${ctx?.instancePath || "/"} ${rule.rule.replace(/\s+/g, " ")}`);
          } else if (!rule.check(data)) {
            errors.push({ keyword: "x-kubernetes-validations", message: `${rule.message ?? "failed"} (${rule.rule.replace(/\s+/g, " ")})`, params: {} });
          }
        }
        (validate as any).errors = errors;
        return errors.length === 0;
      };
    },
  });
  return ajv;
}

/** Where the `x-kubernetes-validations` keyword reports rules it cannot evaluate, per validation. */
let unevaluatedSink: string[] | undefined;

const VALUE_KEYWORDS = [
  "type",
  "enum",
  "format",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "required",
  "x-kubernetes-int-or-string",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-validations",
];

/**
 * One CRD structural schema node → a JSON schema that rejects unknown fields. Inside `oneOf`/
 * `anyOf`/`allOf`/`not` (value validations only, by the structural-schema rules) no
 * `additionalProperties` is added: the branches constrain the node their parent already shaped.
 */
export function toAjvSchema(node: Structural, inJunctor = false): SchemaObject {
  const out: SchemaObject = {};
  for (const k of VALUE_KEYWORDS) if (node[k] !== undefined) out[k] = node[k];
  const preserve = node["x-kubernetes-preserve-unknown-fields"] === true;
  if (preserve) out["x-kubernetes-preserve-unknown-fields"] = true;
  if (node.properties) {
    out.properties = Object.fromEntries(Object.entries(node.properties as Record<string, Structural>).map(([k, v]) => [k, toAjvSchema(v)]));
  }
  if (node.additionalProperties !== undefined) {
    out.additionalProperties = typeof node.additionalProperties === "object" ? toAjvSchema(node.additionalProperties) : node.additionalProperties;
  } else if (!inJunctor && !preserve && (node.properties || node.type === "object")) {
    // Unknown fields would be pruned by the API server: strict validation reports them.
    out.additionalProperties = false;
  }
  if (node.items) out.items = toAjvSchema(node.items);
  for (const j of ["oneOf", "anyOf", "allOf"]) if (node[j]) out[j] = (node[j] as Structural[]).map((b) => toAjvSchema(b, true));
  if (node.not) out.not = toAjvSchema(node.not, true);
  if (node["x-kubernetes-int-or-string"] && !node.anyOf && !node.oneOf) out.anyOf = [{ type: "integer" }, { type: "string" }];
  if (node.nullable === true) {
    if (typeof out.type === "string") {
      out.type = [out.type, "null"];
      if (out.enum) out.enum = [...out.enum, null];
    } else {
      return { anyOf: [{ type: "null" }, out] };
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes core types (kubernetes-types) → JSON schema definitions.

const K8S_SCHEMA_ID = "kubernetes";
/** Empty Go structs that carry arbitrary JSON. */
const FREE_FORM = new Set(["runtime.RawExtension", "apiextensions.v1.JSON", "meta.v1.FieldsV1"]);
/** resource.Quantity unmarshals from a JSON string or number. */
const OVERRIDES: Record<string, SchemaObject> = { "api.resource.Quantity": { type: ["string", "number"] } };

interface KubernetesSchemas {
  readonly definitions: Record<string, SchemaObject>;
  /** `<apiVersion>/<kind>` → definition key. */
  readonly kinds: Map<string, string>;
}

function loadKubernetesTypes(): KubernetesSchemas {
  const root = path.dirname(require.resolve("kubernetes-types/package.json"));
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && e.name !== "node_modules") walk(path.join(dir, e.name));
      else if (e.name.endsWith(".d.ts")) files.push(path.join(dir, e.name));
    }
  };
  walk(root);
  const moduleId = (file: string) =>
    path
      .relative(root, file)
      .replace(/\.d\.ts$/, "")
      .split(path.sep)
      .join(".");
  const definitions: Record<string, SchemaObject> = {};
  const kinds = new Map<string, string>();

  for (const file of files) {
    const module = moduleId(file);
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, false);
    const scope = new Map<string, string>();
    for (const st of source.statements) {
      if (ts.isImportDeclaration(st) && st.importClause?.namedBindings && ts.isNamedImports(st.importClause.namedBindings)) {
        const from = path.join(path.dirname(file), (st.moduleSpecifier as ts.StringLiteral).text);
        for (const el of st.importClause.namedBindings.elements) scope.set(el.name.text, `${moduleId(`${from}.d.ts`)}.${(el.propertyName ?? el.name).text}`);
      } else if ((ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) && st.name) {
        scope.set(st.name.text, `${module}.${st.name.text}`);
      }
    }
    const ref = (name: string): SchemaObject => {
      const key = scope.get(name);
      if (!key) throw new Error(`kubernetes-types ${module}: unknown type ${name}`);
      return { $ref: `${K8S_SCHEMA_ID}#/definitions/${key}` };
    };
    const convert = (node: ts.TypeNode): SchemaObject => {
      switch (node.kind) {
        case ts.SyntaxKind.StringKeyword:
          return { type: "string" };
        case ts.SyntaxKind.NumberKeyword:
          return { type: "number" };
        case ts.SyntaxKind.BooleanKeyword:
          return { type: "boolean" };
        case ts.SyntaxKind.AnyKeyword:
        case ts.SyntaxKind.UnknownKeyword:
          return {};
      }
      if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) return { const: node.literal.text };
      if (ts.isParenthesizedTypeNode(node)) return convert(node.type);
      if (ts.isArrayTypeNode(node)) return { type: "array", items: convert(node.elementType) };
      if (ts.isUnionTypeNode(node)) {
        const parts = node.types.map(convert);
        if (parts.every((p) => typeof p.type === "string" && Object.keys(p).length === 1)) return { type: parts.map((p) => p.type) };
        return { anyOf: parts };
      }
      if (ts.isTypeReferenceNode(node)) {
        const name = node.typeName.getText(source);
        if (name === "Array" && node.typeArguments?.length === 1) return { type: "array", items: convert(node.typeArguments[0]) };
        return ref(name);
      }
      if (ts.isTypeLiteralNode(node)) return objectSchema(node.members);
      throw new Error(`kubernetes-types ${module}: unsupported type ${ts.SyntaxKind[node.kind]} ${node.getText(source)}`);
    };
    const objectSchema = (members: ts.NodeArray<ts.TypeElement>): SchemaObject => {
      const properties: Record<string, SchemaObject> = {};
      const required: string[] = [];
      let additional: SchemaObject | false = false;
      for (const m of members) {
        if (ts.isIndexSignatureDeclaration(m) && m.type) additional = convert(m.type);
        else if (ts.isPropertySignature(m) && m.type) {
          const name = ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) ? m.name.text : m.name.getText(source);
          properties[name] = convert(m.type);
          if (!m.questionToken) required.push(name);
        }
      }
      return { type: "object", properties, ...(required.length ? { required } : {}), additionalProperties: additional };
    };

    for (const st of source.statements) {
      if (ts.isInterfaceDeclaration(st)) {
        const key = `${module}.${st.name.text}`;
        definitions[key] = FREE_FORM.has(key) ? {} : objectSchema(st.members);
        const literal = (field: string) => {
          const m = st.members.find((x) => ts.isPropertySignature(x) && x.name.getText(source) === field) as ts.PropertySignature | undefined;
          return m?.type && ts.isLiteralTypeNode(m.type) && ts.isStringLiteral(m.type.literal) ? m.type.literal.text : undefined;
        };
        const apiVersion = literal("apiVersion");
        const kind = literal("kind");
        if (apiVersion && kind) kinds.set(`${apiVersion}/${kind}`, key);
      } else if (ts.isTypeAliasDeclaration(st)) {
        const key = `${module}.${st.name.text}`;
        definitions[key] = OVERRIDES[key] ?? convert(st.type);
      }
    }
  }
  return { definitions, kinds };
}

// ---------------------------------------------------------------------------------------------
// The validator.

interface CrdVersion {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly schema: Structural;
}

export class SchemaValidator {
  private readonly ajv = newAjv();
  private readonly k8s: KubernetesSchemas;
  private readonly crds = new Map<string, CrdVersion>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(crdFile: string = ISTIO_CRDS) {
    this.k8s = loadKubernetesTypes();
    this.ajv.addSchema({ $id: K8S_SCHEMA_ID, definitions: this.k8s.definitions });
    for (const doc of parseAllDocuments(fs.readFileSync(crdFile, "utf8"))) {
      const crd = doc.toJS();
      if (crd?.kind !== "CustomResourceDefinition") continue;
      for (const v of crd.spec.versions) {
        if (!v.served) continue;
        this.crds.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, {
          group: crd.spec.group,
          version: v.name,
          kind: crd.spec.names.kind,
          schema: v.schema.openAPIV3Schema,
        });
      }
    }
  }

  /** `apiVersion/kind` pairs the CRD fixture serves, e.g. `networking.istio.io/v1/DestinationRule`. */
  customKinds(): string[] {
    return [...this.crds.keys()];
  }

  isCustomKind(apiVersion: string, kind: string): boolean {
    return this.crds.has(`${apiVersion}/${kind}`);
  }

  isCoreKind(apiVersion: string, kind: string): boolean {
    return this.k8s.kinds.has(`${apiVersion}/${kind}`);
  }

  private validator(apiVersion: string, kind: string): ValidateFunction {
    const id = `${apiVersion}/${kind}`;
    let fn = this.compiled.get(id);
    if (fn) return fn;
    const crd = this.crds.get(id);
    if (crd) {
      const body = toAjvSchema(crd.schema);
      fn = this.ajv.compile({
        ...body,
        type: "object",
        required: [...new Set(["apiVersion", "kind", "metadata", ...((body.required as string[]) ?? [])])],
        properties: {
          apiVersion: { const: apiVersion },
          kind: { const: kind },
          metadata: { $ref: `${K8S_SCHEMA_ID}#/definitions/meta.v1.ObjectMeta` },
          ...body.properties,
        },
        additionalProperties: false,
      });
    } else {
      const key = this.k8s.kinds.get(id);
      if (!key) throw new Error(`no schema for ${id}: neither a served CRD version of the fixture nor a Kubernetes API type`);
      fn = this.ajv.compile({
        allOf: [{ $ref: `${K8S_SCHEMA_ID}#/definitions/${key}` }, { required: ["apiVersion", "kind", "metadata"] }],
      });
    }
    this.compiled.set(id, fn);
    return fn;
  }

  /** Validates one object (`apiVersion`, `kind`, `metadata`, …) strictly against its schema. */
  validate(object: Json | object): ValidationResult {
    const o = object as { apiVersion?: string; kind?: string };
    if (typeof o?.apiVersion !== "string" || typeof o.kind !== "string") {
      return { valid: false, errors: ["/ apiVersion and kind must be strings"], unevaluated: [] };
    }
    const fn = this.validator(o.apiVersion, o.kind);
    const unevaluated: string[] = [];
    unevaluatedSink = unevaluated;
    try {
      const valid = fn(object) as boolean;
      return { valid, errors: valid ? [] : describe(fn.errors ?? []), unevaluated: [...new Set(unevaluated)] };
    } finally {
      unevaluatedSink = undefined;
    }
  }
}

/** ajv errors as lines, without the noise of `anyOf`/`allOf` summaries when a branch says more. */
function describe(errors: ErrorObject[]): string[] {
  const lines = errors
    .filter((e) => !["anyOf", "allOf", "oneOf", "if"].includes(e.keyword) || errors.length === 1)
    .map((e) => {
      const at = e.instancePath || "/";
      if (e.keyword === "additionalProperties") return `${at} has unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
      if (e.keyword === "required") return `${at} is missing required field "${(e.params as { missingProperty: string }).missingProperty}"`;
      if (e.keyword === "enum") return `${at} must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
      if (e.keyword === "const") return `${at} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
      return `${at} ${e.message}`;
    });
  return [...new Set(lines)];
}

let shared: SchemaValidator | undefined;
/** One validator per test process (parsing the CRDs and the Kubernetes types takes a moment). */
export function schemaValidator(): SchemaValidator {
  return (shared ??= new SchemaValidator());
}
