#!/usr/bin/env bash
# A local Kubernetes control plane without containers or a kubelet: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and KWOK run as plain processes, and KWOK plays the nodes (fake Nodes that turn Ready, pods that
# become Running and Ready with an IP, so Services get ready endpoints). Every listener binds 127.0.0.1; the API
# server dials nothing but etcd on loopback (its egress to the cluster, i.e. webhooks, aggregated APIs and kubelets,
# is routed into a unix socket that does not exist, so such calls fail at once). State (PKI, etcd data, kubeconfigs,
# logs, pid files) lives outside the repository.
#
# Usage:
#   scripts/cluster.sh up               # start whatever is not running (idempotent), wait until the cluster is ready;
#                                       # prints the admin kubeconfig path as the last line of stdout
#   scripts/cluster.sh down [--purge]   # stop the processes (SIGTERM, SIGKILL after a grace period), check that the
#                                       # ports are free; keeps the state directory unless --purge
#   scripts/cluster.sh purge            # down, then delete the state directory
#   scripts/cluster.sh restart COMPONENT [--kill] [--down-seconds N]
#                                       # stop one running component (SIGTERM, or SIGKILL at once with --kill: a crash),
#                                       # keep it down N seconds (default 0), start it again and wait until it is healthy
#   scripts/cluster.sh status           # each component's pid, port and health (exit 0 only if all are healthy)
#   scripts/cluster.sh env              # print `export KUBECONFIG=<admin kubeconfig>` (eval "$(scripts/cluster.sh env)")
#   scripts/cluster.sh pki              # only create (or renew) the certificates and keys
#   npm run cluster:up / npm run cluster:down   # up / down
#
# Settings (environment variables, all optional):
#   CLUSTER_NAME          cluster name; names the state directory and the kubeconfig context (default local)
#   CLUSTER_PORT_BASE     first of six ports on 127.0.0.1 (default 16443): +0 kube-apiserver, +1 etcd client,
#                         +2 etcd peer, +3 kube-controller-manager, +4 kube-scheduler, +5 kwok (/healthz).
#                         Two clusters need bases at least 6 apart. Recorded in the state directory at `up`.
#   CLUSTER_STATE_DIR     state directory (default ${XDG_CACHE_HOME:-$HOME/.cache}/microservices-ecosystem/cluster/$CLUSTER_NAME)
#   CLUSTER_BIN_DIR       directory holding etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok and
#                         kubectl (default: the last line printed by `scripts/engine.sh build-cluster`)
#   CLUSTER_NODES         number of fake nodes kwok-node-0… (default 1; each 32 CPU, 64Gi, 110 pods)
#   CLUSTER_WAIT_SECONDS  bound of each readiness wait (default 120)
#   CLUSTER_STOP_GRACE_SECONDS  time between SIGTERM and SIGKILL (default 10)
#
# Addresses: services 10.96.0.0/16 (kubernetes.default is 10.96.0.1), pods 10.244.0.0/16, nodes 10.250.0.<n+1>;
# none of them is routed anywhere. The default StorageClass `standard` provisions hostPath volumes under
# /tmp/hostpath_pv/. scripts/cluster/ holds the KWOK configuration and stages, the RBAC for KWOK and the StorageClass.
set -euo pipefail

# --- settings ---------------------------------------------------------------------------------------------------

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ASSETS="$ROOT/scripts/cluster"
CLUSTER_NAME="${CLUSTER_NAME:-local}"
STATE_DIR="${CLUSTER_STATE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/microservices-ecosystem/cluster/$CLUSTER_NAME}"
NODES="${CLUSTER_NODES:-1}"
WAIT_SECONDS="${CLUSTER_WAIT_SECONDS:-120}"
STOP_GRACE_SECONDS="${CLUSTER_STOP_GRACE_SECONDS:-10}"
DEFAULT_PORT_BASE=16443

PKI="$STATE_DIR/pki"
LOGS="$STATE_DIR/logs"
PIDS="$STATE_DIR/pids"
CONF="$STATE_DIR/config"
KUBECONFIGS="$STATE_DIR/kubeconfig"
ADMIN_KUBECONFIG="$STATE_DIR/admin.kubeconfig"
MARKER="$STATE_DIR/.microservices-ecosystem-cluster"
CONTEXT="microservices-$CLUSTER_NAME"

SERVICE_CIDR=10.96.0.0/16
KUBERNETES_SERVICE_IP=10.96.0.1
NODE_IP_PREFIX=10.250.0.
SA_ISSUER=https://kubernetes.default.svc.cluster.local
NODE_LEASE_SECONDS=40

# Start order; `down` stops them in reverse.
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

log() { printf 'cluster.sh: %s\n' "$*" >&2; }
die() {
	printf 'cluster.sh: ERROR: %s\n' "$*" >&2
	exit 1
}
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }

# Seconds since the start of this run, with a tenth.
START_TIME=$EPOCHREALTIME
elapsed() { awk -v a="$START_TIME" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", b - a }'; }

# --- ports ------------------------------------------------------------------------------------------------------

# The port base: CLUSTER_PORT_BASE, else the one recorded by the last `up`, else the default.
load_ports() {
	local recorded=""
	if [[ -f $STATE_DIR/ports ]]; then
		recorded=$(<"$STATE_DIR/ports")
	fi
	PORT_BASE="${CLUSTER_PORT_BASE:-${recorded:-$DEFAULT_PORT_BASE}}"
	[[ $PORT_BASE =~ ^[0-9]+$ ]] && ((PORT_BASE >= 1024 && PORT_BASE <= 65530)) ||
		die "CLUSTER_PORT_BASE must be a number from 1024 to 65530 (got '$PORT_BASE')"
	API_PORT=$PORT_BASE
	ETCD_PORT=$((PORT_BASE + 1))
	ETCD_PEER_PORT=$((PORT_BASE + 2))
	CM_PORT=$((PORT_BASE + 3))
	SCHEDULER_PORT=$((PORT_BASE + 4))
	KWOK_PORT=$((PORT_BASE + 5))
	RECORDED_PORT_BASE=$recorded
}

# The ports a component listens on.
component_ports() {
	case $1 in
	etcd) echo "$ETCD_PORT $ETCD_PEER_PORT" ;;
	kube-apiserver) echo "$API_PORT" ;;
	kube-controller-manager) echo "$CM_PORT" ;;
	kube-scheduler) echo "$SCHEDULER_PORT" ;;
	kwok) echo "$KWOK_PORT" ;;
	esac
}

all_ports() {
	local c
	for c in "${COMPONENTS[@]}"; do component_ports "$c"; done | tr ' ' '\n'
}

# Lines of `ss -ltnp` for listeners on the given ports (any address).
listeners_on() {
	local filter="" port
	for port in "$@"; do
		filter+="${filter:+ or }sport = :$port"
	done
	ss -Hltnp "( $filter )" 2>/dev/null || true
}

# --- state directory --------------------------------------------------------------------------------------------

# Creates the state directory (or checks that an existing one is ours) and takes its lock for this run.
prepare_state_dir() {
	if [[ -d $STATE_DIR && ! -f $MARKER && -n "$(ls -A "$STATE_DIR")" ]]; then
		die "$STATE_DIR exists and is not a cluster state directory (no ${MARKER##*/}); set CLUSTER_STATE_DIR"
	fi
	mkdir -p "$STATE_DIR" "$PKI" "$LOGS" "$PIDS" "$CONF" "$KUBECONFIGS"
	chmod 700 "$STATE_DIR" "$PKI"
	touch "$MARKER"
	lock_state_dir
}

lock_state_dir() {
	exec 9>"$STATE_DIR/.lock"
	flock -w 120 9 || die "another cluster.sh has held $STATE_DIR/.lock for 2 minutes"
}

# Writes stdin to a file unless the file already has exactly that content.
write_file() {
	local path=$1 mode=${2:-644} tmp
	tmp=$(mktemp "$path.XXXXXX")
	cat >"$tmp"
	if [[ -f $path ]] && cmp -s "$tmp" "$path"; then
		rm -f "$tmp"
	else
		chmod "$mode" "$tmp"
		mv "$tmp" "$path"
	fi
}

# --- binaries ---------------------------------------------------------------------------------------------------

resolve_binaries() {
	local dir=${CLUSTER_BIN_DIR:-} name missing=()
	if [[ -z $dir ]]; then
		log "CLUSTER_BIN_DIR is not set: running scripts/engine.sh build-cluster"
		dir=$(bash "$ROOT/scripts/engine.sh" build-cluster | tail -n 1) ||
			die "scripts/engine.sh build-cluster failed (see above); or set CLUSTER_BIN_DIR"
	fi
	[[ -d $dir ]] || die "the binary directory '$dir' does not exist"
	BIN_DIR=$(cd "$dir" && pwd)
	for name in "${COMPONENTS[@]}"; do
		[[ -x $BIN_DIR/$name ]] || missing+=("$name")
	done
	((${#missing[@]} == 0)) || die "missing in $BIN_DIR: ${missing[*]}"
	if [[ -x $BIN_DIR/kubectl ]]; then
		KUBECTL=$BIN_DIR/kubectl
	elif KUBECTL=$(command -v kubectl); then
		log "no kubectl in $BIN_DIR: using $KUBECTL"
	else
		die "no kubectl in $BIN_DIR nor on the PATH"
	fi
}

kctl() { "$KUBECTL" --kubeconfig="$ADMIN_KUBECONFIG" --request-timeout=10s "$@"; }

# --- PKI --------------------------------------------------------------------------------------------------------

new_ec_key() {
	[[ -s $1 ]] && return 0
	(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null)
}

# new_ca NAME CN: a self-signed CA NAME.crt/NAME.key (10 years), kept once created.
new_ca() {
	local key=$PKI/$1.key crt=$PKI/$1.crt
	[[ -s $crt && -s $key ]] && return 0
	log "creating the CA $1"
	rm -f "$key"
	new_ec_key "$key"
	openssl req -x509 -new -key "$key" -subj "/CN=$2" -days 3650 -sha256 \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,digitalSignature,keyCertSign,cRLSign" \
		-out "$crt" 2>/dev/null
}

# True if the certificate exists, was signed by the CA and is valid for one more day.
cert_is_current() {
	local crt=$1 ca=$2
	[[ -s $crt && -s ${crt%.crt}.key ]] &&
		openssl x509 -in "$crt" -noout -checkend 86400 >/dev/null 2>&1 &&
		openssl verify -CAfile "$ca" "$crt" >/dev/null 2>&1
}

# issue_cert NAME CA SUBJECT USAGE [SANS]: NAME.crt/NAME.key signed by CA (1 year), USAGE server|client|both.
issue_cert() {
	local name=$1 ca=$2 subject=$3 usage=$4 sans=${5:-}
	local crt=$PKI/$name.crt key=$PKI/$name.key eku
	cert_is_current "$crt" "$PKI/$ca.crt" && return 0
	case $usage in
	server) eku=serverAuth ;;
	client) eku=clientAuth ;;
	both) eku=serverAuth,clientAuth ;;
	esac
	log "issuing the certificate $name ($subject)"
	rm -f "$key"
	new_ec_key "$key"
	openssl req -new -key "$key" -subj "$subject" 2>/dev/null |
		openssl x509 -req -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -set_serial "0x$(openssl rand -hex 16)" \
			-days 365 -sha256 -out "$crt" -extfile <(
				printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n'
				printf 'extendedKeyUsage=%s\n' "$eku"
				[[ -z $sans ]] || printf 'subjectAltName=%s\n' "$sans"
			) 2>/dev/null
}

# The key pair that signs and verifies service account tokens.
new_service_account_keys() {
	[[ -s $PKI/sa.key && -s $PKI/sa.pub ]] && return 0
	log "creating the service account key pair"
	(umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key" 2>/dev/null)
	openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
}

# Two CAs: ca (the cluster: API server, clients, CSR signing) and etcd-ca (only etcd and its one client, so a
# certificate the cluster signs for someone else never opens etcd).
ensure_pki() {
	new_ca ca kubernetes-ca
	new_ca etcd-ca etcd-ca
	new_service_account_keys
	issue_cert kube-apiserver ca "/CN=kube-apiserver" server \
		"DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$KUBERNETES_SERVICE_IP"
	issue_cert admin ca "/O=system:masters/CN=kubernetes-admin" client
	issue_cert kube-controller-manager ca "/CN=system:kube-controller-manager" client
	issue_cert kube-scheduler ca "/CN=system:kube-scheduler" client
	issue_cert kwok ca "/CN=kwok-controller" client
	issue_cert etcd etcd-ca "/CN=etcd" both "DNS:localhost,IP:127.0.0.1"
	issue_cert kube-apiserver-etcd-client etcd-ca "/CN=kube-apiserver-etcd-client" client
}

# --- configuration files ----------------------------------------------------------------------------------------

b64() { base64 -w0 <"$1"; }

# kubeconfig USER CERT: a kubeconfig for 127.0.0.1:API_PORT with embedded certificates.
kubeconfig() {
	cat <<-EOF
		apiVersion: v1
		kind: Config
		clusters:
		- name: $CONTEXT
		  cluster:
		    server: https://127.0.0.1:$API_PORT
		    certificate-authority-data: $(b64 "$PKI/ca.crt")
		users:
		- name: $1
		  user:
		    client-certificate-data: $(b64 "$PKI/$2.crt")
		    client-key-data: $(b64 "$PKI/$2.key")
		contexts:
		- name: $CONTEXT
		  context:
		    cluster: $CONTEXT
		    user: $1
		current-context: $CONTEXT
	EOF
}

# Egress of the API server towards the cluster (webhooks, aggregated APIs, kubelets, service/pod proxy) goes to a
# unix socket nobody listens on: it fails at once instead of dialing a fake, unrouted address.
egress_selector_config() {
	cat <<-EOF
		apiVersion: apiserver.k8s.io/v1beta1
		kind: EgressSelectorConfiguration
		egressSelections:
		- name: cluster
		  connection:
		    proxyProtocol: HTTPConnect
		    transport:
		      uds:
		        udsName: $STATE_DIR/run/cluster-egress-disabled.sock
	EOF
}

write_configs() {
	kubeconfig "kubernetes-admin" admin | write_file "$ADMIN_KUBECONFIG" 600
	kubeconfig "system:kube-controller-manager" kube-controller-manager | write_file "$KUBECONFIGS/kube-controller-manager.kubeconfig" 600
	kubeconfig "system:kube-scheduler" kube-scheduler | write_file "$KUBECONFIGS/kube-scheduler.kubeconfig" 600
	kubeconfig "kwok-controller" kwok | write_file "$KUBECONFIGS/kwok.kubeconfig" 600
	egress_selector_config | write_file "$CONF/egress-selector.yaml"
	write_file "$CONF/kwok.yaml" <"$ASSETS/kwok.yaml"
	echo "$PORT_BASE" | write_file "$STATE_DIR/ports"
}

# --- processes --------------------------------------------------------------------------------------------------

# Prints the pid of a component started from this state directory, if it is running.
running_pid() {
	local file=$PIDS/$1.pid pid
	[[ -f $file ]] || return 1
	pid=$(<"$file")
	[[ $pid =~ ^[0-9]+$ ]] && names_state_dir "$pid" || return 1
	echo "$pid"
}

# A pid is ours only if its command line names this state directory (a reused pid does not).
names_state_dir() {
	tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$STATE_DIR/"
}

# launch NAME ARG…: starts BIN_DIR/NAME in a session of its own, output appended to logs/NAME.log.
launch() {
	local name=$1
	shift
	printf '\n==== %s: cluster.sh starts %s\n' "$(date -Is)" "$name" >>"$LOGS/$name.log"
	# 9>&-: the component must not inherit the state directory's lock (it would hold it as long as it runs).
	setsid "$BIN_DIR/$name" "$@" </dev/null >>"$LOGS/$name.log" 2>&1 9>&- &
	local pid=$! tries=0
	echo "$pid" >"$PIDS/$name.pid"
	# Until the forked shell has exec'd the component, its command line is this script's: running_pid would take
	# the component for exited (CI saw that on a busy machine). Wait for the exec, or for the process to be gone.
	while [[ -e /proc/$pid ]] && ! names_state_dir "$pid" && ((tries++ < 200)); do sleep 0.05; done
}

start_etcd() {
	launch etcd \
		--name=etcd \
		--data-dir="$STATE_DIR/etcd" \
		--listen-client-urls="https://127.0.0.1:$ETCD_PORT" \
		--advertise-client-urls="https://127.0.0.1:$ETCD_PORT" \
		--listen-peer-urls="https://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-advertise-peer-urls="https://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-cluster="etcd=https://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-cluster-state=new \
		--cert-file="$PKI/etcd.crt" --key-file="$PKI/etcd.key" \
		--client-cert-auth --trusted-ca-file="$PKI/etcd-ca.crt" \
		--peer-cert-file="$PKI/etcd.crt" --peer-key-file="$PKI/etcd.key" \
		--peer-client-cert-auth --peer-trusted-ca-file="$PKI/etcd-ca.crt" \
		--unsafe-no-fsync \
		--log-level=warn
}

start_kube_apiserver() {
	launch kube-apiserver \
		--bind-address=127.0.0.1 \
		--advertise-address=127.0.0.1 \
		--secure-port="$API_PORT" \
		--endpoint-reconciler-type=none \
		--egress-selector-config-file="$CONF/egress-selector.yaml" \
		--etcd-servers="https://127.0.0.1:$ETCD_PORT" \
		--etcd-cafile="$PKI/etcd-ca.crt" \
		--etcd-certfile="$PKI/kube-apiserver-etcd-client.crt" \
		--etcd-keyfile="$PKI/kube-apiserver-etcd-client.key" \
		--tls-cert-file="$PKI/kube-apiserver.crt" \
		--tls-private-key-file="$PKI/kube-apiserver.key" \
		--client-ca-file="$PKI/ca.crt" \
		--authorization-mode=Node,RBAC \
		--enable-admission-plugins=NodeRestriction \
		--allow-privileged=true \
		--service-cluster-ip-range="$SERVICE_CIDR" \
		--service-account-issuer="$SA_ISSUER" \
		--service-account-key-file="$PKI/sa.pub" \
		--service-account-signing-key-file="$PKI/sa.key"
}

start_kube_controller_manager() {
	local kc=$KUBECONFIGS/kube-controller-manager.kubeconfig
	# --controllers=*: Kubernetes 1.37's controller-manager has no cloud controllers left; node IPAM stays idle
	# with --allocate-node-cidrs=false. One instance, so no leader election (a restart does not wait for a lease).
	launch kube-controller-manager \
		--bind-address=127.0.0.1 \
		--secure-port="$CM_PORT" \
		--kubeconfig="$kc" \
		--authentication-kubeconfig="$kc" \
		--authorization-kubeconfig="$kc" \
		--leader-elect=false \
		--cluster-name="$CLUSTER_NAME" \
		--controllers='*' \
		--use-service-account-credentials=true \
		--root-ca-file="$PKI/ca.crt" \
		--service-account-private-key-file="$PKI/sa.key" \
		--cluster-signing-cert-file="$PKI/ca.crt" \
		--cluster-signing-key-file="$PKI/ca.key" \
		--allocate-node-cidrs=false \
		--enable-hostpath-provisioner=true
}

start_kube_scheduler() {
	local kc=$KUBECONFIGS/kube-scheduler.kubeconfig
	launch kube-scheduler \
		--bind-address=127.0.0.1 \
		--secure-port="$SCHEDULER_PORT" \
		--kubeconfig="$kc" \
		--authentication-kubeconfig="$kc" \
		--authorization-kubeconfig="$kc" \
		--leader-elect=false
}

start_kwok() {
	# KWOK_WORKDIR keeps KWOK from also loading ~/.kwok/kwok.yaml.
	mkdir -p "$STATE_DIR/kwok"
	KWOK_WORKDIR="$STATE_DIR/kwok" launch kwok \
		--kubeconfig="$KUBECONFIGS/kwok.kubeconfig" \
		--config="$CONF/kwok.yaml" \
		--manage-all-nodes=false \
		--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
		--node-lease-duration-seconds="$NODE_LEASE_SECONDS" \
		--server-address="127.0.0.1:$KWOK_PORT"
}

# --- health -----------------------------------------------------------------------------------------------------

healthy_etcd() {
	curl -fsS --max-time 2 --cacert "$PKI/etcd-ca.crt" \
		--cert "$PKI/kube-apiserver-etcd-client.crt" --key "$PKI/kube-apiserver-etcd-client.key" \
		"https://127.0.0.1:$ETCD_PORT/health" 2>/dev/null | grep -q '"health":"true"'
}

healthy_kube_apiserver() {
	curl -fsS --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
		"https://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1
}

# The controller-manager and the scheduler serve /healthz with a self-signed certificate of their own.
healthy_kube_controller_manager() { curl -fsSk --max-time 2 "https://127.0.0.1:$CM_PORT/healthz" >/dev/null 2>&1; }
healthy_kube_scheduler() { curl -fsSk --max-time 2 "https://127.0.0.1:$SCHEDULER_PORT/healthz" >/dev/null 2>&1; }
healthy_kwok() { curl -fsS --max-time 2 "http://127.0.0.1:$KWOK_PORT/healthz" >/dev/null 2>&1; }

healthy() { "healthy_${1//-/_}"; }

# Reports a component's failure with the end of its log, and exits.
fail_component() {
	local name=$1 reason=$2
	{
		printf 'cluster.sh: ERROR: %s: %s\n' "$name" "$reason"
		if [[ -s $LOGS/$name.log ]]; then
			printf 'cluster.sh: last lines of %s:\n' "$LOGS/$name.log"
			tail -n 25 "$LOGS/$name.log" | sed 's/^/    /'
		fi
		printf 'cluster.sh: the components that run were left running; `npm run cluster:down` stops them\n'
	} >&2
	exit 1
}

# wait_for COMPONENT WHAT CMD…: polls CMD until it succeeds; fails with COMPONENT's log after WAIT_SECONDS or when
# COMPONENT's process is gone.
wait_for() {
	local name=$1 what=$2 deadline=$((SECONDS + WAIT_SECONDS))
	shift 2
	until "$@" >/dev/null 2>&1; do
		running_pid "$name" >/dev/null || fail_component "$name" "the process exited while waiting for $what"
		((SECONDS < deadline)) || fail_component "$name" "$what: not reached after ${WAIT_SECONDS}s"
		sleep 0.2
	done
}

# Starts a component unless it runs already; then waits until it is healthy.
ensure_component() {
	local name=$1 pid busy
	if pid=$(running_pid "$name"); then
		healthy "$name" || log "$name (pid $pid) is running; waiting until it is healthy"
	else
		rm -f "$PIDS/$name.pid"
		# shellcheck disable=SC2046 # the list of ports is split on purpose
		busy=$(listeners_on $(component_ports "$name"))
		[[ -z $busy ]] || die "a port of $name ($(component_ports "$name")) is taken by another process (set CLUSTER_PORT_BASE):"$'\n'"$busy"
		"start_${name//-/_}"
		log "started $name (pid $(<"$PIDS/$name.pid")), log $LOGS/$name.log"
	fi
	wait_for "$name" "health" healthy "$name"
	log "$name healthy ($(elapsed))"
}

# --- cluster contents -------------------------------------------------------------------------------------------

node_name() { echo "kwok-node-$1"; }

# A fake node for KWOK: created with its status (capacity, address), which KWOK completes and keeps Ready.
node_manifest() {
	local i=$1 zones=(a b c)
	cat <<-EOF
		apiVersion: v1
		kind: Node
		metadata:
		  name: $(node_name "$i")
		  annotations:
		    kwok.x-k8s.io/node: fake
		    node.alpha.kubernetes.io/ttl: "0"
		  labels:
		    type: kwok
		    kubernetes.io/arch: amd64
		    kubernetes.io/os: linux
		    kubernetes.io/hostname: $(node_name "$i")
		    node.kubernetes.io/instance-type: kwok
		    topology.kubernetes.io/region: local
		    topology.kubernetes.io/zone: local-${zones[i % 3]}
		status:
		  addresses:
		  - type: InternalIP
		    address: $NODE_IP_PREFIX$((i + 1))
		  - type: Hostname
		    address: $(node_name "$i")
		  allocatable: {cpu: "32", memory: 64Gi, pods: "110", ephemeral-storage: 200Gi}
		  capacity: {cpu: "32", memory: 64Gi, pods: "110", ephemeral-storage: 200Gi}
		  nodeInfo:
		    architecture: amd64
		    operatingSystem: linux
		    kubeletVersion: $KUBE_VERSION
	EOF
}

# Creates the nodes that do not exist yet (existing ones are left as they are).
ensure_nodes() {
	local existing i
	existing=$(kctl get nodes -o name)
	for ((i = 0; i < NODES; i++)); do
		grep -qx "node/$(node_name "$i")" <<<"$existing" && continue
		node_manifest "$i" | kctl create -f - >&2
	done
}

apply_manifest() { kctl apply -f "$ASSETS/$1" >&2; }

# True when every node is Ready and has no taint left (the node controller removes not-ready's once Ready).
nodes_ready() {
	local states i
	states=$(kctl get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}/{.spec.taints[*].key}{"\n"}{end}')
	for ((i = 0; i < NODES; i++)); do
		grep -qx "$(node_name "$i")=True/" <<<"$states" || return 1
	done
}

default_service_account() { kctl -n default get serviceaccount default; }

default_storage_class() {
	[[ "$(kctl get storageclass standard -o jsonpath='{.metadata.annotations.storageclass\.kubernetes\.io/is-default-class}')" == true ]]
}

# --- commands ---------------------------------------------------------------------------------------------------

cmd_up() {
	[[ $NODES =~ ^[1-9][0-9]*$ ]] || die "CLUSTER_NODES must be a positive number (got '$NODES')"
	prepare_state_dir
	load_ports
	check_port_base_change
	resolve_binaries
	KUBE_VERSION=$("$BIN_DIR/kube-apiserver" --version | awk '{ print $2 }')
	log "cluster '$CLUSTER_NAME': kube-apiserver $KUBE_VERSION on https://127.0.0.1:$API_PORT, state in $STATE_DIR"
	ensure_pki
	write_configs
	ensure_component etcd
	ensure_component kube-apiserver
	apply_manifest rbac.yaml
	ensure_component kube-controller-manager
	ensure_component kube-scheduler
	ensure_nodes
	ensure_component kwok
	apply_manifest storageclass.yaml
	wait_for kwok "node(s) Ready" nodes_ready
	log "$NODES node(s) Ready ($(elapsed))"
	wait_for kube-controller-manager "the ServiceAccount default/default" default_service_account
	wait_for kube-apiserver "the default StorageClass" default_storage_class
	log "cluster '$CLUSTER_NAME' ready in $(elapsed); use: export KUBECONFIG=$ADMIN_KUBECONFIG"
	echo "$ADMIN_KUBECONFIG"
}

# A cluster keeps its ports while any of its processes runs (the kubeconfigs name the API server's port).
check_port_base_change() {
	local c
	[[ -n $RECORDED_PORT_BASE && $RECORDED_PORT_BASE != "$PORT_BASE" ]] || return 0
	for c in "${COMPONENTS[@]}"; do
		running_pid "$c" >/dev/null &&
			die "cluster '$CLUSTER_NAME' runs with CLUSTER_PORT_BASE=$RECORDED_PORT_BASE; run \`scripts/cluster.sh down\` before changing it"
	done
	return 0
}

# stop_component NAME: SIGTERM, then SIGKILL after STOP_GRACE_SECONDS; removes the pid file.
stop_component() {
	local name=$1 pid deadline
	if ! pid=$(running_pid "$name"); then
		[[ ! -f $PIDS/$name.pid ]] || log "$name: removing the stale pid file"
		rm -f "$PIDS/$name.pid"
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	deadline=$((SECONDS + STOP_GRACE_SECONDS))
	while running_pid "$name" >/dev/null && ((SECONDS < deadline)); do
		sleep 0.1
	done
	if running_pid "$name" >/dev/null; then
		log "$name (pid $pid) did not stop within ${STOP_GRACE_SECONDS}s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		while running_pid "$name" >/dev/null; do sleep 0.1; done
	fi
	rm -f "$PIDS/$name.pid"
	log "stopped $name (pid $pid)"
}

# Waits (up to 5 s) until nothing listens on the cluster's ports.
check_ports_free() {
	local busy deadline=$((SECONDS + 5))
	# shellcheck disable=SC2046
	while busy=$(listeners_on $(all_ports)) && [[ -n $busy ]]; do
		((SECONDS < deadline)) || die "ports still in use after stopping the cluster:"$'\n'"$busy"
		sleep 0.2
	done
}

cmd_down() {
	local purge=false i
	for arg in "$@"; do
		case $arg in
		--purge) purge=true ;;
		*) die "down: unknown option '$arg' (usage: scripts/cluster.sh down [--purge])" ;;
		esac
	done
	if [[ ! -d $STATE_DIR ]]; then
		log "no cluster state in $STATE_DIR: nothing to stop"
		return 0
	fi
	[[ -f $MARKER ]] || die "$STATE_DIR is not a cluster state directory (no ${MARKER##*/})"
	lock_state_dir
	load_ports
	for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
		stop_component "${COMPONENTS[i]}"
	done
	check_ports_free
	log "cluster '$CLUSTER_NAME' stopped; ports $PORT_BASE-$KWOK_PORT are free"
	if $purge; then
		purge_state_dir
	else
		log "state kept in $STATE_DIR (scripts/cluster.sh purge deletes it)"
	fi
}

cmd_restart() {
	local name=${1:-} kill=false down=0 known=false c
	[[ $# -eq 0 ]] || shift
	for c in "${COMPONENTS[@]}"; do [[ $c == "$name" ]] && known=true; done
	$known || die "restart: name a component: ${COMPONENTS[*]} (got '${name}')"
	while [[ $# -gt 0 ]]; do
		case $1 in
		--kill) kill=true ;;
		--down-seconds)
			[[ ${2:-} =~ ^[0-9]+$ ]] || die "restart: --down-seconds needs a whole number of seconds (got '${2:-}')"
			down=$2
			shift
			;;
		*) die "restart: unknown option '$1' (usage: scripts/cluster.sh restart COMPONENT [--kill] [--down-seconds N])" ;;
		esac
		shift
	done
	[[ -f $MARKER ]] || die "no cluster state in $STATE_DIR: run scripts/cluster.sh up first"
	lock_state_dir
	load_ports
	resolve_binaries
	running_pid "$name" >/dev/null || die "$name is not running: scripts/cluster.sh up starts the cluster"
	if $kill; then
		kill -KILL "$(running_pid "$name")"
		while running_pid "$name" >/dev/null; do sleep 0.1; done
		rm -f "$PIDS/$name.pid"
		log "killed $name (SIGKILL)"
	else
		stop_component "$name"
	fi
	sleep "$down"
	ensure_component "$name"
}

purge_state_dir() {
	[[ -f $MARKER ]] || die "$STATE_DIR is not a cluster state directory (no ${MARKER##*/}); not deleting it"
	rm -rf "$STATE_DIR"
	log "deleted $STATE_DIR"
}

cmd_status() {
	local c pid health rc=0
	load_ports
	printf '%-24s %-8s %-12s %s\n' COMPONENT PID PORTS HEALTH
	for c in "${COMPONENTS[@]}"; do
		if pid=$(running_pid "$c"); then
			if healthy "$c"; then health=ok; else
				health=unhealthy
				rc=3
			fi
		else
			pid=-
			health=stopped
			rc=3
		fi
		printf '%-24s %-8s %-12s %s\n' "$c" "$pid" "$(component_ports "$c" | tr ' ' ,)" "$health"
	done
	printf 'kubeconfig: %s\nstate: %s\n' "$ADMIN_KUBECONFIG" "$STATE_DIR"
	return $rc
}

cmd_pki() {
	prepare_state_dir
	ensure_pki
	log "PKI in $PKI"
}

main() {
	local cmd=${1:-}
	[[ $# -eq 0 ]] || shift
	case $cmd in
	up) cmd_up "$@" ;;
	down) cmd_down "$@" ;;
	purge)
		cmd_down "$@"
		[[ ! -d $STATE_DIR ]] || purge_state_dir
		;;
	restart) cmd_restart "$@" ;;
	status) cmd_status ;;
	env) printf 'export KUBECONFIG=%q\n' "$ADMIN_KUBECONFIG" ;;
	pki) cmd_pki ;;
	-h | --help | help) usage ;;
	*)
		usage >&2
		return 2
		;;
	esac
}

main "$@"
