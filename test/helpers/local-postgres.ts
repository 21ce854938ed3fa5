import { freePort } from "./loopback";
import { SpawnSyncOptions, execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * A throwaway PostgreSQL server for tests: the machine's own binaries (Debian's `postgresql` package;
 * `.ci/run` installs it where it is missing), a data directory in a temporary folder, listening on
 * 127.0.0.1 only (and a Unix socket in the same folder). Run as root, the server runs as the `postgres`
 * user, which initdb requires.
 */
export interface LocalPostgres {
  readonly port: number;
  readonly socketDir: string;
  readonly superuser: string;
  /** Runs psql as the superuser over the Unix socket; the environment adds to the test's. */
  psql(args: readonly string[], env?: Record<string, string>, input?: string): string;
  /** Whether a role can log in over TCP with a password (scram-sha-256), to a database. */
  canLogin(role: string, password: string, database: string): boolean;
  /** What a query answers (unaligned, tuples only) as a role logged in over TCP, or the error psql printed. */
  queryAs(role: string, password: string, database: string, sql: string): { ok: boolean; output: string };
  /** The data directory, and the server binaries' directory. */
  readonly dataDir: string;
  readonly binDir: string;
  /** Stops or starts the server (the data directory stays). */
  stopServer(): void;
  startServer(): void;
  /** Runs a shell script as the server's owner, with the server binaries on PATH. */
  sh(script: string, env: Record<string, string>): string;
  stop(): void;
}

/** The directory of the PostgreSQL server binaries: pg_config's, else the newest of Debian's versioned folders. */
export function postgresBinDir(): string {
  try {
    const dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
    if (fs.existsSync(path.join(dir, "initdb"))) return dir;
  } catch {
    // no pg_config on PATH: look where Debian puts the server
  }
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb"))) : [];
  if (versions.length === 0) throw new Error("PostgreSQL's server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql (15 or later)");
  return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], "bin");
}

export async function startLocalPostgres(): Promise<LocalPostgres> {
  const bin = postgresBinDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-test-"));
  const data = path.join(dir, "data");
  const superuser = "postgres";
  // initdb refuses to run as root: run the server as the postgres user then, owning the folder.
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot
    ? { uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })), gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" })) }
    : {};
  if (asRoot) fs.chownSync(dir, owner.uid!, owner.gid!);
  const run = (command: string, args: readonly string[], options: SpawnSyncOptions = {}) => {
    const result = spawnSync(path.join(bin, command), args, {
      encoding: "utf8",
      cwd: dir,
      timeout: 60_000,
      ...owner,
      ...options,
      env: { ...process.env, ...options.env },
    });
    if (result.status !== 0)
      throw new Error(`${command} ${args.join(" ")} exited ${result.status ?? result.signal}: ${String(result.stderr || result.stdout)}`);
    return String(result.stdout);
  };
  run("initdb", ["-D", data, "-U", superuser, "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"]);
  const port = await freePort();
  const startServer = () =>
    run("pg_ctl", [
      "-D",
      data,
      "-l",
      path.join(dir, "server.log"),
      "-w",
      "-t",
      "30",
      "-o",
      `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c fsync=off`,
      "start",
    ]);
  startServer();
  const queryAs = (role: string, password: string, database: string, sql: string) => {
    const result = spawnSync(path.join(bin, "psql"), ["-X", "-h", "127.0.0.1", "-p", String(port), "-U", role, "-d", database, "-tAc", sql], {
      encoding: "utf8",
      timeout: 30_000,
      env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: "10" },
    });
    return { ok: result.status === 0, output: String(result.status === 0 ? result.stdout : result.stderr).trim() };
  };
  return {
    dataDir: data,
    binDir: bin,
    startServer: () => void startServer(),
    stopServer: () => void run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]),
    sh: (script, env) => {
      const result = spawnSync("sh", ["-c", script], {
        encoding: "utf8",
        cwd: dir,
        timeout: 120_000,
        ...owner,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env },
      });
      if (result.status !== 0) throw new Error(`sh exited ${result.status ?? result.signal}: ${result.stderr || result.stdout}`);
      return result.stdout;
    },
    port,
    socketDir: dir,
    superuser,
    psql: (args, env = {}, input) =>
      run("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-h", dir, "-p", String(port), "-U", superuser, ...args], { env, ...(input !== undefined ? { input } : {}) }),
    canLogin: (role, password, database) => queryAs(role, password, database, "SELECT 1").ok,
    queryAs,
    stop: () => {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
