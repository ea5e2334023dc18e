//! Arguments of the plain store commands: get, put, ls, history.

use crate::output::{formats, Choice, Format, COMMON};
use clap::Args;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kvault get local:app/db#password\n  kvault get vault:secret/app/db -o json\n  kvault get vault:secret/app/db#password#3   # version 3\n  eval \"$(kvault get vault:secret/app/db -o env)\"   # export KEY='value' lines\n  kvault get vault:secret/app/db -o dotenv > .env    # KEY=\"value\" lines\n\n-o env quotes values for POSIX shells; -o dotenv escapes \\, \", $ and newlines in double\nquotes, as dotenv loaders (dotenvy, python-dotenv) read them back. Both refuse a key that is\nnot a shell variable name ([A-Za-z_][A-Za-z0-9_]*) and a value they cannot carry (NUL; for\ndotenv also a carriage return or bytes that are not UTF-8), naming the key."
)]
pub struct GetArgs {
    /// What to read: SCHEME:PATH[#KEY[#VERSION]].
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::complete::reference))]
    pub reference: String,

    /// Output format (a single key in table format prints its raw value).
    #[arg(short, long, default_value_t, value_parser = formats(GET_FORMATS))]
    pub output: Format,
}

/// How `get` prints: the common formats, and two only `get` has.
const GET_FORMATS: &[Choice] = &[
    (Format::Table, ""),
    (Format::Json, ""),
    (Format::Yaml, ""),
    (
        Format::Env,
        "`export KEY='value'` lines for a POSIX shell (`eval \"$(kvault get ... -o env)\"`)",
    ),
    (Format::Dotenv, "`KEY=\"value\"` lines for a .env file"),
];

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kvault put local:app/db username=app password=-      # password from stdin\n  kvault put vault:secret/app/tls cert=@tls.crt key=@tls.key\n  kvault put vault:secret/app/db password=- --cas 4  # only if version 4 is current\n  kvault put vault:secret/app/db password=- --plan sync.yaml --rollout  # and sync it now\n\nPrefer key=- or key=@file for values: arguments are visible to other users in ps."
)]
pub struct PutArgs {
    /// Where to write: SCHEME:PATH (no #key).
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::complete::reference))]
    pub reference: String,

    /// KEY=VALUE, KEY=@FILE or KEY=- (read the value from stdin, once).
    #[arg(required = true, value_name = "KEY=VALUE")]
    pub pairs: Vec<String>,

    /// Keep the keys already stored and change only those given.
    #[arg(long)]
    pub merge: bool,

    /// Write only if VERSION is the current version (check-and-set).
    #[arg(long, value_name = "VERSION", conflicts_with = "create_only")]
    pub cas: Option<u64>,

    /// Write only if the secret does not exist yet.
    #[arg(long)]
    pub create_only: bool,

    /// A sync plan: its entries that read the secret are synced at once
    /// (a `sync --watch` on the same plan would wait for its interval).
    #[arg(long, value_name = "PLAN.yaml")]
    pub plan: Option<std::path::PathBuf>,

    /// Let that sync roll out the workloads the plan names for those entries.
    #[arg(long, requires = "plan")]
    pub rollout: bool,

    #[arg(short, long, default_value_t, value_parser = formats(COMMON))]
    pub output: Format,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  kvault ls local:\n  kvault ls vault:secret/app")]
pub struct LsArgs {
    /// SCHEME:[PREFIX], e.g. `vault:secret/app` or `local:`.
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::complete::reference))]
    pub prefix: String,

    #[arg(short, long, default_value_t, value_parser = formats(COMMON))]
    pub output: Format,
}

#[derive(Debug, Args)]
#[command(after_help = "Example:\n  kvault history vault:secret/app/db")]
pub struct HistoryArgs {
    /// The secret: SCHEME:PATH.
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::complete::reference))]
    pub reference: String,

    #[arg(short, long, default_value_t, value_parser = formats(COMMON))]
    pub output: Format,
}
