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
import { validateSkippingUnknowns } from "./unknowns";

/**
 * The mission's policies (replicas, mTLS, circuit breakers) block a deployment; the hygiene
 * policies beyond it advise unless the stack's policy config raises them.
 */
export const MANDATORY = "mandatory" as const;
export const ADVISORY = "advisory" as const;

/** The JSON schema of a policy's config: its own keys, each with a default. */
export type ConfigSchema = PolicyConfigSchema;

/** The reason a resource policy gives a resource whose type it does not check (no news in a report). */
export const typeNotChecked = (policy: string, type: string): string => `${policy} does not apply to ${type}`;

/** A resource policy that checks the resources `applies` accepts; the others are "not applicable". */
export function resourcePolicy<T extends object>(
  policy: Omit<ResourceValidationPolicy, "validateResource" | "configSchema"> & { configSchema: ConfigSchema },
  applies: (type: string) => boolean,
  validate: (props: Record<string, any>, settings: T, report: (message: string) => void, args: ResourceValidationArgs) => void,
): ResourceValidationPolicy {
  return {
    ...policy,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      if (!applies(args.type)) args.notApplicable(typeNotChecked(policy.name, args.type));
      validate(args.props, settingsOf<T>(policy.configSchema, args), (message) => reportViolation(message), args);
    },
  };
}

/**
 * A stack policy over a StackView of the stack's resources. During a preview, a resource whose unknown
 * values the policy reads is left out of its view (lib/unknowns.ts), so the policy still enforces on
 * the rest instead of turning advisory for the whole stack.
 */
export function stackPolicy<T extends object>(
  policy: Omit<StackValidationPolicy, "validateStack" | "configSchema"> & { configSchema: ConfigSchema },
  validate: (stack: StackView, settings: T, report: ReportViolation, args: StackValidationArgs) => void,
): StackValidationPolicy {
  return {
    ...policy,
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const settings = settingsOf<T>(policy.configSchema, args);
      validateSkippingUnknowns(args.resources, reportViolation, (included, report) => validate(new StackView(included), settings, report, args));
    },
  };
}
