#!/usr/bin/env bash
# Deletes what scripts/kind-up.sh created: the kind cluster `microservices` and the registry
# container `kind-registry` (with the images pushed to it). Idempotent: missing pieces are skipped.
#
# Usage: scripts/kind-down.sh [--keep-registry] [--help]
#   --keep-registry   keep the registry container and its images (faster next kind-up + pulumi up)
# Environment (optional): KIND_CLUSTER_NAME (default microservices)
set -euo pipefail

CLUSTER_NAME="${KIND_CLUSTER_NAME:-microservices}"
REGISTRY_NAME="kind-registry"

log() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

keep_registry=false
for arg in "$@"; do
  case "${arg}" in
    --keep-registry) keep_registry=true ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: ${arg}" ;;
  esac
done

command -v docker >/dev/null 2>&1 || die "docker is required but was not found on PATH. Install it: https://docs.docker.com/get-docker/"
command -v kind >/dev/null 2>&1 || die "kind is required but was not found on PATH. Install it: https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
docker info >/dev/null 2>&1 || die "docker is installed but its daemon does not answer: start Docker (or fix DOCKER_HOST) and re-run"

if kind get clusters 2>/dev/null | grep -qx "${CLUSTER_NAME}"; then
  log "deleting cluster ${CLUSTER_NAME}"
  kind delete cluster --name "${CLUSTER_NAME}"
else
  log "no cluster ${CLUSTER_NAME}"
fi

if [[ "${keep_registry}" == true ]]; then
  log "keeping registry ${REGISTRY_NAME}"
elif docker inspect "${REGISTRY_NAME}" >/dev/null 2>&1; then
  log "removing registry ${REGISTRY_NAME} and its images"
  docker rm -f -v "${REGISTRY_NAME}" >/dev/null
else
  log "no registry ${REGISTRY_NAME}"
fi
