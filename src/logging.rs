//! Diagnostics on stderr through `tracing`. Only kvault's own events are
//! shown: dependencies (HTTP clients) may log request bodies at trace level,
//! and a request body can hold a secret value.
//!
//! `kvault exec` also reads vault-env's logging variables ([`ExecLog`]):
//! `VAULT_LOG_LEVEL` and `VAULT_JSON_LOG`. They apply to `exec` only (their
//! names are vault-env's, and a shell that exports them for a pod should not
//! change what `kvault get` prints); `-v`/`-q` win over `VAULT_LOG_LEVEL`.
//! Whatever the format, diagnostics go to stderr, never to stdout, which is
//! the command's (vault-env writes its info and debug lines to stdout).

use crate::cli::GlobalArgs;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

/// vault-env's logging settings, as `kvault exec` reads them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecLog {
    /// `VAULT_JSON_LOG`: one JSON object per line.
    pub json: bool,
    /// `VAULT_LOG_LEVEL`, when set.
    pub level: Option<LevelFilter>,
}

impl ExecLog {
    /// Read from `get` (the environment). A value that is present but
    /// unusable is a one-line problem naming the variable; what could be
    /// read is kept, so the problem itself is reported in the asked format.
    pub fn from(get: impl Fn(&str) -> Option<String>) -> (ExecLog, Vec<String>) {
        let mut problems = Vec::new();
        let value = |name: &str| get(name).filter(|v| !v.is_empty());
        let json = match value("VAULT_JSON_LOG") {
            Some(v) => crate::store::vault::config::parse_bool("VAULT_JSON_LOG", &v)
                .unwrap_or_else(|p| {
                    problems.push(p);
                    false
                }),
            None => false,
        };
        let level = value("VAULT_LOG_LEVEL").and_then(|v| {
            parse_level("VAULT_LOG_LEVEL", &v)
                .map_err(|p| problems.push(p))
                .ok()
        });
        (ExecLog { json, level }, problems)
    }

    /// From the process environment.
    pub fn from_env() -> (ExecLog, Vec<String>) {
        ExecLog::from(|name| std::env::var(name).ok())
    }
}

/// A level as vault-env's loggers name them (logrus and Go's slog), in any
/// case: trace, debug, info, warn or warning, error; fatal and panic (logrus
/// levels above error) are error, the highest kvault has. Anything else is
/// refused: vault-env falls back to info silently, which hides a typo.
pub fn parse_level(name: &str, text: &str) -> Result<LevelFilter, String> {
    match text.to_ascii_lowercase().as_str() {
        "trace" => Ok(LevelFilter::TRACE),
        "debug" => Ok(LevelFilter::DEBUG),
        "info" => Ok(LevelFilter::INFO),
        "warn" | "warning" => Ok(LevelFilter::WARN),
        "error" | "fatal" | "panic" => Ok(LevelFilter::ERROR),
        _ => Err(format!(
            "{name}=`{text}` is not a log level (trace, debug, info, warn, error, fatal, panic)"
        )),
    }
}

/// The level of kvault's diagnostics: `-q` or `-v...` if given, else
/// `VAULT_LOG_LEVEL` (exec), else warnings and errors.
fn level_of(global: &GlobalArgs, exec: Option<&ExecLog>) -> LevelFilter {
    match (global.quiet, global.verbose) {
        (true, _) => LevelFilter::ERROR,
        (_, 0) => exec.and_then(|e| e.level).unwrap_or(LevelFilter::WARN),
        (_, 1) => LevelFilter::INFO,
        (_, 2) => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

pub fn init(global: &GlobalArgs, exec: Option<&ExecLog>) {
    let level = level_of(global, exec);
    let json = exec.is_some_and(|e| e.json);
    crate::output::set_json_log(json);
    let filter = Targets::new()
        .with_default(LevelFilter::OFF)
        .with_target("kvault", level);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false);
    let layer = if json {
        // {"timestamp":..., "level":"WARN", "message":..., fields...}: the
        // event's fields at the top level, as slog's JSON handler has them.
        layer
            .with_ansi(false)
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .boxed()
    } else if level <= LevelFilter::WARN {
        // Only warnings and errors: shown as kvault's own messages
        // (`warning: ...`), not as timestamped log lines.
        layer
            .with_ansi(crate::output::color_enabled())
            .event_format(Plain)
            .boxed()
    } else {
        layer.with_ansi(crate::output::color_enabled()).boxed()
    };
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(filter)
        .try_init();
}

/// `warning: message (field=value, ...)`, the style of kvault's errors.
struct Plain;

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for Plain
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let word = match *event.metadata().level() {
            tracing::Level::ERROR => "error",
            tracing::Level::WARN => "warning",
            _ => "note",
        };
        write!(writer, "{word}: ")?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> (ExecLog, Vec<String>) {
        ExecLog::from(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn vault_env_level_names_are_read_in_any_case() {
        for (text, want) in [
            ("trace", LevelFilter::TRACE),
            ("DEBUG", LevelFilter::DEBUG),
            ("Info", LevelFilter::INFO),
            ("warn", LevelFilter::WARN),
            ("warning", LevelFilter::WARN),
            ("error", LevelFilter::ERROR),
            ("fatal", LevelFilter::ERROR),
            ("panic", LevelFilter::ERROR),
        ] {
            assert_eq!(parse_level("L", text), Ok(want), "{text}");
        }
        let e = parse_level("VAULT_LOG_LEVEL", "loud").unwrap_err();
        assert!(
            e.starts_with("VAULT_LOG_LEVEL=`loud` is not a log level"),
            "{e}"
        );
    }

    #[test]
    fn exec_log_settings_and_their_problems() {
        assert_eq!(read(&[]), (ExecLog::default(), vec![]));
        let (log, problems) = read(&[("VAULT_JSON_LOG", "True"), ("VAULT_LOG_LEVEL", "debug")]);
        assert!(problems.is_empty());
        assert_eq!(
            log,
            ExecLog {
                json: true,
                level: Some(LevelFilter::DEBUG)
            }
        );
        // The JSON switch still counts when the level is refused.
        let (log, problems) = read(&[("VAULT_JSON_LOG", "1"), ("VAULT_LOG_LEVEL", "nope")]);
        assert!(log.json && log.level.is_none());
        assert_eq!(problems.len(), 1);
        let (_, problems) = read(&[("VAULT_JSON_LOG", "yes")]);
        assert!(problems[0].contains("VAULT_JSON_LOG=`yes` is not a boolean"));
    }

    #[test]
    fn flags_win_over_vault_log_level() {
        let exec = ExecLog {
            json: false,
            level: Some(LevelFilter::DEBUG),
        };
        let quiet = GlobalArgs {
            quiet: true,
            ..Default::default()
        };
        let v = GlobalArgs {
            verbose: 1,
            ..Default::default()
        };
        assert_eq!(level_of(&quiet, Some(&exec)), LevelFilter::ERROR);
        assert_eq!(level_of(&v, Some(&exec)), LevelFilter::INFO);
        assert_eq!(
            level_of(&GlobalArgs::default(), Some(&exec)),
            LevelFilter::DEBUG
        );
        assert_eq!(level_of(&GlobalArgs::default(), None), LevelFilter::WARN);
    }
}
