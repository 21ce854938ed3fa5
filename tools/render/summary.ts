import { RecordedResource } from "./mock-engine";

/** Resources per top-level component (the stack's children), largest first. */
export function resourcesPerComponent(resources: readonly RecordedResource[]): [string, number][] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const counts = new Map<string, number>();
  for (const r of resources) {
    if (r.type === "pulumi:pulumi:Stack") continue;
    let top = r;
    for (let parent = byUrn.get(r.parent ?? ""); parent && parent.type !== "pulumi:pulumi:Stack"; parent = byUrn.get(parent.parent ?? "")) {
      top = parent;
    }
    const label = `${top.name} (${top.type.split(":").pop()})`;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
