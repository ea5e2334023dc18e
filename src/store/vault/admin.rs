//! Reads of the server's configuration — policies, auth methods and roles,
//! audit devices, mounts, HA — for `kvault audit --vault`. Only reads: each
//! is idempotent, retried on an unavailable server, bounded by the store's
//! deadline, and its errors are mapped (and redacted) like every call.

use super::{endpoints, Idempotent, VaultStore};
use crate::store::redact::Redactor;
use crate::store::StoreError;
use serde_json::{Map, Value};

impl VaultStore {
    /// `GET path`: the answer's `data`, as JSON.
    pub async fn read_config(&self, path: &str) -> Result<Map<String, Value>, StoreError> {
        let data = self.logical_get(path, path).await?;
        Ok(data.into_iter().collect())
    }

    /// `GET path`, the whole answer: for the `sys/` endpoints that answer
    /// at the top level (`sys/leader`), not under `data`.
    pub async fn read_config_raw(&self, path: &str) -> Result<Map<String, Value>, StoreError> {
        let answer = self
            .call(path, || async {
                vaultrs::api::exec_with_no_result(
                    &self.client,
                    endpoints::LogicalRead {
                        path: path.to_string(),
                    },
                )
                .await
            })
            .await?;
        Ok(answer.into_iter().collect())
    }

    /// An existing token's properties by its accessor
    /// (`auth/token/lookup-accessor`): a read, so retried like one.
    pub async fn lookup_accessor(&self, accessor: &str) -> Result<Map<String, Value>, StoreError> {
        // A server echoing the request into its error must not print the
        // accessor (it can revoke the token).
        let hide = Redactor::new().secret(accessor.as_bytes());
        let data = self
            .call_as(
                "auth/token/lookup-accessor",
                Idempotent::Yes,
                &hide,
                || async {
                    vaultrs::api::exec_with_result(
                        &self.client,
                        endpoints::LookupAccessor {
                            accessor: accessor.to_string(),
                        },
                    )
                    .await
                },
            )
            .await?;
        Ok(data.into_iter().collect())
    }

    /// `LIST path`: the keys under it; none when the server has none (it
    /// answers 404 for an empty list).
    pub async fn list_config(&self, path: &str) -> Result<Vec<String>, StoreError> {
        let listed = self
            .call(path, || async {
                vaultrs::api::exec_with_result(
                    &self.client,
                    endpoints::LogicalList {
                        path: path.to_string(),
                    },
                )
                .await
            })
            .await;
        match listed {
            Ok(list) => Ok(list.keys),
            Err(StoreError::NotFound { .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}
