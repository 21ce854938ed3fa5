import { strict as assert } from "assert";
import { DatabaseGrant, STORE_EXPORTERS } from "../../catalog";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RECONCILE_SCRIPT } from "../../components/postgresql";
import { INIT_SCRIPT, initScript, passwordVariable } from "../../components/postgresql/init-script";
import { LocalPostgres, startLocalPostgres } from "../helpers/local-postgres";

// The roles script against a real PostgreSQL on 127.0.0.1: what the image runs on an empty volume and the
// `reconcile-roles` init container runs on every start after it. A rotated password and a new service
// reach the database without a new volume, and nothing else changes.

const GRANTS: DatabaseGrant[] = [
  { service: "user_service", role: "user_service", database: "users_db" },
  { service: "order_service", role: "order_service", database: "orders_db" },
  { role: "saga_user", database: "saga_db" },
];

const env = (passwords: Record<string, string>, superuser: string) => ({
  POSTGRES_PASSWORD: superuser,
  ...Object.fromEntries(Object.entries(passwords).map(([role, pw]) => [passwordVariable(role), pw])),
});

describe("PostgreSQL roles: the idempotent script on a real server (rotation without a new volume)", function () {
  this.timeout(120_000);
  let pg: LocalPostgres;
  const run = (grants: readonly DatabaseGrant[], passwords: Record<string, string>, superuser = "super-1") =>
    pg.psql(["-d", "postgres", "-q"], env(passwords, superuser), initScript(grants, "postgres"));
  const state = () =>
    pg.psql([
      "-d",
      "postgres",
      "-tAc",
      "SELECT string_agg(d.datname || ':' || r.rolname || ':' || coalesce(array_to_string(d.datacl, ','), ''), ' ' ORDER BY d.datname) FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE NOT d.datistemplate",
    ]);
  const roles = () =>
    pg.psql(["-d", "postgres", "-tAc", "SELECT string_agg(rolname || ':' || rolcanlogin, ' ' ORDER BY rolname) FROM pg_roles WHERE rolname !~ '^pg_'"]);

  before(async () => {
    pg = await startLocalPostgres();
  });
  after(() => pg?.stop());

  it("creates each role and its database on a fresh server; each role logs in to its own database only", () => {
    run(GRANTS, { user_service: "u-1", order_service: "o-1", saga_user: "s-1" });
    assert.ok(pg.canLogin("user_service", "u-1", "users_db"));
    assert.ok(pg.canLogin("order_service", "o-1", "orders_db"));
    assert.ok(pg.canLogin("saga_user", "s-1", "saga_db"));
    assert.ok(!pg.canLogin("user_service", "u-1", "orders_db"), "another service's database");
    assert.ok(!pg.canLogin("user_service", "wrong", "users_db"));
  });

  it("runs again unchanged and changes nothing", () => {
    const before = [state(), roles()];
    run(GRANTS, { user_service: "u-1", order_service: "o-1", saga_user: "s-1" });
    assert.deepEqual([state(), roles()], before);
    assert.ok(pg.canLogin("order_service", "o-1", "orders_db"));
  });

  it("rotates a password and the superuser's, and adds a new service's role and database; nothing else changes", () => {
    const databases = state();
    const grants = [...GRANTS, { service: "payment_service", role: "payment_service", database: "payments_db" }];
    run(grants, { user_service: "u-2", order_service: "o-1", saga_user: "s-1", payment_service: "p-1" }, "super-2");
    assert.ok(pg.canLogin("user_service", "u-2", "users_db"), "the new password");
    assert.ok(!pg.canLogin("user_service", "u-1", "users_db"), "the old password is gone");
    assert.ok(pg.canLogin("order_service", "o-1", "orders_db"), "an unrotated role keeps its password");
    assert.ok(pg.canLogin("saga_user", "s-1", "saga_db"));
    assert.ok(pg.canLogin("payment_service", "p-1", "payments_db"), "the new service");
    assert.ok(pg.canLogin("postgres", "super-2", "postgres"), "the superuser's new password");
    const added = state()
      .split(" ")
      .filter((d) => !databases.split(" ").includes(d));
    // Owned by its role, which alone may connect (PUBLIC revoked).
    assert.deepEqual(added, ["payments_db:payment_service:payment_service=CTc/payment_service"]);
  });

  it("the reconcile-roles init container's script: on an initialised data directory, starts a socket-only server, applies the roles, stops it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-reconcile-"));
    try {
      fs.writeFileSync(path.join(dir, INIT_SCRIPT), initScript(GRANTS, "postgres"));
      fs.chmodSync(dir, 0o755);
      fs.chmodSync(path.join(dir, INIT_SCRIPT), 0o644);
      pg.stopServer();
      // The image's paths, pointed at this machine's: the init folder, and a socket folder the owner may write.
      const script = RECONCILE_SCRIPT.replaceAll("/docker-entrypoint-initdb.d", dir).replaceAll("/var/run/postgresql", pg.socketDir);
      pg.sh(script, { PGDATA: pg.dataDir, POSTGRES_USER: "postgres", ...env({ user_service: "u-9", order_service: "o-1", saga_user: "s-1" }, "super-2") });
      assert.throws(
        () => pg.psql(["-d", "postgres", "-tAc", "SELECT 1"]),
        /No such file|could not connect|Is the server running/,
        "the script stopped its server",
      );
    } finally {
      pg.startServer();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(pg.canLogin("user_service", "u-9", "users_db"), "the password the script set");
    assert.ok(pg.canLogin("order_service", "o-1", "orders_db"));
  });

  it("the init container's script leaves a fresh volume to the image's entrypoint", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "pg-empty-"));
    try {
      fs.chmodSync(empty, 0o777);
      assert.equal(pg.sh(`${RECONCILE_SCRIPT}\necho reconciled`, { PGDATA: empty, POSTGRES_USER: "postgres" }), "");
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it("with Prometheus, the exporter's role logs in to `postgres` and reads the statistics (pg_monitor), never a service's database or table", () => {
    const exporter = STORE_EXPORTERS.postgresql.role;
    const passwords = { user_service: "u-9", order_service: "o-1", saga_user: "s-1", [exporter]: "e-1" };
    pg.psql(["-d", "postgres", "-q"], env(passwords, "super-2"), initScript(GRANTS, "postgres", exporter));
    pg.psql(["-d", "users_db", "-q", "-c", "CREATE TABLE IF NOT EXISTS accounts (id int); GRANT SELECT ON accounts TO PUBLIC;"]);
    assert.equal(pg.queryAs(exporter, "e-1", "postgres", `SELECT pg_has_role('${exporter}', 'pg_monitor', 'member')`).output, "t");
    // What postgres_exporter's default collectors read, including other sessions' queries (pg_read_all_stats).
    assert.ok(pg.queryAs(exporter, "e-1", "postgres", "SELECT count(*) FROM pg_stat_database WHERE datname = 'users_db'").output === "1");
    assert.ok(pg.queryAs(exporter, "e-1", "postgres", "SELECT setting FROM pg_settings WHERE name = 'max_connections'").ok);
    const superuser = pg.queryAs(exporter, "e-1", "postgres", `SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles WHERE rolname = '${exporter}'`);
    assert.equal(superuser.output, "f", "no superuser, role or database creation");
    const table = pg.queryAs(exporter, "e-1", "users_db", "SELECT count(*) FROM accounts");
    assert.equal(table.ok, false, "a service's database refuses it (PUBLIC may not connect)");
    assert.match(table.output, /permission denied|not permitted/);
    assert.ok(!pg.canLogin(exporter, "wrong", "postgres"));
  });

  it("stops at a password missing from the environment, before touching anything after it", () => {
    assert.throws(() => run(GRANTS, { user_service: "u-3", saga_user: "s-1" }), /syntax error|:'password'/);
    assert.ok(pg.canLogin("user_service", "u-3", "users_db"), "the role before the missing one was reconciled");
    assert.ok(pg.canLogin("saga_user", "s-1", "saga_db"), "the role after it was left as it was");
  });
});
