//! Bounded retries with exponential backoff for transient store errors
//! (connection refused, 5xx, 429, sealed). Never for 4xx: those are answers.

use super::StoreError;
use std::future::Future;
use std::time::Duration;

/// How often and how patiently to retry. Total wait is bounded by
/// `attempts` and `max_delay`, so a dead server cannot hang a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (1 = no retry).
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        RetryPolicy {
            attempts: 1,
            ..Self::default()
        }
    }

    fn delay(&self, retry: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << retry.min(16));
        exp.min(self.max_delay)
    }

    /// Run `op` until it succeeds, fails for good, or the attempts run out.
    /// Only for idempotent operations: a retryable error may come after the
    /// server applied the request.
    pub async fn run<T, F, Fut>(&self, what: &str, op: F) -> Result<T, StoreError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, StoreError>>,
    {
        self.run_when(what, op, StoreError::is_retryable).await
    }

    /// Run `op`, trying again while `retryable` says so of its error (a
    /// non-idempotent call retries only errors from before the request was
    /// sent).
    pub async fn run_when<T, E, F, Fut>(
        &self,
        what: &str,
        mut op: F,
        retryable: impl Fn(&E) -> bool,
    ) -> Result<T, E>
    where
        E: std::fmt::Display,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut tried = 0;
        loop {
            tried += 1;
            match op().await {
                Err(err) if retryable(&err) && tried < self.attempts.max(1) => {
                    let delay = self.delay(tried - 1);
                    tracing::debug!(%err, attempt = tried, ?delay, "retrying {what}");
                    tokio::time::sleep(delay).await;
                }
                other => return other,
            }
        }
    }

    /// The pause before retry number `retry` (0-based), for callers that
    /// check the state of the server between tries themselves.
    pub fn pause(&self, retry: u32) -> Duration {
        self.delay(retry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn unavailable() -> StoreError {
        StoreError::Unavailable {
            store: "test".into(),
            detail: "down".into(),
        }
    }

    fn fast(attempts: u32) -> RetryPolicy {
        RetryPolicy {
            attempts,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        }
    }

    #[tokio::test]
    async fn transient_errors_are_retried_until_success() {
        let calls = AtomicU32::new(0);
        let out = fast(5)
            .run("read", || async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(unavailable())
                } else {
                    Ok(7)
                }
            })
            .await;
        assert_eq!(out.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn retries_stop_after_the_bound() {
        let calls = AtomicU32::new(0);
        let out: Result<(), _> = fast(3)
            .run("read", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(unavailable())
            })
            .await;
        assert!(out.unwrap_err().is_retryable());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn answers_such_as_permission_denied_are_not_retried() {
        let calls = AtomicU32::new(0);
        let out: Result<(), _> = fast(5)
            .run("read", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(StoreError::PermissionDenied {
                    store: "t".into(),
                    path: "p".into(),
                    detail: "403".into(),
                })
            })
            .await;
        assert!(out.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn delays_grow_and_are_capped() {
        let p = RetryPolicy::default();
        assert!(p.delay(1) > p.delay(0));
        assert_eq!(p.delay(30), p.max_delay);
    }
}
