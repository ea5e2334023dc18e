//! Arguments of `kvault canary`.

use super::parse_duration;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kvault canary run --source vault:secret/canary --target k8s:prod/canary --timeout 2m\n  kvault canary create --source vault:secret/canary     # then let your syncer deliver it\n  kvault canary check --source vault:secret/canary --target k8s:prod/canary\n\nExit codes: 0 delivered, 1 not delivered in time, 2 error."
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
    #[arg(long)]
    pub source: String,

    #[arg(short, long, value_enum, default_value_t)]
    pub output: CanaryFormat,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Where the canary was written: SCHEME:PATH[#KEY].
    #[arg(long)]
    pub source: String,

    /// Where it should arrive: SCHEME:PATH[#KEY].
    #[arg(long)]
    pub target: String,

    /// How long to wait for it.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Write Prometheus text (for node_exporter's textfile collector) here.
    #[arg(long, value_name = "FILE")]
    pub metrics_file: Option<PathBuf>,

    #[arg(short, long, value_enum, default_value_t)]
    pub output: CanaryFormat,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub check: CheckArgs,
}

/// How a canary result is printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum CanaryFormat {
    /// One human line.
    #[default]
    Text,
    Json,
    /// Prometheus text format on stdout.
    Prometheus,
}
