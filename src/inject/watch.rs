//! The supervisor behind `kvault exec --watch` and vault-env's daemon mode
//! (`VAULT_ENV_DAEMON`): kvault stays the command's parent, forwards its
//! signals, reaps orphans, keeps its own token and the leases of dynamic
//! secrets alive, and (`--watch`) reads everything again at each tick to
//! restart or signal the command when a value changed.
//!
//! Two halves that never wait for each other: the [`Reader`] (the stores:
//! re-reads, renewals, re-logins) runs as a task of its own, handed back
//! after each job, while [`Watch::supervise`] answers signals, the child's
//! exit and the grace period at once.

use super::token::{TokenAction, TokenKeeper};
use super::{limits, resolve_env, scrub, supervisor, InjectOptions, Leases};
use crate::exit::{Code, Failure, Result};
use crate::store::{StoreConfig, Stores};
use nix::sys::signal::Signal;
use sha2::{Digest, Sha256};
use std::ffi::{OsStr, OsString};
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
pub async fn resolve(
    stores: &Stores,
    env: &[(OsString, OsString)],
    opts: &InjectOptions,
    leases: &Leases,
    command: (&OsStr, &[OsString]),
) -> Result<(Vec<(OsString, OsString)>, Vec<String>)> {
    let injected = resolve_env(env, stores, opts, leases)
        .await
        .map_err(Failure::from)?;
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
pub fn wipe_env(env: &mut Vec<(OsString, OsString)>) {
    for (_, value) in env.iter_mut() {
        scrub::wipe(value);
    }
    env.clear();
}

/// How often daemon mode (`VAULT_ENV_DAEMON` without `--watch`) looks at
/// the token and the leases. A look is a clock comparison; a request is made
/// only when one is due (at half its TTL), so a short tick costs nothing and
/// keeps TTLs of a few seconds alive.
pub const DAEMON_TICK: Duration = Duration::from_secs(1);

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

/// The command to supervise and how.
pub struct Supervised<'a> {
    pub program: &'a OsStr,
    pub rest: &'a [OsString],
    /// Between re-reads (`--watch`) or looks at the token and the leases
    /// (daemon mode, [`DAEMON_TICK`]).
    pub interval: Duration,
    /// From SIGTERM to SIGKILL.
    pub grace: Duration,
    pub on_change: OnChange,
    /// `--watch`: read everything again at each tick. Daemon mode: only renew.
    pub rereads: bool,
}

/// What the re-reads start from: the stores kvault opened for the first
/// read, and the environment and options it was given.
pub struct Session {
    pub stores: Stores,
    pub config: StoreConfig,
    /// kvault's environment, its credentials dropped.
    pub env: Vec<(OsString, OsString)>,
    pub opts: InjectOptions,
    pub leases: Leases,
}

/// Start the command with `first` (the resolved environment, wiped once
/// handed over) and look after it until it exits: its exit code (128 + N
/// when killed by signal N).
pub async fn supervise(
    what: Supervised<'_>,
    session: Session,
    first: Vec<(OsString, OsString)>,
) -> Result<Code> {
    let can_login = !matches!(
        session.config.vault.effective_auth(),
        None | Some(crate::store::vault::config::AuthMethod::Token)
    );
    let reader = Reader {
        stores: session.stores,
        config: session.config,
        env: session.env,
        opts: session.opts,
        leases: session.leases,
        program: what.program.to_os_string(),
        rest: what.rest.to_vec(),
        interval: what.interval,
        can_login,
        keeper: None,
        looked_up: false,
        rereads: what.rereads,
    };
    let watch = Watch {
        program: what.program,
        rest: what.rest,
        interval: what.interval,
        grace: what.grace,
        on_change: what.on_change,
    };
    watch.supervise(reader, first).await
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

impl State {
    /// SIGKILL was sent: no deadline any more.
    fn killed(&mut self) {
        match self {
            State::Restarting { deadline, .. } | State::Stopping { deadline } => *deadline = None,
            State::Running => {}
        }
    }
}

/// A job of the reader, running on a task of its own.
type Job = tokio::task::JoinHandle<(Reader, Found)>;

/// The signals forwarded to the command: every one a process can be sent
/// and catch, as vault-env's daemon mode forwards them, except
/// - SIGCHLD, which is kvault's own (its children exiting);
/// - SIGPIPE, which the kernel raises in kvault when kvault writes to a
///   closed pipe: forwarded, it would kill a command that did nothing;
/// - the fault signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT,
///   SIGSYS), which are about kvault's own code;
/// - the real-time signals (none of the apps vault-env fronts use them);
/// - the job-control stops SIGTSTP, SIGTTIN and SIGTTOU, left at their
///   default as tini leaves SIGTTIN and SIGTTOU: Ctrl-Z in a terminal stops
///   kvault and the command together (the terminal signals the whole
///   process group, the command included), and the shell gets its prompt
///   back; caught, kvault would run on and the shell would wait for it.
const FORWARDED: [Signal; 15] = [
    Signal::SIGTERM,
    Signal::SIGINT,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGWINCH,
    Signal::SIGALRM,
    Signal::SIGCONT,
    Signal::SIGURG,
    Signal::SIGIO,
    Signal::SIGPWR,
    Signal::SIGPROF,
    Signal::SIGVTALRM,
    Signal::SIGXCPU,
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
            .map_err(|e| Failure::exec(self.program, e));
        wipe_env(env);
        command
    }

    /// `--watch`: run the child, forward signals to it, re-read every
    /// `interval`, and restart or signal it when the resolved values change.
    /// Daemon mode: the same, but a tick only renews (see [`Reader::tick`]).
    /// Returns the child's exit code once it exits on its own or by a
    /// forwarded signal (128 + N when killed by signal N).
    async fn supervise(self, reader: Reader, mut first: Vec<(OsString, OsString)>) -> Result<Code> {
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
                    _ => return Ok(Code::Child(code)),
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
                    self.forward(sig, &command, &mut state, &mut job, deadline, now);
                }
                _ = sigchld.recv() => {}
                _ = tokio::time::sleep_until(deadline.unwrap_or(now).into()), if deadline.is_some() => {
                    tracing::warn!("the command did not exit within {grace} of SIGTERM: sending SIGKILL");
                    command.signal(Signal::SIGKILL);
                    state.killed();
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
                            self.on_found(found, &mut last, &command, &mut state, now);
                        }
                        Err(e) => tracing::error!("re-reading secrets stopped, keeping the running command without re-reads: {e}"),
                    }
                }
            }
        }
    }

    /// Forward a signal; a terminating one starts the grace period and
    /// abandons whatever the stores are doing.
    fn forward(
        &self,
        sig: Signal,
        command: &supervisor::Command,
        state: &mut State,
        job: &mut Option<Job>,
        deadline: Option<Instant>,
        now: Instant,
    ) {
        tracing::debug!(signal = ?sig, "forwarding signal");
        command.signal(sig);
        if terminates(sig) && !matches!(state, State::Stopping { .. }) {
            if let Some(j) = job.take() {
                j.abort();
            }
            if let State::Restarting { next, .. } = state {
                wipe_env(next);
            }
            let by = now + self.grace;
            *state = State::Stopping {
                deadline: Some(deadline.map_or(by, |d| d.min(by))),
            };
        }
    }

    /// A job of the reader is done: act on what it found.
    fn on_found(
        &self,
        found: Found,
        last: &mut [u8; 32],
        command: &supervisor::Command,
        state: &mut State,
        now: Instant,
    ) {
        match found {
            Found::Fresh(fresh) => self.on_fresh(fresh, last, command, state, now),
            Found::Lost(why) if matches!(state, State::Running) => {
                tracing::warn!(
                    "{why}: sending the command SIGTERM (SIGKILL after {})",
                    humantime::format_duration(self.grace)
                );
                command.signal(Signal::SIGTERM);
                *state = State::Stopping {
                    deadline: Some(now + self.grace),
                };
            }
            Found::Started | Found::Kept | Found::Lost(_) => {}
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
