//! `kvault audit access`: read the audit logs, print who read what (a
//! table, or JSON/YAML with every row), then the findings; exit 1 when a
//! finding reaches `--fail-on`.

use crate::audit::access::{self as engine, audit_policy, format_time, AccessReport, Row};
use crate::audit::{finding, ignore, Report};
use crate::cli::audit_access::AccessArgs;
use crate::exit::{Code, Failure, Result};
use crate::output::{self, Format, Printer};
use std::path::Path;

pub fn run(printer: &Printer, args: AccessArgs) -> Result<Code> {
    if args.kube_logs.is_empty() && args.vault_logs.is_empty() && args.audit_policy.is_none() {
        return Err(Failure::error(
            "kvault audit access reads --k8s-audit-log FILE, --vault-audit-log FILE or --audit-policy FILE: none was given",
        ));
    }
    let stdin = args
        .kube_logs
        .iter()
        .chain(&args.vault_logs)
        .filter(|p| *p == Path::new("-"))
        .count();
    if stdin > 1 {
        return Err(Failure::error(
            "only one audit log can be read from stdin (-)",
        ));
    }
    let since = args.since.map(crate::clock::unix_micros);
    if stdin > 0 && args.manifests.iter().any(|p| p == Path::new("-")) {
        return Err(Failure::error(
            "stdin (-) can hold an audit log or manifests, not both",
        ));
    }
    let uses = match args.manifests.is_empty() {
        true => None,
        false => {
            let inventory = crate::audit::load::load(&args.manifests, &mut std::io::stdin())
                .map_err(crate::audit::live::AuditError::from)?;
            Some(crate::audit::checks::workloads::secrets_by_account(
                &inventory,
            ))
        }
    };
    let options = engine::Options {
        kube_logs: args.kube_logs.clone(),
        vault_logs: args.vault_logs.clone(),
        since,
        baseline: args.baseline,
        uses,
        honeytokens: args
            .honeytoken
            .iter()
            .map(|t| engine::checks::Honeytoken::parse(t))
            .collect::<std::result::Result<_, _>>()
            .map_err(Failure::error)?,
        allowed_readers: args.allow_reader.clone(),
    };
    let failure = |e: engine::AccessError| Failure::error(e.to_string());
    // The policy first: a broken file fails before a long read of the logs.
    let policy_findings = match &args.audit_policy {
        Some(policy) => audit_policy::check_file(policy).map_err(failure)?,
        None => Vec::new(),
    };
    let mut analysis = engine::analyze(&options).map_err(failure)?;
    let mut findings = std::mem::take(&mut analysis.findings);
    findings.extend(policy_findings);
    let mut suppressed = 0;
    if let Some(file) = crate::audit::live::pipeline::read_ignore(args.report.ignore.as_deref())? {
        suppressed = file.apply(&mut findings, ignore::Date::today());
    }
    finding::sort(&mut findings);
    let report = Report {
        findings,
        suppressed,
        fail_on: args.report.fail_on.into(),
        objects: analysis.rows.len() + usize::from(args.audit_policy.is_some()),
        warnings: warnings(&analysis, &args),
        apiserver_flags: false,
    };
    for line in &report.warnings {
        output::warning(line);
    }
    print(printer, &analysis, &report, args.report.output)?;
    Ok(Code::of_audit(&report))
}

/// How the logs were read, when it changes the answer.
fn warnings(analysis: &AccessReport, args: &AccessArgs) -> Vec<String> {
    let stats = &analysis.stats;
    let mut out = Vec::new();
    if stats.malformed > 0 {
        out.push(format!(
            "{} {} named secrets but {} kvault could read: left out",
            stats.malformed,
            lines(stats.malformed),
            if stats.malformed == 1 {
                "was not an audit event"
            } else {
                "were not audit events"
            }
        ));
    }
    if stats.oversized > 0 {
        out.push(format!(
            "{} {} longer than {} MiB {} skipped",
            stats.oversized,
            lines(stats.oversized),
            engine::input::MAX_LINE >> 20,
            if stats.oversized == 1 { "was" } else { "were" }
        ));
    }
    if !args.kube_logs.is_empty()
        && !analysis
            .rows
            .iter()
            .any(|r| r.source == engine::Source::Kubernetes)
    {
        out.push(
            "the Kubernetes audit logs hold no request on Secrets: is the audit policy logging them (--audit-policy)?"
                .into(),
        );
    }
    out
}

fn lines(n: u64) -> &'static str {
    if n == 1 {
        "line"
    } else {
        "lines"
    }
}

#[derive(serde::Serialize)]
struct Json<'a> {
    version: u32,
    window: Option<Window>,
    stats: &'a engine::Stats,
    access: &'a [Row],
    findings: &'a [crate::audit::Finding],
    summary: crate::audit::report::Summary,
}

#[derive(serde::Serialize)]
struct Window {
    first: String,
    last: String,
}

fn print(
    printer: &Printer,
    analysis: &AccessReport,
    report: &Report,
    format: Format,
) -> Result<()> {
    match format {
        Format::Table => {
            if !analysis.rows.is_empty() {
                printer.table(
                    &[
                        "TARGET", "SUBJECT", "KIND", "VERBS", "ALLOWED", "DENIED", "FIRST", "LAST",
                        "FROM",
                    ],
                    analysis.rows.iter().map(row_cells).collect(),
                )?;
            }
            if !report.findings.is_empty() {
                printer.status(String::new());
                let (header, rows) = crate::audit::report::table(report);
                printer.table(&header, rows)?;
            }
            let window = match analysis.window {
                Some((a, b)) => format!(" from {} to {}", format_time(a), format_time(b)),
                None => String::new(),
            };
            let read = match analysis.stats.files {
                0 => String::new(),
                files => format!(
                    "{} reads of secrets in {} lines of {} file{}{window}; ",
                    analysis.stats.accesses,
                    analysis.stats.lines,
                    files,
                    if files == 1 { "" } else { "s" }
                ),
            };
            printer.status(format!("{read}{}", report.summary_line()));
            Ok(())
        }
        Format::Json | Format::Yaml => {
            let json = crate::audit::report::json(report);
            output::structured(
                format,
                &Json {
                    version: 1,
                    window: analysis.window.map(|(a, b)| Window {
                        first: format_time(a),
                        last: format_time(b),
                    }),
                    stats: &analysis.stats,
                    access: &analysis.rows,
                    findings: json.findings,
                    summary: json.summary,
                },
            )
        }
        Format::Sarif => output::structured(Format::Json, &crate::audit::report::sarif(report)),
        other => Err(output::not_offered(other)),
    }
}

fn row_cells(row: &Row) -> Vec<String> {
    let mut subject = row.subject.to_string();
    if let Some(by) = &row.impersonator {
        subject.push_str(&format!(" (impersonated by {by})"));
    }
    vec![
        row.target.to_string(),
        subject,
        row.kind.label().to_string(),
        row.verbs.names().join(","),
        row.count.to_string(),
        row.denied.to_string(),
        format_time(row.first),
        format_time(row.last),
        row.source_ips.join(","),
    ]
}
