//! What the kernel's `execve` accepts, checked before kvault runs the
//! command, so that a secret too large for an environment variable (or one
//! holding a NUL byte) fails with a line naming the variable instead of
//! "cannot run `sh`: Argument list too long" (exit 126). Pure: the limit is
//! passed in.
//!
//! Linux limits each argument and each `NAME=value` string to
//! `MAX_ARG_STRLEN` (32 pages: 131072 bytes with 4 KiB pages, the final NUL
//! included), and all of them together, with one pointer each, to a quarter
//! of the stack limit (`sysconf(_SC_ARG_MAX)`, 2 MiB with the usual 8 MiB
//! stack). kvault keeps [`HEADROOM`] of that for what else `execve` puts
//! there (the file name, the auxiliary vector).

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

/// The kernel's `MAX_ARG_STRLEN` with 4 KiB pages.
pub const MAX_ARG_STRLEN: usize = 131_072;

/// Bytes of `ARG_MAX` kept free for the file name and auxiliary vector.
pub const HEADROOM: usize = 4096;

/// `sysconf(_SC_ARG_MAX)`, or the POSIX minimum the kernel always allows.
pub fn arg_max() -> usize {
    nix::unistd::sysconf(nix::unistd::SysconfVar::ARG_MAX)
        .ok()
        .flatten()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(MAX_ARG_STRLEN)
}

/// Why the command cannot be given this environment.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("`{var}` cannot be passed to the command: its value holds a NUL byte, which an environment variable cannot carry")]
    Nul { var: String },
    #[error("`{var}` cannot be passed to the command: its name holds `=` or a NUL byte")]
    BadName { var: String },
    #[error("`{var}` cannot be passed to the command: it is {size} bytes, and the kernel takes at most {MAX_ARG_STRLEN} for one variable (MAX_ARG_STRLEN, `NAME=` and the final NUL included)")]
    TooLong { var: String, size: usize },
    #[error("the command's environment cannot be passed: with its arguments it takes {total} bytes, more than the {bound} the kernel allows (ARG_MAX {arg_max} less {HEADROOM} of headroom); the largest variable is `{largest}` ({largest_size} bytes)")]
    TooLarge {
        total: usize,
        bound: usize,
        arg_max: usize,
        largest: String,
        largest_size: usize,
    },
}

/// Check that `execve(program, args, env)` will take this environment;
/// `arg_max` is [`arg_max`]. Never looks at a value beyond its size and
/// whether it holds a NUL byte.
pub fn check(
    program: &OsStr,
    args: &[OsString],
    env: &[(OsString, OsString)],
    arg_max: usize,
) -> Result<(), LimitError> {
    let pointer = std::mem::size_of::<usize>();
    // argv[0] is the program as given; one pointer each, and the NULL ends.
    let mut total = (args.len() + 2) * pointer
        + std::iter::once(program)
            .chain(args.iter().map(OsString::as_os_str))
            .map(|a| a.len() + 1)
            .sum::<usize>();
    let mut largest: Option<(&OsStr, usize)> = None;
    for (name, value) in env {
        let var = || name.to_string_lossy().into_owned();
        if name.is_empty() || name.as_bytes().iter().any(|b| *b == b'=' || *b == 0) {
            return Err(LimitError::BadName { var: var() });
        }
        if value.as_bytes().contains(&0) {
            return Err(LimitError::Nul { var: var() });
        }
        let size = name.len() + 1 + value.len() + 1;
        if size > MAX_ARG_STRLEN {
            return Err(LimitError::TooLong { var: var(), size });
        }
        if largest.is_none_or(|(_, s)| size > s) {
            largest = Some((name, size));
        }
        total += size + pointer;
    }
    total += pointer;
    let bound = arg_max.saturating_sub(HEADROOM);
    if total > bound {
        let (largest, largest_size) = largest.unwrap_or((OsStr::new(""), 0));
        return Err(LimitError::TooLarge {
            total,
            bound,
            arg_max,
            largest: largest.to_string_lossy().into_owned(),
            largest_size,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStringExt;

    const ARG_MAX: usize = 2 * 1024 * 1024;

    fn env(pairs: Vec<(&str, Vec<u8>)>) -> Vec<(OsString, OsString)> {
        pairs
            .into_iter()
            .map(|(k, v)| (k.into(), OsString::from_vec(v)))
            .collect()
    }

    fn check_env(e: &[(OsString, OsString)]) -> Result<(), LimitError> {
        check(OsStr::new("sh"), &["-c".into(), "true".into()], e, ARG_MAX)
    }

    #[test]
    fn an_ordinary_environment_passes() {
        let e = env(vec![("A", b"1".to_vec()), ("PATH", b"/bin".to_vec())]);
        assert_eq!(check_env(&e), Ok(()));
    }

    #[test]
    fn a_value_with_a_nul_byte_is_refused_naming_the_variable_not_the_value() {
        let e = env(vec![("DB_PASS", b"sec\0ret-value".to_vec())]);
        let err = check_env(&e).unwrap_err();
        assert_eq!(
            err,
            LimitError::Nul {
                var: "DB_PASS".into()
            }
        );
        assert!(!err.to_string().contains("ret-value"));
    }

    #[test]
    fn one_variable_may_take_max_arg_strlen_with_its_name_and_nul_and_no_more() {
        // "BIG=" + value + NUL == 131072 exactly.
        let fits = env(vec![("BIG", vec![b'x'; MAX_ARG_STRLEN - 5])]);
        assert_eq!(check_env(&fits), Ok(()));
        let over = env(vec![("BIG", vec![b'x'; MAX_ARG_STRLEN - 4])]);
        assert_eq!(
            check_env(&over),
            Err(LimitError::TooLong {
                var: "BIG".into(),
                size: MAX_ARG_STRLEN + 1
            })
        );
    }

    #[test]
    fn the_whole_environment_must_fit_arg_max_less_the_arguments_and_headroom() {
        let e: Vec<(OsString, OsString)> = (0..20)
            .map(|i| {
                (
                    OsString::from(format!("V{i:02}")),
                    OsString::from_vec(vec![b'x'; 110_000 + i]),
                )
            })
            .collect();
        let Err(LimitError::TooLarge {
            total,
            bound,
            largest,
            ..
        }) = check_env(&e)
        else {
            panic!("accepted")
        };
        assert!(total > bound && bound == ARG_MAX - HEADROOM);
        assert_eq!(largest, "V19");
        assert_eq!(check(OsStr::new("sh"), &[], &e[..10], ARG_MAX), Ok(()));
    }

    #[test]
    fn names_with_an_equals_sign_or_nul_are_refused() {
        let e = env(vec![("A=B", b"x".to_vec())]);
        assert!(matches!(check_env(&e), Err(LimitError::BadName { .. })));
    }

    #[test]
    fn arg_max_is_at_least_the_posix_minimum() {
        assert!(arg_max() >= MAX_ARG_STRLEN);
    }
}
