//! `kvault sync -f PLAN`: load the plan, run the sync engine once or every
//! `--watch` interval, print the summary; exit 0 when everything succeeded,
//! 2 when the plan is invalid or anything failed.

use crate::cli::sync::{LeaderArgs, RateLimit, SyncArgs, SyncCommand};
use crate::cli::GlobalArgs;
use crate::exit::{Code, Failure, Result};
use crate::output;
use crate::output::Format;
use crate::output::Printer;
use crate::store::Stores;
use crate::sync::external_secrets;
use crate::sync::kube_cluster::KubeCluster;
use crate::sync::leader::{Leader, LeaseSettings};
use crate::sync::metrics_server::{self, Exposed};
use crate::sync::watch::{PlanSource, Rounds, Watch};
use crate::sync::{self as engine, Cluster, Plan, Report};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

pub async fn run(global: &GlobalArgs, printer: &Printer, args: SyncArgs) -> Result<Code> {
    if let Some(SyncCommand::Convert(convert)) = &args.command {
        return super::sync_convert::run(printer, convert);
    }
    let mut config = super::store_config(global);
    let (plan, source) = load_plan(&args, global, &config.kube).await?;
    config.rate_limits = RateLimit::per_store(&args.rate_limit);
    let stores = Stores::new(config.clone());
    let options = engine::Options {
        dry_run: args.dry_run,
        prune: args.prune,
        overwrite_drift: !args.no_overwrite_drift,
        concurrency: usize::from(args.concurrency),
        only: None,
        fence: None,
    };
    let Some(every) = args.watch else {
        let mut cluster: Option<KubeCluster> = None;
        ensure_cluster(&mut cluster, &plan, &options, &config.kube).await?;
        let report = once(&plan, &stores, cluster.as_ref(), &options, printer).await;
        print(&report, args.output, printer, false)?;
        return Ok(Code::of_sync(&report));
    };

    let exposed = serve_metrics(&args, printer).await?;
    let leader = match args.leader.leader_elect {
        true => Some(join_election(&args.leader, &config.kube, printer).await?),
        false => None,
    };
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| Failure::error(format!("cannot handle SIGTERM: {e}")))?;
    let watch = Watch {
        source,
        every,
        jitter: args.jitter,
        options,
        kube: &config.kube,
        leader,
        exposed,
        terminate,
        stores: &stores,
    };
    let rounds = Printed {
        stores: &stores,
        format: args.output,
        printer,
    };
    let last = watch.run(plan, &rounds).await?;
    Ok(last.as_ref().map_or(Code::Success, Code::of_sync))
}

/// The plan to run, and where it came from (a `--watch` reads it again
/// from there each round).
async fn load_plan<'a>(
    args: &'a SyncArgs,
    global: &'a GlobalArgs,
    kube: &crate::store::kube::KubeConfig,
) -> Result<(Plan, PlanSource<'a>)> {
    Ok(match (&args.file, &args.from_external_secrets) {
        (Some(file), _) => (load(file)?, PlanSource::Plan(file)),
        (None, Some(path)) => {
            let (plan, converted) = external_secrets::load(path).map_err(Failure::error)?;
            for line in &converted.untranslated {
                output::warning(line);
            }
            (plan, PlanSource::ExternalSecrets(path))
        }
        (None, None) if args.from_cluster => {
            let namespace = global.namespace.as_deref();
            let (plan, converted) = crate::sync::external_secrets_live::load(kube, namespace)
                .await
                .map_err(Failure::error)?;
            for line in &converted.untranslated {
                output::warning(line);
            }
            (plan, PlanSource::Cluster(namespace))
        }
        (None, None) => {
            return Err(Failure::error(
                "give -f PLAN, --from-external-secrets PATH or --from-cluster",
            ))
        }
    })
}

/// `--metrics-addr`: the metrics server, started before the first round.
async fn serve_metrics(args: &SyncArgs, printer: &Printer) -> Result<Option<Arc<Exposed>>> {
    Ok(match args.metrics_addr {
        Some(addr) => {
            let exposed = Arc::new(Exposed::default());
            let local = metrics_server::start(addr, exposed.clone())
                .await
                .map_err(|e| Failure::error(format!("cannot serve metrics on {addr}: {e}")))?;
            printer.status(format!("kvault sync: metrics on http://{local}/metrics"));
            // Without an election this process is the one writer.
            exposed.metrics.set_leader(!args.leader.leader_elect);
            Some(exposed)
        }
        None => None,
    })
}

/// What `--watch` shows of each round: progress, then the report as one
/// JSON line, a YAML document, or a table and a summary line.
struct Printed<'a> {
    stores: &'a Stores,
    format: Format,
    printer: &'a Printer,
}

#[async_trait::async_trait(?Send)]
impl Rounds for Printed<'_> {
    type Error = Failure;

    async fn round(
        &self,
        plan: &Plan,
        cluster: Option<&KubeCluster>,
        options: &engine::Options,
    ) -> Report {
        once(plan, self.stores, cluster, options, self.printer).await
    }

    fn show(&self, report: &Report) -> Result<()> {
        print(report, self.format, self.printer, true)
    }

    fn status(&self, message: String) {
        self.printer.status(message);
    }
}

/// Join the election for `--leader-elect`: the Lease in the Pod's namespace
/// (or the kubeconfig's), as `$POD_NAME` (or HOSTNAME-PID).
async fn join_election(
    args: &LeaderArgs,
    kube: &crate::store::kube::KubeConfig,
    printer: &Printer,
) -> Result<Leader> {
    let mut settings = LeaseSettings {
        name: args.lease_name.clone(),
        namespace: String::new(),
        identity: args.lease_identity.clone().unwrap_or_else(default_identity),
        duration: args.lease_duration,
        grace: args.lease_grace,
    };
    // Before connecting: a bad setting is a usage error, not a network one.
    settings
        .check()
        .map_err(|e| Failure::error(e.to_string()))?;
    let (client, default_ns) = kube
        .client()
        .await
        .map_err(|e| Failure::from(e).context("cannot connect to Kubernetes for --leader-elect"))?;
    let namespace = args.lease_namespace.clone().unwrap_or(default_ns);
    settings.namespace = namespace.clone();
    let leader = Leader::join(client, settings)
        .await
        .map_err(|e| Failure::error(e.to_string()))?;
    printer.status(format!(
        "kvault sync: `{}` is a candidate for the lease {namespace}/{}",
        leader.identity(),
        args.lease_name
    ));
    Ok(leader)
}

fn default_identity() -> String {
    if let Some(pod) = std::env::var("POD_NAME").ok().filter(|p| !p.is_empty()) {
        return pod;
    }
    let host = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "kvault".into());
    format!("{host}-{}", std::process::id())
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
