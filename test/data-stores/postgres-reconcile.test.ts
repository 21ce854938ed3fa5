import { strict as assert } from "assert";
import { DatabaseGrant } from "../../catalog";
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

  it("stops at a password missing from the environment, before touching anything after it", () => {
    assert.throws(() => run(GRANTS, { user_service: "u-3", saga_user: "s-1" }), /syntax error|:'password'/);
    assert.ok(pg.canLogin("user_service", "u-3", "users_db"), "the role before the missing one was reconciled");
    assert.ok(pg.canLogin("saga_user", "s-1", "saga_db"), "the role after it was left as it was");
  });
});
