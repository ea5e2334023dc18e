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

# The first command's mean over the second's, from a hyperfine markdown
# export: `mean_ratio FILE DIGITS`.
mean_ratio() {
    python3 - "$1" "$2" <<'PY'
import sys
rows = [l.split("|") for l in open(sys.argv[1]) if l.startswith("| `")]
means = [float(r[2].split("±")[0]) for r in rows]
print(f"{means[0] / means[1]:.{sys.argv[2]}f}")
PY
}
