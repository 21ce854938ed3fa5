import { strict as assert } from "assert";
import { REDIS, SERVICES, kubernetesName, redisClients } from "../../catalog";
import { START_SCRIPT } from "../../components/redis";
import { NS, Rendered, render } from "../helpers/render";
import { MOCK_PASSWORD, Obj, envVar, firstContainer, oneLine, rawSecret, renderWithSecrets, renderedFiles, secretStringData } from "./support";
import { cpuAndMemory } from "../observability/workload-checks";

const REDIS_URL = "redis://:$(REDIS_PASSWORD)@redis.data.svc.cluster.local:6379/0";
/** A password set with `pulumi config set --secret redisPassword …` in these tests. */
const CONFIGURED = "c0nfigured-redis-Passw0rd";

describe("Redis (alone, dev)", () => {
  let r: Rendered;
  before(async () => {
    r = await render({ components: ["redis"] });
  });

  it("runs the pinned redis 7.4 alpine image as uid 999, restricted, with AOF on a volume", () => {
    const s = r.object("StatefulSet", "redis", "data") as Obj;
    assert.equal(s.spec.replicas, 1);
    const spec = s.spec.template.spec;
    const c = spec.containers[0];
    assert.equal(c.image, REDIS.image);
    assert.match(c.image, /^redis:\d+\.\d+\.\d+-alpine3\.\d+$/);
    assert.deepEqual([spec.securityContext.runAsUser, spec.securityContext.runAsGroup, spec.securityContext.fsGroup], [999, 1000, 1000]);
    assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
    assert.deepEqual(cpuAndMemory(c.resources), { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } });
    assert.equal(s.spec.volumeClaimTemplates[0].metadata.name, "data");
    assert.ok(c.volumeMounts.some((m: Obj) => m.name === "data" && m.mountPath === "/data"));
    const conf = (r.object("ConfigMap", "redis-config", "data") as Obj).data["redis.conf"];
    assert.match(conf, /^appendonly yes$/m);
    // Half the 128Mi limit: the rest is room for an AOF rewrite's fork.
    assert.match(conf, /^maxmemory 64mb$/m);
    assert.doesNotMatch(conf, /^requirepass/m);
  });

  it("requirepass comes from the Secret through the environment, never on a command line", () => {
    const c = firstContainer(r.object("StatefulSet", "redis") as Obj);
    assert.deepEqual(c.command, ["sh", "-c", START_SCRIPT]);
    assert.match(START_SCRIPT, /exec redis-server \/etc\/redis\/redis.conf - <<EOF\nrequirepass "\$password"\nEOF$/);
    for (const name of ["REDIS_PASSWORD", "REDISCLI_AUTH"]) {
      assert.deepEqual(envVar(c, name), { name, valueFrom: { secretKeyRef: { name: "redis-auth", key: "REDIS_PASSWORD" } } });
    }
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
      assert.equal(probe.exec.command.join(" ").includes("-a"), false);
    }
  });

  it("the password is a generated secret in the Redis Secret", () => {
    const passwords = r.ofType("random:index/randomPassword:RandomPassword");
    assert.deepEqual(
      passwords.map((p) => p.name),
      ["redis-password"],
    );
    assert.deepEqual(secretStringData(rawSecret(r, "redis-auth", "data")), { REDIS_PASSWORD: MOCK_PASSWORD });
  });

  it("has a Service on 6379, a headless Service and a PodDisruptionBudget", () => {
    assert.deepEqual((r.object("Service", "redis", "data") as Obj).spec.ports, [{ name: "tcp-redis", port: 6379, targetPort: "tcp-redis", protocol: "TCP" }]);
    assert.equal((r.object("Service", "redis-headless", "data") as Obj).spec.clusterIP, "None");
    assert.equal((r.object("PodDisruptionBudget", "redis", "data") as Obj).spec.maxUnavailable, 1);
  });

  it("services that cache in Redis or lock with it get REDIS_PASSWORD from a Secret and REDIS_URL built from it", () => {
    // inventory_service: caching.provider redis; order_service: distributed_lock.json's lock_provider redis.
    assert.deepEqual(
      redisClients(SERVICES).map((s) => s.config.service_name),
      ["order_service", "inventory_service"],
    );
    for (const { config } of SERVICES) {
      const c = firstContainer(r.object("Deployment", kubernetesName(config.service_name)) as Obj);
      if (["order_service", "inventory_service"].includes(config.service_name)) {
        const names = (c.env as Obj[]).map((e) => e.name);
        // REDIS_PASSWORD first: Kubernetes expands $(REDIS_PASSWORD) only from variables defined before.
        assert.ok(names.indexOf("REDIS_PASSWORD") < names.indexOf("REDIS_URL"));
        assert.deepEqual(envVar(c, "REDIS_PASSWORD"), { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis-auth", key: "REDIS_PASSWORD" } } });
        assert.deepEqual(envVar(c, "REDIS_URL"), { name: "REDIS_URL", value: REDIS_URL });
      } else {
        assert.equal(envVar(c, "REDIS_URL"), undefined, config.service_name);
        assert.equal(envVar(c, "REDIS_PASSWORD"), undefined, config.service_name);
      }
    }
    assert.deepEqual(secretStringData(rawSecret(r, "redis-auth", "microservices")), { REDIS_PASSWORD: MOCK_PASSWORD });
  });

  it("still emits the spec's cache config", () => {
    assert.ok(r.artifacts().has("microservices_ecosystem/distributed_data/distributed_cache/cache_config.json"));
  });
});

describe("Redis with the redisPassword config secret", () => {
  let r: Rendered;
  before(async () => {
    r = await renderWithSecrets({ components: ["redis"] }, { redisPassword: CONFIGURED });
  });

  it("replaces the generated password in both Secrets, and no RandomPassword is created", () => {
    assert.deepEqual(r.ofType("random:index/randomPassword:RandomPassword"), []);
    assert.deepEqual(secretStringData(rawSecret(r, "redis-auth", "data")), { REDIS_PASSWORD: CONFIGURED });
    assert.deepEqual(secretStringData(rawSecret(r, "redis-auth", "microservices")), { REDIS_PASSWORD: CONFIGURED });
  });

  it("the configured password appears in no rendered file", () => {
    for (const [file, content] of renderedFiles(r.resources)) assert.equal(content.includes(CONFIGURED), false, file);
  });
});

describe("Redis settings", () => {
  it("rejects a redisPassword set in plain text, with one line", async () => {
    await assert.rejects(
      render({ components: ["redis"], redisPassword: "plain" }),
      oneLine(`${NS}:redisPassword is set in plain text: set it with \`pulumi config set --secret redisPassword <value>\``),
    );
  });

  it("an empty redisPassword (Pulumi.yaml's default) means generated", async () => {
    const r = await render({ components: ["redis"], redisPassword: "" });
    assert.equal(r.ofType("random:index/randomPassword:RandomPassword").length, 1);
  });

  it("rejects an unknown field with one line naming it", async () => {
    await assert.rejects(
      render({ components: ["redis"], redis: { password: "x" } }),
      oneLine(`${NS}:redis has an unknown field "password": remove it or check its spelling (known fields: image, storage, resources)`),
    );
  });

  it("a memory limit sets maxmemory to half of it (room for the AOF rewrite's fork)", async () => {
    const r = await render({ components: ["redis"], redis: { resources: { limits: { memory: "1Gi" } } } });
    assert.match((r.object("ConfigMap", "redis-config") as Obj).data["redis.conf"], /^maxmemory 512mb$/m);
  });
});
