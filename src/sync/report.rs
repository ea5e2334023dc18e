//! The outcome of one sync run: counts, drift, prunes, rollouts, errors and
//! one line per target. Serialized as is for `-o json`; names and key names
//! only, never a value.

use super::decide::{Action, KeyDiff};
use crate::store::StoreError;
use serde::Serialize;
use std::sync::Arc;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// Nothing was written: actions say what would have been done.
    pub dry_run: bool,
    pub created: usize,
    /// Targets whose data was written again.
    pub updated: usize,
    /// Targets whose provenance only was recorded again (no data change, no rollout).
    pub metadata_updated: usize,
    pub unchanged: usize,
    pub drift: Vec<Drift>,
    /// Kubernetes Secrets deleted by `--prune`, as `k8s:NS/NAME`.
    pub pruned: Vec<String>,
    pub rollouts: Vec<Rollout>,
    pub errors: Vec<Error>,
    pub targets: Vec<TargetOutcome>,
}

/// A target whose data no longer matched what kvault had written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Drift {
    pub target: String,
    pub overwritten: bool,
}

/// A workload patched (or, in a dry run, to be patched).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rollout {
    /// `NAMESPACE/KIND/NAME`.
    pub workload: String,
    /// The changed Secrets that caused it.
    pub secrets: Vec<String>,
}

/// Something that failed: a target, a workload or a prune.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Error {
    pub target: String,
    pub error: String,
}

/// Which call on a target failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetStep {
    Read,
    Write,
}

impl std::fmt::Display for TargetStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TargetStep::Read => "read",
            TargetStep::Write => "write",
        })
    }
}

/// Why one target of a sync failed: which step, with the store error kept
/// (shared, as one failed source read is reported by every target using
/// it), so that callers can still ask whether it is worth a retry.
/// Serialized as its message.
#[derive(Clone, Debug, thiserror::Error)]
pub enum SyncError {
    /// The store of the target or of a source could not be opened.
    #[error("{0}")]
    Store(Arc<StoreError>),
    /// Reading a source secret.
    #[error("cannot read source `{secret}`: {error}")]
    Source {
        secret: String,
        error: Arc<StoreError>,
    },
    /// Reading or writing the target itself.
    #[error("cannot {step} the target: {error}")]
    Target {
        step: TargetStep,
        error: Arc<StoreError>,
    },
    /// The sources read do not make the target's data (a missing key, a
    /// key given by two parts).
    #[error("{0}")]
    Assemble(String),
    /// `--leader-elect`: this process may not write now (not, or no longer,
    /// the holder of the Lease).
    #[error("{0}")]
    Fenced(String),
}

impl SyncError {
    /// A failed target call, keeping the store error.
    pub fn target(step: TargetStep, error: StoreError) -> Self {
        SyncError::Target {
            step,
            error: Arc::new(error),
        }
    }

    /// The store error behind this one, if any.
    pub fn store_error(&self) -> Option<&StoreError> {
        match self {
            SyncError::Store(e)
            | SyncError::Source { error: e, .. }
            | SyncError::Target { error: e, .. } => Some(e),
            SyncError::Assemble(_) | SyncError::Fenced(_) => None,
        }
    }

    /// Whether trying again may help (the store was unavailable).
    pub fn is_retryable(&self) -> bool {
        self.store_error().is_some_and(StoreError::is_retryable)
    }

    /// Whether a secret (source or target) was not there.
    pub fn is_not_found(&self) -> bool {
        self.store_error().is_some_and(StoreError::is_not_found)
    }
}

impl From<StoreError> for SyncError {
    fn from(error: StoreError) -> Self {
        SyncError::Store(Arc::new(error))
    }
}

impl Serialize for SyncError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What happened to one target.
#[derive(Clone, Debug, Serialize)]
pub struct TargetOutcome {
    pub target: String,
    pub sources: Vec<String>,
    pub action: Action,
    #[serde(flatten)]
    pub diff: KeyDiff,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<SyncError>,
    /// The version(s) of the source(s) read in this run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    /// The source version(s) the target was last synced from, as its
    /// provenance records them: "cluster has v7, store has v9".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synced_version: Option<String>,
    /// The data hash the target holds after the run (for rollouts).
    #[serde(skip)]
    pub data_hash: Option<String>,
    /// The target's data no longer matched the hash kvault recorded.
    #[serde(skip)]
    pub drift: bool,
    /// When the canary this run delivered was written at its source (Unix
    /// milliseconds): the data written holds a `kvault canary` value.
    #[serde(skip)]
    pub canary_sent_ms: Option<u64>,
}

impl Report {
    /// Whether anything failed (exit 2).
    pub fn failed(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Fill the counts, drift and errors from `targets`.
    pub fn tally(&mut self) {
        for t in &self.targets {
            match t.action {
                Action::Created => self.created += 1,
                Action::Updated => self.updated += 1,
                Action::Metadata => self.metadata_updated += 1,
                Action::Unchanged => self.unchanged += 1,
                Action::DriftLeft | Action::Failed => {}
            }
            if let Some(error) = &t.error {
                self.errors.push(Error {
                    target: t.target.clone(),
                    error: error.to_string(),
                });
            }
        }
    }

    /// One line for humans: `3 created, 1 updated, ...`.
    pub fn summary_line(&self) -> String {
        let would = if self.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        };
        format!(
            "{} target{}: {} created, {} updated, {} metadata only, {} unchanged, {} drifted, {} pruned, {} rolled out, {} failed{would}",
            self.targets.len(),
            if self.targets.len() == 1 { "" } else { "s" },
            self.created,
            self.updated,
            self.metadata_updated,
            self.unchanged,
            self.drift.len(),
            self.pruned.len(),
            self.rollouts.len(),
            self.errors.len(),
        )
    }

    /// Table rows for everything but unchanged targets: TARGET, ACTION, KEYS, NOTE.
    pub fn rows(&self) -> Vec<Vec<String>> {
        let mut rows: Vec<Vec<String>> = self
            .targets
            .iter()
            .filter(|t| t.action != Action::Unchanged)
            .map(|t| {
                let action = match (self.dry_run, t.action) {
                    (true, Action::Created) => "would create".to_string(),
                    (true, Action::Updated) => "would update".to_string(),
                    (true, Action::Metadata) => "would record metadata".to_string(),
                    (_, action) => serde_json::to_value(action)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                };
                let drift = self.drift.iter().any(|d| d.target == t.target);
                let note = match (&t.error, drift) {
                    (Some(e), _) => e.to_string(),
                    (None, true) => "drift: changed by hand since the last sync".into(),
                    (None, false) => match (&t.synced_version, &t.source_version) {
                        (Some(had), Some(has)) if had != has => {
                            format!("target has v{had}, source has v{has}")
                        }
                        _ => String::new(),
                    },
                };
                vec![t.target.clone(), action, t.diff.short(), note]
            })
            .collect();
        for p in &self.pruned {
            let action = if self.dry_run {
                "would prune"
            } else {
                "pruned"
            };
            rows.push(vec![p.clone(), action.into(), String::new(), String::new()]);
        }
        for r in &self.rollouts {
            rows.push(vec![
                r.workload.clone(),
                if self.dry_run {
                    "would roll out"
                } else {
                    "rolled out"
                }
                .into(),
                String::new(),
                format!("because of {}", r.secrets.join(", ")),
            ]);
        }
        for e in &self.errors {
            if !self.targets.iter().any(|t| t.target == e.target) {
                rows.push(vec![
                    e.target.clone(),
                    "failed".into(),
                    String::new(),
                    e.error.clone(),
                ]);
            }
        }
        rows
    }
}
