//! Exit codes and the one error type commands return. `main` prints the
//! message once and exits with the code.
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | success |
//! | 1 | the answer is "no": a reference or secret that does not exist, audit findings at or above `--fail-on`, `kvault status` not in sync |
//! | 2 | error: usage, configuration, unreachable or sealed store, permission denied, CAS conflict, corrupt data |
//! | 3 | `kvault rotate`: check-and-set conflict, another writer changed the secret; nothing was changed, run again |
//! | 126/127 | `kvault exec`: the command cannot be run / was not found |
//!
//! `kvault exec` passes the child's own exit code through once it runs.

use crate::store::reference::ReferenceError;
use crate::store::StoreError;

/// How kvault exits: decided here alone, returned by every command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    Success,
    No,
    Error,
    /// `kvault rotate`: a concurrent writer won the check-and-set.
    Conflict,
    CannotExecute,
    CommandNotFound,
    /// `kvault exec --watch` (and daemon mode): the command's own exit
    /// status, 128 + N when signal N killed it.
    Child(i32),
}

impl Code {
    /// The codes kvault itself chooses, in the order `--help` lists them.
    pub const OWN: [Code; 6] = [
        Code::Success,
        Code::No,
        Code::Error,
        Code::Conflict,
        Code::CannotExecute,
        Code::CommandNotFound,
    ];

    /// The process exit status.
    pub fn value(self) -> i32 {
        match self {
            Code::Success => 0,
            Code::No => 1,
            Code::Error => 2,
            Code::Conflict => 3,
            Code::CannotExecute => 126,
            Code::CommandNotFound => 127,
            Code::Child(status) => status,
        }
    }

    /// What the code means, for `--help` (continuation lines indented).
    fn meaning(self) -> &'static str {
        match self {
            Code::Success => "success",
            Code::No => "the answer is \"no\": a secret or key that does not exist, audit findings at or above --fail-on, kvault status not all in sync, kvault diff found differences, a kvault doctor check failed",
            Code::Error => "error: usage, configuration, unreachable or sealed store, permission denied, CAS conflict,\n       kvault diff: a secret that does not exist",
            Code::Conflict => "rotate: check-and-set conflict, another writer changed the secret (nothing was changed)",
            Code::CannotExecute => "exec: the command cannot be run",
            Code::CommandNotFound => "exec: the command was not found",
            Code::Child(_) => "exec: the command's own exit code, once it runs",
        }
    }
}

/// The "Exit codes:" section of `kvault --help`, from [`Code`].
pub fn help() -> String {
    let mut text = String::from("Exit codes:\n");
    for code in Code::OWN {
        text.push_str(&format!("  {:<4} {}\n", code.value(), code.meaning()));
    }
    text.push_str("`kvault exec` passes the child's exit code through once the child runs.\n");
    text
}

/// A failure on its way to the user: a message (lowercase, naming what and
/// where, with an optional `help:` line) and an exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub code: Code,
    pub message: String,
}

impl Failure {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }

    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Code::Error, message)
    }

    pub fn no(message: impl Into<String>) -> Self {
        Self::new(Code::No, message)
    }

    /// Put what was being attempted in front of the message.
    pub fn context(mut self, what: impl std::fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        let code = if e.is_not_found() {
            Code::No
        } else {
            Code::Error
        };
        Failure::new(code, e.to_string())
    }
}

impl From<ReferenceError> for Failure {
    fn from(e: ReferenceError) -> Self {
        Failure::error(format!("invalid reference: {e}"))
    }
}

pub type Result<T, E = Failure> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_kvault_chooses_is_distinct_and_listed_in_the_help() {
        let help = help();
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::OWN {
            assert!(seen.insert(code.value()), "{code:?} shares its value");
            assert!(
                help.lines()
                    .any(|l| l.trim_start().starts_with(&format!("{} ", code.value()))),
                "{code:?} missing from:\n{help}"
            );
        }
    }

    #[test]
    fn a_child_status_passes_through_unchanged() {
        assert_eq!(Code::Child(0).value(), 0);
        assert_eq!(Code::Child(7).value(), 7);
        assert_eq!(Code::Child(128 + 15).value(), 143);
    }
}
