#!/usr/bin/env bash
# kube-build.sh — make the binaries of the integration-test Kubernetes API
# available: kube-apiserver (built from source through the Go module proxy,
# cached) and etcd (Debian's etcd-server package; etcdctl from etcd-client).
#
# Usage:
#   scripts/kube-build.sh            # build/find everything, print the paths
#
# Output (stdout, shell-sourceable, nothing else is printed on stdout):
#   KVAULT_KUBE_APISERVER=/root/.cache/kvault/kube-apiserver-v1.34.12/kube-apiserver
#   KVAULT_ETCD=/usr/bin/etcd
#   KVAULT_ETCDCTL=/usr/bin/etcdctl
# Progress and build logs go to stderr.
#
# Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/kvault/kube-apiserver-<version>/.
# Only the first run pays for the build (~5 min, ~2 GB RAM on 2 cores); later
# runs only check that the cached binary is there. Concurrent runs are
# serialised with flock on <cache>/kvault/kube-build.lock.
#
# Environment:
#   KVAULT_KUBE_VERSION   override the pinned version (default below; must be v1.34.x
#                         because the Rust client uses k8s-openapi's v1_34 feature)
#   KVAULT_CACHE_DIR      override the cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/kvault)
#   KVAULT_NO_APT=1       never run apt-get (fail if etcd is missing)
#
# How the build works: k8s.io/kubernetes requires its staging modules
# (k8s.io/api, k8s.io/apiserver, ...) at v0.0.0 and replaces them with
# ./staging/src/... paths, which do not apply to a dependent module. So the
# script generates a tiny wrapper module that requires k8s.io/kubernetes
# vX.Y.Z and replaces every staging module (list taken from kubernetes' own
# go.mod) with its published v0.Y.Z tag, then `go build`s cmd/kube-apiserver.
set -euo pipefail

KUBE_VERSION="${KVAULT_KUBE_VERSION:-v1.34.12}"
CACHE_ROOT="${KVAULT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kvault}"

log() { printf '[kube-build] %s\n' "$*" >&2; }
die() { printf '[kube-build] ERROR: %s\n' "$*" >&2; exit 1; }

[[ "$KUBE_VERSION" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || die "bad KVAULT_KUBE_VERSION '$KUBE_VERSION' (want v1.MINOR.PATCH)"
KUBE_MINOR="${BASH_REMATCH[1]}"
KUBE_PATCH="${BASH_REMATCH[2]}"
STAGING_VERSION="v0.${KUBE_MINOR}.${KUBE_PATCH}"

APISERVER_DIR="$CACHE_ROOT/kube-apiserver-$KUBE_VERSION"
APISERVER_BIN="$APISERVER_DIR/kube-apiserver"

mkdir -p "$CACHE_ROOT"

# ---------------------------------------------------------------- etcd ----
ensure_etcd() {
  if command -v etcd >/dev/null 2>&1 && command -v etcdctl >/dev/null 2>&1; then
    return 0
  fi
  [[ "${KVAULT_NO_APT:-}" == 1 ]] && die "etcd/etcdctl not on PATH and KVAULT_NO_APT=1"
  command -v apt-get >/dev/null 2>&1 || die "etcd not on PATH and no apt-get to install it"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "etcd not on PATH; need root or sudo to apt-get install it"
    sudo=(sudo)
  fi
  log "installing etcd-server and etcd-client with apt-get"
  # The Debian package registers a systemd unit; no daemon is wanted (and in a
  # container none is started). Each test cluster runs its own etcd.
  if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q etcd-server etcd-client >&2; then
    log "apt-get install failed; running apt-get update and retrying"
    "${sudo[@]}" apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q etcd-server etcd-client >&2
  fi
  command -v etcd >/dev/null 2>&1 || die "etcd still not on PATH after apt-get install"
}

# ------------------------------------------------------- kube-apiserver ----
apiserver_ok() {
  [[ -x "$APISERVER_BIN" && -f "$APISERVER_DIR/.complete" ]] &&
    [[ "$(cat "$APISERVER_DIR/.complete")" == "$KUBE_VERSION" ]]
}

build_apiserver() {
  command -v go >/dev/null 2>&1 || die "go is needed to build kube-apiserver (not on PATH)"
  local start end work gomod
  start=$(date +%s)
  log "building kube-apiserver $KUBE_VERSION (first run only; takes minutes)"
  mkdir -p "$APISERVER_DIR"
  work="$APISERVER_DIR/src"
  rm -rf "$work"
  mkdir -p "$work"

  export GOFLAGS="-mod=mod -buildvcs=false"
  export CGO_ENABLED=0
  # Modules come from the Go module proxy (GOPROXY as configured; the default
  # proxy.golang.org also serves the checksum database). Use the installed
  # Go; it must satisfy kubernetes' go directive (go 1.25 for v1.34.x).
  export GOTOOLCHAIN=local

  # Kubernetes' own go.mod tells which k8s.io/* modules are staging modules.
  gomod=$(cd "$work" && go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  [[ -n "$gomod" && -f "$gomod" ]] || die "could not download go.mod of k8s.io/kubernetes@$KUBE_VERSION"

  local staging
  staging=$(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\)[[:space:]]*=>[[:space:]]*\./staging/src/.*#\1#p' "$gomod" | sort -u)
  [[ -n "$staging" ]] || die "no staging replace lines found in $gomod"
  local go_directive
  go_directive=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$gomod" | head -n1)

  {
    echo "// Generated by kvault scripts/kube-build.sh; not committed."
    echo "module kvault.invalid/kube-apiserver-build"
    echo
    echo "go ${go_directive:-1.24.0}"
    echo
    # Same runtime defaults as the upstream build.
    grep -E '^godebug ' "$gomod" || true
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    local m
    for m in $staging; do
      echo "	$m => $m $STAGING_VERSION"
    done
    echo ")"
  } >"$work/go.mod"
  log "wrapper module: $work/go.mod ($(wc -w <<<"$staging") staging replaces -> $STAGING_VERSION)"

  local ldflags="-s -w"
  ldflags+=" -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION"
  ldflags+=" -X k8s.io/component-base/version.gitMajor=1"
  ldflags+=" -X k8s.io/component-base/version.gitMinor=$KUBE_MINOR"
  ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"

  (
    cd "$work"
    # nice: this usually runs next to other builds on a small machine.
    nice -n 10 go build -trimpath -ldflags "$ldflags" \
      -o "$APISERVER_BIN.tmp" k8s.io/kubernetes/cmd/kube-apiserver >&2
  ) || die "go build of kube-apiserver failed"

  mv -f "$APISERVER_BIN.tmp" "$APISERVER_BIN"
  local got
  got=$("$APISERVER_BIN" --version 2>/dev/null || true)
  [[ "$got" == "Kubernetes $KUBE_VERSION" ]] || die "built binary reports '$got', expected 'Kubernetes $KUBE_VERSION'"
  echo "$KUBE_VERSION" >"$APISERVER_DIR/.complete"
  rm -rf "$work"
  end=$(date +%s)
  log "built $APISERVER_BIN in $((end - start)) s"
}

ensure_apiserver() {
  apiserver_ok && return 0
  local lock="$CACHE_ROOT/kube-build.lock"
  exec 9>"$lock"
  log "taking build lock $lock"
  flock 9
  # Another run may have finished the build while we waited.
  apiserver_ok || build_apiserver
  flock -u 9
  exec 9>&-
}

ensure_etcd
ensure_apiserver

printf 'KVAULT_KUBE_APISERVER=%s\n' "$APISERVER_BIN"
printf 'KVAULT_ETCD=%s\n' "$(command -v etcd)"
printf 'KVAULT_ETCDCTL=%s\n' "$(command -v etcdctl)"
