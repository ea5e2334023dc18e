//! Canary secrets: prove that a sync pipeline delivers, and measure how
//! long it takes. A canary value is `kvault-canary:<nonce>:<sent unix ms>`;
//! the engine writes a fresh one at the source and waits until the target
//! shows that nonce. Store-agnostic: it sees only `dyn SecretStore`, and uses
//! the store's change stream where it has one (Kubernetes watch), else polls.
//!
//! The value format is also the canary's mark: `create` refuses to overwrite
//! a source that holds anything but a canary, so a mistyped path can never
//! clobber a real secret.

use crate::store::{Cas, Reference, SecretData, SecretStore, SecretValue, StoreError};
use futures::StreamExt;
use rand::Rng;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The key used when a reference names none.
pub const DEFAULT_KEY: &str = "canary";
const PREFIX: &str = "kvault-canary:";

/// One canary as written at the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Canary {
    pub nonce: String,
    /// When it was written, milliseconds since the Unix epoch.
    pub sent_ms: u64,
    pub version: u64,
}

impl Canary {
    fn fresh() -> Canary {
        let nonce: [u8; 12] = rand::rng().random();
        Canary {
            nonce: nonce.iter().map(|b| format!("{b:02x}")).collect(),
            sent_ms: now_ms(),
            version: 0,
        }
    }

    fn value(&self) -> String {
        format!("{PREFIX}{}:{}", self.nonce, self.sent_ms)
    }

    /// Parse a canary value; `None` for anything else.
    pub fn parse(value: &[u8]) -> Option<Canary> {
        let text = std::str::from_utf8(value).ok()?.strip_prefix(PREFIX)?;
        let (nonce, sent) = text.split_once(':')?;
        if nonce.is_empty() || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(Canary {
            nonce: nonce.to_string(),
            sent_ms: sent.parse().ok()?,
            version: 0,
        })
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn key_of(reference: &Reference) -> &str {
    reference.key.as_deref().unwrap_or(DEFAULT_KEY)
}

/// Why a canary run did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CanaryError {
    #[error(
        "the canary did not arrive at `{target}` within {waited:?} (last seen there: {last_seen})"
    )]
    Timeout {
        target: String,
        waited: Duration,
        last_seen: String,
    },
    #[error("`{0}` holds a value that is not a kvault canary; refusing to overwrite it\nhelp: use a path of its own for the canary")]
    NotACanary(String),
    #[error("`{0}` holds no canary yet\nhelp: run `kvault canary create --source {0}` first")]
    NoCanary(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CanaryError {
    /// The `reason` label of `kvault_canary_failures_total`.
    pub fn reason(&self) -> &'static str {
        match self {
            CanaryError::Timeout { .. } => "timeout",
            CanaryError::NotACanary(_) | CanaryError::NoCanary(_) => "config",
            CanaryError::Store(e) if e.is_not_found() => "not_found",
            CanaryError::Store(StoreError::PermissionDenied { .. }) => "permission_denied",
            CanaryError::Store(_) => "store_error",
        }
    }
}

/// Write a fresh canary at `source`, keeping the secret's other keys.
pub async fn create(store: &dyn SecretStore, source: &Reference) -> Result<Canary, CanaryError> {
    let key = key_of(source);
    let (mut data, cas) = match store.read(&source.path, None).await {
        Ok(current) => {
            if let Some(v) = current.data.get(key) {
                if Canary::parse(v.expose()).is_none() {
                    return Err(CanaryError::NotACanary(source.to_string()));
                }
            }
            let cas = current
                .version
                .filter(|v| *v > 0)
                .map_or(Cas::Any, Cas::Version);
            (current.data, cas)
        }
        Err(e) if e.is_not_found() => (SecretData::new(), Cas::MustNotExist),
        Err(e) => return Err(e.into()),
    };
    let mut canary = Canary::fresh();
    data.insert(key, SecretValue::from_str_value(&canary.value()));
    // Stores without check-and-set (KV v1) refuse it: write plainly there.
    canary.version = match store.write(&source.path, &data, cas).await {
        Err(StoreError::BadInput(msg)) if msg.contains("check-and-set") => {
            store.write(&source.path, &data, Cas::Any).await?
        }
        other => other?,
    };
    Ok(canary)
}

/// The canary currently at `source`.
pub async fn current(store: &dyn SecretStore, source: &Reference) -> Result<Canary, CanaryError> {
    let secret = match store.read(&source.path, None).await {
        Ok(s) => s,
        Err(e) if e.is_not_found() => return Err(CanaryError::NoCanary(source.to_string())),
        Err(e) => return Err(e.into()),
    };
    let value = secret
        .data
        .get(key_of(source))
        .ok_or_else(|| CanaryError::NoCanary(source.to_string()))?;
    let mut canary =
        Canary::parse(value.expose()).ok_or_else(|| CanaryError::NotACanary(source.to_string()))?;
    canary.version = secret.version.unwrap_or(0);
    Ok(canary)
}

/// What the target showed when the canary arrived.
#[derive(Clone, Debug)]
pub struct Arrival {
    /// From writing at the source to seeing it at the target.
    pub latency: Duration,
    /// Reads of the target made while waiting.
    pub reads: u32,
}

/// Wait until `target` shows `canary`, using the store's change stream when
/// it has one, else polling with backoff (100 ms doubling to 1 s).
pub async fn wait_for(
    store: &dyn SecretStore,
    target: &Reference,
    canary: &Canary,
    timeout: Duration,
) -> Result<Arrival, CanaryError> {
    let deadline = Instant::now() + timeout;
    let mut changes = store.watch(&target.path).await.unwrap_or(None);
    let mut poll = Duration::from_millis(100);
    let mut reads = 0;
    loop {
        reads += 1;
        let last_seen = match store.read(&target.path, None).await {
            Ok(secret) => match secret
                .data
                .get(key_of(target))
                .map(|v| Canary::parse(v.expose()))
            {
                Some(Some(seen)) if seen.nonce == canary.nonce => {
                    let latency = Duration::from_millis(now_ms().saturating_sub(canary.sent_ms));
                    return Ok(Arrival { latency, reads });
                }
                Some(Some(seen)) => format!("an older canary ({})", seen.nonce),
                Some(None) => "a value that is not a canary".to_string(),
                None => format!("no key `{}`", key_of(target)),
            },
            Err(e) if e.is_not_found() => "no secret".to_string(),
            // Transient trouble at the target is waited out like a delay.
            Err(e) if e.is_retryable() => format!("an error ({e})"),
            Err(e) => return Err(e.into()),
        };
        let now = Instant::now();
        if now >= deadline {
            return Err(CanaryError::Timeout {
                target: target.to_string(),
                waited: timeout,
                last_seen,
            });
        }
        let wait = (deadline - now).min(poll);
        match changes.as_mut() {
            // A change event (or the stream's end) triggers the next read at
            // once; the poll interval still bounds the wait.
            Some(stream) => {
                let _ = tokio::time::timeout(deadline - now, stream.next()).await;
            }
            None => {
                tokio::time::sleep(wait).await;
                poll = (poll * 2).min(Duration::from_secs(1));
            }
        }
    }
}

/// Prometheus text for a textfile collector. Failure counters continue from
/// `previous` (the file's former content), so they count across runs.
pub fn metrics(
    previous: &str,
    source: &str,
    target: &str,
    outcome: Result<&Arrival, &CanaryError>,
) -> String {
    let labels = format!(
        "source=\"{}\",target=\"{}\"",
        escape(source),
        escape(target)
    );
    let mut failures: Vec<(String, u64)> = previous
        .lines()
        .filter_map(|l| l.strip_prefix("kvault_canary_failures_total{"))
        .filter_map(|l| {
            let (labels_part, value) = l.rsplit_once("} ")?;
            let reason = labels_part
                .rsplit_once("reason=\"")?
                .1
                .trim_end_matches('"')
                .to_string();
            labels_part
                .starts_with(&labels)
                .then(|| (reason, value.trim().parse().unwrap_or(0)))
        })
        .collect();
    let mut last_success = previous
        .lines()
        .find_map(|l| {
            l.strip_prefix(&format!(
                "kvault_canary_last_success_timestamp_seconds{{{labels}}} "
            ))
        })
        .map(|v| v.trim().to_string());
    let mut propagation = previous
        .lines()
        .find_map(|l| l.strip_prefix(&format!("kvault_canary_propagation_seconds{{{labels}}} ")))
        .map(|v| v.trim().to_string());
    match outcome {
        Ok(arrival) => {
            propagation = Some(format!("{:.3}", arrival.latency.as_secs_f64()));
            last_success = Some(format!("{:.3}", now_ms() as f64 / 1000.0));
        }
        Err(e) => match failures.iter_mut().find(|(r, _)| r == e.reason()) {
            Some((_, n)) => *n += 1,
            None => failures.push((e.reason().to_string(), 1)),
        },
    }
    failures.sort();
    let mut out = String::new();
    out.push_str("# HELP kvault_canary_propagation_seconds Seconds from writing the canary at the source until the target showed it.\n");
    out.push_str("# TYPE kvault_canary_propagation_seconds gauge\n");
    if let Some(p) = propagation {
        out.push_str(&format!(
            "kvault_canary_propagation_seconds{{{labels}}} {p}\n"
        ));
    }
    out.push_str("# HELP kvault_canary_last_success_timestamp_seconds When a canary last arrived, Unix seconds.\n");
    out.push_str("# TYPE kvault_canary_last_success_timestamp_seconds gauge\n");
    if let Some(t) = last_success {
        out.push_str(&format!(
            "kvault_canary_last_success_timestamp_seconds{{{labels}}} {t}\n"
        ));
    }
    out.push_str("# HELP kvault_canary_failures_total Canary runs that failed, by reason.\n");
    out.push_str("# TYPE kvault_canary_failures_total counter\n");
    for (reason, n) in failures {
        out.push_str(&format!(
            "kvault_canary_failures_total{{{labels},reason=\"{reason}\"}} {n}\n"
        ));
    }
    out
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemoryStore;

    fn r(text: &str) -> Reference {
        Reference::parse(text).unwrap()
    }

    #[test]
    fn canary_values_round_trip_and_other_values_are_not_canaries() {
        let c = Canary::fresh();
        let back = Canary::parse(c.value().as_bytes()).unwrap();
        assert_eq!((back.nonce, back.sent_ms), (c.nonce.clone(), c.sent_ms));
        for other in [
            "hunter2",
            "kvault-canary:",
            "kvault-canary:zz:1",
            "kvault-canary:ab:x",
        ] {
            assert_eq!(Canary::parse(other.as_bytes()), None, "{other}");
        }
    }

    #[tokio::test]
    async fn create_refuses_to_overwrite_a_real_secret() {
        let store = MemoryStore::new();
        let mut data = SecretData::new();
        data.insert("canary", SecretValue::from_str_value("real-password"));
        store.write("app/db", &data, Cas::Any).await.unwrap();
        let err = create(&store, &r("local:app/db")).await.unwrap_err();
        assert!(matches!(err, CanaryError::NotACanary(_)));
        assert_eq!(store.read("app/db", None).await.unwrap().data, data);
    }

    #[tokio::test]
    async fn a_canary_copied_to_the_target_arrives_and_an_old_one_does_not() {
        let store = MemoryStore::new();
        let first = create(&store, &r("local:canary/src")).await.unwrap();
        let copy = store.read("canary/src", None).await.unwrap().data;
        store.write("canary/dst", &copy, Cas::Any).await.unwrap();
        let arrival = wait_for(
            &store,
            &r("local:canary/dst"),
            &first,
            Duration::from_secs(1),
        )
        .await
        .unwrap();
        assert!(arrival.latency < Duration::from_secs(5));
        // A second canary is not there until someone copies it.
        let second = create(&store, &r("local:canary/src")).await.unwrap();
        assert_ne!(first.nonce, second.nonce);
        let err = wait_for(
            &store,
            &r("local:canary/dst"),
            &second,
            Duration::from_millis(300),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, CanaryError::Timeout { .. }));
        assert!(err.to_string().contains("an older canary"), "{err}");
    }

    #[test]
    fn failure_counters_continue_across_runs() {
        let err = CanaryError::Timeout {
            target: "t".into(),
            waited: Duration::from_secs(1),
            last_seen: "x".into(),
        };
        let once = metrics("", "vault:s", "k8s:n/t", Err(&err));
        let twice = metrics(&once, "vault:s", "k8s:n/t", Err(&err));
        assert!(twice.contains("kvault_canary_failures_total{source=\"vault:s\",target=\"k8s:n/t\",reason=\"timeout\"} 2"), "{twice}");
        let ok = metrics(
            &twice,
            "vault:s",
            "k8s:n/t",
            Ok(&Arrival {
                latency: Duration::from_millis(1500),
                reads: 2,
            }),
        );
        assert!(ok.contains(
            "kvault_canary_propagation_seconds{source=\"vault:s\",target=\"k8s:n/t\"} 1.500"
        ));
        assert!(
            ok.contains("reason=\"timeout\"} 2"),
            "counters survive a success: {ok}"
        );
        assert!(ok.contains("kvault_canary_last_success_timestamp_seconds{"));
    }
}
