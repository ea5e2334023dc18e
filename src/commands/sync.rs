//! `kvault sync -f PLAN`: load the plan, run the sync engine once or every
//! `--watch` interval, print the summary; exit 0 when everything succeeded,
//! 2 when the plan is invalid or anything failed.

use crate::cli::sync::{RateLimit, SyncArgs};
use crate::cli::GlobalArgs;
use crate::exit::{Code, Failure, Result};
use crate::output;
use crate::output::Format;
use crate::output::Printer;
use crate::store::Stores;
use crate::sync::kube_cluster::KubeCluster;
use crate::sync::{self as engine, Cluster, Plan, Report};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

pub async fn run(global: &GlobalArgs, printer: &Printer, args: SyncArgs) -> Result<Code> {
    let mut plan = load(&args.file)?;
    let mut config = super::store_config(global);
    config.rate_limits = RateLimit::per_store(&args.rate_limit);
    let stores = Stores::new(config.clone());
    let options = engine::Options {
        dry_run: args.dry_run,
        prune: args.prune,
        overwrite_drift: !args.no_overwrite_drift,
        concurrency: usize::from(args.concurrency),
        only: None,
    };
    let mut cluster: Option<KubeCluster> = None;
    let Some(every) = args.watch else {
        ensure_cluster(&mut cluster, &plan, &options, &config.kube).await?;
        let report = once(&plan, &stores, cluster.as_ref(), &options, printer).await;
        print(&report, args.output, printer, false)?;
        return Ok(Code::of_sync(&report));
    };

    let mut last = Code::Success;
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| Failure::error(format!("cannot handle SIGTERM: {e}")))?;
    loop {
        // The plan is read again each round (it may be a mounted ConfigMap);
        // a broken edit keeps the last good plan running. Stdin is read once.
        if args.file.as_os_str() != "-" {
            match load(&args.file) {
                Ok(fresh) => plan = fresh,
                Err(e) => tracing::error!("{}; keeping the previous plan", e.message),
            }
        }
        if let Err(e) = ensure_cluster(&mut cluster, &plan, &options, &config.kube).await {
            tracing::error!("{}", e.message);
        }
        tokio::select! {
            report = once(&plan, &stores, cluster.as_ref(), &options, printer) => {
                print(&report, args.output, printer, true)?;
                last = Code::of_sync(&report);
            }
            _ = tokio::signal::ctrl_c() => return Ok(last),
            _ = terminate.recv() => return Ok(last),
        }
        let pause = jittered(every, args.jitter);
        tracing::debug!(?pause, "next sync");
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = tokio::signal::ctrl_c() => return Ok(last),
            _ = terminate.recv() => return Ok(last),
        }
    }
}

/// The plan `file` names (`-`: stdin), as a failure to print.
pub(crate) fn load(file: &Path) -> Result<Plan> {
    engine::plan::load(file).map_err(|e| Failure::error(e.to_string()))
}

/// Connect to Kubernetes once, if the plan needs it beyond its stores.
pub(crate) async fn ensure_cluster(
    cluster: &mut Option<KubeCluster>,
    plan: &Plan,
    options: &engine::Options,
    kube: &crate::store::kube::KubeConfig,
) -> Result<()> {
    KubeCluster::connect_if_needed(cluster, plan, options.prune, kube)
        .await
        .map_err(|e| {
            Failure::from(e).context("cannot connect to Kubernetes for rollouts and --prune")
        })
}

async fn once(
    plan: &Plan,
    stores: &Stores,
    cluster: Option<&KubeCluster>,
    options: &engine::Options,
    printer: &Printer,
) -> Report {
    let bar = progress_bar(plan.targets.len(), printer.quiet());
    let cluster = cluster.map(|c| c as &dyn Cluster);
    let report = engine::run(plan, stores, cluster, options, &|| bar.inc(1)).await;
    bar.finish_and_clear();
    report
}

/// A bar on stderr, only when stderr is a terminal and not `-q`.
fn progress_bar(len: usize, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} syncing {pos}/{len} {wide_bar} {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}

fn print(report: &Report, format: Format, printer: &Printer, watch: bool) -> Result<()> {
    match format {
        Format::Json if watch => {
            let mut line =
                serde_json::to_string(report).map_err(|e| Failure::error(e.to_string()))?;
            line.push('\n');
            output::stdout_bytes(line.as_bytes())
        }
        Format::Json | Format::Yaml if !watch => output::structured(format, report),
        // Documents in a stream: `---` before each run's.
        Format::Yaml => {
            output::stdout_bytes(b"---\n")?;
            output::structured(output::Format::Yaml, report)
        }
        Format::Table => {
            let rows = report.rows();
            if !rows.is_empty() {
                printer.table(&["TARGET", "ACTION", "KEYS", "NOTE"], rows)?;
            }
            printer.status(report.summary_line());
            Ok(())
        }
        other => Err(output::not_offered(other)),
    }
}

/// `every`, longer or shorter by a random amount of up to `pct` percent.
fn jittered(every: Duration, pct: u8) -> Duration {
    let spread = f64::from(pct) / 100.0;
    let factor = 1.0 + rand::random_range(-spread..=spread);
    // `mul_f64` panics past Duration::MAX; --watch is bounded well below.
    Duration::try_from_secs_f64(every.as_secs_f64() * factor.max(0.0)).unwrap_or(every)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_its_percentage() {
        let every = Duration::from_secs(100);
        for _ in 0..200 {
            let d = jittered(every, 20);
            assert!(
                d >= Duration::from_secs(80) && d <= Duration::from_secs(120),
                "{d:?}"
            );
        }
        assert_eq!(jittered(every, 0), every);
    }
}
