//! `kvault audit --vault` / `--vault-policies DIR`: the store half, read
//! live with the configured Vault client or from exported files, and
//! merged into the report of the Kubernetes half (or alone).

use crate::audit::rbac::Rbac;
use crate::audit::vault::policy::Policy;
use crate::audit::vault::reach::{self, Reachable, ReaderRow, Subject};
use crate::audit::vault::{self as engine, live, load};
use crate::audit::{finding, ignore, Finding, Report};
use crate::cli::audit::AuditArgs;
use crate::cli::GlobalArgs;
use crate::exit::{Failure, Result};
use crate::output::{self, Format, Printer};
use crate::store::vault::VaultStore;

/// The Vault findings, and how many objects (policies, roles, mounts,
/// devices) they were drawn from.
pub struct Audited {
    findings: Vec<Finding>,
    objects: usize,
}

/// The Vault inventory and its parsed policies, from files or the server.
async fn inventory(
    global: &GlobalArgs,
    args: &AuditArgs,
) -> Result<(engine::VaultInventory, Vec<Policy>)> {
    Ok(match &args.vault_policies {
        Some(dir) => load::load(dir).map_err(crate::audit::live::AuditError::from)?,
        None => {
            let store = VaultStore::connect(&super::super::store_config(global).vault).await?;
            live::load(&store).await?
        }
    })
}

pub async fn findings(global: &GlobalArgs, args: &AuditArgs) -> Result<Audited> {
    let (inventory, policies) = inventory(global, args).await?;
    let options = engine::Options {
        max_age: args.max_age,
        max_token_ttl: args.max_token_ttl,
        ..engine::Options::default()
    };
    let objects = inventory.policies.len()
        + inventory.roles.len()
        + inventory.kv_mounts.len()
        + inventory.audit_devices.as_ref().map_or(0, Vec::len);
    let mut findings = engine::audit(&inventory, &policies, &options);
    if args.vault_policies.is_some() {
        locate_policy_files(&mut findings, &inventory);
    }
    Ok(Audited { findings, objects })
}

/// Offline, a policy finding points at the policy's file: SARIF results
/// then land on the `.hcl` in the repository.
fn locate_policy_files(findings: &mut [Finding], inventory: &engine::VaultInventory) {
    for finding in findings {
        let Some(object) = finding.objects.first().filter(|o| o.kind == "VaultPolicy") else {
            continue;
        };
        if let Some(text) = inventory.policies.iter().find(|p| p.name == object.name) {
            finding.locations.push(crate::audit::finding::Location {
                file: text.source.clone(),
                line: None,
            });
        }
    }
}

/// Add the Vault findings to `report`, through the same ignore file, in
/// report order.
pub fn add(report: &mut Report, vault: Option<Audited>, args: &AuditArgs) -> Result<()> {
    let Some(mut vault) = vault else {
        return Ok(());
    };
    if let Some(file) = crate::audit::live::pipeline::read_ignore(args.report.ignore.as_deref())? {
        report.suppressed += file.apply(&mut vault.findings, ignore::Date::today());
    }
    report.findings.append(&mut vault.findings);
    report.objects += vault.objects;
    finding::sort(&mut report.findings);
    Ok(())
}

/// `--who-can-read vault:PATH`: every way to the secret, through `rbac`
/// when the Kubernetes half was loaded.
pub async fn who_can_read(
    global: &GlobalArgs,
    args: &AuditArgs,
    path: &str,
    rbac: Option<&Rbac>,
) -> Result<Vec<ReaderRow>> {
    let (inventory, policies) = inventory(global, args).await?;
    warn_gaps(&inventory);
    Ok(reach::who_can_read(path, &inventory, &policies, rbac))
}

/// `--what-can-read SUBJECT`: everything the subject reads in Vault.
pub async fn what_can_read(
    global: &GlobalArgs,
    args: &AuditArgs,
    subject: &Subject,
    rbac: Option<&Rbac>,
) -> Result<Vec<Reachable>> {
    if rbac.is_none() && matches!(subject, Subject::User(_) | Subject::Group(_)) {
        output::warning(format!(
            "without --manifests or --context the Kubernetes RBAC is not read: no way from {subject} to a service account is known"
        ));
    }
    let (inventory, policies) = inventory(global, args).await?;
    warn_gaps(&inventory);
    reach::what_can_read(subject, &inventory, &policies, rbac).map_err(Failure::error)
}

/// Endpoints the live loader could not read: the answer may miss ways.
fn warn_gaps(inventory: &engine::VaultInventory) {
    for gap in &inventory.gaps {
        output::warning(format!(
            "not read: {} ({}): ways through it are missing",
            gap.endpoint, gap.reason
        ));
    }
}

#[derive(serde::Serialize)]
struct Readers<'a> {
    version: u32,
    secret: String,
    readers: &'a [ReaderRow],
}

pub fn print_readers(
    printer: &Printer,
    rows: &[ReaderRow],
    path: &str,
    format: Format,
) -> Result<()> {
    let table = || {
        rows.iter()
            .map(|r| vec![r.subject.clone(), r.chain()])
            .collect()
    };
    let doc = Readers {
        version: 1,
        secret: format!("vault:{path}"),
        readers: rows,
    };
    let header = ["SUBJECT", "PATH TO THE SECRET"];
    print_chains(printer, format, &header, table, &doc, None)
}

#[derive(serde::Serialize)]
struct Reaches<'a> {
    version: u32,
    subject: String,
    reads: &'a [Reachable],
}

pub fn print_reachable(
    printer: &Printer,
    rows: &[Reachable],
    subject: &Subject,
    format: Format,
) -> Result<()> {
    let table = || {
        rows.iter()
            .map(|r| vec![r.target.clone(), r.way.chain()])
            .collect()
    };
    let doc = Reaches {
        version: 1,
        subject: subject.to_string(),
        reads: rows,
    };
    let nothing = rows
        .is_empty()
        .then(|| format!("{subject} reads nothing in Vault"));
    let header = ["READS", "PATH FROM THE SUBJECT"];
    print_chains(printer, format, &header, table, &doc, nothing)
}

/// Either direction's rows: a table of chains (or `empty`, said on
/// stderr, when there are none), or the document as JSON/YAML.
fn print_chains<T: serde::Serialize>(
    printer: &Printer,
    format: Format,
    header: &[&str],
    table: impl FnOnce() -> Vec<Vec<String>>,
    doc: &T,
    empty: Option<String>,
) -> Result<()> {
    match format {
        Format::Table => match empty {
            Some(line) => {
                printer.status(line);
                Ok(())
            }
            None => printer.table(header, table()),
        },
        Format::Json | Format::Yaml => output::structured(format, doc),
        other => Err(output::not_offered(other)),
    }
}
