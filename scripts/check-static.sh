#!/usr/bin/env bash
# check-static.sh — build a statically linked kvault and prove it runs with
# nothing around it: an empty chroot holding only the binary and the CA
# bundle, as in a `FROM scratch` image.
#
# Usage: scripts/check-static.sh [ROOT_DIR]
#   Needs root (chroot). The build goes to target/static so it does not
#   disturb the normal release build. ROOT_DIR (default: a temporary
#   directory, removed afterwards) is where the chroot is assembled.
#
# glibc links statically with one caveat: getaddrinfo (host names) would load
# NSS modules at run time; without them it still reads /etc/hosts and
# /etc/resolv.conf, which is all a container needs (checked below for
# /etc/hosts).
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-unknown-linux-gnu
target_dir=target/static
binary="$target_dir/$target/release/kvault"
log() { printf '[check-static] %s\n' "$*" >&2; }
fail() {
    log "FAIL: $*"
    exit 1
}

[ "$(id -u)" = 0 ] || fail "needs root for chroot"
chroot=$(command -v chroot) || fail "chroot not found"

log "building with crt-static into $target_dir (--target $target keeps build scripts dynamic)"
start=$(date +%s)
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
    cargo build --release --locked --target "$target" --target-dir "$target_dir"
log "build took $(($(date +%s) - start))s; binary $(stat -c %s "$binary") bytes"

ldd_out=$(ldd "$binary" 2>&1 || true)
case "$ldd_out" in
    *"not a dynamic executable"* | *"statically linked"*) log "ldd: $ldd_out" ;;
    *) fail "not static, ldd says: $ldd_out" ;;
esac
file "$binary" >&2 2>/dev/null || true

if [ $# -ge 1 ]; then
    root="$1"
    mkdir -p "$root"
else
    root=$(mktemp -d)
    trap 'rm -rf -- "$root"' EXIT
fi
mkdir -p "$root/etc/ssl/certs" "$root/tmp"
cp "$binary" "$root/kvault"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
log "chroot contents: $(cd "$root" && find . -type f | sort | tr '\n' ' ')"

# No inherited environment: nothing from the host leaks in.
in_root() { env -i KVAULT_LOCAL_STORE=/tmp/store "$chroot" "$root" "$@"; }

version=$(in_root /kvault --version) || fail "/kvault --version"
log "chroot /kvault --version: $version"

exec_version=$(in_root /kvault exec -- /kvault --version) || fail "/kvault exec -- /kvault --version"
[ "$exec_version" = "$version" ] || fail "exec printed \`$exec_version\`"
log "chroot /kvault exec -- /kvault --version: $exec_version"

# The local store (age encryption, key file creation) with no /etc, no /home.
printf 's3cret' | in_root /kvault put local:app/db password=- >/dev/null ||
    fail "put into the local store"
got=$(in_root /kvault get local:app/db#password) || fail "get from the local store"
[ "$got" = "s3cret" ] || fail "local store round trip returned \`$got\`"
log "local store round trip in the chroot: ok"

# exec resolves a reference for its child: KVAULT_LOCAL_STORE itself is a
# reference to a second store's directory, so the child reads that store.
printf '/tmp/store2' | in_root /kvault put local:app/cfg dir=- >/dev/null
printf 'other' | env -i KVAULT_LOCAL_STORE=/tmp/store2 "$chroot" "$root" \
    /kvault put local:app/db password=- >/dev/null
got=$(env -i KVAULT_LOCAL_STORE=local:app/cfg#dir \
    "$chroot" "$root" /kvault --local-store /tmp/store exec -- /kvault get local:app/db#password) ||
    fail "exec with a reference"
[ "$got" = "other" ] || fail "exec with a reference: the child read \`$got\`"
log "exec resolving a local: reference in the chroot: ok"

# TLS client setup with the CA bundle, then a connection attempt: nothing
# listens, so "connection refused" (exit 2) is the expected answer.
vault_get() {
    env -i VAULT_ADDR="$1" VAULT_TOKEN=x KVAULT_VAULT_RETRIES=0 KVAULT_VAULT_TIMEOUT=5s \
        "$chroot" "$root" /kvault get vault:secret/app#key 2>&1
}
out=$(vault_get https://127.0.0.1:1) && fail "vault get succeeded against a closed port"
case "$out" in
    *"Connection refused"*) log "vault over TLS in the chroot: connection refused, as expected" ;;
    *) fail "vault over TLS in the chroot: $out" ;;
esac

# Host names: static glibc has no NSS modules to load, but still reads
# /etc/hosts (and /etc/resolv.conf for DNS), which is what a container gets.
printf '127.0.0.1 localhost vault.test\n' >"$root/etc/hosts"
out=$(vault_get https://vault.test:1) && fail "vault get succeeded against a closed port"
case "$out" in
    *"Connection refused"*) log "host name from /etc/hosts resolved in the chroot" ;;
    *) fail "resolving vault.test from /etc/hosts in the chroot: $out" ;;
esac

log "OK: static binary, $(stat -c %s "$binary") bytes, runs in an empty chroot"
