#!/usr/bin/env bash
# bench/eso.sh — `kvault sync` side by side with the real External Secrets
# Operator (ESO), both copying 1,000 OpenBao KV v2 secrets (3 keys each) into
# Kubernetes Secrets on the same OpenBao dev server and the same test
# kube-apiserver (scripts/kube-test-cluster.sh: etcd + kube-apiserver, no
# kubelet), in one run.
#
#   bench/eso.sh [RESULTS_FILE]          (default: bench/results/eso.md)
#   ESO=/path/to/external-secrets bench/eso.sh
#   N=200 IDLE=60 TRIALS=4 bench/eso.sh /tmp/x.md   (a quick look)
#   ESO_FLAGS='--concurrent 8 --client-qps 500'   (ESO flags; default --concurrent 8)
#   KVAULT=/path/to/kvault  (default: target/release/kvault if it exists, else
#                            bench/common.sh builds it)
#
# ESO: v2.9.0, commit cc5bfbc2234ace9cb0caff4ea89c435cf517b27b, built from
# source with the Vault provider only (build tag `vault`; the Makefile's
# build-% target with PROVIDER=vault, which sets no ldflags):
#   git --git-dir=$ESO_MIRROR archive cc5bfbc2234a | tar -x -C SRC
#   cd SRC && CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 19 go build -tags vault \
#       -o ~/.cache/kvault-peers/eso-cc5bfbc2234a/external-secrets main.go
# That happens here when $ESO (default: that cached path) is missing. The
# CRDs are the same commit's deploy/crds/bundle.yaml (server-side applied).
# ESO runs as a local process (core controller only: no webhook, no
# cert-controller, no leader election), `--concurrent 8` (= kvault's default
# --concurrency 8), other flags at their defaults (client QPS 50, burst 100,
# log level info), with one SecretStore (vault provider, path secret, v2,
# tokenSecretRef to a Secret holding the dev root token) and one
# ExternalSecret per secret (dataFrom extract, refreshInterval 1m) in
# namespace `bench`; kvault writes the same secrets to `bench-kvault`.
#
# Measured (phases run one after the other, so each counter is one tool's):
#   first sync   ESO: from the first ExternalSecret POST until all N target
#                Secrets exist (metadata LIST polled every 0.5 s); kvault:
#                `kvault sync -f plan.yaml` wall time (hyperfine, 3 runs, the
#                namespace's Secrets deleted before each run)
#   idle         nothing changes: CPU seconds (utime+stime from /proc/PID/stat)
#                per minute of the ESO process and of `kvault sync --watch 1m`
#                over IDLE s (default 120: two refresh rounds), plus the
#                apiserver's own request counter (apiserver_request_total,
#                resources secrets and externalsecrets, by verb) and OpenBao
#                requests (audit log) in that window
#   latency      TRIALS (default 20) single-secret changes in OpenBao, 6 s
#                apart, with ESO and `kvault sync --watch 1m` running at once:
#                time until each target Secret shows the new value (both are
#                polling at 1 min, so both should be ~uniform on 0–60 s)
#   repair       TRIALS hand edits (a merge patch of one target's `pass`), 2 s
#                apart, both running: time until each target holds the
#                source's value again (both watch their targets)
#                and, for the same changes, until the Deployment reading the
#                Secret was rolled (its metadata.generation went up): ESO's
#                target by Stakater Reloader (below), kvault's by the plan's
#                `rollout: auto`
#   put --plan   TRIALS `kvault put vault:secret/bench/sNNNN ... --plan
#                plan.yaml --rollout` (the write syncs the entries that read
#                it and rolls their workloads): wall time from the start of the
#                command until the target shows the value (checked once it
#                returned) and until its Deployment was rolled; against it,
#   force-sync   ESO's fastest path: TRIALS writes to OpenBao, each followed
#                by the `external-secrets.io/force-sync` annotation on its
#                ExternalSecret: time from the write until the target shows
#                the value, and until Reloader rolled its Deployment
#
# Workloads: for each secret a trial changes, a Deployment `dNNNN` reading it
# (envFrom) in both namespaces; in `bench` annotated
# `reloader.stakater.com/auto: "true"` for Reloader, in `bench-kvault` named by
# the plan entry's `rollout: auto`. The test cluster runs no controllers, so a
# rollout is seen as the change of the pod template (generation + 1).
#
# Reloader: Stakater Reloader, main at tag chart-v2.2.16 (app VERSION 1.4.14), commit
# 655a2b38 of github.com/stakater/Reloader, built from source: the module
# proxy refuses the github.com/openshift/api version its go.mod pins
# (v0.0.0-20260402111718-ad9eb11110b6), so that module comes from its
# repository at ad9eb11110b6 through a `replace` (its openapi/ directory left
# out: Reloader does not import it and the mirror lacks one of its files):
#   git --git-dir=$RELOADER_MIRROR archive 655a2b38 | tar -x -C DIR/src
#   git --git-dir=$OPENSHIFT_API_MIRROR archive ad9eb11110b6 -- <all but openapi/> | tar -x -C DIR/openshift-api
#   cd DIR/src && go mod edit -replace github.com/openshift/api=../openshift-api
#   CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 19 go build -o DIR/reloader .
# (DIR = ~/.cache/kvault-peers/reloader-655a2b38; done here when $RELOADER is
# missing). It runs as a local process with KUBERNETES_NAMESPACE=bench,
# `--reload-strategy annotations`, started with ESO; its metrics listen on
# :9090 (hard-coded).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/eso.md}
n=${N:-1000}
idle=${IDLE:-120}
trials=${TRIALS:-20}
eso_commit=cc5bfbc2234ace9cb0caff4ea89c435cf517b27b
eso_mirror=${ESO_MIRROR:-/work/.mirror/external-secrets+external-secrets/repo}
eso=${ESO:-$HOME/.cache/kvault-peers/eso-${eso_commit:0:12}/external-secrets}
reloader_commit=655a2b3814baadb69d3d1e105242d6cc8875d7cb
reloader=${RELOADER:-$HOME/.cache/kvault-peers/reloader-${reloader_commit:0:8}/reloader}
reloader_mirror=${RELOADER_MIRROR:-/work/.mirror/stakater+Reloader/repo}
openshift_api_mirror=${OPENSHIFT_API_MIRROR:-/work/.mirror/openshift+api/repo}
mkdir -p "$(dirname "$out")"

eval "$(scripts/install-test-deps.sh 2>/dev/null | sed 's/^/export /')"
# An existing release build is used as is (set KVAULT to choose another one;
# with neither, bench/common.sh builds it).
if [ -z "${KVAULT:-}" ] && [ -x target/release/kvault ]; then export KVAULT=$PWD/target/release/kvault; fi
# shellcheck source=bench/common.sh
. bench/common.sh

if [ ! -x "$eso" ]; then
    echo "building ESO ${eso_commit:0:12} (tags: vault) into $eso" >&2
    src=$(mktemp -d)
    git --git-dir="$eso_mirror" archive "$eso_commit" | tar -x -C "$src"
    mkdir -p "$(dirname "$eso")"
    (cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 19 go build -tags vault -o "$eso" main.go)
    cp "$src/deploy/crds/bundle.yaml" "$(dirname "$eso")/bundle.yaml"
    rm -rf "$src"
fi
if [ ! -x "$reloader" ]; then
    echo "building Reloader ${reloader_commit:0:8} into $reloader" >&2
    dir=$(dirname "$reloader")
    rm -rf "$dir/src" "$dir/openshift-api"
    mkdir -p "$dir/src" "$dir/openshift-api"
    git --git-dir="$reloader_mirror" archive "$reloader_commit" | tar -x -C "$dir/src"
    mapfile -t api_paths < <(git --git-dir="$openshift_api_mirror" ls-tree --name-only ad9eb11110b6 | grep -vx openapi)
    git --git-dir="$openshift_api_mirror" archive ad9eb11110b6 -- "${api_paths[@]}" | tar -x -C "$dir/openshift-api"
    (cd "$dir/src" && go mod edit -replace github.com/openshift/api=../openshift-api &&
        CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 19 go build -o "$reloader" .)
fi
crds=${ESO_CRDS:-$(dirname "$eso")/bundle.yaml}
[ -f "$crds" ] || git --git-dir="$eso_mirror" show "$eso_commit:deploy/crds/bundle.yaml" >"$crds"

work=$(mktemp -d)
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(freeport)
echo 'unsafe_allow_api_audit_creation = true' >"$work/bao.hcl"
HOME=$work "$KVAULT_TEST_BAO" server -dev -config="$work/bao.hcl" -dev-listen-address="127.0.0.1:$port" -dev-root-token-id=bench >"$work/bao.log" 2>&1 &
bao_pid=$!
eso_pid=
reloader_pid=
watch_pid=
cleanup() {
    for p in $watch_pid $reloader_pid $eso_pid $bao_pid; do kill "$p" 2>/dev/null || true; done
    scripts/kube-test-cluster.sh stop "$work/kube" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
export VAULT_ADDR="http://127.0.0.1:$port" BAO_ADDR="http://127.0.0.1:$port" VAULT_TOKEN=bench BAO_TOKEN=bench HOME=$work
for _ in $(seq 100); do "$KVAULT_TEST_BAO" status >/dev/null 2>&1 && break; sleep 0.1; done
"$KVAULT_TEST_BAO" audit enable -path=count file file_path="$work/audit.log" >/dev/null

scripts/kube-test-cluster.sh start "$work/kube" --encryption none
# shellcheck disable=SC1091
. "$work/kube/env"
export KVAULT_TEST_KUBE_SERVER KVAULT_TEST_KUBE_CA KVAULT_TEST_KUBE_TOKEN_ADMIN
export KUBECONFIG=$KVAULT_TEST_KUBECONFIG_ADMIN
apiserver_pid=$(awk '$1 == "kube-apiserver" {print $2}' "$work/kube/pids")
kapi() { # METHOD PATH [BODY]
    curl -sf --cacert "$KVAULT_TEST_KUBE_CA" -H "Authorization: Bearer $KVAULT_TEST_KUBE_TOKEN_ADMIN" \
        -H 'Content-Type: application/json' -X "$1" ${3:+--data-binary "$3"} "$KVAULT_TEST_KUBE_SERVER$2"
}
for ns in bench bench-kvault; do
    kapi POST /api/v1/namespaces "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$ns\"}}" >/dev/null
done
kubectl apply --server-side -f "$crds" >/dev/null
kubectl wait --for=condition=Established crd --all --timeout=120s >/dev/null

# The helper for everything that talks to the apiserver in bulk.
cat >"$work/k.py" <<'PY'
import base64, json, os, re, sys, time, collections, http.client
from urllib.parse import urlparse
sys.path.insert(0, os.environ["BENCH_DIR"])
import kubeapi

def req(conn, method, path, body=None, **hdr):
    conn.request(method, path, body if body is None else json.dumps(body),
                 kubeapi.headers(**{"Content-Type": "application/json", **hdr}))
    r = conn.getresponse()
    return r.status, r.read()

# The secrets whose changes are timed: the latency trials change
# changed(k), the forced trials (put --plan, ESO force-sync) forced(k); each
# has a Deployment reading it in both namespaces.
def changed(k, n): return (k * 101 + 7) % n
def forced(k, n): return (k * 53 + 5) % n
def with_workload(trials, n): return sorted({f(k, n) for k in range(trials) for f in (changed, forced)})

def seed(n, addr, plan, trials):  # OpenBao secrets + the kvault plan
    import openbao
    openbao.seed(n, addr)
    rolled = set(with_workload(trials, n))
    with open(plan, "w") as f:
        f.write("secrets:\n")
        for i in range(n):
            rollout = ", rollout: auto" if i in rolled else ""
            f.write(f"  - {{source: vault:secret/bench/s{i:04d}, target: k8s:bench-kvault/s{i:04d}{rollout}}}\n")

def workloads(trials, n):  # a Deployment per timed secret: Reloader's in bench, kvault's in bench-kvault
    conn = kubeapi.connect()
    for i in with_workload(trials, n):
        for ns in ("bench", "bench-kvault"):
            meta = {"name": f"d{i:04d}", "namespace": ns}
            if ns == "bench":
                meta["annotations"] = {"reloader.stakater.com/auto": "true"}
            labels = {"app": f"d{i:04d}"}
            d = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
                 "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                          "template": {"metadata": {"labels": labels},
                                       "spec": {"containers": [{"name": "app", "image": "app:1",
                                                                "envFrom": [{"secretRef": {"name": f"s{i:04d}"}}]}]}}}}
            st, body = req(conn, "POST", f"/apis/apps/v1/namespaces/{ns}/deployments", d)
            assert st == 201, (st, body[:300])

def generation(conn, ns, i):  # the Deployment's metadata.generation: +1 per pod template change
    st, body = req(conn, "GET", f"/apis/apps/v1/namespaces/{ns}/deployments/d{i:04d}")
    assert st == 200, (st, body[:300])
    return json.loads(body)["metadata"]["generation"]

def count(conn, ns):  # target Secrets sNNNN that exist
    st, body = req(conn, "GET", f"/api/v1/namespaces/{ns}/secrets",
                   Accept="application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")
    assert st == 200, st
    return sum(1 for it in json.loads(body)["items"] if re.fullmatch(r"s\d{4}", it["metadata"]["name"]))

def eso_first_sync(n):  # create N ExternalSecrets, wait for N target Secrets
    conn = kubeapi.connect()
    t0 = time.monotonic()
    for i in range(n):
        es = {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
              "metadata": {"name": f"s{i:04d}", "namespace": "bench"},
              "spec": {"refreshInterval": "1m",
                       "secretStoreRef": {"name": "bao", "kind": "SecretStore"},
                       "target": {"name": f"s{i:04d}"},
                       "dataFrom": [{"extract": {"key": f"bench/s{i:04d}"}}]}}
        st, body = req(conn, "POST", "/apis/external-secrets.io/v1/namespaces/bench/externalsecrets", es)
        assert st == 201, (st, body[:300])
    created = time.monotonic() - t0
    while True:
        c = count(conn, "bench")
        if c >= n:
            break
        if time.monotonic() - t0 > 900:
            sys.exit(f"only {c} of {n} ESO targets after 900 s")
        time.sleep(0.5)
    print(f"{created:.2f} {time.monotonic() - t0:.2f}")

def eso_ready(n):  # ExternalSecrets with condition Ready=True
    st, body = req(kubeapi.connect(), "GET", "/apis/external-secrets.io/v1/namespaces/bench/externalsecrets")
    items = json.loads(body)["items"]
    print(sum(1 for it in items for c in it.get("status", {}).get("conditions", [])
              if c["type"] == "Ready" and c["status"] == "True"))

def store_ready():
    for _ in range(300):
        st, body = req(kubeapi.connect(), "GET", "/apis/external-secrets.io/v1/namespaces/bench/secretstores/bao")
        conds = json.loads(body).get("status", {}).get("conditions", []) if st == 200 else []
        if any(c["type"] == "Ready" and c["status"] == "True" for c in conds):
            return
        time.sleep(0.2)
    sys.exit("SecretStore bao not Ready after 60 s: " + body.decode()[:500])

def calls():  # apiserver_request_total for secrets/externalsecrets, by resource/verb
    st, body = req(kubeapi.connect(), "GET", "/metrics")
    c = collections.Counter()
    for line in body.decode().splitlines():
        if line.startswith("apiserver_request_total{"):
            m = re.search(r'resource="(secrets|externalsecrets)"', line)
            if m:
                sub = re.search(r'subresource="([a-z]+)"', line)
                verb = re.search(r'verb="([A-Z]+)"', line).group(1)
                res = m.group(1) + ("/" + sub.group(1) if sub else "")
                c[f"{res}:{verb}"] += int(float(line.rsplit(" ", 1)[1]))
    print(json.dumps(c))

def diff(before, after):  # "secrets: GET 1000, PUT 3 | writes W | es-writes E"
    b, a = json.loads(before), json.loads(after)
    d = {k: a.get(k, 0) - b.get(k, 0) for k in sorted(set(a) | set(b))}
    d = {k: v for k, v in d.items() if v}
    ro = ("GET", "LIST", "WATCH")
    sw = sum(v for k, v in d.items() if k.startswith("secrets:") and k.split(":")[1] not in ro)
    ew = sum(v for k, v in d.items() if k.startswith("externalsecrets") and k.split(":")[1] not in ro)
    print((", ".join(f"{k} {v}" for k, v in d.items()) or "none") + f"\t{sw}\t{ew}")

def latency(trials, n, addr, gap):  # change one secret per trial; time both targets
    a = urlparse(addr)
    bao = http.client.HTTPConnection(a.hostname, a.port)
    kc = kubeapi.connect()
    pending, lat = [], {"eso": [], "kvault": [], "eso-rollout": [], "kvault-rollout": []}
    rolling = []
    t0 = time.monotonic()
    k = 0
    while k < trials or pending or rolling:
        now = time.monotonic()
        if k < trials and now >= t0 + k * gap:
            i = changed(k, n)
            gens = {ns: generation(kc, ns, i) for ns in ("bench", "bench-kvault")}
            val = f"changed-{k}-{int(time.time())}"
            body = json.dumps({"data": {"user": f"user{i}", "pass": val, "host": "db.internal"}})
            bao.request("POST", f"/v1/secret/data/bench/s{i:04d}", body, {"X-Vault-Token": "bench"})
            r = bao.getresponse(); r.read(); assert r.status == 200, r.status
            t = time.monotonic()
            pending += [("eso", "bench", i, val, t), ("kvault", "bench-kvault", i, val, t)]
            rolling += [("eso-rollout", "bench", i, gens["bench"], t),
                        ("kvault-rollout", "bench-kvault", i, gens["bench-kvault"], t)]
            k += 1
        for p in list(rolling):
            who, ns, i, gen, t = p
            if generation(kc, ns, i) > gen:
                lat[who].append(time.monotonic() - t); rolling.remove(p)
            elif time.monotonic() - t > 180:
                lat[who].append(float("inf")); rolling.remove(p)
        for p in list(pending):
            who, ns, i, val, t = p
            st, body = req(kc, "GET", f"/api/v1/namespaces/{ns}/secrets/s{i:04d}")
            if st == 200 and base64.b64decode(json.loads(body)["data"].get("pass", "")).decode() == val:
                lat[who].append(time.monotonic() - t); pending.remove(p)
            elif time.monotonic() - t > 180:
                lat[who].append(float("inf")); pending.remove(p)
        time.sleep(0.25)
    print(json.dumps(lat))

def shows(conn, ns, i, want=None, unlike=None):  # the target's pass is want / is not unlike
    st, body = req(conn, "GET", f"/api/v1/namespaces/{ns}/secrets/s{i:04d}")
    if st != 200:
        return False
    v = base64.b64decode(json.loads(body)["data"].get("pass", "")).decode()
    return v == want if want is not None else v != unlike

def repair(trials, n, gap):  # hand-edit one target of each tool; time until restored
    kc = kubeapi.connect()
    lat = {"eso": [], "kvault": []}
    for k in range(trials):
        i = (k * 37 + 11) % n
        edited = f"edited-{k}"
        patch = json.dumps({"data": {"pass": base64.b64encode(edited.encode()).decode()}})
        pending = []
        for who, ns in (("eso", "bench"), ("kvault", "bench-kvault")):
            kc.request("PATCH", f"/api/v1/namespaces/{ns}/secrets/s{i:04d}", patch,
                       kubeapi.headers(**{"Content-Type": "application/merge-patch+json"}))
            r = kc.getresponse(); r.read(); assert r.status == 200, r.status
            pending.append((who, ns, time.monotonic()))
        while pending:
            for p in list(pending):
                who, ns, t = p
                if shows(kc, ns, i, unlike=edited):
                    lat[who].append(time.monotonic() - t); pending.remove(p)
                elif time.monotonic() - t > 180:
                    lat[who].append(float("inf")); pending.remove(p)
            time.sleep(0.05)
        time.sleep(gap)
    print(json.dumps(lat))

def pushed(trials, n, ns, who, what, push):  # TRIALS changes pushed at once: time target, then rollout
    kc = kubeapi.connect()
    lat = {who: [], f"{who}-rollout": []}
    for k in range(trials):
        i = forced(k, n)
        gen = generation(kc, ns, i)
        val = f"{who}-{k}-{int(time.time())}"
        t = time.monotonic()
        push(kc, i, val)
        for done, key in ((lambda: shows(kc, ns, i, want=val), who),
                          (lambda: generation(kc, ns, i) > gen, f"{who}-rollout")):
            while not done():
                assert time.monotonic() - t < 60, f"{what}: {key} never came"
                time.sleep(0.01)
            lat[key].append(time.monotonic() - t)
        time.sleep(1)
    print(json.dumps(lat))

def put_plan(trials, n, kvault, plan):  # kvault put --plan --rollout: command start -> target, rollout
    import subprocess
    def push(kc, i, val):
        subprocess.run([kvault, "put", "-q", f"vault:secret/bench/s{i:04d}", f"user=user{i}", "pass=-",
                        "host=db.internal", "--plan", plan, "--rollout"], input=val.encode(), check=True)
    pushed(trials, n, "bench-kvault", "kvault", "put --plan --rollout", push)

def force_sync(trials, n, addr):  # ESO's fastest path: write, then annotate force-sync; Reloader rolls
    a = urlparse(addr)
    bao = http.client.HTTPConnection(a.hostname, a.port)
    def push(kc, i, val):
        body = json.dumps({"data": {"user": f"user{i}", "pass": val, "host": "db.internal"}})
        bao.request("POST", f"/v1/secret/data/bench/s{i:04d}", body, {"X-Vault-Token": "bench"})
        r = bao.getresponse(); r.read(); assert r.status == 200, r.status
        patch = {"metadata": {"annotations": {"external-secrets.io/force-sync": f"{time.time():.6f}"}}}
        st, b = req(kc, "PATCH", f"/apis/external-secrets.io/v1/namespaces/bench/externalsecrets/s{i:04d}", patch,
                    **{"Content-Type": "application/merge-patch+json"})
        assert st == 200, (st, b[:300])
    pushed(trials, n, "bench", "eso", "force-sync", push)

cmd, args = sys.argv[1], sys.argv[2:]
{"seed": lambda: seed(int(args[0]), args[1], args[2], int(args[3])),
 "workloads": lambda: workloads(int(args[0]), int(args[1])),
 "force-sync": lambda: force_sync(int(args[0]), int(args[1]), args[2]),
 "count": lambda: print(count(kubeapi.connect(), args[0])),
 "eso-first-sync": lambda: eso_first_sync(int(args[0])),
 "eso-ready": lambda: eso_ready(int(args[0])),
 "store-ready": store_ready,
 "calls": calls,
 "diff": lambda: diff(args[0], args[1]),
 "latency": lambda: latency(int(args[0]), int(args[1]), args[2], float(args[3])),
 "repair": lambda: repair(int(args[0]), int(args[1]), float(args[2])),
 "put-plan": lambda: put_plan(int(args[0]), int(args[1]), args[2], args[3])}[cmd]()
PY
export BENCH_DIR=$PWD/bench
k() { python3 "$work/k.py" "$@"; }
k seed "$n" "$VAULT_ADDR" "$work/plan.yaml" "$trials"
k workloads "$trials" "$n"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime+stime, clock ticks
hz=$(getconf CLK_TCK)
per_min() { python3 -c "print(f'{($2 - $1) / $hz / $3 * 60:.3f}')" ; } # T0 T1 SECONDS
bao_reqs() { grep -c '"type":"response"' "$work/audit.log" || true; }
window() { # NAME PID SECONDS: CPU/min of PID, apiserver and OpenBao; API calls
    local name=$1 pid=$2 secs=$3 c0 c1 a0 a1 b0 b1 k0 k1
    k0=$(k calls); b0=$(bao_reqs); c0=$(cpu_ticks "$pid"); a0=$(cpu_ticks "$apiserver_pid")
    sleep "$secs"
    c1=$(cpu_ticks "$pid"); a1=$(cpu_ticks "$apiserver_pid"); b1=$(bao_reqs); k1=$(k calls)
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$(per_min "$c0" "$c1" "$secs")" "$(per_min "$a0" "$a1" "$secs")" \
        "$(python3 -c "print(f'{($b1 - $b0) / $secs * 60:.0f}')")" "$(k diff "$k0" "$k1")" >>"$work/idle.tsv"
}

# ---- kvault: first sync (hyperfine), its API calls, then idle under --watch
sync_cmd="$kvault sync -q -f $work/plan.yaml -o json"
k0=$(k calls)
$sync_cmd >"$work/kv-first.json"
k1=$(k calls)
python3 -c "import json; r=json.load(open('$work/kv-first.json')); assert r['created']==$n and not r['errors'], r['errors'][:3]"
kv_first_calls=$(k diff "$k0" "$k1")
hyperfine --runs 3 --export-json "$work/kv-first-hf.json" \
    --prepare "curl -sf --cacert $KVAULT_TEST_KUBE_CA -H 'Authorization: Bearer $KVAULT_TEST_KUBE_TOKEN_ADMIN' -X DELETE $KVAULT_TEST_KUBE_SERVER/api/v1/namespaces/bench-kvault/secrets -o /dev/null" \
    -n kvault-first-sync "$sync_cmd" >/dev/null
read -r kv_first kv_first_cpu < <(python3 -c "
import json; r=json.load(open('$work/kv-first-hf.json'))['results'][0]
print(f\"{r['mean']:.2f} {r['user'] + r['system']:.2f}\")")
[ "$(k count bench-kvault)" -eq "$n" ]

start_watch() {
    "$kvault" sync --watch 1m -f "$work/plan.yaml" -o json >>"$work/watch.json" 2>>"$work/watch.log" &
    watch_pid=$!
    local lines0; lines0=$(wc -l <"$work/watch.json")
    for _ in $(seq 600); do [ "$(wc -l <"$work/watch.json")" -gt "$lines0" ] && return; sleep 0.1; done
    echo "kvault --watch: no first pass after 60 s" >&2; exit 1
}
: >"$work/watch.json"
start_watch
sleep 30 # the window then holds the passes at ~60 s and ~120 s (±10 % jitter), not the first
window kvault "$watch_pid" "$idle"
kill "$watch_pid"; wait "$watch_pid" 2>/dev/null || true; watch_pid=

# ---- ESO: start it, one SecretStore, then first sync of N ExternalSecrets
kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Secret
metadata: {name: bao-token, namespace: bench}
stringData: {token: bench}
---
apiVersion: external-secrets.io/v1
kind: SecretStore
metadata: {name: bao, namespace: bench}
spec:
  provider:
    vault:
      server: $VAULT_ADDR
      path: secret
      version: v2
      auth:
        tokenSecretRef: {name: bao-token, key: token}
EOF
eso_flags="${ESO_FLAGS:---concurrent 8} --enable-leader-election=false --metrics-addr 127.0.0.1:$(freeport) --live-addr 127.0.0.1:$(freeport)"
# shellcheck disable=SC2086
"$eso" $eso_flags >"$work/eso.log" 2>&1 &
eso_pid=$!
KUBERNETES_NAMESPACE=bench "$reloader" --reload-strategy annotations >"$work/reloader.log" 2>&1 &
reloader_pid=$!
k store-ready
e0=$(cpu_ticks "$eso_pid"); k0=$(k calls)
read -r eso_create eso_first < <(k eso-first-sync "$n")
e1=$(cpu_ticks "$eso_pid"); k1=$(k calls)
eso_first_calls=$(k diff "$k0" "$k1")
eso_first_cpu=$(python3 -c "print(f'{($e1 - $e0) / $hz:.2f}')")
sleep 5
eso_ready=$(k eso-ready "$n")
sleep 5
r0=$(cpu_ticks "$reloader_pid")
window eso "$eso_pid" "$idle"
reloader_cpu=$(per_min "$r0" "$(cpu_ticks "$reloader_pid")" "$idle")

# ---- latency: both running, the same OpenBao changes
start_watch
lat=$(k latency "$trials" "$n" "$VAULT_ADDR" 6)
fix=$(k repair "$trials" "$n" 2)
kill "$watch_pid"; wait "$watch_pid" 2>/dev/null || true; watch_pid=
put=$(k put-plan "$trials" "$n" "$kvault" "$work/plan.yaml")
forced=$(k force-sync "$trials" "$n" "$VAULT_ADDR")
eso_rss=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$eso_pid/status")
kill "$eso_pid" "$reloader_pid"; wait "$eso_pid" "$reloader_pid" 2>/dev/null || true; eso_pid= reloader_pid=

# ---- report
idle_field() { awk -F'\t' -v w="$1" -v f="$2" '$1 == w {print $f}' "$work/idle.tsv"; }
ratio() { python3 -c "a, b = float('$1'), float('$2'); print(f'{a / b:.2f}' if b else ('0.00' if a == 0 else 'inf'))"; }
stats() { python3 - "$1" "$2" <<'PY'
import json, statistics, sys
v = sorted(json.loads(sys.argv[1])[sys.argv[2]])
print(f"{statistics.median(v):.2f} {v[0]:.2f} {v[-1]:.2f}")
PY
}
read -r eso_p50 eso_min eso_max < <(stats "$lat" eso)
read -r kv_p50 kv_min kv_max < <(stats "$lat" kvault)
read -r eso_fix eso_fix_min eso_fix_max < <(stats "$fix" eso)
read -r kv_fix kv_fix_min kv_fix_max < <(stats "$fix" kvault)
read -r kv_put kv_put_min kv_put_max < <(stats "$put" kvault)
read -r eso_roll eso_roll_min eso_roll_max < <(stats "$lat" eso-rollout)
read -r kv_roll kv_roll_min kv_roll_max < <(stats "$lat" kvault-rollout)
read -r kv_put_roll kv_put_roll_min kv_put_roll_max < <(stats "$put" kvault-rollout)
read -r eso_forced eso_forced_min eso_forced_max < <(stats "$forced" eso)
read -r eso_forced_roll eso_forced_roll_min eso_forced_roll_max < <(stats "$forced" eso-rollout)
eso_cpu=$(idle_field eso 2); kv_cpu=$(idle_field kvault 2)
{
    echo "# kvault sync vs External Secrets Operator"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr) (shared with other builds; everything ran under the same \`nice\`)"
    echo "- kvault: $("$kvault" --version); ESO: v2.9.0 commit \`$eso_commit\`, \`go build -tags vault\` ($(/usr/local/go/bin/go version | awk '{print $3}'), CGO_ENABLED=0, $(du -m "$eso" | cut -f1) MB binary)"
    echo "- $("$KVAULT_TEST_BAO" version | head -n1); kube-apiserver $("$KVAULT_KUBE_APISERVER" --version 2>/dev/null | awk '{print $2}') + etcd $("$KVAULT_ETCD" --version | awk '/etcd Version/ {print $3}'); OpenBao file audit device on for the whole run"
    echo "- command: \`bench/eso.sh\` (N=$n, IDLE=$idle s, TRIALS=$trials); $n secrets \`secret/bench/sNNNN\`, 3 keys each"
    echo "- kvault: \`kvault sync -q -f plan.yaml -o json\` (plan: \`- {source: vault:secret/bench/sNNNN, target: k8s:bench-kvault/sNNNN}\`, default --concurrency 8); idle and latency: \`kvault sync --watch 1m -f plan.yaml -o json\` (default ±10 % jitter)"
    echo "- Reloader: commit \`${reloader_commit:0:12}\` (main at chart-v2.2.16), built from source ($(du -m "$reloader" | cut -f1) MB binary), \`KUBERNETES_NAMESPACE=bench reloader --reload-strategy annotations\`; a Deployment per timed secret in each namespace ($(grep -c 'rollout: auto' "$work/plan.yaml") plan entries with \`rollout: auto\`)"
    echo "- ESO: \`external-secrets $eso_flags\` (KUBECONFIG = admin); SecretStore \`bao\` (vault, path secret, version v2, tokenSecretRef); per secret an ExternalSecret \`sNNNN\` in \`bench\` with \`refreshInterval: 1m\`, \`dataFrom: [{extract: {key: bench/sNNNN}}]\`, target \`sNNNN\`"
    echo
    echo "| measure | ESO | kvault | kvault / ESO |"
    echo "|:---|---:|---:|---:|"
    echo "| first sync of $n, wall s (ESO: first ExternalSecret POST → all $n Secrets exist; kvault: mean of 3) | $eso_first | $kv_first | $(ratio "$kv_first" "$eso_first") |"
    echo "| first sync, CPU s of the tool's process | $eso_first_cpu | $kv_first_cpu | $(ratio "$kv_first_cpu" "$eso_first_cpu") |"
    echo "| idle, CPU s per minute of the tool's process | $eso_cpu | $kv_cpu | $(ratio "$kv_cpu" "$eso_cpu") |"
    echo "| idle, kube-apiserver CPU s per minute | $(idle_field eso 3) | $(idle_field kvault 3) | $(ratio "$(idle_field kvault 3)" "$(idle_field eso 3)") |"
    echo "| idle, OpenBao requests per minute | $(idle_field eso 4) | $(idle_field kvault 4) | $(ratio "$(idle_field kvault 4)" "$(idle_field eso 4)") |"
    echo "| idle, Secret write calls (POST/PUT/PATCH/DELETE) in $idle s | $(idle_field eso 6) | $(idle_field kvault 6) | |"
    echo "| idle, ExternalSecret writes (status updates) in $idle s | $(idle_field eso 7) | $(idle_field kvault 7) | |"
    echo "| change → target latency p50, s ($trials trials; min–max) | $eso_p50 ($eso_min–$eso_max) | $kv_p50 ($kv_min–$kv_max) | $(ratio "$kv_p50" "$eso_p50") |"
    echo "| hand edit of a target → repaired, p50 s ($trials trials; min–max) | $eso_fix ($eso_fix_min–$eso_fix_max) | $kv_fix ($kv_fix_min–$kv_fix_max) | $(ratio "$kv_fix" "$eso_fix") |"
    echo "| change → Deployment rolled, p50 s ($trials trials; min–max; ESO + Reloader vs kvault \`rollout: auto\`) | $eso_roll ($eso_roll_min–$eso_roll_max) | $kv_roll ($kv_roll_min–$kv_roll_max) | $(ratio "$kv_roll" "$eso_roll") |"
    echo "| pushed change → target shows it, p50 s ($trials trials; ESO: write + force-sync annotation; kvault: \`kvault put ... --plan plan.yaml --rollout\`) | $eso_forced ($eso_forced_min–$eso_forced_max) | $kv_put ($kv_put_min–$kv_put_max) | $(ratio "$kv_put" "$eso_forced") |"
    echo "| pushed change → Deployment rolled, p50 s ($trials trials; ESO + Reloader vs the same \`put --rollout\`) | $eso_forced_roll ($eso_forced_roll_min–$eso_forced_roll_max) | $kv_put_roll ($kv_put_roll_min–$kv_put_roll_max) | $(ratio "$kv_put_roll" "$eso_forced_roll") |"
    echo "| Reloader idle, CPU s per minute (beside ESO's) | $reloader_cpu | | |"
    echo
    echo "Notes:"
    echo
    echo "- ESO's first sync includes the script's $n ExternalSecret POSTs ($eso_create s of it, one keep-alive connection; they are also in its first-sync ExternalSecret writes below); $eso_ready of $n ExternalSecrets were Ready shortly after. ESO peak RSS: $eso_rss MB."
    echo "- Latency is bound by the polling interval for both (refreshInterval 1m, --watch 1m): expect ~uniform on 0–60 s, p50 ~30 s; the ratio says nothing about either tool's speed. OpenBao 2.7 offers no event subscription (\`sys/events/subscribe\` is an unsupported path), so neither can be told of a change; \`put --plan\` is kvault's way around the wait (the whole command: process start, plan of $n entries, write, sync of the one entry)."
    echo "- Repairs: both watch their targets (ESO: metadata watch of Secrets; kvault --watch: one reflector per namespace on its label); kvault waits 25 ms for more edits before it repairs (at most one repair a second)."
    echo "- The idle windows start after the first sync settled (kvault: 30 s after its watch's first pass) and hold two refresh rounds of each."
    echo
    echo "apiserver requests (\`apiserver_request_total\`, resource:verb):"
    echo
    echo "| phase | calls | Secret writes | ExternalSecret writes |"
    echo "|:---|:---|---:|---:|"
    echo "| ESO first sync | $(tr '\t' '|' <<<"$eso_first_calls" | sed 's/|/ | /g') |"
    echo "| kvault first sync (one run) | $(tr '\t' '|' <<<"$kv_first_calls" | sed 's/|/ | /g') |"
    echo "| ESO idle $idle s | $(idle_field eso 5) | $(idle_field eso 6) | $(idle_field eso 7) |"
    echo "| kvault idle $idle s | $(idle_field kvault 5) | $(idle_field kvault 6) | $(idle_field kvault 7) |"
} >"$out"
cat "$out"
