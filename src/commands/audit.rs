//! `kvault audit`: load the inventory, run the audit, print the report,
//! exit 1 when findings reach `--fail-on`.

use crate::audit::{self, checks, ignore::IgnoreFile, load, report};
use crate::cli::audit::{AuditArgs, AuditFormat};
use crate::cli::GlobalArgs;
use crate::exit::{Code, Failure, Result};
use crate::output;

pub async fn run(global: &GlobalArgs, args: AuditArgs) -> Result<i32> {
    if args.manifests.is_empty() {
        return Err(Failure::error(
            "auditing a live cluster needs the Kubernetes backend, which is not in this build yet: audit exported manifests with --manifests DIR|FILE|-",
        ));
    }
    if args.etcd_endpoint.is_some() {
        return Err(Failure::error(
            "--etcd-endpoint needs the live mode, which is not in this build yet",
        ));
    }
    let mut inventory = load::load(&args.manifests, &mut std::io::stdin().lock())
        .map_err(|e| Failure::error(e.to_string()))?;
    if let Some(path) = &args.encryption_config {
        load::load_encryption_config(&mut inventory, path)
            .map_err(|e| Failure::error(e.to_string()))?;
    }
    tracing::info!(
        objects = inventory.object_count(),
        skipped = inventory.skipped,
        "manifests loaded"
    );

    if let Some(namespace) = &args.who_can_read {
        let namespace = Some(namespace.as_str()).filter(|ns| !ns.is_empty());
        let rbac = audit::rbac::Rbac::new(&inventory);
        let rows = checks::rbac::who_can_read(&rbac, namespace);
        match args.output {
            AuditFormat::Table => {
                let (header, rows) = report::who_can_read_table(&rows);
                output::table(&header, rows)?;
            }
            AuditFormat::Json => {
                output::structured(
                    output::Format::Json,
                    &report::who_can_read_json(&rows, namespace),
                )?;
            }
            AuditFormat::Sarif => {
                return Err(Failure::error(
                    "--who-can-read prints a table or json, not sarif",
                ))
            }
        }
        std::mem::forget(rbac);
        std::mem::forget(inventory);
        return Ok(Code::Success as i32);
    }

    let ignore = match &args.ignore {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::error(format!("cannot read `{}`: {e}", path.display())))?;
            Some(IgnoreFile::parse(&path.display().to_string(), &text).map_err(Failure::error)?)
        }
        None => None,
    };
    let options = audit::Options {
        fail_on: args.fail_on.into(),
        ignore,
        ..audit::Options::now()
    };
    let report = audit::audit(&inventory, &options);
    match args.output {
        AuditFormat::Table => {
            if !report.findings.is_empty() {
                let (header, rows) = report::table(&report);
                output::table(&header, rows)?;
            }
            output::status(global.quiet, report.summary_line());
        }
        AuditFormat::Json => output::structured(output::Format::Json, &report::json(&report))?,
        AuditFormat::Sarif => output::structured(output::Format::Json, &report::sarif(&report))?,
    }
    let code = if report.failed() {
        Code::No as i32
    } else {
        Code::Success as i32
    };
    // The process exits next: freeing every finding and object one by one
    // costs more than a large audit itself.
    std::mem::forget(report);
    std::mem::forget(inventory);
    Ok(code)
}
