//! Arguments of `kvault cp`.

use clap::Args;

const AFTER_HELP: &str = "\
SRC and DST are references. A whole secret is copied to a whole secret; one key (SRC#KEY)
to one key (DST#KEY), or into DST under its own name when DST names no key. A whole secret
cannot be copied into one key.

When DST exists, nothing is written unless --overwrite (DST becomes a copy of SRC) or
--merge (SRC's keys are added to DST, replacing keys of the same name). For DST#KEY the other
keys of DST are always kept; an existing KEY needs --overwrite. Every write into an existing
secret is a check-and-set on the version read, and creating DST fails if someone creates it
first. Values are never printed.

Examples:
  kvault cp vault:secret/app/db local:app/db
  kvault cp vault:secret/app/db#password k8s:prod/app#db-password
  kvault cp local:app/db vault:secret/app/db --merge

Exit codes:
  0  copied
  1  the source (or its key) does not exist
  2  an error: DST exists without --overwrite/--merge, a check-and-set conflict (another
     writer; nothing was written, run again), unreachable store, permission denied";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct CpArgs {
    /// What to copy: SCHEME:PATH or SCHEME:PATH#KEY (#KEY#N: version N).
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::complete::reference))]
    pub source: String,

    /// Where to: SCHEME:PATH or SCHEME:PATH#KEY.
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::complete::reference))]
    pub destination: String,

    /// Replace DST (or DST#KEY) when it exists.
    #[arg(long, conflicts_with = "merge")]
    pub overwrite: bool,

    /// Add SRC's keys into an existing DST, keeping DST's other keys.
    #[arg(long)]
    pub merge: bool,
}
