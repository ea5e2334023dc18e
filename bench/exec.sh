#!/usr/bin/env bash
# bench/exec.sh — `kvault exec` against what people write by hand, side by
# side in one hyperfine run, on a local OpenBao dev server.
#
#   bench/exec.sh [RESULTS_FILE]     (default: bench/results/exec.md)
#
# Cases: N references over P secret paths, for (N, P) = (50, 10), (10, 5), (1, 1):
#   kvault-N    `kvault exec -- true` with N `vault:` references in the env
#   shell-N     a POSIX sh entrypoint calling `bao kv get -field=K P` once per reference
#               (Bank-Vaults' vault-env, the intended Go peer, is not on the Go
#               module proxy from here: 403 for every bank-vaults module)
#   agent-N     OpenBao Agent in process-supervisor mode, the HashiCorp-style
#               answer: one `env_template` per reference, `exec { command = ["true"] }`,
#               token from a file (auto_auth token_file). Its exec server waits a
#               hard-coded 2 s debounce after the templates render before it starts
#               the child (command/agent/exec/exec.go), so agent-N includes that 2 s.
#   raw-read    one `curl` of one KV v2 secret (the floor: one HTTP round trip + process start)
#   kvault-1    `kvault exec -- true` with 1 reference
#   kvault-0    `kvault exec -- true` with no reference (process start + exec)
#   curl-21     21 reads over one keep-alive connection in one curl; with raw-read
#               it gives the cost of one HTTP round trip: (curl-21 - raw-read) / 20
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/exec.md}
mkdir -p "$(dirname "$out")"

eval "$(KVAULT_SKIP_KUBE=1 scripts/install-test-deps.sh | sed 's/^/export /')"
# shellcheck source=bench/common.sh
. bench/common.sh

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
HOME=$work "$KVAULT_TEST_BAO" server -dev -dev-listen-address="127.0.0.1:$port" -dev-root-token-id=bench >"$work/bao.log" 2>&1 &
bao_pid=$!
trap 'kill $bao_pid 2>/dev/null; rm -rf "$work"' EXIT
export VAULT_ADDR="http://127.0.0.1:$port" BAO_ADDR="http://127.0.0.1:$port" VAULT_TOKEN=bench BAO_TOKEN=bench HOME=$work
for _ in $(seq 100); do "$KVAULT_TEST_BAO" status >/dev/null 2>&1 && break; sleep 0.1; done

envfile=$work/env.sh
shellscript=$work/entrypoint.sh
echo '#!/bin/sh' > "$shellscript"
for p in $(seq 0 9); do
    "$KVAULT_TEST_BAO" kv put "secret/bench/p$p" k0=v0 k1=v1 k2=v2 k3=v3 k4=v4 >/dev/null
    for k in $(seq 0 4); do
        echo "export S_${p}_${k}=vault:secret/bench/p$p#k$k" >> "$envfile"
        echo "S_${p}_${k}=\$(bao kv get -field=k$k secret/bench/p$p)" >> "$shellscript"
    done
done
echo 'exec true' >> "$shellscript"
chmod +x "$shellscript"
# 10 references over 5 paths (2 keys each), and 1 reference.
env10=$work/env10.sh
shell10=$work/entrypoint10.sh
printf '#!/bin/sh\n' > "$shell10"
for p in $(seq 0 4); do
    for k in 0 1; do
        echo "export S_${p}_${k}=vault:secret/bench/p$p#k$k" >> "$env10"
        echo "S_${p}_${k}=\$(bao kv get -field=k$k secret/bench/p$p)" >> "$shell10"
    done
done
echo 'exec true' >> "$shell10"
shell1=$work/entrypoint1.sh
# shellcheck disable=SC2016 # the $(...) is for the entrypoint to run
printf '#!/bin/sh\nS_0_0=$(bao kv get -field=k0 secret/bench/p0)\nexec true\n' > "$shell1"
chmod +x "$shell10" "$shell1"
ln -sf "$KVAULT_TEST_BAO" "$work/bao"
# OpenBao Agent configs: the same references as env_template stanzas.
echo bench > "$work/token"
agent_config() { # FILE, then VAR=PATH#KEY...
    local file=$1 ref var path key
    shift
    {
        echo "vault { address = \"$VAULT_ADDR\" }"
        echo "auto_auth { method \"token_file\" { config = { token_file_path = \"$work/token\" } } }"
        echo 'template_config { exit_on_retry_failure = true }'
        for ref in "$@"; do
            var=${ref%%=*} path=${ref#*=} key=${path#*#} path=${path%#*}
            echo "env_template \"$var\" {"
            echo "  contents = \"{{ with secret \\\"secret/data/$path\\\" }}{{ .Data.data.$key }}{{ end }}\""
            echo '  error_on_missing_key = true'
            echo '}'
        done
        printf 'exec {\n  command = ["true"]\n  restart_on_secret_changes = "never"\n}\n'
    } > "$file"
}
refs_of() { sed 's/^export //; s/vault:secret\///' "$1"; }
# shellcheck disable=SC2046 # one argument per line of the env file
agent_config "$work/agent50.hcl" $(refs_of "$envfile")
# shellcheck disable=SC2046
agent_config "$work/agent10.hcl" $(refs_of "$env10")
agent_config "$work/agent1.hcl" "S_0_0=bench/p0#k0"
"$KVAULT_TEST_BAO" agent -config="$work/agent1.hcl" -log-level=error >/dev/null \
    || { echo "bench/exec.sh: bao agent did not run $work/agent1.hcl" >&2; exit 1; }
export PATH="$work:$PATH"

hyperfine --warmup 3 --min-runs 20 --export-markdown "$work/table.md" --export-json "$work/results.json" \
    -n kvault-50 "sh -c '. $envfile; exec $kvault exec -- true'" \
    -n shell-50 "sh -c '. $envfile; exec $shellscript'" \
    -n kvault-10 "sh -c '. $env10; exec $kvault exec -- true'" \
    -n shell-10 "sh -c '. $env10; exec $shell10'" \
    -n agent-50 "$KVAULT_TEST_BAO agent -config=$work/agent50.hcl -log-level=error" \
    -n agent-10 "$KVAULT_TEST_BAO agent -config=$work/agent10.hcl -log-level=error" \
    -n agent-1 "$KVAULT_TEST_BAO agent -config=$work/agent1.hcl -log-level=error" \
    -n kvault-1 "env S_0_0=vault:secret/bench/p0#k0 $kvault exec -- true" \
    -n shell-1 "env S_0_0=vault:secret/bench/p0#k0 $shell1" \
    -n kvault-0 "$kvault exec -- true" \
    -n raw-read "curl -sf -H 'X-Vault-Token: bench' $VAULT_ADDR/v1/secret/data/bench/p0 -o /dev/null" \
    -n curl-21 "curl -sf -H 'X-Vault-Token: bench' $(for _ in $(seq 21); do printf '%s ' "$VAULT_ADDR/v1/secret/data/bench/p0 -o /dev/null"; done)"

ratio() { python3 - "$work/results.json" "$1" "$2" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
print(f"{r[sys.argv[2]] / r[sys.argv[3]]:.3f}")
PY
}
mean_ms() { python3 - "$work/results.json" "$1" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
print(f"{r[sys.argv[2]] * 1000:.1f}")
PY
}

{
    echo "## kvault exec vs a shell entrypoint (1, 10, 50 references over 1, 5, 10 paths)"
    echo
    echo "Run: $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(uname -sr); $("$kvault" --version); $("$KVAULT_TEST_BAO" version | head -n1); $(hyperfine --version)."
    echo "Command: \`bench/exec.sh\`"
    echo
    cat "$work/table.md"
    echo
    echo "- kvault / shell: 50 refs **$(ratio kvault-50 shell-50)**, 10 refs **$(ratio kvault-10 shell-10)**, 1 ref **$(ratio kvault-1 shell-1)**"
    echo "- kvault / OpenBao Agent (exec mode): 50 refs **$(ratio kvault-50 agent-50)**, 10 refs **$(ratio kvault-10 agent-10)**, 1 ref **$(ratio kvault-1 agent-1)**"
    echo "- OpenBao Agent without its fixed 2 s debounce: 50 refs $(python3 -c "print(f'{$(mean_ms agent-50) - 2000:.1f}')") ms, 10 refs $(python3 -c "print(f'{$(mean_ms agent-10) - 2000:.1f}')") ms, 1 ref $(python3 -c "print(f'{$(mean_ms agent-1) - 2000:.1f}')") ms (kvault: $(mean_ms kvault-50), $(mean_ms kvault-10), $(mean_ms kvault-1) ms)"
    rtt=$(python3 -c "print(f'{($(mean_ms curl-21) - $(mean_ms raw-read)) / 20:.2f}')")
    overhead=$(python3 -c "print(f'{$(mean_ms kvault-50) - $(mean_ms kvault-0):.1f}')")
    echo "- one HTTP round trip on a warm connection ≈ (curl-21 − raw-read) / 20 = **$rtt ms**"
    echo "- kvault's work for 50 references = kvault-50 − kvault-0 = **$overhead ms** = $(python3 -c "print(f'{$overhead / max($rtt, 0.01):.1f}')") round trips (it makes 1 mount lookup + 10 concurrent reads, on new connections)"
    echo "- kvault-1 / raw-read = $(ratio kvault-1 raw-read) (both: one process start and one read)"
} > "$out"
cat "$out"
