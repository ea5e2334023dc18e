//! `kvault audit`: Secret hygiene of a cluster — encryption at rest, RBAC
//! around Secrets, workload hygiene, stale and unused Secrets.
//!
//! The pipeline: a loader fills an [`Inventory`] (offline: [`load`] from
//! manifests; live: from the API server, later), [`rbac::Rbac`] evaluates
//! RBAC statically, the [`checks`] turn both into [`Finding`]s, an
//! [`ignore`] file drops accepted ones, and [`report`] renders table, JSON
//! or SARIF. Everything here is pure except reading files in `load`; nothing
//! prints. Finding ids are listed in [`catalogue`].
//!
//! Secret values never reach a finding: loaders blank them before the
//! inventory sees them.
//!
//! Live mode (not in this build) plugs in as a second loader: list the
//! kinds [`Inventory`] holds from the API server, pass every Secret through
//! [`inventory::sanitize_secret`] as it arrives, treat the kube-apiserver
//! mirror Pod in kube-system as the offline loader treats its static Pod
//! manifest, and push [`inventory::EncryptionEvidence`] from new sources
//! (apiserver metrics, etcd) next to the existing ones. Stored aggregated
//! ClusterRoles already hold the controller's union, which
//! [`rbac::Aggregation::Controller`] recomputes identically.

pub mod bootstrap;
pub mod catalogue;
pub mod checks;
pub mod finding;
pub mod ignore;
pub mod inventory;
pub mod load;
pub mod rbac;
pub mod report;

pub use finding::{Finding, ObjectRef, Severity};
pub use inventory::Inventory;
pub use report::Report;

/// What an audit run needs besides the inventory.
#[derive(Clone, Debug)]
pub struct Options {
    pub checks: checks::Options,
    /// Findings at or above this fail the run.
    pub fail_on: Severity,
    pub ignore: Option<ignore::IgnoreFile>,
    /// For ignore-file expiry.
    pub today: ignore::Date,
}

impl Options {
    /// Now, `--fail-on high`, no ignore file.
    pub fn now() -> Self {
        Options {
            checks: checks::Options::now(),
            fail_on: Severity::High,
            ignore: None,
            today: ignore::Date::today(),
        }
    }
}

/// Run every check over `inventory` and apply the ignore file.
pub fn audit(inventory: &Inventory, options: &Options) -> Report {
    let rbac = rbac::Rbac::new(inventory);
    let mut findings = checks::run(inventory, &rbac, &options.checks);
    let suppressed = options
        .ignore
        .as_ref()
        .map_or(0, |i| i.apply(&mut findings, options.today));
    for f in &mut findings {
        let locations: Vec<_> = f
            .objects
            .iter()
            .filter_map(|o| inventory.location(o).cloned())
            .collect();
        for l in locations {
            if !f.locations.contains(&l) {
                f.locations.push(l);
            }
        }
    }
    finding::sort(&mut findings);
    Report {
        findings,
        suppressed,
        fail_on: options.fail_on,
        objects: inventory.object_count(),
    }
}
