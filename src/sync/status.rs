//! `kvault status`: where each target of a plan stands against its sources,
//! from a dry run of the sync engine. Pure: report in, rows out.

use super::decide::Action;
use super::report::Report;
use serde::Serialize;

/// Where one target stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// The target holds the sources' data and provenance.
    InSync,
    /// The target does not exist yet.
    Missing,
    /// The target's data differs from the sources'.
    OutOfDate,
    /// Same data, but the recorded source version is behind.
    ProvenanceBehind,
    /// The target was edited by hand since kvault wrote it.
    Drift,
    /// The source or the target could not be read.
    Error,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::InSync => "in sync",
            State::Missing => "missing",
            State::OutOfDate => "out of date",
            State::ProvenanceBehind => "provenance behind",
            State::Drift => "drift",
            State::Error => "error",
        }
    }
}

/// One target's line: versions, key names and notes, never a value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetStatus {
    pub target: String,
    pub sources: Vec<String>,
    pub state: State,
    /// The source version(s) the target was last synced from (its provenance).
    pub synced_version: Option<String>,
    /// The source version(s) now.
    pub source_version: Option<String>,
    /// Keys that differ: `+added ~changed -removed`.
    pub keys: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Every target, workloads still to roll out, and the verdict.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    pub in_sync: bool,
    pub targets: Vec<TargetStatus>,
    /// Workloads (`NAMESPACE/KIND/NAME`) whose pod template does not carry
    /// the current data hash of their Secrets yet.
    pub rollouts_due: Vec<String>,
    /// Errors outside the targets (rollout checks).
    pub errors: Vec<String>,
}

impl Status {
    /// From a dry-run report (drift is detected only when the run would
    /// overwrite it, so the engine runs with overwriting on).
    pub fn of(report: &Report) -> Status {
        let targets: Vec<TargetStatus> = report
            .targets
            .iter()
            .map(|t| TargetStatus {
                target: t.target.clone(),
                sources: t.sources.clone(),
                state: match (t.action, t.drift) {
                    (_, _) if t.error.is_some() => State::Error,
                    (_, true) | (Action::DriftLeft, _) => State::Drift,
                    (Action::Created, _) => State::Missing,
                    (Action::Updated, _) => State::OutOfDate,
                    (Action::Metadata, _) => State::ProvenanceBehind,
                    (Action::Unchanged, _) => State::InSync,
                    (Action::Failed, _) => State::Error,
                },
                synced_version: t.synced_version.clone(),
                source_version: t.source_version.clone(),
                keys: t.diff.short(),
                error: t.error.as_ref().map(ToString::to_string),
            })
            .collect();
        let errors: Vec<String> = report
            .errors
            .iter()
            .filter(|e| !targets.iter().any(|t| t.target == e.target))
            .map(|e| format!("{}: {}", e.target, e.error))
            .collect();
        let rollouts_due: Vec<String> =
            report.rollouts.iter().map(|r| r.workload.clone()).collect();
        Status {
            in_sync: targets.iter().all(|t| t.state == State::InSync)
                && rollouts_due.is_empty()
                && errors.is_empty(),
            targets,
            rollouts_due,
            errors,
        }
    }

    /// Whether anything could not be read (exit 2 rather than 1).
    pub fn failed(&self) -> bool {
        !self.errors.is_empty() || self.targets.iter().any(|t| t.state == State::Error)
    }

    /// TARGET, STATE, SYNCED FROM, SOURCE, NOTE.
    pub fn rows(&self) -> Vec<Vec<String>> {
        let version = |v: &Option<String>| v.as_deref().map_or("-".into(), |v| format!("v{v}"));
        let mut rows: Vec<Vec<String>> = self
            .targets
            .iter()
            .map(|t| {
                let note = match (&t.error, t.state) {
                    (Some(e), _) => e.clone(),
                    (None, State::Drift) => "changed by hand since the last sync".into(),
                    (None, State::InSync | State::ProvenanceBehind) => String::new(),
                    (None, _) => format!("keys {}", t.keys),
                };
                vec![
                    t.target.clone(),
                    t.state.as_str().into(),
                    version(&t.synced_version),
                    version(&t.source_version),
                    note,
                ]
            })
            .collect();
        for w in &self.rollouts_due {
            rows.push(vec![
                w.clone(),
                "rollout due".into(),
                String::new(),
                String::new(),
                "the pod template does not carry its Secrets' current data hash".into(),
            ]);
        }
        for e in &self.errors {
            rows.push(vec![
                String::new(),
                "error".into(),
                String::new(),
                String::new(),
                e.clone(),
            ]);
        }
        rows
    }

    /// `3 targets: 2 in sync, 1 out of date, ...`.
    pub fn summary_line(&self) -> String {
        let count = |s: State| self.targets.iter().filter(|t| t.state == s).count();
        let mut parts = vec![format!("{} in sync", count(State::InSync))];
        for s in [
            State::Missing,
            State::OutOfDate,
            State::ProvenanceBehind,
            State::Drift,
            State::Error,
        ] {
            let n = count(s);
            if n > 0 {
                parts.push(format!("{n} {}", s.as_str()));
            }
        }
        if !self.rollouts_due.is_empty() {
            parts.push(format!("{} rollouts due", self.rollouts_due.len()));
        }
        format!("{} targets: {}", self.targets.len(), parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::decide::KeyDiff;
    use crate::sync::report::{self, TargetOutcome};

    fn outcome(target: &str, action: Action, drift: bool) -> TargetOutcome {
        TargetOutcome {
            target: target.into(),
            sources: vec!["vault:secret/a".into()],
            action,
            diff: KeyDiff::default(),
            error: None,
            source_version: Some("9".into()),
            synced_version: Some("7".into()),
            data_hash: None,
            drift,
            canary_sent_ms: None,
        }
    }

    #[test]
    fn each_dry_run_action_maps_to_where_the_target_stands() {
        let mut report = Report {
            dry_run: true,
            targets: vec![
                outcome("k8s:a/same", Action::Unchanged, false),
                outcome("k8s:a/new", Action::Created, false),
                outcome("k8s:a/old", Action::Updated, false),
                outcome("k8s:a/meta", Action::Metadata, false),
                outcome("k8s:a/hand", Action::Updated, true),
            ],
            ..Report::default()
        };
        report.tally();
        let status = Status::of(&report);
        let states: Vec<State> = status.targets.iter().map(|t| t.state).collect();
        assert_eq!(
            states,
            [
                State::InSync,
                State::Missing,
                State::OutOfDate,
                State::ProvenanceBehind,
                State::Drift
            ]
        );
        assert!(!status.in_sync && !status.failed());
        assert_eq!(status.rows()[2][2..4], ["v7".to_string(), "v9".to_string()]);
        assert_eq!(
            status.summary_line(),
            "5 targets: 1 in sync, 1 missing, 1 out of date, 1 provenance behind, 1 drift"
        );
    }

    #[test]
    fn all_in_sync_with_no_rollout_due_is_in_sync_and_errors_fail() {
        let mut report = Report {
            targets: vec![outcome("k8s:a/same", Action::Unchanged, false)],
            ..Report::default()
        };
        assert!(Status::of(&report).in_sync);
        report.rollouts.push(report::Rollout {
            workload: "a/deployment/api".into(),
            secrets: vec!["k8s:a/same".into()],
        });
        assert!(!Status::of(&report).in_sync);
        let mut broken = outcome("k8s:a/x", Action::Failed, false);
        broken.error = Some(report::SyncError::Assemble(
            "cannot read the source: 403".into(),
        ));
        report.targets.push(broken);
        report.tally();
        let status = Status::of(&report);
        assert!(status.failed());
        assert_eq!(status.targets[1].state, State::Error);
    }
}
