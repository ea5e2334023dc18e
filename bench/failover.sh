#!/usr/bin/env bash
# bench/failover.sh — what a dead first address in VAULT_ADDR costs: one
# `kvault get` against the live server alone, and with a stopped server
# listed before it (connection refused, then the next address). A stalled
# first address costs the request deadline instead (KVAULT_VAULT_TIMEOUT),
# which is not measured here: it is the setting.
#
#   bench/failover.sh [RESULTS_FILE]     (default: bench/results/failover.md)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/failover.md}
mkdir -p "$(dirname "$out")"
eval "$(scripts/install-test-deps.sh 2>/dev/null | sed 's/^/export /')"
# shellcheck source=bench/common.sh
. bench/common.sh
bao=$KVAULT_TEST_BAO
work=$(mktemp -d)
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
live=$(port)
dead=$(port)
HOME=$work "$bao" server -dev -dev-listen-address="127.0.0.1:$live" -dev-root-token-id=bench >"$work/bao.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
export VAULT_TOKEN=bench
for _ in $(seq 100); do
    BAO_ADDR=http://127.0.0.1:$live BAO_TOKEN=bench "$bao" status >/dev/null 2>&1 && break
    sleep 0.1
done
BAO_ADDR=http://127.0.0.1:$live BAO_TOKEN=bench "$bao" kv put secret/app pass=bench-value >/dev/null

hyperfine -N --warmup 5 --runs 50 --export-markdown "$work/get.md" \
    -n "kvault get (VAULT_ADDR=live)" \
    "env VAULT_ADDR=http://127.0.0.1:$live $kvault get vault:secret/app#pass" \
    -n "kvault get (VAULT_ADDR=dead,live)" \
    "env VAULT_ADDR=http://127.0.0.1:$dead,http://127.0.0.1:$live $kvault get vault:secret/app#pass" >/dev/null
{
    echo "# Store failover: a dead first address"
    echo
    echo "- date: $(date -u +%F)  machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo "- kvault: $("$kvault" --version)  OpenBao: $("$bao" version | head -1)"
    echo "- command: \`bench/failover.sh\`; the dead address is a free loopback port (connection refused)"
    echo "- ratio dead,live / live: **$(python3 - "$work/get.md" <<'PY'
import sys
rows = [l.split("|") for l in open(sys.argv[1]) if l.startswith("| `")]
means = [float(r[2].split("±")[0]) for r in rows]
print(f"{means[1] / means[0]:.2f}")
PY
)**"
    echo
    cat "$work/get.md"
} >"$out"
cat "$out"
