import { strict as assert } from "assert";
import { BREAKER_STATE_VALUES } from "../../app/src/metrics";
import { REPORTS } from "../../catalog";
import { EXPORTED_METRICS } from "../../catalog/platform/exported-metrics";
import { PROMETHEUS_DATASOURCE_UID, ProvisionedDashboard, dashboards } from "../../components/grafana/dashboards";
import { RUNBOOK_FILE, alertRules, isAlert } from "../../components/prometheus/rules";
import { availableMetrics, variableExpression } from "./metric-references";
import { metricNames } from "./promql";

type Obj = Record<string, any>;

/** What a dashboard may select: the names the scraped jobs export (and Prometheus writes), and the recorded ones. */
interface Known {
  readonly exported: ReadonlySet<string>;
  readonly recorded: ReadonlySet<string>;
}

const ALL_JOBS = Object.keys(EXPORTED_METRICS);
const TODAY_JOBS = ["microservices", "prometheus", "alertmanager", "jaeger"];
const GRID_WIDTH = 24;
const EXCLUDED_ROUTES = 'route!~"/health|/ready|/metrics"';

async function knownFor(jobs: readonly string[]): Promise<Known> {
  const rules = alertRules(jobs, RUNBOOK_FILE).groups.flatMap((group) => group.rules);
  return {
    exported: await availableMetrics(jobs),
    recorded: new Set(rules.flatMap((rule) => (isAlert(rule) ? [] : [rule.record]))),
  };
}

/** Every panel of a dashboard: the top-level ones (rows included) and those a collapsed row holds. */
function panelsOf(json: Obj): Obj[] {
  return ((json.panels ?? []) as Obj[]).flatMap((panel) => [panel, ...((panel.panels ?? []) as Obj[])]);
}

const isRow = (panel: Obj) => panel.type === "row";
const panelName = (uid: string, panel: Obj) => `${uid}/${String(panel.title ?? `panel ${String(panel.id)}`)}`;

/** Each query of a dashboard, named `<uid>/<panel title>` or `<uid>/variable <name>`, with the datasource it names. */
interface DashboardQuery {
  readonly kind: "panel" | "variable";
  readonly source: string;
  readonly expr: unknown;
  readonly datasource: unknown;
}

function queriesOf(dashboard: ProvisionedDashboard): DashboardQuery[] {
  const queries: DashboardQuery[] = panelsOf(dashboard.json)
    .filter((panel) => !isRow(panel))
    .flatMap((panel) =>
      ((panel.targets ?? []) as Obj[]).map((target) => ({
        kind: "panel",
        source: panelName(dashboard.uid, panel),
        expr: target.expr,
        datasource: target.datasource,
      })),
    );
  for (const variable of ((dashboard.json.templating as Obj | undefined)?.list ?? []) as Obj[]) {
    const query: unknown = typeof variable.query === "object" && variable.query !== null ? (variable.query as Obj).query : variable.query;
    const expr = variable.type === "query" && typeof query === "string" ? variableExpression(query) : undefined;
    if (expr !== undefined)
      queries.push({ kind: "variable", source: `${dashboard.uid}/variable ${String(variable.name)}`, expr, datasource: variable.datasource });
  }
  return queries;
}

const namesPrometheus = (datasource: unknown) => {
  const ref = datasource as Obj | undefined;
  return ref?.type === "prometheus" && ref?.uid === PROMETHEUS_DATASOURCE_UID;
};

/**
 * What is wrong with the dashboards' queries: a panel without a title or targets, a panel or target that does not
 * name the Prometheus datasource by uid, an expression that does not parse, a metric no scraped job exports, a
 * recorded name no recording rule writes.
 */
function queryProblems(provisioned: readonly ProvisionedDashboard[], known: Known): string[] {
  const problems: string[] = [];
  for (const dashboard of provisioned) {
    for (const panel of panelsOf(dashboard.json)) {
      const name = panelName(dashboard.uid, panel);
      if (typeof panel.title !== "string" || panel.title.trim() === "") problems.push(`${name}: no title`);
      if (isRow(panel)) continue;
      if (!namesPrometheus(panel.datasource)) problems.push(`${name}: the panel does not name the Prometheus datasource by uid`);
      const targets = (panel.targets ?? []) as Obj[];
      if (targets.length === 0) problems.push(`${name}: no targets`);
      targets.forEach((target, i) => {
        if (typeof target.expr !== "string" || target.expr.trim() === "") problems.push(`${name}: target ${i} has no PromQL expr`);
      });
    }
    for (const { source, expr, datasource } of queriesOf(dashboard)) {
      if (!namesPrometheus(datasource)) problems.push(`${source}: a query does not name the Prometheus datasource by uid`);
      if (typeof expr !== "string" || expr.trim() === "") continue;
      let names: string[];
      try {
        names = metricNames(expr);
      } catch (e) {
        problems.push(`${source}: ${(e as Error).message}`);
        continue;
      }
      for (const metric of names) {
        if (known.exported.has(metric) || known.recorded.has(metric)) continue;
        const why = metric.includes(":") ? "is written by no recording rule of components/prometheus/rules" : "is exported by no scraped job";
        problems.push(`${source}: ${metric} ${why}`);
      }
    }
  }
  return problems;
}

/** What is wrong with the dashboards' layout: panels outside the 24 columns, two panels overlapping, an open row holding panels, ids repeated. */
function layoutProblems(provisioned: readonly ProvisionedDashboard[]): string[] {
  const problems: string[] = [];
  for (const dashboard of provisioned) {
    const panels = panelsOf(dashboard.json);
    const name = (panel: Obj) => panelName(dashboard.uid, panel);
    for (const panel of panels) {
      const g = panel.gridPos as Obj | undefined;
      const valid = g && [g.x, g.y, g.w, g.h].every(Number.isInteger) && g.x >= 0 && g.y >= 0 && g.w > 0 && g.h > 0 && g.x + g.w <= GRID_WIDTH;
      if (!valid) problems.push(`${name(panel)}: gridPos ${JSON.stringify(g)} is not within the ${GRID_WIDTH} columns`);
      if (isRow(panel) && !panel.collapsed && ((panel.panels ?? []) as Obj[]).length > 0) {
        problems.push(`${name(panel)}: an open row holds panels (Grafana shows only those after it)`);
      }
    }
    for (let i = 0; i < panels.length; i++) {
      for (let j = i + 1; j < panels.length; j++) {
        const [a, b] = [panels[i].gridPos as Obj, panels[j].gridPos as Obj];
        if (!a || !b) continue;
        if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) problems.push(`${name(panels[i])} and ${name(panels[j])} overlap`);
      }
    }
    const ids = panels.map((panel) => panel.id as unknown);
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (repeated.length > 0) problems.push(`${dashboard.uid}: panel ids repeated: ${repeated.join(", ")}`);
  }
  return problems;
}

const exprsOf = (provisioned: readonly ProvisionedDashboard[], kinds = ["panel", "variable"]): string[] =>
  provisioned.flatMap((d) => queriesOf(d).flatMap((q) => (kinds.includes(q.kind) ? [String(q.expr)] : [])));
const byUid = (provisioned: readonly ProvisionedDashboard[], uid: string): ProvisionedDashboard => {
  const found = provisioned.find((d) => d.uid === uid);
  assert.ok(found, `dashboard ${uid}`);
  return found;
};

describe("Grafana dashboards", () => {
  for (const [label, jobs] of [
    ["every described job", ALL_JOBS],
    ["today's jobs", TODAY_JOBS],
  ] as const) {
    describe(`built with ${label} (${jobs.join(", ")})`, () => {
      let built: ProvisionedDashboard[];
      let known: Known;
      before(async () => {
        built = dashboards({ jobs });
        known = await knownFor(jobs);
      });

      it("provisions services, business, infrastructure and ecommerce, with unique uids, one file each", () => {
        const uids = built.map((d) => d.uid);
        assert.deepEqual([...uids].sort(), ["business", "ecommerce", "infrastructure", "services"]);
        assert.equal(new Set(built.map((d) => d.file)).size, built.length);
        for (const d of built) {
          assert.equal(d.json.uid, d.uid);
          assert.equal(d.json.title, d.title);
          assert.equal(d.file, `${d.uid}.json`);
          assert.deepEqual(JSON.parse(JSON.stringify(d.json)), d.json, `${d.uid} is plain JSON`);
        }
        assert.equal(byUid(built, "ecommerce").title, "Ecommerce Microservices Dashboard");
      });

      it("every Grafana link of the runbook names a provisioned dashboard", () => {
        const linked = [...REPORTS.runbook.text.matchAll(/https?:\/\/[^\s)]*\/d\/([A-Za-z0-9_-]+)/g)].map((m) => m[1]);
        assert.ok(linked.length >= 3, `the runbook's dashboard links: ${linked.join(", ")}`);
        const uids = built.map((d) => d.uid);
        for (const uid of linked) assert.ok(uids.includes(uid), `/d/${uid} is one of ${uids.join(", ")}`);
      });

      it("every panel has a title and PromQL targets on the Prometheus datasource; every metric exists, every recorded name is a rule's", () => {
        assert.deepEqual(queryProblems(built, known), []);
        const exprs = exprsOf(built);
        assert.ok(exprs.length >= 40, `queries found: ${exprs.length}`);
        assert.ok(
          exprs.some((e) => e.includes("service:http_request_errors:ratio_rate5m")),
          "the recorded error ratio is used",
        );
        if (jobs.includes("grafana")) {
          const nested = built.flatMap((d) => (d.json.panels as Obj[]).flatMap((p) => (p.panels ?? []) as Obj[]));
          assert.ok(nested.length > 0, "the panels of a collapsed row are among those checked");
        }
      });

      it("the HTTP SLIs leave out the probe and scrape routes", () => {
        const http = exprsOf(built, ["panel"]).filter((e) => metricNames(e).some((n) => /^http_request(s_total|_duration_(bucket|count|sum))$/.test(n)));
        assert.ok(http.length >= 3);
        for (const expr of http) assert.ok(expr.includes(EXCLUDED_ROUTES), expr);
      });

      it("no two panels overlap, every panel lies within the grid, ids are unique", () => {
        assert.deepEqual(layoutProblems(built), []);
      });

      it("a job's panels appear only when the job is scraped", () => {
        const exprs = exprsOf(built);
        for (const job of ALL_JOBS) {
          const selected = exprs.some((e) => e.includes(`job="${job}"`));
          assert.equal(selected, jobs.includes(job), `panels of ${job}`);
        }
        assert.equal(
          exprs.some((e) => metricNames(e).some((n) => n.startsWith("pg_"))),
          jobs.includes("postgres-exporter"),
          "pg_ metrics with postgres-exporter only",
        );
      });
    });
  }

  it("leaving one job out leaves out its infrastructure panels, and only those", () => {
    const titles = (jobs: readonly string[]) => panelsOf(byUid(dashboards({ jobs }), "infrastructure").json).map((p) => String(p.title));
    const all = titles(ALL_JOBS);
    for (const job of ALL_JOBS) {
      const without = titles(ALL_JOBS.filter((j) => j !== job));
      assert.ok(without.length < all.length, `${job} has panels of its own`);
      for (const title of without) assert.ok(all.includes(title), `${title} without ${job}`);
    }
  });

  it("names the circuit breaker states as the runtime sets them", () => {
    const services = byUid(dashboards({ jobs: TODAY_JOBS }), "services");
    const breakers = panelsOf(services.json).filter((p) => ((p.targets ?? []) as Obj[]).some((t) => String(t.expr).includes("circuit_breaker_state")));
    assert.ok(breakers.length >= 1);
    for (const panel of breakers) {
      const options = (panel.fieldConfig.defaults.mappings as Obj[])[0].options as Obj;
      const named = Object.fromEntries(Object.entries(options).map(([value, result]) => [String(result.text).replace("-", "_"), Number(value)]));
      assert.deepEqual(named, { ...BREAKER_STATE_VALUES });
    }
  });

  describe("the checks themselves", () => {
    let known: Known;
    let broken: ProvisionedDashboard;
    before(async () => {
      known = await knownFor(TODAY_JOBS);
      const services = byUid(dashboards({ jobs: TODAY_JOBS }), "services");
      const json = structuredClone(services.json) as Obj;
      const [first, second, third, fourth] = panelsOf(json).filter((p) => !isRow(p));
      first.targets[0].expr = "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))";
      delete second.datasource;
      delete second.targets[0].datasource;
      third.targets[0].expr = "sum(rate(http_requests_total[5m])";
      fourth.targets[0].expr = "service:http_request_errors:ratio_rate2h";
      fourth.gridPos = { ...third.gridPos };
      delete first.title;
      broken = { ...services, json };
    });

    it("passes the real dashboards over the same jobs", () => {
      assert.deepEqual(queryProblems(dashboards({ jobs: TODAY_JOBS }), known), []);
    });

    it("reports an unknown metric, a missing datasource, a syntax error, an unknown recorded name and a missing title", () => {
      const problems = queryProblems([broken], known);
      const has = (pattern: RegExp) =>
        assert.ok(
          problems.some((p) => pattern.test(p)),
          `${String(pattern)} in:\n${problems.join("\n")}`,
        );
      has(/^services\/panel \d+: no title$/);
      has(/: http_request_duration_seconds_bucket is exported by no scraped job$/);
      has(/^services\/5xx error ratio: the panel does not name the Prometheus datasource by uid$/);
      has(/^services\/5xx error ratio: a query does not name the Prometheus datasource by uid$/);
      has(/^services\/Latency p95 \/ p99: PromQL syntax error in "sum\(rate\(http_requests_total\[5m\]\)"/);
      has(/: service:http_request_errors:ratio_rate2h is written by no recording rule of components\/prometheus\/rules$/);
    });

    it("reports overlapping panels", () => {
      assert.deepEqual(
        layoutProblems([broken]).filter((p) => p.endsWith("overlap")),
        ["services/Latency p95 / p99 and services/Requests slower than 300 ms overlap"],
      );
    });

    it("reports a job's metric when the job is not scraped", () => {
      const infrastructure = byUid(dashboards({ jobs: ALL_JOBS }), "infrastructure");
      const problems = queryProblems([infrastructure], known);
      assert.ok(
        problems.some((p) => /: pg_up is exported by no scraped job$/.test(p)),
        problems.join("\n"),
      );
    });
  });
});
