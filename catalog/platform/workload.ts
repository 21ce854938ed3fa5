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
  /**
   * Until `/health` first answers, the startup probe stands in for liveness: up to 60 s (30 × 2 s) for
   * the process to load its config and listen, however slow the node.
   */
  startup: { path: "/health", periodSeconds: 2, timeoutSeconds: 5, failureThreshold: 30 },
  /**
   * Liveness never kills a slow but healthy pod: `npm run bench:probes` (2026-12-05, half a core, the
   * prod CPU limit, with 64 requests in flight) measured /health at p99 152–641 ms and at most 448–1085 ms
   * over three runs; the timeout is three times the slowest answer, rounded up, and three misses in a row
   * (30 s) restart the container. No initial delay: the startup probe holds liveness back until /health answers.
   */
  liveness: { path: "/health", periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
  /** `/ready` asks each dependency (up to 800 ms, the runtime's DEPENDENCY_TIMEOUT_MS): 1 s is too tight. */
  readiness: { path: "/ready", initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 3 },
  metricsPath: "/metrics",
  /**
   * Stopping a pod: the preStop hook waits `drainSeconds` while its endpoint leaves every proxy's
   * rotation (it still serves meanwhile); then SIGTERM: the runtime answers 503 on /ready, stops
   * accepting connections, finishes the requests in flight (at most `timeoutSeconds`) and exits. The grace
   * period covers both, with room to spare.
   */
  shutdown: { drainSeconds: 5, timeoutSeconds: 10, graceSeconds: 20 },
  /** Where each service's config files are mounted (the runtime's CONFIG_DIR). */
  configMountPath: "/etc/microservice",
  /** The spec's image names: `microservices/<imageName>:v1.0`. */
  specImage: (imageName: string) => `microservices/${imageName}:v1.0`,
};
