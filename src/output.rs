//! Everything kvault prints goes through here: data to stdout in the chosen
//! format, messages to stderr. Colour only on a TTY and never with NO_COLOR.

use comfy_table::{presets, Cell, ContentArrangement, Table};
use serde::Serialize;
use std::io::{IsTerminal, Write};

/// How data is printed: one list for every command. Each command's `-o`
/// accepts its own subset, with its own help per value ([`formats`]), so
/// `kvault get -o sarif` is refused by clap as it always was.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Table,
    Json,
    Yaml,
    /// SARIF 2.1.0 (audit).
    Sarif,
    /// `export KEY='value'` lines (get).
    Env,
    /// `KEY="value"` lines (get).
    Dotenv,
    /// Prometheus text format (canary).
    Prometheus,
}

impl Format {
    const ALL: [Format; 7] = [
        Format::Table,
        Format::Json,
        Format::Yaml,
        Format::Sarif,
        Format::Env,
        Format::Dotenv,
        Format::Prometheus,
    ];

    /// The value `-o` takes.
    pub const fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Sarif => "sarif",
            Format::Env => "env",
            Format::Dotenv => "dotenv",
            Format::Prometheus => "prometheus",
        }
    }

    /// JSON or YAML: what [`structured`] writes.
    pub const fn is_structured(self) -> bool {
        matches!(self, Format::Json | Format::Yaml)
    }

    fn named(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One value a command's `-o` accepts, and its help line (empty for none).
pub type Choice = (Format, &'static str);

/// The formats most commands print: a table, JSON, YAML.
pub const COMMON: &[Choice] = &[(Format::Table, ""), (Format::Json, ""), (Format::Yaml, "")];

/// The parser of one command's `-o`: exactly `choices`, with their help
/// (shown by `--help`, completions and man pages). `text` is accepted for
/// `table` everywhere, as kvault's human output is both.
pub fn formats(choices: &'static [Choice]) -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let values = choices.iter().map(|&(format, help)| {
        let value = PossibleValue::new(format.name());
        let value = if help.is_empty() {
            value
        } else {
            value.help(help)
        };
        if format == Format::Table {
            value.alias("text")
        } else {
            value
        }
    });
    PossibleValuesParser::new(values).map(|name| {
        // clap only hands on a name it accepted, and every accepted name
        // is a Format's: `table` for its `text` alias too.
        Format::named(&name).unwrap_or_default()
    })
}

/// The failure for a format clap would not have let through for this
/// command: an error, not a panic, should a caller pass one anyway.
pub fn not_offered(format: Format) -> crate::exit::Failure {
    crate::exit::Failure::error(format!("this command does not print {format}"))
}

/// Write `value` as JSON or YAML to stdout.
pub fn structured<T: Serialize>(format: Format, value: &T) -> crate::exit::Result<()> {
    match format {
        // Streamed through a buffer: a large report (an audit's tens of
        // thousands of findings) is never held twice in memory.
        Format::Json => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let written = serde_json::to_writer_pretty(&mut out, value)
                .map_err(std::io::Error::from)
                .and_then(|()| out.write_all(b"\n"))
                .and_then(|()| out.flush());
            stdout_result(written)
        }
        Format::Yaml => {
            let text = serde_yaml::to_string(value)
                .map_err(|e| crate::exit::Failure::error(e.to_string()))?;
            stdout_bytes(text.as_bytes())
        }
        other => unreachable!("{other} is not a structured format"),
    }
}

/// How results are printed, decided once from the global flags (`-q`,
/// `--no-headers`) and handed to every command: the flags are read in one
/// place, not threaded through call sites.
#[derive(Clone, Copy, Debug, Default)]
pub struct Printer {
    quiet: bool,
    no_headers: bool,
}

impl Printer {
    pub fn new(global: &crate::cli::GlobalArgs) -> Printer {
        Printer {
            quiet: global.quiet,
            no_headers: global.no_headers,
        }
    }

    /// `-q`: status lines and progress are left out (errors and warnings
    /// are not).
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// A status line to stderr, unless `-q`.
    pub fn status(&self, line: impl std::fmt::Display) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr(), "{line}");
        }
    }

    /// A table with a header row (unless `--no-headers`), to stdout.
    pub fn table(&self, header: &[&str], rows: Vec<Vec<String>>) -> crate::exit::Result<()> {
        self.table_styled(header, rows, |_, _| None)
    }

    /// A table whose cells `color(column, text)` may colour. On a terminal:
    /// borders, wrapping to its width, colour (never with NO_COLOR).
    /// Anywhere else (a pipe, a file, CI logs): one line per row, columns
    /// padded with spaces as kubectl prints them, no box drawing, nothing
    /// wrapped, a cell's own line breaks joined with "; ", so that grep and
    /// awk see whole rows.
    pub fn table_styled(
        &self,
        header: &[&str],
        rows: Vec<Vec<String>>,
        color: impl Fn(usize, &str) -> Option<comfy_table::Color>,
    ) -> crate::exit::Result<()> {
        table_styled(!self.no_headers, header, rows, color)
    }
}

fn table_styled(
    headers: bool,
    header: &[&str],
    rows: Vec<Vec<String>>,
    color: impl Fn(usize, &str) -> Option<comfy_table::Color>,
) -> crate::exit::Result<()> {
    if !stdout_is_tty() {
        return stdout_bytes(&plain_table(headers.then_some(header), &rows));
    }
    let mut t = Table::new();
    t.load_preset(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if headers {
        t.set_header(header.iter().copied());
    }
    let colored = color_enabled();
    if !colored {
        t.force_no_tty();
    }
    for row in rows {
        t.add_row(row.into_iter().enumerate().map(|(i, text)| {
            let style = colored.then(|| color(i, &text)).flatten();
            let cell = Cell::new(text);
            match style {
                Some(c) => cell.fg(c),
                None => cell,
            }
        }));
    }
    stdout_bytes(format!("{t}\n").as_bytes())
}

/// The off-terminal form of a table (see [`table_styled`]).
fn plain_table(header: Option<&[&str]>, rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = tabwriter::TabWriter::new(Vec::new()).padding(3);
    let mut line = |cells: &mut dyn Iterator<Item = String>| {
        let cells: Vec<String> = cells.collect();
        let _ = writeln!(out, "{}", cells.join("\t"));
    };
    if let Some(header) = header {
        line(&mut header.iter().map(|h| h.to_string()));
    }
    for row in rows {
        line(&mut row.iter().map(|c| one_line(c)));
    }
    let padded = out.into_inner().unwrap_or_default();
    // An empty last cell leaves the padding of the one before it.
    let text = String::from_utf8_lossy(&padded);
    text.lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect::<String>()
        .into_bytes()
}

/// A cell on one line: its own breaks joined with "; ", tabs as spaces (a
/// tab would end the column).
fn one_line(cell: &str) -> String {
    cell.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
        .replace('\t', " ")
}

/// Raw bytes to stdout.
pub fn stdout_bytes(bytes: &[u8]) -> crate::exit::Result<()> {
    let mut out = std::io::stdout().lock();
    stdout_result(out.write_all(bytes).and_then(|_| out.flush()))
}

/// A closed pipe (`kvault ls | head`) is not an error; anything else is.
fn stdout_result(written: std::io::Result<()>) -> crate::exit::Result<()> {
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(crate::exit::Failure::error(format!(
            "cannot write to stdout: {e}"
        ))),
    }
}

pub fn stdout_is_tty() -> bool {
    std::io::stdout().is_terminal()
}

/// Colour on stderr/stdout only for a terminal and never with NO_COLOR.
pub fn color_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && stdout_is_tty()
}

/// A non-fatal problem to stderr as one `warning: ...` line; shown even
/// with `-q`, like errors, since it says some data was left out. Under
/// `VAULT_JSON_LOG` (exec), a JSON line at level WARN instead.
pub fn warning(line: impl std::fmt::Display) {
    if json_log() {
        tracing::warn!("{line}");
    } else {
        let _ = writeln!(std::io::stderr(), "warning: {line}");
    }
}

/// The final error of a command: `error: ...` on stderr, or under
/// `VAULT_JSON_LOG` (exec) a JSON line at level ERROR, so that every line
/// kvault writes to stderr is JSON.
pub fn error(message: impl std::fmt::Display) {
    if json_log() {
        tracing::error!("{message}");
    } else {
        let _ = writeln!(std::io::stderr(), "error: {message}");
    }
}

static JSON_LOG: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Set by `logging::init`: diagnostics are JSON lines (`VAULT_JSON_LOG`).
pub fn set_json_log(on: bool) {
    JSON_LOG.store(on, std::sync::atomic::Ordering::Relaxed);
}

pub fn json_log() -> bool {
    JSON_LOG.load(std::sync::atomic::Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_a_terminal_a_table_is_one_padded_line_per_row() {
        let rows = vec![
            vec![
                "HIGH".into(),
                "KV-1".into(),
                "a long title\nevidence\nfix: do it".into(),
            ],
            vec!["LOW".into(), "KV-22".into(), "short".into()],
        ];
        let text =
            String::from_utf8(plain_table(Some(&["SEVERITY", "ID", "FINDING"]), &rows)).unwrap();
        assert_eq!(
            text,
            "SEVERITY   ID      FINDING\nHIGH       KV-1    a long title; evidence; fix: do it\nLOW        KV-22   short\n"
        );
        let text = String::from_utf8(plain_table(None, &rows[1..])).unwrap();
        assert_eq!(text, "LOW   KV-22   short\n");
    }
}
