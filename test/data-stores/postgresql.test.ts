import { RECONCILE_SCRIPT } from "../../components/postgresql";
import { strict as assert } from "assert";
import { POSTGRES, SERVICES, kubernetesName } from "../../catalog";
import { NS, Rendered, render } from "../helpers/render";
import { MOCK_PASSWORD, Obj, envVar, firstContainer, oneLine, rawSecret, renderWithSecrets, renderedFiles, secretStringData } from "./support";
import { cpuAndMemory } from "../observability/workload-checks";

/** The catalog's services that name a database, with it. */
const WITH_DATABASE = SERVICES.filter((s) => s.config.database).map((s) => [s.config.service_name, s.config.database!] as const);

describe("PostgreSQL (alone, dev)", () => {
  let r: Rendered;
  let sql: string;
  before(async () => {
    r = await render({ components: ["postgresql"] });
    sql = (r.object("ConfigMap", "postgres-init", "data") as Obj).data["10-service-databases.sql"];
  });

  it("the catalog has the six service databases the spec names", () => {
    assert.deepEqual(
      WITH_DATABASE.map(([, db]) => db),
      ["users_db", "orders_db", "payments_db", "inventory_db", "analytics_db", "auth_db"],
    );
  });

  it("the init script creates exactly the catalog's databases plus saga_db, each owned by its own role", () => {
    const created = [...sql.matchAll(/^SELECT 'CREATE DATABASE "(\w+)" OWNER "(\w+)"' WHERE NOT EXISTS/gm)].map((m) => [m[2], m[1]]);
    assert.deepEqual(created, [...WITH_DATABASE, [POSTGRES.sagaUser, POSTGRES.sagaDatabase]]);
    assert.equal(POSTGRES.sagaDatabase, "saga_db");
    const roles = [...sql.matchAll(/^ALTER ROLE "(\w+)" WITH LOGIN PASSWORD :'password';$/gm)].map((m) => m[1]);
    assert.deepEqual(roles, [...WITH_DATABASE.map(([s]) => s), "saga_user"]);
    for (const [, db] of [...WITH_DATABASE, ["", "saga_db"]]) assert.match(sql, new RegExp(`^REVOKE ALL ON DATABASE "${db}" FROM PUBLIC;$`, "m"));
  });

  it("the init script reads each password from the environment, never holds one", () => {
    for (const role of [...WITH_DATABASE.map(([s]) => s), "saga_user"]) {
      assert.match(sql, new RegExp(`^\\\\unset password\\n\\\\getenv password PASSWORD_${role.toUpperCase()}\\nSELECT 'CREATE ROLE "${role}"'`, "m"));
    }
    assert.equal(sql.includes(MOCK_PASSWORD), false);
    assert.doesNotMatch(sql, /PASSWORD '/);
  });

  it("reconciles roles at every start: an init container with the server's image, environment and volumes runs the roles script", () => {
    const s = r.object("StatefulSet", "postgres", "data") as Obj;
    const [init] = s.spec.template.spec.initContainers as Obj[];
    const main = firstContainer(s);
    assert.equal(init.name, "reconcile-roles");
    assert.equal(init.image, main.image);
    assert.deepEqual(init.command, ["sh", "-c", RECONCILE_SCRIPT]);
    assert.deepEqual(init.env, main.env);
    assert.deepEqual(init.volumeMounts, main.volumeMounts);
    assert.deepEqual(init.securityContext, main.securityContext);
    assert.match(s.spec.template.metadata.annotations["checksum/credentials"], /^[0-9a-f]{64}$/, "a rotation rolls the pod");
  });

  it("the StatefulSet takes each role's password from the credentials Secret, and the superuser's", () => {
    const s = r.object("StatefulSet", "postgres", "data") as Obj;
    const c = firstContainer(s);
    for (const role of [...WITH_DATABASE.map(([svc]) => svc), "saga_user"]) {
      assert.deepEqual(envVar(c, `PASSWORD_${role.toUpperCase()}`), {
        name: `PASSWORD_${role.toUpperCase()}`,
        valueFrom: { secretKeyRef: { name: "postgres-credentials", key: role } },
      });
    }
    assert.deepEqual(envVar(c, "POSTGRES_PASSWORD"), {
      name: "POSTGRES_PASSWORD",
      valueFrom: { secretKeyRef: { name: "postgres-credentials", key: "POSTGRES_PASSWORD" } },
    });
    assert.equal(envVar(c, "PGDATA")!.value, "/var/lib/postgresql/data/pgdata");
    assert.ok(c.volumeMounts.some((m: Obj) => m.name === "init" && m.mountPath === "/docker-entrypoint-initdb.d" && m.readOnly));
    // Every generated password is in the credentials Secret, a Pulumi secret.
    const data = secretStringData(rawSecret(r, "postgres-credentials", "data"));
    assert.deepEqual(Object.keys(data).sort(), ["POSTGRES_PASSWORD", ...WITH_DATABASE.map(([svc]) => svc), "saga_user"].sort());
    assert.ok(Object.values(data).every((v) => v === MOCK_PASSWORD));
  });

  it("runs PostgreSQL 16 (alpine, uid 70) restricted, with probes, requests/limits and a volume", () => {
    const s = r.object("StatefulSet", "postgres") as Obj;
    const spec = s.spec.template.spec;
    const c = spec.containers[0];
    assert.equal(c.image, POSTGRES.image);
    assert.match(c.image, /^postgres:16\.\d+-alpine3\.\d+$/);
    assert.equal(spec.securityContext.runAsUser, 70);
    assert.equal(spec.securityContext.fsGroup, 70);
    assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
    for (const probe of [c.startupProbe, c.readinessProbe]) {
      assert.deepEqual(probe.exec.command, ["pg_isready", "--host=127.0.0.1", "--port=5432", "--username=postgres"]);
    }
    assert.deepEqual(c.livenessProbe.tcpSocket, { port: "tcp-postgres" }, "liveness differs from readiness: recovery is not a restart");
    assert.deepEqual(cpuAndMemory(c.resources), { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } });
    assert.equal(s.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "1Gi");
    assert.deepEqual((r.object("Service", "postgres", "data") as Obj).spec.ports, [
      { name: "tcp-postgres", port: 5432, targetPort: "tcp-postgres", protocol: "TCP" },
    ]);
    assert.equal((r.object("PodDisruptionBudget", "postgres", "data") as Obj).spec.maxUnavailable, 1);
  });

  it("still emits the spec's saga coordinator files", () => {
    const files = [...r.artifacts().keys()].filter((p) => p.includes("saga_coordinator/")).sort();
    assert.deepEqual(files, [
      "microservices_ecosystem/distributed_data/saga_coordinator/saga_definitions.json",
      "microservices_ecosystem/distributed_data/saga_coordinator/transaction_log.json",
    ]);
  });
});

describe("PostgreSQL (full stack, dev): services' connection settings", () => {
  let r: Rendered;
  before(async () => {
    r = await render();
  });

  for (const [service, database] of WITH_DATABASE) {
    const name = kubernetesName(service);
    it(`${service} gets DATABASE_URL from its Secret ${name}-db, built from a generated password`, () => {
      const deployments = r.objects("Deployment").filter((o) => o.metadata.namespace === "microservices" && (o as Obj).spec.selector.matchLabels.app === name);
      assert.ok(deployments.length >= 1);
      for (const d of deployments) {
        assert.deepEqual(envVar(firstContainer(d as Obj), "DATABASE_URL"), {
          name: "DATABASE_URL",
          valueFrom: { secretKeyRef: { name: `${name}-db`, key: "DATABASE_URL" } },
        });
      }
      const data = secretStringData(rawSecret(r, `${name}-db`, "microservices"));
      assert.deepEqual(data, {
        DATABASE_URL: `postgresql://${service}:${MOCK_PASSWORD}@postgres.data.svc.cluster.local:5432/${database}?sslmode=disable`,
        PGHOST: "postgres.data.svc.cluster.local",
        PGPORT: "5432",
        PGDATABASE: database,
        PGUSER: service,
        PGPASSWORD: MOCK_PASSWORD,
      });
    });
  }

  it("services without a database get no DATABASE_URL", () => {
    for (const { config } of SERVICES.filter((s) => !s.config.database)) {
      assert.equal(envVar(firstContainer(r.object("Deployment", kubernetesName(config.service_name)) as Obj), "DATABASE_URL"), undefined);
    }
  });

  it("the saga coordinator (order_service: saga_coordinator enabled) gets SAGA_DATABASE_URL for saga_db", () => {
    const c = firstContainer(r.object("Deployment", "order-service") as Obj);
    assert.deepEqual(envVar(c, "SAGA_DATABASE_URL"), { name: "SAGA_DATABASE_URL", valueFrom: { secretKeyRef: { name: "saga-db", key: "DATABASE_URL" } } });
    assert.equal(
      secretStringData(rawSecret(r, "saga-db", "microservices")).DATABASE_URL,
      `postgresql://saga_user:${MOCK_PASSWORD}@postgres.data.svc.cluster.local:5432/saga_db?sslmode=disable`,
    );
    const others = SERVICES.filter((s) => s.config.service_name !== "order_service");
    for (const { config } of others) {
      assert.equal(envVar(firstContainer(r.object("Deployment", kubernetesName(config.service_name)) as Obj), "SAGA_DATABASE_URL"), undefined);
    }
  });

  it("one RandomPassword per role, one for the superuser and one for the exporter's pg_monitor role, letters and digits only", () => {
    const passwords = r.ofType("random:index/randomPassword:RandomPassword").filter((p) => p.parent?.endsWith("microservices:platform:PostgreSQL::postgresql"));
    assert.deepEqual(
      passwords.map((p) => p.name).sort(),
      [
        "postgres-superuser-password",
        "postgres-exporter-password",
        ...WITH_DATABASE.map(([s]) => `${kubernetesName(s)}-password`),
        "saga-user-password",
      ].sort(),
    );
    for (const p of passwords) assert.deepEqual([p.inputs.length, p.inputs.special], [32, false]);
  });
});

describe("PostgreSQL settings", () => {
  it("resources and storage override the catalog's sizing", async () => {
    const r = await render({ components: ["postgresql"], postgresql: { storage: "5Gi", resources: { requests: { memory: "384Mi" } } } });
    const s = r.object("StatefulSet", "postgres") as Obj;
    assert.deepEqual(cpuAndMemory(firstContainer(s).resources).requests, { cpu: "100m", memory: "384Mi" });
    assert.equal(s.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "5Gi");
  });

  it("rejects an unknown field with one line naming it", async () => {
    await assert.rejects(
      render({ components: ["postgresql"], postgresql: { databases: ["x"] } }),
      oneLine(`${NS}:postgresql has an unknown field "databases": remove it or check its spelling (known fields: image, storage, resources)`),
    );
  });

  it("rejects an image older than PostgreSQL 15 (the init script needs psql's \\getenv)", async () => {
    await assert.rejects(
      render({ components: ["postgresql"], postgresql: { image: "postgres:13.16-alpine" } }),
      oneLine(`${NS}:postgresql.image postgres:13.16-alpine is PostgreSQL 13: use 15 or later (the init script reads passwords with psql's \\getenv)`),
    );
  });

  it("rejects a malformed quantity", async () => {
    await assert.rejects(
      render({ components: ["postgresql"], postgresql: { resources: { limits: { memory: "lots" } } } }),
      oneLine(`${NS}:postgresql.resources.limits.memory must match pattern "^[0-9]+(\\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$"`),
    );
  });
});

describe("PostgreSQL with the postgresPasswordSeed config secret (stacks without @pulumi/random)", () => {
  const SEED = "a-seed-only-this-test-knows";
  let r: Rendered;
  before(async () => {
    r = await renderWithSecrets({ components: ["postgresql"] }, { postgresPasswordSeed: SEED });
  });

  it("creates no RandomPassword and derives one distinct password per role", () => {
    assert.deepEqual(r.ofType("random:index/randomPassword:RandomPassword"), []);
    const passwords = secretStringData(rawSecret(r, "postgres-credentials", "data"));
    const values = Object.values(passwords);
    assert.equal(values.length, 8, "the superuser, six service roles and saga_user");
    assert.equal(new Set(values).size, values.length);
    for (const value of values) assert.match(value, /^[0-9a-f]{32}$/);
  });

  it("neither the seed nor a derived password appears in a rendered file", () => {
    const derived = Object.values(secretStringData(rawSecret(r, "postgres-credentials", "data")));
    for (const [file, content] of renderedFiles(r.resources)) {
      for (const secret of [SEED, ...derived]) assert.equal(content.includes(secret), false, file);
    }
  });

  it("rejects a seed set in plain text, with one line", async () => {
    await assert.rejects(
      render({ components: ["postgresql"], postgresPasswordSeed: "plain" }),
      oneLine(`${NS}:postgresPasswordSeed is set in plain text: set it with \`pulumi config set --secret postgresPasswordSeed <value>\``),
    );
  });
});
