import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { GATEWAY } from "../../catalog";
import { emitDocuments } from "../artifacts/emit";
import { commonLabels } from "../labels";
import { stackNamespace } from "../namespace";
import { PlatformArgs } from "../platform";
import { KongDeclarativeConfig, kongDeclarativeConfig } from "./declarative-config";
import { KongSettings, kongSettings } from "./settings";
import { gatewaySpecDocuments } from "./spec-documents";
import { kongConfigProblems } from "./validate";
import { disruptionBudget } from "../disruption-budget";
import { httpProbe, platformWorkload } from "../platform-workload";
import { topologySpread } from "../topology-spread";

export { KongDeclarativeConfig, kongDeclarativeConfig, serviceUrl } from "./declarative-config";
export { KongSettings, kongSettings } from "./settings";
export { kongConfigProblems } from "./validate";

const NAME = "kong";
const CONFIG_FILE = "kong.yml";
const CONFIG_DIR = "/kong/declarative";
const PREFIX_DIR = "/kong_prefix";
const TLS_DIR = "/kong/tls";
/** The official image's `kong` user. */
const KONG_UID = 1000;

/**
 * Kong, the API gateway: DB-less Kong (the official image) in its own namespace, running the
 * declarative config generated from the gateway catalog, mounted from a ConfigMap. The proxy is
 * reached through the `kong-proxy` Service (a NodePort on dev); the Admin API is off.
 */
export class KongGateway extends pulumi.ComponentResource {
  readonly settings: KongSettings;
  readonly declarativeConfig: KongDeclarativeConfig;
  readonly namespace: pulumi.Output<string>;
  readonly proxyService: k8s.core.v1.Service;
  /** The container ports Kong's proxy takes the API's clients on. */
  readonly clientPorts: readonly number[];

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microservices:platform:Kong", name, {}, opts);
    const settings = kongSettings(args.environment, args.settings);
    this.settings = settings;
    const tls = settings.tls;
    // The listeners clients reach: HTTPS only with TLS (plus HTTP when it only redirects), else HTTP.
    const listeners = tls
      ? [
          {
            name: "proxy-tls",
            containerPort: GATEWAY.proxyTlsPort,
            servicePort: 443,
            appProtocol: "https",
            listen: `0.0.0.0:${GATEWAY.proxyTlsPort} ssl http2`,
          },
          ...(settings.httpRedirect
            ? [{ name: "proxy", containerPort: GATEWAY.proxyPort, servicePort: 80, appProtocol: "http", listen: `0.0.0.0:${GATEWAY.proxyPort}` }]
            : []),
        ]
      : [{ name: "proxy", containerPort: GATEWAY.proxyPort, servicePort: GATEWAY.proxyPort, appProtocol: "http", listen: `0.0.0.0:${GATEWAY.proxyPort}` }];
    this.clientPorts = listeners.map((l) => l.containerPort);
    const childOpts = { parent: this, provider: args.provider };
    const sizing = GATEWAY.sizing[args.environment];
    const meshed = args.components.includes("istio");
    const labels = { app: NAME, ...commonLabels(NAME, "api-gateway") };
    const selector = { app: NAME };

    if (args.environment === "prod" && !settings.jwtPublicKey) {
      void pulumi.log.warn(
        'kong: kong.jwtPublicKey is not set, so no token verifies and every JWT-protected route answers 401: pulumi config set --path kong.jwtPublicKey -- "$(cat auth-service.pub)"',
        this,
      );
    }
    const config = kongDeclarativeConfig({
      namespace: args.namespaceName,
      services: args.services,
      jwtPublicKey: settings.jwtPublicKey,
      ...(tls ? { tls: { httpRedirect: settings.httpRedirect } } : {}),
    });
    const problems = kongConfigProblems(config);
    if (problems.length > 0) throw new Error(`kong: the generated declarative config is invalid: ${problems.join("; ")}`);
    this.declarativeConfig = config;
    // Kong reads YAML 1.1 (libyaml): quote what a 1.1 reader would retype.
    const configText = stringify(config, { lineWidth: 0, version: "1.1" });

    // Kong's pod needs its sidecar (mTLS to the services): an injected namespace waits for istiod.
    const namespace = stackNamespace(args, GATEWAY.namespace, `${NAME}-namespace`, { parent: this }).metadata.name;
    this.namespace = namespace;

    const env: Record<string, string> = {
      KONG_DATABASE: "off",
      KONG_DECLARATIVE_CONFIG: `${CONFIG_DIR}/${CONFIG_FILE}`,
      KONG_PREFIX: PREFIX_DIR,
      KONG_PROXY_LISTEN: listeners.map((l) => l.listen).join(", "),
      ...(tls ? { KONG_SSL_CERT: `${TLS_DIR}/tls.crt`, KONG_SSL_CERT_KEY: `${TLS_DIR}/tls.key` } : {}),
      KONG_ADMIN_LISTEN: "off",
      KONG_ADMIN_GUI_LISTEN: "off",
      KONG_STATUS_LISTEN: `0.0.0.0:${GATEWAY.statusPort}`,
      KONG_NGINX_WORKER_PROCESSES: String(sizing.nginxWorkers),
      KONG_PROXY_ACCESS_LOG: "/dev/stdout",
      KONG_PROXY_ERROR_LOG: "/dev/stderr",
      KONG_ADMIN_ERROR_LOG: "/dev/stderr",
      KONG_ANONYMOUS_REPORTS: "off",
    };
    const statusProbe = (path: string) => httpProbe(path, GATEWAY.statusPortName, { initialDelaySeconds: 5, timeoutSeconds: 5 });

    const workload = platformWorkload(
      {
        name: NAME,
        namespace,
        labels,
        selector,
        serviceAccount: { name: GATEWAY.serviceAccount },
        uid: KONG_UID,
        replicas: settings.replicas,
        // DB-less Kong reads its config at start only: a new config rolls the pods.
        config: [{ configMap: `${NAME}-declarative-config`, volume: "declarative-config", mountPath: CONFIG_DIR, files: { [CONFIG_FILE]: configText } }],
        checksumAnnotation: "checksum/declarative-config",
        // Inside the mesh Kong is the edge: clients outside the mesh reach its proxy port
        // directly, while its calls to the services leave through the sidecar (mTLS).
        podAnnotations: meshed ? { "traffic.sidecar.istio.io/includeInboundPorts": "" } : {},
        podSpec: { terminationGracePeriodSeconds: 30, topologySpreadConstraints: topologySpread(args.environment, selector, "Deployment") },
        container: {
          name: "proxy",
          image: GATEWAY.image,
          env: Object.entries(env).map(([envName, value]) => ({ name: envName, value })),
          ports: [
            ...listeners.map((l) => ({ name: l.name, containerPort: l.containerPort, protocol: "TCP" })),
            { name: GATEWAY.statusPortName, containerPort: GATEWAY.statusPort, protocol: "TCP" },
          ],
          readinessProbe: statusProbe("/status/ready"),
          livenessProbe: statusProbe("/status"),
          lifecycle: { preStop: { exec: { command: ["kong", "quit", "--wait=15"] } } },
          resources: sizing.resources,
          volumeMounts: [
            { name: "prefix", mountPath: PREFIX_DIR },
            { name: "tmp", mountPath: "/tmp" },
            ...(tls ? [{ name: "tls", mountPath: TLS_DIR, readOnly: true }] : []),
          ],
        },
        volumes: [
          // The certificate and its key, readable by Kong's group only (fsGroup).
          ...(tls ? [{ name: "tls", secret: { secretName: tls.secretName, defaultMode: 0o440 } }] : []),
          { name: "prefix", emptyDir: { sizeLimit: "256Mi" } },
          { name: "tmp", emptyDir: { sizeLimit: "128Mi" } },
        ],
        services: [
          {
            name: GATEWAY.proxyService,
            type: settings.serviceType,
            spec: {
              // Behind a cloud load balancer keep the client's address: rate limits count per client IP.
              // (On kind the node port is mapped on one node, so traffic may need to cross nodes.)
              ...(settings.serviceType === "LoadBalancer" ? { externalTrafficPolicy: "Local" } : {}),
              ...(settings.loadBalancerSourceRanges ? { loadBalancerSourceRanges: [...settings.loadBalancerSourceRanges] } : {}),
            },
            // kind maps its host port to the first listener's node port (kong.nodePort).
            ports: listeners.map((l, i) => ({
              name: `${l.appProtocol}-${l.name}`,
              port: l.servicePort,
              targetPort: l.name,
              protocol: "TCP",
              appProtocol: l.appProtocol,
              ...(settings.serviceType === "NodePort" && i === 0 ? { nodePort: settings.nodePort } : {}),
            })),
          },
        ],
      },
      childOpts,
    );
    this.proxyService = workload.services[0];

    if (settings.replicas > 1) {
      disruptionBudget({ name: NAME, namespace, labels, selector, budget: { minAvailable: 1 } }, childOpts);
    }

    emitDocuments(this, name, args.artifactsDir, gatewaySpecDocuments());
    this.registerOutputs({ namespace, proxyService: this.proxyService.metadata.name });
  }
}
