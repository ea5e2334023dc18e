//! Arguments of `kvault canary`.

use crate::output::{formats, Choice, Format};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kvault canary run --source vault:secret/canary --target k8s:prod/canary --timeout 2m\n  kvault canary create --source vault:secret/canary     # then let your syncer deliver it\n  kvault canary check --source vault:secret/canary --target k8s:prod/canary\n\nExit codes:\n  0  delivered\n  1  not delivered in time\n  2  error (also: a --metrics-file whose series for the pair cannot be continued, unless --reset-metrics)"
)]
pub struct CanaryArgs {
    #[command(subcommand)]
    pub action: CanaryAction,
}

#[derive(Debug, Subcommand)]
pub enum CanaryAction {
    /// Write a fresh canary at the source, wait for it at the target, report the latency.
    #[command(
        after_help = "Example:\n  kvault canary run --source vault:secret/canary --target k8s:prod/canary --timeout 2m \\\n      --metrics-file /var/lib/node_exporter/kvault_canary.prom"
    )]
    Run(RunArgs),
    /// Write a fresh canary at the source (for pipelines where another syncer delivers it).
    #[command(after_help = "Example:\n  kvault canary create --source vault:secret/canary")]
    Create(CreateArgs),
    /// Wait until the target shows the canary now at the source.
    #[command(
        after_help = "Example:\n  kvault canary check --source vault:secret/canary --target k8s:prod/canary --timeout 5m"
    )]
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Where to write the canary: SCHEME:PATH[#KEY] (key defaults to `canary`).
    #[arg(long, add = clap_complete::engine::ArgValueCompleter::new(crate::complete::reference))]
    pub source: String,

    /// Mark it a honeytoken too: nobody but the syncer should ever read it, and `kvault audit access
    /// --honeytoken REF` raises KV-ACC-007 when someone else does.
    #[arg(long)]
    pub honeytoken: bool,

    #[arg(short, long, default_value_t, value_parser = formats(CANARY_FORMATS))]
    pub output: Format,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Where the canary was written: SCHEME:PATH[#KEY].
    #[arg(long, add = clap_complete::engine::ArgValueCompleter::new(crate::complete::reference))]
    pub source: String,

    /// Where it should arrive: SCHEME:PATH[#KEY].
    #[arg(long, add = clap_complete::engine::ArgValueCompleter::new(crate::complete::reference))]
    pub target: String,

    /// How long to wait for it (at most 7 days).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_timeout)]
    pub timeout: Duration,

    /// Write Prometheus text (for node_exporter's textfile collector) here.
    #[arg(long, value_name = "FILE")]
    pub metrics_file: Option<PathBuf>,

    /// Start the metrics file's series for this source and target from zero when the file
    /// cannot be continued (unreadable, or a line of this pair not as kvault writes it).
    #[arg(long, requires = "metrics_file")]
    pub reset_metrics: bool,

    #[arg(short, long, default_value_t, value_parser = formats(CANARY_FORMATS))]
    pub output: Format,
}

/// `--timeout`: a duration no longer than [`crate::canary::MAX_TIMEOUT`].
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    super::parse_duration_at_most(text, crate::canary::MAX_TIMEOUT)
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub check: CheckArgs,
}

/// How a canary result is printed.
const CANARY_FORMATS: &[Choice] = &[
    (
        Format::Table,
        "One human line on stderr (`text` is accepted too)",
    ),
    (Format::Json, ""),
    (Format::Yaml, ""),
    (Format::Prometheus, "Prometheus text format on stdout"),
];
