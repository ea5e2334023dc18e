#!/usr/bin/env bash
# bench/vault-audit.sh — `kvault audit --vault-policies` offline and
# `kvault audit --vault` live on one generated inventory: 500 ACL policies
# of 20 rules each (exact, `*` and `+` paths, some deny) and 2,000 auth
# roles (1,000 Kubernetes, 1,000 AppRole), plus 200 KV v2 secrets.
#
#   bench/vault-audit.sh [RESULTS_FILE]   (default: bench/results/vault-audit.md)
#
# Targets (issue #15): offline analysis under 0.5 s; live within 1.5x the
# API reads alone. "The reads alone" is curl fetching the same endpoints
# kvault reads (the policy, role and metadata lists, then every item in one
# curl --parallel, 16 at a time as kvault does), answers thrown away. No peer audits Vault
# policies; the reads are the floor any such tool pays.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/vault-audit.md}
mkdir -p "$(dirname "$out")"
# shellcheck source=bench/common.sh
. bench/common.sh
bao=${KVAULT_TEST_BAO:-$(command -v bao)}

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bao" server -dev -dev-root-token-id=bench-root -dev-listen-address="127.0.0.1:$port" >"$work/bao.log" 2>&1 &
bao_pid=$!
trap 'kill $bao_pid 2>/dev/null || true; rm -rf "$work"' EXIT
export VAULT_ADDR="http://127.0.0.1:$port" VAULT_TOKEN=bench-root
for _ in $(seq 50); do curl -sf "$VAULT_ADDR/v1/sys/health" >/dev/null && break; sleep 0.2; done

# The inventory, written as files (offline) and loaded into the server (live).
python3 - "$work/offline" "$VAULT_ADDR" <<'PY'
import json, os, sys, concurrent.futures, urllib.request
out, addr = sys.argv[1], sys.argv[2]
os.makedirs(f"{out}/roles")
def call(method, path, body):
    req = urllib.request.Request(f"{addr}/v1/{path}", data=json.dumps(body).encode(), method=method,
                                 headers={"X-Vault-Token": "bench-root"})
    urllib.request.urlopen(req).read()
shapes = ['secret/data/team{t}/app{i}/*', 'secret/metadata/team{t}/+/app{i}', 'secret/data/team{t}/app{i}/db',
          'kv{t}/data/+/svc{i}*', 'sys/policies/acl/team{t}-{i}', 'auth/token/lookup-self', 'secret/data/shared/{i}']
policies = {}
for p in range(500):
    rules = []
    for r in range(20):
        path = shapes[r % len(shapes)].format(t=p % 50, i=r)
        caps = '["deny"]' if r % 9 == 8 else ('["read", "list"]' if r % 2 else '["read"]')
        rules.append(f'path "{path}" {{ capabilities = {caps} }}')
    if p % 50 == 0:
        rules.append('path "secret/*" { capabilities = ["read"] }')
    policies[f"pol{p}"] = "\n".join(rules) + "\n"
roles = []
for r in range(2000):
    if r % 2:
        roles.append({"mount": "auth/kubernetes", "method": "kubernetes", "name": f"k{r}",
                      "config": {"bound_service_account_names": ["*"] if r % 100 == 1 else [f"sa{r}"],
                                 "bound_service_account_namespaces": [f"ns{r % 200}"],
                                 "token_policies": [f"pol{r % 500}"], "token_max_ttl": 3600}})
    else:
        roles.append({"mount": "auth/approle", "method": "approle", "name": f"a{r}",
                      "config": {"token_policies": [f"pol{r % 500}"], "secret_id_ttl": 0 if r % 10 == 0 else 600}})
for name, hcl in policies.items():
    open(f"{out}/{name}.hcl", "w").write(hcl)
json.dump(roles, open(f"{out}/roles/all.json", "w"))
call("POST", "sys/auth/kubernetes", {"type": "kubernetes"})
call("POST", "sys/auth/approle", {"type": "approle"})
jobs = [("PUT", f"sys/policies/acl/{n}", {"policy": h}) for n, h in policies.items()]
jobs += [("POST", f"{r['mount']}/role/{r['name']}", r["config"]) for r in roles]
jobs += [("POST", f"secret/data/app{i // 20}/s{i}", {"data": {"k": "v"}}) for i in range(200)]
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(lambda j: call(*j), jobs))
PY

# The endpoints kvault reads, for the curl floor: the lists one by one (as
# kvault walks them), then every item in one curl, 16 at a time over
# kept-alive connections (--parallel): the cheapest way to make the reads.
cat >"$work/reads.sh" <<SH
#!/usr/bin/env bash
set -euo pipefail
api="$VAULT_ADDR/v1"
list() { curl -sf -X LIST -H "X-Vault-Token: bench-root" "\$api/\$1"; }
keys() { python3 -c "import json,sys; [print('\$1'+k) for k in json.load(sys.stdin)['data']['keys']]"; }
{ printf '%s\n' sys/auth sys/audit sys/mounts sys/leader secret/config auth/token/lookup-self
  list sys/policies/acl | keys sys/policies/acl/
  for m in kubernetes approle; do list auth/\$m/role | keys auth/\$m/role/; done
  list secret/metadata/ | keys secret/metadata/ | while read -r d; do list "\$d" | keys "\$d"; done
} | sed -e "s#^#url = \"\$api/#" -e 's#\$#"\\noutput = "/dev/null"#' >"$work/urls.cfg"
curl -sf --parallel --parallel-max 16 -H "X-Vault-Token: bench-root" -K "$work/urls.cfg"
SH
chmod +x "$work/reads.sh"
"$work/reads.sh"

set +e
"$kvault" audit --vault-policies "$work/offline" -o json >"$work/offline.json"; off_code=$?
"$kvault" audit --vault -o json >"$work/live.json"; live_code=$?
set -e
[ "$off_code" != 2 ] && [ "$live_code" != 2 ] || { echo "kvault audit failed ($off_code, $live_code)" >&2; exit 1; }
count() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$1"; }

hyperfine --warmup 1 --runs 10 -i --export-markdown "$work/offline.md" \
    -n "kvault audit --vault-policies (500 policies x 20 rules, 2,000 roles)" "$kvault audit --vault-policies $work/offline -o json"
hyperfine --warmup 1 --runs 10 -i --export-markdown "$work/live.md" \
    -n "kvault audit --vault (live, same inventory + 200 secrets)" "$kvault audit --vault -o json" \
    -n "curl: the same reads (lists, then --parallel 16)" "$work/reads.sh"
ratio=$(mean_ratio "$work/live.md" 2)
{
    echo "# Vault audit benchmark"
    echo
    echo "- date: $(date -u +%F)  machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo "- kvault: $("$kvault" --version)  OpenBao: $("$bao" version | head -1)  curl: $(curl --version | head -1 | cut -d' ' -f1-2)"
    echo "- inventory: 500 policies x 20 rules (exact, \`*\`, \`+\`, deny), 2,000 roles (1,000 Kubernetes, 1,000 AppRole); live adds 200 KV v2 secrets"
    echo "- findings: offline $(count "$work/offline.json"), live $(count "$work/live.json")"
    echo "- ratio kvault audit --vault / the same reads with curl: **$ratio** (target ≤ 1.5)"
    echo
    echo "Offline (target < 0.5 s):"
    echo
    cat "$work/offline.md"
    echo
    echo "Live:"
    echo
    cat "$work/live.md"
} >"$out"
cat "$out"
