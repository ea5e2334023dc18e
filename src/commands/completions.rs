//! `kvault completions SHELL`: a completion script from the clap model.

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::Result;
use clap::CommandFactory;

pub fn run(args: CompletionsArgs) -> Result<()> {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "kvault", &mut buf);
    crate::output::stdout_bytes(&buf)
}
