//! Arguments of `kvault exec`.

use super::{parse_duration, parse_watch_interval};
use clap::Args;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(after_help = "\
Every environment variable whose value is a reference (DB_PASS=vault:secret/app/db#password)
or holds ${scheme:...} templates is replaced by the secret value, then CMD replaces kvault
(same PID, signals and exit code). Bank-Vaults vault-env's contract is honoured too:
>>vault: write references, vault:v1: transit ciphertexts, Go-template keys
(vault:secret/app#${.password | urlquery}; Go's built-ins and Sprig's b64enc, b64dec,
toJson, ...; a missing field or unknown function is an error), VAULT_ENV_FROM_PATH,
VAULT_IGNORE_MISSING_SECRETS, VAULT_ENV_PASSTHROUGH, VAULT_TOKEN=vault:login,
VAULT_REVOKE_TOKEN, and:
  VAULT_ENV_DAEMON=true  stay the command's parent, the supervisor of --watch (signals
      forwarded, exit code passed through, token and leases renewed) without its re-reads:
      as under vault-env the command keeps the values it started with. A lease that can
      no longer be renewed ends it (SIGTERM, SIGKILL 10s later). With --watch, --watch
      wins; VAULT_REVOKE_TOKEN is refused with either (the token is still needed).
  VAULT_ENV_DELAY=2s  wait after the secrets are read, before the command starts; a Go
      duration (150ms, 1m30s). A bare number other than 0 is refused: vault-env would
      read it as nanoseconds.
  VAULT_LOG_LEVEL=debug  the level of kvault's diagnostics: trace, debug, info, warn
      (warning), error (fatal, panic); -v and -q win over it.
  VAULT_JSON_LOG=true  diagnostics, warnings and errors as JSON lines, on stderr only
      (vault-env writes its info lines to stdout, which is the command's here).
  VAULT_ENV_LOG_SERVER  not supported: a warning, and the command runs.
These settings are read by exec only. A switch that is not a Go boolean (true, 1, t,
false, 0, f, ...), a level or a delay kvault cannot read is a one-line error.

With --watch kvault stays the command's parent, like tini: every signal it can catch
(SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1/2, SIGWINCH, SIGCONT, SIGALRM, ...; not
SIGCHLD, SIGPIPE, job-control stops, fault or real-time signals) is forwarded at once (even while a re-read
waits on a slow store); after a forwarded SIGTERM, SIGINT or SIGQUIT, or the SIGTERM
of a restart, the command has --grace to exit before SIGKILL. kvault reaps orphaned
processes (it is their subreaper), and the command gets SIGKILL if kvault itself dies.
kvault's own credentials are removed from its environment and it is not dumpable.

--env-file reads variables from dotenv files as `op run --env-file` does; their values
may be references or templates too. A file's value replaces the inherited variable of
the same name, and a later file's an earlier one's.

Examples:
  DB_PASS=local:app/db#password kvault exec -- ./server
  kvault exec --env-file app.env -- ./server   # app.env: DB_PASS=vault:secret/app/db#password
  kvault exec --watch 1m --on-change signal:HUP -- nginx -g 'daemon off;'")]
pub struct ExecArgs {
    /// Read variables from a dotenv file (repeatable; later files win, and files win over the environment).
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<std::path::PathBuf>,

    /// Leave variables whose secret is missing unset instead of failing [env: VAULT_IGNORE_MISSING_SECRETS].
    #[arg(long)]
    pub ignore_missing: bool,

    /// Keep kvault's own credentials (VAULT_TOKEN, ...) in the command's environment.
    #[arg(long)]
    pub pass_credentials: bool,

    /// Stay as the parent and re-read the secrets this often (e.g. 30s, 5m; at least 100ms).
    #[arg(long, value_name = "DURATION", value_parser = parse_watch_interval)]
    pub watch: Option<Duration>,

    /// Under --watch: how long the command has to exit after SIGTERM (on restart, or a forwarded SIGTERM, SIGINT or SIGQUIT) before it gets SIGKILL.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "10s",
        value_parser = parse_duration,
        requires = "watch"
    )]
    pub grace: Duration,

    /// What to do when a value changed under --watch: `restart`, or `signal:NAME` (e.g. signal:HUP).
    #[arg(
        long,
        value_name = "ACTION",
        default_value = "restart",
        requires = "watch",
        add = clap_complete::engine::ArgValueCandidates::new(crate::complete::on_change)
    )]
    pub on_change: String,

    /// The command and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<std::ffi::OsString>,
}
