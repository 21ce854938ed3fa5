#!/usr/bin/env bash
# Build (once) and use the real Pulumi engine offline: the Pulumi CLI and the plugins this project needs,
# built from the pinned Go module in engine/ into a cache outside the repository.
#
# Usage:
#   source scripts/engine.sh          # (bash) build if needed, then export PATH and the offline PULUMI_* settings
#                                     # into the current shell (then run `pulumi preview`, `pulumi up`, …)
#   scripts/engine.sh exec CMD ARG…   # build if needed, then run one command with that environment
#   scripts/engine.sh build           # only build (or reuse) the binaries; prints the bin directory
#   scripts/engine.sh env             # print the environment as `export` lines
#   scripts/engine.sh status          # print which binaries are present in the cache, and their versions
#
# Settings (environment variables, all optional):
#   ENGINE_CACHE_DIR   cache root             (default ${XDG_CACHE_HOME:-$HOME/.cache}/microservices-ecosystem)
#   ENGINE_STATE_DIR   state/home directory   (default: a new mktemp -d directory)
#   PULUMI_BACKEND_URL                        (default file://$ENGINE_STATE_DIR/state)
#   PULUMI_CONFIG_PASSPHRASE                  (default "engine-test": test stacks only, not a secret)
#
# What it builds (engine/README.md has the details):
#   pulumi                   github.com/pulumi/pulumi/pkg/v3/cmd/pulumi at the pinned version, version stamped
#   pulumi-language-nodejs   engine/cmd/pulumi-language-nodejs (our minimal host; upstream's module is refused
#                            by the module proxy)
#   pulumi-resource-kubernetes  engine/cmd/pulumi-resource-kubernetes, if present (render-only stand-in), placed in
#                            <bin>/plugins/resource-kubernetes-v<version>/ and found through PULUMI_HOME/plugins
#   pulumi-resource-pulumi-nodejs  the 3-line dynamic-provider launcher that ships in @pulumi/pulumi, copied
#                            next to `pulumi` so the CLI finds it as a bundled plugin
# KUBECONFIG is unset: @pulumi/kubernetes copies $KUBECONFIG into the Provider's `kubeconfig` input, which is
# rejected together with `renderYamlToDirectory`.
# The cache directory name contains the pinned CLI version and a hash of engine/go.mod, engine/go.sum,
# engine/cmd/** and the Go version, so any version bump or source change builds a new directory.

_engine_repo_root() {
	(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
}

_engine_log() {
	printf 'engine.sh: %s\n' "$*" >&2
}

_engine_pinned_version() {
	# The version of github.com/pulumi/pulumi/pkg/v3 required by engine/go.mod (e.g. v3.248.0).
	awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { print $2; exit }' "$1/engine/go.mod"
}

_engine_key() {
	local root=$1
	{
		cat "$root/engine/go.mod" "$root/engine/go.sum"
		(cd "$root/engine" && find cmd -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) 2>/dev/null | LC_ALL=C sort | while read -r f; do
			printf '%s\n' "$f"
			cat "$f"
		done)
		GOTOOLCHAIN=local go version
		printf 'engine.sh-layout-2\n'
	} | sha256sum | cut -c1-12
}

_engine_bin_dir() {
	local root=$1
	local cache=${ENGINE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/microservices-ecosystem}
	printf '%s/bin/pulumi-%s-%s\n' "$cache" "$(_engine_pinned_version "$root")" "$(_engine_key "$root")"
}

_engine_build() {
	local root bin version tmp start
	root=$(_engine_repo_root)
	if ! command -v go >/dev/null 2>&1; then
		_engine_log "ERROR: 'go' is not on the PATH (Go >= 1.25 is needed to build the engine)"
		return 1
	fi
	bin=$(_engine_bin_dir "$root")
	version=$(_engine_pinned_version "$root")
	if [ -f "$bin/.complete" ]; then
		touch "$bin/.complete" 2>/dev/null
		printf '%s\n' "$bin"
		return 0
	fi
	mkdir -p "$(dirname "$bin")"
	(
		# One build at a time per cache directory. (No `set -e` here: it is ignored in a subshell whose status
		# is tested, so every step checks its own status.)
		exec 9>"$bin.lock"
		flock 9
		if [ -f "$bin/.complete" ]; then
			exit 0
		fi
		tmp=$(mktemp -d "$bin.tmp.XXXXXX") || exit 1
		trap 'rm -rf "$tmp"' EXIT
		export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false"
		# The checksum database has no entry for pkg/v3@v3.248.0 here (404); go.sum pins it instead.
		export GONOSUMDB=${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi/pulumi/pkg
		cd "$root/engine" || exit 1
		_engine_log "building the Pulumi CLI $version into $bin (first time only; several minutes on 2 cores)"
		start=$(date +%s)
		go build -trimpath \
			-ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
			-o "$tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi || exit 1
		for cmd in cmd/*/; do
			cmd=${cmd%/}
			_engine_log "building ${cmd#cmd/}"
			if [ -f "$cmd/go.mod" ]; then
				# A module of its own (engine/cmd/pulumi-resource-kubernetes keeps its k8s.io dependencies
				# out of the CLI's build list).
				(cd "$cmd" && go build -trimpath -ldflags "-s -w" -o "$tmp/${cmd#cmd/}" .) || exit 1
			else
				go build -trimpath -ldflags "-s -w" -o "$tmp/${cmd#cmd/}" "./$cmd" || exit 1
			fi
		done
		# Resource plugins go into a plugin-cache layout (plugins/resource-<name>-v<version>/), which
		# PULUMI_HOME/plugins points at: a provider found on $PATH makes the CLI warn on every run.
		for plugin in "$tmp"/pulumi-resource-*; do
			[ -e "$plugin" ] || continue
			name=${plugin##*/pulumi-resource-}
			pversion=$(sed -n 's/^var version = "\(.*\)"$/\1/p' "cmd/pulumi-resource-$name/main.go" | head -n 1)
			if [ -z "$pversion" ]; then
				_engine_log "cmd/pulumi-resource-$name/main.go has no 'var version = \"…\"'"
				exit 1
			fi
			mkdir -p "$tmp/plugins/resource-$name-v$pversion" || exit 1
			mv "$plugin" "$tmp/plugins/resource-$name-v$pversion/" || exit 1
		done
		cat >"$tmp/pulumi-resource-pulumi-nodejs" <<-'EOF'
			#!/bin/sh
			# Dynamic-provider launcher, as shipped in @pulumi/pulumi: resolves the SDK from the program's directory.
			PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))")
			if [ ! -z "$PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH" ]; then
			    node "$PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH" $@
			fi
		EOF
		chmod +x "$tmp/pulumi-resource-pulumi-nodejs" || exit 1
		"$tmp/pulumi" version >/dev/null || exit 1
		touch "$tmp/.complete" || exit 1
		rm -rf "$bin"
		mv "$tmp" "$bin" || exit 1
		trap - EXIT
		# Builds for other versions/sources that were not used for a week are removed.
		find "$(dirname "$bin")" -mindepth 2 -maxdepth 2 -name .complete -mtime +7 2>/dev/null |
			while read -r old; do rm -rf "$(dirname "$old")" "$(dirname "$old").lock"; done
		_engine_log "built in $(($(date +%s) - start))s: $(cd "$bin" && find . -type f -perm -u+x | sort | tr '\n' ' ')"
	) || {
		_engine_log "ERROR: building the engine failed (see the output above)"
		return 1
	}
	printf '%s\n' "$bin"
}

_engine_env() {
	local bin=$1
	local state=${ENGINE_STATE_DIR:-}
	if [ -z "$state" ]; then
		state=$(mktemp -d "${TMPDIR:-/tmp}/microservices-ecosystem-engine.XXXXXX")
	fi
	mkdir -p "$state/state" "$state/home"
	if [ -d "$bin/plugins" ] && [ ! -e "$state/home/plugins" ]; then
		ln -s "$bin/plugins" "$state/home/plugins"
	fi
	cat <<-EOF
		export ENGINE_BIN_DIR='$bin'
		export ENGINE_STATE_DIR='$state'
		export PATH='$bin':"\$PATH"
		export PULUMI_HOME='$state/home'
		export PULUMI_BACKEND_URL='${PULUMI_BACKEND_URL:-file://$state/state}'
		export PULUMI_CONFIG_PASSPHRASE='${PULUMI_CONFIG_PASSPHRASE:-engine-test}'
		export PULUMI_SKIP_UPDATE_CHECK=true
		export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
		export PULUMI_SKIP_CONFIRMATIONS=true
		unset KUBECONFIG
	EOF
}

_engine_main() {
	local bin
	case "${1:-}" in
	build)
		_engine_build
		;;
	env)
		bin=$(_engine_build) || return 1
		_engine_env "$bin"
		;;
	exec)
		shift
		if [ $# -eq 0 ]; then
			_engine_log "usage: scripts/engine.sh exec CMD [ARG…]"
			return 2
		fi
		bin=$(_engine_build) || return 1
		eval "$(_engine_env "$bin")"
		exec "$@"
		;;
	status)
		bin=$(_engine_bin_dir "$(_engine_repo_root)")
		if [ -f "$bin/.complete" ]; then
			printf 'cached: %s\n' "$bin"
			find "$bin" -type f -perm -u+x -exec ls -l {} +
			"$bin/pulumi" version
		else
			printf 'not built yet: %s\n' "$bin"
			return 1
		fi
		;;
	*)
		sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
		return 2
		;;
	esac
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
	# Sourced: build if needed and export the environment into the caller's shell.
	if _engine_bin=$(_engine_build); then
		eval "$(_engine_env "$_engine_bin")"
		_engine_log "PATH has $ENGINE_BIN_DIR; PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL"
	fi
	unset _engine_bin
else
	_engine_main "$@"
fi
