#!/usr/bin/env bash
# tour.sh — the README's tour, run from nothing: a fresh local store, an
# OpenBao dev server and the Kubernetes test cluster (etcd + kube-apiserver,
# scripts/kube-test-cluster.sh), all on loopback, all stopped at the end.
#
# Usage: scripts/tour.sh > tour.out
#   needs `kvault` on PATH (or KVAULT_BIN) and what scripts/install-test-deps.sh
#   prints (KVAULT_TEST_BAO, KVAULT_KUBE_APISERVER, KVAULT_ETCD) in the
#   environment.
#
# stdout is the tour as the README shows it: `<!-- tour: NAME -->` opens a
# block, `$ COMMAND` lines are followed by what the command printed (stdout
# and stderr). Addresses and directories are shown as the README shows them
# (127.0.0.1:8200, 127.0.0.1:6443, /tmp/tour). tests/it/tour.rs runs this
# and compares each block with the README's, times and durations aside.
# A command that fails without `echo "exit $?"` after it fails the tour.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${KVAULT_BIN:-$(command -v kvault || true)}
[ -x "$bin" ] || { echo "tour: no kvault on PATH (or KVAULT_BIN)" >&2; exit 2; }
bao=${KVAULT_TEST_BAO:-$(command -v bao || true)}
[ -x "$bao" ] || { echo "tour: no bao (run scripts/install-test-deps.sh)" >&2; exit 2; }

T=$(mktemp -d /tmp/kvault-tour.XXXXXX)
mkdir -p "$T/bin" "$T/home" "$T/work"
ln -s "$bin" "$T/bin/kvault"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() {
    [ -n "${bao_pid:-}" ] && kill "$bao_pid" 2>/dev/null || true
    bash "$root/scripts/kube-test-cluster.sh" stop "$T/kube" >/dev/null 2>&1 || true
    rm -rf "$T"
}
trap cleanup EXIT

# Both servers keep audit logs for the access block: OpenBao 2 creates an
# audit device through the API only when its configuration allows it.
echo 'unsafe_allow_api_audit_creation = true' >"$T/bao.hcl"
cat >"$T/audit-policy.yaml" <<'YAML'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  resources: [{group: "", resources: [secrets]}]
- level: None
YAML
"$bao" server -dev -dev-root-token-id=tour-root-token -config="$T/bao.hcl" \
    -dev-listen-address="127.0.0.1:$port" >"$T/bao.log" 2>&1 &
bao_pid=$!
bash "$root/scripts/kube-test-cluster.sh" start "$T/kube" --encryption identity-then-secretbox \
    --apiserver-arg "--audit-policy-file=$T/audit-policy.yaml" \
    --apiserver-arg "--audit-log-path=$T/kube-audit.log" >"$T/kube.log" 2>&1 ||
    { cat "$T/kube.log" >&2; exit 2; }
# shellcheck disable=SC1091
. "$T/kube/env"
kube_port=${KVAULT_TEST_KUBE_SERVER##*:}
etcd_port=${KVAULT_TEST_ETCD_ENDPOINT##*:}
for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$port/v1/sys/health" >/dev/null && break
    sleep 0.2
done

# The tour's environment: nothing from the host but PATH.
export PATH="$T/bin:$PATH" HOME="$T/home" KVAULT_LOCAL_STORE="$T/home/store"
export VAULT_ADDR="http://127.0.0.1:$port" VAULT_TOKEN=tour-root-token
export KUBECONFIG="$KVAULT_TEST_KUBECONFIG_ADMIN" NO_COLOR=1 COLUMNS=100
unset KVAULT_LOCAL_KEY KVAULT_LOCAL_KEY_FILE BAO_ADDR BAO_TOKEN
cd "$T/work"
ln -s "$root/examples" examples

# What the README shows instead of this run's ports and directories.
shown() {
    sed -e "s#$T/work#/tmp/tour#g" -e "s#$T/home#~#g" -e "s#$T#/tmp/tour#g" \
        -e "s#127.0.0.1:$port#127.0.0.1:8200#g" -e "s#127.0.0.1:$kube_port#127.0.0.1:6443#g" \
        -e "s#127.0.0.1:$etcd_port#127.0.0.1:2379#g" \
        -e '$a\'
}
block() { printf '<!-- tour: %s -->\n' "$1"; }
run() {
    printf '$ %s\n' "$1" | shown
    if ! bash -c "$1" 2>&1 | shown; then
        echo "tour: \`$1\` failed" >&2
        exit 1
    fi
}
# Kubernetes objects the tour's sync rolls out (kubectl apply, or the API).
kube_apply() {
    curl -sf --cacert "$KVAULT_TEST_KUBE_CA" -H "Authorization: Bearer $KVAULT_TEST_KUBE_TOKEN_ADMIN" \
        -H 'Content-Type: application/json' -X POST --data-binary "$2" \
        "$KVAULT_TEST_KUBE_SERVER$1" >/dev/null
}
kube_apply /api/v1/namespaces '{"metadata":{"name":"prod"}}'
kube_apply /apis/apps/v1/namespaces/prod/deployments '{"metadata":{"name":"api"},"spec":{"selector":{"matchLabels":{"app":"api"}},"template":{"metadata":{"labels":{"app":"api"}},"spec":{"containers":[{"name":"api","image":"example/api:1","envFrom":[{"secretRef":{"name":"app-db"}}]}]}}}}'

block local
run "echo -n 's3cr3t-pw' | kvault put local:app/db password=- user=app"
run "echo -n 'n3w-pw' | kvault put local:app/db password=- --merge"
run "kvault put local:app/api token=@<(echo -n t0ken-1)"
run "kvault ls local:app"
run "kvault get local:app/db"
run "kvault get local:app/db#user          # one key: the raw value, no newline (pipe-friendly)"
run "kvault get local:app/db -o env        # shell-quoted, for eval"
run "kvault history local:app/db"
run 'kvault get local:app/db#nope; echo "exit $?"'
run "kvault get 'vault:secret/app#'; echo \"exit \$?\""

block copy
run "kvault cp local:app/db local:staging/db"
run 'kvault cp local:app/db local:staging/db; echo "exit $?"'
run "kvault cp 'local:app/db#password#1' local:staging/db --overwrite   # version 1 of one key"
run 'kvault diff local:app/db local:staging/db; echo "exit $?"'
run "kvault get local:staging/db -o dotenv"
run 'kvault delete local:staging/db; echo "exit $?"'
run "kvault delete local:staging/db#user -y"
run "kvault delete local:staging/db --all-versions -y"

block exec
cat > show.sh <<'SH'
echo "DB_USER=$DB_USER DB_PASS=<${#DB_PASS} chars> DSN=$DSN token=${VAULT_TOKEN:-<removed>}"
SH
printf 'DB_USER=local:app/db#user\nDB_PASS=local:app/db#password\nDSN="postgres://${local:app/db#user}@db/app"\n' > app.env
run "cat show.sh"
run "DB_USER=local:app/db#user DB_PASS=local:app/db#password DSN='postgres://\${local:app/db#user}@db/app' kvault exec -- sh show.sh"
run "cat app.env"
run "kvault exec --env-file app.env -- sh show.sh"
run 'DB_PASS=local:app/db#passwrd kvault exec -- sh show.sh; echo "exit $?"'
run "DB_PASS=local:app/db#passwrd kvault exec --ignore-missing -- sh -c 'echo \"DB_PASS is \${DB_PASS-unset}\"'"
run 'kvault exec -- no-such-app; echo "exit $?"'

block inject
run "kvault inject -f examples/kubernetes/app.yaml --vault-addr https://vault.vault.svc:8200 --vault-role shop-api"
run "kvault inject -f examples/kubernetes/app.yaml | kvault inject | cmp - <(kvault inject -q -f examples/kubernetes/app.yaml) && echo same bytes"
run "sed '/command:/d' examples/kubernetes/app.yaml | kvault inject > /dev/null; echo \"exit \$?\""

block webhook
run "kvault webhook manifests -n kvault --failure-policy ignore"
run "kvault audit --manifests examples/manifests/webhooks.yaml --fail-on high; echo \"exit \$?\""

block vault
run "kvault put vault:secret/app/db user=app password=@<(echo -n pg-pass-1)"
run "kvault put vault:secret/app/api token=@<(echo -n api-token-1)"
run "DB_USER=vault:secret/app/db#user DB_PASS=vault:secret/data/app/db#password VAULT_ENV_FROM_PATH=secret/app/api kvault exec -- sh -c 'echo \"\$DB_USER <\${#DB_PASS} chars> token=<\${#token} chars> VAULT_TOKEN=\${VAULT_TOKEN:-<removed>}\"'"
run "kvault ls vault:secret/app"
run "kvault history vault:secret/app/db"
run "kvault put vault:secret/old/db password=@<(echo -n one) && kvault put vault:secret/old/db password=@<(echo -n two)"
run "kvault delete vault:secret/old/db -y            # KV v2: soft delete of the latest version"
run "kvault get vault:secret/old/db#password#1"
run "kvault delete vault:secret/old/db --destroy --versions 1 -y"
run "kvault history vault:secret/old/db"
run "kvault delete vault:secret/old/db --all-versions -y"

block audit
run "kvault audit --manifests examples/manifests > findings.txt; echo \"exit \$?\""
run "head -4 findings.txt"
run "kvault audit --manifests examples/manifests-clean"
run "kvault audit --manifests examples/manifests --who-can-read shop | head -4"
run "kvault audit --etcd-endpoint $KVAULT_TEST_ETCD_ENDPOINT --fail-on critical > live.txt   # live: straight from etcd"
run "head -3 live.txt"

block audit-cis
run "kvault audit --manifests examples/manifests --audit-policy examples/audit/audit-policy-leaky.yaml --benchmark cis; echo \"exit \$?\""

block audit-vault
run "kvault audit --vault-policies examples/vault --fail-on critical > vault.txt; echo \"exit \$?\""
run "cut -c1-150 vault.txt | head -6"
run "kvault audit --vault --fail-on critical   # live: the dev server's own settings"
run "kvault audit --vault-policies examples/vault --manifests examples/vault-cluster --who-can-read vault:secret/prod/app/db"
run "kvault audit --vault-policies examples/vault --manifests examples/vault-cluster --what-can-read user:alice"

# From here on Vault records every request too (after the live audit
# above, which shows the server without an audit device).
BAO_ADDR=$VAULT_ADDR BAO_TOKEN=$VAULT_TOKEN "$bao" audit enable file file_path="$T/vault-audit.log" >/dev/null

block sync
cat > plan.yaml <<'YAML'
secrets:
  - source: vault:secret/app/db
    target: k8s:prod/app-db
    rollout: auto              # every workload in prod whose pod template uses the Secret
  - source: vault:secret/app/api#token
    target: k8s:prod/app-api#API_TOKEN
YAML
run "cat plan.yaml"
run "kvault sync -f plan.yaml --dry-run"
run "kvault sync -f plan.yaml"
run "kvault sync -f plan.yaml                     # nothing changed: reads only, zero writes"
run "echo -n 'pg-pass-2' | kvault put vault:secret/app/db password=- --merge"
run "kvault status -f plan.yaml; echo \"exit \$?\""
run "kvault sync -f plan.yaml"
run "kvault status -f - < plan.yaml"
run "kvault put vault:secret/app/api token=@<(echo -n api-token-2) --plan plan.yaml   # synced before it returns"

block rotate
run "kvault rotate vault:secret/app/db#password --plan plan.yaml --rollout --dry-run"
run "kvault rotate vault:secret/app/db#password --plan plan.yaml --rollout --yes"
run "kvault rotate vault:secret/app/db#password --if-older-than 30d --yes       # for CI schedules"

block canary
run "kvault canary run --source vault:secret/canary --target k8s:prod/canary --timeout 3s; echo \"exit \$?\""
printf 'secrets:\n  - source: vault:secret/canary\n    target: k8s:prod/canary\n' > canary-plan.yaml
run "kvault canary create --source vault:secret/canary      # then let the syncer deliver it"
run "kvault sync -f canary-plan.yaml -q                     # the syncer (here kvault itself)"
run "kvault canary check --source vault:secret/canary --target k8s:prod/canary --timeout 20s"

block doctor
run "kvault doctor"
run "kvault whoami"

block audit-access
# alice probes for the Secret the sync wrote (she may not read it).
for _ in 1 2 3 4 5; do
    curl -s -o /dev/null --cacert "$KVAULT_TEST_KUBE_CA" -H "Authorization: Bearer $KVAULT_TEST_KUBE_TOKEN_ALICE" \
        "$KVAULT_TEST_KUBE_SERVER/api/v1/namespaces/prod/secrets/app-db"
done
run "kvault audit access --k8s-audit-log $T/kube-audit.log --vault-audit-log $T/vault-audit.log --audit-policy $T/audit-policy.yaml; echo \"exit \$?\""

# After audit-access: its runs (one a second until the timeout) would
# change the read counts there.
block sync-ha
run "timeout 3 kvault sync -f plan.yaml --watch 1s --leader-elect --lease-namespace prod --lease-identity replica-1 -o json | head -1"
run "kvault sync -f plan.yaml --watch 1s --leader-elect --lease-duration 4s --lease-grace 4s; echo \"exit \$?\""

block sync-eso
bao_root() { BAO_ADDR=$VAULT_ADDR BAO_TOKEN=$VAULT_TOKEN "$bao" "$@" >/dev/null; }
bao_root secrets enable pki
bao_root write pki/root/generate/internal common_name=tour.local ttl=240h
bao_root write pki/roles/web allowed_domains=tour.local allow_subdomains=true max_ttl=72h
for name in db-main db-replica web; do
    kvault put "vault:secret/team-a/$name" "DB_PASS=pw-$name" DB_USER=app >/dev/null 2>&1
done
kvault put vault:secret/registry registry=ghcr.io user=bot password=robot-token >/dev/null 2>&1
kvault put vault:secret/my-kv harbor-chart-robot-username='robot$chart' harbor-chart-robot-token=harbor-token >/dev/null 2>&1
kube_apply /api/v1/namespaces '{"metadata":{"name":"web"}}'
kube_apply /api/v1/namespaces '{"metadata":{"name":"ci"}}'
cat > web-plan.yaml <<'YAML'
secrets:
  - issue: vault:pki/issue/web              # a certificate, issued once, again 24h before expiry
    params: {common_name: shop.tour.local, ttl: 72h}
    renewBefore: 24h
    target: k8s:web/shop-tls
    template:
      type: kubernetes.io/tls
      labels: {app: shop}
      data: {tls.crt: "{{ .certificate }}", tls.key: "{{ .private_key }}"}
  - source: vault:secret/team-a/            # every secret found: one Secret each
    find: {name: "^db-"}
    target: k8s:web/
    rewrite: [{stripPrefix: DB_}]
  - source: vault:secret/registry
    target: k8s:web/pull
    template:
      type: kubernetes.io/dockerconfigjson
      data:
        .dockerconfigjson: '{"auths":{"{{ .registry }}":{"auth":"{{ printf "%s:%s" .user .password | b64enc }}"}}}'
YAML
run "cat web-plan.yaml"
run "kvault sync -f web-plan.yaml"
run "kvault sync -f web-plan.yaml             # the certificate is kept: nothing issued, nothing written"
run "kvault ls k8s:web"
run "kvault sync convert examples/external-secrets/"
run "kvault sync --from-external-secrets examples/external-secrets/"

block completions
run "kvault completions bash > kvault.bash && wc -l < kvault.bash"
run "kvault man --dir man && ls man | head -3"
