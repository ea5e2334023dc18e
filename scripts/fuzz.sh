#!/usr/bin/env bash
# fuzz.sh — build every cargo-fuzz target under fuzz/ and run each one for
# SECONDS (default 60), one after another; print each target's executions.
#
# Usage:
#   scripts/fuzz.sh [SECONDS]
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Exits 1 if any target crashes (panic, failed assertion, sanitizer report,
# timeout, out of memory); the input is then under fuzz/artifacts/TARGET/.
# Reproduce it with `cargo +nightly fuzz run TARGET fuzz/artifacts/TARGET/FILE`.
#
# Seeds come from fuzz/corpus/TARGET (read only) and fuzz/regressions/TARGET
# (inputs that once crashed; they run first, every time); the tokens of
# fuzz/dicts/TARGET.dict guide the mutations. Inputs the fuzzer finds go to a
# scratch directory that is deleted afterwards, so the committed corpus stays
# small; to grow it on purpose, see fuzz/README.md.
#
# Environment:
#   KVAULT_FUZZ_TOOLCHAIN   toolchain for cargo (default: nightly)
#   KVAULT_FUZZ_TARGETS     space-separated subset of targets (default: all)
#   KVAULT_FUZZ_MAX_LEN     libFuzzer -max_len (default: 4096)
#   KVAULT_FUZZ_TIMEOUT     seconds one input may take (default: 10)
#   KVAULT_FUZZ_REPORT      also write the results as a Markdown table to this
#                           file (e.g. reliability/fuzz.md, which
#                           scripts/reliability-report.sh quotes)
#   KVAULT_FUZZ_FLAGS       extra `cargo fuzz build/run` flags, e.g.
#                           "--codegen-units 16" (faster build, slower runs)
#                           or "--sanitizer none" (kvault has no unsafe code)
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

die() {
    echo "fuzz.sh: $*" >&2
    exit 2
}

seconds=${1:-60}
[[ $seconds =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive whole number, not '$seconds'"
[ $# -le 1 ] || die "usage: scripts/fuzz.sh [SECONDS]"
toolchain=${KVAULT_FUZZ_TOOLCHAIN:-nightly}
max_len=${KVAULT_FUZZ_MAX_LEN:-4096}
timeout=${KVAULT_FUZZ_TIMEOUT:-10}
read -r -a flags <<<"${KVAULT_FUZZ_FLAGS:-}"

cargo "+$toolchain" fuzz --version >/dev/null 2>&1 ||
    die "needs cargo-fuzz and the $toolchain toolchain (cargo install cargo-fuzz)"

if [ -n "${KVAULT_FUZZ_TARGETS:-}" ]; then
    read -r -a targets <<<"$KVAULT_FUZZ_TARGETS"
else
    mapfile -t targets < <(cargo "+$toolchain" fuzz list)
fi
[ "${#targets[@]}" -gt 0 ] || die "no fuzz targets found"

echo "== building ${#targets[@]} targets"
build_start=$SECONDS
cargo "+$toolchain" fuzz build "${flags[@]}"
echo "== built in $((SECONDS - build_start)) s"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# One final-stats value from a libFuzzer log (`stat::NAME: VALUE`).
stat() {
    sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

failed=()
summary=()
rows=()
for target in "${targets[@]}"; do
    echo "== $target: ${seconds} s"
    corpus_dirs=("$scratch/$target")
    mkdir -p "$scratch/$target"
    for dir in "corpus/$target" "regressions/$target"; do
        [ -d "$dir" ] && corpus_dirs+=("$dir")
    done
    options=(-max_total_time="$seconds" -max_len="$max_len" -timeout="$timeout" -print_final_stats=1)
    [ -f "dicts/$target.dict" ] && options+=(-dict="dicts/$target.dict")
    log="$scratch/$target.log"
    status=0
    cargo "+$toolchain" fuzz run "${flags[@]}" "$target" "${corpus_dirs[@]}" -- "${options[@]}" >"$log" 2>&1 ||
        status=$?
    execs=$(stat number_of_executed_units "$log")
    rate=$(stat average_exec_per_sec "$log")
    added=$(stat new_units_added "$log")
    if [ "$status" -eq 0 ]; then
        result=ok
    else
        result="CRASH (exit $status)"
        failed+=("$target")
        # Keep the whole log next to the crash input; show the gist.
        mkdir -p "artifacts/$target"
        cp "$log" "artifacts/$target/fuzz.sh.log"
        {
            grep -E -A1 'panicked at|==[0-9]+==ERROR|^SUMMARY|^ALARM|Test unit written to' "$log" |
                grep -v -E '^(--|stack backtrace:)$' | head -n 12 || tail -n 20 "$log"
            echo "full log: fuzz/artifacts/$target/fuzz.sh.log"
        } >&2
    fi
    line=$(printf '%-20s %-18s executions %-10s exec/s %-7s new units %s' \
        "$target" "$result" "${execs:-?}" "${rate:-?}" "${added:-?}")
    echo "$line"
    summary+=("$line")
    rows+=("| \`$target\` | $result | ${execs:-?} | ${rate:-?} | ${added:-?} |")
done

echo "== summary (${seconds} s per target)"
printf '%s\n' "${summary[@]}"
if [ -n "${KVAULT_FUZZ_REPORT:-}" ]; then
    report=$KVAULT_FUZZ_REPORT
    case $report in /*) ;; *) report=$OLDPWD/$report ;; esac
    {
        echo "## Fuzzing (\`scripts/fuzz.sh $seconds\`)"
        echo
        echo "Run $(date -u +%FT%RZ) on $(nproc) cores; $(cargo "+$toolchain" --version); $(cargo "+$toolchain" fuzz --version);"
        echo "flags: \`${KVAULT_FUZZ_FLAGS:-(none)}\`, -max_len=$max_len, -timeout=$timeout, ${seconds} s per target, seeded"
        echo "from fuzz/corpus and fuzz/regressions with the dictionaries in fuzz/dicts. Bugs found"
        echo "by earlier runs and their fixes are listed in fuzz/README.md."
        echo
        echo "| target | result | executions | exec/s | new units |"
        echo "|---|---|---:|---:|---:|"
        printf '%s\n' "${rows[@]}"
    } >"$report"
    echo "wrote $report"
fi
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz.sh: crashes in: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
    exit 1
fi
