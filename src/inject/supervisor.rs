//! The process side of `kvault exec --watch`: kvault as the command's parent
//! (and often a container's PID 1) the way tini is one.
//!
//! - kvault makes itself a child subreaper, so processes the command leaves
//!   behind (orphans) are re-parented to kvault rather than to init, and it
//!   reaps them: no zombies pile up when kvault is PID 1.
//! - The command's own exit status is collected by its PID, so it is never
//!   lost to the reaper.
//! - Other children of kvault itself (a kubeconfig `exec` credential plugin
//!   run by a store, waited for by its own thread) are left to their waiter:
//!   a zombie that is not the command is reaped only once it has stayed a
//!   zombie for [`ORPHAN_GRACE`], which a waiting thread never lets happen.

use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitid, waitpid, Id, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::time::{Duration, Instant};

/// How long a zombie that is not the command is left to a thread of kvault
/// that may be waiting for it, before kvault reaps it as an orphan.
pub const ORPHAN_GRACE: Duration = Duration::from_secs(1);

/// Make kvault the subreaper of everything the command starts. Harmless
/// when kvault is PID 1 already (init reaps anyway) and when nothing is
/// orphaned.
pub fn become_subreaper() -> nix::Result<()> {
    nix::sys::prctl::set_child_subreaper(true)
}

/// Make kvault non-dumpable: no core dump, and `/proc/<pid>/environ`,
/// `/proc/<pid>/mem` and ptrace closed to everything without
/// `CAP_SYS_PTRACE`, the command (same user) included. `execve` resets it
/// for the command.
pub fn become_non_dumpable() -> nix::Result<()> {
    nix::sys::prctl::set_dumpable(false)
}

/// The supervised command.
#[derive(Debug)]
pub struct Command {
    pid: Pid,
    /// Zombies that are not the command, and when they were first seen.
    zombies: HashMap<Pid, Instant>,
}

impl Command {
    /// Start `program` (see [`super::child::spawn`] for the thread to call
    /// this from).
    pub fn spawn(
        program: &OsStr,
        args: &[OsString],
        env: &[(OsString, OsString)],
    ) -> std::io::Result<Command> {
        let child = super::child::spawn(program, args, env)?;
        let pid = Pid::from_raw(child.id() as i32);
        // Dropping a std `Child` neither waits nor kills: the status is
        // collected by `reap`.
        drop(child);
        Ok(Command {
            pid,
            zombies: HashMap::new(),
        })
    }

    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Send `signal` to the command (not yet reaped, so the PID is still its).
    pub fn signal(&self, signal: Signal) {
        let _ = kill(self.pid, signal);
    }

    /// Collect what has exited: the command's exit code if it exited (128 +
    /// N when killed by signal N), and orphans past [`ORPHAN_GRACE`].
    pub fn reap(&mut self, now: Instant) -> Option<i32> {
        let mut code = None;
        loop {
            match waitpid(self.pid, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(_, c)) => code = Some(c),
                Ok(WaitStatus::Signaled(_, s, _)) => code = Some(128 + s as i32),
                // Gone without us (cannot happen: only we wait for it).
                Err(nix::errno::Errno::ECHILD) => code = Some(128 + Signal::SIGKILL as i32),
                _ => {}
            }
            if code.is_some() {
                break;
            }
            // Look at the next exited child without reaping it.
            let peek = waitid(
                Id::All,
                WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT,
            );
            let Some(pid) = peek.ok().and_then(|s| s.pid()) else {
                break;
            };
            if pid == self.pid {
                continue;
            }
            let first = *self.zombies.entry(pid).or_insert(now);
            if now.duration_since(first) < ORPHAN_GRACE {
                // Maybe a thread of kvault is about to wait for it; it also
                // hides the zombies behind it until then.
                break;
            }
            if let Ok(status) = waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
                tracing::debug!(pid = pid.as_raw(), ?status, "reaped an orphan");
            }
            self.zombies.remove(&pid);
        }
        // Forget zombies reaped by someone else.
        self.zombies
            .retain(|pid, _| std::path::Path::new(&format!("/proc/{pid}")).exists());
        code
    }

    /// When to look at the zombies again, if any is waiting for its grace.
    pub fn next_orphan_check(&self) -> Option<Instant> {
        self.zombies.values().min().map(|t| *t + ORPHAN_GRACE)
    }
}
