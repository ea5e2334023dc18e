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
//! Live mode is a second loader, [`live`]: it lists the kinds
//! [`Inventory`] holds from the API server, passes every Secret through
//! [`inventory::sanitize_secret`] as it arrives, treats the kube-apiserver
//! mirror Pod in kube-system as the offline loader treats its static Pod
//! manifest, and adds [`inventory::EncryptionEvidence`] from the
//! apiserver's storage metrics and, when asked, etcd. It evaluates RBAC on
//! the rules as stored ([`live::live_rbac_options`]), as the authorizer does.

pub mod access;
pub mod bootstrap;
pub mod catalogue;
pub mod checks;
pub mod cis;
pub mod finding;
pub mod ignore;
pub mod inventory;
pub mod kind;
pub mod live;
pub mod load;
pub mod rbac;
pub mod report;
pub mod sarif_limits;
pub mod vault;
pub mod warnings;

pub use finding::{Finding, FindingId, ObjectRef, Severity};
pub use inventory::Inventory;
pub use report::Report;

/// What an audit run needs besides the inventory.
#[derive(Clone, Debug)]
pub struct Options {
    pub checks: checks::Options,
    /// How RBAC is evaluated (live audits use the stored rules).
    pub rbac: rbac::Options,
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
            rbac: rbac::Options::default(),
            fail_on: Severity::High,
            ignore: None,
            today: ignore::Date::today(),
        }
    }
}

/// Run every check over `inventory` and apply the ignore file.
pub fn audit(inventory: &Inventory, options: &Options) -> Report {
    let checked = object_findings(inventory, options);
    finish(inventory, options, checked)
}

/// What the object checks give.
#[derive(Debug)]
pub struct Checked {
    pub findings: Vec<Finding>,
    /// How the input was read where it matters to the findings (see
    /// [`warnings`]), for stderr.
    pub warnings: Vec<String>,
}

/// The checks that look at objects alone (RBAC, workloads), not at
/// encryption evidence: a live audit runs them while it still reads the
/// apiserver's metrics.
pub fn object_findings(inventory: &Inventory, options: &Options) -> Checked {
    let rbac = rbac::Rbac::with_options(inventory, options.rbac);
    Checked {
        findings: checks::objects(inventory, &rbac, &options.checks),
        warnings: warnings::pending_aggregations(&rbac).into_iter().collect(),
    }
}

/// Add the encryption findings to the object checks', apply the ignore
/// file, and put everything in report order.
pub fn finish(inventory: &Inventory, options: &Options, checked: Checked) -> Report {
    let Checked {
        mut findings,
        warnings,
    } = checked;
    checks::evidence(inventory, &mut findings);
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
        warnings,
        apiserver_flags: inventory.apiserver.is_some(),
    }
}
