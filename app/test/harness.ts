/**
 * Test harness: builds the runtime once (TypeScript → JavaScript, like `npm run build`), starts it
 * as a real child process on a loopback port with a temporary CONFIG_DIR, and provides fake
 * dependencies (tiny HTTP servers) whose /health answer the tests control.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";

const APP_DIR = path.resolve(__dirname, "..");
const REPO_DIR = path.resolve(APP_DIR, "..");

let built: string | undefined;
const temporaryDirs: string[] = [];
const children = new Set<ChildProcess>();

process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of temporaryDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Transpiles app/src with app/tsconfig.json's options into a temp dir; returns main.js's path. */
export function buildRuntime(): string {
  if (built) return built;
  const configFile = ts.readConfigFile(path.join(APP_DIR, "tsconfig.json"), ts.sys.readFile);
  if (configFile.error) throw new Error(ts.flattenDiagnosticMessageText(configFile.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, APP_DIR);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "runtime-build-"));
  temporaryDirs.push(outDir);
  for (const file of parsed.fileNames) {
    const output = ts.transpileModule(fs.readFileSync(file, "utf8"), { compilerOptions: parsed.options, fileName: file });
    const relative = path.relative(path.join(APP_DIR, "src"), file).replace(/\.ts$/, ".js");
    fs.mkdirSync(path.dirname(path.join(outDir, relative)), { recursive: true });
    fs.writeFileSync(path.join(outDir, relative), output.outputText);
  }
  built = path.join(outDir, "main.js");
  return built;
}

export interface LogLine {
  readonly timestamp: string;
  readonly service_name: string;
  readonly log_level: string;
  readonly message: string;
  readonly trace_id: string;
  readonly span_id: string;
  readonly [field: string]: unknown;
}

export interface ServiceProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** Raw stdout so far. */
  stdout(): string;
  /** Parsed stdout lines so far (throws on a line that is not JSON). */
  logs(): LogLine[];
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM (or the given signal), then the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface StartOptions {
  /** Written to CONFIG_DIR/<name>; objects as JSON, strings as they are. */
  readonly files: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string>>;
  /** Wait for the "listening" log line (default true). */
  readonly waitForListening?: boolean;
}

/** Starts the runtime as a child process listening on 127.0.0.1 and an ephemeral port. */
export async function startService(options: StartOptions): Promise<ServiceProcess> {
  const main = buildRuntime();
  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), "runtime-config-"));
  temporaryDirs.push(configDir);
  for (const [name, content] of Object.entries(options.files)) {
    fs.writeFileSync(path.join(configDir, name), typeof content === "string" ? content : JSON.stringify(content, null, 2));
  }
  const child = spawn(process.execPath, [main], {
    cwd: os.tmpdir(),
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      // The build lives in a temp dir: resolve opossum, prom-client and yaml from the repo.
      NODE_PATH: path.join(REPO_DIR, "node_modules"),
      CONFIG_DIR: configDir,
      HOST: "127.0.0.1",
      PORT: "0",
      SERVICE_VERSION: "v1",
      LOG_LEVEL: "DEBUG",
      ...options.env,
    },
  });
  children.add(child);
  let out = "";
  let err = "";
  const waiters: { predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  const parse = (): LogLine[] =>
    out
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => {
        try {
          return JSON.parse(line) as LogLine;
        } catch {
          throw new Error(`stdout line is not JSON: ${line}`);
        }
      });
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    out += chunk;
    if (waiters.length === 0) return;
    const lines = parse();
    for (const waiter of [...waiters]) {
      const found = lines.find(waiter.predicate);
      if (found) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(found);
      }
    }
  });
  child.stderr!.on("data", (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => {
      children.delete(child);
      resolve(code ?? signal ?? "unknown");
    });
  });

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 5000): Promise<LogLine> => {
    const found = parse().find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(
          waiters.findIndex((w) => w.predicate === predicate),
          1,
        );
        reject(new Error(`log line not seen within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`));
      }, timeoutMs);
      waiters.push({
        predicate,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void exited.then((code) => {
        if (waiters.some((w) => w.predicate === predicate)) {
          clearTimeout(timer);
          waiters.splice(
            waiters.findIndex((w) => w.predicate === predicate),
            1,
          );
          reject(new Error(`process exited (${code}) before the log line; stdout:\n${out}\nstderr:\n${err}`));
        }
      });
    });
  };

  let port = 0;
  if (options.waitForListening !== false) {
    const listening = await waitForLog((line) => line.event === "listening");
    port = listening.port as number;
  }
  const stop = async (signal: NodeJS.Signals = "SIGTERM"): Promise<number | string> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return { port, child, stdout: () => out, logs: parse, waitForLog, exited, stop };
}

/** Kills whatever the tests left running. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  json<T = any>(): T;
}

/** One HTTP request on a fresh connection (no keep-alive, so nothing lingers at shutdown). */
export function request(
  port: number,
  method: string,
  urlPath: string,
  options: { body?: string | Buffer | object; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body =
      options.body === undefined ? undefined : typeof options.body === "string" || Buffer.isBuffer(options.body) ? options.body : JSON.stringify(options.body);
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path: urlPath,
        agent: false,
        headers: {
          ...(body !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text),
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export interface FakeDependency {
  readonly port: number;
  readonly url: string;
  /** Requests to /health so far, with their traceparent headers. */
  readonly hits: { readonly traceparent?: string }[];
  healthy: boolean;
  /** Delay before answering, in ms. */
  delayMs: number;
  close(): Promise<void>;
}

/** A dependency whose GET /health answers 200 or 500 as the test says. */
export async function fakeDependency(): Promise<FakeDependency> {
  const state = { healthy: true, delayMs: 0 };
  const hits: { traceparent?: string }[] = [];
  const server = http.createServer((req, res) => {
    if (req.url !== "/health") {
      res.writeHead(404).end();
      return;
    }
    hits.push({ traceparent: req.headers.traceparent as string | undefined });
    const answer = () => {
      res.writeHead(state.healthy ? 200 : 500, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: state.healthy ? "ok" : "failing" }));
    };
    if (state.delayMs > 0) setTimeout(answer, state.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    hits,
    get healthy() {
      return state.healthy;
    },
    set healthy(value: boolean) {
      state.healthy = value;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(value: number) {
      state.delayMs = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The value of one sample in Prometheus text format, or undefined when absent. */
export function sample(metrics: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of metrics.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) found[pair[1]] = pair[2];
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[4]);
  }
  return undefined;
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
