//! `kvault audit`: load the inventory (from manifests, or live from the
//! cluster of the kubeconfig), run the audit, print the report, exit 1 when
//! findings reach `--fail-on`.

use crate::audit::{self, checks, ignore::IgnoreFile, live, load, report, Inventory};
use crate::cli::audit::{AuditArgs, AuditFormat};
use crate::cli::GlobalArgs;
use crate::exit::{Code, Failure, Result};
use crate::output;

pub async fn run(global: &GlobalArgs, args: AuditArgs) -> Result<Code> {
    let started = std::time::Instant::now();
    let is_live = args.manifests.is_empty();
    if !is_live && args.etcd_endpoint.is_some() {
        return Err(Failure::error(
            "--etcd-endpoint reads a live cluster's etcd and cannot be combined with --manifests",
        ));
    }
    let (mut inventory, cluster) = if is_live {
        let cluster = Cluster::connect(global, &args).await?;
        let inventory = live::list(&cluster.target())
            .await
            .map_err(|e| Failure::error(e.to_string()))?;
        (inventory, Some(cluster))
    } else {
        let inventory = load::load(&args.manifests, &mut std::io::stdin().lock())
            .map_err(|e| Failure::error(e.to_string()))?;
        (inventory, None)
    };
    for line in audit::warnings::duplicates(&inventory.duplicates) {
        output::warning(line);
    }
    if cluster.is_none() {
        add_encryption_config(&mut inventory, &args)?;
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
        if let Some(line) = audit::warnings::pending_aggregations(&rbac) {
            output::warning(line);
        }
        let rows = checks::rbac::who_can_read(&rbac, namespace);
        match args.output {
            AuditFormat::Table => {
                let (header, rows) = report::who_can_read_table(&rows);
                output::table(&header, rows)?;
            }
            AuditFormat::Json | AuditFormat::Yaml => {
                output::structured(
                    structured(args.output),
                    &report::who_can_read_json(&rows, namespace),
                )?;
            }
            AuditFormat::Sarif => {
                return Err(Failure::error(
                    "--who-can-read prints a table, json or yaml, not sarif",
                ))
            }
        }
        std::mem::forget(rbac);
        std::mem::forget(inventory);
        return Ok(Code::Success);
    }

    let ignore = match &args.ignore {
        Some(path) => {
            let text = crate::yaml::read_file(path, &crate::yaml::PLAN).map_err(|e| {
                Failure::error(match e {
                    crate::yaml::ReadError::Io(e) => {
                        format!("cannot read `{}`: {e}", path.display())
                    }
                    crate::yaml::ReadError::Limit(e) => format!("`{}`: {e}", path.display()),
                })
            })?;
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
    let report = match &cluster {
        None => audit::audit(&inventory, &options),
        Some(cluster) => {
            // The object checks run on the blocking pool while the
            // apiserver renders its metrics; only the encryption checks
            // wait for them.
            let shared = std::sync::Arc::new(inventory);
            let checks = {
                let (inventory, options) = (shared.clone(), options.clone());
                tokio::task::spawn_blocking(move || audit::object_findings(&inventory, &options))
            };
            let metrics = live::metrics_evidence(&cluster.target(), &shared).await;
            let findings = checks
                .await
                .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
            inventory = std::sync::Arc::try_unwrap(shared)
                .expect("the object checks are done with the inventory");
            live::add_metrics(&mut inventory, metrics);
            add_encryption_config(&mut inventory, &args)?;
            audit::finish(&inventory, &options, findings)
        }
    };
    tracing::debug!(
        findings = report.findings.len(),
        ms = started.elapsed().as_millis(),
        "checks done"
    );
    for line in &report.warnings {
        output::warning(line);
    }
    match args.output {
        AuditFormat::Table => {
            if !report.findings.is_empty() {
                let (header, rows) = report::table(&report);
                output::table_styled(&header, rows, severity_color)?;
            }
            output::status(global.quiet, report.summary_line());
        }
        AuditFormat::Json | AuditFormat::Yaml => {
            output::structured(structured(args.output), &report::json(&report))?
        }
        AuditFormat::Sarif => {
            let sarif = report::sarif(&report);
            output::structured(output::Format::Json, &sarif)?;
            if let Some(truncated) = &sarif.truncated {
                output::warning(truncated.message());
            }
        }
    }
    tracing::debug!(ms = started.elapsed().as_millis(), "report written");
    let code = if report.failed() {
        Code::No
    } else {
        Code::Success
    };
    // The process exits next: freeing every finding and object one by one
    // costs more than a large audit itself.
    std::mem::forget(report);
    std::mem::forget(inventory);
    Ok(code)
}

/// `--encryption-config`'s evidence, when given.
fn add_encryption_config(inventory: &mut Inventory, args: &AuditArgs) -> Result<()> {
    if let Some(path) = &args.encryption_config {
        load::load_encryption_config(inventory, path).map_err(|e| Failure::error(e.to_string()))?;
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

fn structured(format: AuditFormat) -> output::Format {
    match format {
        AuditFormat::Yaml => output::Format::Yaml,
        _ => output::Format::Json,
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
