#!/usr/bin/env bash
# Engine test: runs the program under the real Pulumi engine (CLI built by scripts/engine.sh) on a stack whose
# Kubernetes provider writes YAML (renderYamlToDirectory), and checks it against the offline render.
#
#   scripts/engine-test.sh            (npm run test:engine)
#
# Steps, each reported PASS/FAIL, then one closing line "engine: N passed, N failed, N skipped":
#   1. pulumi preview succeeds (and writes no file)
#   2. pulumi up --yes succeeds
#   3. the manifests it wrote equal the offline render's (same files; each file the same object)
#   4. the artifact tree it wrote equals the offline render's (same files, same bytes)
#   5. a second pulumi preview shows no changes (--expect-no-changes)
#   6. pulumi preview --policy-pack policies [--policy-pack-config policies/config.<stack>.json] passes
#   7. pulumi preview --policy-pack policies fails on a stack with a violation, naming the policy
#   8. npm run policy gives the same verdicts (level, policy, resource) on that stack as the engine did
#   9. pulumi destroy --yes succeeds and removes the manifests and the artifact files
#
# The program runs from a scratch mirror of the repository (symlinks, plus copies of Pulumi.yaml and the stack
# file) so that nothing in the working tree is written; state lives in a file:// backend under a temp dir.
#
# Settings (environment):
#   ENGINE_TEST_STACK              stack to run (default: ci; its Pulumi.<stack>.yaml must exist)
#   ENGINE_TEST_VIOLATION          `pulumi config set --path` KEY=VALUE that must violate a policy
#                                  (default: services.user_service.replicas=1)
#   ENGINE_TEST_VIOLATION_POLICY   policy name expected in the failure (default: app-tier-min-replicas)
#   ENGINE_TEST_CONFIG             extra `pulumi config set --path` KEY=VALUE pairs (space-separated) for both stacks
#   ENGINE_TEST_POLICY_CONFIG      --policy-pack-config file (default: policies/config.<stack>.json if it exists)
#   ENGINE_TEST_KEEP=1             keep the scratch directory (printed at the end)
#   ENGINE_TEST_TIMEOUT            seconds allowed per pulumi command (default: 1200)
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stack=${ENGINE_TEST_STACK:-ci}
violation=${ENGINE_TEST_VIOLATION:-services.user_service.replicas=1}
violation_policy=${ENGINE_TEST_VIOLATION_POLICY:-app-tier-min-replicas}
limit=${ENGINE_TEST_TIMEOUT:-1200}

passed=0
failed=0
skipped=0
pass() {
	echo "  PASS  $*"
	passed=$((passed + 1))
}
fail() {
	echo "  FAIL  $*"
	failed=$((failed + 1))
}
skip() {
	echo "  SKIP  $*"
	skipped=$((skipped + 1))
}

work=$(mktemp -d "${TMPDIR:-/tmp}/engine-test.XXXXXX")
cleanup() {
	if [ "${ENGINE_TEST_KEEP:-}" = 1 ]; then
		echo "engine test: scratch directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

finish() {
	echo "engine: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}

# Runs a command with a time limit, output to $work/logs/<name>.log; prints the tail when it fails.
run() {
	local name=$1
	shift
	mkdir -p "$work/logs"
	local log="$work/logs/$name.log"
	local start=$SECONDS rc
	timeout "$limit" "$@" >"$log" 2>&1
	rc=$?
	echo "        ($name: exit $rc, $((SECONDS - start))s)"
	if [ "$rc" -ne 0 ]; then
		echo "        --- last lines of $name ---"
		tail -n 40 "$log" | sed 's/^/        | /'
	fi
	return "$rc"
}

echo "== engine test on stack '$stack'"

if [ ! -f "$root/Pulumi.$stack.yaml" ]; then
	skip "no Pulumi.$stack.yaml in the repository: ENGINE TEST SKIPPED (nothing was run under the real engine)"
	finish
fi

# 0. The engine binaries (built once into the cache, reused afterwards).
export ENGINE_STATE_DIR="$work/engine"
# The stack renders YAML: no kubeconfig of the caller's may be read (npm run test:cluster is the cluster lane).
unset PULUMI_BACKEND_URL KUBECONFIG
# `npm run typecheck` checks the program; ts-node's check under the engine would repeat it on every run (~4 s).
export PULUMI_NODEJS_TRANSPILE_ONLY=true
# shellcheck source=engine.sh
if ! source "$root/scripts/engine.sh"; then
	fail "building the engine (scripts/engine.sh) — see the output above"
	finish
fi
if [ -z "${ENGINE_BIN_DIR:-}" ]; then
	fail "building the engine (scripts/engine.sh) — see the output above"
	finish
fi
cli_version=$(pulumi version)
nodejs_sdk_version=$(node -p 'require("@pulumi/pulumi/package.json").version')
if [ "$cli_version" != "v$nodejs_sdk_version" ]; then
	fail "pulumi version is $cli_version, the @pulumi/pulumi in node_modules is $nodejs_sdk_version: one release for both"
	finish
fi
echo "  engine: pulumi $cli_version (= @pulumi/pulumi $nodejs_sdk_version) on Node.js $(node --version), from $ENGINE_BIN_DIR"
for plugin in pulumi-language-nodejs pulumi-resource-pulumi-nodejs; do
	if [ ! -x "$ENGINE_BIN_DIR/$plugin" ]; then
		fail "$plugin is missing from $ENGINE_BIN_DIR"
		finish
	fi
done
provider_version=$(pulumi plugin ls 2>/dev/null | awk '$1 == "kubernetes" && $2 == "resource" { print $3 }')
sdk_version=$(node -p 'require("@pulumi/kubernetes/package.json").version')
if [ "$provider_version" != "$sdk_version" ]; then
	fail "pulumi plugin ls shows kubernetes '${provider_version:-none}', the SDK in node_modules is $sdk_version"
	finish
fi
echo "  kubernetes provider: $provider_version (upstream, engine/kubernetes-provider)"

# The scratch project: the repository by symlinks, the project and stack files as copies.
proj="$work/project"
manifests="$work/engine-manifests"
artifacts="$work/engine-artifacts"
mkdir -p "$proj" "$manifests" "$artifacts"
shopt -s dotglob nullglob
for entry in "$root"/*; do
	name=$(basename "$entry")
	case "$name" in
	.git | out | Pulumi.*.yaml | Pulumi.yaml) ;;
	*) ln -s "$entry" "$proj/$name" ;;
	esac
done
shopt -u dotglob nullglob
cp "$root/Pulumi.yaml" "$proj/Pulumi.yaml"
cp "$root/Pulumi.$stack.yaml" "$proj/Pulumi.$stack.yaml"

# Extra config (ENGINE_TEST_CONFIG="key=value key2=value2", `--path` keys) for both stacks.
extra_config() {
	local s=$1 kv
	for kv in ${ENGINE_TEST_CONFIG:-}; do
		run "config-${kv%%=*}" pulumi -C "$proj" config set --stack "$s" --path "${kv%%=*}" "${kv#*=}" || return 1
	done
}

if ! run stack-init pulumi -C "$proj" stack init "$stack" --non-interactive ||
	! run config pulumi -C "$proj" config set --stack "$stack" renderYamlToDirectory "$manifests" ||
	! run config-artifacts pulumi -C "$proj" config set --stack "$stack" artifactsDir "$artifacts" ||
	! extra_config "$stack"; then
	fail "set up stack '$stack' in the file backend"
	finish
fi

count_files() { find "$1" -type f 2>/dev/null | wc -l; }

# 1. preview
if run preview pulumi -C "$proj" preview --stack "$stack" --non-interactive; then
	if [ "$(count_files "$manifests")" -eq 0 ] && [ "$(count_files "$artifacts")" -eq 0 ]; then
		pass "pulumi preview succeeds and writes nothing"
	else
		fail "pulumi preview wrote files: $(find "$manifests" "$artifacts" -type f | head -3 | tr '\n' ' ')"
	fi
else
	fail "pulumi preview"
fi

# 2. up
if run up pulumi -C "$proj" up --stack "$stack" --yes --skip-preview --non-interactive; then
	pass "pulumi up --yes ($(count_files "$manifests") manifests, $(count_files "$artifacts") artifact files written)"
	up_ok=1
else
	fail "pulumi up --yes"
	up_ok=0
fi

# 3-4. the offline render of the same stack
render="$work/render"
if run render bash -c "cd '$root' && npm run -s render -- --stack '$stack' --out '$render'"; then
	if [ "$up_ok" = 1 ]; then
		if node "$root/test/engine/compare.js" manifests "$render/manifests" "$manifests"; then
			pass "manifests written by pulumi up equal the offline render"
		else
			fail "manifests written by pulumi up differ from the offline render"
		fi
		if node "$root/test/engine/compare.js" tree "$render/microservices_ecosystem" "$artifacts/microservices_ecosystem"; then
			pass "artifact tree written by pulumi up equals the offline render"
		else
			fail "artifact tree written by pulumi up differs from the offline render"
		fi
	else
		skip "comparison with the offline render (pulumi up failed)"
		skip "artifact tree comparison (pulumi up failed)"
	fi
else
	fail "npm run render -- --stack $stack"
	fail "artifact tree comparison (no offline render)"
fi

# 5. determinism
if [ "$up_ok" = 1 ]; then
	if run preview-again pulumi -C "$proj" preview --stack "$stack" --expect-no-changes --non-interactive; then
		pass "a second pulumi preview shows no changes"
	else
		fail "a second pulumi preview shows changes (--expect-no-changes)"
	fi
else
	skip "second preview (pulumi up failed)"
fi

# 6. policies pass on the stack (with policies/config.<stack>.json when there is one)
policy_args=(--policy-pack "$root/policies")
policy_config=${ENGINE_TEST_POLICY_CONFIG:-$root/policies/config.$stack.json}
if [ -f "$policy_config" ]; then
	policy_args+=(--policy-pack-config "$policy_config")
	echo "        (policy pack config: $policy_config)"
fi
if run policy pulumi -C "$proj" preview --stack "$stack" "${policy_args[@]}" --non-interactive; then
	pass "pulumi preview --policy-pack policies passes on '$stack'"
else
	fail "pulumi preview --policy-pack policies on '$stack'"
fi

# 7. policies fail on a violating stack
bad="$stack-violation"
cp "$root/Pulumi.$stack.yaml" "$proj/Pulumi.$bad.yaml"
if run stack-init-violation pulumi -C "$proj" stack init "$bad" --non-interactive &&
	run config-violation pulumi -C "$proj" config set --stack "$bad" --path "${violation%%=*}" "${violation#*=}" &&
	run config-violation-dirs pulumi -C "$proj" config set --stack "$bad" renderYamlToDirectory "$work/violation-manifests" &&
	run config-violation-artifacts pulumi -C "$proj" config set --stack "$bad" artifactsDir "$work/violation-artifacts" &&
	extra_config "$bad"; then
	if run policy-violation pulumi -C "$proj" preview --stack "$bad" "${policy_args[@]}" --non-interactive; then
		fail "pulumi preview --policy-pack policies passed on '$bad' ($violation): a violation was expected"
	elif grep -q -- "$violation_policy" "$work/logs/policy-violation.log"; then
		pass "pulumi preview --policy-pack policies fails on '$bad' ($violation), naming $violation_policy"
	else
		fail "pulumi preview --policy-pack policies failed on '$bad' without naming $violation_policy"
	fi
else
	fail "set up the violating stack '$bad'"
fi

# 8. the offline runner's verdicts on the same stack (the violation as a whole top-level value)
set_key=${violation%%.*}
set_value=$(node -e 'const [path, v] = process.argv[1].split("="); const keys = path.split(".").slice(1); let value = isNaN(Number(v)) ? v : Number(v); for (const k of keys.reverse()) value = { [k]: value }; console.log(JSON.stringify(value));' "$violation")
config_args=()
if [ -f "$policy_config" ]; then config_args=(--config "$policy_config"); fi
if (cd "$root" && npm run -s policy -- --stack "$stack" --set "$set_key=$set_value" "${config_args[@]}" --json >"$work/logs/policy-runner.json" 2>"$work/logs/policy-runner.err"); [ -s "$work/logs/policy-runner.json" ] &&
	verdicts=$(cd "$root" && node -r ts-node/register/transpile-only tools/policy/engine-verdicts.ts "$work/logs/policy-violation.log" "$work/logs/policy-runner.json"); then
	pass "npm run policy -- --set '$set_key=$set_value' gives pulumi preview's verdicts: $verdicts"
else
	fail "npm run policy and pulumi preview disagree on '$bad': $verdicts$(tail -3 "$work/logs/policy-runner.err" 2>/dev/null)"
fi

# 9. destroy
if run destroy pulumi -C "$proj" destroy --stack "$stack" --yes --skip-preview --non-interactive; then
	left=$(($(count_files "$manifests") + $(count_files "$artifacts")))
	if [ "$left" -eq 0 ]; then
		pass "pulumi destroy --yes removes every manifest and artifact file"
	else
		fail "pulumi destroy left $left files: $(find "$manifests" "$artifacts" -type f | head -3 | tr '\n' ' ')"
	fi
else
	fail "pulumi destroy --yes"
fi

finish
