//! What kvault asks of a person at a terminal: a value typed without echo
//! (as `read -s` and `op` read one), and a yes/no confirmation that leaves
//! the terminal as it found it even when answered with Ctrl-C.

use std::io::{IsTerminal, Read};
use zeroize::Zeroizing;

/// The value for `what` (e.g. "the value of `password`"): typed without echo
/// after a prompt on stderr when stdin is a terminal, else all of stdin less
/// one trailing newline (`echo VALUE |` adds it; it is not part of the value).
pub fn secret_value(what: &str) -> std::io::Result<Zeroizing<Vec<u8>>> {
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        restore_terminal_on_ctrl_c();
        let typed = dialoguer::Password::new()
            .with_prompt(format!("{what} (not shown)"))
            .allow_empty_password(true)
            .interact()
            .map_err(|e| match e {
                dialoguer::Error::IO(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                    interrupted()
                }
                other => std::io::Error::other(other),
            })?;
        return Ok(Zeroizing::new(typed.into_bytes()));
    }
    let mut bytes = Zeroizing::new(Vec::new());
    std::io::stdin().read_to_end(&mut bytes)?;
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    Ok(bytes)
}

/// Ask `question?` on stderr; `false` unless the answer is yes. Ctrl-C ends
/// kvault with 130, the cursor shown again.
pub fn confirm(question: &str) -> bool {
    restore_terminal_on_ctrl_c();
    let answer = dialoguer::Confirm::new()
        .with_prompt(format!("{question}?"))
        .default(false)
        .interact();
    // dialoguer hides the cursor while it asks; make sure it is back.
    let _ = console::Term::stderr().show_cursor();
    match answer {
        Ok(yes) => yes,
        // In raw mode Ctrl-C is a key, not SIGINT: the same as the signal.
        Err(dialoguer::Error::IO(e)) if e.kind() == std::io::ErrorKind::Interrupted => {
            interrupted()
        }
        Err(_) => false,
    }
}

/// Ctrl-C at a prompt: cursor shown, echo on, a new line, exit 130 (128 +
/// SIGINT), as a shell would leave it.
fn interrupted() -> ! {
    let term = console::Term::stderr();
    let _ = term.show_cursor();
    // `stty echo` is what the shell would do; console has no call for it,
    // and the Password prompt may have turned echo off.
    let _ = std::process::Command::new("stty")
        .arg("echo")
        .stdin(std::fs::File::open("/dev/tty").map_or(std::process::Stdio::null(), Into::into))
        .status();
    let _ = term.write_line("");
    std::process::exit(130)
}

/// dialoguer hides the cursor and turns echo off while it asks; SIGINT would
/// end the process before it restores them. From the first prompt on, Ctrl-C
/// shows the cursor, turns echo back on and exits 130 (128 + SIGINT).
fn restore_terminal_on_ctrl_c() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupted();
            }
        });
    });
}
