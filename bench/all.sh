#!/usr/bin/env bash
# bench/all.sh — run every benchmark and write BENCHMARKS.md from their
# results files (bench/results/*.md) plus the notes in bench/notes.md.
#
#   bench/all.sh                 run everything (about 15 minutes), then assemble
#   bench/all.sh --assemble      only assemble BENCHMARKS.md from existing results
#
# Each script also runs alone (see its header): exec.sh, sync.sh, audit.sh,
# eso.sh, audit-live.sh (if present), vault-audit.sh, audit-access.sh, failover.sh, footprint.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != --assemble ]; then
    for script in exec sync eso audit audit-live vault-audit audit-access failover footprint; do
        [ -x "bench/$script.sh" ] && "bench/$script.sh" >/dev/null
    done
fi
{
    echo "# Benchmarks"
    echo
    echo "Produced by \`bench/all.sh\` (each section by its own script in \`bench/\`; rerun one"
    echo "with \`bench/NAME.sh\`, then \`bench/all.sh --assemble\`). Machine: $(nproc) cores,"
    echo "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr), no container engine; servers run on the"
    echo "same 2 cores as the client, so every wall time includes them. Peers that could not be"
    echo "installed are named in each section."
    echo
    cat bench/notes.md
    for f in exec sync eso audit audit-live vault-audit audit-access failover footprint; do
        [ -f "bench/results/$f.md" ] || continue
        echo
        # Results files start at heading level 1 or 2; each becomes a level-2
        # section of this file.
        if head -n 1 "bench/results/$f.md" | grep -q '^# '; then
            sed -e 's/^## /### /' -e 's/^# /## /' "bench/results/$f.md"
        else
            cat "bench/results/$f.md"
        fi
    done
} > BENCHMARKS.md
echo "wrote BENCHMARKS.md"
