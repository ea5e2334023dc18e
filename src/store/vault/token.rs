//! kvault's own token (`auth/token/*-self`) and what the server says of
//! itself (`sys/health`, the visible mounts, password policies).

use super::{endpoints, Health, Idempotent, TokenIdentity, TokenLife, VaultStore, VisibleMount};
use crate::store::redact::Redactor;
use crate::store::{SecretStore, SecretValue, StoreError};
use serde_json::Value;
use std::time::Duration;
use vaultrs::api::token::responses::LookupTokenResponse;

impl VaultStore {
    /// Revoke kvault's own token (`auth/token/revoke-self`): vault-env's
    /// `VAULT_REVOKE_TOKEN`, once the secrets are read. Not retried once
    /// sent (a second revoke of a revoked token is an error, not a no-op).
    pub async fn revoke_self(&self) -> Result<(), StoreError> {
        self.call_as(
            "auth/token/revoke-self",
            Idempotent::No,
            &Redactor::new(),
            || async { vaultrs::token::revoke_self(&self.client).await },
        )
        .await
    }

    /// How long kvault's own token lives (`auth/token/lookup-self`).
    pub async fn token_life(&self) -> Result<TokenLife, StoreError> {
        Ok(life_of(&self.lookup_self().await?))
    }

    /// Who kvault's token is (`auth/token/lookup-self`): never the token.
    pub async fn identity(&self) -> Result<TokenIdentity, StoreError> {
        let found = self.lookup_self().await?;
        let mut policies = found.policies.clone();
        for p in found.identity_policies.iter().flatten() {
            if !policies.contains(p) {
                policies.push(p.clone());
            }
        }
        Ok(TokenIdentity {
            display_name: found.display_name.clone(),
            entity_id: Some(found.entity_id.clone()).filter(|e| !e.is_empty()),
            policies,
            life: life_of(&found),
            expire_time: found.expire_time.clone().filter(|e| !e.is_empty()),
            auth_path: found.path.clone(),
        })
    }

    async fn lookup_self(&self) -> Result<LookupTokenResponse, StoreError> {
        self.call("auth/token/lookup-self", || async {
            vaultrs::token::lookup_self(&self.client).await
        })
        .await
    }

    /// Renew kvault's own token by `increment` (`auth/token/renew-self`);
    /// the server may grant less (the token's max TTL).
    pub async fn renew_token(&self, increment: Duration) -> Result<TokenLife, StoreError> {
        let increment = format!("{}s", increment.as_secs());
        let auth = self
            .call("auth/token/renew-self", || async {
                vaultrs::token::renew_self(&self.client, Some(&increment)).await
            })
            .await?;
        Ok(TokenLife {
            ttl: (auth.lease_duration > 0).then(|| Duration::from_secs(auth.lease_duration)),
            renewable: auth.renewable,
        })
    }

    /// The server's health (`sys/health`, no token needed): version,
    /// initialized, sealed. Asked to answer 200 in every state, so that a
    /// sealed or standby server is told apart from a failing one.
    pub async fn health(&self) -> Result<Health, StoreError> {
        let h = self
            .call("sys/health", || async {
                vaultrs::api::exec_with_no_result(&self.client, endpoints::ReadHealth::default())
                    .await
            })
            .await?;
        Ok(health(h))
    }

    /// `sys/health` of the node at `node` in VAULT_ADDR's list, asked of
    /// that node alone (no move to another, no retry): `kvault doctor`
    /// reports each.
    pub async fn health_at(&self, node: usize) -> Result<Health, StoreError> {
        let store = format!("vault ({})", self.addresses()[node]);
        let h = vaultrs::api::exec_with_no_result(
            self.client.at(node),
            endpoints::ReadHealth::default(),
        )
        .await
        .map_err(|e| super::errors::map_error(e, &store, "sys/health", &Redactor::new()))?;
        Ok(health(h))
    }

    /// The secrets engines the token can see (`sys/internal/ui/mounts`, as
    /// the CLIs list them), each `(path, type, KV version)`.
    pub async fn visible_mounts(&self) -> Result<Vec<VisibleMount>, StoreError> {
        let all = self
            .call("sys/internal/ui/mounts", || async {
                vaultrs::api::exec_with_result(&self.client, endpoints::ListVisibleMounts {}).await
            })
            .await?;
        let mut mounts: Vec<VisibleMount> = all
            .secret
            .into_iter()
            .map(|(path, m)| VisibleMount {
                kv_version: matches!(m.kind.as_str(), "kv" | "generic").then(|| {
                    match m.options.as_ref().and_then(|o| o.get("version")) {
                        Some(v) if v == "2" => 2,
                        _ => 1,
                    }
                }),
                path,
                kind: m.kind,
            })
            .collect();
        mounts.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(mounts)
    }

    /// A password made by the server's password policy `policy`
    /// (`GET sys/policies/password/:policy/generate`), for `kvault rotate
    /// --generate policy:NAME`.
    pub async fn generate_password(&self, policy: &str) -> Result<SecretValue, StoreError> {
        if !is_policy_name(policy) {
            return Err(StoreError::BadInput(format!(
                "`{policy}` is not a password policy name"
            )));
        }
        let path = format!("sys/policies/password/{policy}/generate");
        let data = self.logical_get(&path, &path).await?;
        match data.get("password") {
            Some(Value::String(p)) if !p.is_empty() => Ok(SecretValue::from_str_value(p)),
            _ => Err(StoreError::Corrupt(format!(
                "{}: `{path}` returned no password",
                self.describe()
            ))),
        }
    }
}

/// The life a `lookup-self` answer gives: no TTL for a token that never
/// expires (a TTL of 0).
fn life_of(found: &LookupTokenResponse) -> TokenLife {
    TokenLife {
        ttl: (found.ttl > 0).then(|| Duration::from_secs(found.ttl)),
        renewable: found.renewable.unwrap_or(false),
    }
}

/// Whether `policy` can only name a policy: one path segment, no query.
fn is_policy_name(policy: &str) -> bool {
    !(policy.is_empty() || policy.contains(['/', '?', '#']) || policy.contains(".."))
}

/// What kvault keeps of a `sys/health` answer.
fn health(h: endpoints::HealthAnswer) -> Health {
    Health {
        version: h.version,
        initialized: h.initialized,
        sealed: h.sealed,
        standby: h.standby,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_policy_name_is_one_plain_path_segment() {
        for good in ["default", "db-32", "my_policy.v2"] {
            assert!(is_policy_name(good), "{good}");
        }
        for bad in ["", "a/b", "../x", "x..y", "p?q=1", "p#frag", "/"] {
            assert!(!is_policy_name(bad), "{bad}");
        }
    }
}
