import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { PROMETHEUS } from "../../catalog";
import { AlertRule, RuleFile, isAlert } from "../../components/prometheus";
import { RUNBOOK_FILE } from "../../components/prometheus/rules";
import { Rendered, render } from "../helpers/render";
import { monitoringBinDir, outputOf, runTool } from "../support/monitoring-tools";
import { ALWAYS_FIRING, RULE_CASES, RuleCase } from "./rule-cases";

type Obj = Record<string, any>;
const NS = PROMETHEUS.namespace;
const ROOT = path.join(__dirname, "..", "..");

const rulesText = (r: Rendered): string => (r.object("ConfigMap", "prometheus-rules", NS) as Obj).data["alerting_rules.yml"];
const configText = (r: Rendered): string => (r.object("ConfigMap", "prometheus-config", NS) as Obj).data["prometheus.yml"];
const alertsOf = (rules: RuleFile): AlertRule[] => rules.groups.flatMap((g) => g.rules.filter(isAlert));

/** The runbook's section anchors, as a Markdown renderer makes them from `## <heading>`. */
function runbookAnchors(): Set<string> {
  const text = fs.readFileSync(path.join(ROOT, RUNBOOK_FILE), "utf8");
  return new Set(
    [...text.matchAll(/^#{2,3} (.+)$/gm)].map((m) =>
      m[1]
        .trim()
        .toLowerCase()
        .replace(/[^\w\s-]/g, "")
        .replace(/\s+/g, "-"),
    ),
  );
}

/** An annotation as Prometheus expands it for an alert with these labels (the rules use only `$labels`). */
const expand = (template: string, labels: Readonly<Record<string, string>>) =>
  template.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? "");

/** promtool's test file for these cases, each alert's annotations expected exactly as its rule writes them. */
function promtoolTests(rulesFile: string, alerts: readonly AlertRule[], cases: readonly RuleCase[]): string {
  const annotationsOf = (alert: string, severity: string) => alerts.find((a) => a.alert === alert && a.labels.severity === severity)!.annotations;
  return stringify({
    rule_files: [rulesFile],
    evaluation_interval: "1m",
    tests: cases.map((c) => ({
      name: `${c.alert} ${c.kind}`,
      interval: "1m",
      input_series: c.series.map((x) => ({ series: x.series, values: x.values })),
      alert_rule_test: [
        {
          eval_time: c.at,
          alertname: c.alert,
          exp_alerts: c.expect.map((labels) => ({
            exp_labels: labels,
            exp_annotations: Object.fromEntries(Object.entries(annotationsOf(c.alert, labels.severity)).map(([k, v]) => [k, expand(v, labels)])),
          })),
        },
      ],
    })),
  });
}

describe("alert rules", function () {
  this.timeout(120_000);
  const renders: Record<string, Rendered> = {};
  let rules: RuleFile;
  let alerts: AlertRule[];
  before(async () => {
    renders.dev = await render();
    renders.prod = await render({ environment: "prod" });
    rules = parse(rulesText(renders.dev)) as RuleFile;
    alerts = alertsOf(rules);
  });

  it("at least 25 alerts, each with a severity, a summary, a description and a runbook section that exists", () => {
    assert.ok(alerts.length >= 25, `${alerts.length} alerts`);
    const anchors = runbookAnchors();
    for (const a of alerts) {
      assert.ok(["critical", "warning", "none"].includes(a.labels.severity), `${a.alert}: severity ${a.labels.severity}`);
      assert.ok(a.annotations.summary.length > 10 && a.annotations.description.length > a.annotations.summary.length, `${a.alert}: summary and description`);
      const [file, anchor] = a.annotations.runbook_url.split("#");
      assert.equal(file, RUNBOOK_FILE, `${a.alert}: runbook_url under the stack's runbookBaseUrl`);
      assert.ok(anchors.has(anchor), `${a.alert}: ${RUNBOOK_FILE} has a section #${anchor}`);
      for (const [key, text] of Object.entries(a.annotations)) assert.doesNotMatch(text, /\$value/, `${a.alert}.${key} uses only $labels`);
    }
    assert.equal(new Set(alerts.map((a) => `${a.alert}/${a.labels.severity}`)).size, alerts.length, "one rule per alert name and severity");
  });

  it("every alert that names a job names one Prometheus scrapes, and every job has a target-down alert or is Prometheus itself", () => {
    const jobs = new Set((parse(configText(renders.dev)).scrape_configs as Obj[]).map((j) => j.job_name as string));
    for (const rule of rules.groups.flatMap((g) => g.rules)) {
      for (const [, job] of rule.expr.matchAll(/job="([^"]+)"/g)) assert.ok(jobs.has(job), `${rule.expr} names job ${job}`);
    }
    const downAlerts = alerts.filter((a) => /^(sum by \([^)]*\) \()?up\{job="[^"]+"\}\)? == 0$/.test(a.expr));
    const covered = new Set(downAlerts.map((a) => /job="([^"]+)"/.exec(a.expr)![1]));
    // Prometheus cannot report itself down: the Watchdog's silence at the heartbeat receiver does.
    assert.deepEqual(
      [...jobs].filter((j) => !covered.has(j) && j !== "prometheus"),
      [],
    );
  });

  it("the runbook base URL is configurable, and a job's alerts go with the job (no Jaeger: no Jaeger alerts)", async () => {
    const r = await render({ components: ["istio", "prometheus"], prometheus: { runbookBaseUrl: "https://git.example/ops/blob/main/docs/alerts.md" } });
    const own = alertsOf(parse(rulesText(r)) as RuleFile);
    assert.ok(own.every((a) => a.annotations.runbook_url.startsWith("https://git.example/ops/blob/main/docs/alerts.md#")));
    assert.deepEqual(
      own.filter((a) => a.alert.startsWith("Jaeger")),
      [],
    );
    assert.ok(own.some((a) => a.alert === "AlertmanagerDown"));
  });

  it("every alert has a promtool case in which it fires with its labels, and one in which it stays silent", () => {
    for (const a of alerts) {
      const fires = RULE_CASES.some((c) => c.alert === a.alert && c.kind === "fires" && c.expect.some((l) => l.severity === a.labels.severity));
      assert.ok(fires, `${a.alert} (${a.labels.severity}) has a firing case`);
      if (!ALWAYS_FIRING.includes(a.alert))
        assert.ok(
          RULE_CASES.some((c) => c.alert === a.alert && c.kind === "silent"),
          `${a.alert} has a silent case`,
        );
    }
    for (const c of RULE_CASES) {
      assert.ok(
        alerts.some((a) => a.alert === c.alert),
        `the case ${c.alert} ${c.kind} tests an alert that exists`,
      );
      assert.equal(c.kind === "silent", c.expect.length === 0, `${c.alert} ${c.kind}`);
    }
  });

  describe("with promtool (MONITORING_BIN_DIR)", () => {
    let bin: string;
    let work: string;
    before(function () {
      const dir = monitoringBinDir();
      if (!dir) this.skip();
      bin = dir;
      work = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
    });
    after(() => work && fs.rmSync(work, { recursive: true, force: true }));

    it("promtool check config (syntax: the mesh's certificate files exist only in the pod) and check rules pass on dev and prod", () => {
      for (const [stack, r] of Object.entries(renders)) {
        const config = path.join(work, `${stack}-prometheus.yml`);
        const rulesFile = path.join(work, `${stack}-rules.yml`);
        fs.writeFileSync(config, configText(r));
        fs.writeFileSync(rulesFile, rulesText(r));
        const checkConfig = runTool(bin, "promtool", ["check", "config", "--syntax-only", config]);
        assert.equal(checkConfig.status, 0, `${stack}: ${outputOf(checkConfig)}`);
        const checkRules = runTool(bin, "promtool", ["check", "rules", rulesFile]);
        assert.equal(checkRules.status, 0, `${stack}: ${outputOf(checkRules)}`);
        assert.match(checkRules.stdout, /SUCCESS: \d+ rules found/);
      }
    });

    it("promtool test rules: every case passes", () => {
      const rulesFile = path.join(work, "rules.yml");
      fs.writeFileSync(rulesFile, rulesText(renders.dev));
      const tests = path.join(work, "tests.yml");
      fs.writeFileSync(tests, promtoolTests(rulesFile, alerts, RULE_CASES));
      const run = runTool(bin, "promtool", ["test", "rules", tests], 120_000);
      assert.equal(run.status, 0, outputOf(run));
      assert.match(run.stdout, /SUCCESS/);
    });

    it("and fails when a case expects what the rule does not do (a label, a silent alert)", () => {
      const rulesFile = path.join(work, "rules.yml");
      fs.writeFileSync(rulesFile, rulesText(renders.dev));
      const firing = RULE_CASES.find((c) => c.alert === "ServiceUnavailable" && c.kind === "fires")!;
      const wrongLabel: RuleCase = { ...firing, expect: [{ ...firing.expect[0], service: "user-service" }] };
      const silent = RULE_CASES.find((c) => c.alert === "high_error_rate" && c.kind === "silent")!;
      const notSilent: RuleCase = { ...firing, kind: "silent", expect: [] };
      for (const broken of [
        wrongLabel,
        { ...silent, series: RULE_CASES.find((c) => c.alert === "high_error_rate" && c.kind === "fires")!.series },
        notSilent,
      ]) {
        const tests = path.join(work, "broken.yml");
        fs.writeFileSync(tests, promtoolTests(rulesFile, alerts, [broken]));
        const run = runTool(bin, "promtool", ["test", "rules", tests]);
        assert.notEqual(run.status, 0, `${broken.alert} ${broken.kind} must fail: ${outputOf(run)}`);
      }
    });
  });
});
