//! Arguments of `kvault exec`.

use clap::Args;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(after_help = "\
Every environment variable whose value is a reference (DB_PASS=vault:secret/app/db#password)
or holds ${scheme:...} templates is replaced by the secret value, then CMD replaces kvault
(same PID, signals and exit code). Bank-Vaults vault-env's contract is honoured too:
>>vault: write references, vault:v1: transit ciphertexts, VAULT_ENV_FROM_PATH,
VAULT_IGNORE_MISSING_SECRETS, VAULT_ENV_PASSTHROUGH, VAULT_TOKEN=vault:login.

Examples:
  DB_PASS=local:app/db#password kvault exec -- ./server
  kvault exec --watch 1m --on-change signal:HUP -- nginx -g 'daemon off;'")]
pub struct ExecArgs {
    /// Leave variables whose secret is missing unset instead of failing [env: VAULT_IGNORE_MISSING_SECRETS].
    #[arg(long)]
    pub ignore_missing: bool,

    /// Keep kvault's own credentials (VAULT_TOKEN, ...) in the command's environment.
    #[arg(long)]
    pub pass_credentials: bool,

    /// Stay as the parent and re-read the secrets this often (e.g. 30s, 5m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub watch: Option<Duration>,

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

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a duration like 30s or 5m: {e}"))
}
