import { strict as assert } from "assert";
import { EVENT_STORE, SERVICES, eventStoreClients, kubernetesName } from "../../catalog";
import { NS, Rendered, render } from "../helpers/render";
import { Obj, envVar, firstContainer, oneLine } from "./support";
import { cpuAndMemory } from "../observability/workload-checks";

const HEADLESS = "eventstore-headless.data.svc.cluster.local";

describe("EventStore (alone, dev)", () => {
  let r: Rendered;
  before(async () => {
    r = await render({ components: ["eventstore"] });
  });

  it("runs one node on dev as a StatefulSet in the data namespace, with a volume per node", () => {
    const s = r.object("StatefulSet", "eventstore", "data") as Obj;
    assert.equal(s.spec.replicas, 1);
    assert.equal(s.spec.serviceName, "eventstore-headless");
    assert.deepEqual(
      s.spec.volumeClaimTemplates.map((v: Obj) => [v.metadata.name, v.spec.resources.requests.storage]),
      [["data", "2Gi"]],
    );
    const c = firstContainer(s);
    assert.equal(envVar(c, "KURRENTDB_CLUSTER_SIZE")!.value, "1");
    assert.equal(envVar(c, "KURRENTDB_DISCOVER_VIA_DNS"), undefined);
    assert.deepEqual(
      c.volumeMounts.find((m: Obj) => m.name === "data"),
      { name: "data", mountPath: "/var/lib/kurrentdb" },
    );
  });

  it("runs the pinned KurrentDB 26.0 LTS image with projections on and, behind the mesh, without TLS", () => {
    const s = r.object("StatefulSet", "eventstore") as Obj;
    const c = firstContainer(s);
    assert.equal(c.image, "docker.kurrent.io/kurrent-lts/kurrentdb:26.0.3");
    assert.equal(s.spec.template.spec.enableServiceLinks, false, "no EVENTSTORE_* link variables from the Service");
    assert.deepEqual(
      c.env.filter((e: Obj) => e.name.startsWith("EVENTSTORE_")),
      [],
      "the server reads KURRENTDB_* (EVENTSTORE_* is deprecated)",
    );
    assert.equal(envVar(c, "KURRENTDB_RUN_PROJECTIONS")!.value, "All");
    assert.equal(envVar(c, "KURRENTDB_START_STANDARD_PROJECTIONS")!.value, "true");
    assert.equal(envVar(c, "KURRENTDB_INSECURE")!.value, "true");
    assert.equal(envVar(c, "KURRENTDB_NODE_PORT")!.value, "2113");
  });

  it("is restricted: the image's uid 1000, read-only root, no capabilities; probes on /health/live", () => {
    const spec = (r.object("StatefulSet", "eventstore") as Obj).spec.template.spec;
    assert.deepEqual(spec.securityContext, {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    });
    const c = spec.containers[0];
    assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
    for (const probe of [c.startupProbe, c.readinessProbe]) {
      assert.deepEqual(probe.httpGet, { path: "/health/live", port: "tcp-esdb", scheme: "HTTP" });
    }
    assert.deepEqual(c.livenessProbe.tcpSocket, { port: "tcp-esdb" }, "liveness differs from readiness: a catching-up node is not restarted");
    assert.deepEqual(cpuAndMemory(c.resources), { requests: { cpu: "200m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } });
    assert.equal(spec.automountServiceAccountToken, false);
  });

  it("has a client Service, a headless Service for the nodes, and a PodDisruptionBudget", () => {
    const svc = r.object("Service", "eventstore", "data") as Obj;
    assert.deepEqual(svc.spec.ports, [{ name: "tcp-esdb", port: 2113, targetPort: "tcp-esdb", protocol: "TCP" }]);
    assert.deepEqual(svc.spec.selector, { app: "eventstore" });
    const headless = r.object("Service", "eventstore-headless", "data") as Obj;
    assert.equal(headless.spec.clusterIP, "None");
    assert.equal(headless.spec.publishNotReadyAddresses, true);
    assert.deepEqual(
      headless.spec.ports.map((p: Obj) => p.port),
      [2113, 1112],
    );
    const pdb = r.object("PodDisruptionBudget", "eventstore", "data") as Obj;
    assert.deepEqual(pdb.spec, { maxUnavailable: 1, selector: { matchLabels: { app: "eventstore" } }, unhealthyPodEvictionPolicy: "AlwaysAllow" });
  });

  it("creates the data namespace, not labelled for injection when Istio is not composed", () => {
    const ns = r.object("Namespace", "data") as Obj;
    assert.equal(ns.metadata.labels["istio-injection"], undefined);
  });

  it("hands EVENTSTORE_URL (the client Service, tls=false) to the services that own or read event streams", () => {
    // Owners of user-, order- and payment-events; analytics_service's pipelines and
    // notification_service's triggers read their events (order.created, payment.failed, …).
    const expected = ["user_service", "order_service", "payment_service", "notification_service", "analytics_service"];
    assert.deepEqual(
      eventStoreClients(SERVICES).map((s) => s.config.service_name),
      expected,
    );
    for (const { config } of SERVICES) {
      const url = envVar(firstContainer(r.object("Deployment", kubernetesName(config.service_name)) as Obj), "EVENTSTORE_URL");
      if (expected.includes(config.service_name))
        assert.deepEqual(url, { name: "EVENTSTORE_URL", value: "esdb://eventstore.data.svc.cluster.local:2113?tls=false" });
      else assert.equal(url, undefined, config.service_name);
    }
  });

  it("still emits the spec's event store files", () => {
    const files = [...r.artifacts().keys()].filter((p) => p.includes("distributed_data/event_store/"));
    assert.deepEqual(files.sort(), [
      "microservices_ecosystem/distributed_data/event_store/event_sourcing_config.json",
      "microservices_ecosystem/distributed_data/event_store/event_streams.json",
    ]);
  });
});

describe("EventStore (full stack, prod)", () => {
  let r: Rendered;
  before(async () => {
    r = await render({ environment: "prod" });
  });

  it("runs the spec's replication nodes (3) as one cluster that gossips through the headless Service", () => {
    const s = r.object("StatefulSet", "eventstore", "data") as Obj;
    assert.equal(EVENT_STORE.replicationNodes, 3);
    assert.equal(s.spec.replicas, 3);
    assert.equal(s.spec.podManagementPolicy, "Parallel");
    const c = firstContainer(s);
    assert.equal(envVar(c, "KURRENTDB_CLUSTER_SIZE")!.value, "3");
    assert.equal(envVar(c, "KURRENTDB_DISCOVER_VIA_DNS")!.value, "true");
    assert.equal(envVar(c, "KURRENTDB_CLUSTER_DNS")!.value, HEADLESS);
    assert.equal(envVar(c, "KURRENTDB_CLUSTER_GOSSIP_PORT")!.value, "2113");
    // POD_NAME comes first: Kubernetes expands $(POD_NAME) only from variables defined before.
    assert.deepEqual(c.env[0], { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } });
    for (const name of ["KURRENTDB_NODE_HOST_ADVERTISE_AS", "KURRENTDB_REPLICATION_HOST_ADVERTISE_AS", "KURRENTDB_ADVERTISE_HOST_TO_CLIENT_AS"]) {
      assert.equal(envVar(c, name)!.value, `$(POD_NAME).${HEADLESS}`);
    }
    assert.deepEqual(cpuAndMemory(c.resources), { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } });
    assert.equal(s.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "50Gi");
  });

  it("never puts two nodes on one machine (required), and spreads them over zones", () => {
    const pod = (r.object("StatefulSet", "eventstore") as Obj).spec.template.spec;
    assert.deepEqual(pod.affinity.podAntiAffinity, {
      requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "eventstore" } } }],
    });
    assert.ok((pod.topologySpreadConstraints as Obj[]).some((c) => c.topologyKey === "topology.kubernetes.io/zone"));
  });

  it("gives clients every node as a gossip seed", () => {
    const url = envVar(firstContainer(r.object("Deployment", "order-service") as Obj), "EVENTSTORE_URL")!.value;
    assert.equal(url, `esdb://eventstore-0.${HEADLESS}:2113,eventstore-1.${HEADLESS}:2113,eventstore-2.${HEADLESS}:2113?tls=false`);
  });

  it("labels the data namespace for sidecar injection when Istio is composed", () => {
    assert.equal((r.object("Namespace", "data") as Obj).metadata.labels["istio-injection"], "enabled");
  });
});

describe("EventStore settings", () => {
  it("microservices-ecosystem:eventstore.clusterSize sets the cluster size", async () => {
    const r = await render({ components: ["eventstore"], eventstore: { clusterSize: 3 } });
    assert.equal((r.object("StatefulSet", "eventstore") as Obj).spec.replicas, 3);
  });

  it("rejects an unknown field with one line naming it", async () => {
    await assert.rejects(
      render({ components: ["eventstore"], eventstore: { clusterSise: 3 } }),
      oneLine(`${NS}:eventstore has an unknown field "clusterSise": remove it or check its spelling (known fields: image, storage, resources, clusterSize)`),
    );
  });

  it("rejects a cluster size without a quorum", async () => {
    await assert.rejects(
      render({ components: ["eventstore"], eventstore: { clusterSize: 2 } }),
      oneLine(`${NS}:eventstore.clusterSize must be one of 1, 3, 5`),
    );
  });

  it("rejects an unpinned image", async () => {
    await assert.rejects(
      render({ components: ["eventstore"], eventstore: { image: "eventstore/eventstore:latest" } }),
      oneLine(`${NS}:eventstore.image "eventstore/eventstore:latest" is not pinned: use a version tag (not latest) or a sha256 digest`),
    );
  });
});
