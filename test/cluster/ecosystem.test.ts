import { strict as assert } from "assert";
import { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { Cluster, Lane, PARALLEL, POLICY_CONFIG, SWITCHED_OFF, clusterDown, clusterUp, kubectl, kubectlJson, laneStack, useKubeconfig } from "./lane";
import { CONFIG_NAMESPACE, POLICIES, ROOT, engineDir, tempDir } from "../engine/workspace";
import { killTree, loggedEvents, recover, restartComponent, startUp, whileRunning } from "./interruption";
import { clusterSecretValues, helmRecordsNotDeployed, orphans, plainTextSecrets } from "./ownership";

// npm run test:cluster: the kwok stack deployed by the real engine and the upstream Kubernetes provider
// to a real API server (scripts/cluster.sh), in eleven steps that build on each other. A step whose
// predecessor failed fails too (never skipped): the closing line counts every step.

const NAMESPACE = "microservices";
const DAY2_SERVICE = "user_service";
const DAY2_DEPLOYMENT = "user-service";
const CANARY_WEIGHT = 50;
const VIOLATION_POLICY = "app-tier-min-replicas";
/** The image tag step 9 rolls out to every service while the API server restarts. */
const ROLLOUT_TAG = "v1.0.1";

type Obj = Record<string, any>;
const items = (list: Obj) => list.items as Obj[];
const ref = (o: Obj) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;

/** Fails the test unless no admission webhook and no APIService sends the API server to a Service. */
function assertNothingTargetsAService(cluster: Cluster): void {
  const offenders: string[] = [];
  for (const kind of ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]) {
    for (const config of items(kubectlJson(cluster, "get", kind))) {
      for (const hook of config.webhooks ?? []) {
        if (hook.clientConfig?.service)
          offenders.push(
            `${config.kind} ${config.metadata.name} webhook ${hook.name} → Service ${hook.clientConfig.service.namespace}/${hook.clientConfig.service.name}`,
          );
        else if (hook.clientConfig?.url && !/^https:\/\/(127\.0\.0\.1|\[::1\]|localhost)[:/]/.test(hook.clientConfig.url))
          offenders.push(`${config.kind} ${config.metadata.name} webhook ${hook.name} → ${hook.clientConfig.url}`);
      }
    }
  }
  for (const api of items(kubectlJson(cluster, "get", "apiservices"))) {
    if (api.spec?.service) offenders.push(`APIService ${api.metadata.name} → Service ${api.spec.service.namespace}/${api.spec.service.name}`);
  }
  assert.deepEqual(offenders, [], "the API server would dial into the cluster");
}

/** Every Deployment, StatefulSet and DaemonSet reports all its pods available / ready (read from the API server). */
function unavailableWorkloads(cluster: Cluster): string[] {
  const late: string[] = [];
  for (const d of items(kubectlJson(cluster, "get", "deployments", "-A"))) {
    if ((d.status?.availableReplicas ?? 0) !== d.spec.replicas || (d.status?.updatedReplicas ?? 0) !== d.spec.replicas)
      late.push(`${ref(d)} ${d.status?.availableReplicas ?? 0}/${d.spec.replicas} available`);
  }
  for (const s of items(kubectlJson(cluster, "get", "statefulsets", "-A"))) {
    if ((s.status?.readyReplicas ?? 0) !== s.spec.replicas) late.push(`${ref(s)} ${s.status?.readyReplicas ?? 0}/${s.spec.replicas} ready`);
  }
  for (const d of items(kubectlJson(cluster, "get", "daemonsets", "-A"))) {
    const want = d.status?.desiredNumberScheduled ?? 0;
    if (want === 0 || (d.status?.numberReady ?? 0) !== want) late.push(`${ref(d)} ${d.status?.numberReady ?? 0}/${want} ready`);
  }
  return late;
}

/**
 * The workloads an HPA scales leave spec.replicas to it: after an `up`, the HPA controller raises each to
 * its minReplicas (no metrics are needed for that). Waits until every autoscaled workload runs at least
 * its HPA's minimum and all its replicas are available; returns what is still short at the deadline.
 */
async function awaitAutoscaled(cluster: Cluster, deadlineMs = 120_000): Promise<string[]> {
  const short = (): string[] => {
    const workloads = new Map(
      items(kubectlJson(cluster, "get", "deployments,statefulsets", "-A")).map((w) => [`${w.kind}/${w.metadata.namespace}/${w.metadata.name}`, w]),
    );
    const late: string[] = [];
    for (const hpa of items(kubectlJson(cluster, "get", "hpa", "-A"))) {
      const target = hpa.spec.scaleTargetRef;
      const w = workloads.get(`${target.kind}/${hpa.metadata.namespace}/${target.name}`);
      const want = hpa.spec.minReplicas ?? 1;
      if (!w) late.push(`${target.kind} ${hpa.metadata.namespace}/${target.name} (HPA target) is missing`);
      else if (w.spec.replicas < want || (w.status?.availableReplicas ?? w.status?.readyReplicas ?? 0) < want)
        late.push(`${ref(w)} ${w.status?.availableReplicas ?? 0}/${want} (HPA minReplicas) available`);
    }
    return late;
  };
  return eventually(short, deadlineMs);
}

/** Polls `pending` each second until it returns nothing or the deadline passes; returns what is still pending. */
async function eventually(pending: () => string[], deadlineMs: number): Promise<string[]> {
  const until = Date.now() + deadlineMs;
  let left = pending();
  while (left.length > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    left = pending();
  }
  return left;
}

/** What of the stack is still in the cluster: objects outside the system namespaces, our namespaces, and our or Istio's cluster-scoped objects. */
function leftovers(cluster: Cluster): string[] {
  const left: string[] = [];
  const namespaced = kubectl(cluster, "api-resources", "--namespaced=true", "--verbs=list", "-o", "name")
    .trim()
    .split("\n")
    .filter((r) => !/^(events|events\.events\.k8s\.io|leases\.coordination\.k8s\.io)$/.test(r));
  for (const object of items(kubectlJson(cluster, "get", namespaced.join(","), "-A"))) {
    const ns = object.metadata.namespace;
    if (["default", "kube-system", "kube-public", "kube-node-lease"].includes(ns)) continue;
    left.push(ref(object));
  }
  for (const ns of items(kubectlJson(cluster, "get", "namespaces"))) {
    if (!["default", "kube-system", "kube-public", "kube-node-lease"].includes(ns.metadata.name)) left.push(ref(ns));
  }
  for (const kind of [
    "clusterroles",
    "clusterrolebindings",
    "persistentvolumes",
    "storageclasses",
    "mutatingwebhookconfigurations",
    "validatingwebhookconfigurations",
  ]) {
    for (const object of items(kubectlJson(cluster, "get", kind))) {
      if (object.metadata.labels?.["app.kubernetes.io/part-of"] === "microservices-ecosystem" || /istio/.test(object.metadata.name)) left.push(ref(object));
      if (kind === "persistentvolumes") left.push(ref(object));
    }
  }
  return [...new Set(left)];
}

/** Services with a selector and no ready endpoint in their EndpointSlices. */
function servicesWithoutEndpoints(cluster: Cluster): string[] {
  const slices = items(kubectlJson(cluster, "get", "endpointslices", "-A"));
  const ready = new Set(
    slices
      .filter((s) => (s.endpoints ?? []).some((e: Obj) => e.conditions?.ready !== false))
      .map((s) => `${s.metadata.namespace}/${s.metadata.labels?.["kubernetes.io/service-name"]}`),
  );
  return items(kubectlJson(cluster, "get", "services", "-A"))
    .filter((s) => s.spec.selector && Object.keys(s.spec.selector).length > 0)
    .filter((s) => !ready.has(`${s.metadata.namespace}/${s.metadata.name}`))
    .map(ref);
}

/** The engine's planned steps of a preview, with the Kubernetes object each one is about. */
interface PlannedStep {
  readonly op: OpType;
  readonly type: string;
  readonly object?: string;
}
function collectSteps(events: EngineEvent[]): PlannedStep[] {
  return events
    .filter((e) => e.resourcePreEvent)
    .map((e) => {
      const m = e.resourcePreEvent!.metadata;
      const inputs = (m.new ?? m.old)?.inputs as Obj | undefined;
      const object =
        inputs?.kind && inputs?.metadata?.name
          ? `${inputs.kind} ${inputs.metadata.namespace ? `${inputs.metadata.namespace}/` : ""}${inputs.metadata.name}`
          : undefined;
      return { op: m.op, type: m.type, object };
    });
}

/** The steps that change a Kubernetes object (the spec's artifact files and providers aside). */
const changed = (steps: readonly PlannedStep[]) => steps.filter((s) => s.op !== "same" && s.type.startsWith("kubernetes:"));

describe("cluster lane: the kwok stack on a real API server (upstream provider 4.25.0, KWOK nodes)", function () {
  this.timeout(3_600_000);
  let work: string;
  let lane: Lane;
  let cluster: Cluster;
  const done = new Set<number>();
  const requireStep = (n: number) => assert.ok(done.has(n), `step ${n} did not pass, so this one cannot run`);
  const outputLog: string[] = [];
  const onOutput = (line: string) => outputLog.push(line);

  before(async () => {
    console.log("    switched off in this lane (cannot run here):");
    for (const item of SWITCHED_OFF) console.log(`      - ${item}`);
    work = tempDir("cluster-lane-");
    const binDir = engineDir("build-cluster");
    engineDir("build");
    const charts = engineDir("istio-charts");
    cluster = clusterUp("test-lane", Number(process.env.CLUSTER_TEST_PORT_BASE ?? 26453), binDir, path.join(work, "cluster"));
    lane = await laneStack(cluster, work, charts);
    const plugins = spawnSync("pulumi", ["plugin", "ls"], { env: { ...process.env, ...lane.env }, encoding: "utf8" }).stdout;
    console.log(
      `    engine plugins:\n${plugins
        .trim()
        .split("\n")
        .map((l) => `      ${l}`)
        .join("\n")}`,
    );
  });

  after(() => {
    if (process.env.CLUSTER_TEST_KEEP === "1") {
      console.log(`    kept: ${work} (KUBECONFIG=${cluster?.kubeconfig})`);
      return;
    }
    if (cluster) clusterDown(cluster);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("runs the upstream Kubernetes provider 4.25.0", () => {
    const plugins = spawnSync("pulumi", ["plugin", "ls", "--json"], { env: { ...process.env, ...lane.env }, encoding: "utf8" });
    const kubernetes = (JSON.parse(plugins.stdout) as Obj[]).filter((p) => p.name === "kubernetes");
    assert.deepEqual(
      kubernetes.map((p) => [p.kind, p.version]),
      [["resource", "4.25.0"]],
    );
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/kubernetes/package.json"), "utf8"));
    assert.equal(pkg.version, "4.25.0", "the SDK and the plugin must agree");
  });

  it("1. pulumi preview with the policy pack: no mandatory violation", async () => {
    const result = await lane.stack.preview({ policyPacks: [POLICIES], policyPackConfigs: [POLICY_CONFIG], onOutput });
    assert.doesNotMatch(result.stdout, /mandatory/i);
    assert.ok((result.changeSummary.create ?? 0) > 100, `expected the whole ecosystem to be created, got ${JSON.stringify(result.changeSummary)}`);
    done.add(1);
  });

  it("2. pulumi up: every resource created, workloads available and Services with ready endpoints", async () => {
    requireStep(1);
    assertNothingTargetsAService(cluster);
    const result = await lane.stack.up({ parallel: PARALLEL, onOutput });
    const changes = result.summary.resourceChanges ?? {};
    assert.deepEqual(Object.keys(changes).sort(), ["create"], `only creates expected: ${JSON.stringify(changes)}`);
    assert.ok(changes.create! > 100);
    assertNothingTargetsAService(cluster);
    assert.deepEqual(await awaitAutoscaled(cluster), []);
    assert.deepEqual(unavailableWorkloads(cluster), []);
    assert.deepEqual(servicesWithoutEndpoints(cluster), []);
    const claims = items(kubectlJson(cluster, "get", "pvc", "-A"));
    assert.ok(claims.length >= 3, `expected the data stores' claims, found ${claims.length}`);
    assert.deepEqual(claims.filter((c) => c.status.phase !== "Bound").map(ref), []);
    done.add(2);
  });

  it("Pod Security: every namespace of the stack enforces its level, every pod was admitted, and a pod breaking the level is refused", () => {
    requireStep(2);
    const ours = items(kubectlJson(cluster, "get", "namespaces", "-l", "app.kubernetes.io/part-of=microservices-ecosystem"));
    const levels = Object.fromEntries(
      ours.map((n) => [n.metadata.name, ["enforce", "audit", "warn"].map((m) => n.metadata.labels[`pod-security.kubernetes.io/${m}`])]),
    );
    assert.deepEqual(levels, {
      [NAMESPACE]: ["restricted", "restricted", "restricted"],
      kong: ["restricted", "restricted", "restricted"],
      data: ["restricted", "restricted", "restricted"],
      monitoring: ["restricted", "restricted", "restricted"],
      "istio-system": ["restricted", "restricted", "restricted"],
      "istio-cni": ["privileged", "privileged", "privileged"],
    });
    // Admitted: every workload has all its pods (step 2), and no controller was refused a pod.
    const refused = items(kubectlJson(cluster, "get", "events", "-A", "--field-selector", "reason=FailedCreate")).filter((e) => /PodSecurity/.test(e.message));
    assert.deepEqual(
      refused.map((e) => `${e.involvedObject.kind} ${e.metadata.namespace}/${e.involvedObject.name}: ${e.message}`),
      [],
    );
    const namespaces = new Set(ours.map((n) => n.metadata.name as string));
    const pods = items(kubectlJson(cluster, "get", "pods", "-A")).filter((p) => namespaces.has(p.metadata.namespace));
    assert.ok(pods.length >= 30, `expected the stack's pods, found ${pods.length}`);

    // A pod that breaks the restricted level: the API server refuses it and creates nothing.
    const pod = (name: string, securityContext: Obj) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: NAMESPACE },
      spec: { containers: [{ name: "c", image: "busybox:1.37", securityContext }] },
    });
    const file = path.join(work, "privileged-pod.json");
    fs.writeFileSync(file, JSON.stringify(pod("pod-security-probe", { privileged: true })));
    const create = spawnSync(path.join(cluster.binDir, "kubectl"), ["--kubeconfig", cluster.kubeconfig, "create", "-f", file], { encoding: "utf8" });
    assert.notEqual(create.status, 0, "the privileged pod was admitted");
    assert.match(create.stderr, /violates PodSecurity "restricted:latest"/);
    assert.match(create.stderr, /privileged/);
    assert.equal(
      spawnSync(path.join(cluster.binDir, "kubectl"), ["--kubeconfig", cluster.kubeconfig, "get", "pod", "pod-security-probe", "-n", NAMESPACE]).status,
      1,
    );
    // The same pod, made restricted, is admitted (server-side dry run): the level, not the namespace, refused it.
    const restricted = {
      ...pod("pod-security-probe", {
        allowPrivilegeEscalation: false,
        runAsNonRoot: true,
        runAsUser: 10001,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      }),
    };
    fs.writeFileSync(file, JSON.stringify(restricted));
    kubectl(cluster, "create", "--dry-run=server", "-f", file);
  });

  it("the offline render passes a strict server-side dry run (kubectl apply --server-side --dry-run=server --validate=strict)", () => {
    requireStep(2);
    const out = path.join(work, "render");
    const render = spawnSync("npm", ["run", "-s", "render", "--", "--out", out], { cwd: ROOT, encoding: "utf8" });
    assert.equal(render.status, 0, render.stderr);
    const manifests = path.join(out, "manifests");
    const count = fs.readdirSync(manifests, { recursive: true }).filter((f) => String(f).endsWith(".yaml")).length;
    assert.ok(count > 100, `expected the render's manifests, found ${count}`);
    // The dev stack has namespaces the kwok stack has not (the ingress gateway's): a dry run creates no
    // namespace, so those are created for real (labelled, to be removed below) before the objects in them are checked.
    const existing = new Set(items(kubectlJson(cluster, "get", "namespaces")).map((n) => n.metadata.name as string));
    const missing = fs
      .readdirSync(path.join(manifests, "1-manifest"))
      .filter((f) => /^v1-namespace-default-/.test(f) && !existing.has(f.replace(/^v1-namespace-default-|\.yaml$/g, "")))
      .map((f) => f.replace(/^v1-namespace-default-|\.yaml$/g, ""));
    for (const ns of missing) kubectl(cluster, "create", "namespace", ns);
    let applied: string;
    try {
      applied = kubectl(cluster, "apply", "--server-side", "--force-conflicts", "--dry-run=server", "--validate=strict", "-R", "-f", manifests);
    } finally {
      for (const ns of missing) kubectl(cluster, "delete", "namespace", ns, "--wait=true");
    }
    assert.equal(
      applied
        .trim()
        .split("\n")
        .filter((l) => /serverside-applied \(server dry run\)$/.test(l)).length,
      count,
      applied,
    );
  });

  it("3. a second pulumi up and pulumi refresh change nothing (no drift), and a preview with the policy pack passes on the deployed stack", async () => {
    requireStep(2);
    assertNothingTargetsAService(cluster);
    const events: EngineEvent[] = [];
    const again = await lane.stack.up({ parallel: PARALLEL, onEvent: (e) => events.push(e), onOutput });
    const steps = collectSteps(events).filter((s) => s.op !== "same");
    assert.deepEqual(Object.keys(again.summary.resourceChanges ?? {}), ["same"], JSON.stringify(steps));
    await lane.stack.refresh({ expectNoChanges: true, onOutput });
    // A pull request's check on a deployed stack: the policies judge the program, not what controllers
    // changed in the live objects (the autoscalers' replica counts).
    await lane.stack.preview({ expectNoChanges: true, policyPacks: [POLICIES], policyPackConfigs: [POLICY_CONFIG], onOutput });
    done.add(3);
  });

  it("the pull-request identity (.github/preview-rbac.yaml) previews the stack (unchanged, then with an object added), and may neither write nor read a Secret", async () => {
    requireStep(3);
    kubectl(cluster, "apply", "-f", path.join(ROOT, ".github", "preview-rbac.yaml"));
    const readOnly = path.join(work, "preview.kubeconfig");
    try {
      const token = kubectl(cluster, "-n", "kube-system", "create", "token", "pulumi-preview", "--duration=1h").trim();
      const admin = parse(fs.readFileSync(cluster.kubeconfig, "utf8")) as Obj;
      const server = (admin.clusters as Obj[])[0];
      fs.writeFileSync(
        readOnly,
        stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [server],
          users: [{ name: "pulumi-preview", user: { token } }],
          contexts: [{ name: cluster.context, context: { cluster: server.name, user: "pulumi-preview" } }],
          "current-context": cluster.context,
        }),
        { mode: 0o600 },
      );
      const can = (...args: string[]) =>
        spawnSync(path.join(cluster.binDir, "kubectl"), ["--kubeconfig", readOnly, "auth", "can-i", ...args], { encoding: "utf8" }).stdout.trim();
      assert.deepEqual(
        [
          can("get", "deployments", "-n", NAMESPACE),
          can("list", "networkpolicies", "-n", "data"),
          can("get", "secrets", "-n", "data"),
          can("patch", "deployments", "-n", NAMESPACE),
          can("create", "pods", "-n", NAMESPACE),
          can("delete", "namespaces"),
        ],
        ["yes", "yes", "no", "no", "no", "no"],
      );
      const restore = useKubeconfig(lane, readOnly);
      const key = `${CONFIG_NAMESPACE}:istio.faultInjection`;
      try {
        await lane.stack.preview({ expectNoChanges: true, policyPacks: [POLICIES], policyPackConfigs: [POLICY_CONFIG], onOutput });
        // A pull request that adds an object: the identity cannot dry-run its creation, and the provider previews it client-side.
        await lane.stack.setConfig(key, { value: "true" }, true);
        const events: EngineEvent[] = [];
        await lane.stack.preview({ policyPacks: [POLICIES], policyPackConfigs: [POLICY_CONFIG], onEvent: (e) => events.push(e), onOutput });
        assert.deepEqual(
          changed(collectSteps(events)).map((s) => `${s.op} ${s.object}`),
          [`create VirtualService ${NAMESPACE}/user-service-fault`],
        );
      } finally {
        await lane.stack.removeConfig(key, true);
        restore();
      }
    } finally {
      kubectl(cluster, "delete", "-f", path.join(ROOT, ".github", "preview-rbac.yaml"), "--ignore-not-found");
    }
  });

  it(`4. day 2: ${DAY2_SERVICE} replicas +1 and the order canary at ${100 - CANARY_WEIGHT}/${CANARY_WEIGHT}, updated in place`, async () => {
    requireStep(3);
    const before = kubectlJson(cluster, "get", "deployment", DAY2_DEPLOYMENT, "-n", NAMESPACE);
    // The HPA owns the count: the config's replicas is its minReplicas, which its controller then applies.
    const replicas = kubectlJson(cluster, "get", "hpa", DAY2_DEPLOYMENT, "-n", NAMESPACE).spec.minReplicas + 1;
    await lane.stack.setConfig(`${CONFIG_NAMESPACE}:services.${DAY2_SERVICE}.replicas`, { value: String(replicas) }, true);
    await lane.stack.setConfig(`${CONFIG_NAMESPACE}:istio.canaryWeight`, { value: String(CANARY_WEIGHT) }, true);
    const events: EngineEvent[] = [];
    await lane.stack.preview({ onEvent: (e) => events.push(e), onOutput });
    const planned = changed(collectSteps(events));
    assert.deepEqual(
      planned.map((s) => s.op),
      planned.map(() => "update"),
      `only in-place updates: ${JSON.stringify(planned)}`,
    );
    // The service's config file names its replicas: its ConfigMap changes, and its checksum rolls the pods.
    assert.deepEqual(
      planned.map((s) => s.object).sort(),
      [
        `ConfigMap ${NAMESPACE}/${DAY2_DEPLOYMENT}-config`,
        `Deployment ${NAMESPACE}/${DAY2_DEPLOYMENT}`,
        `HorizontalPodAutoscaler ${NAMESPACE}/${DAY2_DEPLOYMENT}`,
        `VirtualService ${NAMESPACE}/traffic-splitting`,
      ].sort(),
    );

    const upEvents: EngineEvent[] = [];
    await lane.stack.up({ parallel: PARALLEL, onEvent: (e) => upEvents.push(e), onOutput });
    const applied = changed(collectSteps(upEvents));
    assert.deepEqual(applied.map((s) => `${s.op} ${s.object}`).sort(), planned.map((s) => `update ${s.object}`).sort());
    const after = kubectlJson(cluster, "get", "deployment", DAY2_DEPLOYMENT, "-n", NAMESPACE);
    assert.equal(after.metadata.uid, before.metadata.uid, "the Deployment was replaced");
    assert.equal(kubectlJson(cluster, "get", "hpa", DAY2_DEPLOYMENT, "-n", NAMESPACE).spec.minReplicas, replicas);
    assert.deepEqual(await awaitAutoscaled(cluster), []);
    assert.equal(kubectlJson(cluster, "get", "deployment", DAY2_DEPLOYMENT, "-n", NAMESPACE).spec.replicas, replicas, "the HPA raised the Deployment");
    const canary = kubectlJson(cluster, "get", "virtualservice", "traffic-splitting", "-n", NAMESPACE);
    const split = (canary.spec.http as Obj[]).find((h) => h.name === "canary-split")!;
    assert.deepEqual(
      split.route.map((r: Obj) => [r.destination.subset, r.weight]),
      [
        ["v1", 100 - CANARY_WEIGHT],
        ["v2", CANARY_WEIGHT],
      ],
    );
    assert.deepEqual(unavailableWorkloads(cluster), []);
    done.add(4);
  });

  // kubectl's server-side apply (field manager "kubectl") is drift the provider takes back on `up`. A
  // `kubectl scale` (manager "kubectl-scale") instead makes `up` stop on a field conflict naming that
  // manager, unless PULUMI_K8S_ENABLE_PATCH_FORCE=true (README, "Deploy to the local control plane").
  it("5. drift: a kubectl server-side apply shows in pulumi refresh and pulumi up restores it", async () => {
    requireStep(4);
    // A field the stack manages: the autoscaler's ceiling (the Deployment's count belongs to the HPA).
    const target = ["hpa", "payment-service", "-n", NAMESPACE];
    const desired = kubectlJson(cluster, "get", ...target).spec.maxReplicas as number;
    const edit = path.join(work, "drift.json");
    fs.writeFileSync(
      edit,
      JSON.stringify({
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: { name: "payment-service", namespace: NAMESPACE },
        spec: { maxReplicas: desired + 5 },
      }),
    );
    kubectl(cluster, "apply", "--server-side", "--force-conflicts", "-f", edit);
    assert.equal(kubectlJson(cluster, "get", ...target).spec.maxReplicas, desired + 5);
    const refresh = await lane.stack.refresh({ onOutput });
    assert.equal(refresh.summary.resourceChanges?.update, 1, `refresh should find one drifted object: ${JSON.stringify(refresh.summary.resourceChanges)}`);
    const events: EngineEvent[] = [];
    await lane.stack.up({ parallel: PARALLEL, onEvent: (e) => events.push(e), onOutput });
    assert.deepEqual(
      changed(collectSteps(events)).map((s) => `${s.op} ${s.object}`),
      [`update HorizontalPodAutoscaler ${NAMESPACE}/payment-service`],
    );
    assert.equal(kubectlJson(cluster, "get", ...target).spec.maxReplicas, desired);
    done.add(5);
  });

  it(`6. a config that violates a mandatory policy (${VIOLATION_POLICY}) fails preview --policy-pack and changes nothing`, async () => {
    requireStep(5);
    const key = `${CONFIG_NAMESPACE}:services.${DAY2_SERVICE}.replicas`;
    const live = () => kubectlJson(cluster, "get", "deployment", DAY2_DEPLOYMENT, "-n", NAMESPACE).spec.replicas as number;
    const replicasBefore = live();
    const stateBefore = JSON.stringify((await lane.stack.exportStack()).deployment.resources);
    const previous = await lane.stack.getConfig(key, true);
    await lane.stack.setConfig(key, { value: "1" }, true);
    try {
      await assert.rejects(lane.stack.preview({ policyPacks: [POLICIES], policyPackConfigs: [POLICY_CONFIG], onOutput }), (e: Error) => {
        assert.match(e.message, new RegExp(`mandatory[\\s\\S]*${VIOLATION_POLICY}|${VIOLATION_POLICY}[\\s\\S]*mandatory`));
        return true;
      });
    } finally {
      await lane.stack.setConfig(key, previous, true);
    }
    assert.equal(live(), replicasBefore);
    assert.equal(JSON.stringify((await lane.stack.exportStack()).deployment.resources), stateBefore);
    done.add(6);
  });

  /** pulumi destroy, then nothing of the stack may be left: CRDs Helm keeps on purpose excepted (and listed). */
  async function destroyLeavesNothing(): Promise<void> {
    await lane.stack.destroy({ parallel: PARALLEL, onOutput });
    // The PV controller reclaims a released PersistentVolume after its claim is gone, so a volume can
    // outlive the destroy by a moment; anything still there after the deadline is a real leftover.
    assert.deepEqual(await eventually(() => leftovers(cluster), 60_000), []);
    const kept = items(kubectlJson(cluster, "get", "crd")).filter((c) => c.metadata.annotations?.["helm.sh/resource-policy"] === "keep");
    console.log(
      `      kept by Helm on purpose (helm.sh/resource-policy: keep): ${kept.length} CRDs: ${kept
        .map((c) => c.metadata.name)
        .sort()
        .join(", ")}`,
    );
    assert.ok(
      items(kubectlJson(cluster, "get", "crd")).every((c) => c.metadata.annotations?.["helm.sh/resource-policy"] === "keep"),
      "a CRD without Helm's keep policy was left",
    );
  }

  /** The stack and the cluster agree: no pending operation, every Helm release deployed, no orphan, a preview with no change, workloads available. */
  async function converged(): Promise<void> {
    const state = (await lane.stack.exportStack()).deployment;
    assert.deepEqual(
      (state.pending_operations ?? []).map((op: Obj) => `${op.type} ${op.resource.urn}`),
      [],
      "pending operations left in the state",
    );
    assert.deepEqual(helmRecordsNotDeployed(cluster), []);
    assert.deepEqual(orphans(cluster, state.resources), [], "objects of the stack that the state does not know");
    const events: EngineEvent[] = [];
    const preview = await lane.stack.preview({ onEvent: (e) => events.push(e), onOutput });
    assert.deepEqual(Object.keys(preview.changeSummary), ["same"], JSON.stringify(collectSteps(events).filter((st) => st.op !== "same")));
    assert.deepEqual(await awaitAutoscaled(cluster), []);
    assert.deepEqual(unavailableWorkloads(cluster), []);
  }

  it("7. pulumi destroy: nothing of the stack is left in the cluster (CRDs Helm keeps on purpose excepted, and listed)", async () => {
    requireStep(2);
    await destroyLeavesNothing();
    done.add(7);
  });

  // README, "When a pulumi up is interrupted": the recovery below is the README's, command for command.
  it("8. an up killed (SIGKILL, the CLI and its plugins) while Helm installs a release: npm run recover, then pulumi up, converges with nothing orphaned", async () => {
    requireStep(7);
    const up = startUp(lane, "killed-up");
    // Istio's base or istiod chart: installs that take seconds, so the kill lands inside one.
    const pendingInstall = () =>
      items(kubectlJson(cluster, "get", "secrets", "-A", "-l", "owner=helm,status=pending-install")).some((r) =>
        /^istio(-base|d)$/.test(r.metadata.labels.name),
      );
    assert.ok(await whileRunning(up, pendingInstall), `the up ended before any Helm install was under way:\n${up.output().slice(-2000)}`);
    const killed = killTree(up.child.pid!);
    assert.equal(await up.exited, "SIGKILL");
    console.log(
      `      killed ${killed} processes (the CLI and its plugins) after ${loggedEvents(up).filter((e) => e.resOutputsEvent).length} resources were done`,
    );

    // What the kill left: creates pending in the state, a release Helm still calls pending-install, and the run's lock.
    const interrupted = (await lane.stack.exportStack()).deployment;
    assert.ok(
      (interrupted.pending_operations ?? []).some((op: Obj) => op.type === "creating"),
      "no pending create: the kill landed between operations",
    );
    assert.ok(
      helmRecordsNotDeployed(cluster).some((r) => r.endsWith(" pending-install")),
      helmRecordsNotDeployed(cluster).join(", "),
    );

    const recovery = recover(lane);
    assert.equal(recovery.status, 0, recovery.output.slice(-4000));
    assert.match(recovery.output, /lock is still held: pulumi cancel/);
    assert.match(recovery.output, /deleted Helm's record istio-system\/sh\.helm\.release\.v1\.istio(-base|d)\.v1 \(pending-install\)/);
    assert.match(recovery.output, /pending creates whose object exists \(adopted/);
    const result = await lane.stack.up({ parallel: PARALLEL, onOutput });
    assert.equal(result.summary.result, "succeeded");
    await converged();
    done.add(8);
  });

  it("9. kube-apiserver killed and restarted in the middle of an up (a new image tag rolling out): the up fails or rides it out, and the same recovery converges", async () => {
    requireStep(8);
    const key = `${CONFIG_NAMESPACE}:images.tag`;
    const previous = await lane.stack.getConfig(key, true);
    await lane.stack.setConfig(key, { value: ROLLOUT_TAG }, true);
    const up = startUp(lane, "api-server-restart");
    const rolling = () =>
      loggedEvents(up).some((e) => e.resourcePreEvent?.metadata?.op === "update" && e.resourcePreEvent.metadata.type === "kubernetes:apps/v1:Deployment");
    assert.ok(await whileRunning(up, rolling), `the up ended before any Deployment rolled:\n${up.output().slice(-2000)}`);
    restartComponent(cluster, "kube-apiserver", "--kill", "--down-seconds", "5");
    const code = await up.exited;
    console.log(
      `      the up ${code === 0 ? "rode out the restart" : `failed (exit ${code}): ${(/error: .*connect.*|error: .*EOF.*|error: .*refused.*/.exec(up.output()) ?? ["?"])[0].slice(0, 200)}`}`,
    );

    const recovery = recover(lane);
    assert.equal(recovery.status, 0, recovery.output.slice(-4000));
    const result = await lane.stack.up({ parallel: PARALLEL, onOutput });
    assert.equal(result.summary.result, "succeeded");
    await converged();
    const images = items(kubectlJson(cluster, "get", "deployments", "-n", NAMESPACE, "-l", "tier=microservices")).map(
      (d) => d.spec.template.spec.containers[0].image,
    );
    assert.ok(images.length >= 8 && images.every((i) => i.endsWith(`:${ROLLOUT_TAG}`)), images.join(", "));
    await lane.stack.setConfig(key, previous, true);
    done.add(9);
  });

  it("10. the exported state holds none of the stack's secret values in plain text (configured ones, and every password the stack put in a Secret)", async () => {
    requireStep(8);
    const configured = Object.values(await lane.stack.getAllConfig())
      .filter((c) => c.secret)
      .map((c) => c.value);
    const generated = clusterSecretValues(cluster);
    assert.ok(configured.length >= 2, `the kwok stack configures its secrets: found ${configured.length}`);
    assert.ok(generated.length >= 8, `the stack's Secrets hold its passwords: found ${generated.length}`);
    const exported = spawnSync("pulumi", ["stack", "export", "--stack", "kwok"], {
      cwd: lane.project,
      env: { ...process.env, ...lane.env },
      encoding: "utf8",
      maxBuffer: 256 * 2 ** 20,
    });
    assert.equal(exported.status, 0, exported.stderr);
    assert.ok(exported.stdout.includes('"ciphertext"'), "the state holds its secrets encrypted");
    assert.deepEqual(plainTextSecrets(exported.stdout, [...configured, ...generated]), []);
  });

  it("11. pulumi destroy after the recoveries: nothing of the stack is left in the cluster", async () => {
    requireStep(8);
    await destroyLeavesNothing();
  });
});
