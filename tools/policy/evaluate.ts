import type {
  EnforcementLevel,
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { isSecretValue } from "../render/mock-engine";
import * as pulumi from "@pulumi/pulumi";

// The engine's proxy (re-exported by @pulumi/policy's index, whose import also loads the gRPC server
// code: 1s+; the module itself is light and has no typings of its own).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- untyped module; its index import would load the gRPC server
const { UnknownValueError, unknownCheckingProxy } = require("@pulumi/policy/proxy") as {
  UnknownValueError: new (...args: never[]) => Error;
  unknownCheckingProxy<T>(value: T): T;
};

/**
 * Runs policy objects the way the Pulumi engine's analyzer does (@pulumi/policy's server.js),
 * without the CLI: each function of a `validateResource` array runs for every resource in its own
 * try/catch, every stack policy runs once over all resources, `notApplicable()` is recorded and
 * is not a failure, the enforcement level comes from the policy config (`all` or the policy's
 * own entry) over the policy's, and `getConfig()` returns the policy's config entry without
 * `enforcementLevel` — and, like the engine, without the schema's defaults.
 *
 * Props reach the policies through the engine's unknown-checking proxy; reading a value unknown
 * during preview turns, as in the engine, into an advisory "can't run during preview" diagnostic.
 * Where the engine stops a preview on any other exception thrown by a policy, this reports it as
 * an error of that policy and carries on with the others.
 */

export type Policy = ResourceValidationPolicy | StackValidationPolicy;

/** A resource as the program registered it: type, name, URN, parent URN, and its inputs (props). */
export interface EvaluatedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly parent?: string;
  readonly props: Record<string, unknown>;
  /** The resource's `protect` option (the engine hands it to policies in `opts`). */
  readonly protect?: boolean;
}

/** The policy pack config (`--policy-pack-config` file): per policy a level or `{enforcementLevel?, ...settings}`. */
export type PolicyPackConfig = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

export interface Violation {
  readonly policy: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly severity?: Severity;
  /** The resource in violation; a stack violation without URN concerns the whole stack. */
  readonly urn?: string;
  readonly type?: string;
  readonly name?: string;
  readonly message: string;
}

export interface PolicyError {
  readonly policy: string;
  readonly urn?: string;
  readonly message: string;
}

export interface NotApplicable {
  readonly policy: string;
  readonly urn?: string;
  readonly reason: string;
}

export interface PolicyRun {
  readonly name: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly kind: "resource" | "stack";
  /** Resources it applied to (resource policy), or 1/0 whether it applied (stack policy). */
  applied: number;
}

export interface Evaluation {
  readonly violations: Violation[];
  readonly errors: PolicyError[];
  readonly notApplicable: NotApplicable[];
  /** Policies that ran, with their effective enforcement level (disabled ones are left out). */
  readonly policies: PolicyRun[];
}

/** Thrown by `args.notApplicable()`, as the engine's NotApplicableError. */
export class NotApplicableError extends Error {
  constructor(readonly reason?: string) {
    super(reason ?? "Policy does not apply");
  }
}

const throwNotApplicable = (reason?: string): never => {
  throw new NotApplicableError(reason);
};

export const isStackPolicy = (p: Policy): p is StackValidationPolicy => typeof (p as StackValidationPolicy).validateStack === "function";
export const isResourcePolicy = (p: Policy): p is ResourceValidationPolicy => {
  const v = (p as ResourceValidationPolicy).validateResource;
  return typeof v === "function" || (Array.isArray(v) && v.every((f) => typeof f === "function"));
};

/** The level a policy runs at: its config entry, else `all`, else its own, else the pack's default (advisory). */
export function enforcementLevelOf(policy: Policy, config: PolicyPackConfig = {}): EnforcementLevel {
  const entry = config[policy.name];
  const fromEntry = typeof entry === "string" ? entry : entry?.enforcementLevel;
  const all = config.all;
  const fromAll = typeof all === "string" ? all : all?.enforcementLevel;
  const level = fromEntry ?? fromAll ?? policy.enforcementLevel ?? "advisory";
  return level === "remediate" ? "mandatory" : level;
}

/** `getConfig()` as the engine answers it: the policy's entry without enforcementLevel (no schema defaults). */
function getConfigOf(policy: Policy, config: PolicyPackConfig) {
  return <T extends object>(): T => {
    const entry = config[policy.name];
    if (!entry || typeof entry === "string") return {} as T;
    const { enforcementLevel: _, ...properties } = entry;
    return structuredClone(properties) as T;
  };
}

/** The engine's marker of a value unknown during a preview, as policies receive it. */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Plain values, as the engine deserializes props for policies (secrets unwrapped, unknowns marked). */
function plain(value: unknown): unknown {
  if (pulumi.isUnknown(value)) return UNKNOWN_VALUE;
  if (isSecretValue(value)) return plain(value.value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

const OPTIONS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

/** `type` is the type of `resourceClass` (a Pulumi resource class with `__pulumiType`, or its `isInstance`). */
function isTypeOf(type: string, resourceClass: unknown): boolean {
  const c = resourceClass as { __pulumiType?: unknown; isInstance?: (o: unknown) => boolean };
  if (typeof c?.__pulumiType === "string" && c.__pulumiType) return type === c.__pulumiType;
  return typeof c?.isInstance === "function" && c.isInstance({ __pulumiType: type }) === true;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Evaluates `policies` against `resources` (registration order) with a policy pack config. */
export async function evaluate(policies: readonly Policy[], resources: readonly EvaluatedResource[], config: PolicyPackConfig = {}): Promise<Evaluation> {
  const result: Evaluation = { violations: [], errors: [], notApplicable: [], policies: [] };
  const stackTags: ReadonlyMap<string, string> = new Map();
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const props = new Map(resources.map((r) => [r.urn, unknownCheckingProxy(plain(r.props)) as Record<string, any>]));

  for (const policy of policies) {
    const enforcementLevel = enforcementLevelOf(policy, config);
    if (enforcementLevel === "disabled") continue;
    const stack = isStackPolicy(policy);
    if (!stack && !isResourcePolicy(policy)) continue;
    const run: PolicyRun = { name: policy.name, enforcementLevel, kind: stack ? "stack" : "resource", applied: 0 };
    result.policies.push(run);
    const report =
      (urn?: string): ReportViolation =>
      (message: string, reportedUrn?: string) => {
        const target = reportedUrn ?? urn;
        const resource = target ? byUrn.get(target) : undefined;
        result.violations.push({
          policy: policy.name,
          description: policy.description,
          enforcementLevel,
          severity: policy.severity,
          urn: target,
          type: resource?.type,
          name: resource?.name,
          message,
        });
      };
    const getConfig = getConfigOf(policy, config);
    const unknown = (p: Policy, error: unknown, resource?: EvaluatedResource) =>
      result.violations.push({
        policy: p.name,
        description: p.description,
        enforcementLevel: "advisory",
        severity: p.severity,
        urn: resource?.urn,
        type: resource?.type,
        name: resource?.name,
        message: `can't run policy '${p.name}' during preview: ${(error as Error).message}`,
      });

    if (stack) {
      const policyResources: PolicyResource[] = resources.map((r) => {
        const p = props.get(r.urn)!;
        return {
          type: r.type,
          props: p,
          urn: r.urn,
          name: r.name,
          opts: { ...OPTIONS, parent: r.parent, protect: r.protect ?? false },
          dependencies: [],
          propertyDependencies: {},
          isType: (resourceClass: unknown) => isTypeOf(r.type, resourceClass),
          asType: ((resourceClass: unknown) => (isTypeOf(r.type, resourceClass) ? p : undefined)) as PolicyResource["asType"],
        } as PolicyResource;
      });
      const urns = new Map(policyResources.map((r) => [r.urn, r]));
      policyResources.forEach((r, i) => {
        const parent = resources[i].parent;
        if (parent && urns.has(parent)) r.parent = urns.get(parent);
      });
      const args: StackValidationArgs = { resources: policyResources, stackTags, getConfig, notApplicable: throwNotApplicable };
      try {
        await Promise.resolve(policy.validateStack(args, report()));
        run.applied = 1;
      } catch (error) {
        if (error instanceof NotApplicableError) result.notApplicable.push({ policy: policy.name, reason: error.reason ?? "" });
        else if (error instanceof UnknownValueError) unknown(policy, error);
        else result.errors.push({ policy: policy.name, message: errorMessage(error) });
      }
      continue;
    }

    const validations = ([] as ResourceValidation[]).concat((policy as ResourceValidationPolicy).validateResource ?? []);
    for (const resource of resources) {
      let applied = false;
      for (const validation of validations) {
        const p = props.get(resource.urn)!;
        const args: ResourceValidationArgs = {
          type: resource.type,
          props: p,
          urn: resource.urn,
          name: resource.name,
          opts: { ...OPTIONS, parent: resource.parent, protect: resource.protect ?? false },
          stackTags,
          isType: (resourceClass: unknown) => isTypeOf(resource.type, resourceClass),
          asType: ((resourceClass: unknown) => (isTypeOf(resource.type, resourceClass) ? p : undefined)) as ResourceValidationArgs["asType"],
          getConfig,
          notApplicable: throwNotApplicable,
        };
        try {
          await Promise.resolve(validation(args, report(resource.urn)));
          applied = true;
        } catch (error) {
          if (error instanceof NotApplicableError) result.notApplicable.push({ policy: policy.name, urn: resource.urn, reason: error.reason ?? "" });
          else if (error instanceof UnknownValueError) {
            applied = true;
            unknown(policy, error, resource);
          } else {
            applied = true;
            result.errors.push({ policy: policy.name, urn: resource.urn, message: errorMessage(error) });
          }
        }
      }
      if (applied) run.applied++;
    }
  }
  return result;
}

/** The rendered program's resources as the engine hands them to policies. */
export const fromRecorded = (
  recorded: readonly { type: string; name: string; urn: string; parent?: string; inputs: Record<string, unknown>; protect?: boolean }[],
): EvaluatedResource[] => recorded.map((r) => ({ type: r.type, name: r.name, urn: r.urn, parent: r.parent, props: r.inputs, protect: r.protect }));

/** Whether an evaluation must fail a deployment: a mandatory violation, or a policy that threw. */
export const blocksDeployment = (evaluation: Evaluation): boolean =>
  evaluation.errors.length > 0 || evaluation.violations.some((v) => v.enforcementLevel === "mandatory");
