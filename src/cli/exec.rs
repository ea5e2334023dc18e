//! Arguments of `kvault exec`.

use super::{parse_duration, parse_watch_interval};
use clap::Args;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(after_help = "\
Every environment variable whose value is a reference (DB_PASS=vault:secret/app/db#password)
or holds ${scheme:...} templates is replaced by the secret value, then CMD replaces kvault
(same PID, signals and exit code). Bank-Vaults vault-env's contract is honoured too:
>>vault: write references, vault:v1: transit ciphertexts, VAULT_ENV_FROM_PATH,
VAULT_IGNORE_MISSING_SECRETS, VAULT_ENV_PASSTHROUGH, VAULT_TOKEN=vault:login.

With --watch kvault stays the command's parent, like tini: SIGTERM, SIGINT, SIGHUP,
SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH are forwarded at once (even while a re-read
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
        requires = "watch"
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
