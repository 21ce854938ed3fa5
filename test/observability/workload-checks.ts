import { strict as assert } from "assert";
import { RecordedResource } from "../../tools/render/mock-engine";
import { Rendered } from "../helpers/render";

type Obj = Record<string, any>;

/** The pod template of a Deployment, asserted to run hardened, sized and probed containers. */
export function assertHardenedDeployment(r: Rendered, name: string, namespace: string): Obj {
  const d = r.object("Deployment", name, namespace) as Obj;
  const pod = d.spec.template.spec;
  assert.equal(pod.securityContext.runAsNonRoot, true, `${name}: pod runAsNonRoot`);
  assert.ok(Number.isInteger(pod.securityContext.runAsUser) && pod.securityContext.runAsUser > 0, `${name}: numeric non-root user`);
  assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
  for (const c of pod.containers as Obj[]) {
    assert.match(c.image, /^[a-z0-9./-]+:[0-9A-Za-z][\w.-]*$/, `${name}: image ${c.image} is pinned by tag`);
    assert.doesNotMatch(c.image, /:latest$/);
    assert.equal(c.imagePullPolicy, "IfNotPresent");
    assert.deepEqual(c.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    for (const kind of ["requests", "limits"]) {
      assert.ok(c.resources?.[kind]?.cpu && c.resources?.[kind]?.memory, `${name}/${c.name}: ${kind} set`);
    }
    assert.ok(c.readinessProbe?.httpGet, `${name}/${c.name}: readiness probe`);
    assert.ok(c.livenessProbe?.httpGet || c.livenessProbe?.tcpSocket, `${name}/${c.name}: liveness probe`);
    assert.notDeepEqual(
      c.livenessProbe.httpGet ?? c.livenessProbe.tcpSocket,
      c.readinessProbe.httpGet,
      `${name}: liveness and readiness check different things`,
    );
    const ports = new Set((c.ports as Obj[]).map((p) => p.name));
    for (const probe of [c.readinessProbe, c.livenessProbe]) {
      const port = (probe.httpGet ?? probe.tcpSocket).port;
      assert.ok(ports.has(port), `${name}: probe port ${port} is a named container port`);
    }
    for (const mount of (c.volumeMounts ?? []) as Obj[]) {
      assert.ok(
        ((pod.volumes ?? []) as Obj[]).some((v) => v.name === mount.name),
        `${name}: volume ${mount.name} exists`,
      );
    }
  }
  return d;
}

/** The component's Kubernetes objects are all its children (registered with `parent: this`). */
export function assertChildrenOf(r: Rendered, componentType: string, kinds: readonly string[]): void {
  const component = r.ofType(componentType);
  assert.equal(component.length, 1, `one ${componentType}`);
  const under = (res: RecordedResource): boolean => {
    for (let p = res.parent; p; p = r.resources.find((x) => x.urn === p)?.parent) if (p === component[0].urn) return true;
    return false;
  };
  const objects = r.resources.filter((res) => res.type.startsWith("kubernetes:") && res.urn.includes(`${componentType}$`));
  assert.ok(objects.length >= kinds.length);
  for (const res of objects) assert.ok(under(res), `${res.type} ${res.name} is a child of ${componentType}`);
  const found = new Set(objects.map((res) => String(res.inputs.kind)));
  for (const kind of kinds) assert.ok(found.has(kind), `${componentType} registers a ${kind}`);
}

/** A config error is one line that names the key. */
export async function assertConfigError(promise: Promise<unknown>, key: string): Promise<string> {
  let message = "";
  await assert.rejects(promise, (error: Error) => {
    message = error.message;
    return error.name === "ConfigError";
  });
  assert.ok(message.includes(key), `error names ${key}: ${message}`);
  assert.doesNotMatch(message, /\n/, "one line");
  return message;
}

/** A container's CPU and memory requests and limits (ephemeral storage is checked across all workloads, in test/invariants.test.ts). */
export function cpuAndMemory(resources: Record<string, any>): { requests: Record<string, string>; limits: Record<string, string> } {
  const pick = (block: Record<string, string> = {}) => Object.fromEntries(Object.entries(block).filter(([k]) => k !== "ephemeral-storage"));
  return { requests: pick(resources.requests), limits: pick(resources.limits) };
}
