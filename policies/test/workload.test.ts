import * as assert from "node:assert/strict";
import { checkPolicyConfig } from "../../tools/policy/config";
import { EvaluatedResource, Evaluation, evaluate, fromRecorded } from "../../tools/policy/evaluate";
import { renderStack } from "../../tools/render/render-stack";
import { withDefaults } from "../src/lib/config";
import { hostAccess } from "../src/workload/host-access";
import { istioSidecarUid } from "../src/workload/istio-sidecar-uid";
import { probePortsDeclared } from "../src/workload/probe-ports-declared";
import { probesDistinct } from "../src/workload/probes-distinct";
import { rollingUpdateStrategy } from "../src/workload/rolling-update-strategy";
import { selectorMatchesTemplate } from "../src/workload/selector-matches-template";
import { NS, Props, T, clone, deployment, expectNone, expectOne, resource, statefulSet, violations } from "./fixtures";

const WORKLOAD_POLICIES = [probesDistinct, rollingUpdateStrategy, selectorMatchesTemplate, hostAccess, probePortsDeclared, istioSidecarUid];

const W = {
  daemonSet: "kubernetes:apps/v1:DaemonSet",
  replicaSet: "kubernetes:apps/v1:ReplicaSet",
  job: "kubernetes:batch/v1:Job",
  cronJob: "kubernetes:batch/v1:CronJob",
  pod: "kubernetes:core/v1:Pod",
  legacyDeployment: "kubernetes:extensions/v1beta1:Deployment",
} as const;

/** The pod spec of a fixture built from `deployment()` (its template's spec). */
const podSpec = (p: Props): Props => p.spec.template.spec;
const container = (p: Props): Props => podSpec(p).containers[0];

/** fixtures.ts' valid user-service Deployment (3 replicas), changed by `change`. */
const dep = (change?: (p: Props) => void, type: string = T.deployment): EvaluatedResource => {
  const props = deployment("user-service", 3);
  change?.(props);
  return resource(type, props);
};

/** A DaemonSet with the Deployment fixture's selector and pod template. */
const daemonSet = (change?: (p: Props) => void): EvaluatedResource => {
  const { replicas: _, ...spec } = deployment("node-agent", 1).spec;
  const props: Props = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "node-agent", namespace: NS }, spec };
  change?.(props);
  return resource(W.daemonSet, props);
};

/** A CronJob running the Deployment fixture's pod template. */
const cronJob = (change?: (p: Props) => void): EvaluatedResource => {
  const props: Props = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "report", namespace: NS },
    spec: { schedule: "@daily", jobTemplate: { spec: { template: clone(deployment("report", 1).spec.template) } } },
  };
  change?.(props);
  return resource(W.cronJob, props);
};
const cronPodSpec = (p: Props): Props => p.spec.jobTemplate.spec.template.spec;

/** A bare Pod with the Deployment fixture's pod spec. */
const pod = (change?: (p: Props) => void): EvaluatedResource => {
  const template = deployment("debug", 1).spec.template;
  const props: Props = { apiVersion: "v1", kind: "Pod", metadata: { name: "debug", namespace: NS, labels: template.metadata.labels }, spec: template.spec };
  change?.(props);
  return resource(W.pod, props);
};

const configMap = resource(T.configMap, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: NS }, data: {} });

/** A policy that skips a resource records it as not applicable (and reports nothing). */
async function expectNotApplicable(policy: (typeof WORKLOAD_POLICIES)[number], r: EvaluatedResource, settings?: Props): Promise<void> {
  const evaluation = await evaluate([policy], [r], settings ? { [policy.name]: settings } : {});
  assert.deepEqual(evaluation.errors, []);
  assert.deepEqual(
    evaluation.violations.map((v) => v.message),
    [],
  );
  assert.equal(evaluation.notApplicable.length, 1, `${policy.name} should not apply to ${r.type} ${r.name}`);
}

describe("workload policies: level, severity and config", () => {
  const severities: Record<string, string> = {
    "probes-distinct": "medium",
    "rolling-update-strategy": "medium",
    "selector-matches-template": "high",
    "host-access": "high",
    "probe-ports-declared": "medium",
    "istio-sidecar-uid": "medium",
  };
  for (const policy of WORKLOAD_POLICIES) {
    it(`${policy.name} is advisory, severity ${severities[policy.name]}, and its config defaults validate`, () => {
      assert.equal(policy.enforcementLevel, "advisory");
      assert.equal(policy.severity, severities[policy.name]);
      for (const [key, property] of Object.entries(policy.configSchema!.properties)) {
        assert.notEqual((property as Props).default, undefined, `${policy.name}.${key} has no default`);
        assert.ok((property as Props).description, `${policy.name}.${key} has no description`);
      }
      const defaults = withDefaults<Props>(policy.configSchema!, {});
      assert.doesNotThrow(() => checkPolicyConfig({ [policy.name]: { enforcementLevel: "advisory", ...defaults } }, WORKLOAD_POLICIES));
    });
  }
});

describe("policy probes-distinct", () => {
  it("passes /ready for readiness and /health for liveness", async () => expectNone(probesDistinct, dep()));

  it("fails a livenessProbe that runs the readinessProbe's httpGet (timings aside)", async () => {
    await expectOne(
      probesDistinct,
      dep((p) => {
        container(p).livenessProbe = { httpGet: { path: "/ready", port: "http" }, initialDelaySeconds: 30, failureThreshold: 6 };
      }),
      [
        /^Deployment microservices\/user-service: spec\.template\.spec\.containers\[0\] \(service\)\.livenessProbe runs the same httpGet \/ready on port http as its readinessProbe, /,
        /restarts the container instead of only taking it out of the Service's endpoints: point the livenessProbe at a check of the process alone/,
      ],
    );
  });

  it("resolves named ports and Kubernetes' defaults before comparing", async () => {
    await expectOne(
      probesDistinct,
      dep((p) => {
        container(p).readinessProbe = { httpGet: { path: "/ready", port: "http" } };
        container(p).livenessProbe = { httpGet: { path: "/ready", port: 8001, scheme: "HTTP" } };
      }),
      [/livenessProbe runs the same httpGet \/ready on port 8001 as its readinessProbe/],
    );
    await expectOne(
      probesDistinct,
      dep((p) => {
        container(p).readinessProbe = { httpGet: { port: "http" } };
        container(p).livenessProbe = { httpGet: { path: "/", port: "http" } };
      }),
      [/same httpGet \/ on port http/],
    );
  });

  it("fails identical tcpSocket, exec and grpc handlers", async () => {
    const cases: [Props, RegExp][] = [
      [{ tcpSocket: { port: "http" } }, /same tcpSocket check on port http as its readinessProbe/],
      [{ exec: { command: ["pg_isready", "--host=127.0.0.1"] } }, /same exec "pg_isready --host=127\.0\.0\.1" as its readinessProbe/],
      [{ grpc: { port: 8001 } }, /same grpc check on port 8001 as its readinessProbe/],
    ];
    for (const [handler, pattern] of cases) {
      await expectOne(
        probesDistinct,
        dep((p) => {
          container(p).readinessProbe = { ...clone(handler), periodSeconds: 5 };
          container(p).livenessProbe = { ...clone(handler), periodSeconds: 15 };
        }),
        [pattern],
      );
    }
  });

  it("passes handlers that differ in path, port, command, grpc service or handler type", async () => {
    const pairs: [Props, Props][] = [
      [{ httpGet: { path: "/ready", port: "http" } }, { httpGet: { path: "/ready", port: 9090 } }],
      [{ exec: { command: ["redis-cli", "ping"] } }, { exec: { command: ["redis-cli", "info"] } }],
      [{ grpc: { port: 8001, service: "readiness" } }, { grpc: { port: 8001 } }],
      [{ httpGet: { path: "/ready", port: "http" } }, { tcpSocket: { port: "http" } }],
    ];
    for (const [readinessProbe, livenessProbe] of pairs) {
      await expectNone(
        probesDistinct,
        dep((p) => Object.assign(container(p), { readinessProbe, livenessProbe })),
      );
    }
  });

  it("passes a container with only one of the two probes", async () => {
    await expectNone(
      probesDistinct,
      dep((p) => {
        delete container(p).livenessProbe;
      }),
    );
  });

  it("checks every pod template, and skips exempt namespaces and non-workloads", async () => {
    const same = (spec: Props) => {
      spec.containers[0].livenessProbe = clone(spec.containers[0].readinessProbe);
    };
    await expectOne(
      probesDistinct,
      daemonSet((p) => same(podSpec(p))),
      [/^DaemonSet microservices\/node-agent: spec\.template\.spec\.containers\[0\]/],
    );
    await expectOne(
      probesDistinct,
      pod((p) => same(p.spec)),
      [/^Pod microservices\/debug: spec\.containers\[0\] \(service\)\.livenessProbe/],
    );
    await expectNotApplicable(
      probesDistinct,
      dep((p) => same(podSpec(p))),
      { exemptNamespaces: [NS] },
    );
    await expectNotApplicable(probesDistinct, configMap);
  });
});

describe("policy rolling-update-strategy", () => {
  it("passes 3 replicas with the default strategy, and unset replicas (HPA-scaled)", async () => {
    await expectNone(rollingUpdateStrategy, dep());
    await expectNone(
      rollingUpdateStrategy,
      dep((p) => {
        delete p.spec.replicas;
      }),
    );
  });

  it("fails Recreate with 3 replicas", async () => {
    await expectOne(
      rollingUpdateStrategy,
      dep((p) => {
        p.spec.strategy = { type: "Recreate" };
      }),
      [
        /^Deployment microservices\/user-service: spec\.strategy\.type is Recreate with 3 replicas, so every pod stops before a new one starts and each rollout is an outage: use RollingUpdate \(or list the Deployment in allowRecreate/,
      ],
    );
  });

  it("fails Recreate when spec.replicas is unset", async () => {
    await expectOne(
      rollingUpdateStrategy,
      dep((p) => {
        delete p.spec.replicas;
        p.spec.strategy = { type: "Recreate" };
      }),
      [/spec\.strategy\.type is Recreate with spec\.replicas unset/],
    );
  });

  it("does not apply to a single replica (Recreate is fine there)", async () => {
    await expectNotApplicable(
      rollingUpdateStrategy,
      dep((p) => {
        p.spec.replicas = 1;
        p.spec.strategy = { type: "Recreate" };
      }),
    );
  });

  it("allows Recreate for the Deployments in allowRecreate (by name or namespace/name)", async () => {
    const recreate = dep((p) => {
      p.spec.strategy = { type: "Recreate" };
    });
    await expectNone(rollingUpdateStrategy, recreate, { allowRecreate: ["user-service"] });
    await expectNone(rollingUpdateStrategy, recreate, { allowRecreate: [`${NS}/user-service`] });
    await expectOne(rollingUpdateStrategy, recreate, [/is Recreate/], { allowRecreate: ["order-service"] });
  });

  it("fails maxUnavailable 100%, or as many as the replicas", async () => {
    const unavailable = (value: number | string, replicas: number | "unset" = 3) =>
      dep((p) => {
        if (replicas === "unset") delete p.spec.replicas;
        else p.spec.replicas = replicas;
        p.spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: value, maxSurge: 1 } };
      });
    await expectOne(rollingUpdateStrategy, unavailable("100%"), [
      /^Deployment microservices\/user-service: spec\.strategy\.rollingUpdate\.maxUnavailable is 100% with 3 replicas, so a rollout may stop every pod at once: set it below 100%/,
    ]);
    await expectOne(rollingUpdateStrategy, unavailable("100%", "unset"), [/maxUnavailable is 100% with spec\.replicas unset/]);
    await expectOne(rollingUpdateStrategy, unavailable(3), [
      /maxUnavailable is 3 with 3 replicas, so a rollout may stop every pod at once: set it below the replica count/,
    ]);
    await expectOne(rollingUpdateStrategy, unavailable(5), [/maxUnavailable is 5 with 3 replicas/]);
    await expectNone(rollingUpdateStrategy, unavailable(2));
    await expectNone(rollingUpdateStrategy, unavailable("50%"));
    await expectNone(rollingUpdateStrategy, unavailable(3, "unset"));
  });

  it("applies to Deployments only, and skips exempt namespaces", async () => {
    const recreateSts = statefulSet("user-service", 3);
    recreateSts.spec.strategy = { type: "Recreate" };
    await expectNotApplicable(rollingUpdateStrategy, resource(T.statefulSet, recreateSts));
    await expectNotApplicable(
      rollingUpdateStrategy,
      dep((p) => {
        p.spec.strategy = { type: "Recreate" };
      }),
      { exemptNamespaces: [NS] },
    );
  });
});

describe("policy selector-matches-template", () => {
  it("passes the fixture Deployment, StatefulSet and DaemonSet", async () => {
    await expectNone(selectorMatchesTemplate, dep());
    await expectNone(selectorMatchesTemplate, resource(T.statefulSet, statefulSet()));
    await expectNone(selectorMatchesTemplate, daemonSet());
  });

  it("fails a matchLabels value the template does not carry", async () => {
    await expectOne(
      selectorMatchesTemplate,
      dep((p) => {
        p.spec.selector.matchLabels.version = "v2";
      }),
      [
        /^Deployment microservices\/user-service: spec\.selector\.matchLabels version=v2 does not match spec\.template\.metadata\.labels \(version=v1\), so the controller never owns its own pods: make the selector's labels a subset of the template's\.$/,
      ],
    );
  });

  it("fails a matchLabels key the template lacks, on a StatefulSet and a DaemonSet too", async () => {
    const sts = statefulSet();
    sts.spec.selector.matchLabels.component = "api";
    await expectOne(selectorMatchesTemplate, resource(T.statefulSet, sts), [
      /^StatefulSet microservices\/user-service: spec\.selector\.matchLabels component=api does not match spec\.template\.metadata\.labels \(no component label\)/,
    ]);
    // Both of the DaemonSet's selector labels differ from its template's: one violation each.
    const found = await violations(
      selectorMatchesTemplate,
      daemonSet((p) => {
        p.spec.template.metadata.labels = { app: "other" };
      }),
    );
    assert.deepEqual(
      found.map((v) => v.message.split(", so")[0]),
      [
        "DaemonSet microservices/node-agent: spec.selector.matchLabels app=node-agent does not match spec.template.metadata.labels (app=other)",
        "DaemonSet microservices/node-agent: spec.selector.matchLabels version=v1 does not match spec.template.metadata.labels (no version label)",
      ],
    );
  });

  it("evaluates matchExpressions (In, NotIn, Exists, DoesNotExist)", async () => {
    const withExpression = (expression: Props) =>
      dep((p) => {
        p.spec.selector.matchExpressions = [expression];
      });
    await expectNone(selectorMatchesTemplate, withExpression({ key: "tier", operator: "In", values: ["microservices", "edge"] }));
    await expectNone(selectorMatchesTemplate, withExpression({ key: "tier", operator: "NotIn", values: ["cache"] }));
    await expectNone(selectorMatchesTemplate, withExpression({ key: "tier", operator: "Exists" }));
    await expectNone(selectorMatchesTemplate, withExpression({ key: "canary", operator: "DoesNotExist" }));
    const failing: [Props, RegExp][] = [
      [
        { key: "tier", operator: "In", values: ["cache"] },
        /matchExpressions\[0\] \(tier In \[cache\]\) does not hold for spec\.template\.metadata\.labels \(app=user-service,version=v1,tier=microservices\)/,
      ],
      [{ key: "tier", operator: "NotIn", values: ["microservices"] }, /matchExpressions\[0\] \(tier NotIn \[microservices\]\) does not hold/],
      [{ key: "canary", operator: "Exists" }, /matchExpressions\[0\] \(canary Exists\) does not hold/],
      [{ key: "tier", operator: "DoesNotExist" }, /matchExpressions\[0\] \(tier DoesNotExist\) does not hold/],
    ];
    for (const [expression, pattern] of failing) {
      await expectOne(selectorMatchesTemplate, withExpression(expression), [/^Deployment microservices\/user-service: spec\.selector\./, pattern]);
    }
    await expectOne(selectorMatchesTemplate, withExpression({ key: "tier", operator: "Equals", values: ["microservices"] }), [
      /matchExpressions\[0\] \(tier Equals \[microservices\]\) has operator Equals, which selects nothing: use one of In, NotIn, Exists, DoesNotExist\./,
    ]);
  });

  it("fails an unset or empty selector on apps/v1; v1beta1 defaults it to the template's labels", async () => {
    await expectOne(
      selectorMatchesTemplate,
      dep((p) => {
        delete p.spec.selector;
      }),
      [/^Deployment microservices\/user-service: spec\.selector is unset, so the API server rejects the object/],
    );
    await expectOne(
      selectorMatchesTemplate,
      dep((p) => {
        p.spec.selector = {};
      }),
      [/spec\.selector is empty, so it would select every pod of the namespace/],
    );
    await expectNotApplicable(
      selectorMatchesTemplate,
      dep((p) => {
        delete p.spec.selector;
      }, W.legacyDeployment),
    );
  });

  it("does not apply to pods, jobs or other kinds", async () => {
    await expectNotApplicable(selectorMatchesTemplate, cronJob());
    await expectNotApplicable(selectorMatchesTemplate, configMap);
  });
});

describe("policy host-access", () => {
  it("passes the fixture pod", async () => expectNone(hostAccess, dep()));

  const cases: [string, (p: Props) => void, RegExp][] = [
    [
      "a hostPath volume",
      (p) => {
        podSpec(p).volumes = [
          { name: "tmp", emptyDir: {} },
          { name: "docker", hostPath: { path: "/var/run/docker.sock" } },
        ];
      },
      /^Deployment microservices\/user-service: spec\.template\.spec\.volumes\[1\] \(docker\) mounts hostPath \/var\/run\/docker\.sock, which exposes the node's filesystem to the pod: use an emptyDir/,
    ],
    [
      "a hostPort",
      (p) => {
        container(p).ports[0].hostPort = 8001;
      },
      /^Deployment microservices\/user-service: spec\.template\.spec\.containers\[0\] \(service\)\.ports\[0\] \(http\) sets hostPort 8001, which binds the node's port .*: remove hostPort and expose the port through a Service\.$/,
    ],
    [
      "a privileged container",
      (p) => {
        container(p).securityContext.privileged = true;
      },
      /containers\[0\] \(service\)\.securityContext\.privileged is true, which gives the container every capability and the node's devices: remove it\.$/,
    ],
    [
      "an added capability",
      (p) => {
        container(p).securityContext.capabilities.add = ["NET_ADMIN", "SYS_TIME"];
      },
      /containers\[0\] \(service\)\.securityContext\.capabilities\.add includes NET_ADMIN, SYS_TIME, not in allowedCapabilities \[\]: remove them/,
    ],
    [
      "hostNetwork",
      (p) => {
        podSpec(p).hostNetwork = true;
      },
      /^Deployment microservices\/user-service: spec\.template\.spec\.hostNetwork is true, which shares the node's network namespace with the pod: remove it\.$/,
    ],
    [
      "hostPID",
      (p) => {
        podSpec(p).hostPID = true;
      },
      /spec\.template\.spec\.hostPID is true, which shares the node's process namespace/,
    ],
    [
      "hostIPC",
      (p) => {
        podSpec(p).hostIPC = true;
      },
      /spec\.template\.spec\.hostIPC is true, which shares the node's IPC namespace/,
    ],
    [
      "a privileged init container",
      (p) => {
        podSpec(p).initContainers = [{ name: "sysctl", image: "busybox:1.36", securityContext: { privileged: true } }];
      },
      /spec\.template\.spec\.initContainers\[0\] \(sysctl\)\.securityContext\.privileged is true/,
    ],
  ];
  for (const [what, change, pattern] of cases) {
    it(`fails ${what}`, async () => expectOne(hostAccess, dep(change), [pattern]));
  }

  it("passes hostPort 0 and host namespaces set false", async () => {
    await expectNone(
      hostAccess,
      dep((p) => {
        container(p).ports[0].hostPort = 0;
        Object.assign(podSpec(p), { hostNetwork: false, hostPID: false, hostIPC: false });
      }),
    );
  });

  it("allows the capabilities in allowedCapabilities (with or without CAP_, any case)", async () => {
    const add = (caps: string[]) =>
      dep((p) => {
        container(p).securityContext.capabilities.add = caps;
      });
    await expectNone(hostAccess, add(["NET_BIND_SERVICE"]), { allowedCapabilities: ["NET_BIND_SERVICE"] });
    await expectNone(hostAccess, add(["CAP_NET_BIND_SERVICE"]), { allowedCapabilities: ["net_bind_service"] });
    await expectOne(
      hostAccess,
      add(["NET_BIND_SERVICE", "SYS_ADMIN"]),
      [/capabilities\.add includes SYS_ADMIN, not in allowedCapabilities \[NET_BIND_SERVICE\]: remove it/],
      {
        allowedCapabilities: ["NET_BIND_SERVICE"],
      },
    );
  });

  it("checks CronJobs and bare Pods, and skips exempt namespaces", async () => {
    await expectOne(
      hostAccess,
      cronJob((p) => {
        cronPodSpec(p).volumes = [{ name: "logs", hostPath: { path: "/var/log" } }];
      }),
      [/^CronJob microservices\/report: spec\.jobTemplate\.spec\.template\.spec\.volumes\[0\] \(logs\) mounts hostPath \/var\/log/],
    );
    await expectOne(
      hostAccess,
      pod((p) => {
        p.spec.hostPID = true;
      }),
      [/^Pod microservices\/debug: spec\.hostPID is true/],
    );
    await expectNotApplicable(
      hostAccess,
      dep((p) => {
        podSpec(p).hostNetwork = true;
      }),
      { exemptNamespaces: [NS] },
    );
    await expectNotApplicable(hostAccess, configMap);
  });
});

describe("policy probe-ports-declared", () => {
  it("passes probes on the container's named port", async () => expectNone(probePortsDeclared, dep()));

  it("fails a port name the container does not declare", async () => {
    await expectOne(
      probePortsDeclared,
      dep((p) => {
        container(p).livenessProbe.httpGet.port = "health";
      }),
      [
        /^Deployment microservices\/user-service: spec\.template\.spec\.containers\[0\] \(service\)\.livenessProbe\.httpGet\.port is "health", which is the name of none of the container's ports \(http\), so the probe never succeeds: use one of its port names or declare the port\.$/,
      ],
    );
  });

  it("fails a numeric port that is not a containerPort, unless allowUndeclaredNumericPorts", async () => {
    const numeric = dep((p) => {
      container(p).readinessProbe = { tcpSocket: { port: 9000 } };
    });
    await expectOne(probePortsDeclared, numeric, [
      /containers\[0\] \(service\)\.readinessProbe\.tcpSocket\.port is 9000, which is not a containerPort of the container \(8001\): probe a declared port by its name, or declare 9000 in ports\.$/,
    ]);
    await expectNone(probePortsDeclared, numeric, { allowUndeclaredNumericPorts: true });
    // A declared number (also as a string) passes.
    await expectNone(
      probePortsDeclared,
      dep((p) => {
        container(p).readinessProbe = { tcpSocket: { port: 8001 } };
        container(p).livenessProbe = { httpGet: { path: "/health", port: "8001" } };
      }),
    );
  });

  it("checks grpc and startup probes, and a container that declares no ports", async () => {
    await expectOne(
      probePortsDeclared,
      dep((p) => {
        container(p).startupProbe = { grpc: { port: 9090 } };
      }),
      [/startupProbe\.grpc\.port is 9090, which is not a containerPort of the container \(8001\)/],
    );
    await expectOne(
      probePortsDeclared,
      dep((p) => {
        delete container(p).ports;
        delete container(p).livenessProbe;
        delete container(p).startupProbe;
      }),
      [/readinessProbe\.httpGet\.port is "http", which is the name of none of the container's ports \(it names none\)/],
    );
  });

  it("skips exec probes and probes of another host", async () => {
    await expectNone(
      probePortsDeclared,
      dep((p) => {
        container(p).readinessProbe = { exec: { command: ["true"] } };
        container(p).livenessProbe = { httpGet: { host: "db.data.svc", path: "/", port: 5432 } };
      }),
    );
    await expectOne(
      probePortsDeclared,
      dep((p) => {
        container(p).livenessProbe = { httpGet: { host: "127.0.0.1", path: "/", port: "admin" } };
      }),
      [/livenessProbe\.httpGet\.port is "admin"/],
    );
  });

  it("skips exempt namespaces and non-workloads", async () => {
    await expectNotApplicable(
      probePortsDeclared,
      dep((p) => {
        container(p).livenessProbe.httpGet.port = "health";
      }),
      { exemptNamespaces: [NS] },
    );
    await expectNotApplicable(probePortsDeclared, configMap);
  });
});

describe("policy istio-sidecar-uid", () => {
  it("passes the fixture pod (UID 10001)", async () => expectNone(istioSidecarUid, dep()));

  it("fails a container that runs as 1337", async () => {
    await expectOne(
      istioSidecarUid,
      dep((p) => {
        container(p).securityContext.runAsUser = 1337;
      }),
      [
        /^Deployment microservices\/user-service: spec\.template\.spec\.containers\[0\] \(service\)\.securityContext\.runAsUser is 1337, the UID of Istio's sidecar, whose traffic the sidecar does not intercept, so the container bypasses the mesh \(no mTLS or authorization policy\): run it as another UID\.$/,
      ],
    );
  });

  it("fails a pod securityContext of 1337 once, naming the containers that inherit it", async () => {
    await expectOne(
      istioSidecarUid,
      dep((p) => {
        podSpec(p).securityContext.runAsUser = 1337;
        podSpec(p).containers.push({ name: "worker", image: "localhost:5001/microservices/worker:v1.0.0" });
      }),
      [
        /^Deployment microservices\/user-service: spec\.template\.spec\.securityContext\.runAsUser is 1337 \(inherited by service, worker\), the UID of Istio's sidecar/,
      ],
    );
  });

  it("passes a pod UID of 1337 that every container overrides", async () => {
    await expectNone(
      istioSidecarUid,
      dep((p) => {
        podSpec(p).securityContext.runAsUser = 1337;
        container(p).securityContext.runAsUser = 10001;
      }),
    );
  });

  it("leaves out init containers (Istio's workaround) and the istio-proxy container itself", async () => {
    await expectNone(
      istioSidecarUid,
      dep((p) => {
        podSpec(p).initContainers = [{ name: "migrate", image: "x:1", securityContext: { runAsUser: 1337 } }];
        podSpec(p).containers.push({ name: "istio-proxy", image: "auto", securityContext: { runAsUser: 1337 } });
      }),
    );
  });

  it("does not apply to pods that opt out of injection, or in exempt namespaces", async () => {
    const as1337 = (inject: (p: Props) => void) =>
      dep((p) => {
        container(p).securityContext.runAsUser = 1337;
        inject(p);
      });
    await expectNotApplicable(
      istioSidecarUid,
      as1337((p) => {
        p.spec.template.metadata.annotations["sidecar.istio.io/inject"] = "false";
      }),
    );
    await expectNotApplicable(
      istioSidecarUid,
      as1337((p) => {
        p.spec.template.metadata.labels["sidecar.istio.io/inject"] = "false";
      }),
    );
    await expectNotApplicable(
      istioSidecarUid,
      as1337(() => undefined),
      { exemptNamespaces: [NS] },
    );
  });

  it("takes the proxy UID from config, and checks CronJobs too", async () => {
    const custom = dep((p) => {
      container(p).securityContext.runAsUser = 2000;
    });
    await expectNone(istioSidecarUid, custom);
    await expectOne(istioSidecarUid, custom, [/runAsUser is 2000, the UID of Istio's sidecar/], { proxyUid: 2000 });
    await expectOne(
      istioSidecarUid,
      cronJob((p) => {
        cronPodSpec(p).containers[0].securityContext.runAsUser = 1337;
      }),
      [/^CronJob microservices\/report: spec\.jobTemplate\.spec\.template\.spec\.containers\[0\] \(service\)\.securityContext\.runAsUser is 1337/],
    );
  });
});

describe("workload policies on the dev and prod renders", function () {
  this.timeout(60_000);
  for (const stack of ["dev", "prod"]) {
    describe(`the ${stack} stack`, () => {
      let evaluation: Evaluation;
      before(async () => {
        evaluation = await evaluate(WORKLOAD_POLICIES, fromRecorded(await renderStack({ stack, overrides: {} })));
      });

      it("runs every workload policy without an error, each on some resource", () => {
        assert.deepEqual(evaluation.errors, []);
        for (const policy of WORKLOAD_POLICIES) {
          assert.ok(evaluation.policies.find((p) => p.name === policy.name)!.applied > 0, `${policy.name} applied to no resource`);
        }
      });

      it("violates no workload policy", () => {
        assert.deepEqual(
          evaluation.violations.map((v) => `${v.policy}: ${v.message}`),
          [],
        );
      });
    });
  }
});
