import * as k8s from "@pulumi/kubernetes";
import { dataClaim } from "../data-claim";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { MESH, PROMETHEUS } from "../../catalog";
import { emitDocuments } from "../artifacts/emit";
import { commonLabels } from "../labels";
import { PlatformArgs } from "../platform";
import { componentSettings } from "../settings";
import { RUNBOOK_FILE, RuleFile, alertRules } from "./rules";
import { monitoringNamespace } from "./monitoring-namespace";
import { ISTIO_CERTS_DIR, clusterDiscoveryRules, discoveries, discoveryRules, prometheusConfig } from "./scrape-config";
import { createdNamespaces } from "../namespace";
import { httpProbe, platformWorkload } from "../platform-workload";
import { Alertmanager, AlertmanagerSettings, alertmanagerSettingsSchema } from "../alertmanager";
import { Grafana } from "../grafana";
import { KubeStateMetrics } from "../kube-state-metrics";

export { AlertRule, RecordingRule, RuleFile, RuleGroup, alertRules, isAlert } from "./rules";
export { DISCOVERY_VERBS, clusterDiscoveryRules, discoveries, discoveryRules, prometheusConfig } from "./scrape-config";

/** `microservices-ecosystem:prometheus`, validated and with its defaults. */
export interface PrometheusSettings {
  /** How long the TSDB keeps samples (`--storage.tsdb.retention.time`). */
  readonly retention: string;
  /** Its Alertmanager's receivers. */
  readonly alertmanager: AlertmanagerSettings;
  /** Where docs/alerts.md is served: each alert's runbook_url is `<runbookBaseUrl>#<alert>`. */
  readonly runbookBaseUrl: string;
}

const settingsSchema = (environment: "dev" | "prod") => ({
  type: "object",
  additionalProperties: false,
  properties: {
    retention: { type: "string", pattern: "^[0-9]+(ms|s|m|h|d|w|y)$", default: PROMETHEUS.sizing[environment].retention },
    alertmanager: alertmanagerSettingsSchema,
    runbookBaseUrl: { type: "string", minLength: 1, default: RUNBOOK_FILE },
  },
});

const NAME = "prometheus";
const CONFIG_DIR = "/etc/prometheus/config";
const CONFIG_FILE = "prometheus.yml";
const RULES_FILE = "alerting_rules.yml";
const DATA_DIR = "/prometheus";
/** The image's `nobody` user. */
const PROMETHEUS_UID = 65534;

/**
 * Prometheus in the `monitoring` namespace: a Deployment of the upstream image (its TSDB on a claim) with the scrape
 * config derived from the spec's prometheus_config.yaml and the alert rules of
 * service_metrics.json, each mounted from a ConfigMap; a ServiceAccount with list/watch on exactly
 * the resources its Kubernetes discovery reads, in exactly the namespaces it reads them in.
 */
export class Prometheus extends pulumi.ComponentResource {
  readonly settings: PrometheusSettings;
  readonly config: Record<string, unknown>;
  readonly rules: RuleFile;
  /** Where its alerts go. */
  readonly alertmanager: Alertmanager;
  /** Its dashboards. */
  readonly grafana: Grafana;
  /** What it knows of the stack's Kubernetes objects. */
  readonly kubeStateMetrics: KubeStateMetrics;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:Prometheus", name, {}, opts);
    const settings = componentSettings<PrometheusSettings>("prometheus", settingsSchema(args.environment), args.settings);
    this.settings = settings;
    const childOpts = { parent: this, provider: args.provider };
    const meshed = args.components.includes("istio");
    const sizing = PROMETHEUS.sizing[args.environment];
    const namespace = monitoringNamespace(args);
    const labels = { app: NAME, ...commonLabels(NAME, "monitoring") };
    const selector = { app: NAME };

    this.config = prometheusConfig({
      namespace: args.namespaceName,
      environment: args.environment,
      meshed,
      jaeger: args.components.includes("jaeger"),
      eventstore: args.components.includes("eventstore"),
      kong: args.components.includes("kong"),
      postgresql: args.components.includes("postgresql"),
      redis: args.components.includes("redis"),
      // The sidecars' namespaces, and the ingress gateway's (a proxy of its own) where the stack installs it.
      proxyNamespaces: args.namespaces.filter((n) => n.injected || n.name === MESH.install.ingressNamespace).map((n) => n.name),
      stateMetricsNamespaces: args.namespaces.map((n) => n.name),
    });
    const jobs = (this.config.scrape_configs as { job_name: string }[]).map((j) => j.job_name);
    this.rules = alertRules(jobs, settings.runbookBaseUrl);
    const configText = stringify(this.config, { lineWidth: 0 });
    const rulesText = stringify(this.rules, { lineWidth: 0 });

    // Kubernetes service discovery authenticates with the ServiceAccount's token; one Role per discovered
    // namespace, bound there only: no cluster-wide read access.
    const serviceAccountName = PROMETHEUS.serviceAccount;
    // A namespace the stack creates is named through its resource, so that the Role waits for it.
    const namespaceOf = (ns: string): pulumi.Input<string> =>
      ns === args.namespaceName ? args.namespace : ns === PROMETHEUS.namespace ? namespace : (createdNamespaces(args.provider).get(ns)?.metadata.name ?? ns);
    const found = discoveries(this.config);
    const bindings: pulumi.Resource[] = [...discoveryRules(found)].map(([ns, rules]) => {
      const roleName = `${NAME}-discovery`;
      const role = new k8s.rbac.v1.Role(
        `${roleName}-${ns}`,
        {
          metadata: { name: roleName, namespace: namespaceOf(ns), labels },
          rules,
        },
        childOpts,
      );
      return new k8s.rbac.v1.RoleBinding(
        `${roleName}-${ns}`,
        {
          metadata: { name: roleName, namespace: namespaceOf(ns), labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
          subjects: [{ kind: "ServiceAccount", name: serviceAccountName, namespace }],
        },
        childOpts,
      );
    });
    // The kubelets' metrics (cAdvisor) are a node's: the one cluster-wide grant, nodes and nodes/metrics only.
    const clusterRules = clusterDiscoveryRules(found);
    if (clusterRules.length > 0) {
      const clusterRoleName = `${NAME}-${PROMETHEUS.namespace}-nodes`;
      const clusterRole = new k8s.rbac.v1.ClusterRole(clusterRoleName, { metadata: { name: clusterRoleName, labels }, rules: clusterRules }, childOpts);
      bindings.push(
        new k8s.rbac.v1.ClusterRoleBinding(
          clusterRoleName,
          {
            metadata: { name: clusterRoleName, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: serviceAccountName, namespace }],
          },
          childOpts,
        ),
      );
    }

    // The TSDB on a claim: it outlives the pod (and, on prod, `pulumi destroy`).
    const data = dataClaim(
      { name: `${NAME}-data`, namespace, labels, storage: sizing.storage, storageClass: args.storageClass, environment: args.environment },
      childOpts,
    );

    const meshAnnotations: Record<string, string> = meshed
      ? {
          // Istio's setup for scraping under STRICT mTLS: the sidecar writes Prometheus's workload
          // certificate to a shared volume and leaves Prometheus's outbound traffic alone; Prometheus
          // presents that certificate to the scraped sidecars. Inbound traffic stays captured: STRICT
          // mTLS and the AuthorizationPolicies decide who reaches its API and UI.
          "traffic.sidecar.istio.io/includeOutboundIPRanges": "",
          "proxy.istio.io/config": JSON.stringify({ proxyMetadata: { OUTPUT_CERTS: "/etc/istio-output-certs" } }),
          "sidecar.istio.io/userVolumeMount": JSON.stringify([{ name: "istio-certs", mountPath: "/etc/istio-output-certs" }]),
        }
      : {};
    const probe = (path: string) => httpProbe(path, "web", { initialDelaySeconds: 10, timeoutSeconds: 5 });

    platformWorkload(
      {
        name: NAME,
        namespace,
        labels,
        selector,
        serviceAccount: { name: serviceAccountName, automountToken: true },
        uid: PROMETHEUS_UID,
        replicas: sizing.replicas,
        // Its TSDB is the pod's own volume: never two pods scraping and alerting at once.
        singleton: true,
        // Prometheus reads its config and rules at start: a change rolls the pod.
        config: [
          { configMap: `${NAME}-config`, volume: "config", mountPath: CONFIG_DIR, files: { [CONFIG_FILE]: configText } },
          { configMap: `${NAME}-rules`, volume: "rules", mountPath: PROMETHEUS.rulesDir, files: { [RULES_FILE]: rulesText } },
        ],
        podAnnotations: meshAnnotations,
        container: {
          name: NAME,
          image: PROMETHEUS.image,
          args: [
            `--config.file=${CONFIG_DIR}/${CONFIG_FILE}`,
            `--storage.tsdb.path=${DATA_DIR}`,
            `--storage.tsdb.retention.time=${settings.retention}`,
            `--web.listen-address=:${PROMETHEUS.port}`,
          ],
          ports: [{ name: "web", containerPort: PROMETHEUS.port, protocol: "TCP" }],
          readinessProbe: probe("/-/ready"),
          livenessProbe: { ...probe("/-/healthy"), initialDelaySeconds: 30 },
          resources: sizing.resources,
          volumeMounts: [{ name: "data", mountPath: DATA_DIR }, ...(meshed ? [{ name: "istio-certs", mountPath: ISTIO_CERTS_DIR, readOnly: true }] : [])],
        },
        volumes: [
          { name: "data", persistentVolumeClaim: { claimName: data.metadata.name } },
          ...(meshed ? [{ name: "istio-certs", emptyDir: { medium: "Memory" } }] : []),
        ],
        services: [{ name: PROMETHEUS.service, ports: [{ name: "http-web", port: PROMETHEUS.port, targetPort: "web", protocol: "TCP", appProtocol: "http" }] }],
        dependsOn: bindings,
      },
      childOpts,
    );

    this.alertmanager = new Alertmanager("alertmanager", { ...args, alertmanager: settings.alertmanager, monitoringNamespace: namespace }, { parent: this });
    this.grafana = new Grafana("grafana", { ...args, monitoringNamespace: namespace, jobs }, { parent: this });
    this.kubeStateMetrics = new KubeStateMetrics(
      "kube-state-metrics",
      { ...args, monitoringNamespace: namespace, watched: args.namespaces.map((n) => ({ name: n.name, namespace: namespaceOf(n.name) })) },
      { parent: this },
    );

    emitDocuments(this, name, args.artifactsDir, [
      { path: "monitoring/metrics/prometheus_config.yaml", content: PROMETHEUS.config },
      { path: "monitoring/metrics/service_metrics.json", content: PROMETHEUS.serviceMetrics },
    ]);
    this.registerOutputs({});
  }
}
