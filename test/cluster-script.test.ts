import { strict as assert } from "assert";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";

// scripts/cluster.sh: the parts that need no Kubernetes binaries always run; the end-to-end test (start the
// control plane, run a Deployment, a Service and a PVC on it, stop it) runs when CLUSTER_BIN_DIR names a
// directory with the binaries, e.g. `CLUSTER_BIN_DIR=$(scripts/engine.sh build-cluster | tail -n 1) npm test`.

const ROOT = path.join(__dirname, "..");
const SCRIPT = path.join(ROOT, "scripts", "cluster.sh");
const COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"];

function cluster(stateDir: string, args: string[], env: Record<string, string> = {}, timeout = 60_000): SpawnSyncReturns<string> {
  return spawnSync("bash", [SCRIPT, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout,
    env: { ...process.env, CLUSTER_STATE_DIR: stateDir, ...env },
  });
}

function openssl(...args: string[]): string {
  const run = spawnSync("openssl", args, { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

function digest(dir: string): string {
  const hash = crypto.createHash("sha256");
  for (const name of fs.readdirSync(dir).sort()) {
    hash.update(name).update(fs.readFileSync(path.join(dir, name)));
  }
  return hash.digest("hex");
}

/** A pid that no process has (a child that has exited and been reaped). */
function deadPid(): number {
  const run = spawnSync("bash", ["-c", "true & echo $!; wait"], { encoding: "utf8" });
  return Number(run.stdout.trim());
}

describe("scripts/cluster.sh", () => {
  let state: string;
  beforeEach(() => {
    state = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cluster-test-")), "state");
  });
  afterEach(() => fs.rmSync(path.dirname(state), { recursive: true, force: true }));

  it("is valid bash, prints its usage on --help and exits 2 on an unknown command", () => {
    assert.equal(spawnSync("bash", ["-n", SCRIPT]).status, 0);
    const help = cluster(state, ["--help"]);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /scripts\/cluster\.sh up/);
    assert.match(help.stdout, /CLUSTER_PORT_BASE/);
    assert.equal(cluster(state, ["launch"]).status, 2);
  });

  it("is what npm run cluster:up / cluster:down run", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    assert.equal(pkg.scripts["cluster:up"], "bash scripts/cluster.sh up");
    assert.equal(pkg.scripts["cluster:down"], "bash scripts/cluster.sh down");
  });

  it("prints the kubeconfig export, and the state directory's default place", () => {
    assert.equal(cluster(state, ["env"]).stdout, `export KUBECONFIG=${state}/admin.kubeconfig\n`);
    const run = spawnSync("bash", [SCRIPT, "env"], {
      encoding: "utf8",
      env: { ...process.env, CLUSTER_STATE_DIR: "", XDG_CACHE_HOME: "/x/cache", CLUSTER_NAME: "two" },
    });
    assert.equal(run.stdout, "export KUBECONFIG=/x/cache/microservices-ecosystem/cluster/two/admin.kubeconfig\n");
  });

  it("creates the PKI once, with the identities and names the components need", () => {
    const run = cluster(state, ["pki"]);
    assert.equal(run.status, 0, run.stderr);
    const pki = path.join(state, "pki");
    const subject = (name: string) => openssl("x509", "-in", path.join(pki, `${name}.crt`), "-noout", "-subject", "-nameopt", "compat").trim();
    assert.equal(subject("admin"), "subject=/O=system:masters/CN=kubernetes-admin");
    assert.equal(subject("kube-controller-manager"), "subject=/CN=system:kube-controller-manager");
    assert.equal(subject("kube-scheduler"), "subject=/CN=system:kube-scheduler");
    assert.equal(subject("kwok"), "subject=/CN=kwok-controller");
    const sans = openssl("x509", "-in", path.join(pki, "kube-apiserver.crt"), "-noout", "-ext", "subjectAltName");
    for (const name of [
      "DNS:localhost",
      "DNS:kubernetes.default.svc",
      "DNS:kubernetes.default.svc.cluster.local",
      "IP Address:127.0.0.1",
      "IP Address:10.96.0.1",
    ]) {
      assert.ok(sans.includes(name), `${name} in ${sans}`);
    }
    // The cluster CA signs the clients; only the etcd CA's certificates open etcd.
    for (const name of ["admin", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"]) {
      openssl("verify", "-CAfile", path.join(pki, "ca.crt"), path.join(pki, `${name}.crt`));
    }
    for (const name of ["etcd", "kube-apiserver-etcd-client"]) {
      openssl("verify", "-CAfile", path.join(pki, "etcd-ca.crt"), path.join(pki, `${name}.crt`));
    }
    assert.equal(spawnSync("openssl", ["verify", "-CAfile", path.join(pki, "ca.crt"), path.join(pki, "kube-apiserver-etcd-client.crt")]).status, 2);
    assert.equal(openssl("pkey", "-in", path.join(pki, "sa.key"), "-pubout"), fs.readFileSync(path.join(pki, "sa.pub"), "utf8"));
    assert.equal(fs.statSync(path.join(pki, "ca.key")).mode & 0o077, 0);

    const before = digest(pki);
    assert.equal(cluster(state, ["pki"]).status, 0);
    assert.equal(digest(pki), before, "a second run changes nothing");
    fs.rmSync(path.join(pki, "kwok.crt"));
    assert.equal(cluster(state, ["pki"]).status, 0);
    assert.equal(subject("kwok"), "subject=/CN=kwok-controller");
  });

  it("reports a stopped cluster, and `down` clears stale pid files", () => {
    fs.mkdirSync(path.join(state, "pids"), { recursive: true });
    fs.writeFileSync(path.join(state, ".microservices-ecosystem-cluster"), "");
    fs.writeFileSync(path.join(state, "pids", "etcd.pid"), `${deadPid()}\n`);
    // A live process that is not ours (its command line does not name the state directory).
    fs.writeFileSync(path.join(state, "pids", "kwok.pid"), `${process.pid}\n`);
    const status = cluster(state, ["status"], { CLUSTER_PORT_BASE: "26443" });
    assert.equal(status.status, 3);
    for (const component of COMPONENTS) {
      assert.match(status.stdout, new RegExp(`^${component} +- +\\S+ +stopped$`, "m"));
    }
    assert.match(status.stdout, /^etcd +- +26444,26445 +stopped$/m);
    const down = cluster(state, ["down"], { CLUSTER_PORT_BASE: "26443" });
    assert.equal(down.status, 0, down.stderr);
    assert.match(down.stderr, /etcd: removing the stale pid file/);
    assert.deepEqual(fs.readdirSync(path.join(state, "pids")), []);
    assert.ok(fs.existsSync(state), "down keeps the state directory");
    const purge = cluster(state, ["purge"], { CLUSTER_PORT_BASE: "26443" });
    assert.equal(purge.status, 0, purge.stderr);
    assert.ok(!fs.existsSync(state));
  });

  it("leaves a directory that is not its own alone", () => {
    fs.mkdirSync(state, { recursive: true });
    fs.writeFileSync(path.join(state, "precious"), "");
    for (const args of [["pki"], ["down"], ["purge"]]) {
      const run = cluster(state, args);
      assert.equal(run.status, 1, args.join(" "));
      assert.match(run.stderr, /is not a cluster state directory/);
    }
    assert.ok(fs.existsSync(path.join(state, "precious")));
    assert.equal(cluster(path.join(state, "missing"), ["down"]).status, 0);
  });

  it("rejects a bad port base and node count", () => {
    assert.match(cluster(state, ["up"], { CLUSTER_PORT_BASE: "80" }).stderr, /CLUSTER_PORT_BASE must be a number from 1024 to 65530/);
    assert.match(cluster(state, ["up"], { CLUSTER_NODES: "0" }).stderr, /CLUSTER_NODES must be a positive number/);
  });

  it("restart: names the components on a bad name, rejects a bad option, and needs a cluster", () => {
    const bad = cluster(state, ["restart", "apiserver"]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /restart: name a component: etcd kube-apiserver kube-controller-manager kube-scheduler kwok \(got 'apiserver'\)/);
    assert.match(cluster(state, ["restart", "kwok", "--down-seconds", "soon"]).stderr, /--down-seconds needs a whole number of seconds \(got 'soon'\)/);
    assert.match(cluster(state, ["restart", "kwok", "--now"]).stderr, /restart: unknown option '--now'/);
    assert.match(cluster(path.join(state, "missing"), ["restart", "kwok"]).stderr, /no cluster state in .*: run scripts\/cluster.sh up first/);
  });

  it("ships KWOK's fast node and pod stages, and a default hostPath StorageClass", () => {
    const kwok = parseAllDocuments(fs.readFileSync(path.join(ROOT, "scripts", "cluster", "kwok.yaml"), "utf8")).map((d) => d.toJS());
    assert.equal(kwok[0].kind, "KwokConfiguration");
    assert.deepEqual(
      kwok.filter((d) => d.kind === "Stage").map((d) => d.metadata.name),
      ["node-initialize", "node-heartbeat-with-lease", "pod-ready", "pod-complete", "pod-delete"],
    );
    const [storageClass] = parseAllDocuments(fs.readFileSync(path.join(ROOT, "scripts", "cluster", "storageclass.yaml"), "utf8")).map((d) => d.toJS());
    assert.equal(storageClass.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
    assert.equal(storageClass.provisioner, "kubernetes.io/host-path");
    assert.equal(storageClass.reclaimPolicy, "Delete");
  });
});

describe("scripts/cluster.sh end to end", function () {
  const binDir = process.env.CLUSTER_BIN_DIR ?? "";
  const present = binDir !== "" && COMPONENTS.every((c) => fs.existsSync(path.join(binDir, c)));
  const portBase = 26443;
  let state: string;
  let env: Record<string, string>;
  this.timeout(600_000);

  before(function () {
    if (!present) this.skip();
    state = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cluster-e2e-")), "state");
    env = { CLUSTER_BIN_DIR: binDir, CLUSTER_PORT_BASE: String(portBase), CLUSTER_NAME: "e2e" };
  });
  after(function () {
    if (!present) return;
    cluster(state, ["purge"], env);
    fs.rmSync(path.dirname(state), { recursive: true, force: true });
  });

  function kubectl(...args: string[]): string {
    return kubectlWith("", ...args);
  }

  function kubectlWith(input: string, ...args: string[]): string {
    const bin = fs.existsSync(path.join(binDir, "kubectl")) ? path.join(binDir, "kubectl") : "kubectl";
    const run = spawnSync(bin, ["--kubeconfig", path.join(state, "admin.kubeconfig"), ...args], { encoding: "utf8", timeout: 60_000, input });
    assert.equal(run.status, 0, `kubectl ${args.join(" ")}: ${run.stderr}`);
    return run.stdout;
  }

  function eventually(what: string, check: () => boolean, seconds = 60) {
    const deadline = Date.now() + seconds * 1000;
    while (!check()) {
      assert.ok(Date.now() < deadline, `${what}: not within ${seconds}s`);
      spawnSync("sleep", ["1"]);
    }
  }

  function listeners(): string {
    return spawnSync("ss", ["-Hltn"], { encoding: "utf8" })
      .stdout.split("\n")
      .filter((l) => Array.from({ length: 6 }, (_, i) => `:${portBase + i} `).some((p) => l.includes(p)))
      .join("\n");
  }

  it("starts, runs pods with endpoints and volumes, starts again idempotently, and stops", () => {
    const up = cluster(state, ["up"], env, 300_000);
    assert.equal(up.status, 0, up.stderr);
    const kubeconfig = path.join(state, "admin.kubeconfig");
    assert.equal(up.stdout.trim().split("\n").pop(), kubeconfig);
    // Every listener is on 127.0.0.1.
    for (const line of listeners().split("\n")) assert.match(line, /127\.0\.0\.1:\d+ /);

    assert.match(kubectl("get", "nodes", "-o", "name"), /node\/kwok-node-0/);
    kubectl("create", "deployment", "web", "--image=registry.invalid/web:1", "--replicas=3", "--port=8080");
    kubectl("expose", "deployment", "web", "--port=80", "--target-port=8080");
    kubectlWith(
      JSON.stringify({
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "data" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      }),
      "apply",
      "-f",
      "-",
    );
    eventually("3 ready pods with IPs", () => {
      const pods = JSON.parse(kubectl("get", "pods", "-l", "app=web", "-o", "json")).items as any[];
      return pods.length === 3 && pods.every((p) => p.status.podIP && p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"));
    });
    eventually("3 ready endpoints", () => {
      const slices = JSON.parse(kubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "json")).items as any[];
      return slices.flatMap((s) => s.endpoints ?? []).filter((e: any) => e.conditions?.ready).length === 3;
    });

    eventually("the claim bound on the default class", () => {
      const pvc = JSON.parse(kubectl("get", "pvc", "data", "-o", "json"));
      return pvc.status.phase === "Bound" && pvc.spec.storageClassName === "standard";
    });

    const again = cluster(state, ["up"], env, 120_000);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout, up.stdout);
    assert.doesNotMatch(again.stderr, /started /);

    // A crashed API server comes back on the same port and serves the same objects (etcd kept them).
    const pidOf = (name: string) => fs.readFileSync(path.join(state, "pids", `${name}.pid`), "utf8").trim();
    const before = pidOf("kube-apiserver");
    const restart = cluster(state, ["restart", "kube-apiserver", "--kill", "--down-seconds", "1"], env, 120_000);
    assert.equal(restart.status, 0, restart.stderr);
    assert.match(restart.stderr, /killed kube-apiserver \(SIGKILL\)[\s\S]*kube-apiserver healthy/);
    assert.notEqual(pidOf("kube-apiserver"), before);
    assert.match(kubectl("get", "deployment", "web", "-o", "name"), /deployment.apps\/web/);
    assert.equal(cluster(state, ["status"], env).status, 0);

    const down = cluster(state, ["down"], env);
    assert.equal(down.status, 0, down.stderr);
    assert.equal(listeners(), "");
  });
});
