//! What kvault asks of a person at a terminal: a value typed without echo
//! (as `read -s` and `op` read one), and a yes/no confirmation that leaves
//! the terminal as it found it even when answered with Ctrl-C.
//!
//! Ctrl-C at a prompt is [`Interrupted`], an error like any other on its
//! way up to `lib::run`, which exits 130 (128 + SIGINT). A prompt runs on
//! its own thread so that the caller can stop waiting for it when SIGINT
//! comes; from the first prompt on, SIGINT is kvault's to handle (see
//! [`interrupted`]).

use std::io::{IsTerminal, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use zeroize::Zeroizing;

/// Ctrl-C at a prompt, or after one: kvault stops and exits 130.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// The value for `what` (e.g. "the value of `password`"): typed without echo
/// after a prompt on stderr when stdin is a terminal, else all of stdin less
/// one trailing newline (`echo VALUE |` adds it; it is not part of the value).
pub fn secret_value(what: &str) -> Result<std::io::Result<Zeroizing<Vec<u8>>>, Interrupted> {
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        let prompt = format!("{what} (not shown)");
        let typed = ask(move || {
            dialoguer::Password::new()
                .with_prompt(prompt)
                .allow_empty_password(true)
                .interact()
        })?;
        return Ok(typed
            .map(|t| Zeroizing::new(t.into_bytes()))
            .map_err(std::io::Error::other));
    }
    let mut bytes = Zeroizing::new(Vec::new());
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        return Ok(Err(e));
    }
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    Ok(Ok(bytes))
}

/// Ask `question?` on stderr; `false` unless the answer is yes. Ctrl-C is
/// [`Interrupted`], the cursor shown again.
pub fn confirm(question: &str) -> Result<bool, Interrupted> {
    let prompt = format!("{question}?");
    let answer = ask(move || {
        dialoguer::Confirm::new()
            .with_prompt(prompt)
            .default(false)
            .interact()
    });
    // dialoguer hides the cursor while it asks; make sure it is back.
    let _ = console::Term::stderr().show_cursor();
    Ok(answer?.unwrap_or(false))
}

/// Resolves once SIGINT has come after a prompt (see [`watch_ctrl_c`]), for
/// `lib::run` to stop the command: kvault ignores SIGINT's default from then
/// on, so it has to end the run itself.
pub async fn interrupted() {
    // Before the first prompt nothing notifies: SIGINT has its default.
    let notify = CTRL_C.get_or_init(tokio::sync::Notify::new);
    let notified = notify.notified();
    tokio::pin!(notified);
    notified.as_mut().enable();
    if INTERRUPTED.load(Ordering::SeqCst) {
        return;
    }
    notified.await
}

/// Whether Ctrl-C has come since the first prompt.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Woken on that Ctrl-C.
static CTRL_C: std::sync::OnceLock<tokio::sync::Notify> = std::sync::OnceLock::new();

/// Run `prompt` on its own thread and wait for its answer, or for Ctrl-C.
/// In raw mode (a confirmation) Ctrl-C is a key that dialoguer answers with
/// an `Interrupted` error; at a password prompt it is SIGINT, and the
/// prompt's thread is left blocked in its read until kvault exits.
fn ask<T: Send + 'static>(
    prompt: impl FnOnce() -> dialoguer::Result<T> + Send + 'static,
) -> Result<dialoguer::Result<T>, Interrupted> {
    watch_ctrl_c();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(prompt());
    });
    loop {
        if INTERRUPTED.load(Ordering::SeqCst) {
            return Err(Interrupted);
        }
        match rx.recv_timeout(Duration::from_millis(20)) {
            Ok(Err(dialoguer::Error::IO(e))) if e.kind() == std::io::ErrorKind::Interrupted => {
                restore_terminal();
                return Err(Interrupted);
            }
            Ok(answer) => return Ok(answer),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Ok(Err(dialoguer::Error::IO(std::io::Error::other(
                    "the prompt ended without an answer",
                ))))
            }
        }
    }
}

/// dialoguer hides the cursor and turns echo off while it asks; SIGINT's
/// default would end the process before it restores them. From the first
/// prompt on, SIGINT restores them and marks the run [`Interrupted`].
fn watch_ctrl_c() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let notify = CTRL_C.get_or_init(tokio::sync::Notify::new);
        runtime.spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                restore_terminal();
                INTERRUPTED.store(true, Ordering::SeqCst);
                notify.notify_waiters();
            }
        });
    });
}

/// Cursor shown, echo on, a new line, as a shell would leave the terminal;
/// once, however many ways the interruption is noticed.
fn restore_terminal() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let term = console::Term::stderr();
        let _ = term.show_cursor();
        // `stty echo` is what the shell would do; console has no call for
        // it, and the Password prompt may have turned echo off.
        let _ = std::process::Command::new("stty")
            .arg("echo")
            .stdin(std::fs::File::open("/dev/tty").map_or(std::process::Stdio::null(), Into::into))
            .status();
        let _ = term.write_line("");
    });
}
