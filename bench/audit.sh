#!/usr/bin/env bash
# bench/audit.sh — offline `kvault audit --manifests` on a large generated
# inventory: 10,000 Secrets, 2,000 Roles, 5,000 RoleBindings and 100
# ClusterRoleBindings across 200 namespaces, plus the repo's example set.
#
#   bench/audit.sh [RESULTS_FILE]       (default: bench/results/audit.md)
#
# No peer runs offline on manifests (kubectl-who-can and rbac-tool need a
# live API and are not on the Go module proxy here; `kubectl --dry-run=client`
# still wants API discovery), so the reference line is PyYAML's C parser
# (libyaml, as in kvault's serde_yaml) loading the same file: the floor any
# YAML-reading tool pays. Target: the large inventory under 1 s.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/audit.md}
mkdir -p "$(dirname "$out")"
# shellcheck source=bench/common.sh
. bench/common.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/big.yaml" <<'PY'
import sys
out = []
for i in range(10_000):
    out.append(f"apiVersion: v1\nkind: Secret\nmetadata: {{name: s{i}, namespace: ns{i % 200}}}\ndata: {{k: dg==}}")
for i in range(2_000):
    out.append(f"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: r{i}, namespace: ns{i % 200}}}\n"
               "rules: [{apiGroups: [\"\"], resources: [secrets, pods, configmaps], verbs: [get, list, create]}]")
for i in range(5_000):
    role = i % 2_000
    out.append(f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: b{i}, namespace: ns{role % 200}}}\n"
               f"roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: r{role}}}\n"
               f"subjects: [{{kind: User, name: u{i % 700}}}, {{kind: ServiceAccount, name: sa{i % 50}}}]")
for i in range(100):
    out.append(f"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: c{i}}}\n"
               f"roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}}\nsubjects: [{{kind: Group, name: g{i}}}]")
open(sys.argv[1], "w").write("\n---\n".join(out) + "\n")
PY
# The inventory has findings, so kvault exits 1 (2 would be an error: stop).
set +e
"$kvault" audit --manifests "$work/big.yaml" -o json >"$work/report.json"
code=$?
set -e
[ "$code" = 1 ] || { echo "kvault audit exited $code on the generated inventory" >&2; exit 1; }
findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$work/report.json")
cat >"$work/parse.py" <<'PY'
import sys, yaml
n = sum(1 for _ in yaml.load_all(open(sys.argv[1]), Loader=yaml.CSafeLoader))
assert n == 17100, n
PY
# hyperfine -i: kvault's exit 1 means "findings", not failure.
hyperfine --warmup 1 --runs 5 -i --export-markdown "$work/table.md" \
    -n "kvault audit (17,100 objects)" "$kvault audit --manifests $work/big.yaml -o json" \
    -n "PyYAML (libyaml) parse only, same file" "python3 $work/parse.py $work/big.yaml" \
    -n "kvault audit examples/manifests" "$kvault audit --manifests examples/manifests -o json"
peak_kib=$( { /usr/bin/time -f '%M' "$kvault" audit --manifests "$work/big.yaml" -o json >/dev/null; } 2>&1 | tail -1 || true)
{
    echo "# Offline audit benchmark"
    echo
    echo "- date: $(date -u +%F)  machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo "- kvault: $("$kvault" --version)  python3: $(python3 -c 'import sys, yaml; print(sys.version.split()[0], "PyYAML", yaml.__version__)')"
    echo "- inventory: 10,000 Secrets, 2,000 Roles, 5,000 RoleBindings, 100 ClusterRoleBindings ($(du -h "$work/big.yaml" | cut -f1))"
    echo "- kvault peak RSS on the large inventory: ${peak_kib} KiB; findings reported: $findings"
    echo
    cat "$work/table.md"
} >"$out"
cat "$out"
