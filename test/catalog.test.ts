import { strict as assert } from "assert";
import { SERVICES, ServiceEntry, validateCatalog } from "../catalog";
import { render } from "./helpers/render";

/** The catalog with one service's config changed. */
function withService(name: string, change: Record<string, unknown>): ServiceEntry[] {
  return SERVICES.map((s) => (s.config.service_name === name ? { ...s, config: { ...s.config, ...change } } : s));
}

describe("catalog validation", () => {
  it("accepts the spec's catalog", () => {
    assert.doesNotThrow(() => validateCatalog(SERVICES));
  });

  const cases: [string, ServiceEntry[], string][] = [
    [
      "an unknown dependency",
      withService("user_service", { dependencies: ["billing_service"] }),
      'catalog: service "user_service" field "dependencies": "billing_service" is not a service of the catalog',
    ],
    [
      "a self dependency",
      withService("email_service", { dependencies: ["email_service"] }),
      'catalog: service "email_service" field "dependencies": the service depends on itself',
    ],
    [
      "a dependency cycle",
      withService("auth_service", { dependencies: ["order_service"] }),
      'catalog: service "user_service" field "dependencies": dependency cycle user_service → auth_service → order_service → user_service',
    ],
    [
      "a duplicate name",
      [...SERVICES, { ...SERVICES[0], config: { ...SERVICES[0].config, port: 9999 } }],
      'catalog: service "user_service" field "service_name": is used by two services; names must be unique',
    ],
    [
      "a duplicate port",
      withService("email_service", { port: 8001 }),
      'catalog: service "email_service" field "port": 8001 is already the port of "user_service"; give each service its own',
    ],
    ...[15000, 15020, 15090].map((port): [string, ServiceEntry[], string] => [
      `Istio's port ${port}`,
      withService("email_service", { port }),
      `catalog: service "email_service" field "port": ${port} is reserved by Istio (15000-15090 are its sidecar's and istiod's ports); choose a port outside that range`,
    ]),
    ["zero replicas", withService("order_service", { replicas: 0 }), 'catalog: service "order_service" field "replicas": 0 is not an integer of at least 1'],
    [
      "fractional replicas",
      withService("order_service", { replicas: 2.5 }),
      'catalog: service "order_service" field "replicas": 2.5 is not an integer of at least 1',
    ],
    [
      "a name that is not a Kubernetes name",
      withService("email_service", { service_name: "Email_Service" }),
      'catalog: service "Email_Service" field "service_name": "Email-Service" is not a valid Kubernetes name: use lowercase letters, digits and "_" (at most 63, starting with a letter)',
    ],
  ];
  for (const [what, catalog, message] of cases) {
    it(`rejects ${what}`, () => {
      assert.throws(() => validateCatalog(catalog), { message });
    });
  }

  it("accepts the ports just outside Istio's range", () => {
    for (const port of [14999, 15091]) validateCatalog(withService("email_service", { port }));
  });

  it("a bad catalog fails the program before any resource is registered", async () => {
    await assert.rejects(render({}, { services: withService("user_service", { dependencies: ["nope_service"] }) }), /"nope_service" is not a service/);
    // A fresh render afterwards shows that nothing of the failed run leaked into it.
    const fresh = await render({ components: [] });
    assert.equal(fresh.objects("Deployment").length, 8);
  });
});
