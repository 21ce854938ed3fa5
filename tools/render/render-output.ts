import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { ArtifactTree } from "../../components/artifacts/artifact-tree";
import { RecordedResource, isSecretValue } from "./mock-engine";
import { SECRET_PLACEHOLDER } from "./stack-settings";

/** Every scalar of a value replaced by the placeholder, its shape (maps, lists) kept. */
function maskLeaves(value: unknown): unknown {
  if (isSecretValue(value)) return maskLeaves(value.value);
  if (Array.isArray(value)) return value.map(maskLeaves);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskLeaves(v)]));
  return SECRET_PLACEHOLDER;
}

/** Replaces every secret value by the placeholder, so that none reaches a rendered file. */
export function maskSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return maskLeaves(value.value);
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v)]));
  }
  return value;
}

/** Types the Kubernetes provider cannot write as YAML (Helm releases need a cluster). */
const NOT_RENDERABLE = new Set(["kubernetes:helm.sh/v3:Release"]);

export const isKubernetesObject = (r: RecordedResource): boolean => r.custom && r.type.startsWith("kubernetes:") && !NOT_RENDERABLE.has(r.type);

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** `<dir>/0-crd|1-manifest/<apiVersion>-<kind>-<namespace>-<name>.yaml`, as renderYamlToDirectory names it. */
export function manifestPath(object: KubernetesObject): string {
  const apiVersion = object.apiVersion.replace(/[/:]/g, "_");
  const namespace = object.metadata.namespace || "default";
  const folder = object.kind === "CustomResourceDefinition" ? "0-crd" : "1-manifest";
  return path.join(folder, `${apiVersion}-${object.kind.toLowerCase()}-${namespace}-${object.metadata.name}.yaml`);
}

const isLetter = (c: string) => /\p{L}/u.test(c);
const isDigit = (c: string) => c >= "0" && c <= "9";

/**
 * go-yaml's map key order, which the provider's files follow: letters by code point, anything
 * else before letters, runs of digits as numbers (`a9` < `a10`).
 */
export function goYamlKeyOrder(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i] ? -1 : 1;
    if (al || bl) return bl ? -1 : 1;
    let ai = i;
    let bi = i;
    let an = 0;
    let bn = 0;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an - bn;
    if (ai !== bi) return ai - bi;
    return ar[i] < br[i] ? -1 : 1;
  }
  return ar.length - br.length;
}

export const manifestYaml = (object: KubernetesObject): string =>
  stringify(object, { sortMapEntries: (a, b) => goYamlKeyOrder(String(a.key), String(b.key)), indentSeq: false, lineWidth: 0, version: "1.1" });

/** A masked value where base64 is required (a Secret's `data`): the placeholder, encoded, so the manifest stays valid. */
export const SECRET_PLACEHOLDER_BASE64 = Buffer.from(SECRET_PLACEHOLDER).toString("base64");

/**
 * A Secret as the provider writes it: `stringData` folded into base64 `data`; a masked value
 * becomes the encoded placeholder (the API server rejects `data` that is not base64).
 */
function foldStringData(object: KubernetesObject): KubernetesObject {
  if (object.kind !== "Secret" || (!object.stringData && !object.data)) return object;
  const { stringData, ...rest } = object;
  const encode = (v: string) => (v === SECRET_PLACEHOLDER ? SECRET_PLACEHOLDER_BASE64 : Buffer.from(v).toString("base64"));
  const data: Record<string, string> = Object.fromEntries(
    Object.entries((rest.data ?? {}) as Record<string, string>).map(([k, v]) => [k, v === SECRET_PLACEHOLDER ? SECRET_PLACEHOLDER_BASE64 : v]),
  );
  for (const [k, v] of Object.entries((stringData ?? {}) as Record<string, string>)) data[k] = encode(v);
  return { ...rest, data } as KubernetesObject;
}

export function kubernetesObject(resource: RecordedResource): KubernetesObject {
  const object = foldStringData(maskSecrets(resource.inputs) as KubernetesObject);
  if (!object.apiVersion || !object.kind || !object.metadata?.name) {
    throw new Error(`${resource.type} "${resource.name}": a Kubernetes object needs apiVersion, kind and metadata.name`);
  }
  return object;
}

/**
 * Writes the artifact tree, one manifest per Kubernetes object, and resources.json under `outDir`.
 * Every target path is computed first: a collision (two objects or files on one path) throws
 * before the previous render is touched.
 */
export function writeRender(outDir: string, resources: readonly RecordedResource[]): { files: number; manifests: number } {
  const planned = new Map<string, { content: string; from: string }>();
  let files = 0;
  let manifests = 0;
  const plan = (target: string, content: string, r: RecordedResource) => {
    const from = `${r.type} "${r.name}"`;
    const taken = planned.get(target);
    if (taken) throw new Error(`two resources render to ${target}: ${taken.from} and ${from}; nothing was written`);
    planned.set(target, { content, from });
  };
  for (const r of resources) {
    if (r.type === ArtifactTree.TYPE) {
      for (const [file, content] of Object.entries(r.inputs.files as Record<string, string>)) {
        plan(path.join(outDir, file), content, r);
        files++;
      }
    } else if (isKubernetesObject(r)) {
      const object = kubernetesObject(r);
      plan(path.join(outDir, "manifests", manifestPath(object)), manifestYaml(object), r);
      manifests++;
    }
  }
  fs.rmSync(path.join(outDir, "microservices_ecosystem"), { recursive: true, force: true });
  fs.rmSync(path.join(outDir, "manifests"), { recursive: true, force: true });
  for (const [target, { content }] of planned) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  for (const folder of ["0-crd", "1-manifest"]) fs.mkdirSync(path.join(outDir, "manifests", folder), { recursive: true });
  const listing = resources.map((r) => {
    const { __provider: _, ...props } = r.inputs;
    return { type: r.type, name: r.name, parent: r.parent ?? null, props: maskSecrets(props) };
  });
  fs.writeFileSync(path.join(outDir, "resources.json"), `${JSON.stringify(listing, null, 2)}\n`);
  return { files, manifests };
}
