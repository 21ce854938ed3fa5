import { strict as assert } from "assert";
import { AUTOSCALING, SERVICES, WORKLOAD, kubernetesName } from "../catalog";
import { render, Rendered } from "./helpers/render";
import { cpuAndMemory } from "./observability/workload-checks";

type Obj = Record<string, any>;

describe("MicroService", () => {
  let r: Rendered;
  before(async () => {
    r = await render({ components: [] });
  });

  for (const { config } of SERVICES) {
    const name = kubernetesName(config.service_name);
    describe(name, () => {
      it("Deployment runs the catalog's replicas with probes on the service port", () => {
        const d = r.object("Deployment", name, "microservices") as Obj;
        // The HPA owns the count (its floor is the catalog's replicas); the Deployment leaves it unset.
        assert.equal(d.spec.replicas, undefined);
        assert.equal((r.object("HorizontalPodAutoscaler", name, "microservices") as Obj).spec.minReplicas, config.replicas);
        assert.deepEqual(d.spec.selector.matchLabels, { app: name, version: "v1" });
        const pod = d.spec.template;
        assert.equal(pod.metadata.labels.tier, "microservices");
        assert.equal(pod.metadata.labels["app.kubernetes.io/name"], name);
        assert.equal(pod.metadata.annotations["prometheus.io/port"], String(config.port));
        const c = pod.spec.containers[0];
        assert.deepEqual(c.ports, [{ name: "http", containerPort: config.port, protocol: "TCP" }]);
        assert.deepEqual(c.livenessProbe.httpGet, { path: "/health", port: "http" });
        assert.deepEqual(c.readinessProbe.httpGet, { path: "/ready", port: "http" });
        assert.equal(c.readinessProbe.timeoutSeconds, 3, "longer than the runtime's 800 ms per dependency");
        assert.deepEqual(cpuAndMemory(c.resources), WORKLOAD.devResources);
        assert.equal(c.env.find((e: Obj) => e.name === "SERVICE_NAME").value, config.service_name);
        for (const dep of config.dependencies) {
          const depPort = SERVICES.find((s) => s.config.service_name === dep)!.config.port;
          assert.equal(
            c.env.find((e: Obj) => e.name === `${dep.toUpperCase()}_URL`).value,
            `http://${kubernetesName(dep)}.microservices.svc.cluster.local:${depPort}`,
          );
        }
      });

      it("every Deployment of it (canary too) starts under a startup probe and drains before it stops", () => {
        const deployments = r.resources.filter(
          (res) => res.type === "kubernetes:apps/v1:Deployment" && (res.inputs as Obj).spec.template.metadata.labels.app === name,
        );
        assert.ok(deployments.length >= 1);
        for (const d of deployments) {
          const spec = (d.inputs as Obj).spec.template.spec;
          const c = spec.containers[0];
          assert.deepEqual(c.startupProbe.httpGet, { path: "/health", port: "http" });
          assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold >= 60, "a slow start is not a crash loop");
          assert.equal(c.livenessProbe.failureThreshold, 3);
          assert.ok(c.livenessProbe.timeoutSeconds >= 5, "liveness never restarts a slow but healthy pod (npm run bench:probes)");
          const drain = c.lifecycle.preStop.sleep.seconds;
          const timeoutMs = Number(c.env.find((e: Obj) => e.name === "SHUTDOWN_TIMEOUT_MS").value);
          assert.ok(drain >= 5, "the endpoint leaves every proxy's rotation before SIGTERM");
          assert.ok(spec.terminationGracePeriodSeconds > drain + timeoutMs / 1000, "the grace period covers the drain and the in-flight requests");
        }
      });

      it("Deployment is restricted: non-root, read-only root FS, no capabilities, RuntimeDefault seccomp", () => {
        const spec = (r.object("Deployment", name) as Obj).spec.template.spec;
        assert.equal(spec.securityContext.runAsNonRoot, true);
        assert.deepEqual(spec.securityContext.seccompProfile, { type: "RuntimeDefault" });
        const sc = spec.containers[0].securityContext;
        assert.deepEqual(sc, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
        assert.equal(spec.serviceAccountName, name);
      });

      it("Service exposes the named port", () => {
        const s = r.object("Service", name) as Obj;
        assert.deepEqual(s.spec.ports, [{ name: "http", port: config.port, targetPort: "http", protocol: "TCP", appProtocol: "http" }]);
        assert.deepEqual(s.spec.selector, { app: name });
        assert.equal(s.spec.type, "ClusterIP");
      });

      it("HPA scales from the catalog's replicas to the capacity plan's maximum on CPU", () => {
        const h = r.object("HorizontalPodAutoscaler", name) as Obj;
        assert.equal(h.spec.minReplicas, config.replicas);
        assert.equal(h.spec.maxReplicas, AUTOSCALING.maxReplicas);
        assert.equal(h.spec.metrics[0].resource.target.averageUtilization, AUTOSCALING.targetCpuUtilization);
        assert.deepEqual(h.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name });
      });

      it("PDB selects the Deployment's pods, allows one disruption and lets unhealthy pods go", () => {
        const p = r.object("PodDisruptionBudget", name) as Obj;
        assert.deepEqual(p.spec, { maxUnavailable: 1, selector: { matchLabels: { app: name, version: "v1" } }, unhealthyPodEvictionPolicy: "AlwaysAllow" });
      });

      it("ConfigMap holds the service's files, mounted where the runtime reads them", () => {
        const cm = r.object("ConfigMap", `${name}-config`) as Obj;
        assert.deepEqual(JSON.parse(cm.data["service_config.json"]), config);
        const mount = (r.object("Deployment", name) as Obj).spec.template.spec.containers[0].volumeMounts[0];
        assert.deepEqual(mount, { name: "config", mountPath: WORKLOAD.configMountPath, readOnly: true });
      });
    });
  }

  it("a stack's overrides change replicas, image and resources of that service only", async () => {
    const o = await render({
      components: [],
      services: { user_service: { replicas: 2, image: "registry.local/user:1.2.3", resources: { limits: { memory: "1Gi" } } } },
    });
    const user = (o.object("Deployment", "user-service") as Obj).spec;
    assert.equal(user.replicas, undefined);
    assert.equal(user.template.spec.containers[0].image, "registry.local/user:1.2.3");
    assert.deepEqual(cpuAndMemory(user.template.spec.containers[0].resources).limits, { memory: "1Gi", cpu: WORKLOAD.devResources.limits.cpu });
    assert.equal((o.object("HorizontalPodAutoscaler", "user-service") as Obj).spec.minReplicas, 2);
    assert.equal((o.object("HorizontalPodAutoscaler", "order-service") as Obj).spec.minReplicas, 5);
  });

  it("prod gives every service the spec manifest's requests and limits", async () => {
    const prod = await render({ components: [], environment: "prod", kong: {} });
    for (const d of prod.objects("Deployment")) {
      assert.deepEqual(cpuAndMemory((d as Obj).spec.template.spec.containers[0].resources), WORKLOAD.resources);
    }
  });

  it("services run the runtime image from the images config, pulled IfNotPresent", () => {
    const c = (r.object("Deployment", "order-service") as Obj).spec.template.spec.containers[0];
    assert.match(c.image, /^localhost:5001\/microservices\/service-runtime(:v1\.0\.0|@sha256:[0-9a-f]{64})$/);
    assert.equal(c.imagePullPolicy, "IfNotPresent");
  });
});
