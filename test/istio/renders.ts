import { Rendered, render } from "../helpers/render";

const cache = new Map<string, Promise<Rendered>>();

/**
 * One render per distinct config across the Istio test files (they run in one mocha process):
 * each describe's `before` asks for the renders it reads, none is repeated.
 */
export function renderOnce(overrides: Record<string, unknown> = {}): Promise<Rendered> {
  const key = JSON.stringify(overrides);
  let rendered = cache.get(key);
  if (!rendered) {
    rendered = render(overrides);
    cache.set(key, rendered);
  }
  return rendered;
}

export type Obj = Record<string, any>;

/** The spec of each object of `kind`, by name (objects of the services' namespace, or of `namespace`). */
export function byName(r: Rendered, kind: string, namespace?: string): Map<string, Obj> {
  return new Map(
    r
      .objects(kind)
      .filter((o) => !namespace || o.metadata.namespace === namespace)
      .map((o) => [o.metadata.name, o as Obj]),
  );
}
