/** How every service container runs: the spec manifest's probes and resources. */
export const WORKLOAD = {
  resources: {
    requests: { memory: "256Mi", cpu: "250m" },
    limits: { memory: "512Mi", cpu: "500m" },
  },
  liveness: { path: "/health", initialDelaySeconds: 30, periodSeconds: 10 },
  readiness: { path: "/ready", initialDelaySeconds: 5, periodSeconds: 5 },
  metricsPath: "/metrics",
  /** Where each service's config files are mounted (the runtime's CONFIG_DIR). */
  configMountPath: "/etc/microservice",
  /** The spec's image names: `microservices/<imageName>:v1.0`. */
  specImage: (imageName: string) => `microservices/${imageName}:v1.0`,
};
