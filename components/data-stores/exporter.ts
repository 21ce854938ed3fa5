import * as k8s from "@pulumi/kubernetes";
import { StoreExporter } from "../../catalog";
import { httpProbe } from "../platform-workload";
import { containerSecurityContext } from "./common";

/**
 * A data store's Prometheus exporter, as a second container of the store's pod: it reads the store on localhost
 * (never across the network) with the credentials in `env`, and serves /metrics on its named port, where
 * Prometheus scrapes it through the pod's sidecar (mTLS) like every other target. A pod is ready when all its
 * containers are, so its readiness asks only that it listens, and its liveness that its landing page answers (it
 * does whether or not the store does: the store's state is its `*_up` metric); a hung exporter is restarted.
 */
export function exporterContainer(exporter: StoreExporter, env: k8s.types.input.core.v1.EnvVar[]): k8s.types.input.core.v1.Container {
  return {
    name: exporter.container,
    image: exporter.image,
    imagePullPolicy: "IfNotPresent",
    // Both exporters take the Prometheus exporter toolkit's flag.
    args: [`--web.listen-address=:${exporter.port}`],
    env,
    ports: [{ name: exporter.portName, containerPort: exporter.port, protocol: "TCP" }],
    resources: exporter.resources,
    readinessProbe: { tcpSocket: { port: exporter.portName }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    livenessProbe: httpProbe("/", exporter.portName, { initialDelaySeconds: 10, timeoutSeconds: 5 }),
    securityContext: containerSecurityContext,
  };
}
