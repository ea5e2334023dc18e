#!/usr/bin/env bash
# bench/audit-access.sh — `kvault audit access` on 1 GB of generated
# kube-apiserver audit log (about 1.4 million audit.k8s.io/v1 events of
# ~760 bytes, half of them on Secrets: gets, lists and watches by 400
# subjects over 200 namespaces x 50 Secrets, 2% denied — applications read
# their own namespace's Secrets, people those of a few namespaces, nodes
# those of their pods; the rest pods and configmaps),
# side by side with jq answering the simplest of the same questions
# (reads per Secret: select the final-stage Secret events, print
# namespace/name, sort | uniq -c) on the same file.
#
#   bench/audit-access.sh [RESULTS_FILE]   (default: bench/results/audit-access.md)
#   KVAULT_BENCH_LOG_MB=1024               size of the generated log
#
# Targets (issue #16): 1 GB in < 10 s and < 200 MB of memory on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/audit-access.md}
mkdir -p "$(dirname "$out")"
# shellcheck source=bench/common.sh
. bench/common.sh
mb=${KVAULT_BENCH_LOG_MB:-1024}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/audit.log
cat >"$work/gen.py" <<'PY'
import json, random, sys
path, mb, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
random.seed(16)
# Who reads what. realistic: an application's service account reads a few
# Secrets of its own namespace, a person those of the 5 namespaces they
# work in, a node those of its pods, the controller manager lists them
# all. uniform (the worst case for memory): anyone reads any Secret.
accounts = [(f"system:serviceaccount:ns{i % 200}:app{i}", i % 200) for i in range(300)]
people = [(f"user{i}@example.com", random.sample(range(200), 5)) for i in range(90)]
nodes = [f"system:node:node{i}" for i in range(10)]
agents = ["kubectl/v1.34.1 (linux/amd64) kubernetes/abcdef", "app/1.0", "kube-controller-manager/v1.34.1"]
def who():
    r = random.random()
    if mode == "uniform":
        pick = random.choice([a[0] for a in accounts] + [p[0] for p in people] + nodes)
        return pick, random.randrange(200), random.randrange(50), "user"
    if r < 0.6:
        user, ns = random.choice(accounts)
        return user, ns, random.randrange(5), "app/1.0"
    if r < 0.85:
        user, spaces = random.choice(people)
        return user, random.choice(spaces), random.randrange(50), agents[0]
    if r < 0.99:
        return random.choice(nodes), random.randrange(200), random.randrange(5), "kubelet/v1.34.1"
    return "system:kube-controller-manager", None, None, agents[2]
def event(i, t):
    user, ns, name, agent = who()
    secret = random.random() < 0.5
    verb = random.choices(["get", "list", "watch", "create", "update"], [70, 15, 5, 5, 5])[0]
    if ns is None:
        verb = "list"
    ref = {"resource": "secrets" if secret else random.choice(["pods", "configmaps"]), "apiVersion": "v1"}
    if ns is not None:
        ref["namespace"] = f"ns{ns}"
    if verb not in ("list", "watch"):
        ref["name"] = f"s{name}"
    code = 403 if random.random() < 0.02 else 200
    return {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
            "auditID": f"{i:08x}-6a1c-4e62-9a6f-0c0d2f4b5e6a", "stage": "ResponseComplete",
            "requestURI": f"/api/v1/namespaces/{ref.get('namespace', '')}/{ref['resource']}/{ref.get('name', '')}",
            "verb": verb, "user": {"username": user, "uid": "d1c7f7f4-2f71-4a8e-8c5e-6b7a1e8d2f10",
                                   "groups": ["system:authenticated"]},
            "sourceIPs": [f"10.0.{hash(user) % 256}.{hash(user) // 256 % 250}"], "userAgent": agent,
            "objectRef": ref, "responseStatus": {"metadata": {}, "code": code},
            "requestReceivedTimestamp": f"2026-12-01T{t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d}.{i % 1000000:06d}Z",
            "stageTimestamp": f"2026-12-01T{t // 3600 % 24:02d}:{t // 60 % 60:02d}:{t % 60:02d}.{(i + 7) % 1000000:06d}Z",
            "annotations": {"authorization.k8s.io/decision": "allow" if code == 200 else "forbid",
                            "authorization.k8s.io/reason": "RBAC: allowed by RoleBinding \"app\" of Role \"app\""}}
limit = mb * 1024 * 1024
written, i = 0, 0
with open(path, "w", buffering=1 << 22) as f:
    while written < limit:
        line = json.dumps(event(i, i * 86400 // 2_200_000), separators=(",", ":")) + "\n"
        f.write(line)
        written += len(line)
        i += 1
print(i, file=open(path + ".events", "w"))
PY
python3 "$work/gen.py" "$log" "$mb" realistic
events=$(cat "$log.events")
size=$(du -m "$log" | cut -f1)

cat >"$work/jq.sh" <<SH
#!/bin/sh
jq -r 'select(.objectRef.resource == "secrets" and .stage == "ResponseComplete") | "\(.objectRef.namespace)/\(.objectRef.name)"' "$log" | sort | uniq -c >/dev/null
SH
chmod +x "$work/jq.sh"
rss() { /usr/bin/time -f %M "$@" >/dev/null 2>"$work/rss" || true; tail -1 "$work/rss"; }
kvault_rss=$(rss "$kvault" audit access --k8s-audit-log "$log" -o json)
jq_rss=$(rss "$work/jq.sh")
"$kvault" audit access --k8s-audit-log "$log" -o json >"$work/report.json" || true
rows=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["access"]), d["stats"]["accesses"])' "$work/report.json")
# The worst case for memory: every read a new (subject, Secret) pair.
python3 "$work/gen.py" "$work/uniform.log" 300 uniform
uniform_rss=$(rss "$kvault" audit access --k8s-audit-log "$work/uniform.log" -o json)
"$kvault" audit access --k8s-audit-log "$work/uniform.log" -o json >"$work/uniform.json" || true
uniform_rows=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["access"]))' "$work/uniform.json")
rm -f "$work/uniform.log"

hyperfine --warmup 1 --runs "${KVAULT_BENCH_RUNS:-3}" -i --export-markdown "$work/times.md" \
    -n "kvault audit access (every row, every finding)" "$kvault audit access --k8s-audit-log $log -o json" \
    -n "jq + sort + uniq -c (reads per Secret only)" "$work/jq.sh"
ratio=$(mean_ratio "$work/times.md" 3)
{
    echo "# Audit-log benchmark"
    echo
    echo "- date: $(date -u +%F)  machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo "- kvault: $("$kvault" --version)  jq: $(jq --version)"
    echo "- log: ${size} MB, ${events} events (half on Secrets), page-cached; kvault: ${rows% *} rows from ${rows#* } reads"
    echo "- peak memory (max RSS): kvault $((kvault_rss / 1024)) MB, jq pipeline $((jq_rss / 1024)) MB (target < 200 MB)"
    echo "- worst case for memory (300 MB where anyone reads any Secret): ${uniform_rows} distinct (subject, Secret) rows, max RSS $((uniform_rss / 1024)) MB: memory grows with distinct pairs, not with the log"
    echo "- ratio kvault / jq: **$ratio** (lower is faster)"
    echo
    cat "$work/times.md"
} >"$out"
cat "$out"
