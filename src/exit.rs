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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    Success = 0,
    No = 1,
    Error = 2,
    /// `kvault rotate`: a concurrent writer won the check-and-set.
    Conflict = 3,
    CannotExecute = 126,
    CommandNotFound = 127,
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
