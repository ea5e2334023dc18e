//! `kvault status -f PLAN`: a dry run of the sync engine, shown as where
//! each target stands; exit 0 in sync, 1 not in sync, 2 on errors.

use crate::cli::status::StatusArgs;
use crate::cli::GlobalArgs;
use crate::exit::{Code, Result};
use crate::output;
use crate::output::Format;
use crate::output::Printer;
use crate::store::Stores;
use crate::sync::kube_cluster::KubeCluster;
use crate::sync::status::Status;
use crate::sync::{self as engine, Cluster};

pub async fn run(global: &GlobalArgs, printer: &Printer, args: StatusArgs) -> Result<Code> {
    let plan = super::sync::load(&args.file)?;
    let config = super::store_config(global);
    let stores = Stores::new(config.clone());
    let options = engine::Options {
        dry_run: true,
        prune: false,
        // Drift shows only where the run would overwrite it.
        overwrite_drift: true,
        concurrency: usize::from(args.concurrency),
        only: None,
        fence: None,
    };
    let mut cluster: Option<KubeCluster> = None;
    super::sync::ensure_cluster(&mut cluster, &plan, &options, &config.kube).await?;
    let cluster = cluster.as_ref().map(|c| c as &dyn Cluster);
    let report = engine::run(&plan, &stores, cluster, &options, &|| {}).await;
    let status = Status::of(&report);
    match args.output {
        Format::Json | Format::Yaml => output::structured(args.output, &status)?,
        Format::Table => {
            printer.table(
                &["TARGET", "STATE", "SYNCED FROM", "SOURCE", "NOTE"],
                status.rows(),
            )?;
            printer.status(status.summary_line());
        }
        other => return Err(output::not_offered(other)),
    }
    Ok(Code::of_status(&status))
}
