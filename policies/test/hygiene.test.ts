import * as assert from "node:assert/strict";
import { canaryWeights } from "../src/hygiene/canary-weights";
import { containerProbes } from "../src/hygiene/container-probes";
import { containerResources } from "../src/hygiene/container-resources";
import { imageReference, pinnedImageTags } from "../src/hygiene/pinned-image-tags";
import { restrictedPodSecurity } from "../src/hygiene/restricted-pod-security";
import { virtualServiceSubsets } from "../src/hygiene/virtual-service-subsets";
import { NS, Props, T, compliantStack, deployment, expectNone, expectOne, mutate, resource, virtualService, violations } from "./fixtures";

const dep = (change?: (p: Props) => void) => {
  const props = deployment("user-service", 3);
  change?.(props);
  return resource(T.deployment, props);
};
const container = (p: Props) => p.spec.template.spec.containers[0];
const cronJob = (change?: (p: Props) => void) => {
  const d = deployment("report", 1);
  const props: Props = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "report", namespace: NS },
    spec: { schedule: "@daily", jobTemplate: { spec: { template: { ...d.spec.template } } } },
  };
  change?.(props);
  return resource("kubernetes:batch/v1:CronJob", props);
};

describe("hygiene policies are advisory by default", () => {
  for (const policy of [containerProbes, containerResources, pinnedImageTags, virtualServiceSubsets, canaryWeights]) {
    it(policy.name, () => assert.equal(policy.enforcementLevel, "advisory"));
  }
});

describe("policy container-probes", () => {
  it("passes a Deployment with both probes", async () => expectNone(containerProbes, dep()));
  it("fails a missing readiness probe", async () => {
    await expectOne(
      containerProbes,
      dep((p) => {
        delete container(p).readinessProbe;
      }),
      [/containers\[0\] \(service\).readinessProbe is unset/],
    );
  });
  it("fails a missing liveness probe", async () => {
    await expectOne(
      containerProbes,
      dep((p) => {
        delete container(p).livenessProbe;
      }),
      [/livenessProbe is unset/],
    );
  });
  it("does not apply to CronJobs (pods that run to completion)", async () => {
    await expectNone(
      containerProbes,
      cronJob((p) => {
        delete p.spec.jobTemplate.spec.template.spec.containers[0].livenessProbe;
      }),
    );
  });
  it("can be relaxed by config", async () => {
    await expectNone(
      containerProbes,
      dep((p) => {
        delete container(p).livenessProbe;
      }),
      { requireLiveness: false },
    );
  });
});

describe("policy container-resources", () => {
  it("passes requests and a memory limit", async () => expectNone(containerResources, dep()));
  for (const [block, field] of [
    ["requests", "cpu"],
    ["requests", "memory"],
    ["limits", "memory"],
  ]) {
    it(`fails a missing resources.${block}.${field}`, async () => {
      await expectOne(
        containerResources,
        dep((p) => {
          delete container(p).resources[block][field];
        }),
        [new RegExp(`resources.${block}.${field} is unset`)],
      );
    });
  }
  it("checks init containers and CronJob pods too", async () => {
    await expectOne(
      containerResources,
      dep((p) => {
        p.spec.template.spec.initContainers = [{ name: "migrate", image: "x:1", resources: { requests: { cpu: "1", memory: "1Mi" } } }];
      }),
      [/initContainers\[0\] \(migrate\).resources.limits.memory/],
    );
    await expectOne(
      containerResources,
      cronJob((p) => {
        delete p.spec.jobTemplate.spec.template.spec.containers[0].resources.requests.cpu;
      }),
      [/spec.jobTemplate.spec.template.spec.containers\[0\]/],
    );
  });
  it("requires a CPU limit only when configured", async () => {
    const noCpuLimit = dep((p) => {
      delete container(p).resources.limits.cpu;
    });
    await expectNone(containerResources, noCpuLimit);
    await expectOne(containerResources, noCpuLimit, [/limits.cpu is unset/], { requireCpuLimit: true });
  });
});

describe("policy pinned-image-tags", () => {
  it("parses tags and digests behind a registry port", () => {
    assert.deepEqual(imageReference("localhost:5001/microservices/user"), { tag: undefined, digest: undefined });
    assert.deepEqual(imageReference("localhost:5001/microservices/user:v1.0"), { tag: "v1.0", digest: undefined });
    assert.equal(imageReference(`user@sha256:${"0".repeat(64)}`).digest, `sha256:${"0".repeat(64)}`);
  });
  it("passes a version tag and a digest", async () => {
    await expectNone(pinnedImageTags, dep());
    await expectNone(
      pinnedImageTags,
      dep((p) => {
        container(p).image = `localhost:5001/microservices/service-runtime@sha256:${"0".repeat(64)}`;
      }),
    );
  });
  it("fails latest", async () => {
    await expectOne(
      pinnedImageTags,
      dep((p) => {
        container(p).image = "localhost:5001/microservices/user:latest";
      }),
      [/floating tag latest/],
    );
  });
  it("fails an untagged image (behind a registry port too)", async () => {
    await expectOne(
      pinnedImageTags,
      dep((p) => {
        container(p).image = "localhost:5001/microservices/user";
      }),
      [/has no tag, so it pulls latest/],
    );
  });
  it("requires digests when configured", async () => {
    await expectOne(pinnedImageTags, dep(), [/has no digest/], { requireDigest: true });
  });
});

describe("policy restricted-pod-security", () => {
  it("passes the hardened service pod", async () => expectNone(restrictedPodSecurity, dep()));
  const cases: [string, (p: Props) => void, RegExp][] = [
    [
      "runAsNonRoot unset",
      (p) => {
        delete p.spec.template.spec.securityContext.runAsNonRoot;
        delete container(p).securityContext.runAsNonRoot;
      },
      /runAsNonRoot is not true/,
    ],
    [
      "allowPrivilegeEscalation unset",
      (p) => {
        delete container(p).securityContext.allowPrivilegeEscalation;
      },
      /allowPrivilegeEscalation is unset \(true\)/,
    ],
    [
      "capabilities not dropped",
      (p) => {
        container(p).securityContext.capabilities.drop = ["NET_RAW"];
      },
      /capabilities.drop does not include ALL/,
    ],
    [
      "seccomp unset",
      (p) => {
        delete p.spec.template.spec.securityContext.seccompProfile;
      },
      /seccomp profile unset \(Unconfined\)/,
    ],
    [
      "seccomp Unconfined",
      (p) => {
        container(p).securityContext.seccompProfile = { type: "Unconfined" };
      },
      /seccomp profile Unconfined/,
    ],
    [
      "writable root filesystem",
      (p) => {
        container(p).securityContext.readOnlyRootFilesystem = false;
      },
      /readOnlyRootFilesystem is not true/,
    ],
    [
      "privileged",
      (p) => {
        container(p).securityContext.privileged = true;
      },
      /privileged is true/,
    ],
    [
      "hostNetwork",
      (p) => {
        p.spec.template.spec.hostNetwork = true;
      },
      /hostNetwork is true/,
    ],
    [
      "root user with runAsNonRoot",
      (p) => {
        container(p).securityContext.runAsUser = 0;
      },
      /runs as user 0/,
    ],
  ];
  for (const [what, change, pattern] of cases) {
    it(`fails ${what}`, async () => expectOne(restrictedPodSecurity, dep(change), [pattern]));
  }
});

describe("policy virtual-service-subsets (stack)", () => {
  it("passes the compliant stack (order-service canary v1/v2)", async () => expectNone(virtualServiceSubsets, compliantStack()));
  it("fails a route to a subset no DestinationRule defines", async () => {
    const stack = mutate(compliantStack(), T.destinationRule, "order-service", (p) => {
      p.spec.subsets = p.spec.subsets.filter((s: Props) => s.name !== "v2");
    });
    // The header route and the weighted route both send traffic to v2.
    const found = await violations(virtualServiceSubsets, stack);
    assert.equal(found.length, 2);
    assert.match(
      found[0].message,
      /spec.http\[0\].route\[0\].destination routes to subset v2 of order-service, but no DestinationRule for order-service.microservices.svc.cluster.local defines it/,
    );
  });
  it("fails a subset whose host has no DestinationRule", async () => {
    const vs = resource(T.virtualService, {
      ...virtualService("user-service"),
      spec: { hosts: ["user-service"], http: [{ route: [{ destination: { host: "user-service", subset: "v1" } }] }] },
    });
    await expectOne(virtualServiceSubsets, [...compliantStack(), vs], [/subset v1 of user-service/]);
  });
});

describe("policy canary-weights", () => {
  const vs = (change?: (p: Props) => void) => {
    const props = virtualService("order-service");
    change?.(props);
    return resource(T.virtualService, props);
  };
  it("passes 90/10 and a single unweighted destination", async () => expectNone(canaryWeights, vs()));
  it("fails weights that do not add up to 100", async () => {
    await expectOne(
      canaryWeights,
      vs((p) => {
        p.spec.http[1].route[1].weight = 20;
      }),
      [/spec.http\[1\].route add up to 110 \(v1=90, v2=20\)/],
    );
  });
  it("fails a split with an unweighted destination", async () => {
    await expectOne(
      canaryWeights,
      vs((p) => {
        delete p.spec.http[1].route[1].weight;
      }),
      [/add up to 90 \(v1=90, v2=unset\)/],
    );
  });
  it("checks tcp routes too", async () => {
    await expectOne(
      canaryWeights,
      vs((p) => {
        p.spec.tcp = [
          {
            route: [
              { destination: { host: "a" }, weight: 50 },
              { destination: { host: "b" }, weight: 40 },
            ],
          },
        ];
      }),
      [/spec.tcp\[0\].route add up to 90/],
    );
  });
});
