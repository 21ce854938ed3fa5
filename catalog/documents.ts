/**
 * Value types for the spec's documents. A document is plain data, with two additions the
 * spec's files need and JavaScript values cannot express: floats written with a fraction
 * (`1.0` is not `1` once a YAML/JSON reader types it) and several YAML documents in one file.
 */

/** A number the artifact keeps written as a float (`1.0`, `10.0`). */
export class Float {
  constructor(readonly value: number) {}
}

export const float = (value: number): Float => new Float(value);

export type DocumentValue =
  string | number | boolean | null | Float | readonly DocumentValue[] | ReadonlyMap<number | string, DocumentValue> | { readonly [key: string]: DocumentValue };

/** Several YAML documents in one file, separated by `---`. */
export class YamlStream {
  readonly documents: DocumentValue[];
  constructor(...documents: DocumentValue[]) {
    this.documents = documents;
  }
}

/** Text emitted byte for byte (Markdown, plain text). */
export class Text {
  constructor(readonly text: string) {}
}

export type DocumentContent = DocumentValue | YamlStream | Text;

/** One file of the artifact tree, its path relative to `microservices_ecosystem/`. */
export interface SpecDocument {
  readonly path: string;
  readonly content: DocumentContent;
}
