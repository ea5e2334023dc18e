//! The command line: clap types only, no behaviour. Help text, man pages and
//! completions are all generated from these definitions.

pub mod audit;
pub mod canary;
pub mod cp;
pub mod delete;
pub mod diff;
pub mod exec;
pub mod kv;
pub mod rotate;
pub mod status;
pub mod sync;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// The shortest `--watch` interval (`exec` and `sync`): a floor against `0s`
/// and busy loops, not a recommendation.
pub const MIN_WATCH_INTERVAL: Duration = Duration::from_millis(100);

/// A duration like `30s`, `5m` or `1h30m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a duration like 30s or 5m: {e}"))
}

/// The longest `--watch` interval: kvault adds it to a clock.
pub const MAX_WATCH_INTERVAL: Duration = Duration::from_secs(7 * 24 * 3600);

/// A `--watch` interval: from [`MIN_WATCH_INTERVAL`] to [`MAX_WATCH_INTERVAL`].
pub fn parse_watch_interval(text: &str) -> Result<Duration, String> {
    let every = parse_duration(text)?;
    if every < MIN_WATCH_INTERVAL {
        return Err(format!(
            "`{text}` is shorter than {}, the shortest --watch interval",
            humantime::format_duration(MIN_WATCH_INTERVAL)
        ));
    }
    parse_duration_at_most(text, MAX_WATCH_INTERVAL)
}

/// A duration ([`parse_duration`]) no longer than `max`: the one
/// bound for durations kvault adds to a clock or multiplies (canary
/// `--timeout`, sync `--watch`), so that neither can overflow.
pub fn parse_duration_at_most(text: &str, max: Duration) -> Result<Duration, String> {
    match parse_duration(text)? {
        d if d <= max => Ok(d),
        _ => Err(format!(
            "`{text}` is longer than {}, the longest this option takes",
            humantime::format_duration(max)
        )),
    }
}

const EXIT_CODES: &str = "\
Exit codes:
  0    success
  1    the answer is \"no\": a secret or key that does not exist, audit findings at or above --fail-on,
       kvault status: not everything in sync, kvault diff: the two differ
  2    error: usage, configuration, unreachable or sealed store, permission denied, CAS conflict;
       kvault diff: also a secret that does not exist
  3    rotate: check-and-set conflict, another writer changed the secret (nothing was changed)
  126  exec: the command cannot be run     127  exec: the command was not found
  `kvault exec` passes the child's exit code through once the child runs.";

/// kvault: audit, sync, rotate and inject secrets around Kubernetes and Vault/OpenBao.
///
/// References name a secret in a store: `vault:secret/app/db#password`,
/// `k8s:prod/app-db#password`, `local:app/db#password` (the embedded local
/// store, no server needed). Append `#N` after the key to pin a version.
#[derive(Debug, Parser)]
#[command(name = "kvault", version = crate::VERSION, after_long_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags that work before or after the subcommand.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Print only data and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Vault/OpenBao address [env: VAULT_ADDR, BAO_ADDR].
    #[arg(long, global = true, value_name = "URL")]
    pub vault_addr: Option<String>,

    /// Vault namespace [env: VAULT_NAMESPACE].
    #[arg(long, global = true, value_name = "NS")]
    pub vault_namespace: Option<String>,

    /// Kubeconfig file [env: KUBECONFIG, a `:`-separated list merged as kubectl does; default: ~/.kube/config, then in-cluster].
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubernetes context to use from the kubeconfig.
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,

    /// Namespace for `k8s:NAME` references without one [default: the context's namespace, else `default`].
    #[arg(short, long, global = true, value_name = "NS")]
    pub namespace: Option<String>,

    /// Directory of the embedded local store [env: KVAULT_LOCAL_STORE; default: XDG data dir].
    #[arg(long, global = true, value_name = "DIR")]
    pub local_store: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a secret, or one key of it.
    Get(kv::GetArgs),
    /// Write a secret from key=value, key=@file or key=- (stdin) pairs.
    Put(kv::PutArgs),
    /// List the secrets under a prefix.
    Ls(kv::LsArgs),
    /// Show the versions of a secret.
    History(kv::HistoryArgs),
    /// Delete a secret, chosen versions of it, or one key (asks first on a terminal).
    Delete(delete::DeleteArgs),
    /// Copy a secret, or one key, from any store to any store.
    Cp(cp::CpArgs),
    /// Compare two secrets key by key, never showing values (exit 1 when they differ).
    Diff(diff::DiffArgs),
    /// Resolve references in the environment, then run a command with the values.
    Exec(exec::ExecArgs),
    /// Audit a cluster's Secret hygiene: encryption at rest, RBAC, workloads.
    Audit(audit::AuditArgs),
    /// Prove a sync pipeline delivers: write a canary at the source, time its arrival at the target.
    Canary(canary::CanaryArgs),
    /// Sync secrets from any store to any store as a plan says; roll out workloads that use them.
    Sync(sync::SyncArgs),
    /// Show where each target of a sync plan stands: in sync, missing, out of date, drift.
    Status(status::StatusArgs),
    /// Rotate one key of a secret safely: new version (check-and-set), sync, verify, finish.
    Rotate(rotate::RotateArgs),
    /// Print a shell completion script, or write one for every shell (--dir).
    Completions(CompletionsArgs),
    /// Write the man pages: kvault.1 and one per subcommand.
    Man(ManArgs),
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kvault completions bash > /etc/bash_completion.d/kvault\n  kvault completions --dir completions   # every shell, one file each"
)]
#[group(required = true, multiple = false)]
pub struct CompletionsArgs {
    /// The shell to complete for; the script goes to stdout.
    pub shell: Option<clap_complete::Shell>,

    /// Write a script for every shell into DIR instead: kvault.bash, _kvault, kvault.fish, _kvault.ps1, kvault.elv.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kvault man --dir /usr/local/share/man/man1\n  kvault man | man -l -"
)]
pub struct ManArgs {
    /// Write kvault.1 and kvault-SUBCOMMAND.1 into DIR (created if missing) instead of printing kvault.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watch_interval_under_the_floor_is_refused() {
        assert!(parse_watch_interval("0s").unwrap_err().contains("shortest"));
        assert!(parse_watch_interval("99ms").is_err());
        assert_eq!(
            parse_watch_interval("100ms"),
            Ok(Duration::from_millis(100))
        );
        assert_eq!(parse_watch_interval("5m"), Ok(Duration::from_secs(300)));
        assert!(parse_watch_interval("soon")
            .unwrap_err()
            .contains("not a duration"));
    }
}
