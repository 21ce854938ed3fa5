import { ARCHITECTURE, PlatformComponent, PLATFORM_COMPONENTS, ServiceEntry } from "../catalog";

/**
 * architecture_config.json for what a stack composes: the base, the service registry once
 * services exist, then each composed component's keys in the spec's order.
 */
export function architectureConfig(services: readonly ServiceEntry[], components: readonly PlatformComponent[]): Record<string, unknown> {
  const config: Record<string, unknown> = { ...ARCHITECTURE.base, total_services: services.length };
  if (services.length > 0) {
    config.current_state = ARCHITECTURE.servicesConfiguredState;
    config.service_registry = Object.fromEntries(services.map(({ config: s }) => [s.service_name, { port: s.port, replicas: s.replicas, status: s.status }]));
  }
  for (const component of PLATFORM_COMPONENTS) {
    if (components.includes(component)) Object.assign(config, ARCHITECTURE.contributions[component]);
  }
  return config;
}
