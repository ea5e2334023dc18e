//! The checks, one file per family. Each is a pure function of the
//! [`Inventory`] (and the RBAC evaluator built from it) to findings.

pub mod encryption;
pub mod rbac;
pub mod workloads;

use super::finding::Finding;
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
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        Options {
            now,
            stale_after_days: 90,
        }
    }
}

/// Run every check.
pub fn run(inventory: &Inventory, rbac: &Rbac, options: &Options) -> Vec<Finding> {
    let mut findings = encryption::check(inventory);
    findings.extend(rbac::check(inventory, rbac));
    findings.extend(workloads::check(inventory, options));
    findings
}
