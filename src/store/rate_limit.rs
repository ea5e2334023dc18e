//! A per-store rate limit: a [`SecretStore`] that waits for its turn before
//! each operation, so a large `kvault sync` cannot flood a Vault server or an
//! apiserver that other clients share. One limiter per store (per scheme),
//! shared by every task that uses it; the bound on concurrency stays separate.

use super::layer::{Layer, Layered, Op};
use super::{SecretStore, StoreError};
use async_trait::async_trait;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;

/// One store's limiter: `per_second` operations a second, in bursts of at
/// most that many.
pub fn limiter(per_second: NonZeroU32) -> Arc<DefaultDirectRateLimiter> {
    Arc::new(RateLimiter::direct(Quota::per_second(per_second)))
}

/// `inner`, with every operation first waiting for `limiter`.
pub type RateLimited = Layered<RateLimit>;

/// The [`Layer`] of [`RateLimited`]: a turn of the limiter before each
/// operation.
pub struct RateLimit {
    inner: Arc<dyn SecretStore>,
    limiter: Arc<DefaultDirectRateLimiter>,
}

impl RateLimited {
    pub fn new(inner: Arc<dyn SecretStore>, limiter: Arc<DefaultDirectRateLimiter>) -> Self {
        Layered(RateLimit { inner, limiter })
    }
}

#[async_trait]
impl Layer for RateLimit {
    fn inner(&self) -> &dyn SecretStore {
        self.inner.as_ref()
    }

    async fn before(&self, op: Op, _path: &str) -> Result<(), StoreError> {
        // Capabilities are answered from the mount table the store caches
        // after its first call: no turn of their own.
        if op != Op::Capabilities {
            self.limiter.until_ready().await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemoryStore;
    use crate::store::{Cas, SecretData};
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
