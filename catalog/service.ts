import { SpecDocument } from "./documents";

/** A service's circuit breaker as the spec writes it (timeout in seconds). */
export type CircuitBreaker = {
  readonly failure_threshold: number;
  readonly timeout: number;
  readonly fallback_enabled: boolean;
};

/**
 * One service as its `service_config.json` states it. The catalog keeps the spec's field names
 * so that the file is this object, and every component reads ports, replicas, dependencies and
 * breaker settings from here.
 */
export type ServiceConfig = {
  /** The spec's name, e.g. `user_service`; Kubernetes objects use `kubernetesName()` of it. */
  readonly service_name: string;
  readonly port: number;
  readonly replicas: number;
  readonly status: "configured";
  readonly dependencies: readonly string[];
  readonly database?: string;
  readonly circuit_breaker?: CircuitBreaker;
  readonly caching?: { readonly provider: "redis"; readonly ttl: number };
  readonly health_endpoint?: string;
  readonly metrics_endpoint?: string;
  readonly security?: { readonly [setting: string]: string | number | boolean };
  readonly external_apis?: readonly string[];
  readonly data_sources?: readonly string[];
  readonly processing?: string;
  readonly oauth_providers?: readonly string[];
  readonly providers?: readonly string[];
  readonly templates?: string;
  readonly channels?: readonly string[];
  readonly queue_system?: string;
};

/** A service of the catalog: its config and the other files of its `services/<name>/` folder. */
export interface ServiceEntry {
  readonly config: ServiceConfig;
  /** Files besides `service_config.json`, paths relative to the service's folder. */
  readonly documents: readonly SpecDocument[];
  /** Which spec image the service ships as, e.g. `user` for `microservices/user:v1.0`. */
  readonly imageName: string;
}

/** `user_service` → `user-service`: Kubernetes names cannot contain `_`. */
export const kubernetesName = (specName: string): string => specName.replace(/_/g, "-");
