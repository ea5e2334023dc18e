//! `kvault exec -- CMD`: resolve references in the environment, then become
//! CMD (execve: same PID, signals and exit code), or with `--watch` stay as
//! its parent and restart or signal it when a value changes.
//!
//! `VAULT_ENV_DAEMON` (vault-env's daemon mode) without `--watch` is the
//! same supervisor with the re-reads left out: the command keeps the values
//! it started with, as under vault-env, while kvault forwards signals,
//! passes the exit code through and renews its token and the leases of
//! dynamic secrets. A lease that can no longer be kept ends the command
//! (SIGTERM, then SIGKILL after the grace period), as vault-env ends it, so
//! that its orchestrator starts it again with fresh credentials.

use crate::cli::exec::ExecArgs;
use crate::exit::{Code, Failure, Result};
use crate::inject::watch::{self, parse_on_change, resolve, DAEMON_TICK};
use crate::inject::{scrub, supervisor, InjectOptions, Leases};
use crate::output;
use crate::output::Printer;
use crate::store::vault::CREDENTIAL_VARS;
use crate::store::{StoreConfig, Stores};
use std::ffi::OsString;
use std::os::unix::process::CommandExt;

/// Before any store is read: make kvault non-dumpable, and take its
/// credentials (read into `config` by now) out of its own environment and
/// out of the copy kept for re-reads, unless the command is to get them.
///
/// In plain exec mode too: `execve` resets both for the command, and it
/// closes the window (retries included, seconds) while kvault resolves.
fn harden(env: &mut Vec<(OsString, OsString)>, opts: &InjectOptions) {
    // Wiped first: a non-dumpable process that is not root cannot open its
    // own /proc/self/mem.
    match scrub::scrub_own_env(CREDENTIAL_VARS) {
        Ok(wiped) => tracing::debug!(wiped, "credentials removed from kvault's environment"),
        Err(e) => {
            tracing::warn!("cannot wipe kvault's credentials from its /proc/self/environ: {e}")
        }
    }
    if let Err(e) = supervisor::become_non_dumpable() {
        tracing::warn!("cannot make kvault non-dumpable: {e}");
    }
    scrub::drop_vars(env, CREDENTIAL_VARS, |name| {
        opts.pass_credentials || opts.passthrough.contains(name)
    });
}

pub async fn run(config: StoreConfig, printer: &Printer, args: ExecArgs) -> Result<Code> {
    let on_change = parse_on_change(&args.on_change)?;
    let mut env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    let mut opts = InjectOptions::from_env(&env);
    if let Some(problem) = opts.problems.first() {
        return Err(Failure::error(problem.clone()));
    }
    refuse_conflicts(&opts, &args)?;
    opts.ignore_missing |= args.ignore_missing;
    opts.pass_credentials = args.pass_credentials;
    harden(&mut env, &opts);
    // After harden: what a file names explicitly is for the command, kvault's
    // credentials included.
    let from_files = crate::inject::env_file::read_all(&args.env_file)
        .map_err(|e| Failure::error(e.to_string()))?;
    crate::inject::env_file::overlay(&mut env, from_files);
    let stores = Stores::new(config.clone());
    let leases = Leases::default();
    let (program, rest) = args.command.split_first().expect("clap requires a command");
    let (resolved, warnings) =
        resolve(&stores, &env, &opts, &leases, (program.as_os_str(), rest)).await?;
    if !printer.quiet() {
        for w in warnings {
            output::warning(w);
        }
    }
    if opts.revoke_token {
        revoke(&stores).await;
    }
    if let Some(delay) = opts.delay {
        tracing::info!(
            "VAULT_ENV_DELAY: waiting {} before starting the command",
            humantime::format_duration(delay)
        );
        tokio::time::sleep(delay).await;
    }
    // --watch re-reads; VAULT_ENV_DAEMON alone only supervises and renews.
    let (interval, rereads) = match (args.watch, opts.daemon) {
        (Some(interval), _) => (Some(interval), true),
        (None, true) => (Some(DAEMON_TICK), false),
        (None, false) => (None, false),
    };
    match interval {
        None => {
            let err = std::process::Command::new(program)
                .args(rest)
                .env_clear()
                .envs(resolved)
                .exec();
            Err(Failure::exec(program, err))
        }
        Some(interval) => {
            let what = watch::Supervised {
                program,
                rest,
                interval,
                grace: args.grace,
                on_change,
                rereads,
            };
            let session = watch::Session {
                stores,
                config,
                env,
                opts,
                leases,
            };
            watch::supervise(what, session, resolved).await
        }
    }
}

/// vault-env settings that cannot go together with each other or with
/// `--watch`, refused before anything is read; the one that is only
/// declined is warned about.
fn refuse_conflicts(opts: &InjectOptions, args: &ExecArgs) -> Result<()> {
    if opts.revoke_token && args.watch.is_some() {
        return Err(Failure::error(
            "VAULT_REVOKE_TOKEN with --watch: the token is needed for the re-reads",
        ));
    }
    if opts.revoke_token && opts.daemon {
        return Err(Failure::error(
            "VAULT_REVOKE_TOKEN with VAULT_ENV_DAEMON: the token is needed to renew itself and the leases of dynamic secrets",
        ));
    }
    if opts.log_server {
        output::warning(
            "VAULT_ENV_LOG_SERVER is not supported: kvault's diagnostics stay on stderr (no syslog copy)",
        );
    }
    if opts.revoke_token && opts.token_to_child {
        return Err(Failure::error(
            "VAULT_REVOKE_TOKEN with VAULT_TOKEN=vault:login: the command would get a revoked token",
        ));
    }
    Ok(())
}

/// `VAULT_REVOKE_TOKEN`: the secrets are read, the token is no longer
/// needed. A failed revoke is a warning: the command still gets its values,
/// and the token expires with its TTL.
async fn revoke(stores: &Stores) {
    let vault = match stores.vault().await {
        Ok(v) => v,
        Err(e) => {
            output::warning(format!(
                "VAULT_REVOKE_TOKEN: cannot reach Vault to revoke the token: {e}"
            ));
            return;
        }
    };
    match vault.revoke_self().await {
        Ok(()) => tracing::info!("revoked kvault's Vault token (VAULT_REVOKE_TOKEN)"),
        Err(e) => output::warning(format!(
            "VAULT_REVOKE_TOKEN: the token was not revoked: {e}"
        )),
    }
}
