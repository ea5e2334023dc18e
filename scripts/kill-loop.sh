#!/usr/bin/env bash
# kill-loop.sh — SIGKILL `kvault sync` and `kvault rotate` at seeded random
# points, many times, and prove that every run ends in a state the next run
# (or `rotate --resume`) converges from, with no version lost.
#
#   scripts/kill-loop.sh [RUNS] [SEED] [RESULTS_FILE]
#       defaults: 50 runs of each, seed 1, reliability/kill-loops.md
#
# Set-up: an OpenBao dev server and the test cluster (etcd + kube-apiserver),
# 100 KV v2 secrets synced to 100 Kubernetes Secrets, all linked to one
# Deployment (`rollout: [deployment/app]`).
# Each run: change 20 random sources (a new KV version each), start
# `kvault sync`, SIGKILL it after a random delay in [0, 1.2 x the time of an
# uninterrupted sync], then check:
#   1. every source version written so far is still readable (nothing lost;
#      KV v2's own retention, the newest 10 versions, is the window checked);
#   2. a rerun of `kvault sync` exits 0 with no errors;
#   3. after it, `kvault sync --dry-run` wants no write and no rollout, and
#      the Deployment's annotation matches (the rollout converged too).
# Then `kvault rotate vault:secret/kl/s000#pass --plan --rollout`, killed the
# same way, 50 times; after each: `rotate --resume` exits 0, no rotation is
# left pending, every version written so far is readable, the current data
# is the newest version's, and a dry-run sync wants nothing.
# Exit 1 if any run fails; the results file lists every run.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
seed=${2:-1}
out=${3:-reliability/kill-loops.md}
mkdir -p "$(dirname "$out")"
eval "$(scripts/install-test-deps.sh 2>/dev/null | sed 's/^/export /')"
cargo build --release --locked -q
kvault=$PWD/target/release/kvault

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
HOME=$work "$KVAULT_TEST_BAO" server -dev -dev-listen-address="127.0.0.1:$port" -dev-root-token-id=kill-loop >"$work/bao.log" 2>&1 &
bao_pid=$!
cleanup() {
    kill "$bao_pid" 2>/dev/null || true
    scripts/kube-test-cluster.sh stop "$work/kube" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
export VAULT_ADDR="http://127.0.0.1:$port" VAULT_TOKEN=kill-loop HOME=$work
for _ in $(seq 100); do "$KVAULT_TEST_BAO" status >/dev/null 2>&1 && break; sleep 0.1; done
scripts/kube-test-cluster.sh start "$work/kube" --encryption none >/dev/null
set -a
# shellcheck disable=SC1091
. "$work/kube/env"
set +a
export KUBECONFIG=$KVAULT_TEST_KUBECONFIG_ADMIN

python3 - "$kvault" "$work" "$runs" "$seed" "$out" <<'PY'
import http.client, json, os, random, signal, ssl, subprocess, sys, time, urllib.parse
kvault, work, runs, seed, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
N, CHANGED = 100, 20
vault = urllib.parse.urlparse(os.environ["VAULT_ADDR"])
kube = urllib.parse.urlparse(os.environ["KVAULT_TEST_KUBE_SERVER"])
ctx = ssl.create_default_context(cafile=os.environ["KVAULT_TEST_KUBE_CA"])
ktoken = os.environ["KVAULT_TEST_KUBE_TOKEN_ADMIN"]

def vcall(method, path, body=None):
    c = http.client.HTTPConnection(vault.hostname, vault.port)
    c.request(method, path, json.dumps(body) if body else None, {"X-Vault-Token": "kill-loop"})
    r = c.getresponse(); data = r.read()
    return r.status, (json.loads(data) if data else None)

def kcall(method, path, body=None):
    c = http.client.HTTPSConnection(kube.hostname, kube.port, context=ctx)
    c.request(method, path, json.dumps(body) if body else None,
              {"Authorization": f"Bearer {ktoken}", "Content-Type": "application/json"})
    r = c.getresponse(); data = r.read()
    return r.status, (json.loads(data) if data else None)

def lost(path, expected_current=None):
    """What is missing of a secret's history. KV v2 keeps the newest
    max_versions (10 by default) by its own policy: those, all of them,
    must be listed, readable and neither deleted nor destroyed."""
    s, meta = vcall("GET", f"/v1/secret/metadata/{path}")
    if s != 200:
        return [f"{path}: metadata HTTP {s}"]
    m = meta["data"]
    current = m["current_version"]
    if expected_current is not None and current != expected_current:
        return [f"{path}: current version {current}, expected {expected_current}"]
    keep = m.get("max_versions") or 10
    want = set(range(max(1, current - keep + 1), current + 1))
    listed = {int(v): info for v, info in m["versions"].items()}
    problems = [f"{path} v{v} missing" for v in sorted(want - set(listed))]
    for v in sorted(want & set(listed)):
        info = listed[v]
        if info.get("deletion_time") or info.get("destroyed"):
            problems.append(f"{path} v{v} deleted")
        elif vcall("GET", f"/v1/secret/data/{path}?version={v}")[0] != 200:
            problems.append(f"{path} v{v} unreadable")
    return problems

def unconverged():
    """What a dry-run sync of the whole plan would still do (nothing, once
    everything converged)."""
    check = sync("--dry-run")
    after = json.loads(check.stdout) if check.stdout.strip() else {}
    left = {k: after.get(k) for k in ("created", "updated", "metadata_updated")}
    if check.returncode != 0 or any(left.values()) or after.get("rollouts"):
        return [f"not converged: {left} rollouts {after.get('rollouts')}"]
    return []

def put(i, value):
    s, _ = vcall("POST", f"/v1/secret/data/kl/s{i:03d}", {"data": {"user": f"u{i}", "pass": value}})
    assert s == 200, s

def sync(*args):
    return subprocess.run([kvault, "sync", "-f", f"{work}/plan.yaml", "-o", "json", "-q", *args],
                          capture_output=True, text=True)

assert kcall("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kl"}})[0] == 201
deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app", "namespace": "kl"},
              "spec": {"selector": {"matchLabels": {"app": "app"}},
                       "template": {"metadata": {"labels": {"app": "app"}},
                                    "spec": {"containers": [{"name": "app", "image": "example/app",
                                             "envFrom": [{"secretRef": {"name": f"s{i:03d}"}} for i in range(3)]}]}}}}
assert kcall("POST", "/apis/apps/v1/namespaces/kl/deployments", deployment)[0] == 201
with open(f"{work}/plan.yaml", "w") as f:
    f.write("secrets:\n")
    for i in range(N):
        f.write(f"  - source: vault:secret/kl/s{i:03d}\n    target: k8s:kl/s{i:03d}\n    rollout: [deployment/app]\n")
versions = {}
for i in range(N):
    put(i, f"initial-{i}")
    versions[i] = 1
first = sync()
assert first.returncode == 0, first.stderr
# An uninterrupted sync of CHANGED changed sources: the scale of the kill delay.
rng = random.Random(seed)
for i in rng.sample(range(N), CHANGED):
    versions[i] += 1
    put(i, f"warmup-{i}")
t0 = time.monotonic(); r = sync(); full = time.monotonic() - t0
assert r.returncode == 0, r.stderr

rows, failures = [], 0
for run in range(1, runs + 1):
    rng = random.Random(seed * 100_003 + run)
    for i in rng.sample(range(N), CHANGED):
        versions[i] += 1
        put(i, f"run{run}-{i}-{rng.random()}")
    delay = rng.uniform(0, 1.2 * full)
    p = subprocess.Popen([kvault, "sync", "-f", f"{work}/plan.yaml", "-q"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    alive = p.poll() is None
    if alive:
        p.send_signal(signal.SIGKILL)
    p.wait()
    problems = []
    # 1. Nothing lost: every version written so far is readable.
    for i in rng.sample(range(N), 10):
        problems += lost(f"kl/s{i:03d}", versions[i])
    # 2. The rerun succeeds.
    rerun = sync()
    report = json.loads(rerun.stdout) if rerun.stdout.strip() else {}
    if rerun.returncode != 0 or report.get("errors"):
        problems.append(f"rerun exit {rerun.returncode}: {rerun.stderr.strip()[:200]}")
    # 3. ... and converged: nothing left to write or roll out.
    problems += unconverged()
    ok = not problems
    failures += not ok
    rows.append(f"| {run} | {delay * 1000:.0f} | {'killed' if alive else 'had finished'} | "
                f"{report.get('updated', '?')} | {len(report.get('rollouts', []))} | "
                f"{'converged' if ok else 'FAILED: ' + '; '.join(problems)} |")
    print(rows[-1], flush=True)

killed = sum("| killed |" in r for r in rows)

# Rotate: kill at random points, then --resume.
REF = "vault:secret/kl/s000#pass"
def rotate(*args):
    return subprocess.run([kvault, "rotate", REF, "--plan", f"{work}/plan.yaml", "--rollout", "--yes", *args],
                          capture_output=True, text=True)
def meta0():
    s, m = vcall("GET", "/v1/secret/metadata/kl/s000")
    assert s == 200, s
    return m["data"]
t0 = time.monotonic(); r = rotate(); rot_full = time.monotonic() - t0
assert r.returncode == 0, r.stderr
rot_rows, rot_failures = [], 0
for run in range(1, runs + 1):
    rng = random.Random(seed * 200_003 + run)
    before = meta0()["current_version"]
    delay = rng.uniform(0, 1.2 * rot_full)
    p = subprocess.Popen([kvault, "rotate", REF, "--plan", f"{work}/plan.yaml", "--rollout", "--yes"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    alive = p.poll() is None
    if alive:
        p.send_signal(signal.SIGKILL)
    p.wait()
    problems = []
    resume = rotate("--resume", "-o", "json")
    outcome = (json.loads(resume.stdout).get("outcome") if resume.stdout.strip() else None)
    if resume.returncode != 0:
        problems.append(f"resume exit {resume.returncode}: {resume.stderr.strip()[-200:]}")
    m = meta0()
    custom = m.get("custom_metadata") or {}
    if custom.get("kvault.dev/rotation-pending", "-") != "-":
        problems.append(f"still pending: {custom.get('kvault.dev/rotation-pending')}")
    now = m["current_version"]
    problems += lost("kl/s000")
    if now < before:
        problems.append(f"version went back from {before} to {now}")
    problems += unconverged()
    ok = not problems
    rot_failures += not ok
    rot_rows.append(f"| {run} | {delay * 1000:.0f} | {'killed' if alive else 'had finished'} | {outcome} | "
                    f"{before} → {now} | {'converged' if ok else 'FAILED: ' + '; '.join(problems)} |")
    print(rot_rows[-1], flush=True)
rot_killed = sum("| killed |" in r for r in rot_rows)

with open(out, "w") as f:
    f.write("## Kill loop: `kvault sync` (SIGKILL at random points)\n\n")
    f.write(f"Command: `scripts/kill-loop.sh {runs} {seed}`; run {time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}; "
            f"{N} secrets OpenBao → kube-apiserver, {CHANGED} changed per run, all linked to one Deployment; "
            f"uninterrupted sync of the changes: {full * 1000:.0f} ms; kill delay uniform in [0, {1.2 * full * 1000:.0f}] ms.\n\n")
    f.write(f"**{runs} runs, {killed} killed mid-run, {runs - failures} converged, {failures} failed.** "
            "Each run checks: every source version written so far readable (within KV v2's retention of 10 versions); the rerun exits 0 with no errors; "
            "a dry run after it wants no write and no rollout.\n\n")
    f.write("| run | kill after (ms) | kvault was | rerun updated | rerun rollouts | outcome |\n|---:|---:|---|---:|---:|---|\n")
    f.write("\n".join(rows) + "\n")
    f.write("\n## Kill loop: `kvault rotate` (SIGKILL at random points, then `--resume`)\n\n")
    f.write(f"`kvault rotate {REF} --plan PLAN --rollout --yes` (one Kubernetes target, one Deployment); "
            f"uninterrupted rotation: {rot_full * 1000:.0f} ms; kill delay uniform in [0, {1.2 * rot_full * 1000:.0f}] ms.\n\n")
    f.write(f"**{runs} runs, {rot_killed} killed mid-run, {runs - rot_failures} converged, {rot_failures} failed.** "
            "Each run checks: `--resume` exits 0; no rotation left pending; every version readable; "
            "no version number went back; a dry-run sync wants no write and no rollout.\n\n")
    f.write("| run | kill after (ms) | kvault was | resume outcome | versions | outcome |\n|---:|---:|---|---|---|---|\n")
    f.write("\n".join(rot_rows) + "\n")
print(f"sync: {runs} runs, {killed} killed mid-run, {failures} failed; "
      f"rotate: {runs} runs, {rot_killed} killed mid-run, {rot_failures} failed; see {out}")
sys.exit(1 if failures or rot_failures else 0)
PY
