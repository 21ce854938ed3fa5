import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { orphanedPlugins, parsePs } from "../tools/recover/orphaned-plugins";
import { ExportedDeployment, ExportedResource, HelmRecord, Live, ObjectRef, recoveredDeployment, recoveryPlan } from "../tools/recover/plan";

// npm run recover's plan, on states shaped like those a killed `pulumi up` leaves (the cluster lane's
// step 8 runs it against a real one).

const STACK = "urn:pulumi:prod::microservices-ecosystem::";
const PROVIDER_URN = `${STACK}pulumi:providers:kubernetes::kubernetes`;
const PROVIDER = `${PROVIDER_URN}::0f1e`;
const COMPONENT = `${STACK}microservices:platform:PostgreSQL::postgresql`;

const stackResource: ExportedResource = { urn: `${STACK}pulumi:pulumi:Stack::microservices-ecosystem-prod`, type: "pulumi:pulumi:Stack", custom: false };
const providerResource: ExportedResource = { urn: PROVIDER_URN, type: "pulumi:providers:kubernetes", custom: true, id: "0f1e" };
const namespace: ExportedResource = {
  urn: `${STACK}kubernetes:core/v1:Namespace::data`,
  type: "kubernetes:core/v1:Namespace",
  custom: true,
  id: "data",
  provider: PROVIDER,
  inputs: { apiVersion: "v1", kind: "Namespace", metadata: { name: "data" } },
  outputs: { apiVersion: "v1", kind: "Namespace", metadata: { name: "data" } },
};

function object(kind: string, name: string, extra: Partial<ExportedResource> = {}): ExportedResource {
  const apiVersion = kind === "StatefulSet" ? "apps/v1" : "v1";
  return {
    urn: `${STACK}microservices:platform:PostgreSQL$kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}::${name}`,
    type: `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`,
    custom: true,
    parent: COMPONENT,
    provider: PROVIDER,
    dependencies: [namespace.urn],
    inputs: { apiVersion, kind, metadata: { name, namespace: "data" } },
    ...extra,
  };
}

const release = (name: string, namespace = "istio-system"): ExportedResource => ({
  urn: `${STACK}microservices:platform:Istio$kubernetes:helm.sh/v3:Release::${name}`,
  type: "kubernetes:helm.sh/v3:Release",
  custom: true,
  provider: PROVIDER,
  inputs: { name, namespace, chart: name },
});

const creating = (resource: ExportedResource) => ({ type: "creating", resource });

/** A cluster holding `objects` (`Kind namespace/name`) and Helm `records` by `namespace/release`. */
function cluster(objects: string[], records: Record<string, HelmRecord[]> = {}): Live & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    objectNamespace(ref: ObjectRef) {
      const key = `${ref.kind} ${ref.namespace ?? ""}/${ref.name}`;
      asked.push(key);
      return objects.includes(key) ? (ref.namespace ?? "") : undefined;
    },
    helmRecords: (r) => records[`${r.namespace}/${r.name}`] ?? [],
  };
}

const record = (release: string, version: number, status: string): HelmRecord => ({ secret: `sh.helm.release.v1.${release}.v${version}`, status, version });

describe("npm run recover: the plan for a stack whose pulumi up was interrupted", () => {
  const component: ExportedResource = { urn: COMPONENT, type: "microservices:platform:PostgreSQL", custom: false };
  const statefulSet = object("StatefulSet", "postgres", {
    dependencies: [namespace.urn, `${STACK}microservices:platform:PostgreSQL$kubernetes:core/v1:Secret::postgres-credentials`],
  });
  const secret = object("Secret", "postgres-credentials");
  const service = object("Service", "postgres");
  const deployment: ExportedDeployment = {
    resources: [stackResource, providerResource, namespace],
    pending_operations: [
      creating(component),
      creating(secret),
      creating(service),
      creating(statefulSet),
      creating(release("istio-base")),
      creating(release("istiod")),
    ],
  };
  const live = cluster(["Secret data/postgres-credentials", "StatefulSet data/postgres"], {
    "istio-system/istio-base": [record("istio-base", 1, "pending-install")],
    "istio-system/istiod": [record("istiod", 1, "deployed")],
  });
  const plan = recoveryPlan(deployment, live);

  it("adopts the pending creates whose object exists, with the provider's ID (namespace/name)", () => {
    assert.deepEqual(
      plan.imports.map((i) => [i.resource.urn, i.resource.id]),
      [
        [secret.urn, "data/postgres-credentials"],
        [statefulSet.urn, "data/postgres"],
        [release("istiod").urn, "istio-system/istiod"],
      ],
    );
    // Until `pulumi refresh` reads them, the adopted entries hold what the program asked for.
    assert.deepEqual(plan.imports[0].resource.outputs, secret.inputs);
  });

  it("drops the creates of nothing that exists, and a release whose only record is pending (Helm then installs it again)", () => {
    assert.deepEqual(
      plan.clears.map((c) => c.what),
      ["Service data/postgres (not in the cluster)", "Helm release istio-system/istio-base (no deployed revision)"],
    );
    assert.deepEqual(
      plan.pendingHelmRecords.map((r) => `${r.namespace}/${r.secret} ${r.status}`),
      ["istio-system/sh.helm.release.v1.istio-base.v1 pending-install"],
    );
  });

  it("falls back to the last deployed revision of an upgrade left pending", () => {
    const upgrading: ExportedDeployment = {
      resources: [stackResource, providerResource, { ...release("istiod"), id: "istio-system/istiod" }],
      pending_operations: [],
    };
    const found = recoveryPlan(
      upgrading,
      cluster([], { "istio-system/istiod": [record("istiod", 1, "superseded"), record("istiod", 2, "deployed"), record("istiod", 3, "pending-upgrade")] }),
    );
    assert.deepEqual(
      found.pendingHelmRecords.map((r) => `${r.secret} ${r.status}`),
      ["sh.helm.release.v1.istiod.v3 pending-upgrade"],
    );
    assert.deepEqual(found.imports, []);
  });

  it("restores the components and appends the adopted objects after all they name, without references to dropped creates", () => {
    const { deployment: recovered, dropped } = recoveredDeployment(deployment, plan);
    assert.deepEqual(dropped, []);
    assert.deepEqual(recovered.pending_operations, []);
    const urns = recovered.resources!.map((r) => r.urn);
    assert.deepEqual(urns.slice(3), [component.urn, secret.urn, statefulSet.urn, release("istiod").urn]);
    // Every resource comes after its parent, its provider and its dependencies (what `pulumi stack import` verifies).
    for (const [i, r] of recovered.resources!.entries()) {
      const before = new Set(urns.slice(0, i));
      for (const named of [r.parent, r.provider?.slice(0, r.provider.lastIndexOf("::")), ...((r.dependencies as string[]) ?? [])].filter(Boolean)) {
        assert.ok(before.has(named as string), `${r.urn} names ${named}, which does not come first`);
      }
    }
    assert.deepEqual(recovered.resources!.find((r) => r.urn === statefulSet.urn)!.dependencies, [namespace.urn, secret.urn]);
  });

  it("points a create left pending by an earlier run at the provider the stack has now, and drops one whose provider is gone", () => {
    const stale = { ...secret, provider: `${PROVIDER_URN}::an-old-id` };
    const orphanProvider = object("ConfigMap", "settings", { provider: `${STACK}pulumi:providers:kubernetes::other::1` });
    const older: ExportedDeployment = { resources: deployment.resources, pending_operations: [creating(component), creating(stale), creating(orphanProvider)] };
    const found = recoveryPlan(older, cluster(["Secret data/postgres-credentials", "ConfigMap data/settings"]));
    const { deployment: recovered, dropped } = recoveredDeployment(older, found);
    assert.equal(recovered.resources!.find((r) => r.urn === secret.urn)!.provider, PROVIDER);
    assert.deepEqual(dropped, [orphanProvider.urn]);
  });

  it("keeps one entry per URN (a pending create outlives later runs) and none for what the state already holds", () => {
    const repeated: ExportedDeployment = {
      resources: [...deployment.resources!, { ...service, id: "data/postgres" }],
      pending_operations: [creating(secret), creating(secret), creating(service)],
    };
    const found = recoveryPlan(repeated, cluster(["Secret data/postgres-credentials", "Service data/postgres"]));
    assert.deepEqual(
      found.imports.map((i) => i.resource.urn),
      [secret.urn],
    );
    assert.deepEqual(found.clears, []);
  });

  it("leaves pending updates and deletes to pulumi refresh", () => {
    const found = recoveryPlan({ resources: deployment.resources, pending_operations: [{ type: "updating", resource: namespace }] }, cluster([]));
    assert.deepEqual(found.otherPending, [{ urn: namespace.urn, type: "updating" }]);
    assert.deepEqual([found.imports, found.clears, found.components], [[], [], []]);
  });
});

describe("npm run recover: plugins an interrupted run left running", () => {
  const ps = parsePs(
    [
      "    1     0 /sbin/init",
      "  100     1 pulumi up --yes --stack prod",
      "  101   100 /home/u/.pulumi/plugins/resource-kubernetes-v4.25.0/pulumi-resource-kubernetes 127.0.0.1:4000",
      "  102   100 /home/u/.pulumi/bin/pulumi-language-nodejs 127.0.0.1:4000",
      "  103   102 node /repo/node_modules/@pulumi/pulumi/cmd/run 127.0.0.1:4000",
      "  200     1 /home/u/.pulumi/plugins/resource-kubernetes-v4.25.0/pulumi-resource-kubernetes 127.0.0.1:5000",
      "  201     1 /bin/sh /home/u/.pulumi/bin/pulumi-resource-pulumi-nodejs 127.0.0.1:5000",
      "  300     1 vim pulumi-resource-notes.txt",
    ].join("\n"),
  );

  it("names the plugins no running CLI started (killing a CLI leaves them running), not those of a live run", () => {
    assert.deepEqual(
      orphanedPlugins(ps).map((p) => p.pid),
      [200, 201],
    );
  });
});

describe("npm run recover (command line)", () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "..", "tools", "recover.ts"), ...args], { encoding: "utf8" });

  it("prints its usage and exits 2 on an unknown flag or an empty value", () => {
    const unknown = run("--force");
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /recover: Unknown option '--force'[\s\S]*usage: npm run recover -- \[--stack <name>\]/);
    const empty = run("--stack", "");
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /--stack and --context need a value/);
    assert.match(run("--help").stdout, /--yes {15}apply the plan/);
  });
});
