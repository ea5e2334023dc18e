//! Arguments of `kvault diff`.

use crate::output::{formats, Format, COMMON};
use clap::Args;

const AFTER_HELP: &str = "\
Compares key names and values and shows, for every key, whether it is only in A, only in B,
different or equal; never a value, nor a hash of one (a hash of a short password can be
guessed back). Two #KEY references compare those two values.

Examples:
  kvault diff vault:secret/app/db k8s:prod/app-db
  kvault diff vault:secret/app/db#password#3 vault:secret/app/db#password
  kvault diff local:app/db vault:secret/app/db -o json

Exit codes (as diff(1)):
  0  the two are equal
  1  they differ
  2  an error, a secret or key that does not exist included";

#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct DiffArgs {
    /// The first secret: SCHEME:PATH or SCHEME:PATH#KEY[#VERSION].
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::complete::reference))]
    pub a: String,

    /// The second secret, the same way.
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::complete::reference))]
    pub b: String,

    #[arg(short, long, default_value_t, value_parser = formats(COMMON))]
    pub output: Format,
}
