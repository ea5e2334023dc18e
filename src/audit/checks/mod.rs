//! The checks, one file per family. Each is a pure function of the
//! [`Inventory`] (and the RBAC evaluator built from it) to findings.

pub mod admission;
pub mod encryption;
pub mod escalation;
pub mod logging;
pub mod rbac;
pub mod storage;
pub mod token_reach;
pub mod workloads;

use super::finding::{Finding, FindingId};
use super::inventory::Inventory;
use super::rbac::Rbac;

/// What the checks need besides the inventory.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// "Now", in seconds since the Unix epoch (for the age of Secrets).
    pub now: i64,
    /// Secrets older than this many days are stale.
    pub stale_after_days: i64,
}

impl Options {
    /// Now, and the 90-day staleness threshold.
    pub fn now() -> Self {
        let now = crate::clock::now_seconds();
        Options {
            now,
            stale_after_days: 90,
        }
    }
}

/// The RBAC and workload checks, side by side: they read objects only.
pub fn objects(inventory: &Inventory, rbac: &Rbac, options: &Options) -> Vec<Finding> {
    let (mut findings, mut workload_findings) = rayon::join(
        || rbac::check(inventory, rbac),
        || workloads::check(inventory, options),
    );
    token_reach::raise(&mut workload_findings, &findings);
    findings.extend(workload_findings);
    findings.extend(admission::check(inventory));
    findings
}

/// The encryption checks (they read the inventory's evidence), then drop
/// what an incomplete listing cannot conclude from all of `findings`.
pub fn evidence(inventory: &Inventory, findings: &mut Vec<Finding>) {
    findings.extend(encryption::check(inventory));
    findings.extend(logging::check(inventory));
    incomplete(inventory, findings);
}

/// Findings that conclude from an object's absence, and the kinds whose
/// listing they need: without the list, absence proves nothing.
const ABSENCE: &[(FindingId, &[&str])] = &[
    (FindingId::Wl007, &["Secret"]),
    (
        FindingId::Wl008,
        &[
            "Pod",
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "ReplicationController",
            "Job",
            "CronJob",
            "ServiceAccount",
            "Ingress",
        ],
    ),
    (FindingId::Rbac009, &["Role", "ClusterRole"]),
];

/// When the live loader could not list some kinds: drop the findings that
/// would rest on their absence, and say what is missing (one `KV-AUD-001`).
fn incomplete(inventory: &Inventory, findings: &mut Vec<Finding>) {
    let unlisted = &inventory.unlisted;
    if unlisted.is_empty() {
        return;
    }
    let is_unlisted = |kind: &str| unlisted.iter().any(|u| u.kind == kind);
    let dropped: Vec<FindingId> = ABSENCE
        .iter()
        .filter(|(_, kinds)| kinds.iter().any(|k| is_unlisted(k)))
        .map(|(id, _)| *id)
        .collect();
    findings.retain(|f| !dropped.contains(&f.id));
    let reasons: Vec<String> = unlisted
        .iter()
        .map(|u| format!("{} ({})", u.kind, u.reason))
        .collect();
    let mut evidence = format!(
        "not listed: {}; findings that need these kinds are missing or rest on partial data (lower confidence)",
        reasons.join(", ")
    );
    if !dropped.is_empty() {
        let ids: Vec<&str> = dropped.iter().map(|id| id.as_str()).collect();
        evidence.push_str(&format!("; {} left out", ids.join(", ")));
    }
    findings.push(Finding::new(
        FindingId::Aud001,
        format!(
            "{} of the audited kinds could not be listed: the audit is incomplete",
            unlisted.len()
        ),
        evidence,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::inventory::Unlisted;

    #[test]
    fn an_unlisted_kind_drops_absence_findings_and_says_so() {
        let mut inventory = Inventory::default();
        crate::audit::load::add_text(
            &mut inventory,
            "t.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      env: [{name: P, valueFrom: {secretKeyRef: {name: gone, key: k}}}]\n",
            false,
        )
        .unwrap();
        let ids = |inv: &Inventory| {
            let rbac = Rbac::new(inv);
            let mut findings = objects(inv, &rbac, &Options::now());
            evidence(inv, &mut findings);
            findings
                .into_iter()
                .map(|f| f.id.as_str())
                .collect::<Vec<_>>()
        };
        assert!(ids(&inventory).contains(&"KV-WL-007"));
        inventory.unlisted.push(Unlisted {
            kind: "Secret",
            reason: "HTTP 403 Forbidden".into(),
        });
        let after = ids(&inventory);
        assert!(!after.contains(&"KV-WL-007"), "{after:?}");
        assert!(after.contains(&"KV-AUD-001"), "{after:?}");
    }
}
