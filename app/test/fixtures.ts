import * as fs from "fs";
import * as path from "path";

/**
 * Config files as the stack mounts them, read from the repository's copy of the specification
 * (test/fixtures/spec): services/<name>/service_config.json and user_service/api_definition.yaml.
 */
const SPEC = path.join(__dirname, "..", "..", "test", "fixtures", "spec", "microservices_ecosystem");
const specText = (file: string): string => fs.readFileSync(path.join(SPEC, file), "utf8");
const specJson = (file: string) => JSON.parse(specText(file));
const serviceConfig = (name: string) => specJson(`services/${name}/service_config.json`);

export const USER_SERVICE_CONFIG = serviceConfig("user_service");
export const USER_API_DEFINITION = specText("services/user_service/api_definition.yaml");
export const ORDER_SERVICE_CONFIG = serviceConfig("order_service");
export const PAYMENT_SERVICE_CONFIG = serviceConfig("payment_service");
export const NOTIFICATION_SERVICE_CONFIG = serviceConfig("notification_service");
export const ANALYTICS_SERVICE_CONFIG = serviceConfig("analytics_service");

/** monitoring/metrics/service_metrics.json's http_request_duration buckets. */
export const SPEC_BUCKETS: number[] = specJson("monitoring/metrics/service_metrics.json").metrics.technical_metrics.http_request_duration.buckets;

/** centralized_logging.json's required fields of a structured log line. */
export const REQUIRED_LOG_FIELDS: string[] = specJson("monitoring/logging/centralized_logging.json").structured_logging.required_fields;
