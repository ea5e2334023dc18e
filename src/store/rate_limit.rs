//! A per-store rate limit: a [`SecretStore`] that waits for its turn before
//! each operation, so a large `kvault sync` cannot flood a Vault server or an
//! apiserver that other clients share. One limiter per store (per scheme),
//! shared by every task that uses it; the bound on concurrency stays separate.

use super::{
    Cas, ChangeStream, Deletion, Listing, Secret, SecretData, SecretStore, StoreError, VersionInfo,
};
use crate::store::Capabilities;
use async_trait::async_trait;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::Arc;

/// One store's limiter: `per_second` operations a second, in bursts of at
/// most that many.
pub fn limiter(per_second: NonZeroU32) -> Arc<DefaultDirectRateLimiter> {
    Arc::new(RateLimiter::direct(Quota::per_second(per_second)))
}

/// `inner`, with every operation first waiting for `limiter`.
pub struct RateLimited {
    inner: Arc<dyn SecretStore>,
    limiter: Arc<DefaultDirectRateLimiter>,
}

impl RateLimited {
    pub fn new(inner: Arc<dyn SecretStore>, limiter: Arc<DefaultDirectRateLimiter>) -> Self {
        RateLimited { inner, limiter }
    }

    async fn turn(&self) {
        self.limiter.until_ready().await;
    }
}

#[async_trait]
impl SecretStore for RateLimited {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    async fn read(&self, path: &str, version: Option<u64>) -> Result<Secret, StoreError> {
        self.turn().await;
        self.inner.read(path, version).await
    }

    async fn write(&self, path: &str, data: &SecretData, cas: Cas) -> Result<u64, StoreError> {
        self.turn().await;
        self.inner.write(path, data, cas).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        self.turn().await;
        self.inner.list(prefix).await
    }

    async fn list_entries(&self, prefix: &str) -> Result<Listing, StoreError> {
        self.turn().await;
        self.inner.list_entries(prefix).await
    }

    async fn versions(&self, path: &str) -> Result<Vec<VersionInfo>, StoreError> {
        self.turn().await;
        self.inner.versions(path).await
    }

    async fn delete(&self, path: &str) -> Result<(), StoreError> {
        self.turn().await;
        self.inner.delete(path).await
    }

    async fn delete_versions(&self, path: &str, which: &Deletion) -> Result<(), StoreError> {
        self.turn().await;
        self.inner.delete_versions(path, which).await
    }

    async fn watch(&self, path: &str) -> Result<Option<ChangeStream>, StoreError> {
        self.turn().await;
        self.inner.watch(path).await
    }

    // Answered from the mount table the store caches after its first call:
    // no turn of their own.
    async fn capabilities(&self, path: &str) -> Result<Capabilities, StoreError> {
        self.inner.capabilities(path).await
    }

    async fn write_with_metadata(
        &self,
        path: &str,
        data: &SecretData,
        cas: Cas,
        metadata: &BTreeMap<String, String>,
    ) -> Result<u64, StoreError> {
        self.turn().await;
        self.inner
            .write_with_metadata(path, data, cas, metadata)
            .await
    }

    async fn write_metadata(
        &self,
        path: &str,
        data: &SecretData,
        metadata: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        self.turn().await;
        self.inner.write_metadata(path, data, metadata).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemoryStore;
    use futures::FutureExt;

    fn data() -> SecretData {
        [(
            "k".to_string(),
            crate::store::SecretValue::from_str_value("v"),
        )]
        .into_iter()
        .collect()
    }

    /// Two operations a minute: the first two go at once, the third waits
    /// (checked without sleeping: its future is not ready when polled).
    #[tokio::test]
    async fn operations_beyond_the_quota_wait_for_their_turn() {
        let memory: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
        let quota = Quota::per_minute(NonZeroU32::new(2).unwrap());
        let store = RateLimited::new(memory.clone(), Arc::new(RateLimiter::direct(quota)));
        store.write("a", &data(), Cas::Any).await.unwrap();
        store.read("a", None).await.unwrap();
        assert!(store.read("a", None).now_or_never().is_none());
        assert!(store.list("").now_or_never().is_none());
        // The store itself is not held up.
        assert!(memory.read("a", None).now_or_never().is_some());
    }

    /// Limiters are per store: one store at its limit does not slow another.
    #[tokio::test]
    async fn each_store_has_its_own_limiter() {
        let quota = Quota::per_minute(NonZeroU32::new(1).unwrap());
        let one = RateLimited::new(
            Arc::new(MemoryStore::new()),
            Arc::new(RateLimiter::direct(quota)),
        );
        let two = RateLimited::new(
            Arc::new(MemoryStore::new()),
            Arc::new(RateLimiter::direct(quota)),
        );
        one.write("a", &data(), Cas::Any).await.unwrap();
        assert!(one.read("a", None).now_or_never().is_none());
        assert!(two.write("a", &data(), Cas::Any).now_or_never().is_some());
    }
}
