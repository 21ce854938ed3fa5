/**
 * npm run bench:probes: how long the service runtime takes to answer its liveness probe (`/health`) when
 * it is saturated and has about half a CPU, its CPU limit on prod (500m). The runtime and a busy loop share
 * one core (`taskset`), while 64 clients keep requests in flight against the API; /health is asked every
 * 50 ms for 15 s. It prints the latencies and the liveness timeout they call for (three times the slowest
 * answer, in whole seconds): the catalog's (WORKLOAD.liveness.timeoutSeconds) is sized from it.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { WORKLOAD } from "../catalog";
import { buildRuntime } from "../app/test/harness";
import { USER_API_DEFINITION, USER_SERVICE_CONFIG } from "../app/test/fixtures";

const CLIENTS = 64;
const DURATION_MS = 15_000;
const CORE = "0";

function get(port: number, urlPath: string, agent: http.Agent | false): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: urlPath, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
    });
    req.on("error", reject);
  });
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main() {
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-probes-"));
  fs.writeFileSync(path.join(configDir, "service_config.json"), JSON.stringify(USER_SERVICE_CONFIG));
  fs.writeFileSync(path.join(configDir, "api_definition.yaml"), USER_API_DEFINITION);
  const children: ChildProcess[] = [];
  try {
    // Half of one core: a busy loop takes the other half.
    children.push(spawn("taskset", ["-c", CORE, process.execPath, "-e", "for (;;) {}"], { stdio: "ignore" }));
    const service = spawn("taskset", ["-c", CORE, process.execPath, buildRuntime()], {
      stdio: ["ignore", "pipe", "inherit"],
      env: {
        PATH: process.env.PATH,
        NODE_PATH: path.join(__dirname, "..", "node_modules"),
        CONFIG_DIR: configDir,
        HOST: "127.0.0.1",
        PORT: "0",
        LOG_LEVEL: "INFO",
      },
    });
    children.push(service);
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      service.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const m = /listening on port (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      service.on("exit", (code) => reject(new Error(`the runtime exited (${code}) before it listened`)));
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
    const until = Date.now() + DURATION_MS;
    let served = 0;
    const load = Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < until) {
        await get(port, "/users", agent);
        served++;
      }
    });
    const probes: number[] = [];
    while (Date.now() < until) {
      probes.push(await get(port, WORKLOAD.liveness.path, false));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await Promise.all(load);
    agent.destroy();
    const sorted = [...probes].sort((a, b) => a - b);
    const max = sorted[sorted.length - 1];
    const figures = {
      "api-requests-per-s": Math.round(served / (DURATION_MS / 1000)),
      "health-p50-ms": Math.round(percentile(sorted, 50)),
      "health-p99-ms": Math.round(percentile(sorted, 99)),
      "health-max-ms": Math.round(max),
      "liveness-timeout-called-for-s": Math.max(1, Math.ceil((3 * max) / 1000)),
      "liveness-timeout-s": WORKLOAD.liveness.timeoutSeconds,
    };
    for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(32)} ${value}`);
  } finally {
    for (const child of children) child.kill("SIGKILL");
    fs.rmSync(configDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
