#!/usr/bin/env bash
# bench/sync.sh — `kvault sync` of 1,000 secrets from OpenBao to a real
# kube-apiserver (the test cluster: etcd + kube-apiserver, no kubelet).
#
#   bench/sync.sh [RESULTS_FILE]     (default: bench/results/sync.md)
#   N=200 bench/sync.sh /tmp/x.md    (fewer secrets, for a quick look)
#
# Cases (hyperfine, 3 runs each):
#   first-sync   every Secret created (the namespace's Secrets are deleted
#                before each run with one deletecollection call)
#   noop-rerun   nothing changed: reads only, zero writes
# API calls are counted from kube-apiserver's own `apiserver_request_total`
# (resource="secrets", split by verb) before/after one run of each case, and
# OpenBao's from a file audit device enabled for those two runs only.
# Targets: first sync < 20 s, no-op rerun < 3 s with zero write calls.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/sync.md}
n=${N:-1000}
mkdir -p "$(dirname "$out")"

eval "$(scripts/install-test-deps.sh | sed 's/^/export /')"
# shellcheck source=bench/common.sh
. bench/common.sh

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# OpenBao refuses audit devices made over the API unless its config allows it.
echo 'unsafe_allow_api_audit_creation = true' >"$work/bao.hcl"
HOME=$work "$KVAULT_TEST_BAO" server -dev -config="$work/bao.hcl" -dev-listen-address="127.0.0.1:$port" -dev-root-token-id=bench >"$work/bao.log" 2>&1 &
bao_pid=$!
cleanup() {
    kill "$bao_pid" 2>/dev/null || true
    scripts/kube-test-cluster.sh stop "$work/kube" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
export VAULT_ADDR="http://127.0.0.1:$port" BAO_ADDR="http://127.0.0.1:$port" VAULT_TOKEN=bench BAO_TOKEN=bench HOME=$work
for _ in $(seq 100); do "$KVAULT_TEST_BAO" status >/dev/null 2>&1 && break; sleep 0.1; done

scripts/kube-test-cluster.sh start "$work/kube" --encryption none
# shellcheck disable=SC1091
. "$work/kube/env"
export KUBECONFIG=$KVAULT_TEST_KUBECONFIG_ADMIN
kapi() { # METHOD PATH [BODY]
    curl -sf --cacert "$KVAULT_TEST_KUBE_CA" -H "Authorization: Bearer $KVAULT_TEST_KUBE_TOKEN_ADMIN" \
        -H 'Content-Type: application/json' -X "$1" ${3:+--data-binary "$3"} "$KVAULT_TEST_KUBE_SERVER$2"
}
kapi POST /api/v1/namespaces '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bench"}}' >/dev/null

# Seed OpenBao over one keep-alive connection, and write the plan.
python3 - "$n" "$VAULT_ADDR" "$work/plan.yaml" <<'PY'
import sys
sys.path.insert(0, "bench")
import openbao
n, addr, plan = int(sys.argv[1]), sys.argv[2], sys.argv[3]
openbao.seed(n, addr)
with open(plan, "w") as f:
    f.write("secrets:\n")
    for i in range(n):
        f.write(f"  - source: vault:secret/bench/s{i:04d}\n    target: k8s:bench/s{i:04d}\n")
PY

# Secret requests by verb, from the apiserver's own counter.
secret_calls() {
    kapi GET /metrics | python3 -c '
import re, sys, collections
c = collections.Counter()
for line in sys.stdin:
    if line.startswith("apiserver_request_total{") and "resource=\"secrets\"" in line:
        verb = re.search(r"verb=\"([A-Z]+)\"", line).group(1)
        c[verb] += float(line.rsplit(" ", 1)[1])
print(" ".join(f"{k}={int(v)}" for k, v in sorted(c.items())))'
}
bao_calls() { # responses in OpenBao's audit log (enabled for the counted runs only)
    grep -c '"type":"response"' "$work/audit.log" 2>/dev/null || true
}
diff_calls() { # BEFORE AFTER
    python3 - "$1" "$2" <<'PY'
import sys
def parse(s): return {k: int(v) for k, v in (kv.split("=") for kv in s.split())}
b, a = parse(sys.argv[1]), parse(sys.argv[2])
d = {k: a.get(k, 0) - b.get(k, 0) for k in sorted(set(a) | set(b))}
d = {k: v for k, v in d.items() if v}
writes = sum(v for k, v in d.items() if k not in ("GET", "LIST", "WATCH"))
print(", ".join(f"{k} {v}" for k, v in d.items()) or "none", f"| {writes}")
PY
}
clear_secrets() { kapi DELETE /api/v1/namespaces/bench/secrets >/dev/null; }
measure() { # NAME COMMAND...
    local name=$1 kb ka bb ba; shift
    kb=$(secret_calls); bb=$(bao_calls)
    "$@" >"$work/$name.json"
    ka=$(secret_calls); ba=$(bao_calls)
    echo "| $name | $(diff_calls "$kb" "$ka") | $((ba - bb)) |"
}

sync_cmd="$kvault sync -q -f $work/plan.yaml -o json"
# API call counts, one run each (the first one also checks the outcome).
"$KVAULT_TEST_BAO" audit enable -path=count file file_path="$work/audit.log" >/dev/null
clear_secrets
calls_first=$(measure first-sync $sync_cmd)
python3 -c "import json,sys; r=json.load(open('$work/first-sync.json')); assert r['created']==$n and not r['errors'], r['errors'][:3]"
calls_noop=$(measure noop-rerun $sync_cmd)
python3 -c "import json,sys; r=json.load(open('$work/noop-rerun.json')); assert r['unchanged']==$n and not r['errors'], r['errors'][:3]"
"$KVAULT_TEST_BAO" audit disable count >/dev/null

hyperfine --runs 3 --export-markdown "$work/table.md" --export-json "$work/results.json" \
    --prepare "curl -sf --cacert $KVAULT_TEST_KUBE_CA -H 'Authorization: Bearer $KVAULT_TEST_KUBE_TOKEN_ADMIN' -X DELETE $KVAULT_TEST_KUBE_SERVER/api/v1/namespaces/bench/secrets -o /dev/null" \
    -n first-sync "$sync_cmd" \
    -n first-sync-c32 "$sync_cmd --concurrency 32"
$sync_cmd >/dev/null # make sure everything exists for the no-op runs
hyperfine --runs 3 --export-markdown "$work/table-noop.md" --export-json "$work/results-noop.json" \
    -n noop-rerun "$sync_cmd" \
    -n noop-rerun-c32 "$sync_cmd --concurrency 32"

mean_s() { python3 - "$1" "$2" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
print(f"{r[sys.argv[2]]:.2f}")
PY
}
first=$(mean_s "$work/results.json" first-sync)
noop=$(mean_s "$work/results-noop.json" noop-rerun)
cpu() { python3 - "$1" "$2" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
x = r[sys.argv[2]]
print(f"{x['user'] + x['system']:.2f}")
PY
}
noop_writes=$(awk -F'|' '{gsub(/ /, "", $4); print $4}' <<<"$calls_noop")

{
    echo "## kvault sync: $n secrets, OpenBao → kube-apiserver"
    echo
    echo "Run: $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(uname -sr); $("$kvault" --version); $("$KVAULT_TEST_BAO" version | head -n1); kube-apiserver $("$KVAULT_KUBE_APISERVER" --version 2>/dev/null | awk '{print $2}'); $(hyperfine --version)."
    echo "Command: \`bench/sync.sh\`. Each secret has 3 keys; one plan entry per secret (\`vault:secret/bench/sNNNN\` → \`k8s:bench/sNNNN\`); default \`--concurrency 8\`."
    echo
    echo "### Wall time (hyperfine, 3 runs; first-sync deletes the namespace's Secrets before each run)"
    echo
    cat "$work/table.md"
    echo
    cat "$work/table-noop.md"
    echo
    echo "### API calls of one run (kube-apiserver \`apiserver_request_total{resource=\"secrets\"}\` by verb; OpenBao: responses in its audit log)"
    echo
    echo "| case | kube-apiserver Secret calls by verb | of which writes | OpenBao requests |"
    echo "|:---|:---|---:|---:|"
    echo "$calls_first"
    echo "$calls_noop"
    echo
    echo "- first sync: **${first} s** (target < 20 s)"
    echo "- no-op rerun: **${noop} s** with **${noop_writes}** write calls (target < 3 s, 0 writes)"
    echo "- kvault's own CPU (user + system): first sync $(cpu "$work/results.json" first-sync) s, no-op $(cpu "$work/results-noop.json" noop-rerun) s; the rest of the wall time is kube-apiserver, etcd and OpenBao sharing the same $(nproc) cores."
    echo "- per target, first sync: 1 OpenBao read, 1 GET of the target (404), then 1 create (POST: a Secret made meanwhile is a conflict, not overwritten); an existing target that changed: 1 GET for the store's CAS version + 1 server-side apply PATCH."
    echo "- per target, no-op: 1 OpenBao read + 1 GET; the keyed data hash and the recorded provenance match, so nothing is written."
} > "$out"
cat "$out"
