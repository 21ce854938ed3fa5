import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { ALERTMANAGER, PROMETHEUS } from "../../catalog";
import { SERVICES_JOB } from "../../components/prometheus/rules";
import { ServiceProcess, startService, stopAll } from "../../app/test/harness";
import { USER_SERVICE_CONFIG } from "../../app/test/fixtures";
import { freePort, until } from "../helpers/loopback";
import { render } from "../helpers/render";
import { monitoringBinDir } from "../support/monitoring-tools";

type Obj = Record<string, any>;

// Alerts delivered, live, on loopback: the built Prometheus and Alertmanager run on 127.0.0.1 with the rendered
// rules and routing tree (their discovery replaced by the loopback addresses it would find, nothing else changed),
// Prometheus scrapes one real service-runtime process, the process stops, and its target-down alerts reach a
// local webhook through the receiver of their severity. Minutes long (the rules' `for`, the routes' group_wait):
// `npm run test:alerting`, which .ci/run runs.

const SERVICE = { namespace: "microservices", service: "user-service", pod: "user-service-loopback" };

interface Delivery {
  readonly receiver: string;
  readonly status: string;
  readonly alerts: readonly { labels: Record<string, string>; status: string }[];
}

describe("alerts delivered on loopback", function () {
  this.timeout(420_000);
  let bin: string;
  let work: string;
  let webhook: http.Server;
  const deliveries: Delivery[] = [];
  const children: ChildProcess[] = [];
  let runtime: ServiceProcess;
  let prometheusApi: string;
  /** What Prometheus adds to every alert it sends (global.external_labels). */
  let externalLabels: Record<string, string>;

  const start = (binary: string, args: string[]) => {
    const child = spawn(path.join(bin, binary), args, { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr!.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    children.push(child);
    return () => log;
  };

  before(async function () {
    const dir = monitoringBinDir();
    if (!dir) this.skip();
    bin = dir;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "alert-delivery-"));
    const r = await render({ components: ["prometheus"] });
    const data = (name: string, key: string) => (r.object("ConfigMap", name, PROMETHEUS.namespace) as Obj).data[key] as string;

    webhook = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        deliveries.push(JSON.parse(body) as Delivery);
        res.end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    const webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}${ALERTMANAGER.devWebhook.path}`;

    runtime = await startService({ files: { "service_config.json": USER_SERVICE_CONFIG } });

    const alertmanagerPort = await freePort();
    const routing = parse(data("alertmanager-config", "alertmanager.yml"));
    for (const receiver of routing.receivers as Obj[]) for (const w of receiver.webhook_configs ?? []) w.url = webhookUrl;
    fs.writeFileSync(path.join(work, "alertmanager.yml"), stringify(routing));
    const alertmanagerLog = start("alertmanager", [
      `--config.file=${path.join(work, "alertmanager.yml")}`,
      `--storage.path=${path.join(work, "alertmanager")}`,
      `--web.listen-address=127.0.0.1:${alertmanagerPort}`,
      "--cluster.listen-address=",
    ]);

    const prometheusPort = await freePort();
    const config = parse(data("prometheus-config", "prometheus.yml"));
    externalLabels = config.global.external_labels;
    const rulesDir = path.join(work, "rules");
    fs.mkdirSync(rulesDir);
    fs.writeFileSync(path.join(rulesDir, "alerting_rules.yml"), data("prometheus-rules", "alerting_rules.yml"));
    // Kubernetes discovery, replaced by the loopback targets (and the labels its relabeling gives them).
    const services = (config.scrape_configs as Obj[]).find((j) => j.job_name === SERVICES_JOB)!;
    config.scrape_configs = [
      { job_name: SERVICES_JOB, scrape_interval: config.global.scrape_interval, static_configs: [{ targets: [`127.0.0.1:${runtime.port}`], labels: SERVICE }] },
      { job_name: "prometheus", static_configs: [{ targets: [`127.0.0.1:${prometheusPort}`] }] },
    ];
    assert.equal(services.metrics_path ?? "/metrics", "/metrics");
    config.alerting.alertmanagers = [{ static_configs: [{ targets: [`127.0.0.1:${alertmanagerPort}`] }] }];
    config.rule_files = [path.join(rulesDir, "*.yml")];
    fs.writeFileSync(path.join(work, "prometheus.yml"), stringify(config));
    const prometheusLog = start("prometheus", [
      `--config.file=${path.join(work, "prometheus.yml")}`,
      `--storage.tsdb.path=${path.join(work, "prometheus")}`,
      `--web.listen-address=127.0.0.1:${prometheusPort}`,
    ]);
    prometheusApi = `http://127.0.0.1:${prometheusPort}`;
    const ready = async (url: string) => (await fetch(url).catch(() => undefined))?.ok === true;
    await until(() => ready(`http://127.0.0.1:${alertmanagerPort}/-/ready`), 30_000, `alertmanager ready (${alertmanagerLog()})`);
    await until(() => ready(`${prometheusApi}/-/ready`), 60_000, `prometheus ready (${prometheusLog()})`);
  });

  after(async () => {
    for (const child of children) child.kill("SIGTERM");
    await stopAll();
    await new Promise<void>((resolve) => (webhook ? webhook.close(() => resolve()) : resolve()));
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const query = async (promql: string): Promise<Obj[]> => {
    const reply = (await (await fetch(`${prometheusApi}/api/v1/query?query=${encodeURIComponent(promql)}`)).json()) as Obj;
    return reply.data.result as Obj[];
  };
  const delivered = (receiver: string, alert: string) =>
    deliveries.find((d) => d.receiver === receiver && d.alerts.some((a) => a.labels.alertname === alert && a.status === "firing"));

  it("scrapes the running service, and the Watchdog reaches the heartbeat receiver", async () => {
    await until(async () => (await query(`up{job="${SERVICES_JOB}"} == 1`)).length === 1, 60_000, "the service scraped");
    await until(async () => delivered("heartbeat", "Watchdog") !== undefined, 90_000, "the Watchdog delivered");
    assert.deepEqual(
      deliveries.filter((d) => d.receiver !== "heartbeat").map((d) => d.alerts.map((a) => a.labels.alertname)),
      [],
      "nothing but the Watchdog fires while the service runs",
    );
  });

  it("the service stops: ServiceUnavailable pages, ServiceTargetDown opens a ticket, each with the service's labels", async () => {
    await runtime.stop();
    await until(async () => delivered("page", "ServiceUnavailable") !== undefined, 240_000, "ServiceUnavailable delivered to page");
    const page = delivered("page", "ServiceUnavailable")!.alerts.find((a) => a.labels.alertname === "ServiceUnavailable")!;
    assert.deepEqual(page.labels, {
      alertname: "ServiceUnavailable",
      severity: "critical",
      namespace: SERVICE.namespace,
      service: SERVICE.service,
      ...externalLabels,
    });
    await until(async () => delivered("ticket", "ServiceTargetDown") !== undefined, 180_000, "ServiceTargetDown delivered to ticket");
    const ticket = delivered("ticket", "ServiceTargetDown")!.alerts.find((a) => a.labels.alertname === "ServiceTargetDown")!;
    assert.equal(ticket.labels.severity, "warning");
    assert.equal(ticket.labels.pod, SERVICE.pod);
    assert.equal(ticket.labels.job, SERVICES_JOB);
  });
});
