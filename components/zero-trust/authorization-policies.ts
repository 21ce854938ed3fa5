import { MESH } from "../../catalog";
import { Edge, Operation, TrafficGraph, Workload, principal } from "./graph";

export const SECURITY_API = "security.istio.io/v1";

/** An AuthorizationPolicy's name and spec in one namespace, before it becomes a resource (what the tests read). */
export interface AuthorizationDefinition {
  readonly name: string;
  readonly spec: Record<string, unknown>;
}

type Rule = { principals: string[] | undefined; to: { operation: Record<string, unknown> }[] };

/** Who may open an edge, as the destination's proxy sees it: a principal, or anyone (a gateway's plain-text clients). */
function callerOf(edge: Edge, to: Workload): string | undefined {
  const from = edge.from;
  if (from.kind === "workload" && from.meshed) return principal(from);
  if (to.inbound === "gateway") return undefined;
  // STRICT mTLS refuses a caller without a mesh identity before any policy is read: such an edge is a modelling error.
  const name = from.kind === "namespace" ? `every pod of ${from.namespace}` : from.kind === "workload" ? `${from.namespace}/${from.name}` : from.name;
  throw new Error(`zero trust: ${name} cannot reach ${to.namespace}/${to.name} through its sidecar (STRICT mTLS needs a mesh identity): ${edge.why}`);
}

/** The operations of an edge on the ports the proxy captures (its own ports are plain text, outside any policy). */
function operations(edge: Edge): { operation: Record<string, unknown> }[] {
  const ports = edge.ports.filter((p) => !MESH.uncapturedPorts.includes(p.port)).map((p) => String(p.port));
  if (ports.length === 0) return [];
  const ops: readonly Operation[] = edge.operations ?? [{}];
  return ops.map((op) => ({
    operation: { ports, ...(op.methods ? { methods: [...op.methods] } : {}), ...(op.paths ? { paths: [...op.paths] } : {}) },
  }));
}

/**
 * An injected namespace's AuthorizationPolicies, from the graph: `allow-nothing` (an ALLOW policy with
 * an empty spec, which matches no request: everything is denied unless another policy allows it), and
 * for each workload whose proxy checks its inbound traffic one ALLOW policy, named like it, with a rule
 * per set of callers that may do the same thing: their principals, on the edge's ports and operations.
 * A workload nothing may call keeps only `allow-nothing`.
 */
export function authorizationDefinitions(graph: TrafficGraph, namespace: string): AuthorizationDefinition[] {
  const policies: AuthorizationDefinition[] = [{ name: "allow-nothing", spec: {} }];
  const guarded = graph.workloads.filter((w) => w.managed && w.namespace === namespace && w.inbound !== "none");
  for (const workload of guarded) {
    const grouped = new Map<string, Rule>();
    for (const edge of graph.edges.filter((e) => e.to.kind === "workload" && e.to.name === workload.name && e.to.namespace === namespace)) {
      const to = operations(edge);
      if (to.length === 0) continue;
      const caller = callerOf(edge, workload);
      const rule = grouped.get(JSON.stringify(to)) ?? { principals: caller === undefined ? undefined : [], to };
      if (caller === undefined) rule.principals = undefined;
      else if (rule.principals && !rule.principals.includes(caller)) rule.principals.push(caller);
      grouped.set(JSON.stringify(to), rule);
    }
    if (grouped.size === 0) continue;
    policies.push({
      name: workload.name,
      spec: {
        selector: { matchLabels: { ...workload.selector } },
        action: "ALLOW",
        rules: [...grouped.values()].map((r) => ({ ...(r.principals ? { from: [{ source: { principals: r.principals } }] } : {}), to: r.to })),
      },
    });
  }
  return policies;
}
