#!/usr/bin/env bash
# bench/exec.sh — `kvault exec` against what people write by hand, side by
# side in one hyperfine run, on a local OpenBao dev server.
#
#   bench/exec.sh [RESULTS_FILE]     (default: bench/results/exec.md)
#
# Cases: N references over P secret paths, for (N, P) = (200, 40), (50, 10), (10, 5), (1, 1):
#   kvault-N    `kvault exec -- true` with N `vault:` references in the env
#   vault-env-N Bank-Vaults' `vault-env true` with the same env (VAULT_ADDR and
#               VAULT_TOKEN set), the Go peer kvault exec is a drop-in for. Its binary
#               comes from VAULT_ENV=/path (build it from source, see BENCHMARKS.md);
#               without VAULT_ENV these rows are skipped with a note.
#   shell-N     a POSIX sh entrypoint calling `bao kv get -field=K P` once per reference
#               (N = 1, 10, 50; at 200 it would take ~27 s a run)
#   agent-N     OpenBao Agent in process-supervisor mode, the HashiCorp-style
#               answer: one `env_template` per reference, `exec { command = ["true"] }`,
#               token from a file (auto_auth token_file). Its exec server waits a
#               hard-coded 2 s debounce after the templates render before it starts
#               the child (command/agent/exec/exec.go), so agent-N includes that 2 s.
#               (N = 1, 10, 50)
#   raw-read    one `curl` of one KV v2 secret (the floor: one HTTP round trip + process start)
#   kvault-0    `kvault exec -- true` with no reference (process start + exec)
#   curl-21     21 reads over one keep-alive connection in one curl; with raw-read
#               it gives the cost of one HTTP round trip: (curl-21 - raw-read) / 20
# Then, when VAULT_ENV is set, each kvault-N / vault-env-N pair once more with
# bench/ab.py (runs interleaved one of each in turn, median of the per-round ratios),
# so a drifting machine slows both alike.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/exec.md}
mkdir -p "$(dirname "$out")"

eval "$(KVAULT_SKIP_KUBE=1 scripts/install-test-deps.sh | sed 's/^/export /')"
# shellcheck source=bench/common.sh
. bench/common.sh

load=$(cut -d' ' -f1 /proc/loadavg)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
HOME=$work "$KVAULT_TEST_BAO" server -dev -dev-listen-address="127.0.0.1:$port" -dev-root-token-id=bench >"$work/bao.log" 2>&1 &
bao_pid=$!
trap 'kill $bao_pid 2>/dev/null; rm -rf "$work"' EXIT
export VAULT_ADDR="http://127.0.0.1:$port" BAO_ADDR="http://127.0.0.1:$port" VAULT_TOKEN=bench BAO_TOKEN=bench HOME=$work
for _ in $(seq 100); do "$KVAULT_TEST_BAO" status >/dev/null 2>&1 && break; sleep 0.1; done

envfile=$work/env.sh
env200=$work/env200.sh
shellscript=$work/entrypoint.sh
echo '#!/bin/sh' > "$shellscript"
# 200 references over 40 paths (5 keys each); the first 10 paths are the 50-reference case.
for p in $(seq 0 39); do
    "$KVAULT_TEST_BAO" kv put "secret/bench/p$p" k0=v0 k1=v1 k2=v2 k3=v3 k4=v4 >/dev/null
    for k in $(seq 0 4); do
        echo "export S_${p}_${k}=vault:secret/data/bench/p$p#k$k" >> "$env200"
        [ "$p" -lt 10 ] || continue
        echo "export S_${p}_${k}=vault:secret/data/bench/p$p#k$k" >> "$envfile"
        echo "S_${p}_${k}=\$(bao kv get -field=k$k secret/bench/p$p)" >> "$shellscript"
    done
done
echo 'exec true' >> "$shellscript"
chmod +x "$shellscript"
# 10 references over 5 paths (2 keys each), and 1 reference.
# The env files use the Bank-Vaults form `vault:secret/data/PATH#KEY`, the one
# vault-env reads on a KV v2 mount (kvault reads it and the short form alike).
env10=$work/env10.sh
shell10=$work/entrypoint10.sh
printf '#!/bin/sh\n' > "$shell10"
for p in $(seq 0 4); do
    for k in 0 1; do
        echo "export S_${p}_${k}=vault:secret/data/bench/p$p#k$k" >> "$env10"
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
refs_of() { sed 's/^export //; s/vault:secret\/data\///' "$1"; }
# shellcheck disable=SC2046 # one argument per line of the env file
agent_config "$work/agent50.hcl" $(refs_of "$envfile")
# shellcheck disable=SC2046
agent_config "$work/agent10.hcl" $(refs_of "$env10")
agent_config "$work/agent1.hcl" "S_0_0=bench/p0#k0"
"$KVAULT_TEST_BAO" agent -config="$work/agent1.hcl" -log-level=error >/dev/null \
    || { echo "bench/exec.sh: bao agent did not run $work/agent1.hcl" >&2; exit 1; }
export PATH="$work:$PATH"
one=S_0_0=vault:secret/data/bench/p0#k0

# Before timing anything: each tool, given each env file, hands the child the
# values, not the references (a tool that failed fast would look fast).
# shellcheck disable=SC2016 # $S_0_0 and the count are for the child to expand
check='echo "$S_0_0 $(env | grep -c =vault: || true)"'
resolves() { # NAME ENVFILE TOOL...
    local name=$1 file=$2 got
    shift 2
    got=$(sh -c '. "$0"; exec "$@"' "$file" "$@" sh -c "$check" 2>"$work/check.err" | tail -n 1) || true
    [ "$got" = "v0 0" ] || {
        echo "bench/exec.sh: $name did not resolve the references of $file (child printed '$got', want 'v0 0'):" >&2
        cat "$work/check.err" >&2
        exit 1
    }
}
env1=$work/env1.sh
echo "export $one" > "$env1"
ve=()
if [ -n "${VAULT_ENV:-}" ]; then
    [ -x "$VAULT_ENV" ] || { echo "bench/exec.sh: VAULT_ENV=$VAULT_ENV is not an executable file" >&2; exit 1; }
    ve=(vault-env)
else
    echo "bench/exec.sh: VAULT_ENV is not set: the vault-env rows are skipped (build the peer as BENCHMARKS.md says, then VAULT_ENV=/path/to/vault-env bench/exec.sh)" >&2
fi
for n in 200 50 10 1; do
    case $n in 200) f=$env200 ;; 50) f=$envfile ;; 10) f=$env10 ;; 1) f=$env1 ;; esac
    resolves "kvault exec" "$f" "$kvault" exec --
    [ ${#ve[@]} -eq 0 ] || resolves vault-env "$f" "$VAULT_ENV"
done

rows=(-n kvault-200 "sh -c '. $env200; exec $kvault exec -- true'")
[ ${#ve[@]} -eq 0 ] || rows+=(-n vault-env-200 "sh -c '. $env200; exec $VAULT_ENV true'")
rows+=(-n kvault-50 "sh -c '. $envfile; exec $kvault exec -- true'")
[ ${#ve[@]} -eq 0 ] || rows+=(-n vault-env-50 "sh -c '. $envfile; exec $VAULT_ENV true'")
rows+=(-n shell-50 "sh -c '. $envfile; exec $shellscript'"
    -n kvault-10 "sh -c '. $env10; exec $kvault exec -- true'")
[ ${#ve[@]} -eq 0 ] || rows+=(-n vault-env-10 "sh -c '. $env10; exec $VAULT_ENV true'")
rows+=(-n shell-10 "sh -c '. $env10; exec $shell10'"
    -n agent-50 "$KVAULT_TEST_BAO agent -config=$work/agent50.hcl -log-level=error"
    -n agent-10 "$KVAULT_TEST_BAO agent -config=$work/agent10.hcl -log-level=error"
    -n agent-1 "$KVAULT_TEST_BAO agent -config=$work/agent1.hcl -log-level=error"
    -n kvault-1 "env $one $kvault exec -- true")
[ ${#ve[@]} -eq 0 ] || rows+=(-n vault-env-1 "env $one $VAULT_ENV true")
rows+=(-n shell-1 "env $one $shell1"
    -n kvault-0 "$kvault exec -- true"
    -n raw-read "curl -sf -H 'X-Vault-Token: bench' $VAULT_ADDR/v1/secret/data/bench/p0 -o /dev/null"
    -n curl-21 "curl -sf -H 'X-Vault-Token: bench' $(for _ in $(seq 21); do printf '%s ' "$VAULT_ADDR/v1/secret/data/bench/p0 -o /dev/null"; done)")
hyperfine --warmup 3 --min-runs 20 --export-markdown "$work/table.md" --export-json "$work/results.json" "${rows[@]}"

# The same pairs interleaved (bench/ab.py: one run of each in turn, median of
# the per-round ratios), through one wrapper script per case.
paired=()
if [ ${#ve[@]} -gt 0 ]; then
    for n in 200 50 10 1; do
        case $n in 200) f=$env200 ;; 50) f=$envfile ;; 10) f=$env10 ;; 1) f=$env1 ;; esac
        printf '#!/bin/sh\n. %s\nexec %s exec -- true\n' "$f" "$kvault" > "$work/kvault-$n"
        printf '#!/bin/sh\n. %s\nexec %s true\n' "$f" "$VAULT_ENV" > "$work/vault-env-$n"
        chmod +x "$work/kvault-$n" "$work/vault-env-$n"
        paired+=("$(bench/ab.py 30 "vault-env-$n=$work/vault-env-$n" "kvault-$n=$work/kvault-$n" \
            | sed -n 's/^kvault.*median ratio to vault-env-[0-9]*: //p')")
    done
fi

# OpenBao's own CPU time per run at 200 references (utime + stime of the
# server, in clock ticks, over 20 runs): with 2 cores, half of it is a floor
# no client can go under.
server_ms() { # WRAPPER: mean ms of server CPU per run
    local tick a b
    tick=$(getconf CLK_TCK)
    a=$(awk '{print $14 + $15}' "/proc/$bao_pid/stat")
    for _ in $(seq 20); do "$1" >/dev/null 2>&1; done
    b=$(awk '{print $14 + $15}' "/proc/$bao_pid/stat")
    python3 -c "print(f'{($b - $a) * 1000 / $tick / 20:.1f}')"
}
printf '#!/bin/sh\n. %s\nexec %s exec -- true\n' "$env200" "$kvault" > "$work/kvault-200"
chmod +x "$work/kvault-200"
server_kvault=$(server_ms "$work/kvault-200")
server_ve=
[ ${#ve[@]} -eq 0 ] || server_ve=$(server_ms "$work/vault-env-200")

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
    echo "## kvault exec vs Bank-Vaults vault-env and a shell entrypoint (1, 10, 50, 200 references over 1, 5, 10, 40 paths)"
    echo
    peer="vault-env: not measured (VAULT_ENV unset)"
    if [ ${#ve[@]} -gt 0 ]; then
        peer="vault-env: $VAULT_ENV"
        command -v go >/dev/null && peer="$peer ($(go version -m "$VAULT_ENV" | awk '$1 == "path" {p=$2} $2 == "github.com/bank-vaults/vault-sdk" {s=$3} NR == 1 {g=$2} END {printf "%s, %s, vault-sdk %s", p, g, s}'))"
    fi
    echo "Run: $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(uname -sr), load average before the run: $load; $("$kvault" --version); $peer; $("$KVAULT_TEST_BAO" version | head -n1); $(hyperfine --version)."
    if [ ${#ve[@]} -gt 0 ]; then
        echo "Command: \`VAULT_ENV=$VAULT_ENV bench/exec.sh\`"
    else
        echo "Command: \`bench/exec.sh\`"
    fi
    echo
    cat "$work/table.md"
    echo
    if [ ${#ve[@]} -gt 0 ]; then
        echo "- kvault / vault-env (hyperfine means; goal ≤ 0.35 at every size): 1 ref **$(ratio kvault-1 vault-env-1)**, 10 refs **$(ratio kvault-10 vault-env-10)**, 50 refs **$(ratio kvault-50 vault-env-50)**, 200 refs **$(ratio kvault-200 vault-env-200)**"
        echo "- kvault / vault-env, interleaved (\`bench/ab.py 30\`, median of per-round ratios): 1 ref **${paired[3]}**, 10 refs **${paired[2]}**, 50 refs **${paired[1]}**, 200 refs **${paired[0]}**"
    else
        echo "- kvault / vault-env: not measured (VAULT_ENV unset)"
    fi
    echo "- kvault-50 / raw-read = **$(ratio kvault-50 raw-read)** (goal ≤ 1.5: 50 references over 10 paths against one \`curl\` of one secret)"
    echo "- kvault / shell: 50 refs **$(ratio kvault-50 shell-50)**, 10 refs **$(ratio kvault-10 shell-10)**, 1 ref **$(ratio kvault-1 shell-1)**"
    echo "- kvault / OpenBao Agent (exec mode): 50 refs **$(ratio kvault-50 agent-50)**, 10 refs **$(ratio kvault-10 agent-10)**, 1 ref **$(ratio kvault-1 agent-1)**"
    echo "- OpenBao Agent without its fixed 2 s debounce: 50 refs $(python3 -c "print(f'{$(mean_ms agent-50) - 2000:.1f}')") ms, 10 refs $(python3 -c "print(f'{$(mean_ms agent-10) - 2000:.1f}')") ms, 1 ref $(python3 -c "print(f'{$(mean_ms agent-1) - 2000:.1f}')") ms (kvault: $(mean_ms kvault-50), $(mean_ms kvault-10), $(mean_ms kvault-1) ms)"
    rtt=$(python3 -c "print(f'{($(mean_ms curl-21) - $(mean_ms raw-read)) / 20:.2f}')")
    overhead=$(python3 -c "print(f'{$(mean_ms kvault-50) - $(mean_ms kvault-0):.1f}')")
    echo "- one HTTP round trip on a warm connection ≈ (curl-21 − raw-read) / 20 = **$rtt ms**"
    echo "- kvault's work for 50 references = kvault-50 − kvault-0 = **$overhead ms** = $(python3 -c "print(f'{$overhead / max($rtt, 0.01):.1f}')") round trips (1 mount lookup + 10 concurrent reads)"
    echo "- kvault-1 / raw-read = $(ratio kvault-1 raw-read) (both: one process start and one read)"
    echo "- OpenBao's CPU time per run at 200 references (41 requests): kvault **$server_kvault ms**${server_ve:+, vault-env **$server_ve ms**}; on $(nproc) cores that alone is $(python3 -c "print(f'{$server_kvault / $(nproc):.1f}')") ms of kvault-200's $(mean_ms kvault-200) ms"
} > "$out"
cat "$out"
