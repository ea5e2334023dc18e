#!/usr/bin/env bash
# kube-test-cluster.sh — a real Kubernetes API for kvault's integration tests
# (the "envtest" pattern: etcd + kube-apiserver, no kubelet, no controller
# manager, no scheduler). Everything listens on 127.0.0.1 only.
#
# Usage:
#   scripts/kube-test-cluster.sh start DIR [--encryption none|identity|aescbc|secretbox|identity-then-secretbox]
#                                          [--etcd-prefix PREFIX]   (default /registry)
#                                          [--apiserver-arg ARG]... (one more kube-apiserver flag,
#                                          e.g. --watch-cache-sizes=secrets#0)
#   scripts/kube-test-cluster.sh stop DIR
#   scripts/kube-test-cluster.sh status DIR      # exit 0 if both processes run
#
# `start` builds/finds the binaries through scripts/kube-build.sh (the first
# run ever builds kube-apiserver: minutes), starts etcd and kube-apiserver on
# free loopback ports, waits until /readyz is 200 (60 s timeout; on failure
# prints the log tails, stops what it started and exits non-zero), creates
# the ServiceAccount default/default (no controller manager runs to do it)
# and then writes into DIR:
#
#   DIR/env                  shell-sourceable KEY=VALUE lines (values unquoted):
#     KVAULT_TEST_KUBE_SERVER=https://127.0.0.1:<port>
#     KVAULT_TEST_ETCD_ENDPOINT=http://127.0.0.1:<port>
#     KVAULT_TEST_ETCD_PREFIX=<the apiserver's --etcd-prefix>
#     KVAULT_TEST_KUBE_CA=DIR/pki/ca.crt
#     KVAULT_TEST_KUBE_DIR=DIR
#     KVAULT_TEST_KUBE_ENCRYPTION=<variant>
#     KVAULT_TEST_KUBE_ENCRYPTION_CONFIG=DIR/encryption-config.yaml   (empty for none)
#     KVAULT_TEST_KUBECONFIG_ADMIN=DIR/kubeconfig-admin    (and _ALICE, _BOB, _CAROL)
#     KVAULT_TEST_KUBE_TOKEN_ADMIN=<bearer token>          (and _ALICE, _BOB, _CAROL)
#   DIR/kubeconfig-<user>    one per user; cluster CA inlined
#                            (certificate-authority-data), bearer token, context
#                            "kvault-test" (namespace default) set as current
#   DIR/tokens.csv           the --token-auth-file (token,user,uid,"groups")
#   DIR/pki/                 ca.crt/ca.key, apiserver.crt/.key, sa.key/sa.pub
#   DIR/encryption-config.yaml  (unless --encryption none)
#   DIR/etcd/                etcd data;   DIR/etcd.log, DIR/kube-apiserver.log
#   DIR/pids                 "etcd <pid>" and "kube-apiserver <pid>" for stop
#
# Users (tokens are random per cluster; read them from DIR/env or the kubeconfig):
#   admin  groups system:masters      (everything)
#   alice  no groups                  (only what system:authenticated gets)
#   bob    no groups                  (likewise)
#   carol  group dev-team             (likewise, until a test binds dev-team)
#
# Encryption variants (EncryptionConfiguration for resource "secrets", key name key1):
#   none                     no --encryption-provider-config (the default)
#   identity                 providers: identity
#   aescbc                   providers: aescbc(key1, random 32 bytes), identity
#   secretbox                providers: secretbox(key1, random 32 bytes), identity
#   identity-then-secretbox  providers: identity, secretbox(key1, random 32 bytes)
#
# `stop` sends SIGTERM to kube-apiserver then etcd, waits for them (SIGKILL
# after 20 s) and removes DIR/pids; it leaves the rest of DIR in place.
#
# Environment:
#   KVAULT_KUBE_APISERVER, KVAULT_ETCD   use these binaries instead of asking
#                                        scripts/kube-build.sh
#   KVAULT_TEST_KUBE_READY_TIMEOUT       seconds to wait for /readyz (default 60)
#
# DIR must be an absolute or relative path without whitespace or shell
# metacharacters (the env file is not quoted). It is created if missing; a
# DIR with a running cluster is refused. The ServiceAccount admission plugin
# stays enabled: Pods can be created in namespace "default"; in a namespace
# a test creates, create the ServiceAccount "default" first.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
USERS=(admin alice bob carol)
# The apiserver's --etcd-prefix (start --etcd-prefix changes it).
ETCD_PREFIX=/registry
# More kube-apiserver flags (start --apiserver-arg adds one).
APISERVER_EXTRA_ARGS=()

log() { printf '[kube-test-cluster] %s\n' "$*" >&2; }
die() { printf '[kube-test-cluster] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

# ----------------------------------------------------------------- helpers --

abs_dir() {
  local d="$1"
  [[ "$d" =~ ^[A-Za-z0-9_./+@:-]+$ ]] || die "DIR '$d' must not contain whitespace or shell metacharacters"
  mkdir -p "$d"
  (cd "$d" && pwd -P)
}

# Is a TCP port on 127.0.0.1 free? (Nothing accepts a connection there.)
port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A random port below the Linux ephemeral range that nothing listens on.
# Races with other processes are handled by retrying the start.
free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$((20000 + (RANDOM % 12000)))
    if port_free "$p"; then
      echo "$p"
      return 0
    fi
  done
  die "no free loopback port found"
}

# Does PID run the binary named $2 with DIR ($3) on its command line?
# (Guards stop/status against reused PIDs.)
pid_is() {
  local pid="$1" name="$2" dir="$3" cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ "$cmdline" == *"$name"* && "$cmdline" == *"$dir"* ]]
}

# Stop one process: SIGTERM, wait up to 20 s, then SIGKILL and wait.
stop_pid() {
  local pid="$1" name="$2" dir="$3" i
  pid_is "$pid" "$name" "$dir" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || return 0
    # A zombie (our own child, not reaped yet) counts as stopped.
    if [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]]; then return 0; fi
    sleep 0.1
  done
  log "$name ($pid) did not stop after SIGTERM; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    if [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]]; then return 0; fi
    sleep 0.1
  done
  log "WARNING: $name ($pid) still there after SIGKILL"
}

stop_from_pids_file() {
  local dir="$1" name pid
  [[ -f "$dir/pids" ]] || return 0
  # kube-apiserver first, then etcd.
  for want in kube-apiserver etcd; do
    while read -r name pid; do
      if [[ "$name" == "$want" ]]; then
        stop_pid "$pid" "$name" "$dir"
      fi
    done <"$dir/pids"
  done
  rm -f "$dir/pids"
}

tail_log() {
  local f="$1"
  [[ -f "$f" ]] || return 0
  printf '%s\n' "----- last 40 lines of $f -----" >&2
  tail -n 40 "$f" >&2 || true
  printf '%s\n' "-----" >&2
}

# Find the binaries: from the environment or from scripts/kube-build.sh.
find_binaries() {
  if [[ -n "${KVAULT_KUBE_APISERVER:-}" && -x "${KVAULT_KUBE_APISERVER}" &&
    -n "${KVAULT_ETCD:-}" && -x "${KVAULT_ETCD}" ]]; then
    APISERVER_BIN="$KVAULT_KUBE_APISERVER"
    ETCD_BIN="$KVAULT_ETCD"
    return 0
  fi
  local out key value
  out=$("$SCRIPT_DIR/kube-build.sh") || die "scripts/kube-build.sh failed"
  while IFS='=' read -r key value; do
    case "$key" in
      KVAULT_KUBE_APISERVER) APISERVER_BIN="$value" ;;
      KVAULT_ETCD) ETCD_BIN="$value" ;;
    esac
  done <<<"$out"
  [[ -x "${APISERVER_BIN:-}" ]] || die "kube-build.sh gave no kube-apiserver"
  [[ -x "${ETCD_BIN:-}" ]] || die "kube-build.sh gave no etcd"
}

# -------------------------------------------------------------------- PKI --

gen_pki() {
  local pki="$1/pki"
  mkdir -p "$pki"
  chmod 700 "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" \
    -subj "/CN=kvault-test-ca" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -sha256 \
    -keyout "$pki/apiserver.key" -out "$pki/apiserver.csr" \
    -subj "/CN=kube-apiserver" 2>/dev/null
  cat >"$pki/apiserver.ext" <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EOF
  openssl x509 -req -sha256 -days 3650 -in "$pki/apiserver.csr" \
    -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -extfile "$pki/apiserver.ext" -out "$pki/apiserver.crt" 2>/dev/null
  rm -f "$pki/apiserver.csr" "$pki/ca.srl"
  # Service account token signing key.
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/sa.key" 2>/dev/null
  openssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  chmod 600 "$pki"/*.key
}

# ------------------------------------------------------------- encryption --

write_encryption_config() {
  local file="$1" variant="$2" key
  key=$(openssl rand -base64 32)
  local aescbc secretbox identity
  identity="      - identity: {}"
  aescbc="      - aescbc:
          keys:
            - name: key1
              secret: $key"
  secretbox="      - secretbox:
          keys:
            - name: key1
              secret: $key"
  local providers
  case "$variant" in
    identity) providers="$identity" ;;
    aescbc) providers="$aescbc"$'\n'"$identity" ;;
    secretbox) providers="$secretbox"$'\n'"$identity" ;;
    identity-then-secretbox) providers="$identity"$'\n'"$secretbox" ;;
    *) die "unknown encryption variant '$variant'" ;;
  esac
  (
    umask 077
    cat >"$file" <<EOF
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources:
      - secrets
    providers:
$providers
EOF
  )
}

# ------------------------------------------------------------------ users --

gen_tokens() {
  local dir="$1" u token
  (
    umask 077
    : >"$dir/tokens.csv"
    for u in "${USERS[@]}"; do
      token="kvault-$u-$(openssl rand -hex 16)"
      case "$u" in
        admin) echo "$token,admin,uid-admin,\"system:masters\"" ;;
        carol) echo "$token,carol,uid-carol,\"dev-team\"" ;;
        *) echo "$token,$u,uid-$u" ;;
      esac >>"$dir/tokens.csv"
    done
  )
}

token_of() {
  local dir="$1" user="$2"
  awk -F, -v u="$user" '$2 == u { print $1 }' "$dir/tokens.csv"
}

write_kubeconfig() {
  local dir="$1" user="$2" server="$3" ca_data token
  ca_data=$(base64 -w0 <"$dir/pki/ca.crt")
  token=$(token_of "$dir" "$user")
  (
    umask 077
    cat >"$dir/kubeconfig-$user" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: kvault-test
    cluster:
      server: $server
      certificate-authority-data: $ca_data
users:
  - name: $user
    user:
      token: $token
contexts:
  - name: kvault-test
    context:
      cluster: kvault-test
      user: $user
      namespace: default
current-context: kvault-test
preferences: {}
EOF
  )
}

# ---------------------------------------------------------------- process --

# Start a detached process (own session, survives this script), print its PID.
spawn() {
  local logfile="$1"
  shift
  setsid "$@" </dev/null >>"$logfile" 2>&1 &
  echo $!
}

ETCD_PID=""
APISERVER_PID=""
ETCD_PORT=""
APISERVER_PORT=""

start_etcd() {
  local dir="$1" attempt peer i
  mkdir -p "$dir/etcd"
  chmod 700 "$dir/etcd"
  for attempt in 1 2 3 4 5; do
    ETCD_PORT=$(free_port)
    peer=$(free_port)
    [[ "$peer" == "$ETCD_PORT" ]] && continue
    printf '%s\n' "=== start attempt $attempt: client port $ETCD_PORT, peer port $peer" >>"$dir/etcd.log"
    ETCD_PID=$(spawn "$dir/etcd.log" "$ETCD_BIN" \
      --name kvault-test \
      --data-dir "$dir/etcd" \
      --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
      --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
      --listen-peer-urls "http://127.0.0.1:$peer" \
      --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
      --initial-cluster "kvault-test=http://127.0.0.1:$peer" \
      --initial-cluster-state new \
      --logger zap --log-outputs stderr --log-level warn)
    for i in $(seq 1 150); do
      if ! kill -0 "$ETCD_PID" 2>/dev/null; then
        break
      fi
      if curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_PORT/health" 2>/dev/null | grep -q '"health":"true"'; then
        return 0
      fi
      sleep 0.1
    done
    if kill -0 "$ETCD_PID" 2>/dev/null; then
      tail_log "$dir/etcd.log"
      die "etcd did not become healthy in 15 s"
    fi
    if grep -q 'address already in use' "$dir/etcd.log"; then
      log "etcd port clash; retrying with other ports"
      continue
    fi
    tail_log "$dir/etcd.log"
    die "etcd exited during start"
  done
  die "could not start etcd after 5 attempts"
}

start_apiserver() {
  local dir="$1" encryption="$2" attempt i code timeout
  timeout="${KVAULT_TEST_KUBE_READY_TIMEOUT:-60}"
  local enc_args=()
  if [[ "$encryption" != none ]]; then
    enc_args=(--encryption-provider-config="$dir/encryption-config.yaml")
  fi
  for attempt in 1 2 3 4 5; do
    APISERVER_PORT=$(free_port)
    printf '%s\n' "=== start attempt $attempt: secure port $APISERVER_PORT" >>"$dir/kube-apiserver.log"
    APISERVER_PID=$(spawn "$dir/kube-apiserver.log" "$APISERVER_BIN" \
      --bind-address=127.0.0.1 \
      --advertise-address=127.0.0.1 \
      --secure-port="$APISERVER_PORT" \
      --endpoint-reconciler-type=none \
      --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
      --etcd-prefix="$ETCD_PREFIX" \
      --service-cluster-ip-range=10.0.0.0/24 \
      --service-account-issuer=https://kubernetes.default.svc.cluster.local \
      --service-account-key-file="$dir/pki/sa.pub" \
      --service-account-signing-key-file="$dir/pki/sa.key" \
      --authorization-mode=Node,RBAC \
      --token-auth-file="$dir/tokens.csv" \
      --client-ca-file="$dir/pki/ca.crt" \
      --tls-cert-file="$dir/pki/apiserver.crt" \
      --tls-private-key-file="$dir/pki/apiserver.key" \
      --cert-dir="$dir/pki" \
      --allow-privileged=true \
      --profiling=false \
      "${enc_args[@]}" "${APISERVER_EXTRA_ARGS[@]}")
    for ((i = 0; i < timeout * 5; i++)); do
      if ! kill -0 "$APISERVER_PID" 2>/dev/null; then
        break
      fi
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
        --cacert "$dir/pki/ca.crt" \
        -H "Authorization: Bearer $(token_of "$dir" admin)" \
        "https://127.0.0.1:$APISERVER_PORT/readyz" || true)
      if [[ "$code" == 200 ]]; then
        return 0
      fi
      sleep 0.2
    done
    if kill -0 "$APISERVER_PID" 2>/dev/null; then
      tail_log "$dir/kube-apiserver.log"
      die "kube-apiserver not ready after ${timeout} s (last /readyz status: ${code:-none})"
    fi
    if grep -q 'address already in use' "$dir/kube-apiserver.log"; then
      log "kube-apiserver port clash; retrying with another port"
      continue
    fi
    tail_log "$dir/kube-apiserver.log"
    die "kube-apiserver exited during start"
  done
  die "could not start kube-apiserver after 5 attempts"
}

# POST a JSON object as admin; accept 201 (created) or 409 (exists).
# Retries for a while: the "default" namespace appears shortly after /readyz.
admin_create() {
  local dir="$1" path="$2" body="$3" code i
  for i in $(seq 1 100); do
    code=$(curl -s -o "$dir/.last-response" -w '%{http_code}' --max-time 5 \
      --cacert "$dir/pki/ca.crt" \
      -H "Authorization: Bearer $(token_of "$dir" admin)" \
      -H 'Content-Type: application/json' -X POST --data "$body" \
      "https://127.0.0.1:$APISERVER_PORT$path" || true)
    case "$code" in
      201 | 409) rm -f "$dir/.last-response"; return 0 ;;
    esac
    sleep 0.1
  done
  cat "$dir/.last-response" >&2 2>/dev/null || true
  die "POST $path failed (HTTP $code)"
}

write_env() {
  local dir="$1" encryption="$2" u U enc_file=""
  if [[ "$encryption" != none ]]; then
    enc_file="$dir/encryption-config.yaml"
  fi
  {
    echo "KVAULT_TEST_KUBE_SERVER=https://127.0.0.1:$APISERVER_PORT"
    echo "KVAULT_TEST_ETCD_ENDPOINT=http://127.0.0.1:$ETCD_PORT"
    echo "KVAULT_TEST_ETCD_PREFIX=$ETCD_PREFIX"
    echo "KVAULT_TEST_KUBE_CA=$dir/pki/ca.crt"
    echo "KVAULT_TEST_KUBE_DIR=$dir"
    echo "KVAULT_TEST_KUBE_ENCRYPTION=$encryption"
    echo "KVAULT_TEST_KUBE_ENCRYPTION_CONFIG=$enc_file"
    for u in "${USERS[@]}"; do
      U=$(tr '[:lower:]' '[:upper:]' <<<"$u")
      echo "KVAULT_TEST_KUBECONFIG_$U=$dir/kubeconfig-$u"
    done
    for u in "${USERS[@]}"; do
      U=$(tr '[:lower:]' '[:upper:]' <<<"$u")
      echo "KVAULT_TEST_KUBE_TOKEN_$U=$(token_of "$dir" "$u")"
    done
  } >"$dir/env.tmp"
  chmod 600 "$dir/env.tmp"
  mv -f "$dir/env.tmp" "$dir/env"
}

# -------------------------------------------------------------- commands --

cmd_start() {
  local dir="" encryption=none
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --encryption) [[ $# -ge 2 ]] || usage; encryption="$2"; shift 2 ;;
      --encryption=*) encryption="${1#--encryption=}"; shift ;;
      --etcd-prefix) [[ $# -ge 2 ]] || usage; ETCD_PREFIX="$2"; shift 2 ;;
      --etcd-prefix=*) ETCD_PREFIX="${1#--etcd-prefix=}"; shift ;;
      --apiserver-arg) [[ $# -ge 2 ]] || usage; APISERVER_EXTRA_ARGS+=("$2"); shift 2 ;;
      --apiserver-arg=*) APISERVER_EXTRA_ARGS+=("${1#--apiserver-arg=}"); shift ;;
      -h | --help) usage ;;
      -*) die "unknown option '$1'" ;;
      *) [[ -z "$dir" ]] || usage; dir="$1"; shift ;;
    esac
  done
  [[ -n "$dir" ]] || usage
  case "$encryption" in
    none | identity | aescbc | secretbox | identity-then-secretbox) ;;
    *) die "--encryption must be none|identity|aescbc|secretbox|identity-then-secretbox, not '$encryption'" ;;
  esac
  [[ "$ETCD_PREFIX" =~ ^/[A-Za-z0-9._/-]*$ ]] || die "--etcd-prefix must be an absolute key path like /registry, not '$ETCD_PREFIX'"
  command -v curl >/dev/null || die "curl is needed"
  command -v openssl >/dev/null || die "openssl is needed"

  dir=$(abs_dir "$dir")
  if cmd_status_quiet "$dir"; then
    die "a cluster already runs in $dir (stop it first)"
  fi
  stop_from_pids_file "$dir" # leftovers of a half-dead cluster

  find_binaries

  local t0 t1
  t0=$(date +%s.%N)
  # Fresh state each start.
  rm -rf "$dir/etcd" "$dir/pki" "$dir/env" "$dir"/kubeconfig-* "$dir/tokens.csv" \
    "$dir/encryption-config.yaml" "$dir/etcd.log" "$dir/kube-apiserver.log"

  gen_pki "$dir"
  gen_tokens "$dir"
  if [[ "$encryption" != none ]]; then
    write_encryption_config "$dir/encryption-config.yaml" "$encryption"
  fi

  # From here on, a failure stops whatever was started.
  trap 'stop_pid "$APISERVER_PID" kube-apiserver "$dir"; stop_pid "$ETCD_PID" etcd "$dir"; rm -f "$dir/pids"' EXIT

  start_etcd "$dir"
  echo "etcd $ETCD_PID" >"$dir/pids"
  start_apiserver "$dir" "$encryption"
  echo "kube-apiserver $APISERVER_PID" >>"$dir/pids"

  local server="https://127.0.0.1:$APISERVER_PORT" u
  for u in "${USERS[@]}"; do
    write_kubeconfig "$dir" "$u" "$server"
  done
  # No controller manager: create what it would have created for tests.
  admin_create "$dir" /api/v1/namespaces/default/serviceaccounts \
    '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"default","namespace":"default"}}'
  write_env "$dir" "$encryption"

  trap - EXIT
  t1=$(date +%s.%N)
  log "ready in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s: $server (etcd http://127.0.0.1:$ETCD_PORT, encryption $encryption)"
  log "env: $dir/env"
}

cmd_status_quiet() {
  local dir="$1" name pid n=0
  [[ -f "$dir/pids" ]] || return 1
  while read -r name pid; do
    pid_is "$pid" "$name" "$dir" || return 1
    n=$((n + 1))
  done <"$dir/pids"
  [[ $n -eq 2 ]]
}

cmd_stop() {
  [[ $# -eq 1 ]] || usage
  local dir="$1"
  [[ -d "$dir" ]] || die "no such directory: $dir"
  dir=$(cd "$dir" && pwd -P)
  if [[ ! -f "$dir/pids" ]]; then
    log "nothing to stop in $dir"
    return 0
  fi
  stop_from_pids_file "$dir"
  log "stopped cluster in $dir"
}

cmd_status() {
  [[ $# -eq 1 ]] || usage
  local dir="$1"
  [[ -d "$dir" ]] || die "no such directory: $dir"
  dir=$(cd "$dir" && pwd -P)
  if cmd_status_quiet "$dir"; then
    echo running
  else
    echo stopped
    return 1
  fi
}

[[ $# -ge 1 ]] || usage
command="$1"
shift
case "$command" in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  status) cmd_status "$@" ;;
  -h | --help | help) usage ;;
  *) usage ;;
esac
