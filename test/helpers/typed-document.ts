import { Document, isMap, isScalar, isSeq, Node, parseAllDocuments } from "yaml";

/**
 * Parses a JSON or YAML file into plain data in which a number remembers whether it was
 * written as an integer or a float and a map key remembers its type, so that `1` ≠ `1.0`
 * and `200:` ≠ `"200":`, as they differ for the YAML/JSON readers that consume the files.
 */
export function typedDocuments(text: string, format: "json" | "yaml"): unknown[] {
  const docs = parseAllDocuments(text, { version: format === "yaml" ? "1.1" : "1.2" });
  if (!Array.isArray(docs)) throw new Error("empty document stream");
  return docs.map((doc: Document) => {
    if (doc.errors.length > 0) throw new Error(doc.errors[0].message);
    return typed(doc.contents);
  });
}

function typed(node: Node | null | unknown): unknown {
  if (node === null || node === undefined) return null;
  if (isScalar(node)) {
    if (typeof node.value === "number") {
      const source = String((node as { source?: string }).source ?? node.value);
      return /[.eE]/.test(source) && !/^0x/i.test(source) ? `float:${node.value}` : `int:${node.value}`;
    }
    return node.value;
  }
  if (isSeq(node)) return node.items.map(typed);
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      out[`${typeof key}:${String(key)}`] = typed(pair.value);
    }
    return out;
  }
  throw new Error(`unsupported YAML node ${JSON.stringify(node)}`);
}

/** The file's content as the spec compares it: typed data for JSON/YAML, text otherwise. */
export function comparable(path: string, text: string): unknown {
  if (path.endsWith(".json")) return typedDocuments(text, "json");
  if (path.endsWith(".yaml") || path.endsWith(".yml")) return typedDocuments(text, "yaml");
  return text.endsWith("\n") && !text.endsWith("\n\n") ? text.slice(0, -1) : text;
}
