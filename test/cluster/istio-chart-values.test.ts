import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import { istioChartOf } from "../../policies/src/lib/helm";
import { render } from "../helpers/render";

type Values = Record<string, unknown>;
const RELEASE = "kubernetes:helm.sh/v3:Release";
const isMap = (v: unknown): v is Values => Boolean(v) && typeof v === "object" && !Array.isArray(v);

/** A chart's defaults as its templates see them: Istio's charts keep them under `_internal_defaults_do_not_set`. */
function chartDefaults(chartDir: string): Values {
  const { _internal_defaults_do_not_set: internal, ...rest } = parse(fs.readFileSync(path.join(chartDir, "values.yaml"), "utf8")) as Values;
  return { ...(isMap(internal) ? internal : {}), ...rest };
}

/**
 * The value paths a chart does not declare. A key must exist where the chart's default is a non-empty
 * map, unless the chart's schema leaves that map open (an object schema without properties: labels,
 * annotations); below an empty map, a list or a scalar the value is the chart's to take as a whole.
 * `global` is open in a schema (umbrella charts share it) but a chart reads only the globals it declares.
 */
function undeclared(values: Values, defaults: Values, schema: Values | undefined, at = ""): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const where = at ? `${at}.${key}` : key;
    const keySchema = (schema?.properties as Values | undefined)?.[key] as Values | undefined;
    const open = where !== "global" && keySchema?.type === "object" && keySchema.properties === undefined;
    if (!(key in defaults) && !keySchema) {
      out.push(where);
      continue;
    }
    const fallback = defaults[key];
    // A container's `resources` is rendered whole by the charts' resources helpers (limits and requests of any resource).
    if (key === "resources" && isMap(value))
      out.push(
        ...Object.keys(value)
          .filter((k) => !["limits", "requests"].includes(k))
          .map((k) => `${where}.${k}`),
      );
    else if (!open && isMap(value) && isMap(fallback) && Object.keys(fallback).length > 0) out.push(...undeclared(value, fallback, keySchema, where));
  }
  return out;
}

/** A chart's values.schema.json, if it ships one. */
function schemaFile(chartDir: string): Values | undefined {
  const file = path.join(chartDir, "values.schema.json");
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Values) : undefined;
}

/** The object schema of a chart's values, if it ships one. */
const valuesSchema = (schema: Values | undefined): Values | undefined => ((schema?.$defs as Values | undefined)?.values as Values | undefined) ?? schema;
const chartSchema = (chartDir: string): Values | undefined => valuesSchema(schemaFile(chartDir));

/**
 * Istio's charts read only the values they declare: an undeclared key is ignored without a word (the
 * istiod chart of 1.22+ ignores the IstioOperator's `pilot:` layout, which once left istiod at the
 * chart's sizes and autoscaling). Every value each stack passes must be one the pinned chart declares;
 * the gateway chart also ships a JSON schema, which its values must pass.
 */
describe("Istio's Helm values: every value the stacks pass is one the pinned chart reads", function () {
  this.timeout(300_000);
  let charts: string;

  before(() => {
    const root = path.join(__dirname, "..", "..");
    charts = execFileSync("bash", [path.join(root, "scripts", "engine.sh"), "istio-charts"], { encoding: "utf8" })
      .trim()
      .split("\n")
      .pop()!;
  });

  const stacks: [string, Record<string, unknown>][] = [
    ["dev", {}],
    ["dev without webhooks (the cluster lane's)", { istio: { webhooks: false } }],
    ["prod", { environment: "prod" }],
  ];
  for (const [label, overrides] of stacks) {
    it(label, async () => {
      const releases = (await render(overrides)).ofType(RELEASE);
      assert.ok(releases.length >= 2, `${label}: renders the Istio releases`);
      for (const release of releases) {
        const chart = istioChartOf(release.inputs);
        assert.ok(chart, `${release.name} is one of Istio's charts`);
        const dir = path.join(charts, chart);
        const values = (release.inputs.values ?? {}) as Values;
        const schema = schemaFile(dir);
        assert.deepEqual(undeclared(values, chartDefaults(dir), valuesSchema(schema)), [], `${release.name}: values the ${chart} chart does not declare`);
        if (schema) {
          const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
          assert.ok(validate(values), `${release.name}: ${JSON.stringify(validate.errors)}`);
        }
      }
    });
  }

  it("catches an undeclared key (the `pilot:` layout), a key below a declared map, a misspelt resources block and a global the chart does not read", () => {
    const istiod = chartDefaults(path.join(charts, "istiod"));
    assert.deepEqual(
      undeclared(
        { pilot: { replicaCount: 2 }, autoscaleMin: 2, resources: { limits: {}, limit: {} }, global: { proxy: { resourcez: {} } } },
        istiod,
        undefined,
      ),
      ["pilot", "resources.limit", "global.proxy.resourcez"],
    );
    const gateway = path.join(charts, "gateway");
    const values = { labels: { istio: "ingress" }, global: { hub: "docker.io/istio" }, autoscaling: { min: 2 } };
    assert.deepEqual(undeclared(values, chartDefaults(gateway), chartSchema(gateway)), ["global.hub", "autoscaling.min"]);
  });
});
