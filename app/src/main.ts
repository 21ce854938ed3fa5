import { ConfigError, loadConfig, RuntimeConfig } from "./config";
import { describeError, Logger } from "./logger";
import { Runtime } from "./server";

/** Entry point: `node dist/main.js`. Exit codes: 0 after a shutdown signal, 1 on bad config or a failed listen. */
async function main(): Promise<void> {
  let config: RuntimeConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    const logger = new Logger(process.env.SERVICE_NAME || "unknown", process.env.SERVICE_VERSION || "unknown", "INFO");
    logger.error(err instanceof ConfigError ? `invalid configuration: ${err.message}` : "loading the configuration failed", {
      event: "startup_failed",
      config_dir: process.env.CONFIG_DIR || "/etc/microservice",
      ...(err instanceof ConfigError ? {} : { error: describeError(err) }),
    });
    process.exit(1);
  }

  const logger = new Logger(config.serviceName, config.serviceVersion, config.logLevel);
  process.on("uncaughtException", (err) => logger.error("uncaught exception", { event: "uncaught_exception", error: describeError(err) }));
  process.on("unhandledRejection", (reason) => logger.error("unhandled promise rejection", { event: "unhandled_rejection", error: describeError(reason) }));
  for (const warning of config.warnings) logger.warn(warning, { event: "config_warning" });

  const runtime = new Runtime(config, logger);
  let port: number;
  try {
    port = await runtime.listen();
  } catch (err) {
    logger.error(`cannot listen on port ${config.port}`, { event: "startup_failed", error: describeError(err) });
    process.exit(1);
  }

  const onSignal = (signal: NodeJS.Signals) => {
    runtime
      .shutdown(signal)
      .then((code) => process.exit(code))
      .catch((err) => {
        logger.error("shutdown failed", { error: describeError(err) });
        process.exit(1);
      });
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  logger.info(`${config.serviceName} listening on port ${port}`, {
    event: "listening",
    port,
    host: config.host ?? "*",
    config_dir: config.configDir,
    dependencies: config.dependencies.map((d) => ({ name: d.name, env: d.envVar, url: d.url, problem: d.problem })),
    circuit_breaker: {
      failure_threshold: config.circuitBreaker.failureThreshold,
      reset_timeout_seconds: config.circuitBreaker.resetTimeoutMs / 1000,
      fallback_enabled: config.circuitBreaker.fallbackEnabled,
      source: config.circuitBreaker.source,
    },
    resources: config.resources.map((r) => ({ name: r.name, collection: r.collectionMethods, item: r.itemMethods, source: r.source })),
    backing_services: config.backingServices,
    ready_requires_dependencies: config.readyRequiresDependencies,
    log_level: config.logLevel,
    node_version: process.version,
  });
  if (config.tracing) {
    logger.info("exporting server spans over OTLP/HTTP (JSON)", { event: "tracing", otlp_traces_url: safeUrl(config.tracing.url) });
  } else {
    logger.info("span export is off (no OTEL_EXPORTER_OTLP_ENDPOINT): trace ids are still continued and logged", { event: "tracing" });
  }
}

/** Origin and path only: never log userinfo or query strings. */
function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}`;
  } catch {
    return "(not a URL)";
  }
}

main().catch((err) => {
  new Logger(process.env.SERVICE_NAME || "unknown", process.env.SERVICE_VERSION || "unknown", "INFO").error("startup failed", {
    event: "startup_failed",
    error: describeError(err),
  });
  process.exit(1);
});
