#!/usr/bin/env bash
# test.sh — the project's test command: install the real servers the tests
# need (OpenBao, etcd, kube-apiserver), then run the whole test suite.
# The tests start and stop their own servers on free loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."

settings=$(scripts/install-test-deps.sh)
while IFS='=' read -r key value; do
    [ -n "$key" ] && export "$key=$value"
done <<< "$settings"

# The suite's time, printed at the end (a number to watch as tests grow).
started=$(date +%s)
status=0
cargo test --locked --all-targets "$@" || status=$?
echo "test.sh: the suite took $(( $(date +%s) - started )) s (exit $status)"
exit "$status"
