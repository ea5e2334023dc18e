//! The command line: clap types only, no behaviour. Help text, man pages and
//! completions are all generated from these definitions.

pub mod audit;
pub mod audit_access;
pub mod canary;
pub mod cp;
pub mod delete;
pub mod diff;
pub mod doctor;
pub mod exec;
pub mod inject;
pub mod kv;
pub mod rotate;
pub mod status;
pub mod sync;
pub mod webhook;

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

/// `kvault --help`'s closing sections: the exit codes (from `exit::Code`)
/// and the environment.
fn after_long_help() -> String {
    format!("{}\n{ENVIRONMENT}", crate::exit::help())
}

const ENVIRONMENT: &str = "\
Environment:
  BAO_ADDR, VAULT_ADDR  the Vault/OpenBao address (default http://127.0.0.1:8200); BAO_* wins over VAULT_*, as in the bao CLI; several separated by commas are the nodes of one cluster, tried in order when one cannot be reached, is sealed or cannot forward (one warning says where kvault moved)
  BAO_TOKEN, VAULT_TOKEN  the token; trailing newlines are trimmed; VAULT_TOKEN=vault:login logs in and hands the token on (exec)
  VAULT_TOKEN_FILE  a file holding the token; missing is an error, never a fall-back
  VAULT_AUTH_METHOD  token, kubernetes, approle or jwt (default: token if one is found, else approle with VAULT_ROLE_ID, else kubernetes with VAULT_ROLE)
  VAULT_ROLE  the role for Kubernetes or JWT auth
  VAULT_PATH  the auth mount (default: the method's name)
  VAULT_ROLE_ID, VAULT_SECRET_ID, VAULT_SECRET_ID_FILE  AppRole credentials
  VAULT_JWT, VAULT_JWT_FILE  the JWT for jwt auth (default: the Pod's service account token)
  BAO_NAMESPACE, VAULT_NAMESPACE  the Vault namespace
  BAO_CACERT, VAULT_CACERT  a PEM file of CA certificates for TLS
  BAO_CAPATH, VAULT_CAPATH  a directory of PEM CA certificates
  BAO_CLIENT_CERT, VAULT_CLIENT_CERT  TLS client certificate (with VAULT_CLIENT_KEY)
  BAO_CLIENT_KEY, VAULT_CLIENT_KEY  its private key
  BAO_TLS_SERVER_NAME, VAULT_TLS_SERVER_NAME  the name to check the server's certificate against
  BAO_SKIP_VERIFY, VAULT_SKIP_VERIFY  true: do not verify TLS (warned about)
  KVAULT_VAULT_TIMEOUT  total deadline of one Vault request (default 10s; also BAO_CLIENT_TIMEOUT, VAULT_CLIENT_TIMEOUT)
  KVAULT_VAULT_RETRIES  retries of an idempotent request (default 3, at most 20; also BAO_MAX_RETRIES, VAULT_MAX_RETRIES)
  BAO_CONFIG_PATH, VAULT_CONFIG_PATH  the CLI configuration naming a token_helper (default ~/.bao, then ~/.vault)
  KUBECONFIG  kubeconfig file(s), a :-separated list merged as kubectl merges it (default ~/.kube/config, then in-cluster)
  KVAULT_KUBE_TIMEOUT  total deadline of one Kubernetes request, watches aside (default 30s)
  KVAULT_LOCAL_STORE  the local store's directory (default $XDG_DATA_HOME/kvault)
  KVAULT_LOCAL_KEY_FILE  the local store's age key file (default DIR/key.txt)
  KVAULT_LOCAL_KEY  the age identity itself (AGE-SECRET-KEY-1...), instead of a file
  KVAULT_LOCAL_MAX_VERSIONS  versions kept per local secret (default 10)
  VAULT_ENV_FROM_PATH, VAULT_ENV_PASSTHROUGH, VAULT_IGNORE_MISSING_SECRETS, VAULT_REVOKE_TOKEN  exec: Bank-Vaults vault-env settings (see kvault exec --help)
  VAULT_ENV_DAEMON, VAULT_ENV_DELAY  exec: stay the command's parent (no re-reads); wait before it starts (a Go duration)
  VAULT_LOG_LEVEL, VAULT_JSON_LOG  exec: the level of kvault's diagnostics (-v/-q win); JSON lines on stderr
  VAULT_ENV_LOG_SERVER  exec: not supported (a warning)
  VAULT_TRANSIT_KEY_ID, VAULT_TRANSIT_PATH  exec: the transit key and mount for vault:v1: values
  NO_COLOR  set and not empty: no colour anywhere

Files:
  ~/.vault-token  the token `bao login` / `vault login` stored, used when no token is set
  ~/.bao, ~/.vault  the CLI configuration; its token_helper gives the token instead
  ~/.kube/config  the kubeconfig when KUBECONFIG is not set
  /var/run/secrets/kubernetes.io/serviceaccount/token  in a Pod: the JWT for Kubernetes auth, and the in-cluster credentials
  $XDG_DATA_HOME/kvault/  the local store: secrets/*.age (age-encrypted), key.txt (its key, mode 0600), recipient.txt (which key made it)";

/// kvault: audit, sync, rotate and inject secrets around Kubernetes and Vault/OpenBao.
///
/// References name a secret in a store: `vault:secret/app/db#password`,
/// `k8s:prod/app-db#password`, `local:app/db#password` (the embedded local
/// store, no server needed). Append `#N` after the key to pin a version.
#[derive(Debug, Parser)]
#[command(name = "kvault", version = crate::VERSION, after_long_help = after_long_help(), propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags that work before or after the subcommand.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// More diagnostics on stderr (-v info, -vv debug, -vvv trace). Never shows secret values.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Print only data and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print tables without their header row.
    #[arg(long, global = true)]
    pub no_headers: bool,

    /// Vault/OpenBao address, or several separated by commas, tried in order [env: BAO_ADDR, VAULT_ADDR].
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

/// The command line as parsed, shown by `--help`, completed and made into
/// man pages: the derive's, built, with the global options each subcommand
/// does not use hidden from its help ([`UNUSED_GLOBALS`]; they are still
/// accepted, so a shell alias with `--vault-addr` works before any
/// subcommand).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    finish(Cli::command())
}

/// `root` (the derive's command, changed as a caller needs) built, with
/// the unused global options hidden as [`command`] has them.
pub fn finish(mut root: clap::Command) -> clap::Command {
    // Built first: global options are copied into each subcommand here.
    root.build();
    UNUSED_GLOBALS.iter().fold(root, |root, (path, unused)| {
        let path: Vec<&str> = path.split(' ').collect();
        let unused: Vec<&str> = unused.concat();
        hide_in(root, &path, &unused)
    })
}

/// Hide `unused` in the subcommand at `path` below `cmd` and in all of its
/// own subcommands. In place (`mut_args`, `mut_subcommands`): the command
/// is built, and its lookup tables hold positions.
fn hide_in(cmd: clap::Command, path: &[&str], unused: &[&str]) -> clap::Command {
    match path {
        [first, rest @ ..] => cmd.mut_subcommands(|sub| {
            if sub.get_name() == *first {
                hide_in(sub, rest, unused)
            } else {
                sub
            }
        }),
        [] => cmd
            .mut_args(|a| {
                if unused.contains(&a.get_id().as_str()) {
                    a.hide(true)
                } else {
                    a
                }
            })
            .mut_subcommands(|sub| hide_in(sub, &[], unused)),
    }
}

/// The global options each subcommand (`sync convert`: a nested one) does
/// not use, hidden from its `--help` and man page.
pub const UNUSED_GLOBALS: &[(&str, &[&[&str]])] = &[
    ("audit", &[&["local_store"]]),
    (
        "inject",
        &[&[
            "no_headers",
            "vault_namespace",
            "kubeconfig",
            "context",
            "namespace",
            "local_store",
        ]],
    ),
    (
        "webhook",
        &[&[
            "no_headers",
            "vault_namespace",
            "kubeconfig",
            "context",
            "local_store",
        ]],
    ),
    (
        "webhook manifests",
        &[&[
            "vault_addr",
            "vault_namespace",
            "kubeconfig",
            "context",
            "local_store",
            "no_headers",
        ]],
    ),
    ("sync convert", &[STORE_GLOBALS]),
    ("completions", &[LOG_GLOBALS, STORE_GLOBALS]),
    ("man", &[LOG_GLOBALS, STORE_GLOBALS]),
];

/// How much kvault says on stderr.
const LOG_GLOBALS: &[&str] = &["verbose", "quiet"];

/// Where the stores are and how tables look: of no use to a command that
/// only reads files and prints YAML.
const STORE_GLOBALS: &[&str] = &[
    "no_headers",
    "vault_addr",
    "vault_namespace",
    "kubeconfig",
    "context",
    "namespace",
    "local_store",
];

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
    /// Put kvault into the Pod templates of manifests: an init container and `kvault exec` before each command.
    Inject(inject::InjectArgs),
    /// Serve the same injection as a Kubernetes mutating admission webhook, or print its registration.
    Webhook(webhook::WebhookArgs),
    /// Audit a cluster's Secret hygiene (encryption at rest, RBAC, workloads) and Vault's (policies, roles, audit devices).
    Audit(Box<audit::AuditArgs>),
    /// Prove a sync pipeline delivers: write a canary at the source, time its arrival at the target.
    Canary(canary::CanaryArgs),
    /// Sync secrets from any store to any store as a plan says; roll out workloads that use them.
    Sync(sync::SyncArgs),
    /// Show where each target of a sync plan stands: in sync, missing, out of date, drift.
    Status(status::StatusArgs),
    /// Rotate one key of a secret safely: new version (check-and-set), sync, verify, finish.
    Rotate(rotate::RotateArgs),
    /// Check every store's settings, server, credentials and access; each failure with the fix.
    Doctor(doctor::DoctorArgs),
    /// Show who kvault is to each configured store: token policies and TTL, Kubernetes user.
    Whoami(doctor::WhoamiArgs),
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
