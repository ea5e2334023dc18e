//! Everything kvault prints goes through here: data to stdout in the chosen
//! format, messages to stderr. Colour only on a TTY and never with NO_COLOR.

use comfy_table::{presets, ContentArrangement, Table};
use serde::Serialize;
use std::io::{IsTerminal, Write};

/// How data is printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Json,
    Yaml,
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
        Format::Table => unreachable!("tables are printed with `table`"),
    }
}

/// A table with a header row, to stdout.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> crate::exit::Result<()> {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().copied());
    if !color_enabled() {
        t.force_no_tty();
    }
    // Off a terminal comfy-table cannot know the width; honour COLUMNS so
    // `COLUMNS=100 kvault audit ... | less` still wraps long findings.
    if let Some(width) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<u16>().ok())
        .filter(|w| *w >= 40)
    {
        t.set_width(width);
    }
    for row in rows {
        t.add_row(row);
    }
    stdout_bytes(format!("{t}\n").as_bytes())
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

/// A status line to stderr, unless `-q`.
pub fn status(quiet: bool, line: impl std::fmt::Display) {
    if !quiet {
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

/// A non-fatal problem to stderr as one `warning: ...` line; shown even
/// with `-q`, like errors, since it says some data was left out.
pub fn warning(line: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "warning: {line}");
}
