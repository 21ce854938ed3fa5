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
  liveness: { path: "/health", initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 1 },
  /** `/ready` asks each dependency (up to 800 ms, the runtime's DEPENDENCY_TIMEOUT_MS): 1 s is too tight. */
  readiness: { path: "/ready", initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 3 },
  metricsPath: "/metrics",
  /** Where each service's config files are mounted (the runtime's CONFIG_DIR). */
  configMountPath: "/etc/microservice",
  /** The spec's image names: `microservices/<imageName>:v1.0`. */
  specImage: (imageName: string) => `microservices/${imageName}:v1.0`,
};
