import { SERVICES } from "./services";
import { ServiceConfig, ServiceEntry } from "./service";

/** The catalog's service of that spec name; throws naming the name when there is none. */
export function service(name: string, services: readonly ServiceEntry[] = SERVICES): ServiceConfig {
  const entry = services.find((s) => s.config.service_name === name);
  if (!entry) throw new Error(`catalog: no service named "${name}"`);
  return entry.config;
}

/** The address the spec's own files use for a service: `http://user_service:8001`. */
export const specUrl = (name: string): string => `http://${name}:${service(name).port}`;
