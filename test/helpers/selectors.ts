type Obj = Record<string, any>;

/** Whether every label of a plain label map is on `labels` (a Service's selector, `matchLabels`). */
export const matches = (selector: Record<string, string> | undefined, labels: Readonly<Record<string, string>>): boolean =>
  Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

/** A LabelSelector as the API server reads it: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist); none selects all. */
export function selects(selector: Obj | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!matches(selector?.matchLabels, labels)) return false;
  return ((selector?.matchExpressions ?? []) as Obj[]).every((e) => {
    switch (e.operator) {
      case "In":
        return e.values.includes(labels[e.key]);
      case "NotIn":
        return !e.values.includes(labels[e.key]);
      case "Exists":
        return e.key in labels;
      default:
        return !(e.key in labels);
    }
  });
}
