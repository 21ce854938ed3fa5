import type {
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { settingsOf } from "./config";
import { StackView } from "./stack";

/**
 * The mission's policies (replicas, mTLS, circuit breakers) block a deployment; the hygiene
 * policies beyond it advise unless the stack's policy config raises them.
 */
export const MANDATORY = "mandatory" as const;
export const ADVISORY = "advisory" as const;

/** The JSON schema of a policy's config: its own keys, each with a default. */
export type ConfigSchema = PolicyConfigSchema;

/** A resource policy that checks the resources `applies` accepts; the others are "not applicable". */
export function resourcePolicy<T extends object>(
  policy: Omit<ResourceValidationPolicy, "validateResource" | "configSchema"> & { configSchema: ConfigSchema },
  applies: (type: string) => boolean,
  validate: (props: Record<string, any>, settings: T, report: (message: string) => void, args: ResourceValidationArgs) => void,
): ResourceValidationPolicy {
  return {
    ...policy,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      if (!applies(args.type)) args.notApplicable(`${policy.name} does not apply to ${args.type}`);
      validate(args.props, settingsOf<T>(policy.configSchema, args), (message) => reportViolation(message), args);
    },
  };
}

/** A stack policy over a StackView of the stack's resources. */
export function stackPolicy<T extends object>(
  policy: Omit<StackValidationPolicy, "validateStack" | "configSchema"> & { configSchema: ConfigSchema },
  validate: (stack: StackView, settings: T, report: ReportViolation, args: StackValidationArgs) => void,
): StackValidationPolicy {
  return {
    ...policy,
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) =>
      validate(new StackView(args.resources), settingsOf<T>(policy.configSchema, args), reportViolation, args),
  };
}
