//! The webhook's Prometheus metrics. Labels take values from closed sets
//! only (never a pod, namespace or image name), so the number of series is
//! fixed however many Pods pass through.

use super::review::Outcome;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// One label, `result`, its values from the fixed lists below.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Labels {
    result: &'static str,
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    reviews: Family<Labels, Counter>,
    duration: Histogram,
    reloads: Family<Labels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("kvault_webhook");
        let reviews = Family::<Labels, Counter>::default();
        registry.register(
            "reviews",
            "AdmissionReviews answered, by result (mutated, unchanged, denied, invalid)",
            reviews.clone(),
        );
        // 0.5 ms to ~1 s: the apiserver gives the webhook at most 5 s.
        let duration = Histogram::new(exponential_buckets(0.0005, 2.0, 12));
        registry.register(
            "review_duration_seconds",
            "Time to answer one AdmissionReview, body read included",
            duration.clone(),
        );
        let reloads = Family::<Labels, Counter>::default();
        registry.register(
            "certificate_reloads",
            "Certificate files that changed on disk, by whether they loaded",
            reloads.clone(),
        );
        Metrics {
            registry,
            reviews,
            duration,
            reloads,
        }
    }
}

impl Metrics {
    pub fn reviewed(&self, outcome: Option<Outcome>, seconds: f64) {
        let result = match outcome {
            Some(Outcome::Mutated) => "mutated",
            Some(Outcome::Unchanged) => "unchanged",
            Some(Outcome::Denied) => "denied",
            None => "invalid",
        };
        self.reviews.get_or_create(&Labels { result }).inc();
        self.duration.observe(seconds);
    }

    pub fn reloaded(&self, ok: bool) {
        let result = if ok { "loaded" } else { "failed" };
        self.reloads.get_or_create(&Labels { result }).inc();
    }

    /// The OpenMetrics text exposition.
    pub fn encode(&self) -> String {
        crate::exposition::encode(&self.registry)
    }
}
