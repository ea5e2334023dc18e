//! One audit from start to end, for `kvault audit`: read the inventory
//! (manifest files, or the live cluster), run the checks, and hand the
//! report back to be printed. Nothing here prints: warnings go to the
//! caller's [`Request::warn`] as soon as they are known.

use super::{add_metrics, list, live_rbac_options, metrics_evidence, LiveError, Target};
use crate::audit::checks::rbac::AccessRow;
use crate::audit::{self, checks, ignore::IgnoreFile, load, rbac, Inventory, Report, Severity};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Where the inventory comes from.
pub enum Source<'a> {
    /// Manifest files (`-` for stdin), read by [`load::load`].
    Manifests(&'a [PathBuf]),
    /// A running cluster, read by [`list`] and [`metrics_evidence`].
    Cluster(Target<'a>),
}

/// One audit run.
pub struct Request<'a> {
    pub source: Source<'a>,
    /// `--encryption-config`: the apiserver's EncryptionConfiguration.
    pub encryption_config: Option<&'a Path>,
    /// `--ignore`: accepted findings, read once the inventory is.
    pub ignore: Option<&'a Path>,
    /// Findings at or above this fail the run.
    pub fail_on: Severity,
    /// When the run started, for the timings logged.
    pub started: Instant,
    /// A non-fatal problem, for stderr, when it is found.
    pub warn: &'a dyn Fn(&str),
}

/// Why an audit could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The cluster could not be listed.
    #[error(transparent)]
    Live(#[from] LiveError),
    /// A manifest or the encryption config could not be read.
    #[error(transparent)]
    Load(#[from] load::LoadError),
    /// The ignore file could not be read or parsed.
    #[error("{0}")]
    Ignore(String),
}

/// A finished audit, with the inventory it was made from: a caller about
/// to exit may leak both rather than free them object by object.
pub struct Audited {
    pub report: Report,
    pub inventory: Inventory,
}

/// `--who-can-read`'s answer, with what it was computed from (see
/// [`Audited`]).
pub struct Readers {
    pub rows: Vec<AccessRow>,
    pub rbac: rbac::Rbac,
    pub inventory: Inventory,
}

/// Read the inventory, run every check, apply the ignore file.
pub async fn audit(request: &Request<'_>) -> Result<Audited, AuditError> {
    let (inventory, rbac) = inventory(request).await?;
    let options = audit::Options {
        fail_on: request.fail_on,
        ignore: read_ignore(request.ignore)?,
        rbac,
        ..audit::Options::now()
    };
    let (inventory, report) = match &request.source {
        Source::Manifests(_) => {
            let report = audit::audit(&inventory, &options);
            (inventory, report)
        }
        Source::Cluster(target) => {
            checked_while_scraping(target, inventory, &options, request.encryption_config).await?
        }
    };
    tracing::debug!(
        findings = report.findings.len(),
        ms = request.started.elapsed().as_millis(),
        "checks done"
    );
    Ok(Audited { report, inventory })
}

/// Who can read Secrets in `namespace` (all namespaces for `None`),
/// instead of the findings.
pub async fn who_can_read(
    request: &Request<'_>,
    namespace: Option<&str>,
) -> Result<Readers, AuditError> {
    let (inventory, options) = inventory(request).await?;
    let rbac = rbac::Rbac::with_options(&inventory, options);
    if let Some(line) = audit::warnings::pending_aggregations(&rbac) {
        (request.warn)(&line);
    }
    let rows = checks::rbac::who_can_read(&rbac, namespace);
    Ok(Readers {
        rows,
        rbac,
        inventory,
    })
}

/// The inventory, and how its RBAC is evaluated. A live inventory gets its
/// encryption evidence later (see [`checked_while_scraping`]).
async fn inventory(request: &Request<'_>) -> Result<(Inventory, rbac::Options), AuditError> {
    let (mut inventory, rbac) = match &request.source {
        Source::Cluster(target) => (list(target).await?, live_rbac_options()),
        Source::Manifests(paths) => (
            load::load(paths, &mut std::io::stdin().lock())?,
            rbac::Options::default(),
        ),
    };
    for line in audit::warnings::duplicates(&inventory.duplicates) {
        (request.warn)(&line);
    }
    if let Source::Manifests(_) = request.source {
        add_encryption_config(&mut inventory, request.encryption_config)?;
    }
    tracing::info!(
        objects = inventory.object_count(),
        skipped = inventory.skipped,
        unlisted = inventory.unlisted.len(),
        ms = request.started.elapsed().as_millis(),
        "inventory loaded"
    );
    Ok((inventory, rbac))
}

/// A live audit: the object checks run on the blocking pool while the
/// apiserver renders its metrics; only the encryption checks wait for them.
async fn checked_while_scraping(
    target: &Target<'_>,
    inventory: Inventory,
    options: &audit::Options,
    encryption_config: Option<&Path>,
) -> Result<(Inventory, Report), AuditError> {
    let shared = Arc::new(inventory);
    let checks = {
        let (inventory, options) = (shared.clone(), options.clone());
        tokio::task::spawn_blocking(move || audit::object_findings(&inventory, &options))
    };
    let metrics = metrics_evidence(target, &shared).await;
    let findings = checks
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    let mut inventory =
        Arc::try_unwrap(shared).expect("the object checks are done with the inventory");
    add_metrics(&mut inventory, metrics);
    add_encryption_config(&mut inventory, encryption_config)?;
    let report = audit::finish(&inventory, options, findings);
    Ok((inventory, report))
}

/// `--encryption-config`'s evidence, when given.
fn add_encryption_config(inventory: &mut Inventory, path: Option<&Path>) -> Result<(), AuditError> {
    if let Some(path) = path {
        load::load_encryption_config(inventory, path)?;
    }
    Ok(())
}

/// `--ignore`, read and parsed, when given.
pub fn read_ignore(path: Option<&Path>) -> Result<Option<IgnoreFile>, AuditError> {
    let Some(path) = path else {
        return Ok(None);
    };
    let text = crate::yaml::read_file(path, &crate::yaml::PLAN).map_err(|e| {
        AuditError::Ignore(match e {
            crate::yaml::ReadError::Io(e) => format!("cannot read `{}`: {e}", path.display()),
            crate::yaml::ReadError::Limit(e) => format!("`{}`: {e}", path.display()),
        })
    })?;
    IgnoreFile::parse(&path.display().to_string(), &text)
        .map(Some)
        .map_err(AuditError::Ignore)
}
