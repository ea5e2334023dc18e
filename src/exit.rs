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
//! | 130 | interrupted: Ctrl-C at a prompt or after one (128 + SIGINT) |
//!
//! `kvault exec` passes the child's own exit code through once it runs.

use crate::audit::live::AuditError;
use crate::canary::CanaryError;
use crate::inject::InjectError;
use crate::prompt::Interrupted;
use crate::rotate::{Outcome, RotateError};
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
    /// Ctrl-C at a prompt, or after one (see `prompt`).
    Interrupted,
    /// `kvault exec --watch` (and daemon mode): the command's own exit
    /// status, 128 + N when signal N killed it.
    Child(i32),
}

impl Code {
    /// The codes kvault itself chooses, in the order `--help` lists them.
    pub const OWN: [Code; 7] = [
        Code::Success,
        Code::No,
        Code::Error,
        Code::Conflict,
        Code::CannotExecute,
        Code::CommandNotFound,
        Code::Interrupted,
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
            Code::Interrupted => 130,
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
            Code::Interrupted => "interrupted: Ctrl-C at a prompt, or after one (128 + SIGINT)",
            Code::Child(_) => "exec: the command's own exit code, once it runs",
        }
    }

    /// `kvault audit`: findings at or above `--fail-on` are a "no".
    pub fn of_audit(report: &crate::audit::Report) -> Code {
        if report.failed() {
            Code::No
        } else {
            Code::Success
        }
    }

    /// `kvault rotate`: a declined rotation is a "no"; one rolled back, or
    /// rotated with errors on the way, is an error.
    pub fn of_rotation(report: &crate::rotate::Report) -> Result<Code> {
        match report.outcome {
            Outcome::RolledBack => Err(Failure::error(format!(
                "the rotation of `{}` was rolled back: {}",
                report.reference,
                report.reason.as_deref().unwrap_or("?")
            ))),
            Outcome::Declined => Ok(Code::No),
            Outcome::Rotated if !report.errors.is_empty() => Err(Failure::error(format!(
                "`{}` was rotated, but: {}",
                report.reference,
                report.errors.join("; ")
            ))),
            _ => Ok(Code::Success),
        }
    }

    /// `kvault sync`: any target that failed is an error.
    pub fn of_sync(report: &crate::sync::Report) -> Code {
        if report.failed() {
            Code::Error
        } else {
            Code::Success
        }
    }

    /// `kvault status`: a target that cannot be read is an error, one out
    /// of sync a "no".
    pub fn of_status(status: &crate::sync::status::Status) -> Code {
        if status.failed() {
            Code::Error
        } else if status.in_sync {
            Code::Success
        } else {
            Code::No
        }
    }

    /// `kvault diff`: differences are a "no".
    pub fn of_diff(comparison: &crate::store::compare::Comparison) -> Code {
        if comparison.is_equal() {
            Code::Success
        } else {
            Code::No
        }
    }

    /// `kvault doctor`: a failed check is a "no".
    pub fn of_doctor(checks: &[crate::doctor::Check]) -> Code {
        if crate::doctor::failed(checks) {
            Code::No
        } else {
            Code::Success
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

    /// `exec`: `program` could not be run (127 when it was not found).
    pub fn exec(program: &std::ffi::OsStr, err: std::io::Error) -> Self {
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

    /// The same message, but exit 2 even for something that does not
    /// exist (`kvault diff`, as diff(1) treats a missing file).
    pub fn as_error(mut self) -> Self {
        self.code = Code::Error;
        self
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

impl From<Interrupted> for Failure {
    fn from(e: Interrupted) -> Self {
        Failure::new(Code::Interrupted, e.to_string())
    }
}

impl From<RotateError> for Failure {
    fn from(e: RotateError) -> Self {
        match e {
            RotateError::Conflict(message) => Failure::new(Code::Conflict, message),
            RotateError::Store(e) => Failure::from(e),
            RotateError::Interrupted(e) => Failure::from(e),
            other => Failure::error(other.to_string()),
        }
    }
}

impl From<CanaryError> for Failure {
    fn from(e: CanaryError) -> Self {
        match e {
            CanaryError::Store(s) => Failure::from(s),
            CanaryError::Timeout { .. } => Failure::no(e.to_string()),
            other => Failure::error(other.to_string()),
        }
    }
}

impl From<InjectError> for Failure {
    /// A "no" only when every reference failed for want of its secret.
    fn from(e: InjectError) -> Self {
        let code = if e.missing { Code::No } else { Code::Error };
        Failure::new(code, e.to_string())
    }
}

impl From<AuditError> for Failure {
    fn from(e: AuditError) -> Self {
        Failure::error(e.to_string())
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
    fn ctrl_c_at_a_prompt_exits_130_as_a_shell_reports_sigint() {
        let failure = Failure::from(Interrupted);
        assert_eq!(failure.code, Code::Interrupted);
        assert_eq!(failure.code.value(), 128 + 2);
        assert!(help().contains("130 "), "{}", help());
    }

    #[test]
    fn a_rotation_conflict_exits_3_and_a_store_error_keeps_its_code() {
        let conflict = Failure::from(RotateError::Conflict("changed".into()));
        assert_eq!(
            (conflict.code, conflict.message.as_str()),
            (Code::Conflict, "changed")
        );
        let invalid = Failure::from(RotateError::Invalid("bad".into()));
        assert_eq!(invalid.code, Code::Error);
    }

    #[test]
    fn a_canary_that_did_not_arrive_is_a_no() {
        let timeout = CanaryError::Timeout {
            target: "k8s:ns/a".into(),
            waited: std::time::Duration::from_secs(1),
            last_seen: "nothing".into(),
        };
        assert_eq!(Failure::from(timeout).code, Code::No);
        let foreign = CanaryError::NotACanary("local:a".into());
        assert_eq!(Failure::from(foreign).code, Code::Error);
    }

    #[test]
    fn a_command_that_cannot_be_found_is_127_one_that_cannot_run_126() {
        let program = std::ffi::OsStr::new("nope");
        let not_found = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(Failure::exec(program, not_found).code.value(), 127);
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(Failure::exec(program, denied).code.value(), 126);
    }

    #[test]
    fn a_child_status_passes_through_unchanged() {
        assert_eq!(Code::Child(0).value(), 0);
        assert_eq!(Code::Child(7).value(), 7);
        assert_eq!(Code::Child(128 + 15).value(), 143);
    }
}
