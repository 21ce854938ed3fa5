#!/usr/bin/env bash
# Creates (or completes) the local kind cluster the `dev` stack deploys to:
#   - a registry container `kind-registry` published on localhost:5001, which the cluster's nodes
#     pull from (the kind local-registry convention: containerd hosts.toml on every node, the
#     registry joined to the `kind` network, the `local-registry-hosting` ConfigMap);
#   - a cluster `microservices` (kubectl context `kind-microservices`) from scripts/kind-config.yaml,
#     mapping Kong's proxy NodePort 30080 to http://localhost:8080 (and Istio's ingress 31380 to 8081);
#   - with --calico: kind's default CNI (kindnet, which enforces NetworkPolicy since kind v0.24
#     through kube-network-policies) replaced by Calico.
#
# Idempotent: what already exists is kept (a stopped registry is started, the node registry config
# and the ConfigMap are re-applied); nothing is deleted. scripts/kind-down.sh removes it all.
#
# Usage: scripts/kind-up.sh [--calico] [--help]
# Environment (optional):
#   KIND_CLUSTER_NAME   cluster name              (default microservices)
#   KIND_NODE_IMAGE     kindest/node image to use (default: the one of your kind release)
#   KIND_REGISTRY_PORT  registry port on 127.0.0.1 (default 5001)
set -euo pipefail

CLUSTER_NAME="${KIND_CLUSTER_NAME:-microservices}"
CONTEXT="kind-${CLUSTER_NAME}"
REGISTRY_NAME="kind-registry"
REGISTRY_PORT="${KIND_REGISTRY_PORT:-5001}"
REGISTRY_IMAGE="registry:3.0.0"
CALICO_VERSION="v3.32.1"
CALICO_MANIFEST="https://raw.githubusercontent.com/projectcalico/calico/${CALICO_VERSION}/manifests/calico.yaml"
# Calico's manifest defaults its IP pool to this range; the cluster's pod subnet must match.
CALICO_POD_SUBNET="192.168.0.0/16"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KIND_CONFIG="${SCRIPT_DIR}/kind-config.yaml"

log() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

calico=false
for arg in "$@"; do
  case "${arg}" in
    --calico) calico=true ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: ${arg}" ;;
  esac
done

require() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is required but was not found on PATH. Install it: $2"
}
require docker "https://docs.docker.com/get-docker/"
require kind "https://kind.sigs.k8s.io/docs/user/quick-start/#installation (v0.27.0 or newer)"
require kubectl "https://kubernetes.io/docs/tasks/tools/"
docker info >/dev/null 2>&1 || die "docker is installed but its daemon does not answer: start Docker (or fix DOCKER_HOST) and re-run"
[[ -f "${KIND_CONFIG}" ]] || die "missing ${KIND_CONFIG}"

k() { kubectl --context "${CONTEXT}" "$@"; }

# 1. The registry container.
registry_state="$(docker inspect -f '{{.State.Running}}' "${REGISTRY_NAME}" 2>/dev/null || true)"
case "${registry_state}" in
  true) log "registry ${REGISTRY_NAME} is running (localhost:${REGISTRY_PORT})" ;;
  false)
    log "starting the stopped registry ${REGISTRY_NAME}"
    docker start "${REGISTRY_NAME}" >/dev/null
    ;;
  *)
    log "creating registry ${REGISTRY_NAME} on 127.0.0.1:${REGISTRY_PORT} (${REGISTRY_IMAGE})"
    docker run -d --restart=always -p "127.0.0.1:${REGISTRY_PORT}:5000" --network bridge \
      --name "${REGISTRY_NAME}" "${REGISTRY_IMAGE}" >/dev/null
    ;;
esac

# 2. The cluster.
if kind get clusters 2>/dev/null | grep -qx "${CLUSTER_NAME}"; then
  log "cluster ${CLUSTER_NAME} exists; keeping it"
  if [[ "${calico}" == true ]] && k -n kube-system get daemonset kindnet >/dev/null 2>&1; then
    die "cluster ${CLUSTER_NAME} runs kind's default CNI (kindnet); Calico cannot be added to it. Run scripts/kind-down.sh, then scripts/kind-up.sh --calico"
  fi
else
  config="$(mktemp)"
  trap 'rm -f "${config}"' EXIT
  cat "${KIND_CONFIG}" >"${config}"
  if [[ "${calico}" == true ]]; then
    printf 'networking:\n  disableDefaultCNI: true\n  podSubnet: "%s"\n' "${CALICO_POD_SUBNET}" >>"${config}"
  fi
  log "creating cluster ${CLUSTER_NAME}$([[ "${calico}" == true ]] && echo ' without the default CNI (Calico follows)')"
  image_args=()
  if [[ -n "${KIND_NODE_IMAGE:-}" ]]; then image_args=(--image "${KIND_NODE_IMAGE}"); fi
  kind create cluster --name "${CLUSTER_NAME}" --config "${config}" "${image_args[@]+"${image_args[@]}"}"
fi

# 3. Every node resolves localhost:<port> to the registry container (localhost inside a node is
#    the node itself).
registry_dir="/etc/containerd/certs.d/localhost:${REGISTRY_PORT}"
for node in $(kind get nodes --name "${CLUSTER_NAME}"); do
  docker exec "${node}" mkdir -p "${registry_dir}"
  printf '[host."http://%s:5000"]\n' "${REGISTRY_NAME}" | docker exec -i "${node}" cp /dev/stdin "${registry_dir}/hosts.toml"
done

# 4. The registry joins the cluster's network (once).
if [[ "$(docker inspect -f '{{json .NetworkSettings.Networks.kind}}' "${REGISTRY_NAME}")" == "null" ]]; then
  log "connecting ${REGISTRY_NAME} to the kind network"
  docker network connect kind "${REGISTRY_NAME}"
fi

# 5. Document the registry for tools (KEP-1755).
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: local-registry-hosting
  namespace: kube-public
data:
  localRegistryHosting.v1: |
    host: "localhost:${REGISTRY_PORT}"
    help: "https://kind.sigs.k8s.io/docs/user/local-registry/"
YAML

# 6. Calico, when asked for (kubectl apply is idempotent).
if [[ "${calico}" == true ]]; then
  log "installing Calico ${CALICO_VERSION}"
  k apply -f "${CALICO_MANIFEST}" >/dev/null
  # kind nodes have loose reverse-path filtering, which Felix refuses by default.
  k -n kube-system set env daemonset/calico-node FELIX_IGNORELOOSERPF=true >/dev/null
  k -n kube-system rollout status daemonset/calico-node --timeout=300s
elif k -n kube-system get daemonset calico-node >/dev/null 2>&1; then
  log "Calico is installed: NetworkPolicies are enforced"
else
  log "default CNI (kindnet): NetworkPolicies are enforced by its kube-network-policies (--calico uses Calico instead)"
fi

log "waiting for the nodes to be Ready"
k wait --for=condition=Ready nodes --all --timeout=300s >/dev/null

cat <<DONE

Cluster ${CLUSTER_NAME} is ready (kubectl context ${CONTEXT}); registry: localhost:${REGISTRY_PORT}.
Next:
  pulumi up -s dev                                   # builds the runtime image, pushes it to localhost:${REGISTRY_PORT}, deploys
  curl http://localhost:8080/api/users               # through Kong
  scripts/kind-down.sh                               # delete the cluster and the registry
DONE
