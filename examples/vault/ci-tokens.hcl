# CI mints tokens for its jobs; nothing pins which policies they carry.
path "auth/token/create" {
  capabilities = ["create", "update", "sudo"]
}
