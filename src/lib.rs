//! kvault: a Swiss Army knife for secrets around Kubernetes and Vault/OpenBao.
//!
//! The binary is a thin shell over this library: [`run`] parses the command
//! line, sets up logging and the runtime, dispatches to `commands`, and turns
//! the outcome into an exit code. Engines (`inject`, ...) talk only to the
//! [`store::SecretStore`] trait.

// Denied everywhere but `inject::child`, which needs `pre_exec`.
#![deny(unsafe_code)]
// Output goes through `output` (the printer: stdout for results, stderr for
// the rest, colour and --quiet decided once), never a stray print.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod audit;
pub mod canary;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod complete;
pub mod doctor;
pub mod exit;
pub mod export;
pub mod exposition;
pub mod inject;
pub mod logging;
pub mod mutate;
pub mod output;
pub mod prompt;
pub mod rotate;
pub mod store;
pub mod sync;
pub mod template;
pub mod webhook;
pub mod yaml;
#[cfg(test)]
mod yaml_noise;

/// `--version`: the crate version and, when built from git, the commit.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("KVAULT_GIT_COMMIT"),
    ")"
);

use exit::Code;

/// Parse, run, print the error once, return the exit code.
pub fn run() -> i32 {
    // `COMPLETE=bash kvault -- ...`: the shell asking for candidates.
    commands::completions::answer_if_asked();
    let cli = cli::command()
        .try_get_matches()
        .and_then(|m| <cli::Cli as clap::FromArgMatches>::from_arg_matches(&m))
        .unwrap_or_else(|e| e.exit());
    // vault-env's VAULT_LOG_LEVEL and VAULT_JSON_LOG: for `exec` only.
    let (exec_log, problems) = match cli.command {
        cli::Command::Exec(_) => {
            let (log, problems) = logging::ExecLog::from_env();
            (Some(log), problems)
        }
        _ => (None, Vec::new()),
    };
    logging::init(&cli.global, exec_log.as_ref());
    if let Some(problem) = problems.first() {
        output::error(problem);
        return Code::Error.value();
    }
    // `exec` waits on the network and then replaces itself: one thread is
    // faster there (no wake-ups handed between workers: a fifth less time
    // at 200 references, bench/exec.sh). The rest parse and audit: two.
    let builder = match cli.command {
        cli::Command::Exec(_) => tokio::runtime::Builder::new_current_thread(),
        _ => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(2);
            b
        }
    };
    let runtime = match { builder }.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            output::error(format!("cannot start the async runtime: {e}"));
            return Code::Error.value();
        }
    };
    let outcome = runtime.block_on(async {
        tokio::select! {
            outcome = commands::dispatch(cli) => outcome,
            // SIGINT after a prompt (whose handler replaced its default).
            () = prompt::interrupted() => Err(prompt::Interrupted.into()),
        }
    });
    // A stray request must not hold up the exit.
    runtime.shutdown_background();
    match outcome {
        Ok(code) => code.value(),
        // Ctrl-C: the terminal shows ^C already, as a shell leaves it.
        Err(failure) if failure.code == Code::Interrupted => failure.code.value(),
        Err(failure) => {
            output::error(&failure.message);
            failure.code.value()
        }
    }
}
