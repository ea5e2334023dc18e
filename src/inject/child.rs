//! Starting the command under `kvault exec --watch`, with a parent-death
//! signal, so that a kvault killed with SIGKILL (OOM killer, `kill -9`)
//! takes its command with it instead of leaving it running as an orphan.
//!
//! This is the one module of the crate allowed `unsafe`: `pre_exec` runs a
//! closure in the forked child before `execve`, which is unsafe because only
//! async-signal-safe work may happen there.
#![allow(unsafe_code)]

use nix::sys::signal::Signal;
use std::ffi::{OsStr, OsString};
use std::os::unix::process::CommandExt;

/// The signal the command gets when kvault dies: SIGKILL. Once kvault is
/// gone nobody is left to enforce a grace period, and a command that ignores
/// SIGTERM would otherwise run on, orphaned, with secrets kvault can no
/// longer rotate. It is what the kernel does to every process of a PID
/// namespace whose init (kvault as a container's PID 1) dies.
pub const PARENT_DEATH_SIGNAL: Signal = Signal::SIGKILL;

/// Start `program` with exactly `env`, its parent-death signal set to
/// [`PARENT_DEATH_SIGNAL`].
///
/// The parent-death signal fires when the *thread* that forked the child
/// exits, so call this from a thread that lives as long as kvault: the
/// future given to `Runtime::block_on` (the main thread), never from a
/// spawned task or `spawn_blocking`.
pub fn spawn(
    program: &OsStr,
    args: &[OsString],
    env: &[(OsString, OsString)],
) -> std::io::Result<std::process::Child> {
    let parent = nix::unistd::getpid();
    let mut command = std::process::Command::new(program);
    command
        .args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)));
    // SAFETY: the closure runs between fork and execve in the child, where
    // only async-signal-safe calls are allowed. It makes two system calls,
    // prctl(PR_SET_PDEATHSIG) and getppid, both async-signal-safe; it
    // allocates nothing, takes no lock and touches no shared state (the
    // `Errno` and `io::Error::from_raw_os_error` values are plain integers).
    unsafe {
        command.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(PARENT_DEATH_SIGNAL)
                .map_err(|e| std::io::Error::from_raw_os_error(e as i32))?;
            // kvault died between fork and prctl: the signal will never come.
            if nix::unistd::getppid() != parent {
                return Err(std::io::Error::from_raw_os_error(nix::libc::ESRCH));
            }
            Ok(())
        });
    }
    command.spawn()
}
