import { strict as assert } from "assert";
import { Rendered, chartsFolderOverrides } from "../helpers/render";
import { Obj, renderWithSecrets } from "./support";

// A rotated password must reach every pod that read the old one at start: each pod template carries a
// checksum of the credentials it reads, so `pulumi up` after a rotation rolls exactly those pods (and
// PostgreSQL's reconcile-roles init container then sets the new passwords in the database).

const WORKLOADS = ["Deployment", "StatefulSet"];

/** Each workload's `checksum/*credentials*` annotations, by `kind namespace/name`. */
function credentialChecksums(r: Rendered): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of WORKLOADS.flatMap((k) => r.objects(k)) as Obj[]) {
    const annotations = (w.spec.template.metadata?.annotations ?? {}) as Record<string, string>;
    const sums = Object.entries(annotations)
      .filter(([k]) => k.startsWith("checksum/") && k.includes("credentials"))
      .map(([k, v]) => `${k}=${v}`)
      .sort();
    if (sums.length) out.set(`${w.kind} ${w.metadata.namespace}/${w.metadata.name}`, sums.join(" "));
  }
  return out;
}

const changedBetween = (a: Map<string, string>, b: Map<string, string>) => [...a.keys()].filter((k) => a.get(k) !== b.get(k)).sort();

describe("password rotation rolls exactly the pods that read the password", function () {
  this.timeout(120_000);
  let base: Map<string, string>;
  before(async () => {
    base = credentialChecksums(await renderWithSecrets({}, { redisPassword: "redis-1", postgresPasswordSeed: "seed-1" }));
  });

  it("every workload that reads a Secret the stack creates carries a checksum of its credentials", async () => {
    const r = await renderWithSecrets({}, { redisPassword: "redis-1", postgresPasswordSeed: "seed-1" });
    const secrets = new Set(r.objects("Secret").map((s) => `${s.metadata.namespace}/${s.metadata.name}`));
    const readers = (WORKLOADS.flatMap((k) => r.objects(k)) as Obj[]).filter((w) => {
      const spec = w.spec.template.spec;
      const names = [
        ...[...(spec.initContainers ?? []), ...spec.containers].flatMap((c: Obj) => (c.env ?? []).map((e: Obj) => e.valueFrom?.secretKeyRef?.name)),
        ...(spec.volumes ?? []).map((v: Obj) => v.secret?.secretName),
      ].filter(Boolean);
      return names.some((n: string) => secrets.has(`${w.metadata.namespace}/${n}`));
    });
    assert.equal(readers.length, 10, "PostgreSQL, Redis, the seven service Deployments with a database or a cache, and Grafana");
    assert.deepEqual(
      readers.map((w) => `${w.kind} ${w.metadata.namespace}/${w.metadata.name}`).filter((id) => !credentialChecksums(r).has(id)),
      [],
    );
  });

  it("a new Redis password rolls Redis and its clients only", async () => {
    const rotated = credentialChecksums(await renderWithSecrets({}, { redisPassword: "redis-2", postgresPasswordSeed: "seed-1" }));
    assert.deepEqual(changedBetween(base, rotated), [
      "Deployment microservices/inventory-service",
      "Deployment microservices/order-service",
      "Deployment microservices/order-service-v2",
      "StatefulSet data/redis",
    ]);
  });

  it("new PostgreSQL passwords roll PostgreSQL and every service with a database or the saga log", async () => {
    const rotated = credentialChecksums(await renderWithSecrets({}, { redisPassword: "redis-1", postgresPasswordSeed: "seed-2" }));
    assert.deepEqual(changedBetween(base, rotated), [
      "Deployment microservices/analytics-service",
      "Deployment microservices/auth-service",
      "Deployment microservices/inventory-service",
      "Deployment microservices/order-service",
      "Deployment microservices/order-service-v2",
      "Deployment microservices/payment-service",
      "Deployment microservices/user-service",
      "StatefulSet data/postgres",
    ]);
  });

  it("never puts a password in a checksum's stead: the annotation is a sha256, not the value", async () => {
    for (const sums of base.values()) for (const sum of sums.split(" ")) assert.match(sum, /^checksum\/[a-z-]+=[0-9a-f]{64}$/);
  });
});

describe("credentials checksums tell different credentials apart", function () {
  this.timeout(120_000);
  /** The Secrets a workload reads, by name. */
  const secretsRead = (w: Obj): string[] => {
    const spec = w.spec.template.spec;
    return [
      ...[...(spec.initContainers ?? []), ...spec.containers].flatMap((c: Obj) => (c.env ?? []).map((e: Obj) => e.valueFrom?.secretKeyRef?.name)),
      ...(spec.volumes ?? []).map((v: Obj) => v.secret?.secretName),
    ].filter(Boolean);
  };

  // The engine test holds the render's checksums to the real engine's one-to-one: two readers of different
  // credentials that share a checksum in the render (two secrets mocked alike) fail it. Every stack the engine
  // runs, and dev, with secrets from config.
  for (const stack of ["ci", "kwok", "dev"]) {
    it(`on ${stack}: readers of different Secrets never share a checksum`, async () => {
      const r = await renderWithSecrets(
        chartsFolderOverrides(stack),
        stack === "dev" ? { redisPassword: "r", postgresPasswordSeed: "p", grafanaAdminPassword: "g" } : {},
        stack,
      );
      // Workloads sharing a checksum must share a Secret it covers.
      const bySum = new Map<string, { workload: string; secrets: string[] }[]>();
      for (const w of WORKLOADS.flatMap((k) => r.objects(k)) as Obj[]) {
        const annotations = (w.spec.template.metadata?.annotations ?? {}) as Record<string, string>;
        for (const [, sum] of Object.entries(annotations).filter(([k]) => k.startsWith("checksum/") && k.includes("credentials"))) {
          bySum.set(sum, [...(bySum.get(sum) ?? []), { workload: `${w.kind} ${w.metadata.name}`, secrets: secretsRead(w) }]);
        }
      }
      assert.ok(bySum.size >= 3, `credentials checksums found: ${bySum.size}`);
      const unrelated = [...bySum.values()]
        .filter((readers) => !readers[0].secrets.some((secret) => readers.every((x) => x.secrets.includes(secret))))
        .map((readers) => readers.map((x) => x.workload).join(" and "));
      assert.deepEqual(unrelated, [], "workloads that read no Secret in common share a credentials checksum");
    });
  }
});
