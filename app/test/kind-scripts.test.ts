/**
 * scripts/kind-up.sh and scripts/kind-down.sh against stub `docker`, `kind` and `kubectl`
 * commands that keep their state in files: what each run creates, that re-runs create nothing
 * twice, and the messages for missing tools. (The real tools are exercised by a human on a
 * laptop; this pins the scripts' logic.)
 */
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const SCRIPTS = path.resolve(__dirname, "..", "..", "scripts");

const STUBS: Record<string, string> = {
  docker: `#!/usr/bin/env bash
S="$STUB_STATE"; echo "docker $*" >> "$S/calls"
case "$1" in
  info) [[ -f "$S/daemon-down" ]] && exit 1; exit 0;;
  inspect)
    if [[ "$*" == *State.Running* ]]; then [[ -f "$S/registry" ]] && cat "$S/registry" && exit 0; exit 1; fi
    if [[ "$*" == *Networks.kind* ]]; then [[ -f "$S/connected" ]] && echo '{"NetworkID":"x"}' || echo null; exit 0; fi
    [[ -f "$S/registry" ]]; exit $?;;
  run) echo true > "$S/registry";;
  start) echo true > "$S/registry";;
  exec) if [[ "$2" == "-i" ]]; then cat > "$S/hosts.toml"; fi;;
  network) touch "$S/connected";;
  rm) rm -f "$S/registry" "$S/connected";;
esac
`,
  kind: `#!/usr/bin/env bash
S="$STUB_STATE"; echo "kind $*" >> "$S/calls"
case "$1 $2" in
  "get clusters") cat "$S/clusters" 2>/dev/null; exit 0;;
  "get nodes") echo microservices-control-plane;;
  "create cluster")
    while [[ $# -gt 0 ]]; do [[ "$1" == "--config" ]] && cp "$2" "$S/kind-config.yaml"; shift; done
    echo microservices > "$S/clusters"
    grep -q disableDefaultCNI "$S/kind-config.yaml" || touch "$S/kindnet";;
  "delete cluster") rm -f "$S/clusters" "$S/kindnet" "$S/calico";;
esac
`,
  kubectl: `#!/usr/bin/env bash
S="$STUB_STATE"; echo "kubectl $*" >> "$S/calls"
if [[ "$*" == *"get daemonset kindnet"* ]]; then [[ -f "$S/kindnet" ]]; exit $?; fi
if [[ "$*" == *"get daemonset calico-node"* ]]; then [[ -f "$S/calico" ]]; exit $?; fi
if [[ "$*" == *"apply -f -"* ]]; then cat > "$S/configmap.yaml"; exit 0; fi
if [[ "$*" == *"apply -f https"* ]]; then touch "$S/calico"; exit 0; fi
exit 0
`,
};

describe("scripts/kind-up.sh and kind-down.sh (stubbed docker, kind, kubectl)", function () {
  let dir: string;
  let state: string;
  let bin: string;

  const run = (script: string, args: string[] = [], tools = ["docker", "kind", "kubectl"]) => {
    for (const tool of Object.keys(STUBS)) {
      const file = path.join(bin, tool);
      if (tools.includes(tool)) fs.writeFileSync(file, STUBS[tool], { mode: 0o755 });
      else fs.rmSync(file, { force: true });
    }
    fs.writeFileSync(path.join(state, "calls"), "");
    const result = spawnSync(path.join(bin, "bash"), [path.join(SCRIPTS, script), ...args], {
      encoding: "utf8",
      env: { PATH: bin, STUB_STATE: state, HOME: dir },
    });
    return { status: result.status, out: result.stdout, err: result.stderr, calls: fs.readFileSync(path.join(state, "calls"), "utf8") };
  };
  const has = (file: string) => fs.existsSync(path.join(state, file));

  // Resolved once from PATH, without spawning a shell per test (the hook must not depend on machine load).
  const UTILITIES: [string, string][] = ["bash", "cat", "cp", "dirname", "grep", "mktemp", "rm", "sed", "touch"].map((tool) => {
    const found = (process.env.PATH ?? "")
      .split(path.delimiter)
      .map((d) => path.join(d, tool))
      .find((f) => {
        try {
          fs.accessSync(f, fs.constants.X_OK);
          return true;
        } catch {
          return false;
        }
      });
    assert.ok(found, `${tool} not found on PATH`);
    return [tool, found];
  });

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kind-scripts-"));
    state = path.join(dir, "state");
    bin = path.join(dir, "bin");
    fs.mkdirSync(state);
    fs.mkdirSync(bin);
    // Only the stubs and the few utilities the scripts and stubs use: a kubectl or docker
    // installed on this machine must not be found.
    for (const [tool, found] of UTILITIES) fs.symlinkSync(found, path.join(bin, tool));
  });

  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("passes bash -n", function () {
    for (const script of ["kind-up.sh", "kind-down.sh"]) {
      assert.equal(spawnSync("bash", ["-n", path.join(SCRIPTS, script)]).status, 0, script);
    }
  });

  it("creates the registry, the cluster from kind-config.yaml, the node registry config and the ConfigMap", function () {
    const up = run("kind-up.sh");
    assert.equal(up.status, 0, up.err);
    assert.match(up.calls, /docker run -d --restart=always -p 127\.0\.0\.1:5001:5000 --network bridge --name kind-registry registry:3\.0\.0/);
    assert.match(up.calls, /kind create cluster --name microservices --config /);
    const config = fs.readFileSync(path.join(state, "kind-config.yaml"), "utf8");
    assert.match(config, /containerPort: 30080\n\s+hostPort: 8080/);
    assert.match(config, /config_path = "\/etc\/containerd\/certs\.d"/);
    assert.doesNotMatch(config, /disableDefaultCNI/);
    assert.match(up.calls, /docker exec microservices-control-plane mkdir -p \/etc\/containerd\/certs\.d\/localhost:5001/);
    assert.equal(fs.readFileSync(path.join(state, "hosts.toml"), "utf8"), '[host."http://kind-registry:5000"]\n');
    assert.match(up.calls, /docker network connect kind kind-registry/);
    const configMap = fs.readFileSync(path.join(state, "configmap.yaml"), "utf8");
    assert.match(configMap, /name: local-registry-hosting\n\s+namespace: kube-public/);
    assert.match(configMap, /host: "localhost:5001"/);
    assert.match(up.calls, /kubectl --context kind-microservices /, "kubectl always targets the kind context");
    assert.doesNotMatch(up.calls, /kubectl (?!--context kind-microservices)/);
    assert.match(up.out, /default CNI \(kindnet\): NetworkPolicies are enforced by its kube-network-policies/);
  });

  it("is idempotent: a second run creates nothing, a stopped registry is started", function () {
    assert.equal(run("kind-up.sh").status, 0);
    const again = run("kind-up.sh");
    assert.equal(again.status, 0, again.err);
    assert.doesNotMatch(again.calls, /docker run|kind create|network connect|docker rm|kind delete/);
    assert.match(again.out, /cluster microservices exists; keeping it/);
    fs.writeFileSync(path.join(state, "registry"), "false\n");
    const stopped = run("kind-up.sh");
    assert.equal(stopped.status, 0);
    assert.match(stopped.calls, /docker start kind-registry/);
    assert.doesNotMatch(stopped.calls, /docker run/);
  });

  it("--calico: no default CNI, Calico's pod subnet, Calico installed and rolled out", function () {
    const up = run("kind-up.sh", ["--calico"]);
    assert.equal(up.status, 0, up.err);
    const config = fs.readFileSync(path.join(state, "kind-config.yaml"), "utf8");
    assert.match(config, /\nnetworking:\n {2}disableDefaultCNI: true\n {2}podSubnet: "192\.168\.0\.0\/16"\n$/);
    assert.match(up.calls, /apply -f https:\/\/raw\.githubusercontent\.com\/projectcalico\/calico\/v3\.32\.1\/manifests\/calico\.yaml/);
    assert.match(up.calls, /rollout status daemonset\/calico-node/);
    assert.ok(has("calico"));
    assert.match(run("kind-up.sh").out, /Calico is installed: NetworkPolicies are enforced/);
  });

  it("--calico on a cluster created without it: refuses, with the way out", function () {
    assert.equal(run("kind-up.sh").status, 0);
    const refused = run("kind-up.sh", ["--calico"]);
    assert.equal(refused.status, 1);
    assert.match(
      refused.err,
      /runs kind's default CNI \(kindnet\); Calico cannot be added to it\. Run scripts\/kind-down\.sh, then scripts\/kind-up\.sh --calico/,
    );
    assert.doesNotMatch(refused.calls, /calico\.yaml/);
  });

  it("kind-down.sh deletes the cluster and the registry, and is a no-op the second time", function () {
    assert.equal(run("kind-up.sh").status, 0);
    const down = run("kind-down.sh");
    assert.equal(down.status, 0, down.err);
    assert.match(down.calls, /kind delete cluster --name microservices/);
    assert.match(down.calls, /docker rm -f -v kind-registry/);
    assert.ok(!has("registry") && !has("clusters"));
    const again = run("kind-down.sh");
    assert.equal(again.status, 0);
    assert.match(again.out, /no cluster microservices\n==> no registry kind-registry/);
    assert.equal(run("kind-up.sh").status, 0);
    const keep = run("kind-down.sh", ["--keep-registry"]);
    assert.doesNotMatch(keep.calls, /docker rm/);
    assert.ok(has("registry"));
  });

  it("names the missing tool, or the stopped Docker daemon", function () {
    for (const missing of ["docker", "kind", "kubectl"]) {
      const up = run(
        "kind-up.sh",
        [],
        ["docker", "kind", "kubectl"].filter((t) => t !== missing),
      );
      assert.equal(up.status, 1);
      assert.match(up.err, new RegExp(`^error: ${missing} is required but was not found on PATH\\. Install it: https://`));
    }
    const down = run("kind-down.sh", [], ["docker", "kubectl"]);
    assert.equal(down.status, 1);
    assert.match(down.err, /error: kind is required/);
    fs.writeFileSync(path.join(state, "daemon-down"), "");
    const noDaemon = run("kind-up.sh");
    assert.equal(noDaemon.status, 1);
    assert.match(noDaemon.err, /docker is installed but its daemon does not answer/);
    assert.equal(run("kind-up.sh", ["--bogus"]).status, 1);
  });
});
