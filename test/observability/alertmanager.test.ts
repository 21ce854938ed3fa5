import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { ALERTMANAGER } from "../../catalog";
import { alertmanagerConfig, credentialKey, receiverPorts, resolveReceivers } from "../../components/alertmanager";
import { renderWithSecrets } from "../data-stores/support";
import { Rendered, render } from "../helpers/render";
import { assertChildrenOf, assertHardenedDeployment } from "./workload-checks";

type Obj = Record<string, any>;
const NS = ALERTMANAGER.namespace;

const configOf = (r: Rendered): Obj => parse((r.object("ConfigMap", "alertmanager-config", NS) as Obj).data["alertmanager.yml"]);
const prometheusConfigOf = (r: Rendered): Obj => parse((r.object("ConfigMap", "prometheus-config", NS) as Obj).data["prometheus.yml"]);

/** The receiver an alert with `labels` reaches, walking the routing tree as Alertmanager does (first match, no `continue`). */
function receiverFor(config: Obj, labels: Record<string, string>): string {
  const matches = (route: Obj) =>
    ((route.matchers ?? []) as string[]).every((m) => {
      const [, name, value] = /^(\w+)="(.*)"$/.exec(m)!;
      return labels[name] === value;
    });
  const child = ((config.route.routes ?? []) as Obj[]).find(matches);
  return (child ?? config.route).receiver;
}

describe("Alertmanager", () => {
  describe("on the dev stack", () => {
    let r: Rendered;
    let config: Obj;
    before(async () => {
      r = await render();
      config = configOf(r);
    });

    it("runs hardened beside Prometheus, a child of the Prometheus component", () => {
      assertChildrenOf(r, "microservices:platform:Alertmanager", ["ServiceAccount", "ConfigMap", "PersistentVolumeClaim", "Deployment", "Service"]);
      const pod = assertHardenedDeployment(r, "alertmanager", NS).spec.template.spec;
      assert.equal(pod.containers[0].image, ALERTMANAGER.image);
      assert.ok(pod.containers[0].args.includes("--cluster.listen-address="), "one replica: no gossip listener");
      const component = r.ofType("microservices:platform:Alertmanager")[0];
      assert.match(component.parent!, /microservices:platform:Prometheus::prometheus$/);
    });

    it("is what Prometheus's alerting discovery keeps: a pod in monitoring with the spec's label and the API port", () => {
      const discovery = prometheusConfigOf(r).alerting.alertmanagers[0];
      const pod = (r.object("Deployment", "alertmanager", "monitoring") as Obj).spec.template;
      assert.deepEqual(discovery.kubernetes_sd_configs[0].namespaces.names, ["monitoring"]);
      for (const rule of discovery.relabel_configs as Obj[]) {
        const [label] = rule.source_labels as string[];
        const value = label.startsWith("__meta_kubernetes_pod_label_")
          ? pod.metadata.labels[label.slice("__meta_kubernetes_pod_label_".length)]
          : pod.spec.containers[0].ports.find((p: Obj) => p.name === rule.regex)?.name;
        assert.equal(value, rule.regex, `${label} keeps the Alertmanager pod`);
      }
      // Under STRICT mTLS Prometheus (whose own traffic bypasses its sidecar) presents its workload certificate.
      assert.equal(discovery.scheme, "https");
      assert.equal(discovery.tls_config.cert_file, prometheusConfigOf(r).scrape_configs[0].tls_config.cert_file);
    });

    it("routes by severity, inhibits a warning under the critical alert of the same name and service, beats apart", () => {
      assert.equal(receiverFor(config, { alertname: "HighErrorBudgetBurn", severity: "critical", service: "order-service" }), "page");
      assert.equal(receiverFor(config, { alertname: "HighErrorBudgetBurn", severity: "warning", service: "order-service" }), "ticket");
      assert.equal(receiverFor(config, { alertname: "Watchdog", severity: "none" }), "heartbeat");
      assert.equal(receiverFor(config, { alertname: "Something", severity: "info" }), "ticket", "an unknown severity still reaches someone");
      assert.deepEqual(config.inhibit_rules, [
        { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "service"] },
      ]);
      const heartbeat = config.route.routes.find((x: Obj) => x.receiver === "heartbeat");
      assert.equal(heartbeat.repeat_interval, "1m", "a dead-man's switch hears the Watchdog every minute");
    });

    it("delivers to the notification service's webhook without any account, and the traffic graph opens exactly that", () => {
      const url = "http://notification-service.microservices.svc.cluster.local:8005/notifications";
      for (const receiver of config.receivers as Obj[])
        assert.deepEqual(
          receiver.webhook_configs.map((w: Obj) => w.url),
          [url],
          receiver.name,
        );
      const policy = r.object("AuthorizationPolicy", "notification-service", "microservices") as Obj;
      const fromAlertmanager = (policy.spec.rules as Obj[]).filter((rule) =>
        (rule.from ?? []).some((f: Obj) => (f.source.principals ?? []).includes("cluster.local/ns/monitoring/sa/alertmanager")),
      );
      assert.deepEqual(
        fromAlertmanager.map((rule) => rule.to),
        [[{ operation: { methods: ["POST"], paths: ["/notifications"], ports: ["8005"] } }]],
      );
    });
  });

  describe("receivers from the stack config", () => {
    const receivers = {
      page: { pagerduty: {} },
      ticket: { slack: { channel: "#microservices-incidents" } },
      heartbeat: { webhook: { url: "https://deadmanssnitch.example/ping" } },
    };

    it("reads each secret from a file of a Secret: none is in the config, the render or a ConfigMap", async () => {
      const r = await renderWithSecrets(
        { prometheus: { alertmanager: { receivers } } },
        { [credentialKey("page")]: "pd-routing-key-0123456789", [credentialKey("ticket")]: "https://hooks.slack.example/T000/B000/XXXX" },
      );
      const config = configOf(r);
      const byName = Object.fromEntries((config.receivers as Obj[]).map((x) => [x.name, x]));
      assert.deepEqual(byName.page.pagerduty_configs, [{ routing_key_file: "/etc/alertmanager/credentials/page", send_resolved: true }]);
      assert.deepEqual(byName.ticket.slack_configs, [
        { api_url_file: "/etc/alertmanager/credentials/ticket", channel: "#microservices-incidents", send_resolved: true },
      ]);
      assert.deepEqual(byName.heartbeat.webhook_configs, [{ url: "https://deadmanssnitch.example/ping", send_resolved: false }]);
      const secret = r.object("Secret", "alertmanager-credentials", "monitoring") as Obj;
      assert.deepEqual(Object.keys(secret.stringData ?? secret.data).sort(), ["page", "ticket"]);
      const pod = (r.object("Deployment", "alertmanager", "monitoring") as Obj).spec.template.spec;
      assert.equal(pod.volumes.find((v: Obj) => v.name === "credentials").secret.defaultMode, 0o440);
      assert.equal(pod.containers[0].volumeMounts.find((m: Obj) => m.name === "credentials").mountPath, "/etc/alertmanager/credentials");
      for (const o of r.objects()) {
        const text = JSON.stringify(o.kind === "Secret" ? { ...o, data: undefined, stringData: undefined } : o);
        assert.ok(!text.includes("pd-routing-key") && !text.includes("hooks.slack.example"), `${o.kind} ${o.metadata.name} holds no receiver secret`);
      }
      // Nothing reaches the notification service any more; Alertmanager leaves the cluster on HTTPS only.
      const egress = (r.object("NetworkPolicy", "alertmanager", "monitoring") as Obj).spec.egress as Obj[];
      assert.deepEqual(
        egress.map((e) => e.ports),
        [[{ protocol: "TCP", port: 443 }]],
      );
      assert.ok(!JSON.stringify(r.object("AuthorizationPolicy", "notification-service", "microservices")).includes("sa/alertmanager"));
    });

    it("a receiver missing its secret, a webhook with two URLs or none, and a plain-text secret are one-line errors naming the key", () => {
      const none = () => undefined;
      const some = () => pulumi.output("s3cret");
      assert.throws(
        () => resolveReceivers({ receivers: { page: { pagerduty: {} } } }, none),
        /^ConfigError: microservices-ecosystem:prometheus\.alertmanager\.receivers\.page\.pagerduty needs the PagerDuty Events v2 integration's routing key: set it with `pulumi config set --secret alertmanagerPageCredential <value>`$/,
      );
      assert.throws(
        () => resolveReceivers({ receivers: { heartbeat: { webhook: {} } } }, none),
        /receivers\.heartbeat\.webhook has no URL: set .*\.url, or the URL as a secret/,
      );
      assert.throws(() => resolveReceivers({ receivers: { heartbeat: { webhook: { url: "https://x.example/" } } } }, some), /are both set: keep one/);
    });

    it("a misspelt receiver or kind is refused by the schema, naming the key", async () => {
      await assert.rejects(
        render({ prometheus: { alertmanager: { receivers: { pager: { pagerduty: {} } } } } }),
        /prometheus\.alertmanager\.receivers has an unknown field "pager"/,
      );
      await assert.rejects(
        render({ prometheus: { alertmanager: { receivers: { page: { opsgenie: {} } } } } }),
        /prometheus\.alertmanager\.receivers\.page has an unknown field "opsgenie"/,
      );
    });

    it("egress ports follow the receivers: HTTPS for PagerDuty and Slack, the smarthost's port for email, the URL's for webhooks", () => {
      const resolved = resolveReceivers(
        {
          receivers: {
            page: { pagerduty: {} },
            ticket: { email: { to: "oncall@company.example", from: "alerts@company.example", smarthost: "smtp.company.example:587" } },
            heartbeat: { webhook: { url: "http://hooks.company.example:8080/beat" } },
          },
        },
        (key) => (key === credentialKey("heartbeat") ? undefined : pulumi.output("x")),
      );
      assert.deepEqual(receiverPorts(resolved), [443, 587, 8080]);
      const config = alertmanagerConfig({ receivers: resolved });
      const email = (config.receivers as Obj[]).find((x) => x.name === "ticket")!.email_configs[0];
      assert.equal(email.auth_password_file, "/etc/alertmanager/credentials/ticket");
      assert.equal(email.require_tls, true);
    });
  });
});
