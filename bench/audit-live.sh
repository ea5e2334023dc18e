#!/usr/bin/env bash
# bench/audit-live.sh — live `kvault audit` against a real kube-apiserver
# (scripts/kube-test-cluster.sh) seeded with 10,000 Secrets, 2,000 Roles and
# 5,000 RoleBindings across 200 namespaces, next to the list calls alone:
#
#   - kubectl get of the same 16 kinds, all namespaces, -o json (sequential
#     per kind, 500 objects a page: what a script exporting manifests pays);
#   - the list calls alone: the same 16 lists paged as kvault pages them
#     (2,000 a page, first page at resourceVersion 0), all kinds at once,
#     answers read and thrown away (bench/list-calls.py): the target's
#     reference;
#   - curl of the same 16 list URLs, all at once, unpaginated (a floor:
#     one answer per kind, served from the watch cache).
#
#   bench/audit-live.sh [RESULTS_FILE]     (default: bench/results/audit-live.md)
#   KVAULT=target/release/kvault bench/audit-live.sh    (no build)
#
# Target: kvault within 1.5x of the list calls alone (list-calls.py).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/audit-live.md}
mkdir -p "$(dirname "$out")"
command -v kubectl >/dev/null || { echo "kubectl is needed" >&2; exit 1; }
# KVAULT=path/to/kvault skips the release build.
# shellcheck source=bench/common.sh
. bench/common.sh

work=$(mktemp -d)
cleanup() {
    scripts/kube-test-cluster.sh stop "$work/cluster" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
scripts/kube-test-cluster.sh start "$work/cluster" --encryption secretbox
set -a
# shellcheck disable=SC1091
. "$work/cluster/env"
set +a
export KUBECONFIG=$KVAULT_TEST_KUBECONFIG_ADMIN

# Seed: namespaces first, then 8 shards of the rest created concurrently.
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def dump(path, items):
    json.dump({"apiVersion": "v1", "kind": "List", "items": items}, open(path, "w"))
dump(f"{work}/ns.json", [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ns{i}"}} for i in range(200)])
items = []
for i in range(10_000):
    items.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": f"s{i}", "namespace": f"ns{i % 200}"},
                  "data": {"k": "dg=="}})
for i in range(2_000):
    items.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                  "metadata": {"name": f"r{i}", "namespace": f"ns{i % 200}"},
                  "rules": [{"apiGroups": [""], "resources": ["secrets", "pods", "configmaps"], "verbs": ["get", "list", "create"]}]})
for i in range(5_000):
    role = i % 2_000
    items.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                  "metadata": {"name": f"b{i}", "namespace": f"ns{role % 200}"},
                  "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": f"r{role}"},
                  "subjects": [{"kind": "User", "name": f"u{i % 700}", "apiGroup": "rbac.authorization.k8s.io"},
                               {"kind": "ServiceAccount", "name": f"sa{i % 50}"}]})
for shard in range(8):
    dump(f"{work}/shard{shard}.json", items[shard::8])
PY
t0=$(date +%s)
kubectl create -f "$work/ns.json" >/dev/null
for shard in 0 1 2 3 4 5 6 7; do
    kubectl create -f "$work/shard$shard.json" >/dev/null &
done
wait
seed_s=$(($(date +%s) - t0))

kinds=secrets,serviceaccounts,configmaps,roles,rolebindings,clusterroles,clusterrolebindings,pods,deployments,statefulsets,daemonsets,replicasets,replicationcontrollers,jobs,cronjobs,ingresses
urls=(/api/v1/secrets /api/v1/serviceaccounts /api/v1/configmaps
    /apis/rbac.authorization.k8s.io/v1/roles /apis/rbac.authorization.k8s.io/v1/rolebindings
    /apis/rbac.authorization.k8s.io/v1/clusterroles /apis/rbac.authorization.k8s.io/v1/clusterrolebindings
    /api/v1/pods /apis/apps/v1/deployments /apis/apps/v1/statefulsets /apis/apps/v1/daemonsets
    /apis/apps/v1/replicasets /api/v1/replicationcontrollers /apis/batch/v1/jobs /apis/batch/v1/cronjobs
    /apis/networking.k8s.io/v1/ingresses)
cat >"$work/curl-lists.sh" <<EOF
#!/usr/bin/env bash
for u in ${urls[*]}; do
    curl -sf --cacert $KVAULT_TEST_KUBE_CA -H "Authorization: Bearer $KVAULT_TEST_KUBE_TOKEN_ADMIN" \
        -H 'Accept: application/json' "$KVAULT_TEST_KUBE_SERVER\$u" >/dev/null &
done
wait
EOF
chmod +x "$work/curl-lists.sh"

# The seeded cluster has findings, so kvault exits 1: hyperfine must not fail on it.
hyperfine --warmup 1 --runs 10 -i --export-markdown "$work/table.md" --export-json "$work/runs.json" \
    -n "kvault audit (live)" "$kvault audit -o json >/dev/null" \
    -n "kvault audit --etcd-endpoint (live + etcd)" "$kvault audit -o json --etcd-endpoint $KVAULT_TEST_ETCD_ENDPOINT >/dev/null" \
    -n "the list calls alone, paged as kvault pages them" "python3 bench/list-calls.py ${urls[*]}" \
    -n "curl: the 16 list calls, concurrent" "$work/curl-lists.sh" \
    -n "kubectl get 16 kinds -A -o json" "kubectl get $kinds -A -o json >/dev/null" \
    -n "SubjectAccessReview sweep: 10 users x 200 ns x get/list/watch" "python3 bench/sar-sweep.py 10 200 >/dev/null"
ratio() {
    python3 - "$work/runs.json" "$1" "$2" <<'PY'
import json, sys
runs = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
print(f"{runs[sys.argv[2]] / runs[sys.argv[3]]:.2f}")
PY
}
vs_lists=$(ratio "kvault audit (live)" "the list calls alone, paged as kvault pages them")
vs_curl=$(ratio "kvault audit (live)" "curl: the 16 list calls, concurrent")
vs_kubectl=$(ratio "kvault audit (live)" "kubectl get 16 kinds -A -o json")
sweep="SubjectAccessReview sweep: 10 users x 200 ns x get/list/watch"
sweep_check=$(python3 bench/sar-sweep.py 10 200)
# What the sweep would cost for all 700 users (420,000 SARs), from the
# measured mean of 6,000: kvault's audit answers for every subject at once.
sweep_full=$(python3 - "$work/runs.json" "$sweep" <<'PY'
import json, sys
runs = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
print(f"{runs[sys.argv[2]] * 70:.0f}")
PY
)
vs_sweep=$(ratio "kvault audit (live)" "$sweep")
peak_kib=$( { /usr/bin/time -f '%M' "$kvault" audit -o json >/dev/null; } 2>&1 | tail -1 || true)
{
    echo "# Live audit benchmark"
    echo
    echo "- date: $(date -u +%F)  machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo "- kvault: $("$kvault" --version)  kubectl: $(kubectl version --client 2>/dev/null | head -1)"
    echo "- cluster: scripts/kube-test-cluster.sh (etcd + kube-apiserver on loopback, secretbox), seeded in ${seed_s} s"
    echo "- inventory: 10,000 Secrets, 2,000 Roles, 5,000 RoleBindings in 200 namespaces, plus the bootstrap RBAC"
    echo "- kvault peak RSS: ${peak_kib} KiB"
    echo "- ratio kvault audit / the list calls alone (same pages, answers thrown away): **${vs_lists}** (target ≤ 1.5)"
    echo "- ratio kvault audit / unpaginated curl of the lists (a floor): ${vs_curl}"
    echo "- ratio kvault audit / kubectl get of the same kinds: ${vs_kubectl}"
    echo "- ratio kvault audit (every subject, every namespace) / a SubjectAccessReview sweep of 10 users (${sweep_check}): ${vs_sweep}; the sweep for all 700 users would take about ${sweep_full} s"
    echo
    cat "$work/table.md"
} >"$out"
cat "$out"
