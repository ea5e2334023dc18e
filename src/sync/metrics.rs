//! `kvault sync --watch --metrics-addr`: what each run did, as Prometheus
//! metrics. Labels come from closed sets (result, error kind), except
//! `target`, which takes the plan's target references: as many series as
//! the plan has targets, never one per Pod, value or version.

use super::report::{Report, SyncError, TargetStep};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Result {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Kind {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Target {
    target: String,
}

#[derive(Debug)]
pub struct SyncMetrics {
    registry: Registry,
    runs: Family<Result, Counter>,
    errors: Family<Kind, Counter>,
    writes: Counter,
    rollouts: Counter,
    duration: Histogram,
    last_success: Family<Target, Gauge<f64, AtomicU64>>,
    lag: Family<Target, Gauge>,
    canary_latency: Family<Target, Histogram>,
    leader: Gauge,
    ran: AtomicBool,
}

impl Default for SyncMetrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("kvault_sync");
        let runs = Family::<Result, Counter>::default();
        registry.register(
            "runs",
            "Sync runs, by result (ok: every target synced)",
            runs.clone(),
        );
        let errors = Family::<Kind, Counter>::default();
        registry.register(
            "errors",
            "Failures, by kind: source, target_read, target_write, assemble, fenced, store, rollout, prune",
            errors.clone(),
        );
        let writes = Counter::default();
        registry.register(
            "target_writes",
            "Targets created or updated",
            writes.clone(),
        );
        let rollouts = Counter::default();
        registry.register(
            "rollouts",
            "Workloads rolled out for a changed Secret",
            rollouts.clone(),
        );
        let duration = Histogram::new(exponential_buckets(0.01, 2.0, 12));
        registry.register(
            "run_duration_seconds",
            "Time one run took",
            duration.clone(),
        );
        let last_success = Family::<Target, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "target_last_success_timestamp_seconds",
            "When the target was last in sync (Unix time)",
            last_success.clone(),
        );
        let lag = Family::<Target, Gauge>::default();
        registry.register(
            "target_version_lag",
            "Source versions the target is behind (0 once synced)",
            lag.clone(),
        );
        // From half a second to about four hours: a canary goes through a
        // watch interval or a schedule, not a request.
        let canary_latency = Family::<Target, Histogram>::new_with_constructor(
            canary_histogram as fn() -> Histogram,
        );
        registry.register(
            "canary_latency_seconds",
            "From a canary's write at the source (kvault canary) to its write at the target",
            canary_latency.clone(),
        );
        let leader = Gauge::default();
        registry.register(
            "leader",
            "1 while this process writes: it holds the Lease (--leader-elect), or runs alone",
            leader.clone(),
        );
        SyncMetrics {
            registry,
            runs,
            errors,
            writes,
            rollouts,
            duration,
            last_success,
            lag,
            canary_latency,
            leader,
            ran: AtomicBool::new(false),
        }
    }
}

impl SyncMetrics {
    /// Count what one run did.
    pub fn record(&self, report: &Report, seconds: f64) {
        let result = if report.failed() { "failed" } else { "ok" };
        self.runs.get_or_create(&Result { result }).inc();
        self.duration.observe(seconds);
        self.writes.inc_by((report.created + report.updated) as u64);
        self.rollouts.inc_by(report.rollouts.len() as u64);
        let now = crate::clock::now_seconds_f64();
        for target in &report.targets {
            let label = Target {
                target: target.target.clone(),
            };
            match &target.error {
                None => {
                    self.last_success.get_or_create(&label).set(now);
                    self.lag.get_or_create(&label).set(0);
                    if let Some(sent) = target.canary_sent_ms {
                        let latency = (now - sent as f64 / 1000.0).max(0.0);
                        self.canary_latency.get_or_create(&label).observe(latency);
                    }
                }
                Some(error) => {
                    self.errors
                        .get_or_create(&Kind {
                            kind: kind_of(error),
                        })
                        .inc();
                    if let Some(lag) = lag(
                        target.source_version.as_deref(),
                        target.synced_version.as_deref(),
                    ) {
                        self.lag.get_or_create(&label).set(lag);
                    }
                }
            }
        }
        // Errors that are not a target's: rollouts and prunes.
        for error in report
            .errors
            .iter()
            .skip(report.targets.iter().filter(|t| t.error.is_some()).count())
        {
            let kind =
                if error.target.starts_with("prune") || error.error.starts_with("cannot prune") {
                    "prune"
                } else {
                    "rollout"
                };
            self.errors.get_or_create(&Kind { kind }).inc();
        }
        self.ran.store(true, Ordering::SeqCst);
    }

    pub fn set_leader(&self, leading: bool) {
        self.leader.set(i64::from(leading));
    }

    /// Whether a run has finished (`/readyz`).
    pub fn has_run(&self) -> bool {
        self.ran.load(Ordering::SeqCst)
    }

    /// The OpenMetrics text.
    pub fn encode(&self) -> String {
        crate::exposition::encode(&self.registry)
    }
}

fn canary_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.5, 2.0, 15))
}

fn kind_of(error: &SyncError) -> &'static str {
    match error {
        SyncError::Store(_) => "store",
        SyncError::Source { .. } => "source",
        SyncError::Target {
            step: TargetStep::Read,
            ..
        } => "target_read",
        SyncError::Target {
            step: TargetStep::Write,
            ..
        } => "target_write",
        SyncError::Assemble(_) => "assemble",
        SyncError::Fenced(_) => "fenced",
    }
}

/// How many versions behind: the sources' versions (comma-separated, one
/// per source) against those the target was synced from.
fn lag(source: Option<&str>, synced: Option<&str>) -> Option<i64> {
    let numbers = |text: &str| -> Option<Vec<i64>> {
        text.split(',').map(|v| v.trim().parse().ok()).collect()
    };
    let (source, synced) = (numbers(source?)?, numbers(synced?)?);
    (source.len() == synced.len()).then(|| {
        source
            .iter()
            .zip(&synced)
            .map(|(a, b)| (a - b).max(0))
            .sum()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::report::TargetOutcome;

    fn written(target: &str, canary_sent_ms: Option<u64>) -> TargetOutcome {
        TargetOutcome {
            target: target.into(),
            sources: vec!["vault:secret/canary".into()],
            action: crate::sync::decide::Action::Updated,
            diff: Default::default(),
            error: None,
            source_version: Some("3".into()),
            synced_version: Some("2".into()),
            data_hash: None,
            drift: false,
            canary_sent_ms,
        }
    }

    #[test]
    fn a_delivered_canary_is_observed_as_latency_for_its_target_only() {
        let metrics = SyncMetrics::default();
        let two_seconds_ago = crate::clock::now_millis() - 2_000;
        let mut report = Report {
            targets: vec![
                written("k8s:prod/canary", Some(two_seconds_ago)),
                written("k8s:prod/db", None),
            ],
            ..Report::default()
        };
        report.tally();
        metrics.record(&report, 0.1);
        let text = metrics.encode();
        let series =
            |name: &str| -> Vec<&str> { text.lines().filter(|l| l.starts_with(name)).collect() };
        assert_eq!(
            series("kvault_sync_canary_latency_seconds_count"),
            ["kvault_sync_canary_latency_seconds_count{target=\"k8s:prod/canary\"} 1"],
            "{text}"
        );
        let bucket = |le: &str| {
            format!("kvault_sync_canary_latency_seconds_bucket{{le=\"{le}\",target=\"k8s:prod/canary\"}}")
        };
        assert_eq!(series(&bucket("2.0")), [format!("{} 0", bucket("2.0"))]);
        assert_eq!(series(&bucket("4.0")), [format!("{} 1", bucket("4.0"))]);
    }

    #[test]
    fn the_lag_counts_the_versions_each_source_is_ahead() {
        assert_eq!(lag(Some("9"), Some("7")), Some(2));
        assert_eq!(lag(Some("3,5"), Some("1,5")), Some(2));
        assert_eq!(lag(Some("-"), Some("7")), None);
        assert_eq!(lag(Some("3,5"), Some("3")), None);
        assert_eq!(lag(Some("3"), None), None);
    }
}
