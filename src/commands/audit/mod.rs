//! `kvault audit`: load the inventory (from manifests, or live from the
//! cluster of the kubeconfig) and, with `--vault`/`--vault-policies`, the
//! Vault inventory ([`vault`]); run the audit, print one report, exit 1
//! when findings reach `--fail-on`.

use crate::audit::checks::rbac::AccessRow;
use crate::audit::{live, report, Report};
use crate::cli::audit::{AuditArgs, AuditCommand, Benchmark};
use crate::cli::GlobalArgs;
use crate::exit::{Code, Failure, Result};
use crate::output;
use crate::output::Format;
use crate::output::Printer;

mod access;
mod benchmark;
mod vault;

pub async fn run(global: &GlobalArgs, printer: &Printer, mut args: AuditArgs) -> Result<Code> {
    if let Some(AuditCommand::Access(access)) = args.command.take() {
        return access::run(printer, access);
    }
    let started = std::time::Instant::now();
    let vault_path = refuse_bad_combinations(&args)?;
    // A question about the store (who reaches this Vault secret, what does
    // this subject read) instead of the findings.
    let vault_query = vault_path.is_some() || args.what_can_read.is_some();
    let vault = match args.audits_vault() && !vault_query {
        true => Some(vault::findings(global, &args).await?),
        false => None,
    };
    if !args.audits_kubernetes() && !vault_query {
        return vault_alone(printer, &args, vault);
    }
    let is_live = args.manifests.is_empty();
    if !is_live && args.etcd_endpoint.is_some() {
        return Err(Failure::error(
            "--etcd-endpoint reads a live cluster's etcd and cannot be combined with --manifests",
        ));
    }
    let cluster = if is_live && (!vault_query || args.context.is_some()) {
        Some(Cluster::connect(global, &args).await?)
    } else {
        None
    };
    let warn = |line: &str| output::warning(line);
    let request = live::Request {
        source: match &cluster {
            Some(cluster) => live::Source::Cluster(cluster.target()),
            None => live::Source::Manifests(&args.manifests),
        },
        encryption_config: args.encryption_config.as_deref(),
        ignore: args.report.ignore.as_deref(),
        fail_on: args.report.fail_on.into(),
        started,
        warn: &warn,
    };
    if vault_query {
        return store_query(global, printer, &args, &request, vault_path).await;
    }
    if let Some(namespace) = &args.who_can_read {
        let namespace = Some(namespace.as_str()).filter(|ns| !ns.is_empty());
        let readers = live::who_can_read(&request, namespace).await?;
        print_readers(printer, &readers.rows, namespace, args.report.output)?;
        std::mem::forget(readers);
        return Ok(Code::Success);
    }
    full_audit(printer, &args, &request, vault).await
}

/// Flags that do not go together, refused before anything is read; the
/// Vault path of `--who-can-read vault:PATH`, if that is the question.
fn refuse_bad_combinations(args: &AuditArgs) -> Result<Option<&str>> {
    let vault_path = args
        .who_can_read
        .as_deref()
        .and_then(|t| t.strip_prefix("vault:"));
    match (vault_path, args.audits_vault()) {
        (None, true) if args.who_can_read.is_some() => {
            return Err(Failure::error(
                "--who-can-read NAMESPACE answers for Kubernetes Secrets; for the store, --who-can-read vault:PATH",
            ))
        }
        (Some(_), false) => {
            return Err(Failure::error(
                "--who-can-read vault:PATH needs --vault (live) or --vault-policies DIR",
            ))
        }
        _ => {}
    }
    if args.benchmark.is_some()
        && (!args.audits_kubernetes()
            || args.who_can_read.is_some()
            || args.what_can_read.is_some())
    {
        return Err(Failure::error(
            "--benchmark cis reports on the Kubernetes audit (--manifests, or live): not with --who-can-read, --what-can-read or --vault alone",
        ));
    }
    if args.what_can_read.is_some() && !args.audits_vault() {
        return Err(Failure::error(
            "--what-can-read SUBJECT needs --vault (live) or --vault-policies DIR",
        ));
    }
    Ok(vault_path)
}

/// `--vault` or `--vault-policies` without a Kubernetes half.
fn vault_alone(printer: &Printer, args: &AuditArgs, vault: Option<vault::Audited>) -> Result<Code> {
    let mut report = Report {
        findings: Vec::new(),
        suppressed: 0,
        fail_on: args.report.fail_on.into(),
        objects: 0,
        warnings: Vec::new(),
        apiserver_flags: false,
    };
    vault::add(&mut report, vault, args)?;
    print_report(printer, &report, args.report.output)?;
    Ok(Code::of_audit(&report))
}

/// `--who-can-read vault:PATH` or `--what-can-read SUBJECT`, joined with
/// the Kubernetes half only when asked for (--manifests, --context).
async fn store_query(
    global: &GlobalArgs,
    printer: &Printer,
    args: &AuditArgs,
    request: &live::Request<'_>,
    vault_path: Option<&str>,
) -> Result<Code> {
    let rbac = match args.manifests.is_empty() && args.context.is_none() {
        true => None,
        false => Some(live::who_can_read(request, None).await?.rbac),
    };
    match (vault_path, &args.what_can_read) {
        (Some(path), _) => {
            let rows = vault::who_can_read(global, args, path, rbac.as_ref()).await?;
            vault::print_readers(printer, &rows, path, args.report.output)?;
        }
        (None, Some(subject)) => {
            let rows = vault::what_can_read(global, args, subject, rbac.as_ref()).await?;
            vault::print_reachable(printer, &rows, subject, args.report.output)?;
        }
        (None, None) => unreachable!("a vault query has a path or a subject"),
    }
    std::mem::forget(rbac);
    Ok(Code::Success)
}

/// The findings of both halves, through the ignore file, as a report or
/// as the CIS benchmark's table.
async fn full_audit(
    printer: &Printer,
    args: &AuditArgs,
    request: &live::Request<'_>,
    vault: Option<vault::Audited>,
) -> Result<Code> {
    let mut audited = live::audit(request).await?;
    vault::add(&mut audited.report, vault, args)?;
    add_audit_policy(&mut audited.report, args)?;
    for line in &audited.report.warnings {
        output::warning(line);
    }
    match args.benchmark {
        Some(Benchmark::Cis) => {
            let inputs = benchmark::Inputs {
                apiserver_flags: audited.report.apiserver_flags,
                audit_policy: args.audit_policy.is_some(),
            };
            benchmark::print(printer, &audited.report, &inputs, args.report.output)?;
        }
        None => print_report(printer, &audited.report, args.report.output)?,
    }
    tracing::debug!(ms = request.started.elapsed().as_millis(), "report written");
    let code = Code::of_audit(&audited.report);
    // The process exits next: freeing every finding and object one by one
    // costs more than a large audit itself.
    std::mem::forget(audited);
    Ok(code)
}

/// `--audit-policy FILE`: its findings, through the same ignore file.
fn add_audit_policy(report: &mut Report, args: &AuditArgs) -> Result<()> {
    let Some(path) = &args.audit_policy else {
        return Ok(());
    };
    let mut findings = crate::audit::access::audit_policy::check_file(path)
        .map_err(|e| Failure::error(e.to_string()))?;
    if let Some(file) = live::pipeline::read_ignore(args.report.ignore.as_deref())? {
        report.suppressed += file.apply(&mut findings, crate::audit::ignore::Date::today());
    }
    report.findings.append(&mut findings);
    crate::audit::finding::sort(&mut report.findings);
    Ok(())
}

/// `--who-can-read`'s rows in the chosen format.
fn print_readers(
    printer: &Printer,
    rows: &[AccessRow],
    namespace: Option<&str>,
    format: Format,
) -> Result<()> {
    match format {
        Format::Table => {
            let (header, rows) = report::who_can_read_table(rows);
            printer.table(&header, rows)
        }
        Format::Json | Format::Yaml => {
            output::structured(format, &report::who_can_read_json(rows, namespace))
        }
        Format::Sarif => Err(Failure::error(
            "--who-can-read prints a table, json or yaml, not sarif",
        )),
        other => Err(output::not_offered(other)),
    }
}

/// The findings in the chosen format; the summary line after a table.
fn print_report(printer: &Printer, report: &Report, format: Format) -> Result<()> {
    match format {
        Format::Table => {
            if !report.findings.is_empty() {
                let (header, rows) = report::table(report);
                printer.table_styled(&header, rows, severity_color)?;
            }
            printer.status(report.summary_line());
        }
        Format::Json | Format::Yaml => output::structured(format, &report::json(report))?,
        Format::Sarif => {
            let sarif = report::sarif(report);
            output::structured(output::Format::Json, &sarif)?;
            if let Some(truncated) = &sarif.truncated {
                output::warning(truncated.message());
            }
        }
        other => return Err(output::not_offered(other)),
    }
    Ok(())
}

/// The cluster of the kubeconfig (or in-cluster config), `--context` of
/// `audit` or the global one choosing the context, and its etcd if given.
struct Cluster {
    client: kube::Client,
    server: String,
    etcd: Option<live::etcd::Endpoint>,
    chunk_size: u32,
}

impl Cluster {
    async fn connect(global: &GlobalArgs, args: &AuditArgs) -> Result<Cluster> {
        let mut kube = super::store_config(global).kube;
        if let Some(context) = &args.context {
            kube.context = Some(context.clone());
        }
        let config = kube.config().await?;
        let server = config
            .cluster_url
            .to_string()
            .trim_end_matches('/')
            .to_string();
        let client = kube.client_for(config)?;
        let etcd = args.etcd_endpoint.as_ref().map(|url| live::etcd::Endpoint {
            url: url.clone(),
            prefix: args.etcd_prefix.clone(),
            ca: args.etcd_ca.clone(),
            cert: args.etcd_cert.clone(),
            key: args.etcd_key.clone(),
        });
        Ok(Cluster {
            client,
            server,
            etcd,
            chunk_size: args.chunk_size,
        })
    }

    fn target(&self) -> live::Target<'_> {
        live::Target {
            client: &self.client,
            server: &self.server,
            etcd: self.etcd.as_ref(),
            chunk_size: self.chunk_size,
        }
    }
}

/// The SEVERITY column's colour on a terminal: the eye finds the worst first.
fn severity_color(column: usize, text: &str) -> Option<comfy_table::Color> {
    use comfy_table::Color;
    match (column, text) {
        (0, "CRITICAL") => Some(Color::Magenta),
        (0, "HIGH") => Some(Color::Red),
        (0, "MEDIUM") => Some(Color::Yellow),
        (0, "LOW") => Some(Color::Cyan),
        _ => None,
    }
}
