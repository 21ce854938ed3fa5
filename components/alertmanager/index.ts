import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { ALERTMANAGER, RECEIVERS, kubernetesName } from "../../catalog";
import { dataClaim } from "../data-claim";
import { commonLabels } from "../labels";
import { PlatformArgs } from "../platform";
import { httpProbe, platformWorkload } from "../platform-workload";
import { CREDENTIALS_DIR, alertmanagerConfig, receiverPorts } from "./config";
import { AlertmanagerSettings, ResolvedReceiver, resolveReceivers } from "./settings";

export { AlertmanagerSettings, alertmanagerSettingsSchema, credentialKey, resolveReceivers } from "./settings";
export { CREDENTIALS_DIR, alertmanagerConfig, receiverPorts } from "./config";

const NAME = ALERTMANAGER.workload;
const CONFIG_DIR = "/etc/alertmanager/config";
const CONFIG_FILE = "alertmanager.yml";
const DATA_DIR = "/alertmanager";
/** The image's `nobody` user. */
const ALERTMANAGER_UID = 65534;

/** Where Alertmanager's notifications go: the in-cluster notification service, and ports outside the cluster. */
export interface AlertEgress {
  readonly notificationService: boolean;
  readonly outsidePorts: readonly number[];
}

export interface AlertmanagerArgs extends PlatformArgs {
  readonly alertmanager: AlertmanagerSettings;
  /** The monitoring namespace (Prometheus's). */
  readonly monitoringNamespace: pulumi.Input<string>;
}

/**
 * Alertmanager, beside Prometheus in `monitoring` and in the mesh: one pod labelled as the spec's Prometheus
 * config discovers it, its routing tree and receivers from the stack config (secrets mounted from a Secret and
 * read from files: none is written in the config), silences and the notification log on a claim.
 */
export class Alertmanager extends pulumi.ComponentResource {
  readonly config: Record<string, unknown>;
  readonly configText: string;
  readonly receivers: readonly ResolvedReceiver[];
  readonly egress: AlertEgress;

  constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:Alertmanager", name, {}, opts);
    const childOpts = { parent: this, provider: args.provider };
    const sizing = ALERTMANAGER.sizing[args.environment];
    const namespace = args.monitoringNamespace;
    const labels = { app: NAME, ...ALERTMANAGER.discoveryLabel, ...commonLabels(NAME, "monitoring") };
    const selector = { app: NAME };

    this.receivers = resolveReceivers(args.alertmanager);
    const configured = new Set(this.receivers.map((r) => r.name));
    const sink = args.services.find((s) => s.config.service_name === ALERTMANAGER.devWebhook.service);
    const defaultWebhook = sink
      ? `http://${kubernetesName(sink.config.service_name)}.${args.namespaceName}.svc.cluster.local:${sink.config.port}${ALERTMANAGER.devWebhook.path}`
      : undefined;
    const unset = RECEIVERS.filter((r) => !configured.has(r));
    if (args.environment === "prod" && !configured.has("page")) {
      void pulumi.log.warn(
        `alertmanager: no paging receiver is configured, so critical alerts reach only ${defaultWebhook ?? "nobody"}: set prometheus.alertmanager.receivers.page (README: Alerts)`,
        this,
      );
    }
    this.egress = { notificationService: unset.length > 0 && defaultWebhook !== undefined, outsidePorts: receiverPorts(this.receivers) };
    this.config = alertmanagerConfig({ receivers: this.receivers, defaultWebhook });
    this.configText = stringify(this.config, { lineWidth: 0 });

    const withCredential = this.receivers.filter((r) => r.credential);
    const credentials =
      withCredential.length > 0
        ? new k8s.core.v1.Secret(
            `${NAME}-credentials`,
            {
              metadata: { name: `${NAME}-credentials`, namespace, labels },
              type: "Opaque",
              stringData: Object.fromEntries(withCredential.map((r) => [r.name, pulumi.secret(r.credential!)])),
            },
            childOpts,
          )
        : undefined;

    // Silences and the notification log outlive the pod (and, on prod, `pulumi destroy`).
    const data = dataClaim(
      { name: `${NAME}-data`, namespace, labels, storage: sizing.storage, storageClass: args.storageClass, environment: args.environment },
      childOpts,
    );
    const probe = (path: string) => httpProbe(path, ALERTMANAGER.portName, { timeoutSeconds: 3 });

    platformWorkload(
      {
        name: NAME,
        namespace,
        labels,
        selector,
        uid: ALERTMANAGER_UID,
        replicas: sizing.replicas,
        // One pod owns the claim: never two at once.
        singleton: true,
        // Alertmanager reads its config at start (a reload needs a signal): a change rolls the pod.
        config: [{ configMap: `${NAME}-config`, volume: "config", mountPath: CONFIG_DIR, files: { [CONFIG_FILE]: this.configText } }],
        container: {
          name: NAME,
          image: ALERTMANAGER.image,
          args: [
            `--config.file=${CONFIG_DIR}/${CONFIG_FILE}`,
            `--storage.path=${DATA_DIR}`,
            `--web.listen-address=:${ALERTMANAGER.port}`,
            // One replica: no gossip peers to find (an empty address turns the cluster listener off).
            "--cluster.listen-address=",
          ],
          ports: [{ name: ALERTMANAGER.portName, containerPort: ALERTMANAGER.port, protocol: "TCP" }],
          readinessProbe: probe("/-/ready"),
          livenessProbe: probe("/-/healthy"),
          resources: sizing.resources,
          volumeMounts: [{ name: "data", mountPath: DATA_DIR }, ...(credentials ? [{ name: "credentials", mountPath: CREDENTIALS_DIR, readOnly: true }] : [])],
        },
        volumes: [
          { name: "data", persistentVolumeClaim: { claimName: data.metadata.name } },
          // Readable by the pod's group only (fsGroup).
          ...(credentials ? [{ name: "credentials", secret: { secretName: credentials.metadata.name, defaultMode: 0o440 } }] : []),
        ],
        services: [
          {
            name: NAME,
            ports: [
              { name: `http-${ALERTMANAGER.portName}`, port: ALERTMANAGER.port, targetPort: ALERTMANAGER.portName, protocol: "TCP", appProtocol: "http" },
            ],
          },
        ],
      },
      childOpts,
    );
    this.registerOutputs({});
  }
}
