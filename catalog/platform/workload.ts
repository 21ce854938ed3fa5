/** How every service container runs: the spec manifest's probes and resources. */
export const WORKLOAD = {
  /** The spec manifest's requests and limits: what a service gets on prod. */
  resources: {
    requests: { memory: "256Mi", cpu: "250m" },
    limits: { memory: "512Mi", cpu: "500m" },
  },
  /** A laptop kind cluster runs all 25 service pods: dev requests a tenth (limits stay modest). */
  devResources: {
    requests: { memory: "64Mi", cpu: "25m" },
    limits: { memory: "256Mi", cpu: "250m" },
  },
  liveness: { path: "/health", initialDelaySeconds: 30, periodSeconds: 10 },
  readiness: { path: "/ready", initialDelaySeconds: 5, periodSeconds: 5 },
  metricsPath: "/metrics",
  /** Where each service's config files are mounted (the runtime's CONFIG_DIR). */
  configMountPath: "/etc/microservice",
  /** The spec's image names: `microservices/<imageName>:v1.0`. */
  specImage: (imageName: string) => `microservices/${imageName}:v1.0`,
};
