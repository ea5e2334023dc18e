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
use std::time::{Duration, Instant};

/// The longest wait for a canary (`--timeout`): a week. Longer waits are
/// refused, never wrapped or saturated into an instant that overflows.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 3600);

/// The key used when a reference names none.
pub const DEFAULT_KEY: &str = "canary";
const PREFIX: &str = "kvault-canary:";
/// The metadata key (Kubernetes annotation, KV v2 custom metadata) that
/// marks a secret as a kvault canary.
pub const MARK: &str = "kvault.dev/canary";
/// Metadata (KV v2 custom metadata, a Kubernetes label) marking a canary
/// that is also a honeytoken: a read by anyone but the syncer is an alarm.
pub const HONEYTOKEN_MARK: &str = "kvault.dev/honeytoken";

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
            sent_ms: crate::clock::now_millis(),
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
    #[error("a timeout of {} is longer than the longest kvault waits for a canary ({})", humantime::format_duration(*.0), humantime::format_duration(MAX_TIMEOUT))]
    TimeoutTooLong(Duration),
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
            CanaryError::NotACanary(_)
            | CanaryError::NoCanary(_)
            | CanaryError::TimeoutTooLong(_) => "config",
            CanaryError::Store(e) if e.is_not_found() => "not_found",
            CanaryError::Store(StoreError::PermissionDenied { .. }) => "permission_denied",
            CanaryError::Store(_) => "store_error",
        }
    }
}

/// Write a fresh canary at `source`, keeping the secret's other keys.
pub async fn create(store: &dyn SecretStore, source: &Reference) -> Result<Canary, CanaryError> {
    create_marked(store, source, false).await
}

/// [`create`], marked a honeytoken too when `honeytoken`.
pub async fn create_marked(
    store: &dyn SecretStore,
    source: &Reference,
    honeytoken: bool,
) -> Result<Canary, CanaryError> {
    let key = key_of(source);
    let (mut data, cas) = match store.read(&source.path, None).await {
        Ok(current) => {
            // Only a secret that is a canary already: marked so in its
            // metadata, or holding nothing but canary values. A live
            // application secret must never gain a key (its next sync would
            // update the target and roll out the workloads).
            let marked = current.metadata.get(MARK).is_some_and(|v| v == "true");
            let only_canaries = !current.data.is_empty()
                && current
                    .data
                    .iter()
                    .all(|(_, v)| Canary::parse(v.expose()).is_some());
            if !(marked || only_canaries) {
                return Err(CanaryError::NotACanary(source.to_string()));
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
    let mut mark = std::collections::BTreeMap::from([(MARK.to_string(), "true".to_string())]);
    if honeytoken {
        mark.insert(HONEYTOKEN_MARK.to_string(), "true".to_string());
    }
    canary.version = match store
        .write_with_metadata(&source.path, &data, cas, &mark)
        .await
    {
        Err(StoreError::BadInput(msg)) if msg.contains("check-and-set") => {
            store
                .write_with_metadata(&source.path, &data, Cas::Any, &mark)
                .await?
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
    let deadline = Instant::now()
        .checked_add(timeout)
        .filter(|_| timeout <= MAX_TIMEOUT)
        .ok_or(CanaryError::TimeoutTooLong(timeout))?;
    let mut changes = store.watch(&target.path).await.unwrap_or(None);
    let mut poll = Duration::from_millis(100);
    let mut reads: u32 = 0;
    loop {
        reads = reads.saturating_add(1);
        let last_seen = match store.read(&target.path, None).await {
            Ok(secret) => match secret
                .data
                .get(key_of(target))
                .map(|v| Canary::parse(v.expose()))
            {
                Some(Some(seen)) if seen.nonce == canary.nonce => {
                    let latency = Duration::from_millis(
                        crate::clock::now_millis().saturating_sub(canary.sent_ms),
                    );
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

/// The Prometheus series of one source/target pair, for a textfile
/// collector. Failure counters continue from the file's former content, so
/// they count across runs; a counter at `u64::MAX` stays there (saturates).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metrics {
    labels: String,
    failures: Vec<(String, u64)>,
    last_success: Option<String>,
    propagation: Option<String>,
}

/// A metrics file whose series for this pair kvault cannot continue: the
/// line (1-based) and what is wrong with it. Names no content of the line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {what}")]
pub struct CorruptMetrics {
    pub line: usize,
    pub what: &'static str,
}

/// The `reason` labels kvault writes.
const REASONS: &[&str] = &[
    "timeout",
    "config",
    "not_found",
    "permission_denied",
    "store_error",
];

const FAILURES: &str = "kvault_canary_failures_total{";
const LAST_SUCCESS: &str = "kvault_canary_last_success_timestamp_seconds{";
const PROPAGATION: &str = "kvault_canary_propagation_seconds{";

impl Metrics {
    /// No series yet.
    pub fn new(source: &str, target: &str) -> Metrics {
        Metrics {
            labels: format!(
                "source=\"{}\",target=\"{}\"",
                escape(source),
                escape(target)
            ),
            ..Metrics::default()
        }
    }

    /// The series for `source`/`target` in `previous` (a metrics file kvault
    /// wrote), to continue them. Lines of other pairs, comments and other
    /// metrics are dropped. A line of this pair that is not as kvault writes
    /// it (a count that is not a whole number, a gauge that is not a
    /// number, an unknown reason, a series twice) is an error: continuing
    /// would reset a counter without saying so.
    pub fn continue_from(
        previous: &str,
        source: &str,
        target: &str,
    ) -> Result<Metrics, CorruptMetrics> {
        let mut metrics = Metrics::new(source, target);
        let ours = format!("{}}} ", metrics.labels);
        let ours_failure = format!("{},reason=\"", metrics.labels);
        for (i, line) in previous.lines().enumerate() {
            let corrupt = |what| CorruptMetrics { line: i + 1, what };
            if let Some(rest) = line.strip_prefix(FAILURES) {
                let Some(rest) = rest.strip_prefix(&ours_failure) else {
                    continue;
                };
                let (reason, value) = rest
                    .split_once("\"} ")
                    .ok_or_else(|| corrupt("a failure counter of this pair is malformed"))?;
                if !REASONS.contains(&reason) {
                    return Err(corrupt(
                        "a failure counter of this pair has an unknown reason",
                    ));
                }
                let n: u64 = value
                    .trim()
                    .parse()
                    .map_err(|_| corrupt("a failure counter of this pair is not a whole number"))?;
                if metrics.failures.iter().any(|(r, _)| r == reason) {
                    return Err(corrupt("a failure counter of this pair appears twice"));
                }
                metrics.failures.push((reason.to_string(), n));
            } else {
                for (prefix, slot) in [
                    (LAST_SUCCESS, &mut metrics.last_success),
                    (PROPAGATION, &mut metrics.propagation),
                ] {
                    let Some(value) = line
                        .strip_prefix(prefix)
                        .and_then(|r| r.strip_prefix(&ours))
                    else {
                        continue;
                    };
                    let value = value.trim();
                    if !value
                        .parse::<f64>()
                        .is_ok_and(|v| v.is_finite() && v >= 0.0)
                    {
                        return Err(corrupt("a gauge of this pair is not a number"));
                    }
                    if slot.replace(value.to_string()).is_some() {
                        return Err(corrupt("a gauge of this pair appears twice"));
                    }
                }
            }
        }
        Ok(metrics)
    }

    /// Count one run's outcome.
    pub fn record(&mut self, outcome: Result<&Arrival, &CanaryError>) {
        match outcome {
            Ok(arrival) => {
                self.propagation = Some(format!("{:.3}", arrival.latency.as_secs_f64()));
                self.last_success =
                    Some(format!("{:.3}", crate::clock::now_millis() as f64 / 1000.0));
            }
            Err(e) => match self.failures.iter_mut().find(|(r, _)| r == e.reason()) {
                Some((_, n)) => *n = n.saturating_add(1),
                None => self.failures.push((e.reason().to_string(), 1)),
            },
        }
    }

    /// Prometheus text format.
    pub fn render(&self) -> String {
        let labels = &self.labels;
        let mut failures = self.failures.clone();
        failures.sort();
        let mut out = String::new();
        out.push_str("# HELP kvault_canary_propagation_seconds Seconds from writing the canary at the source until the target showed it.\n");
        out.push_str("# TYPE kvault_canary_propagation_seconds gauge\n");
        if let Some(p) = &self.propagation {
            out.push_str(&format!("{PROPAGATION}{labels}}} {p}\n"));
        }
        out.push_str("# HELP kvault_canary_last_success_timestamp_seconds When a canary last arrived, Unix seconds.\n");
        out.push_str("# TYPE kvault_canary_last_success_timestamp_seconds gauge\n");
        if let Some(t) = &self.last_success {
            out.push_str(&format!("{LAST_SUCCESS}{labels}}} {t}\n"));
        }
        out.push_str("# HELP kvault_canary_failures_total Canary runs that failed, by reason.\n");
        out.push_str("# TYPE kvault_canary_failures_total counter\n");
        for (reason, n) in failures {
            out.push_str(&format!("{FAILURES}{labels},reason=\"{reason}\"}} {n}\n"));
        }
        out
    }
}

/// Prometheus text for one run: [`Metrics::continue_from`] `previous`,
/// [`Metrics::record`] `outcome`, [`Metrics::render`].
pub fn metrics(
    previous: &str,
    source: &str,
    target: &str,
    outcome: Result<&Arrival, &CanaryError>,
) -> Result<String, CorruptMetrics> {
    let mut metrics = Metrics::continue_from(previous, source, target)?;
    metrics.record(outcome);
    Ok(metrics.render())
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
    async fn create_never_adds_a_canary_key_to_a_live_secret() {
        let store = MemoryStore::new();
        let mut data = SecretData::new();
        data.insert("password", SecretValue::from_str_value("real-password"));
        store.write("app/db", &data, Cas::Any).await.unwrap();
        for reference in ["local:app/db", "local:app/db#canary"] {
            let err = create(&store, &r(reference)).await.unwrap_err();
            assert!(matches!(err, CanaryError::NotACanary(_)), "{reference}");
        }
        assert_eq!(store.read("app/db", None).await.unwrap().data, data);
        // A canary secret takes more canaries, whole-secret or by key.
        create(&store, &r("local:canary/x")).await.unwrap();
        create(&store, &r("local:canary/x#second")).await.unwrap();
        create(&store, &r("local:canary/x")).await.unwrap();
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
        let once = metrics("", "vault:s", "k8s:n/t", Err(&err)).unwrap();
        let twice = metrics(&once, "vault:s", "k8s:n/t", Err(&err)).unwrap();
        assert!(twice.contains("kvault_canary_failures_total{source=\"vault:s\",target=\"k8s:n/t\",reason=\"timeout\"} 2"), "{twice}");
        let ok = metrics(
            &twice,
            "vault:s",
            "k8s:n/t",
            Ok(&Arrival {
                latency: Duration::from_millis(1500),
                reads: 2,
            }),
        )
        .unwrap();
        assert!(ok.contains(
            "kvault_canary_propagation_seconds{source=\"vault:s\",target=\"k8s:n/t\"} 1.500"
        ));
        assert!(
            ok.contains("reason=\"timeout\"} 2"),
            "counters survive a success: {ok}"
        );
        assert!(ok.contains("kvault_canary_last_success_timestamp_seconds{"));
    }

    fn timeout_error() -> CanaryError {
        CanaryError::Timeout {
            target: "t".into(),
            waited: Duration::from_secs(1),
            last_seen: "x".into(),
        }
    }

    #[test]
    fn a_corrupt_failure_counter_is_an_error_naming_its_line_not_a_silent_reset() {
        let good = metrics("", "vault:s", "k8s:n/t", Err(&timeout_error())).unwrap();
        let line = good
            .lines()
            .position(|l| l.starts_with("kvault_canary_failures_total{"))
            .unwrap()
            + 1;
        for (bad, what) in [
            (good.replace("} 1", "} x1"), "not a whole number"),
            (good.replace("} 1", "} -1"), "not a whole number"),
            (
                good.replace("} 1", "} 18446744073709551616"),
                "not a whole number",
            ),
            (good.replace("timeout", "time\\\"out"), "unknown reason"),
            (
                format!("{good}{}", good.lines().nth(line - 1).unwrap()),
                "appears twice",
            ),
        ] {
            let err = Metrics::continue_from(&bad, "vault:s", "k8s:n/t").unwrap_err();
            assert!(err.to_string().contains(what), "{bad}: {err}");
            assert!(err.line >= line, "{err}");
        }
        let gauge =
            "kvault_canary_propagation_seconds{source=\"vault:s\",target=\"k8s:n/t\"} NaN\n";
        let err = Metrics::continue_from(gauge, "vault:s", "k8s:n/t").unwrap_err();
        assert_eq!(
            err,
            CorruptMetrics {
                line: 1,
                what: "a gauge of this pair is not a number"
            }
        );
        // Another pair's series and other metrics are not this run's business.
        let other = good
            .replace("k8s:n/t", "k8s:n/other")
            .replace("} 1", "} junk");
        let kept = metrics(&other, "vault:s", "k8s:n/t", Err(&timeout_error())).unwrap();
        assert!(kept.contains("reason=\"timeout\"} 1"), "{kept}");
        assert!(!kept.contains("junk"), "{kept}");
    }

    #[test]
    fn a_failure_counter_at_u64_max_saturates_instead_of_wrapping() {
        let full = format!(
            "kvault_canary_failures_total{{source=\"vault:s\",target=\"k8s:n/t\",reason=\"timeout\"}} {}\n",
            u64::MAX
        );
        let next = metrics(&full, "vault:s", "k8s:n/t", Err(&timeout_error())).unwrap();
        assert!(
            next.contains(&format!("reason=\"timeout\"}} {}\n", u64::MAX)),
            "{next}"
        );
    }

    #[tokio::test]
    async fn a_timeout_too_long_for_the_clock_is_an_error_not_a_panic() {
        let store = MemoryStore::new();
        let canary = Canary::fresh();
        for timeout in [Duration::MAX, MAX_TIMEOUT + Duration::from_secs(1)] {
            let err = wait_for(&store, &r("local:canary/dst"), &canary, timeout)
                .await
                .unwrap_err();
            assert!(matches!(err, CanaryError::TimeoutTooLong(_)), "{err}");
            assert!(err.to_string().contains("longer than the longest"), "{err}");
        }
    }
}
