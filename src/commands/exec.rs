//! `kvault exec -- CMD`: resolve references in the environment, then become
//! CMD (execve: same PID, signals and exit code), or with `--watch` stay as
//! its parent and restart or signal it when a value changes.

use crate::cli::exec::ExecArgs;
use crate::cli::GlobalArgs;
use crate::exit::{Code, Failure, Result};
use crate::inject::token::{TokenAction, TokenKeeper};
use crate::inject::{resolve_env, InjectOptions, Leases};
use crate::store::{StoreConfig, Stores};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use sha2::{Digest, Sha256};
use std::ffi::OsString;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::str::FromStr;
use std::time::{Duration, Instant};

/// What `--on-change` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnChange {
    Restart,
    Signal(Signal),
}

pub fn parse_on_change(text: &str) -> Result<OnChange> {
    if text == "restart" {
        return Ok(OnChange::Restart);
    }
    let name = text.strip_prefix("signal:").ok_or_else(|| {
        Failure::error(format!(
            "--on-change `{text}` is not `restart` or `signal:NAME`"
        ))
    })?;
    let full = if name.starts_with("SIG") {
        name.to_string()
    } else {
        format!("SIG{name}")
    };
    Signal::from_str(&full.to_uppercase())
        .map(OnChange::Signal)
        .map_err(|_| {
            Failure::error(format!(
                "--on-change: `{name}` is not a signal name (e.g. HUP, USR1)"
            ))
        })
}

async fn resolve(
    stores: &Stores,
    env: &[(OsString, OsString)],
    opts: &InjectOptions,
    leases: &Leases,
) -> Result<Vec<(OsString, OsString)>> {
    let injected = resolve_env(env, stores, opts, leases)
        .await
        .map_err(|e| Failure::new(e.code, e.to_string()))?;
    tracing::info!(
        reads = injected.reads,
        skipped = injected.skipped.len(),
        "environment resolved"
    );
    Ok(injected.env)
}

pub async fn run(config: StoreConfig, _global: &GlobalArgs, args: ExecArgs) -> Result<()> {
    let on_change = parse_on_change(&args.on_change)?;
    let env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    let mut opts = InjectOptions::from_env(&env);
    opts.ignore_missing |= args.ignore_missing;
    opts.pass_credentials = args.pass_credentials;
    let stores = Stores::new(config.clone());
    let leases = Leases::default();
    let resolved = resolve(&stores, &env, &opts, &leases).await?;
    let (program, rest) = args.command.split_first().expect("clap requires a command");
    match args.watch {
        None => {
            let err = std::process::Command::new(program)
                .args(rest)
                .env_clear()
                .envs(resolved)
                .exec();
            Err(exec_failure(program, err))
        }
        Some(interval) => {
            let watch = Watch {
                stores,
                config: &config,
                env: &env,
                opts: &opts,
                leases: &leases,
                program,
                rest,
                interval,
                on_change,
            };
            let code = watch.supervise(resolved).await?;
            std::process::exit(code);
        }
    }
}

fn exec_failure(program: &std::ffi::OsStr, err: std::io::Error) -> Failure {
    let code = if err.kind() == std::io::ErrorKind::NotFound {
        Code::CommandNotFound
    } else {
        Code::CannotExecute
    };
    Failure::new(
        code,
        format!("cannot run `{}`: {err}", program.to_string_lossy()),
    )
}

/// A digest of the resolved environment, to notice a change without keeping
/// a second copy of every value around.
fn digest(env: &[(OsString, OsString)]) -> [u8; 32] {
    let mut h = Sha256::new();
    for (k, v) in env {
        use std::os::unix::ffi::OsStrExt;
        h.update(k.as_bytes());
        h.update([0]);
        h.update(v.as_bytes());
        h.update([0]);
    }
    h.finalize().into()
}

fn spawn(
    program: &std::ffi::OsStr,
    rest: &[OsString],
    env: &[(OsString, OsString)],
) -> Result<tokio::process::Child> {
    tokio::process::Command::new(program)
        .args(rest)
        .env_clear()
        .envs(env.iter().cloned())
        .spawn()
        .map_err(|e| exec_failure(program, e))
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

/// The keeper of kvault's Vault token, once Vault is open (logged in).
async fn token_keeper(stores: &Stores) -> Option<TokenKeeper> {
    let vault = stores.vault_if_open()?;
    match vault.token_life().await {
        Ok(life) => {
            tracing::debug!(ttl = ?life.ttl, renewable = life.renewable, "vault token");
            Some(TokenKeeper::new(life, Instant::now()))
        }
        Err(e) => {
            tracing::warn!("cannot look up the Vault token's TTL, so it will not be renewed: {e}");
            None
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Relogin {
    Needed,
    No,
}

/// Renew kvault's token when due; say when a new login is needed.
async fn keep_token(
    stores: &Stores,
    keeper: &mut Option<TokenKeeper>,
    interval: Duration,
    can_login: bool,
) -> Relogin {
    let (Some(vault), Some(k)) = (stores.vault_if_open(), keeper.as_mut()) else {
        return Relogin::No;
    };
    let now = Instant::now();
    match k.due(now, interval, can_login) {
        TokenAction::Nothing => Relogin::No,
        TokenAction::Renew => {
            let asked = k.increment();
            match vault.renew_token(asked).await {
                Ok(life) => {
                    tracing::debug!(ttl = ?life.ttl, "renewed the vault token");
                    k.renewed(life, asked, Instant::now());
                    Relogin::No
                }
                Err(e) if can_login => {
                    tracing::warn!("cannot renew the Vault token: {e}");
                    *keeper = None;
                    Relogin::Needed
                }
                Err(e) => {
                    tracing::warn!("cannot renew the Vault token: {e}");
                    Relogin::No
                }
            }
        }
        TokenAction::Login => {
            *keeper = None;
            Relogin::Needed
        }
        TokenAction::Warn => {
            tracing::warn!(
                "the Vault token kvault was given expires in {} and cannot be renewed; give kvault credentials to log in with (AppRole, Kubernetes, JWT) to keep --watch reading",
                humantime::format_duration(k.left(now).unwrap_or_default())
            );
            Relogin::No
        }
    }
}

/// What `--watch` needs to look after the child.
struct Watch<'a> {
    /// Replaced by a fresh set (a new login) when the token runs out.
    stores: Stores,
    config: &'a StoreConfig,
    env: &'a [(OsString, OsString)],
    opts: &'a InjectOptions,
    leases: &'a Leases,
    program: &'a std::ffi::OsStr,
    rest: &'a [OsString],
    interval: Duration,
    on_change: OnChange,
}

impl Watch<'_> {
    /// `--watch`: run the child, forward signals to it, re-read every
    /// `interval`, and restart or signal it when the resolved values change.
    /// Returns the child's exit code once it exits on its own or by a forwarded signal.
    async fn supervise(self, mut current: Vec<(OsString, OsString)>) -> Result<i32> {
        let Watch {
            mut stores,
            config,
            env,
            opts,
            leases,
            program,
            rest,
            interval,
            on_change,
        } = self;
        use tokio::signal::unix::{signal, SignalKind};
        let forwarded = [
            SignalKind::terminate(),
            SignalKind::interrupt(),
            SignalKind::hangup(),
            SignalKind::quit(),
            SignalKind::user_defined1(),
            SignalKind::user_defined2(),
        ];
        let mut streams = Vec::new();
        for kind in forwarded {
            let stream =
                signal(kind).map_err(|e| Failure::error(format!("cannot watch signals: {e}")))?;
            streams.push((kind, stream));
        }
        let can_login = !matches!(
            config.vault.effective_auth(),
            None | Some(crate::store::vault::config::AuthMethod::Token)
        );
        let mut keeper = token_keeper(&stores).await;
        // Looked up once per login: a token that may not look itself up
        // (no `default` policy) is warned about once, not at every tick.
        let mut looked_up = stores.vault_if_open().is_some();
        let mut child = spawn(program, rest, &current)?;
        let mut last = digest(&current);
        let mut ticker = tokio::time::interval(interval);
        ticker.tick().await;
        loop {
            let recv_any = futures::future::select_all(streams.iter_mut().map(|(kind, s)| {
                let kind = *kind;
                Box::pin(async move {
                    s.recv().await;
                    kind
                })
            }));
            tokio::select! {
                status = child.wait() => {
                    let status = status.map_err(|e| Failure::error(format!("cannot wait for the command: {e}")))?;
                    return Ok(exit_code(status));
                }
                (kind, _, _) = recv_any => {
                    if let (Some(pid), Ok(sig)) = (child.id(), Signal::try_from(kind.as_raw_value())) {
                        tracing::debug!(signal = ?sig, "forwarding signal");
                        let _ = kill(Pid::from_raw(pid as i32), sig);
                    }
                }
                _ = ticker.tick() => {
                    if keep_token(&stores, &mut keeper, interval, can_login).await == Relogin::Needed {
                        tracing::info!("logging in to Vault again: the token reached its max TTL or cannot be renewed");
                        stores = Stores::new(config.clone());
                        looked_up = false;
                        // The old token's leases die with it: issue anew.
                        leases.clear();
                    }
                    if leases.any() {
                        if let Ok(vault) = stores.vault().await {
                            leases.renew_due(&vault).await;
                        }
                    }
                    let resolved = resolve(&stores, env, opts, leases).await;
                    if !looked_up && stores.vault_if_open().is_some() {
                        keeper = token_keeper(&stores).await;
                        looked_up = true;
                    }
                    match resolved {
                        Ok(fresh) => {
                            let d = digest(&fresh);
                            if d != last {
                                last = d;
                                current = fresh;
                                tracing::warn!("a secret changed; {}", match on_change { OnChange::Restart => "restarting the command".to_string(), OnChange::Signal(s) => format!("sending {s}") });
                                match on_change {
                                    OnChange::Signal(sig) => {
                                        if let Some(pid) = child.id() {
                                            let _ = kill(Pid::from_raw(pid as i32), sig);
                                        }
                                    }
                                    OnChange::Restart => {
                                        if let Some(pid) = child.id() {
                                            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGTERM);
                                        }
                                        let stopped = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
                                        if stopped.is_err() {
                                            let _ = child.kill().await;
                                        }
                                        child = spawn(program, rest, &current)?;
                                    }
                                }
                            }
                        }
                        // A failed re-read keeps the child running on what it has.
                        Err(e) => tracing::warn!("re-reading secrets failed, keeping the running command: {}", e.message),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_change_takes_restart_or_a_signal_name() {
        assert_eq!(parse_on_change("restart").unwrap(), OnChange::Restart);
        assert_eq!(
            parse_on_change("signal:HUP").unwrap(),
            OnChange::Signal(Signal::SIGHUP)
        );
        assert_eq!(
            parse_on_change("signal:SIGUSR1").unwrap(),
            OnChange::Signal(Signal::SIGUSR1)
        );
        assert!(parse_on_change("signal:NOPE").is_err());
        assert!(parse_on_change("reload").is_err());
    }
}
