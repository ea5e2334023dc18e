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
use crate::cli::GlobalArgs;
use crate::exit::{Code, Failure, Result};
use crate::inject::token::{TokenAction, TokenKeeper};
use crate::inject::{limits, resolve_env, scrub, supervisor, InjectOptions, Leases};
use crate::output;
use crate::store::vault::CREDENTIAL_VARS;
use crate::store::{StoreConfig, Stores};
use nix::sys::signal::Signal;
use sha2::{Digest, Sha256};
use std::ffi::{OsStr, OsString};
use std::os::unix::process::CommandExt;
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

/// Resolve the environment and check that `execve` will take it: a value
/// with a NUL byte, a variable over the kernel's per-string limit or an
/// environment over ARG_MAX is refused here (exit 1), naming the variable.
async fn resolve(
    stores: &Stores,
    env: &[(OsString, OsString)],
    opts: &InjectOptions,
    leases: &Leases,
    command: (&OsStr, &[OsString]),
) -> Result<(Vec<(OsString, OsString)>, Vec<String>)> {
    let injected = resolve_env(env, stores, opts, leases)
        .await
        .map_err(|e| Failure::new(e.code, e.to_string()))?;
    tracing::info!(
        reads = injected.reads,
        skipped = injected.skipped.len(),
        "environment resolved"
    );
    let mut resolved = injected.env;
    if let Err(e) = limits::check(command.0, command.1, &resolved, limits::arg_max()) {
        wipe_env(&mut resolved);
        return Err(Failure::no(e.to_string()));
    }
    Ok((resolved, injected.warnings))
}

/// Wipe the values of a resolved environment kvault no longer needs.
fn wipe_env(env: &mut Vec<(OsString, OsString)>) {
    for (_, value) in env.iter_mut() {
        scrub::wipe(value);
    }
    env.clear();
}

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

pub async fn run(config: StoreConfig, global: &GlobalArgs, args: ExecArgs) -> Result<i32> {
    let on_change = parse_on_change(&args.on_change)?;
    let mut env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    let mut opts = InjectOptions::from_env(&env);
    if let Some(problem) = opts.problems.first() {
        return Err(Failure::error(problem.clone()));
    }
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
    if !global.quiet {
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
            Err(exec_failure(program, err))
        }
        Some(interval) => {
            let can_login = !matches!(
                config.vault.effective_auth(),
                None | Some(crate::store::vault::config::AuthMethod::Token)
            );
            let reader = Reader {
                stores,
                config,
                env,
                opts,
                leases,
                program: program.clone(),
                rest: rest.to_vec(),
                interval,
                can_login,
                keeper: None,
                looked_up: false,
                rereads,
            };
            let watch = Watch {
                program,
                rest,
                interval,
                grace: args.grace,
                on_change,
            };
            watch.supervise(reader, resolved).await
        }
    }
}

/// How often daemon mode (`VAULT_ENV_DAEMON` without `--watch`) looks at
/// the token and the leases. A look is a clock comparison; a request is made
/// only when one is due (at half its TTL), so a short tick costs nothing and
/// keeps TTLs of a few seconds alive.
const DAEMON_TICK: Duration = Duration::from_secs(1);

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
                "the Vault token kvault was given expires in {} and cannot be renewed; give kvault credentials to log in with (AppRole, Kubernetes, JWT) to keep reading",
                humantime::format_duration(k.left(now).unwrap_or_default())
            );
            Relogin::No
        }
    }
}

/// The store side of `--watch`: everything a re-read needs. It runs as a
/// task of its own, so that the command's supervision (signals, reaping,
/// the grace period) never waits for a store; it is handed back when done.
struct Reader {
    /// Replaced by a fresh set (a new login) when the token runs out.
    stores: Stores,
    config: StoreConfig,
    /// The environment kvault was given, its credentials dropped.
    env: Vec<(OsString, OsString)>,
    opts: InjectOptions,
    leases: Leases,
    program: OsString,
    rest: Vec<OsString>,
    interval: Duration,
    can_login: bool,
    keeper: Option<TokenKeeper>,
    /// Looked up once per login: a token that may not look itself up (no
    /// `default` policy) is warned about once, not at every tick.
    looked_up: bool,
    /// `--watch`: read everything again at each tick. Without it (daemon
    /// mode), a tick only renews the token and the leases.
    rereads: bool,
}

/// What a job of the reader found.
enum Found {
    /// The first job: the token was looked up.
    Started,
    /// A re-read: the fresh environment, checked for `execve`.
    Fresh(Result<Vec<(OsString, OsString)>>),
    /// Daemon mode: the token and the leases are looked after.
    Kept,
    /// Daemon mode: the command's dynamic credentials cannot be kept alive
    /// (why, one line): the command is to stop.
    Lost(String),
}

impl Reader {
    async fn look_up_token(&mut self) {
        if !self.looked_up && self.stores.vault_if_open().is_some() {
            self.keeper = token_keeper(&self.stores).await;
            self.looked_up = true;
        }
    }

    /// As the command starts: look kvault's token up.
    async fn start(mut self) -> (Self, Found) {
        self.look_up_token().await;
        (self, Found::Started)
    }

    /// Whether ticks have anything to do: always under `--watch`; in daemon
    /// mode only while a token with a TTL or a lease is looked after.
    fn needs_ticks(&self) -> bool {
        self.rereads
            || self
                .keeper
                .as_ref()
                .is_some_and(|k| k.left(Instant::now()).is_some())
            || self.leases.any()
    }

    /// At a tick: re-read (`--watch`) or only renew (daemon mode).
    async fn tick(self) -> (Self, Found) {
        if self.rereads {
            self.reread().await
        } else {
            self.renew().await
        }
    }

    /// Renew kvault's own token if due; whether it must log in again.
    async fn keep_token(&mut self) -> Relogin {
        keep_token(
            &self.stores,
            &mut self.keeper,
            self.interval,
            self.can_login,
        )
        .await
    }

    /// Daemon mode: keep the token and the leases alive; nothing is read
    /// again, as vault-env does not read again.
    async fn renew(mut self) -> (Self, Found) {
        let relogin = self.keep_token().await;
        if relogin == Relogin::Needed {
            if self.leases.any() {
                return (
                    self,
                    Found::Lost(
                        "kvault's Vault token cannot be renewed any further, and the leases of the command's dynamic secrets end with it".into(),
                    ),
                );
            }
            tracing::info!(
                "kvault's Vault token cannot be renewed any further; without --watch nothing needs it"
            );
        }
        if self.leases.any() {
            if let Ok(vault) = self.stores.vault().await {
                if self.leases.renew_due(&vault).await > 0 {
                    return (
                        self,
                        Found::Lost(
                            "a lease of the command's dynamic secrets cannot be renewed".into(),
                        ),
                    );
                }
            }
        }
        (self, Found::Kept)
    }

    /// At a tick: keep the token alive, renew leases, read everything again.
    async fn reread(mut self) -> (Self, Found) {
        let relogin = self.keep_token().await;
        if relogin == Relogin::Needed {
            tracing::info!(
                "logging in to Vault again: the token reached its max TTL or cannot be renewed"
            );
            self.stores = Stores::new(self.config.clone());
            self.looked_up = false;
            // The old token's leases die with it: issue anew.
            self.leases.clear();
        }
        if self.leases.any() {
            if let Ok(vault) = self.stores.vault().await {
                self.leases.renew_due(&vault).await;
            }
        }
        let resolved = resolve(
            &self.stores,
            &self.env,
            &self.opts,
            &self.leases,
            (&self.program, &self.rest),
        )
        .await
        .map(|(env, warnings)| {
            for w in warnings {
                tracing::debug!("{w}");
            }
            env
        });
        self.look_up_token().await;
        (self, Found::Fresh(resolved))
    }
}

/// Where the supervised command stands.
enum State {
    Running,
    /// Sent SIGTERM to be restarted with `next` once it exits; SIGKILL at
    /// `deadline` (`None` once sent).
    Restarting {
        deadline: Option<Instant>,
        next: Vec<(OsString, OsString)>,
    },
    /// A terminating signal was forwarded: kvault exits with the command.
    Stopping {
        deadline: Option<Instant>,
    },
}

/// The signals forwarded to the command.
const FORWARDED: [Signal; 7] = [
    Signal::SIGTERM,
    Signal::SIGINT,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGWINCH,
];

/// Forwarded signals that also end the command: the grace period starts.
fn terminates(signal: Signal) -> bool {
    matches!(signal, Signal::SIGTERM | Signal::SIGINT | Signal::SIGQUIT)
}

/// One task per forwarded signal, all feeding one channel: signals are
/// received whatever the supervisor or the stores are doing.
fn listen(signals: &[Signal]) -> Result<tokio::sync::mpsc::UnboundedReceiver<Signal>> {
    use tokio::signal::unix::{signal, SignalKind};
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    for &sig in signals {
        let mut stream = signal(SignalKind::from_raw(sig as i32))
            .map_err(|e| Failure::error(format!("cannot watch {sig}: {e}")))?;
        let tx = tx.clone();
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                if tx.send(sig).is_err() {
                    break;
                }
            }
        });
    }
    Ok(rx)
}

/// What `--watch` needs to look after the child.
struct Watch<'a> {
    program: &'a std::ffi::OsStr,
    rest: &'a [OsString],
    interval: Duration,
    grace: Duration,
    on_change: OnChange,
}

impl Watch<'_> {
    fn spawn(&self, env: &mut Vec<(OsString, OsString)>) -> Result<supervisor::Command> {
        // On this thread (the runtime's `block_on`, which lives as long as
        // kvault): the command's parent-death signal is tied to it.
        let command = supervisor::Command::spawn(self.program, self.rest, env)
            .map_err(|e| exec_failure(self.program, e));
        wipe_env(env);
        command
    }

    /// `--watch`: run the child, forward signals to it, re-read every
    /// `interval`, and restart or signal it when the resolved values change.
    /// Daemon mode: the same, but a tick only renews (see [`Reader::tick`]).
    /// Returns the child's exit code once it exits on its own or by a
    /// forwarded signal (128 + N when killed by signal N).
    async fn supervise(self, reader: Reader, mut first: Vec<(OsString, OsString)>) -> Result<i32> {
        if let Err(e) = supervisor::become_subreaper() {
            tracing::warn!("cannot become the subreaper of the command's orphans: {e}");
        }
        let mut signals = listen(&FORWARDED)?;
        let mut sigchld = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::child())
            .map_err(|e| Failure::error(format!("cannot watch SIGCHLD: {e}")))?;
        let mut last = digest(&first);
        let mut command = self.spawn(&mut first)?;
        let mut state = State::Running;
        let mut job = Some(tokio::spawn(reader.start()));
        let mut reader: Option<Reader> = None;
        let mut ticker =
            tokio::time::interval_at(tokio::time::Instant::now() + self.interval, self.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let grace = humantime::format_duration(self.grace);
        loop {
            let now = Instant::now();
            if let Some(code) = command.reap(now) {
                match std::mem::replace(&mut state, State::Running) {
                    State::Restarting { mut next, .. } => {
                        command = self.spawn(&mut next)?;
                        continue;
                    }
                    _ => return Ok(code),
                }
            }
            let deadline = match &state {
                State::Restarting { deadline, .. } | State::Stopping { deadline } => *deadline,
                State::Running => None,
            };
            let orphans = command.next_orphan_check();
            let ticking = matches!(state, State::Running)
                && job.is_none()
                && reader.as_ref().is_some_and(Reader::needs_ticks);
            tokio::select! {
                biased;
                Some(sig) = signals.recv() => {
                    tracing::debug!(signal = ?sig, "forwarding signal");
                    command.signal(sig);
                    if terminates(sig) && !matches!(state, State::Stopping { .. }) {
                        // Whatever the stores are doing no longer matters.
                        if let Some(j) = job.take() {
                            j.abort();
                        }
                        if let State::Restarting { next, .. } = &mut state {
                            wipe_env(next);
                        }
                        let by = now + self.grace;
                        state = State::Stopping { deadline: Some(deadline.map_or(by, |d| d.min(by))) };
                    }
                }
                _ = sigchld.recv() => {}
                _ = tokio::time::sleep_until(deadline.unwrap_or(now).into()), if deadline.is_some() => {
                    tracing::warn!("the command did not exit within {grace} of SIGTERM: sending SIGKILL");
                    command.signal(Signal::SIGKILL);
                    match &mut state {
                        State::Restarting { deadline, .. } | State::Stopping { deadline } => *deadline = None,
                        State::Running => {}
                    }
                }
                _ = tokio::time::sleep_until(orphans.unwrap_or(now).into()), if orphans.is_some() => {}
                _ = ticker.tick(), if ticking => {
                    if let Some(r) = reader.take() {
                        job = Some(tokio::spawn(r.tick()));
                    }
                }
                joined = async { job.as_mut().expect("a job").await }, if job.is_some() => {
                    job = None;
                    match joined {
                        Ok((r, found)) => {
                            reader = Some(r);
                            match found {
                                Found::Fresh(fresh) => self.on_fresh(fresh, &mut last, &command, &mut state, now),
                                Found::Lost(why) if matches!(state, State::Running) => {
                                    tracing::warn!("{why}: sending the command SIGTERM (SIGKILL after {grace})");
                                    command.signal(Signal::SIGTERM);
                                    state = State::Stopping { deadline: Some(now + self.grace) };
                                }
                                Found::Started | Found::Kept | Found::Lost(_) => {}
                            }
                        }
                        Err(e) => tracing::error!("re-reading secrets stopped, keeping the running command without re-reads: {e}"),
                    }
                }
            }
        }
    }

    /// A re-read came back: restart or signal the command if anything changed.
    fn on_fresh(
        &self,
        fresh: Result<Vec<(OsString, OsString)>>,
        last: &mut [u8; 32],
        command: &supervisor::Command,
        state: &mut State,
        now: Instant,
    ) {
        let mut fresh = match fresh {
            Ok(fresh) => fresh,
            // A failed re-read keeps the child running on what it has.
            Err(e) => {
                tracing::warn!(
                    "re-reading secrets failed, keeping the running command: {}",
                    e.message
                );
                return;
            }
        };
        let d = digest(&fresh);
        if d == *last {
            wipe_env(&mut fresh);
            return;
        }
        *last = d;
        match self.on_change {
            OnChange::Signal(sig) => {
                tracing::warn!("a secret changed; sending {sig}");
                command.signal(sig);
                wipe_env(&mut fresh);
            }
            OnChange::Restart => {
                tracing::warn!("a secret changed; restarting the command");
                command.signal(Signal::SIGTERM);
                *state = State::Restarting {
                    deadline: Some(now + self.grace),
                    next: fresh,
                };
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
