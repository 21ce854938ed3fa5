import { strict as assert } from "assert";
import { MESH } from "../../catalog";
import { Rendered, render } from "../helpers/render";

/**
 * The order in which the engine may create things: what each resource was registered to depend
 * on (`dependsOn` and the Outputs among its inputs), read off the mock monitor's requests.
 */
type Registration = { type: string; name: string; urn?: string; dependencies: Set<string> };

function recordDependencies(): { registrations: Registration[]; restore: () => void } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- internal SDK module without typings
  const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as { MockMonitor: { prototype: Record<string, any> } };
  const original = MockMonitor.prototype.registerResource;
  const registrations: Registration[] = [];
  MockMonitor.prototype.registerResource = function (this: unknown, req: any, callback: (err: unknown, resp: any) => void) {
    const dependencies = new Set<string>(req.getDependenciesList());
    req.getPropertydependenciesMap().forEach((deps: any) => deps.getUrnsList().forEach((u: string) => dependencies.add(u)));
    const registration: Registration = { type: req.getType(), name: req.getName(), dependencies };
    registrations.push(registration);
    return original.call(this, req, (err: unknown, resp: any) => {
      if (!err) registration.urn = resp.getUrn();
      callback(err, resp);
    });
  };
  return {
    registrations,
    restore: () => {
      MockMonitor.prototype.registerResource = original;
    },
  };
}

const RELEASE = "kubernetes:helm.sh/v3:Release";
const isMeshObject = (r: Registration) => /^kubernetes:(networking|security)\.istio\.io\/v1:/.test(r.type);

describe("Istio install order: CRDs and webhooks before anything that needs them", function () {
  this.timeout(120_000);
  let registrations: Registration[];
  let rendered: Rendered;

  before(async () => {
    const recorder = recordDependencies();
    try {
      rendered = await render();
    } finally {
      recorder.restore();
    }
    registrations = recorder.registrations;
  });

  const urnOf = (type: string, name: string) => {
    const found = registrations.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `${type} ${name}`);
    return found[0].urn!;
  };

  it("the platform's injected namespaces (kong, data, monitoring) wait for istiod, so their pods get sidecars", () => {
    const istiod = urnOf(RELEASE, MESH.install.releases.istiod);
    const namespaces = registrations.filter(
      (r) => r.type === "kubernetes:core/v1:Namespace" && ["kong-namespace", "data", "monitoring-namespace"].includes(r.name),
    );
    assert.equal(namespaces.length, 3);
    for (const ns of namespaces) assert.ok(ns.dependencies.has(istiod), `${ns.name} waits for istiod`);
  });

  it("base → istiod → gateway: each release waits for the previous one", () => {
    const base = urnOf(RELEASE, MESH.install.releases.base);
    const istiod = urnOf(RELEASE, MESH.install.releases.istiod);
    const releases = registrations.filter((r) => r.type === RELEASE);
    assert.ok(releases.find((r) => r.name === "istiod")!.dependencies.has(base));
    assert.ok(releases.find((r) => r.name === "istio-ingress")!.dependencies.has(istiod));
    assert.ok(
      rendered.ofType(RELEASE).every((r) => r.inputs.skipAwait === false),
      "releases are awaited",
    );
  });

  it("every Istio object waits for the awaited istiod release (CRDs installed, webhook answering)", () => {
    const istiod = urnOf(RELEASE, MESH.install.releases.istiod);
    const objects = registrations.filter(isMeshObject);
    assert.ok(objects.length > 20);
    for (const o of objects) assert.ok(o.dependencies.has(istiod), `${o.type} ${o.name}`);
  });

  it("every service's Deployments wait for istiod (the injection webhook must see their pods)", () => {
    const istiod = urnOf(RELEASE, MESH.install.releases.istiod);
    const services = registrations.filter((r) => r.type === "microservices:ecosystem:MicroService");
    assert.equal(services.length, 8);
    for (const s of services) assert.ok(s.dependencies.has(istiod), s.name);
  });
});

describe("Istio install order without webhooks (the cluster lane): only the CRDs are waited for", function () {
  this.timeout(120_000);
  let registrations: Registration[];

  before(async () => {
    const recorder = recordDependencies();
    try {
      await render({ istio: { webhooks: false } });
    } finally {
      recorder.restore();
    }
    registrations = recorder.registrations;
  });

  const urnOf = (name: string) => registrations.find((r) => r.type === RELEASE && r.name === name)!.urn!;

  it("every Istio object waits for the base release (its CRDs), not for istiod", () => {
    const objects = registrations.filter(isMeshObject);
    assert.ok(objects.length > 20);
    for (const o of objects) {
      assert.ok(o.dependencies.has(urnOf(MESH.install.releases.base)), `${o.type} ${o.name} waits for the CRDs`);
      assert.ok(!o.dependencies.has(urnOf(MESH.install.releases.istiod)), `${o.type} ${o.name} need not wait for istiod`);
    }
  });

  it("no service and no platform namespace waits for istiod (no injection webhook to wait for)", () => {
    const istiod = urnOf(MESH.install.releases.istiod);
    const waiting = registrations.filter(
      (r) => (r.type === "microservices:ecosystem:MicroService" || r.type === "kubernetes:core/v1:Namespace") && r.dependencies.has(istiod),
    );
    assert.deepEqual(
      waiting.map((r) => r.name),
      [],
    );
  });
});
