import { strict as assert } from "assert";
import * as exportedMetrics from "../../catalog/platform/exported-metrics";
import { EXPORTED_METRICS } from "../../catalog/platform/exported-metrics";
import { KubernetesObject } from "../../tools/render/render-output";
import { render } from "../helpers/render";
import { availableMetrics, check, collect, Collected, undescribedJobs, variableExpression } from "./metric-references";
import { metricNames } from "./promql";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

describe("metric existence: every metric a rule or dashboard selects is exported by a scrape target", () => {
  for (const environment of ["dev", "prod"] as const) {
    describe(`on ${environment}`, () => {
      let found: Collected;
      let available: Set<string>;
      before(async () => {
        const r = await render(environment === "prod" ? { environment: "prod" } : {}, {});
        found = collect(r.objects("ConfigMap"));
        const undescribed = undescribedJobs(found.jobs);
        available = await availableMetrics(
          found.jobs.filter((job) => !undescribed.includes(job)),
          found.recorded,
        );
      });

      it("every scrape job of prometheus.yml is described in catalog/platform/exported-metrics.ts", () => {
        assert.ok(found.jobs.includes("microservices"), `jobs found: ${found.jobs.join(", ")}`);
        assert.deepEqual(undescribedJobs(found.jobs), [], "scrape jobs without an entry in EXPORTED_METRICS");
      });

      it("finds the alert rules (the check below is not vacuous)", () => {
        const alerts = found.rules.filter((r) => / alert /.test(r.source));
        assert.ok(alerts.length >= 2, `alert rules found: ${alerts.map((r) => r.source).join(", ")}`);
        for (const name of ["high_error_rate", "high_latency"])
          assert.ok(
            alerts.some((r) => r.source.endsWith(` alert ${name}`)),
            `alert ${name} not found`,
          );
      });

      it("every rule and dashboard expression parses", () => {
        const { unparsable } = check([...found.rules, ...found.dashboards], available);
        assert.deepEqual(unparsable, []);
      });

      it("every metric they select is exported by a job present, synthesized by Prometheus, or recorded", () => {
        const { missing } = check([...found.rules, ...found.dashboards], available);
        assert.deepEqual(missing, [], `metrics nothing exports:\n${missing.join("\n")}`);
      });
    });
  }

  describe("the check itself", () => {
    let runtimeOnly: Set<string>;
    before(async () => {
      runtimeOnly = await availableMetrics(["microservices"]);
    });

    it("passes the current rules over runtime metrics", () => {
      const references = [
        { source: "rules alert high_error_rate", expr: 'rate(http_requests_total{status_code=~"5.."}[5m]) > 0.01' },
        { source: "rules alert high_latency", expr: "histogram_quantile(0.95, rate(http_request_duration_bucket[5m])) > 1" },
      ];
      assert.deepEqual(check(references, runtimeOnly), { unparsable: [], missing: [] });
    });

    it("reports a metric nothing exports", () => {
      const { missing } = check(
        [{ source: "rules alert wrong", expr: "histogram_quantile(0.9, rate(http_request_duration_seconds_bucket[5m]))" }],
        runtimeOnly,
      );
      assert.deepEqual(missing, ["rules alert wrong: http_request_duration_seconds_bucket"]);
    });

    it("reports an expression that does not parse, naming it", () => {
      const { unparsable } = check([{ source: "dashboard d/p", expr: "sum(rate(http_requests_total[5m]) by (route)" }], runtimeOnly);
      assert.equal(unparsable.length, 1);
      assert.match(unparsable[0], /^dashboard d\/p: PromQL syntax error in "sum\(rate\(http_requests_total\[5m\]\) by \(route\)"/);
    });

    it("reports a metric of a job the rendered config does not scrape", async () => {
      const expr = "kube_deployment_status_replicas_available < kube_deployment_spec_replicas";
      assert.deepEqual(check([{ source: "r", expr }], runtimeOnly).missing, [
        "r: kube_deployment_spec_replicas",
        "r: kube_deployment_status_replicas_available",
      ]);
      const withKsm = await availableMetrics(["microservices", "kube-state-metrics"]);
      assert.deepEqual(check([{ source: "r", expr }], withKsm).missing, []);
    });

    it("collects jobs, rules, recording rules and every dashboard query from ConfigMaps", () => {
      const configMap = (name: string, namespace: string, data: Record<string, string>, labels: Record<string, string> = {}): KubernetesObject => ({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name, namespace, labels },
        data,
      });
      const dashboard = {
        uid: "svc",
        templating: {
          list: [
            { name: "service", type: "query", query: { query: "label_values(http_requests_total, service)" } },
            { name: "route", type: "query", query: "label_values(route)" },
            { name: "window", type: "interval", query: "1m,5m" },
          ],
        },
        panels: [
          { title: "Rate", targets: [{ expr: 'sum(rate(http_requests_total{service="$service"}[$__rate_interval]))' }] },
          { title: "Logs", datasource: { type: "loki" }, targets: [{ expr: '{app="x"} |= "error"' }] },
          { type: "row", title: "Row", panels: [{ title: "Nested", targets: [{ expr: "job:http_requests:rate5m" }] }] },
        ],
      };
      const found = collect([
        configMap("prometheus-config", "monitoring", { "prometheus.yml": "scrape_configs:\n  - job_name: microservices\n  - job_name: kong\n" }),
        configMap("rules", "monitoring", {
          "r.yml": "groups:\n  - name: g\n    rules:\n      - record: job:http_requests:rate5m\n        expr: sum(rate(http_requests_total[5m]))\n",
          "notes.txt": "not: [rules",
        }),
        configMap("elsewhere", "default", { "r.yml": "groups: [{name: g, rules: [{alert: a, expr: up == 0}]}]" }),
        configMap("dash", "grafana", { "svc.json": JSON.stringify(dashboard) }, { grafana_dashboard: "1" }),
      ]);
      assert.deepEqual(found.jobs, ["microservices", "kong"]);
      assert.deepEqual(found.recorded, ["job:http_requests:rate5m"]);
      assert.deepEqual(found.rules, [{ source: "rules/r.yml record job:http_requests:rate5m", expr: "sum(rate(http_requests_total[5m]))" }]);
      assert.deepEqual(
        found.dashboards.map((d) => d.source),
        ["dashboard svc/Rate", "dashboard svc/Nested", "dashboard svc/variable service"],
      );
      const available = new Set([...runtimeOnly, ...found.recorded]);
      assert.deepEqual(check([...found.rules, ...found.dashboards], available), { unparsable: [], missing: [] });
    });

    it("counts Prometheus's own series and recording rules as existing", async () => {
      const available = await availableMetrics(["microservices"], ["job:http_requests:rate5m"]);
      const { missing } = check([{ source: "r", expr: 'job:http_requests:rate5m > 1 or up == 0 or ALERTS{alertstate="firing"}' }], available);
      assert.deepEqual(missing, []);
    });
  });

  describe("metricNames", () => {
    it("reads names from selectors, __name__ matchers and plain alternations", () => {
      assert.deepEqual(metricNames('sum by (le) (rate(a_bucket{job="x"}[5m])) / on() group_left b'), ["a_bucket", "b"]);
      assert.deepEqual(metricNames('{__name__="c"} + {__name__=~"d|e", job="x"} + {__name__=~"(?:f|g)"}'), ["c", "d", "e", "f", "g"]);
      assert.deepEqual(metricNames('{"h.i", job="x"} unless {__name__!="j", job="y"}'), ["h.i"]);
      assert.deepEqual(metricNames("info(k)"), ["k", "target_info"]);
    });

    it("refuses a name regex that is not a plain alternation, and a name from a Grafana variable", () => {
      assert.throws(() => metricNames('{__name__=~"kube_.*"}'), /not a plain alternation/);
      assert.throws(() => metricNames('{__name__=~"$metric"}'), /Grafana variable/);
    });

    it("substitutes Grafana's variables before parsing", () => {
      const expr =
        'sum(rate(a_total{service="$service", pod=~"${pod:regex}"}[$__rate_interval])) by (route) / $__range_s + b[${window}] offset $__interval + c @ ${__to:date:seconds}';
      assert.deepEqual(metricNames(expr), ["a_total", "b", "c"]);
    });

    it("reads the PromQL of Grafana's variable queries", () => {
      assert.equal(variableExpression("label_values(route)"), undefined);
      assert.equal(variableExpression('label_values(http_requests_total{job="x"}, route)'), 'http_requests_total{job="x"}');
      assert.equal(variableExpression("query_result(topk(5, up))"), "topk(5, up)");
      assert.equal(variableExpression("up{job=~'.+'}"), "up{job=~'.+'}");
    });
  });

  describe("the exported-metrics catalog", () => {
    it("keeps every list sorted, without duplicates, of valid metric names", () => {
      const lists = Object.entries(exportedMetrics).filter(([, v]) => Array.isArray(v)) as [string, string[]][];
      lists.push(...Object.entries(EXPORTED_METRICS).flatMap(([job, e]) => (e.source === "documented" ? [[job, [...e.metrics]] as [string, string[]]] : [])));
      assert.ok(lists.length > Object.keys(EXPORTED_METRICS).length);
      for (const [name, list] of lists) {
        assert.deepEqual(list, [...new Set(list)].sort(), `${name} is sorted and has no duplicates`);
        for (const metric of list) assert.match(metric, METRIC_NAME, name);
      }
    });

    it("lists every histogram with its _bucket, _sum and _count, and names its reference", () => {
      for (const [job, exported] of Object.entries(EXPORTED_METRICS)) {
        if (exported.source === "runtime") continue;
        assert.ok(exported.reference.length > 0 && exported.metrics.length > 0, job);
        const names = new Set(exported.metrics);
        for (const bucket of exported.metrics.filter((m) => m.endsWith("_bucket"))) {
          const base = bucket.slice(0, -"_bucket".length);
          assert.ok(names.has(`${base}_sum`) && names.has(`${base}_count`), `${job}: ${base} lacks _sum or _count`);
        }
      }
    });
  });
});
