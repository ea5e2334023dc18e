//! Engines other than KV: Bank-Vaults' `>>vault:` writes to dynamic
//! engines (and the renewal of their leases), and transit decryption.

use super::kv::json_to_data;
use super::{endpoints, Idempotent, Lease, VaultStore};
use crate::store::redact::Redactor;
use crate::store::{SecretData, SecretValue, StoreError};
use rustify::endpoint::Endpoint as _;
use secrecy::ExposeSecret;
use std::collections::BTreeMap;
use std::time::Duration;
use vaultrs::client::Client;
use vaultrs::error::ClientError;

impl VaultStore {
    /// `>>vault:PATH`: write `params` to a path of a dynamic engine and return
    /// the response data and its lease (one request per distinct reference,
    /// so a username and password from one credential match).
    pub async fn write_dynamic(
        &self,
        path: &str,
        params: &BTreeMap<String, String>,
    ) -> Result<(SecretData, Option<Lease>), StoreError> {
        let body = serde_json::to_vec(params).map_err(|e| StoreError::BadInput(e.to_string()))?;
        let mut hide = Redactor::new();
        for v in params.values() {
            hide.add(v.as_bytes());
        }
        // A POST to a dynamic engine issues a credential or a certificate
        // each time: never sent twice.
        let result = self
            .call_as(path, Idempotent::No, &hide, || async {
                self.exec_keeping_lease(endpoints::LogicalWrite {
                    path: path.to_string(),
                    body: body.clone(),
                })
                .await
            })
            .await?;
        let lease = (!result.lease_id.is_empty()).then(|| Lease {
            id: result.lease_id.clone(),
            duration: Duration::from_secs(u64::from(result.lease_duration)),
            renewable: result.renewable,
        });
        let data = result
            .data
            .ok_or_else(|| StoreError::BadInput(format!("`{path}` returned no data")))?;
        Ok((json_to_data(data), lease))
    }

    /// Renew a lease; returns its new duration.
    pub async fn renew_lease(&self, lease: &Lease) -> Result<Duration, StoreError> {
        let result = self
            .call("sys/leases/renew", || async {
                self.exec_keeping_lease(endpoints::RenewLease {
                    lease_id: lease.id.clone(),
                    increment: lease.duration.as_secs(),
                })
                .await
            })
            .await?;
        Ok(Duration::from_secs(u64::from(result.lease_duration)))
    }

    /// Send `endpoint` through kvault's client and keep the whole answer,
    /// lease fields included (`vaultrs::api::exec_with_result` keeps only
    /// its data). An error status comes back as the body was.
    async fn exec_keeping_lease<E: rustify::endpoint::Endpoint>(
        &self,
        endpoint: E,
    ) -> Result<vaultrs::api::EndpointResult<E::Response>, ClientError> {
        let response = endpoint
            .with_middleware(self.client.middle())
            .exec(self.client.http())
            .await?;
        Ok(response.wrap()?)
    }

    /// Decrypt `vault:v1:...` transit ciphertexts in one batch request.
    pub async fn transit_decrypt(
        &self,
        mount: &str,
        key: &str,
        ciphertexts: &[String],
    ) -> Result<Vec<SecretValue>, StoreError> {
        let where_ = format!("{mount}/decrypt/{key}");
        let mut hide = Redactor::new().secret(self.token.expose_secret().as_bytes());
        for c in ciphertexts {
            hide.add(c.as_bytes());
        }
        let response = self
            .call(&where_, || async {
                vaultrs::api::exec_with_result(
                    &self.client,
                    endpoints::TransitBatchDecrypt {
                        mount: mount.to_string(),
                        key: key.to_string(),
                        batch_input: ciphertexts
                            .iter()
                            .map(|c| endpoints::CiphertextItem {
                                ciphertext: c.clone(),
                            })
                            .collect(),
                    },
                )
                .await
            })
            .await?;
        response
            .batch_results
            .into_iter()
            .enumerate()
            .map(|(i, item)| decrypted(&where_, i, item, &hide))
            .collect()
    }
}

/// Item `i` of a batch decryption answer: its plaintext, or why not (the
/// server's error text through `hide`).
fn decrypted(
    where_: &str,
    i: usize,
    item: endpoints::BatchDecryptItem,
    hide: &Redactor,
) -> Result<SecretValue, StoreError> {
    use base64::Engine as _;
    match (item.plaintext, item.error) {
        (Some(p), None) => base64::engine::general_purpose::STANDARD
            .decode(p.as_bytes())
            .map(SecretValue::new)
            .map_err(|_| StoreError::Corrupt(format!("{where_}: item {i} is not base64"))),
        (_, err) => Err(StoreError::BadInput(format!(
            "{where_}: cannot decrypt item {i}: {}",
            err.map_or_else(|| "no plaintext".into(), |e| hide.remote(&e))
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(plaintext: Option<&str>, error: Option<&str>) -> endpoints::BatchDecryptItem {
        endpoints::BatchDecryptItem {
            plaintext: plaintext.map(|p| zeroize::Zeroizing::new(p.to_string())),
            error: error.map(str::to_string),
        }
    }

    #[test]
    fn a_decrypted_item_is_its_base64_plaintext_decoded() {
        let got = decrypted(
            "transit/decrypt/k",
            0,
            item(Some("aGVsbG8="), None),
            &Redactor::new(),
        );
        assert_eq!(got.unwrap().expose(), b"hello");
    }

    #[test]
    fn a_plaintext_that_is_not_base64_is_corrupt_and_not_shown() {
        let got = decrypted(
            "transit/decrypt/k",
            2,
            item(Some("%%%"), None),
            &Redactor::new(),
        );
        match got {
            Err(StoreError::Corrupt(m)) => assert_eq!(m, "transit/decrypt/k: item 2 is not base64"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_item_the_server_could_not_decrypt_says_why_with_the_ciphertext_redacted() {
        let ciphertext = "vault:v1:c2VjcmV0LWNpcGhlcnRleHQ=";
        let hide = Redactor::new().secret(ciphertext.as_bytes());
        let why = format!("invalid ciphertext {ciphertext}: cipher: message authentication failed");
        let got = decrypted("transit/decrypt/k", 1, item(None, Some(&why)), &hide);
        match got {
            Err(StoreError::BadInput(m)) => {
                assert!(
                    m.starts_with("transit/decrypt/k: cannot decrypt item 1: "),
                    "{m}"
                );
                assert!(m.contains("message authentication failed"), "{m}");
                assert!(!m.contains("c2VjcmV0LWNpcGhlcnRleHQ"), "{m}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_item_with_neither_plaintext_nor_error_has_no_plaintext() {
        let got = decrypted("transit/decrypt/k", 0, item(None, None), &Redactor::new());
        match got {
            Err(StoreError::BadInput(m)) => {
                assert_eq!(m, "transit/decrypt/k: cannot decrypt item 0: no plaintext")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_item_with_both_plaintext_and_error_is_not_decrypted() {
        let got = decrypted(
            "transit/decrypt/k",
            0,
            item(Some("aGVsbG8="), Some("partial failure")),
            &Redactor::new(),
        );
        assert!(matches!(got, Err(StoreError::BadInput(_))), "{got:?}");
    }
}
