# bench/common.sh — sourced by the bench scripts (from the repository root).
# shellcheck shell=bash
# Installs hyperfine from Debian if missing, and sets $kvault to a release
# build (or to $KVAULT when given, which skips the build).

command -v hyperfine >/dev/null || {
    apt-get install -y hyperfine >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y hyperfine >/dev/null; }
}
if [ -n "${KVAULT:-}" ]; then
    kvault=$KVAULT
else
    cargo build --release --locked -q
    kvault=$PWD/target/release/kvault
fi
export kvault
