import { Document, Node, Pair, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { DocumentContent, DocumentValue, Float, Text, YamlStream } from "../../catalog";

/** A document's text, in the format its file name asks for (`.json`, `.yaml`, anything else: text). */
export function serializeDocument(path: string, content: DocumentContent): string {
  if (content instanceof Text) return content.text;
  if (path.endsWith(".json")) {
    if (content instanceof YamlStream) throw new Error(`${path}: a JSON file holds one document`);
    return `${toJson(content, "")}\n`;
  }
  if (path.endsWith(".yaml") || path.endsWith(".yml")) {
    const documents = content instanceof YamlStream ? content.documents : [content];
    return documents.map(toYaml).join("---\n");
  }
  throw new Error(`${path}: no serializer for this kind of file (text content must be a Text)`);
}

/** JSON as `JSON.stringify(value, null, 2)` writes it, except that a Float keeps its fraction. */
function toJson(value: DocumentValue, indent: string): string {
  if (value instanceof Float) return floatText(value.value);
  if (value instanceof Map) throw new Error("JSON objects have string keys only; use a plain object");
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => inner + toJson(v, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as { [key: string]: DocumentValue });
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${toJson(v, inner)}`).join(",\n")}\n${indent}}`;
}

function toYaml(value: DocumentValue): string {
  // YAML 1.1 rules quote what a 1.1 reader would retype (`on`, `yes`, `0755`); readers of the
  // emitted files (PyYAML, Istio, Kong) are 1.1 readers.
  const doc = new Document(null, { version: "1.1" });
  doc.contents = toNode(doc, value);
  return doc.toString({ lineWidth: 0 });
}

/** Builds the node tree by hand: floats keep their fraction, Maps keep non-string keys as plain maps. */
function toNode(doc: Document, value: DocumentValue): Node {
  if (value instanceof Float) {
    const node = new Scalar(value.value);
    node.minFractionDigits = Number.isInteger(value.value) ? 1 : 0;
    return node;
  }
  if (Array.isArray(value)) {
    const seq = new YAMLSeq();
    seq.items = value.map((v) => toNode(doc, v));
    return seq;
  }
  if (value !== null && typeof value === "object") {
    const entries = value instanceof Map ? [...value] : Object.entries(value);
    const map = new YAMLMap();
    map.items = entries.map(([k, v]) => new Pair(doc.createNode(k), toNode(doc, v as DocumentValue)));
    return map;
  }
  return doc.createNode(value);
}

const floatText = (n: number): string => (Number.isInteger(n) ? n.toFixed(1) : String(n));
