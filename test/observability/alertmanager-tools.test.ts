import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { ALERTMANAGER } from "../../catalog";
import { credentialKey } from "../../components/alertmanager";
import { renderWithSecrets } from "../data-stores/support";
import { freePort, until } from "../helpers/loopback";
import { Rendered, render } from "../helpers/render";
import { monitoringBinDir, outputOf, runTool } from "../support/monitoring-tools";

type Obj = Record<string, any>;

// Alertmanager's own tools on the rendered routing tree: amtool checks the config and walks the routes, and the
// built alertmanager, on 127.0.0.1, shows the inhibition and the heartbeat's delivery.

const configText = (r: Rendered): string => (r.object("ConfigMap", "alertmanager-config", ALERTMANAGER.namespace) as Obj).data["alertmanager.yml"];

describe("Alertmanager's tools on the rendered config", function () {
  this.timeout(120_000);
  let bin: string;
  let work: string;
  let dev: string;
  let configured: string;

  before(async function () {
    const dir = monitoringBinDir();
    if (!dir) this.skip();
    bin = dir;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "alertmanager-tools-"));
    dev = path.join(work, "dev.yml");
    fs.writeFileSync(dev, configText(await render()));
    configured = path.join(work, "configured.yml");
    const receivers = {
      page: { pagerduty: {} },
      ticket: { email: { to: "oncall@company.example", from: "alerts@company.example", smarthost: "smtp.company.example:587", username: "alerts" } },
      heartbeat: { webhook: {} },
    };
    const secrets = Object.fromEntries((["page", "ticket", "heartbeat"] as const).map((r) => [credentialKey(r), `secret-of-${r}`]));
    fs.writeFileSync(configured, configText(await renderWithSecrets({ prometheus: { alertmanager: { receivers } } }, secrets, "prod")));
  });
  after(() => work && fs.rmSync(work, { recursive: true, force: true }));

  it("amtool check-config accepts the dev config and a prod one with PagerDuty, email and a secret webhook", () => {
    for (const file of [dev, configured]) {
      const run = runTool(bin, "amtool", ["check-config", file]);
      assert.equal(run.status, 0, outputOf(run));
      assert.match(run.stdout, /SUCCESS/);
      assert.match(run.stdout, /3 receivers/);
      assert.match(run.stdout, /1 inhibit rules/);
    }
  });

  it("amtool config routes test: each severity reaches its receiver, the Watchdog its own", () => {
    const cases: [string[], string][] = [
      [["alertname=HighErrorBudgetBurn", "severity=critical", "service=order-service"], "page"],
      [["alertname=HighErrorBudgetBurn", "severity=warning", "service=order-service"], "ticket"],
      [["alertname=Watchdog", "severity=none"], "heartbeat"],
      [["alertname=Anything", "severity=info"], "ticket"],
    ];
    for (const file of [dev, configured]) {
      for (const [labels, receiver] of cases) {
        const run = runTool(bin, "amtool", ["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${receiver}`, ...labels]);
        assert.equal(run.status, 0, `${labels.join(" ")} → ${receiver}: ${outputOf(run)}`);
      }
      const wrong = runTool(bin, "amtool", ["config", "routes", "test", `--config.file=${file}`, "--verify.receivers=page", "severity=warning"]);
      assert.notEqual(wrong.status, 0, "the check can fail: a warning does not page");
    }
  });

  describe("alertmanager on 127.0.0.1 with the dev config (its webhook rewritten to a local one)", () => {
    let server: http.Server;
    const deliveries: Obj[] = [];
    let alertmanager: ChildProcess;
    let api: string;

    before(async function () {
      server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          deliveries.push(JSON.parse(body));
          res.end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const webhook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notifications`;
      const config = parse(fs.readFileSync(dev, "utf8"));
      for (const receiver of config.receivers as Obj[]) for (const w of receiver.webhook_configs ?? []) w.url = webhook;
      const local = path.join(work, "local.yml");
      fs.writeFileSync(local, stringify(config));
      const port = await freePort();
      api = `http://127.0.0.1:${port}`;
      alertmanager = spawn(
        path.join(bin, "alertmanager"),
        [`--config.file=${local}`, `--storage.path=${path.join(work, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      await until(async () => (await fetch(`${api}/-/ready`).catch(() => undefined))?.ok === true, 30_000, "alertmanager ready");
    });
    after(async () => {
      alertmanager?.kill("SIGTERM");
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    });

    it("a firing critical alert inhibits the warning of the same alert and service, not another service's", async () => {
      const labels = (severity: string, service: string) => ({ alertname: "HighErrorBudgetBurn", severity, service, namespace: "microservices" });
      const post = await fetch(`${api}/api/v2/alerts`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify([
          { labels: labels("critical", "order-service") },
          { labels: labels("warning", "order-service") },
          { labels: labels("warning", "user-service") },
        ]),
      });
      assert.equal(post.status, 200);
      let alerts: Obj[] = [];
      await until(async () => {
        alerts = (await (await fetch(`${api}/api/v2/alerts`)).json()) as Obj[];
        return alerts.some((a) => a.status.inhibitedBy.length > 0);
      }, 20_000);
      const state = (severity: string, service: string) =>
        alerts.find((a) => a.labels.severity === severity && a.labels.service === service)!.status.state as string;
      assert.equal(state("warning", "order-service"), "suppressed");
      assert.equal(state("critical", "order-service"), "active");
      assert.equal(state("warning", "user-service"), "active");
    });

    it("delivers the Watchdog through the heartbeat receiver at once", async () => {
      await fetch(`${api}/api/v2/alerts`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify([{ labels: { alertname: "Watchdog", severity: "none" } }]),
      });
      await until(async () => deliveries.some((d) => d.receiver === "heartbeat"), 20_000);
      const beat = deliveries.find((d) => d.receiver === "heartbeat")!;
      assert.deepEqual(
        beat.alerts.map((a: Obj) => a.labels.alertname),
        ["Watchdog"],
      );
      assert.equal(beat.status, "firing");
    });
  });
});
