import { strict as assert } from "assert";
import { MESH } from "../catalog";
import { ArtifactTree } from "../components/artifacts/artifact-tree";
import { principal } from "../components/zero-trust/graph";
import { helmPods } from "./helpers/helm-pods";
import { matches, selects } from "./helpers/selectors";
import { LOG_ALLOWANCE } from "../components/ephemeral-storage";
import { parseQuantity } from "../components/quantity";
import { Rendered, render } from "./helpers/render";

// Invariants across objects, for every stack: a reference from one object to another (a principal,
// a selector, a port, a scale target, a host) must land on something the stack deploys. Each one is
// a defect no single-object check sees: Kong's serviceAccountName changed to `default` leaves every
// AuthorizationPolicy allowing a principal nobody runs as, and all gateway traffic is denied.

type Obj = Record<string, any>;

interface PodTemplate {
  readonly owner: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly serviceAccount: string;
  readonly ports: readonly { name?: string; containerPort: number }[];
}

const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Job"];

/**
 * ConfigMaps the provider updates in place (enableConfigMapMutable) whose readers need no restart:
 * Jaeger re-reads its sampling strategies every minute; PostgreSQL runs its init script only on an
 * empty volume, so a restart would not re-run it.
 */
const RELOADED_OR_INIT_ONLY = ["jaeger-sampling-strategies", "postgres-init"];

function podTemplates(r: Rendered): PodTemplate[] {
  return WORKLOAD_KINDS.flatMap((kind) => r.objects(kind)).map((w: Obj) => ({
    owner: `${w.kind} ${w.metadata.namespace}/${w.metadata.name}`,
    namespace: w.metadata.namespace,
    labels: w.spec.template.metadata?.labels ?? {},
    serviceAccount: w.spec.template.spec.serviceAccountName ?? "default",
    ports: (w.spec.template.spec.containers as Obj[]).flatMap((c) => c.ports ?? []),
  }));
}

/**
 * Built-in fields whose Go type is a pointer keep a zero through the API (and the provider's YAML); any other
 * integer's zero is its default, dropped on the way (`omitempty`), so setting it makes the applied object
 * differ from what the program declared (the engine test caught `livenessProbe.initialDelaySeconds: 0`).
 */
const ZERO_KEPT = new Set([
  "replicas",
  "minReplicas",
  "minAvailable",
  "maxUnavailable",
  "maxSurge",
  "runAsUser",
  "runAsGroup",
  "fsGroup",
  "terminationGracePeriodSeconds",
  "backoffLimit",
  "ttlSecondsAfterFinished",
  "revisionHistoryLimit",
  "defaultMode",
  "mode",
]);

/** `v1`, `apps/v1`, `networking.k8s.io/v1`…: served by the API server's Go types, not a CRD's schema. */
const isBuiltIn = (apiVersion: string) => !apiVersion.split("/")[0].includes(".") || apiVersion.split("/")[0].endsWith(".k8s.io");

const ref = (o: Obj) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;

/** The pods of Istio's Helm releases, as pod templates. */
const helmPodTemplates = (r: Rendered): PodTemplate[] =>
  helmPods(r).map((p) => ({ owner: p.id, namespace: p.namespace, labels: p.labels, serviceAccount: p.serviceAccount, ports: [] }));

const STACKS: [string, Record<string, unknown>, { stack?: string }][] = [
  ["dev", {}, {}],
  ["prod", { environment: "prod" }, {}],
  // The kwok stack's charts folder exists only after `scripts/engine.sh istio-charts`: the charts' source changes nothing here.
  ["kwok", { istio: { webhooks: false } }, { stack: "kwok" }],
  ["dev without Kong", { components: ["istio", "eventstore", "redis", "postgresql", "jaeger", "prometheus"] }, {}],
];

for (const [name, overrides, options] of STACKS) {
  describe(`cross-object invariants: ${name}`, function () {
    this.timeout(120_000);
    let r: Rendered;
    let pods: PodTemplate[];
    before(async () => {
      r = await render(overrides, options);
      pods = [...podTemplates(r), ...helmPodTemplates(r)];
    });

    it("every AuthorizationPolicy principal is a service account some workload runs as", () => {
      const identities = new Set(pods.map((p) => principal({ namespace: p.namespace, serviceAccount: p.serviceAccount })));
      const dangling = r.objects("AuthorizationPolicy").flatMap((policy: Obj) =>
        ((policy.spec.rules ?? []) as Obj[])
          .flatMap((rule) => ((rule.from ?? []) as Obj[]).flatMap((f) => (f.source?.principals ?? []) as string[]))
          .filter((p) => !identities.has(p))
          .map((p) => `${ref(policy)} allows ${p}`),
      );
      assert.deepEqual(dangling, []);
    });

    it("every NetworkPolicy and AuthorizationPolicy with a selector selects pods that exist in its namespace", () => {
      const empty = [
        ...r
          .objects("NetworkPolicy")
          .filter((np: Obj) => Object.keys(np.spec.podSelector ?? {}).length > 0)
          .filter((np: Obj) => !pods.some((p) => p.namespace === np.metadata.namespace && selects(np.spec.podSelector, p.labels))),
        ...r
          .objects("AuthorizationPolicy")
          .filter((ap: Obj) => ap.spec.selector)
          .filter((ap: Obj) => !pods.some((p) => p.namespace === ap.metadata.namespace && matches(ap.spec.selector.matchLabels, p.labels))),
      ].map(ref);
      assert.deepEqual(empty, []);
    });

    it("a Service skips the provider's await exactly when an awaited Deployment or StatefulSet of the stack proves its endpoints (never a LoadBalancer)", () => {
      const skipped = (o: Obj) => o.metadata.annotations?.["pulumi.com/skipAwait"] === "true";
      const workloads = ["Deployment", "StatefulSet"].flatMap((kind) => r.objects(kind)) as Obj[];
      const wrong: string[] = workloads.filter(skipped).map((w) => `${ref(w)} skips its own await`);
      for (const svc of r.objects("Service") as Obj[]) {
        const provenBy = workloads.filter(
          (w) =>
            !skipped(w) &&
            w.metadata.namespace === svc.metadata.namespace &&
            svc.spec.selector &&
            matches(svc.spec.selector, w.spec.template.metadata?.labels ?? {}),
        );
        const shouldSkip = svc.spec.type !== "LoadBalancer" && provenBy.length > 0;
        if (skipped(svc) !== shouldSkip)
          wrong.push(
            `${ref(svc)} (${svc.spec.type ?? "ClusterIP"}, selecting ${provenBy.map(ref).join(", ") || "no awaited workload"}) ${skipped(svc) ? "skips" : "keeps"} its await`,
          );
      }
      assert.deepEqual(wrong, []);
    });

    it("every Service selects pods and targets a port their containers declare", () => {
      const broken: string[] = [];
      for (const svc of r.objects("Service") as Obj[]) {
        if (!svc.spec.selector) continue;
        const selected = pods.filter((p) => p.namespace === svc.metadata.namespace && matches(svc.spec.selector, p.labels));
        if (selected.length === 0) {
          broken.push(`${ref(svc)} selects no pod`);
          continue;
        }
        for (const port of svc.spec.ports as Obj[]) {
          const target = port.targetPort ?? port.port;
          const declared = selected.every((p) => p.ports.some((c) => (typeof target === "number" ? c.containerPort === target : c.name === target)));
          if (!declared)
            broken.push(`${ref(svc)} port ${port.name ?? port.port} targets ${target}, not a container port of ${selected.map((p) => p.owner).join(", ")}`);
        }
      }
      assert.deepEqual(broken, []);
    });

    it("every HPA and PodDisruptionBudget targets a workload of the stack", () => {
      const workloads = new Set(WORKLOAD_KINDS.flatMap((kind) => r.objects(kind)).map((w: Obj) => `${w.kind} ${w.metadata.namespace}/${w.metadata.name}`));
      const dangling = [
        ...r
          .objects("HorizontalPodAutoscaler")
          .filter((h: Obj) => !workloads.has(`${h.spec.scaleTargetRef.kind} ${h.metadata.namespace}/${h.spec.scaleTargetRef.name}`)),
        ...r.objects("PodDisruptionBudget").filter((b: Obj) => !pods.some((p) => p.namespace === b.metadata.namespace && selects(b.spec.selector, p.labels))),
      ].map(ref);
      assert.deepEqual(dangling, []);
    });

    it("every pod template that reads a ConfigMap at start carries a checksum of it (changes roll the pods)", () => {
      const missing: string[] = [];
      for (const w of WORKLOAD_KINDS.flatMap((kind) => r.objects(kind)) as Obj[]) {
        const mounted = ((w.spec.template.spec.volumes ?? []) as Obj[]).map((v) => v.configMap?.name).filter((n) => n && !RELOADED_OR_INIT_ONLY.includes(n));
        const checksums = Object.keys(w.spec.template.metadata?.annotations ?? {}).filter((k) => k.startsWith("checksum/"));
        if (mounted.length > 0 && checksums.length === 0) missing.push(`${ref(w)} mounts ${mounted.join(", ")}`);
      }
      assert.deepEqual(missing, []);
    });

    it("the services' checksum follows their config: a replica override changes exactly that service's", async () => {
      const user = (o: Rendered) => (o.object("Deployment", "user-service") as Obj).spec.template.metadata.annotations["checksum/config"];
      const order = (o: Rendered) => (o.object("Deployment", "order-service") as Obj).spec.template.metadata.annotations["checksum/config"];
      const raised = await render({ ...overrides, services: { user_service: { replicas: 7 } } }, options);
      assert.notEqual(user(raised), user(r));
      assert.equal(order(raised), order(r));
    });

    it("every container requests and limits ephemeral storage: its logs plus the disk-backed emptyDirs it mounts (each bounded)", () => {
      const wrong: string[] = [];
      for (const w of WORKLOAD_KINDS.flatMap((kind) => r.objects(kind)) as Obj[]) {
        const volumes = (w.spec.template.spec.volumes ?? []) as Obj[];
        const scratch = new Map(
          volumes.filter((v) => v.emptyDir && v.emptyDir.medium !== "Memory").map((v) => [v.name as string, v.emptyDir.sizeLimit as string | undefined]),
        );
        for (const [name, limit] of scratch) if (!limit) wrong.push(`${ref(w)}: emptyDir ${name} has no sizeLimit`);
        for (const c of [...(w.spec.template.spec.initContainers ?? []), ...w.spec.template.spec.containers] as Obj[]) {
          const expected =
            parseQuantity(LOG_ALLOWANCE) + ((c.volumeMounts ?? []) as Obj[]).reduce((sum, m) => sum + parseQuantity(scratch.get(m.name) ?? "0"), 0);
          for (const kind of ["requests", "limits"]) {
            const size = c.resources?.[kind]?.["ephemeral-storage"] as string | undefined;
            if (size === undefined || parseQuantity(size) !== expected)
              wrong.push(`${ref(w)} container ${c.name}: ${kind} ephemeral-storage ${size} (expected ${expected} bytes)`);
          }
        }
      }
      // Istio's containers, sized through the charts' values (istiod, every sidecar, the gateway, the CNI agent).
      for (const release of r.ofType("kubernetes:helm.sh/v3:Release").map((x) => x.inputs as Obj)) {
        const sized = {
          istiod: [release.values.resources, release.values.global?.proxy?.resources],
          "istio-ingress": [release.values.resources],
          "istio-cni": [release.values.resources],
        }[release.name as string];
        for (const resources of (sized ?? []) as Obj[]) {
          if (!resources?.requests?.["ephemeral-storage"] || !resources?.limits?.["ephemeral-storage"])
            wrong.push(`Helm release ${release.name}: no ephemeral-storage request and limit`);
        }
      }
      assert.deepEqual(wrong, []);
    });

    it("every PodDisruptionBudget lets unhealthy pods go (AlwaysAllow), Istio's charts' too: no crash-looping pod blocks a drain", () => {
      const blocking = (r.objects("PodDisruptionBudget") as Obj[]).filter((b) => b.spec.unhealthyPodEvictionPolicy !== "AlwaysAllow").map(ref);
      for (const release of r.ofType("kubernetes:helm.sh/v3:Release").map((x) => x.inputs as Obj)) {
        const budget = release.name === "istiod" ? release.values.pdb : release.name === "istio-ingress" ? release.values.podDisruptionBudget : undefined;
        if (budget && Object.keys(budget).length > 0 && budget.unhealthyPodEvictionPolicy !== "AlwaysAllow") blocking.push(`Helm release ${release.name}`);
      }
      assert.deepEqual(blocking, []);
      assert.ok(r.objects("PodDisruptionBudget").length > 0);
    });

    it("no built-in object sets an integer field to 0 where the API drops a zero (the engine writes it without the field)", () => {
      const zeros: string[] = [];
      const visit = (value: unknown, at: string, field: string, owner: string) => {
        if (value === 0 && !ZERO_KEPT.has(field)) zeros.push(`${owner} ${at}`);
        else if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${at}[${i}]`, field, owner));
        else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) visit(v, `${at}.${k}`, k, owner);
      };
      for (const o of r.objects() as Obj[]) if (isBuiltIn(o.apiVersion)) visit(o, "", "", ref(o));
      assert.deepEqual(zeros, []);
    });

    it("no built-in object carries an empty list, nor any object an empty labels or annotations map (the engine writes them without the field)", () => {
      const empty: string[] = [];
      const visit = (value: unknown, at: string, owner: string, builtIn: boolean) => {
        if (Array.isArray(value)) {
          if (value.length === 0 && builtIn) empty.push(`${owner} ${at}`);
          return value.forEach((v, i) => visit(v, `${at}[${i}]`, owner, builtIn));
        }
        if (!value || typeof value !== "object") return;
        for (const [k, v] of Object.entries(value)) {
          const isMap = v !== null && typeof v === "object" && !Array.isArray(v);
          if ((k === "labels" || k === "annotations") && at.endsWith("metadata") && isMap && Object.keys(v).length === 0) empty.push(`${owner} ${at}.${k}`);
          else visit(v, `${at}.${k}`, owner, builtIn);
        }
      };
      for (const o of r.objects() as Obj[]) visit(o, "", ref(o), isBuiltIn(o.apiVersion));
      assert.deepEqual(empty, []);
    });

    // The file backend serializes the whole checkpoint twice for each resource an up creates (README: bench:cluster),
    // so a resource or a kilobyte more costs every up: the spec's files are one resource per component, and a large
    // JSON document in a ConfigMap (held three times in the state) is compact.
    it("keeps the checkpoint small: one artifact resource per component, no pretty-printed JSON document over 4 KB in a ConfigMap", () => {
      const parents = r.ofType(ArtifactTree.TYPE).map((t) => t.parent);
      assert.deepEqual(
        parents.filter((p, i) => parents.indexOf(p) !== i),
        [],
      );
      assert.ok(parents.length > 0);
      const pretty = (r.objects("ConfigMap") as Obj[]).flatMap((c) =>
        Object.entries((c.data ?? {}) as Record<string, string>)
          .filter(([key, text]) => key.endsWith(".json") && text.length > 4096 && text.trim() !== JSON.stringify(JSON.parse(text)))
          .map(([key]) => `${ref(c)} ${key}`),
      );
      assert.deepEqual(pretty, []);
    });

    it("every DestinationRule and VirtualService destination host is a Service of the stack", () => {
      const services = new Set((r.objects("Service") as Obj[]).map((s) => `${s.metadata.name}.${s.metadata.namespace}.svc.${MESH.trustDomain}`));
      const hosts = [
        ...(r.objects("DestinationRule") as Obj[]).map((d) => [ref(d), d.spec.host as string]),
        ...(r.objects("VirtualService") as Obj[]).flatMap((v) =>
          ((v.spec.http ?? []) as Obj[]).flatMap((h) => ((h.route ?? []) as Obj[]).map((d) => [ref(v), d.destination.host as string])),
        ),
      ];
      assert.deepEqual(
        hosts.filter(([, host]) => !services.has(host)).map(([owner, host]) => `${owner} → ${host}`),
        [],
      );
    });
  });
}
