/** The platform components a stack can compose, in the order the spec introduces them. */
export const PLATFORM_COMPONENTS = ["kong", "istio", "eventstore", "redis", "postgresql", "jaeger", "prometheus", "chaos", "security", "performance"] as const;

export type PlatformComponent = (typeof PLATFORM_COMPONENTS)[number];

/**
 * architecture_config.json as it evolves: the base written before any service exists, the
 * state once the services are configured, and the keys each composed component adds.
 */
export const ARCHITECTURE = {
  base: {
    architecture_version: "2.0",
    communication_pattern: "async_event_driven",
    data_consistency: "eventual",
    fault_tolerance: "circuit_breaker",
    service_discovery: "consul",
    load_balancing: "round_robin",
    tracing: "distributed",
    current_state: "initializing",
  },
  servicesConfiguredState: "services_configured",
  contributions: {
    kong: { api_gateway: "configured" },
    istio: { service_mesh: "active" },
    eventstore: { distributed_data: "configured", event_store: "active" },
    redis: { distributed_data: "configured" },
    postgresql: { distributed_data: "configured", saga_coordinator: "active" },
    jaeger: { monitoring: "active", tracing: "jaeger" },
    prometheus: { monitoring: "active", metrics: "prometheus" },
    chaos: { chaos_engineering: "configured" },
    security: { security: "hardened" },
    performance: { performance: "optimized" },
  } satisfies Record<PlatformComponent, Record<string, string>>,
};
