import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ServiceEntry } from "../../catalog";
import { ArtifactTree } from "../../components/artifacts/artifact-tree";
import { missingCharts } from "../../components/istio/settings";
import { TrafficGraph } from "../../components/zero-trust";
import { RecordedResource } from "../../tools/render/mock-engine";
import { KubernetesObject, isKubernetesObject, kubernetesObject } from "../../tools/render/render-output";
import { PROJECT_DIR, renderStack } from "../../tools/render/render-stack";

export const NS = "microservices-ecosystem";

/** The result of running the program under the mock engine, with lookups tests need. */
export class Rendered {
  /** The traffic graph the program derived its zero-trust policies from (set by `render`). */
  graph?: TrafficGraph;

  constructor(readonly resources: readonly RecordedResource[]) {}

  /** Kubernetes objects (secrets masked), optionally of one kind. */
  objects(kind?: string): KubernetesObject[] {
    return this.resources
      .filter(isKubernetesObject)
      .map(kubernetesObject)
      .filter((o) => !kind || o.kind === kind);
  }

  object(kind: string, name: string, namespace?: string): KubernetesObject {
    const found = this.objects(kind).filter((o) => o.metadata.name === name && (!namespace || o.metadata.namespace === namespace));
    if (found.length !== 1) throw new Error(`expected one ${kind} "${name}", found ${found.length}`);
    return found[0];
  }

  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The artifact files: path below the artifacts root → content. */
  artifacts(): Map<string, string> {
    return new Map(this.ofType(ArtifactTree.TYPE).flatMap((r) => Object.entries(r.inputs.files as Record<string, string>)));
  }
}

/**
 * Renders a stack with config overrides given by short key (`{ components: ["istio"] }` →
 * `microservices-ecosystem:components`). The stack defaults to `prod` for `{ environment: "prod" }`
 * (its registry is one a cluster can pull from; dev's localhost registry is refused on prod), else `dev`.
 */
export async function render(overrides: Record<string, unknown> = {}, options: { stack?: string; services?: readonly ServiceEntry[] } = {}): Promise<Rendered> {
  const full = Object.fromEntries(Object.entries(overrides).map(([k, v]) => [k.includes(":") ? k : `${NS}:${k}`, v]));
  let graph: TrafficGraph | undefined;
  const rendered = new Rendered(
    await renderStack({
      stack: options.stack ?? (overrides.environment === "prod" ? "prod" : "dev"),
      overrides: full,
      services: options.services,
      onTrafficGraph: (g) => (graph = g),
    }),
  );
  rendered.graph = graph;
  return rendered;
}

/**
 * Overrides for a stack that takes Istio's charts from a local folder (kwok's, which `bash scripts/engine.sh
 * istio-charts` prepares), so that it renders on a machine where the folder was never prepared: under the mock
 * engine the charts are never read, and only the Helm releases' `chart` paths differ. None where the folder exists.
 */
export function chartsFolderOverrides(stack: string): Record<string, unknown> {
  const file = path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) return {};
  const istio = (parse(fs.readFileSync(file, "utf8"))?.config ?? {})[`${NS}:istio`] as Record<string, unknown> | undefined;
  const dir = typeof istio?.chartsDir === "string" ? istio.chartsDir : "";
  if (dir === "" || missingCharts(dir).length === 0) return {};
  return { istio: { ...istio, chartsDir: "" } };
}
