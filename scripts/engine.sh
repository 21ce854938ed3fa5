#!/usr/bin/env bash
# Build (once) and use the real Pulumi engine and the local control plane offline: every binary is built
# from a pinned Go module under engine/ into a cache outside the repository, one cache entry per unit.
#
# Usage:
#   source scripts/engine.sh          # (bash) build the engine if needed, then export PATH and the offline
#                                     # PULUMI_* settings into the current shell (then `pulumi preview`, …)
#   scripts/engine.sh exec CMD ARG…   # build the engine if needed, then run one command with that environment
#   scripts/engine.sh build           # build (or reuse) the engine: the CLI and the Kubernetes provider;
#                                     # prints the CLI's directory
#   scripts/engine.sh build-cluster   # build (or reuse) the control plane: etcd, kube-apiserver,
#                                     # kube-controller-manager, kube-scheduler, kubectl, KWOK; prints one
#                                     # directory holding all of them (and KWOK's stage configs in kwok-stages/)
#   scripts/engine.sh build-monitoring # build (or reuse) Prometheus' and Alertmanager's own tools: promtool,
#                                     # prometheus, amtool, alertmanager; prints one directory holding all four
#   scripts/engine.sh build-helm      # build (or reuse) the Helm CLI (the bench's kubectl baseline installs Istio's
#                                     # charts with it); prints its directory
#   scripts/engine.sh build-all       # the engine and the control plane
#   scripts/engine.sh istio-charts    # Istio's base, istiod, gateway and cni charts from the pinned istio.io/istio module
#                                     # (engine/istio-charts/), stamped with the release version; prints their folder
#   scripts/engine.sh env             # print the engine's environment as `export` lines
#   scripts/engine.sh status          # which units are cached, where, and their versions
#
# Settings (environment variables, all optional):
#   ENGINE_CACHE_DIR   cache root             (default ${XDG_CACHE_HOME:-$HOME/.cache}/microservices-ecosystem)
#   ENGINE_STATE_DIR   state/home directory   (default: <cache root>/state, the same for every shell; tests name their own)
#   PULUMI_BACKEND_URL                        (default file://$ENGINE_STATE_DIR/state)
#   PULUMI_CONFIG_PASSPHRASE                  (default "engine-test": test stacks only, not a secret)
#
# Units (engine/README.md has the details); each is a Go module of its own, so that no unit's requirements move
# another's versions, and each is cached as <cache>/bin/<unit>-<version>-<hash>/ where the hash covers the
# unit's go.mod, go.sum and sources and the Go version; only a missing unit is built:
#   cli                  engine/                     pulumi (upstream), pulumi-language-nodejs (ours: upstream's
#                                                    module is refused by the proxy), the dynamic-provider launcher
#   kubernetes-provider  engine/kubernetes-provider  pulumi-resource-kubernetes, upstream v4.25.0, in a plugin
#                                                    directory resource-kubernetes-v4.25.0/ (PULUMI_HOME/plugins)
#   control-plane        engine/control-plane        kube-apiserver, kube-controller-manager, kube-scheduler, kubectl
#   etcd                 engine/etcd                 etcd
#   kwok                 engine/kwok                 kwok and its node/pod stage configs
#   prometheus           engine/prometheus           promtool, prometheus (the pinned image's release)
#   alertmanager         engine/alertmanager         amtool, alertmanager (the pinned image's release)
#   helm                 engine/helm                 helm, at the helm.sh/helm/v3 version the Kubernetes provider runs

_engine_repo_root() {
	(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
}

_engine_log() {
	printf 'engine.sh: %s\n' "$*" >&2
}

_engine_cache_root() {
	printf '%s\n' "${ENGINE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/microservices-ecosystem}"
}

# The unit's module directory, relative to the repository root.
_engine_unit_dir() {
	case "$1" in
	cli) printf 'engine\n' ;;
	kubernetes-provider | control-plane | etcd | kwok | prometheus | alertmanager | helm) printf 'engine/%s\n' "$1" ;;
	*)
		_engine_log "unknown unit '$1' (cli, kubernetes-provider, control-plane, etcd, kwok, prometheus, alertmanager, helm)"
		return 1
		;;
	esac
}

# The version of the module a go.mod requires (e.g. v3.248.0).
_engine_required() {
	awk -v m="$2" '($1 == m && $2 ~ /^v/) || ($1 == "require" && $2 == m) { print ($1 == "require" ? $3 : $2); exit }' "$1"
}

# The version a unit builds, as its binaries report it.
_engine_unit_version() {
	local root=$1 unit=$2
	case "$unit" in
	cli) _engine_required "$root/engine/go.mod" github.com/pulumi/pulumi/pkg/v3 ;;
	kubernetes-provider) tr -d ' \n' <"$root/engine/kubernetes-provider/VERSION" ;;
	control-plane) _engine_required "$root/engine/control-plane/go.mod" k8s.io/kubernetes ;;
	etcd) _engine_required "$root/engine/etcd/go.mod" go.etcd.io/etcd/server/v3 ;;
	kwok) _engine_required "$root/engine/kwok/go.mod" sigs.k8s.io/kwok ;;
	prometheus) _engine_required "$root/engine/prometheus/go.mod" github.com/prometheus/prometheus ;;
	alertmanager) _engine_required "$root/engine/alertmanager/go.mod" github.com/prometheus/alertmanager ;;
	helm) _engine_required "$root/engine/helm/go.mod" helm.sh/helm/v3 ;;
	esac
}

# The unit's source files: its go.mod/go.sum and Go sources, without nested units' (engine/ holds the others).
_engine_unit_sources() {
	local root=$1 unit=$2 dir
	dir=$(_engine_unit_dir "$unit") || return 1
	(
		cd "$root/$dir" || exit 1
		if [ "$unit" = cli ]; then
			printf '%s\n' go.mod go.sum
			find cmd -type f -name '*.go'
		else
			find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum -o -name VERSION -o -name BUILD_TAGS \)
		fi | LC_ALL=C sort
	)
}

_engine_unit_key() {
	local root=$1 unit=$2 dir
	dir=$(_engine_unit_dir "$unit") || return 1
	{
		_engine_unit_sources "$root" "$unit" | while read -r f; do
			printf '%s\n' "$f"
			cat "$root/$dir/$f"
		done
		GOTOOLCHAIN=local go version
		printf 'engine.sh-layout-3\n'
	} | sha256sum | cut -c1-12
}

_engine_unit_bin_dir() {
	local root=$1 unit=$2
	printf '%s/bin/%s-%s-%s\n' "$(_engine_cache_root)" "$unit" "$(_engine_unit_version "$root" "$unit")" \
		"$(_engine_unit_key "$root" "$unit")"
}

# --- per-unit build steps: run in the unit's module directory, write into $1 -----------------------------

_engine_build_cli() {
	local out=$1 version=$2
	go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
		-o "$out/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi || return 1
	go build -trimpath -ldflags "-s -w" -o "$out/pulumi-language-nodejs" ./cmd/pulumi-language-nodejs || return 1
	cat >"$out/pulumi-resource-pulumi-nodejs" <<-'EOF'
		#!/bin/sh
		# Dynamic-provider launcher, as shipped in @pulumi/pulumi: resolves the SDK from the program's directory.
		PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))")
		if [ ! -z "$PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH" ]; then
		    node "$PULUMI_DYNAMIC_PROVIDER_SCRIPT_PATH" $@
		fi
	EOF
	chmod +x "$out/pulumi-resource-pulumi-nodejs" && "$out/pulumi" version >/dev/null
}

_engine_build_kubernetes_provider() {
	local out=$1 version=$2 plugin=$1/resource-kubernetes-v$2
	# Upstream's main package embeds files its Makefile generates; embedgen writes them from the module's
	# schema.json and terraform-mapping.json (git-ignored).
	go mod download github.com/pulumi/pulumi-kubernetes/provider/v4 && go run ./embedgen -version "$version" -out . || return 1
	mkdir -p "$plugin" || return 1
	go build -trimpath \
		-ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$version" \
		-o "$plugin/pulumi-resource-kubernetes" . || return 1
}

_engine_build_control_plane() {
	local out=$1 version=$2 minor
	minor=$(printf '%s' "$version" | cut -d. -f2)
	local stamp="" pkg
	# What `kubectl version` and the API server's /version report (the release scripts stamp the same).
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		stamp="$stamp -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
	done
	# One invocation, so the four binaries share the compile of their common packages.
	go build -trimpath -ldflags "-s -w$stamp" -o "$out/" $(awk '/^tool \(/{t=1;next} t&&/^\)/{t=0} t{print $1}' go.mod)
}

_engine_build_etcd() {
	go build -trimpath -ldflags "-s -w" -o "$1/etcd" go.etcd.io/etcd/server/v3
}

_engine_build_kwok() {
	local out=$1 stages
	go build -trimpath -ldflags "-s -w" -o "$out/kwok" sigs.k8s.io/kwok/cmd/kwok || return 1
	# KWOK's own "fast" lifecycle: nodes initialize and keep a lease, pods become ready, complete and go away.
	stages=$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage
	mkdir -p "$out/kwok-stages" &&
		cp "$stages/node/fast/node-initialize.yaml" "$stages/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
			"$stages"/pod/fast/pod-*.yaml "$out/kwok-stages/"
}

_engine_build_helm() {
	go build -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$2" -o "$1/helm" helm.sh/helm/v3/cmd/helm
}

# The go.mod's `tool` block, built in one invocation (the binaries share the compile of common packages).
_engine_build_tools() {
	go build -trimpath -ldflags "-s -w" -o "$1/" $(awk '/^tool \(/{t=1;next} t&&/^\)/{t=0} t{print $1}' go.mod)
}

# Built with only the service discoveries the stack's config uses (Kubernetes, plus file and HTTP, which are always
# in): BUILD_TAGS leaves out the cloud providers' SDKs, most of a full build's compile time.
_engine_build_prometheus() {
	local tags
	tags=$(tr -s ' \n' ',' <BUILD_TAGS | sed 's/,$//')
	go build -trimpath -tags "$tags" -ldflags "-s -w" -o "$1/" $(awk '/^tool \(/{t=1;next} t&&/^\)/{t=0} t{print $1}' go.mod)
}

# The module as published lacks its web UI's build output (ui/app/dist, made by npm at release time), which a
# go:embed requires: the build uses a copy of the module with a placeholder page there, so the API and amtool
# are upstream's and only the UI is missing.
_engine_build_alertmanager() {
	local out=$1 module src modfile
	# `go list -m` names the module's folder only once it is in the module cache (empty on a fresh machine).
	go mod download github.com/prometheus/alertmanager || return 1
	module=$(go list -m -f '{{.Dir}}' github.com/prometheus/alertmanager) || return 1
	[ -n "$module" ] || {
		_engine_log "ERROR: github.com/prometheus/alertmanager is not in the module cache after go mod download"
		return 1
	}
	src="$out/.src"
	cp -R "$module" "$src" && chmod -R u+w "$src" || return 1
	for ui in elm mantine; do
		mkdir -p "$src/ui/app/dist/$ui" &&
			printf '<!doctype html><title>Alertmanager</title><p>This build has no web UI: use the API or amtool.\n' >"$src/ui/app/dist/$ui/index.html" || return 1
	done
	modfile="$out/.go.mod"
	cp go.mod "$modfile" && cp go.sum "${modfile%.mod}.sum" &&
		go mod edit -modfile="$modfile" -replace "github.com/prometheus/alertmanager=$src" || return 1
	go build -modfile="$modfile" -trimpath -ldflags "-s -w" -o "$out/" $(awk '/^tool \(/{t=1;next} t&&/^\)/{t=0} t{print $1}' go.mod) || return 1
	rm -rf "$src" "$modfile" "${modfile%.mod}.sum"
}

# Builds one unit if its cache entry is missing; prints the entry's directory.
_engine_build_unit() {
	local unit=$1 root bin version dir tmp start
	root=$(_engine_repo_root)
	if ! command -v go >/dev/null 2>&1; then
		_engine_log "ERROR: 'go' is not on the PATH (Go >= 1.26 is needed to build the engine)"
		return 1
	fi
	bin=$(_engine_unit_bin_dir "$root" "$unit") || return 1
	version=$(_engine_unit_version "$root" "$unit")
	dir=$(_engine_unit_dir "$unit")
	if [ -f "$bin/.complete" ]; then
		touch "$bin/.complete" 2>/dev/null
		printf '%s\n' "$bin"
		return 0
	fi
	mkdir -p "$(dirname "$bin")"
	(
		# One build at a time per cache entry. (No `set -e` here: it is ignored in a subshell whose status is
		# tested, so every step checks its own status.)
		exec 9>"$bin.lock"
		flock 9
		if [ -f "$bin/.complete" ]; then
			exit 0
		fi
		tmp=$(mktemp -d "$bin.tmp.XXXXXX") || exit 1
		trap 'rm -rf "$tmp"' EXIT
		export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false"
		# The checksum database had no entry for pkg/v3@v3.248.0 here (404); go.sum pins pkg's hashes instead.
		export GONOSUMDB=${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi/pulumi/pkg
		cd "$root/$dir" || exit 1
		_engine_log "building $unit $version into $bin (first time only; minutes to half an hour on 2 cores)"
		start=$(date +%s)
		"_engine_build_${unit//-/_}" "$tmp" "$version" || exit 1
		touch "$tmp/.complete" || exit 1
		rm -rf "$bin"
		mv "$tmp" "$bin" || exit 1
		trap - EXIT
		# Entries of other versions/sources that were not used for a week are removed.
		find "$(dirname "$bin")" -mindepth 2 -maxdepth 2 -name .complete -mtime +7 2>/dev/null |
			while read -r old; do rm -rf "$(dirname "$old")" "$(dirname "$old").lock"; done
		_engine_log "built $unit in $(($(date +%s) - start))s: $(cd "$bin" && find . -type f -perm -u+x | sort | tr '\n' ' ')"
	) || {
		_engine_log "ERROR: building $unit failed (see the output above)"
		return 1
	}
	printf '%s\n' "$bin"
}

# The engine: builds the CLI and the Kubernetes provider; prints the CLI's directory.
_engine_build() {
	local cli
	cli=$(_engine_build_unit cli) || return 1
	_engine_build_unit kubernetes-provider >/dev/null || return 1
	printf '%s\n' "$cli"
}

# Builds units (name, then units) and prints one directory of links to all their files.
_engine_build_linked() {
	local name=$1 unit dirs=() dir link
	shift
	for unit in "$@"; do
		dir=$(_engine_build_unit "$unit") || return 1
		dirs+=("$dir")
	done
	link="$(_engine_cache_root)/bin/$name-$(printf '%s\n' "${dirs[@]}" | sha256sum | cut -c1-12)"
	if [ ! -d "$link" ]; then
		mkdir -p "$link.tmp.$$" || return 1
		for dir in "${dirs[@]}"; do
			ln -sf "$dir"/* "$link.tmp.$$/" || return 1
		done
		mv -T "$link.tmp.$$" "$link" 2>/dev/null || rm -rf "$link.tmp.$$"
	fi
	printf '%s\n' "$link"
}

# The control plane: etcd, KWOK and Kubernetes' binaries in one directory.
_engine_build_cluster() {
	_engine_build_linked cluster etcd kwok control-plane
}

# Prometheus' and Alertmanager's tools in one directory.
_engine_build_monitoring() {
	_engine_build_linked monitoring prometheus alertmanager
}

# Istio's charts as its source tree ships them (placeholder chart versions, empty hub/tag), taken from the Go module
# the proxy serves and stamped with the release version the program pins (its values set the hub and tag).
_engine_istio_charts() {
	local root module version out charts tmp
	root=$(_engine_repo_root)
	module=$(tr -d ' \n' <"$root/engine/istio-charts/module")
	version=$(tr -d ' \n' <"$root/engine/istio-charts/version")
	out="$(_engine_cache_root)/istio-charts/$version-${module##*-}"
	if [ -f "$out/.complete" ] && [ -f "$out/cni/Chart.yaml" ]; then
		printf '%s\n' "$out"
		return 0
	fi
	charts=$(cd "${TMPDIR:-/tmp}" && GOFLAGS= GOTOOLCHAIN=local go mod download -json "$module" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')/manifests/charts
	if [ ! -d "$charts/istio-control/istio-discovery" ]; then
		_engine_log "ERROR: go mod download $module gave no charts (looked in '$charts')"
		return 1
	fi
	mkdir -p "$(dirname "$out")" && tmp=$(mktemp -d "$out.tmp.XXXXXX") || return 1
	cp -R "$charts/base" "$tmp/base" && cp -R "$charts/istio-control/istio-discovery" "$tmp/istiod" &&
		cp -R "$charts/gateway" "$tmp/gateway" && cp -R "$charts/istio-cni" "$tmp/cni" && chmod -R u+w "$tmp" &&
		sed -i -e "s/^version: .*/version: $version/" -e "s/^appVersion: .*/appVersion: $version/" "$tmp"/*/Chart.yaml &&
		touch "$tmp/.complete" && rm -rf "$out" && mv "$tmp" "$out" || {
		rm -rf "$tmp"
		return 1
	}
	_engine_log "Istio charts $version (from $module) in $out"
	printf '%s\n' "$out"
}

_engine_env() {
	local bin=$1 root plugins node_bin state=${ENGINE_STATE_DIR:-}
	root=$(_engine_repo_root)
	# The language host runs the program with the first `node` on PATH: a supported one (scripts/node.sh).
	node_bin=$(bash "$root/scripts/node.sh") || return 1
	plugins=$(_engine_unit_bin_dir "$root" kubernetes-provider)
	# One place for the manual path's stacks, as `pulumi login --local` keeps its own: a new shell sees the state
	# of the objects an earlier one deployed.
	if [ -z "$state" ]; then
		state="$(_engine_cache_root)/state"
	fi
	# PULUMI_HOME/plugins in the plugin cache's layout (a provider found on $PATH makes the CLI warn on every run):
	# a real folder per plugin (the CLI skips symlinked folders), its binary linked from the cache.
	mkdir -p "$state/state" "$state/home/plugins"
	for dir in "$plugins"/resource-*/; do
		dir=${dir%/}
		mkdir -p "$state/home/plugins/${dir##*/}"
		for file in "$dir"/*; do
			[ -e "$state/home/plugins/${dir##*/}/${file##*/}" ] || ln -s "$file" "$state/home/plugins/${dir##*/}/${file##*/}"
		done
	done
	# No update check and no plugin download (nothing leaves this machine); PULUMI_PARALLEL_DIFF: the CLI's switch
	# to run the provider's Diff calls in parallel instead of one after another in its step generator. GOGC: the
	# file backend serializes the whole checkpoint twice for every resource an up creates; letting the heap grow to
	# 5x its live size between collections (400; the default is 100) cut the CLI's CPU in an up by a quarter, for
	# about 170 MB more at its peak (README, npm run bench:cluster). Every Go program started from that shell gets it.
	cat <<-EOF
		export ENGINE_BIN_DIR='$bin'
		export ENGINE_STATE_DIR='$state'
		export PATH='$bin:$node_bin':"\$PATH"
		export PULUMI_HOME='$state/home'
		export PULUMI_BACKEND_URL='${PULUMI_BACKEND_URL:-file://$state/state}'
		export PULUMI_CONFIG_PASSPHRASE='${PULUMI_CONFIG_PASSPHRASE:-engine-test}'
		export PULUMI_SKIP_UPDATE_CHECK='true'
		export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION='true'
		export PULUMI_SKIP_CONFIRMATIONS='true'
		export PULUMI_PARALLEL_DIFF='true'
		export GOGC='${GOGC:-400}'
	EOF
}

# Units no command of .ci/run builds: `npm run bench:cluster` builds them on its first run, so status does not
# count them missing.
_ENGINE_ON_DEMAND_UNITS="helm"

_engine_status() {
	local root unit bin rc=0
	root=$(_engine_repo_root)
	for unit in cli kubernetes-provider control-plane etcd kwok prometheus alertmanager helm; do
		bin=$(_engine_unit_bin_dir "$root" "$unit")
		if [ -f "$bin/.complete" ]; then
			printf '%-20s cached   %s\n' "$unit" "$bin"
		elif [[ " $_ENGINE_ON_DEMAND_UNITS " == *" $unit "* ]]; then
			printf '%-20s missing  %s (built on demand by build-%s, for the bench only)\n' "$unit" "$bin" "$unit"
		else
			printf '%-20s missing  %s\n' "$unit" "$bin"
			rc=1
		fi
	done
	return $rc
}

_engine_main() {
	local bin
	case "${1:-}" in
	build) _engine_build ;;
	build-cluster) _engine_build_cluster ;;
	build-all) _engine_build && _engine_build_cluster ;;
	build-monitoring) _engine_build_monitoring ;;
	build-helm) _engine_build_unit helm ;;
	istio-charts) _engine_istio_charts ;;
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
	status) _engine_status ;;
	*)
		awk 'NR > 1 && /^# Settings/ { exit } NR > 1' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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
