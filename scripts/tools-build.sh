#!/usr/bin/env bash
# tools-build.sh — build the Go tools kvault's manifest tests drive for real:
# helm (its post-renderer plugins and `helm template`) and kustomize (KRM
# exec functions, which kubectl's bundled kustomize cannot run: it lacks
# --enable-exec). Both come from the Go module proxy, pinned, and are cached
# under ${KVAULT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kvault}/<tool>-<version>/.
#
# Usage: scripts/tools-build.sh   # prints KVAULT_TEST_HELM=... and KVAULT_TEST_KUSTOMIZE=...
# The first run pays ~3.5 min on 2 cores (helm ~3 min, kustomize ~25 s).
set -euo pipefail

HELM_VERSION="v4.3.2"
KUSTOMIZE_VERSION="v5.8.0"   # v5.8.3 needs Go 1.27
CACHE_ROOT="${KVAULT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kvault}"

log() { printf '[tools-build] %s\n' "$*" >&2; }
die() { printf '[tools-build] ERROR: %s\n' "$*" >&2; exit 1; }

# build NAME MODULE VERSION: go install MODULE@VERSION into the cache.
build() {
    local name=$1 module=$2 version=$3
    local dir="$CACHE_ROOT/$name-$version"
    if [[ -x "$dir/$name" && "$(cat "$dir/.complete" 2>/dev/null)" == "$version" ]]; then
        printf '%s\n' "$dir/$name"
        return
    fi
    command -v go >/dev/null 2>&1 || die "go is needed to build $name (not on PATH)"
    log "building $name $version from the Go module proxy (first run only)"
    mkdir -p "$dir"
    rm -f "$dir/.complete"
    # The version goes into the binary the way the projects' own Makefiles put it.
    local ldflags="-s -w"
    case $name in
        helm) ldflags+=" -X helm.sh/helm/v4/internal/version.version=$version" ;;
    esac
    GOFLAGS="-mod=mod -buildvcs=false" GOBIN="$dir" nice -n 10 \
        go install -trimpath -ldflags "$ldflags" "$module@$version" >&2 \
        || die "go install $module@$version failed"
    printf '%s\n' "$version" > "$dir/.complete"
    printf '%s\n' "$dir/$name"
}

mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/tools-build.lock"
flock 9
helm=$(build helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION")
kustomize=$(build kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION")
flock -u 9
log "helm: $("$helm" version --short 2>/dev/null || echo "$HELM_VERSION")"
log "kustomize: $("$kustomize" version 2>/dev/null || echo "$KUSTOMIZE_VERSION")"
echo "KVAULT_TEST_HELM=$helm"
echo "KVAULT_TEST_KUSTOMIZE=$kustomize"
