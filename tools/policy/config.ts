import Ajv from "ajv";
import * as fs from "fs";
import { Policy, PolicyPackConfig } from "./evaluate";

const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

/** A policy pack config that is not valid for this pack: one line naming the key and the fix. */
export class PolicyConfigError extends Error {}

/**
 * Reads and checks a policy pack config file (the `--policy-pack-config` format): every key is a
 * policy of the pack or `all`; a value is an enforcement level or an object with an optional
 * `enforcementLevel` and the policy's own settings, checked against its configSchema. Stricter than
 * the CLI in one way: an unknown setting is an error (a misspelt threshold would silently not apply).
 */
export function loadPolicyConfig(file: string, policies: readonly Policy[]): PolicyPackConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new PolicyConfigError(`${file}: ${(error as Error).message}: give a JSON object keyed by policy name`);
  }
  return checkPolicyConfig(raw, policies, file);
}

export function checkPolicyConfig(raw: unknown, policies: readonly Policy[], source = "policy config"): PolicyPackConfig {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new PolicyConfigError(`${source}: must be a JSON object keyed by policy name`);
  const ajv = new Ajv({ strict: false, allErrors: false });
  const names = policies.map((p) => p.name);
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const policy = policies.find((p) => p.name === name);
    if (!policy && name !== "all") throw new PolicyConfigError(`${source}: "${name}" is not a policy of the pack: use one of all, ${names.join(", ")}`);
    if (typeof value === "string") {
      if (!LEVELS.includes(value)) throw new PolicyConfigError(`${source}: ${name} is "${value}": use one of ${LEVELS.join(", ")}`);
      continue;
    }
    if (!value || typeof value !== "object" || Array.isArray(value))
      throw new PolicyConfigError(`${source}: ${name} must be an enforcement level or an object`);
    const schema = {
      type: "object",
      additionalProperties: false,
      properties: { enforcementLevel: { enum: LEVELS }, ...(policy?.configSchema?.properties ?? {}) },
      required: policy?.configSchema?.required ?? [],
    };
    const validate = ajv.compile(schema);
    if (!validate(value)) {
      const e = validate.errors![0];
      const key = [name, ...e.instancePath.split("/").filter(Boolean)].join(".");
      const detail =
        e.keyword === "additionalProperties"
          ? `has an unknown setting "${e.params.additionalProperty}": use ${Object.keys(schema.properties).join(", ")}`
          : e.message;
      throw new PolicyConfigError(`${source}: ${key} ${detail}`);
    }
  }
  return raw as PolicyPackConfig;
}
