import * as pulumi from "@pulumi/pulumi";
import type { RecordedResource } from "../render/mock-engine";

/** A value a preview cannot know (computed by a provider during the deployment), and where it is. */
export interface UnknownValue {
  readonly resource: string;
  readonly path: string;
}

/** Every unknown value among the rendered resources' inputs: what a preview's policies cannot check. */
export function unknownValues(resources: readonly RecordedResource[]): UnknownValue[] {
  const found: UnknownValue[] = [];
  const walk = (value: unknown, at: string, resource: string): void => {
    if (pulumi.isUnknown(value)) found.push({ resource, path: at });
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${at}[${i}]`, resource));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, at ? `${at}.${k}` : k, resource);
  };
  for (const r of resources) {
    const meta = r.inputs.metadata as { name?: string; namespace?: string } | undefined;
    const kind = typeof r.inputs.kind === "string" ? r.inputs.kind : r.type;
    const where = meta?.name ? `${kind} ${meta.namespace ? `${meta.namespace}/` : ""}${meta.name}` : `${r.type} ${r.name}`;
    walk(r.inputs, "", where);
  }
  return found;
}

/** The report's section on them: one line per value, or nothing when all are known. */
export function formatUnknownValues(values: readonly UnknownValue[]): string {
  if (values.length === 0) return "Preview: every value is known; the policies checked everything.";
  return [
    `Preview: ${values.length} value(s) are unknown until the deployment computes them; a policy that reads one skips that resource (a resource policy says "can't run during preview"):`,
    ...values.map((v) => `    ? ${v.resource}: ${v.path}`),
  ].join("\n");
}
