//! `kvault audit`: load the inventory (from manifests, or live from the
//! cluster of the kubeconfig), run the audit, print the report, exit 1 when
//! findings reach `--fail-on`.

use crate::audit::{self, checks, ignore::IgnoreFile, live, load, report, Inventory};
use crate::cli::audit::{AuditArgs, AuditFormat};
use crate::cli::GlobalArgs;
use crate::exit::{Code, Failure, Result};
use crate::output;

pub async fn run(global: &GlobalArgs, args: AuditArgs) -> Result<i32> {
    let started = std::time::Instant::now();
    let is_live = args.manifests.is_empty();
    if !is_live && args.etcd_endpoint.is_some() {
        return Err(Failure::error(
            "--etcd-endpoint reads a live cluster's etcd and cannot be combined with --manifests",
        ));
    }
    let mut inventory = if is_live {
        live_inventory(global, &args).await?
    } else {
        load::load(&args.manifests, &mut std::io::stdin().lock())
            .map_err(|e| Failure::error(e.to_string()))?
    };
    if let Some(path) = &args.encryption_config {
        load::load_encryption_config(&mut inventory, path)
            .map_err(|e| Failure::error(e.to_string()))?;
    }
    let rbac_options = if is_live {
        live::live_rbac_options()
    } else {
        audit::rbac::Options::default()
    };
    tracing::info!(
        objects = inventory.object_count(),
        skipped = inventory.skipped,
        unlisted = inventory.unlisted.len(),
        ms = started.elapsed().as_millis(),
        "inventory loaded"
    );

    if let Some(namespace) = &args.who_can_read {
        let namespace = Some(namespace.as_str()).filter(|ns| !ns.is_empty());
        let rbac = audit::rbac::Rbac::with_options(&inventory, rbac_options);
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
        rbac: rbac_options,
        ..audit::Options::now()
    };
    let report = audit::audit(&inventory, &options);
    tracing::debug!(
        findings = report.findings.len(),
        ms = started.elapsed().as_millis(),
        "checks done"
    );
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
    tracing::debug!(ms = started.elapsed().as_millis(), "report written");
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

/// The inventory of the cluster of the kubeconfig (or in-cluster config),
/// `--context` of `audit` or the global one choosing the context.
async fn live_inventory(global: &GlobalArgs, args: &AuditArgs) -> Result<Inventory> {
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
    let client = kube::Client::try_from(config)
        .map_err(|e| Failure::error(format!("cannot set up a client for {server}: {e}")))?;
    let etcd = args.etcd_endpoint.as_ref().map(|url| live::etcd::Endpoint {
        url: url.clone(),
        prefix: args.etcd_prefix.clone(),
        ca: args.etcd_ca.clone(),
        cert: args.etcd_cert.clone(),
        key: args.etcd_key.clone(),
    });
    let target = live::Target {
        client: &client,
        server: &server,
        etcd: etcd.as_ref(),
        chunk_size: args.chunk_size,
    };
    live::load(&target)
        .await
        .map_err(|e| Failure::error(e.to_string()))
}
