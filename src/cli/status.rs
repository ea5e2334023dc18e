//! Arguments of `kvault status`.

use crate::output::{formats, Choice, Format};
use clap::Args;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Reads every source and target of the plan and writes nothing (a dry run of `kvault sync`):
each target is in sync, missing, out of date (its data differs: the differing key names
are shown, never values), provenance behind (same data, a newer source version), in drift
(edited by hand since kvault wrote it) or in error. SYNCED FROM is the source version the
target's provenance records, SOURCE the version now: \"cluster has v7, store has v9\".
Workloads whose pod template does not yet carry their Secrets' data hash are listed as
rollout due.

Examples:
  kvault status -f examples/sync-plan.yaml
  kvault status -f plan.yaml -o json | jq '.targets[] | select(.state != \"in_sync\")'

Exit codes:
  0  every target in sync and no rollout due
  1  something is not in sync (run `kvault sync`)
  2  an invalid plan, or a source or target could not be read";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct StatusArgs {
    /// The sync plan (YAML); `-` reads it from stdin.
    #[arg(short = 'f', long = "file", value_name = "PLAN.yaml")]
    pub file: PathBuf,

    /// Targets read at once.
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,

    /// Output format.
    #[arg(short, long, default_value_t, value_parser = formats(STATUS_FORMATS))]
    pub output: Format,
}

/// How the status is printed.
const STATUS_FORMATS: &[Choice] = &[
    (Format::Table, "A table on stdout, a summary line on stderr"),
    (Format::Json, ""),
    (Format::Yaml, ""),
];
