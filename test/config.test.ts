import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as os from "os";
import { parse } from "yaml";
import { PLATFORM_COMPONENTS } from "../catalog";
import { RecordedResource, runUnderMocks } from "../tools/render/mock-engine";
import { loadStackSettings } from "../tools/render/stack-settings";
import { deployEcosystem } from "../stacks/ecosystem";
import { NS } from "./helpers/render";

const ROOT = path.join(__dirname, "..");

/** Runs the program with overrides and returns what it registered, or the error it failed with. */
async function run(overrides: Record<string, unknown>): Promise<{ error?: Error; resources: RecordedResource[] }> {
  const full = Object.fromEntries(Object.entries(overrides).map(([k, v]) => [`${NS}:${k}`, v]));
  const settings = loadStackSettings(ROOT, "dev", full);
  let resources: RecordedResource[] = [];
  try {
    resources = await runUnderMocks(settings, () => deployEcosystem());
    return { resources };
  } catch (error) {
    return { error: error as Error, resources };
  }
}

describe("stack config", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["an unknown environment", { environment: "staging" }, `${NS}:environment must be one of dev, prod`],
    [
      "an unknown service",
      { services: { billing_service: { replicas: 2 } } },
      `${NS}:services.billing_service is not a service of the catalog: use one of user_service, order_service, payment_service, inventory_service, notification_service, analytics_service, auth_service, email_service`,
    ],
    [
      "an unknown service field",
      { services: { user_service: { replica: 2 } } },
      `${NS}:services.user_service has an unknown field "replica": remove it or check its spelling (known fields: replicas, image, resources)`,
    ],
    [
      "zero replicas",
      { services: { user_service: { replicas: 0 } } },
      `${NS}:services.user_service.replicas must be >= 1: see the services row of the README's config table (replicas: integer ≥ 1, image: pinned tag or digest, resources: quantities)`,
    ],
    [
      "an unpinned image tag",
      { images: { repository: "r", tag: "latest", build: false } },
      `${NS}:images.tag "latest" is not allowed: pin a version tag such as v1.0.0 (latest changes under a running stack)`,
    ],
    ["an unknown component", { components: ["kong", "consul"] }, `${NS}:components.1 must be one of ${PLATFORM_COMPONENTS.join(", ")}`],
    [
      "settings of a component the stack does not compose",
      { components: ["kong"], istio: { faultInjection: true } },
      `${NS}:istio is set but istio is not in ${NS}:components: add it there or remove its settings`,
    ],
    [
      "a misspelt images field (reported before the field it leaves missing)",
      { images: { repository: "r", tag: "v1", biuld: true } },
      `${NS}:images has an unknown field "biuld": remove it or check its spelling (known fields: repository, tag, build, platform)`,
    ],
    [
      "an images object without every field",
      { images: { tag: "v2" } },
      `${NS}:images.repository is not set: a stack's images replaces Pulumi.yaml's default object whole: set repository, tag and build`,
    ],
    [
      "a service image tagged latest",
      { services: { user_service: { image: "repo/x:latest" } } },
      `${NS}:services.user_service.image "repo/x:latest" is not allowed: see the services row of the README's config table (replicas: integer ≥ 1, image: pinned tag or digest, resources: quantities)`,
    ],
    [
      "an invalid namespace",
      { namespace: "Micro_Services" },
      `${NS}:namespace must match pattern "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$": use a DNS-1123 label such as microservices`,
    ],
    ...["kube-system", "kube-public", "default"].map((ns): [string, Record<string, unknown>, string] => [
      `the cluster's namespace ${ns}`,
      { namespace: ns },
      `${NS}:namespace ${ns} is a namespace of the cluster's own: the services' default-deny NetworkPolicy, allow-nothing AuthorizationPolicy and sidecar injection would apply to everything in it (cluster DNS included); use a namespace of the services' own, such as microservices`,
    ]),
    ...(
      [
        ["istio-system", "Istio's control plane"],
        ["istio-ingress", "Istio's ingress gateway"],
        ["kong", "Kong"],
        ["data", "the data stores"],
        ["monitoring", "Jaeger and Prometheus"],
      ] as const
    ).map(([ns, owner]): [string, Record<string, unknown>, string] => [
      `the platform namespace ${ns}`,
      { namespace: ns },
      `${NS}:namespace ${ns} is where this stack runs ${owner}, whose traffic the services' default-deny policies would cut; use a namespace of the services' own, such as microservices`,
    ]),
    [
      "an unknown key",
      { replicas: 3 },
      `${NS}:replicas is not a config key of this project: remove it or use one of environment, namespace, artifactsDir, components, services, images, kubeContext, renderYamlToDirectory, storageClass, network, redisPassword, postgresPasswordSeed, alertmanagerPageCredential, alertmanagerTicketCredential, alertmanagerHeartbeatCredential, grafanaAdminPassword, istio, kong, jaeger, prometheus, postgresql, redis, eventstore`,
    ],
  ];
  for (const [what, overrides, message] of cases) {
    it(`rejects ${what} with one line naming the key, and creates nothing`, async () => {
      const { error, resources } = await run(overrides);
      assert.ok(error, "the program should fail");
      assert.equal(error.message, message);
      assert.equal(error.message.includes("\n"), false);
      assert.deepEqual(
        resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.type),
        [],
      );
    });
  }

  it("a malformed stack file is one line naming the file and the line", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-yaml-"));
    try {
      fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      fs.writeFileSync(
        path.join(dir, "Pulumi.bad.yaml"),
        "config:\n  microservices-ecosystem:environment: dev\n  microservices-ecosystem:images: {repository: r\n",
      );
      assert.throws(
        () => loadStackSettings(dir, "bad"),
        (e: Error) => {
          assert.match(e.message, new RegExp(`^${path.join(dir, "Pulumi.bad.yaml").replace(/[.]/g, "\\.")}:[34]: `));
          assert.equal(e.message.includes("\n"), false);
          return true;
        },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("Pulumi.yaml declares every key of the contract with a type, and the dev stack sets only declared keys", () => {
    const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    const declared = Object.keys(project.config);
    const componentKeys = ["istio", "kong", "jaeger", "prometheus", "postgresql", "redis", "eventstore"];
    for (const key of [
      "environment",
      "namespace",
      "artifactsDir",
      "components",
      "services",
      "images",
      "kubeContext",
      "renderYamlToDirectory",
      "redisPassword",
      "postgresPasswordSeed",
      ...componentKeys,
    ]) {
      assert.ok(declared.includes(key), `${key} is not declared`);
      assert.ok(["string", "integer", "boolean", "array", "object"].includes(project.config[key].type), `${key} has no type`);
    }
    assert.deepEqual(project.config.components.default, [...PLATFORM_COMPONENTS]);
    const dev = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")).config as Record<string, unknown>;
    for (const key of Object.keys(dev)) {
      const [ns, name] = key.split(":");
      assert.equal(ns, NS);
      assert.ok(declared.includes(name) || (PLATFORM_COMPONENTS as readonly string[]).includes(name), `${key} is not declared`);
    }
    assert.equal(dev[`${NS}:kubeContext`], "kind-microservices");
  });
});
