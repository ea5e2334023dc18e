# Operators "just need to look": every secret of the mount.
path "secret/*" {
  capabilities = ["read", "list"]
}
