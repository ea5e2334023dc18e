path "sys/policies/acl/*" {
  capabilities = ["create", "update", "read", "list"]
}
path "sys/mounts/*" {
  capabilities = ["create", "update", "sudo"]
}
