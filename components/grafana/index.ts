import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import { GRAFANA, JAEGER, PROMETHEUS } from "../../catalog";
import { credentialsChecksum } from "../checksum";
import { secretConfig } from "../data-stores/common";
import { commonLabels } from "../labels";
import { PlatformArgs } from "../platform";
import { httpProbe, platformWorkload } from "../platform-workload";
import { JAEGER_DATASOURCE_UID, PROMETHEUS_DATASOURCE_UID, ProvisionedDashboard, dashboards } from "./dashboards";

export { dashboards } from "./dashboards";
export type { ProvisionedDashboard } from "./dashboards";

const NAME = GRAFANA.workload;
const PROVISIONING_DIR = "/etc/grafana/provisioning";
const DASHBOARDS_DIR = "/var/lib/grafana-dashboards";
const DATA_DIR = "/var/lib/grafana";
/** The stack config key of an admin password that replaces the generated one. */
export const ADMIN_PASSWORD_CONFIG_KEY = "grafanaAdminPassword";
const ADMIN_SECRET = "grafana-admin";

export interface GrafanaArgs extends PlatformArgs {
  /** The monitoring namespace (Prometheus's). */
  readonly monitoringNamespace: pulumi.Input<string>;
  /** The jobs Prometheus scrapes: a dashboard's panels of a job that is absent are left out. */
  readonly jobs: readonly string[];
}

/** The data sources Grafana is provisioned with: Prometheus, and Jaeger's query API when Jaeger is composed. */
export function datasources(namespace: string, jaeger: boolean): Record<string, unknown> {
  const host = (service: string, port: number) => `http://${service}.${namespace}.svc.cluster.local:${port}`;
  return {
    apiVersion: 1,
    // Only these: a data source added by hand and not listed here is removed at the next start.
    prune: true,
    datasources: [
      {
        name: "Prometheus",
        uid: PROMETHEUS_DATASOURCE_UID,
        type: "prometheus",
        access: "proxy",
        url: host(PROMETHEUS.service, PROMETHEUS.port),
        isDefault: true,
        editable: false,
        jsonData: { httpMethod: "POST", timeInterval: "15s" },
      },
      ...(jaeger
        ? [{ name: "Jaeger", uid: JAEGER_DATASOURCE_UID, type: "jaeger", access: "proxy", url: host(JAEGER.queryService, JAEGER.queryPort), editable: false }]
        : []),
    ],
  };
}

/**
 * Grafana OSS beside Prometheus: its data sources and dashboards provisioned from ConfigMaps (the dashboards at
 * stable UIDs, so the runbook's links resolve), the admin password generated or from a config secret, anonymous
 * access, sign-up, update checks and plugin downloads off. Its own state (users, preferences) is the pod's:
 * what matters is provisioned again at every start.
 */
export class Grafana extends pulumi.ComponentResource {
  readonly dashboards: readonly ProvisionedDashboard[];

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:Grafana", name, {}, opts);
    const childOpts = { parent: this, provider: args.provider };
    const namespace = args.monitoringNamespace;
    const labels = { app: NAME, ...commonLabels(NAME, "monitoring") };
    const sizing = GRAFANA.sizing[args.environment];
    this.dashboards = dashboards({ jobs: args.jobs });

    const password =
      secretConfig(ADMIN_PASSWORD_CONFIG_KEY) ??
      new random.RandomPassword(`${NAME}-admin-password`, { length: 24, special: false }, { parent: this, additionalSecretOutputs: ["result"] }).result;
    const admin = new k8s.core.v1.Secret(
      ADMIN_SECRET,
      {
        metadata: { name: ADMIN_SECRET, namespace, labels },
        type: "Opaque",
        stringData: { GF_SECURITY_ADMIN_USER: "admin", GF_SECURITY_ADMIN_PASSWORD: pulumi.secret(password) },
      },
      childOpts,
    );

    const dashboardFiles = Object.fromEntries(this.dashboards.map((d) => [d.file, `${JSON.stringify(d.json)}\n`]));
    const provider = {
      apiVersion: 1,
      providers: [
        {
          name: "microservices-ecosystem",
          type: "file",
          disableDeletion: true,
          // Provisioned dashboards are code: an edit in the UI is not saved over them.
          allowUiUpdates: false,
          updateIntervalSeconds: 30,
          options: { path: DASHBOARDS_DIR, foldersFromFilesStructure: false },
        },
      ],
    };
    const env: Record<string, string> = {
      GF_PATHS_DATA: DATA_DIR,
      GF_PATHS_PROVISIONING: PROVISIONING_DIR,
      GF_AUTH_ANONYMOUS_ENABLED: "false",
      GF_USERS_ALLOW_SIGN_UP: "false",
      GF_ANALYTICS_REPORTING_ENABLED: "false",
      GF_ANALYTICS_CHECK_FOR_UPDATES: "false",
      GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: "false",
      GF_NEWS_NEWS_FEED_ENABLED: "false",
      // Grafana 12+ downloads its preinstalled plugins at start: nothing leaves the cluster.
      GF_PLUGINS_PREINSTALL_DISABLED: "true",
      GF_LOG_MODE: "console",
      GF_SERVER_HTTP_PORT: String(GRAFANA.port),
    };
    const secretEnv = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: admin.metadata.name, key } } });

    platformWorkload(
      {
        name: NAME,
        namespace,
        labels,
        selector: { app: NAME },
        uid: GRAFANA.uid,
        replicas: sizing.replicas,
        config: [
          {
            configMap: `${NAME}-datasources`,
            volume: "datasources",
            mountPath: `${PROVISIONING_DIR}/datasources`,
            files: { "datasources.yaml": stringify(datasources(PROMETHEUS.namespace, args.components.includes("jaeger"))) },
          },
          {
            configMap: `${NAME}-dashboard-provider`,
            volume: "dashboard-provider",
            mountPath: `${PROVISIONING_DIR}/dashboards`,
            files: { "provider.yaml": stringify(provider) },
          },
          // Grafana rescans its dashboards folder (updateIntervalSeconds): a changed dashboard needs no restart.
          {
            configMap: `${NAME}-dashboards`,
            volume: "dashboards",
            mountPath: DASHBOARDS_DIR,
            files: dashboardFiles,
            reloaded: true,
            labels: GRAFANA.dashboardLabel,
          },
        ],
        // The admin password is read into the environment at start: a new one rolls the pod.
        podAnnotations: { "checksum/credentials": credentialsChecksum(password) },
        container: {
          name: NAME,
          image: GRAFANA.image,
          env: [
            ...Object.entries(env).map(([key, value]) => ({ name: key, value })),
            secretEnv("GF_SECURITY_ADMIN_USER"),
            secretEnv("GF_SECURITY_ADMIN_PASSWORD"),
          ],
          ports: [{ name: GRAFANA.portName, containerPort: GRAFANA.port, protocol: "TCP" }],
          readinessProbe: httpProbe("/api/health", GRAFANA.portName, { timeoutSeconds: 3 }),
          livenessProbe: { tcpSocket: { port: GRAFANA.portName }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 6 },
          resources: sizing.resources,
          volumeMounts: [
            { name: "data", mountPath: DATA_DIR },
            { name: "tmp", mountPath: "/tmp" },
          ],
        },
        volumes: [
          { name: "data", emptyDir: { sizeLimit: "256Mi" } },
          { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
        ],
        services: [
          { name: NAME, ports: [{ name: `http-${GRAFANA.portName}`, port: GRAFANA.port, targetPort: GRAFANA.portName, protocol: "TCP", appProtocol: "http" }] },
        ],
      },
      childOpts,
    );
    this.registerOutputs({});
  }
}
