import type { ReportViolation } from "@pulumi/policy";

/**
 * During a preview some values are unknown until the deployment computes them (an image digest, a
 * generated name). The engine hands policies each resource's props behind a proxy that throws when a
 * policy reads such a value, and a stack policy that lets it escape is reported, whole, as "can't run
 * during preview" — advisory, so one unknown digest would switch off a mandatory check of every other
 * resource. These helpers narrow that to the resources whose unknown values the policy actually reads.
 */

/** The engine's UnknownValueError (internal to @pulumi/policy): a message and the props path read. */
interface UnknownRead extends Error {
  readonly props: readonly (string | number | symbol)[];
  readonly unknownTypeSentinel: unknown;
}

export const isUnknownRead = (error: unknown): error is UnknownRead =>
  error instanceof Error && "unknownTypeSentinel" in error && Array.isArray((error as { props?: unknown }).props);

/** Whether reading `path` from `props` (behind the engine's proxy) meets an unknown value. */
function readsUnknown(props: unknown, path: readonly (string | number | symbol)[]): boolean {
  try {
    let value = props as Record<string | number | symbol, unknown> | undefined;
    for (const key of path) value = value?.[key] as Record<string | number | symbol, unknown> | undefined;
    return false;
  } catch (error) {
    return isUnknownRead(error);
  }
}

export interface UnknownsSkipped<R> {
  /** Resources left out because the policy read an unknown value of theirs, with that value's path. */
  readonly skipped: { resource: R; path: string }[];
}

/**
 * Runs a stack validation over `resources`; when it reads an unknown value, runs it again without the
 * resources holding that value, until it completes. Only the completed run's violations are reported.
 * Rethrows when an unknown read cannot be attributed to a resource (the engine then reports the policy
 * as not runnable during preview, as before).
 */
export function validateSkippingUnknowns<R extends { props: unknown }>(
  resources: readonly R[],
  report: ReportViolation,
  validate: (included: readonly R[], report: ReportViolation) => void,
): UnknownsSkipped<R> {
  let included = [...resources];
  const skipped: { resource: R; path: string }[] = [];
  for (;;) {
    const buffered: [string, string | undefined][] = [];
    try {
      validate(included, (message, urn) => buffered.push([message, urn]));
    } catch (error) {
      if (!isUnknownRead(error)) throw error;
      const culprits = included.filter((r) => readsUnknown(r.props, error.props));
      if (culprits.length === 0) throw error;
      for (const resource of culprits) skipped.push({ resource, path: error.props.map(String).join(".") });
      included = included.filter((r) => !culprits.includes(r));
      continue;
    }
    for (const [message, urn] of buffered) report(message, urn);
    return { skipped };
  }
}
