# The least-privilege policy: one application reads its own secrets.
path "secret/data/prod/app/*" {
  capabilities = ["read"]
}
path "secret/metadata/prod/app/*" {
  capabilities = ["list"]
}
