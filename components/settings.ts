import * as pulumi from "@pulumi/pulumi";
import Ajv, { ErrorObject } from "ajv";

export const CONFIG_NAMESPACE = "microservices-ecosystem";

/** A configuration error: one line naming the key, what is wrong and how to fix it. */
export class ConfigError extends pulumi.RunError {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const ajv = new Ajv({ allErrors: false, useDefaults: true, verbose: true });

const configKey = (segments: readonly string[]) => `${CONFIG_NAMESPACE}:${segments.join(".")}`;

/** One line for an ajv error of the value under config key `root` (`[]` for the whole config, `["istio"]`). */
export function describeConfigError(root: readonly string[], error: ErrorObject, hints: Record<string, string> = {}): string {
  const segments = [...root, ...error.instancePath.split("/").filter(Boolean)];
  const key = configKey(segments);
  const hintKey = Object.keys(hints).find((p) => error.instancePath.startsWith(p));
  const hint = hintKey ? `: ${hints[hintKey]}` : "";
  switch (error.keyword) {
    case "additionalProperties": {
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const fields = known.length ? ` (known fields: ${known.join(", ")})` : "";
      return `${key} has an unknown field "${error.params.additionalProperty}": remove it or check its spelling${fields}`;
    }
    case "required":
      return `${configKey([...segments, error.params.missingProperty])} is not set${hint || ": it is declared with a default in Pulumi.yaml; set it in Pulumi.<stack>.yaml"}`;
    case "not":
      return `${key} ${JSON.stringify(error.data)} is not allowed${hint}`;
    case "enum":
      return `${key} must be one of ${(error.params.allowedValues as string[]).join(", ")}${hint}`;
    default:
      return `${key} ${error.message}${hint}`;
  }
}

/**
 * Validates a component's settings (`microservices-ecosystem:<component>`) against its JSON
 * schema, fills in the schema's defaults, and throws a one-line ConfigError when they are wrong.
 */
export function componentSettings<T>(component: string, schema: object, value: Readonly<Record<string, unknown>>): T {
  const settings = structuredClone(value) as Record<string, unknown>;
  const validate = ajv.compile(schema);
  if (!validate(settings)) throw new ConfigError(describeConfigError([component], validate.errors![0]));
  return settings as T;
}
