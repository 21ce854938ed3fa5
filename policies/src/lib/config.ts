import type { PolicyConfigSchema } from "@pulumi/policy";

/**
 * A policy's configuration: the values the stack's policy config sets, and the schema's defaults
 * for the rest. The engine hands `getConfig()` only what the config file sets (and nothing at all
 * outside the engine), so every policy reads its settings through this.
 */
export function withDefaults<T extends object>(schema: PolicyConfigSchema, given: object | undefined): T {
  const settings: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema.properties)) {
    const fallback = (property as { default?: unknown }).default;
    if (fallback !== undefined) settings[key] = structuredClone(fallback);
  }
  for (const [key, value] of Object.entries(given ?? {})) {
    if (value !== undefined && key !== "enforcementLevel") settings[key] = value;
  }
  return settings as T;
}

/** The args every validation gets: only `getConfig` matters here. */
export interface HasConfig {
  getConfig<T extends object>(): T;
}

/** Reads a policy's settings: config values over schema defaults. */
export const settingsOf = <T extends object>(schema: PolicyConfigSchema, args: HasConfig): T => withDefaults<T>(schema, args.getConfig<object>());

/** The JSON schema of a list of namespaces a policy skips. */
export const exemptNamespacesSchema = (what: string) => ({
  type: "array" as const,
  items: { type: "string" as const },
  default: [] as string[],
  description: `Namespaces whose ${what} this policy skips.`,
});

/** The JSON schema of a list of Services a policy skips (`name` or `namespace/name`). */
export const exemptServicesSchema = (why: string) => ({
  type: "array" as const,
  items: { type: "string" as const },
  default: [] as string[],
  description: `${why}, as name or namespace/name.`,
});

/** The JSON schema of the label set that marks the app tier (`tier: microservices`). */
export const APP_TIER_LABELS: Record<string, string> = { tier: "microservices" };
export const appTierLabelsSchema = {
  type: "object" as const,
  additionalProperties: { type: "string" as const },
  default: APP_TIER_LABELS,
  description: "Labels that mark a workload (or its pods) as part of the app tier.",
};
