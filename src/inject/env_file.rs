//! `kvault exec --env-file FILE`: variables from dotenv files, whose values
//! may be references (`DB_PASS=vault:secret/app/db#password`) or hold
//! templates (`URL=postgres://${vault:secret/app/db#user}@db`), as
//! `op run --env-file` reads them.
//!
//! The dotenv syntax is dotenvy's (quotes, `export`, comments, multi-line
//! values, `$VAR` expansion from the environment and earlier lines). Its
//! `${...}` expansion would eat kvault's templates (a `${vault:...}` is
//! "the variable named vault:..." to it, so empty): they are swapped for a
//! marker no dotenv syntax knows before parsing and restored after, which
//! keeps them intact inside any quoting.

use crate::store::reference::Scheme;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Stands for `${` at the start of a kvault template while dotenvy parses.
/// A private-use character: a file holding it is refused, not misread.
const MARK: char = '\u{E000}';

/// The largest env file read: far more than any real one, and a bound on
/// `--env-file /dev/zero`.
pub const MAX_BYTES: u64 = 4 << 20;

#[derive(Debug, thiserror::Error)]
pub enum EnvFileError {
    #[error("--env-file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("--env-file {}: larger than {} MiB", path.display(), MAX_BYTES >> 20)]
    TooLarge { path: PathBuf },
    #[error("--env-file {}: not UTF-8 text", path.display())]
    NotText { path: PathBuf },
    // The line itself is never quoted: it may hold a value.
    #[error("--env-file {}: line {line}: not a KEY=VALUE line in dotenv syntax", path.display())]
    Syntax { path: PathBuf, line: usize },
    #[error("--env-file {}: holds U+E000, a character kvault reserves while parsing", path.display())]
    Reserved { path: PathBuf },
}

/// The variables of the env files, in order: a later file's value for a
/// name replaces an earlier one's.
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<(OsString, OsString)>, EnvFileError> {
    let mut vars: Vec<(OsString, OsString)> = Vec::new();
    for path in paths {
        let read = read(path)?.into_iter().map(|(n, v)| (n.into(), v.into()));
        overlay(&mut vars, read);
    }
    Ok(vars)
}

/// Set each of `vars` in `env`, replacing a variable of the same name.
pub fn overlay(
    env: &mut Vec<(OsString, OsString)>,
    vars: impl IntoIterator<Item = (OsString, OsString)>,
) {
    for (name, value) in vars {
        match env.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => env.push((name, value)),
        }
    }
}

/// One env file's variables, templates intact.
pub fn read(path: &Path) -> Result<Vec<(String, String)>, EnvFileError> {
    let read_err = |source| EnvFileError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(read_err)?
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(EnvFileError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    let text = String::from_utf8(bytes).map_err(|_| EnvFileError::NotText {
        path: path.to_path_buf(),
    })?;
    parse(&text).map_err(|e| match e {
        ParseError::Reserved => EnvFileError::Reserved {
            path: path.to_path_buf(),
        },
        ParseError::Syntax(line) => EnvFileError::Syntax {
            path: path.to_path_buf(),
            line,
        },
    })
}

#[derive(Debug, PartialEq, Eq)]
enum ParseError {
    Reserved,
    /// The 1-based line the bad entry starts on.
    Syntax(usize),
}

fn parse(text: &str) -> Result<Vec<(String, String)>, ParseError> {
    if text.contains(MARK) {
        return Err(ParseError::Reserved);
    }
    let marked = protect_templates(text);
    let mut vars = Vec::new();
    for item in dotenvy::from_read_iter(marked.as_bytes()) {
        match item {
            Ok((name, value)) => vars.push((name, restore_templates(&value))),
            Err(dotenvy::Error::LineParse(line, _)) => {
                return Err(ParseError::Syntax(line_number(&marked, &line)))
            }
            // from_read_iter over a string has no other failure, but
            // never quote whatever an unknown one carries.
            Err(_) => return Err(ParseError::Syntax(0)),
        }
    }
    Ok(vars)
}

/// `${vault:` (and every scheme, and vault-env's `${>>vault:`) becomes
/// MARK followed by the scheme: no `$` left for dotenvy to expand.
fn protect_templates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let inner = after.strip_prefix(">>").unwrap_or(after);
        if Scheme::prefix_of(inner).is_some() {
            out.push(MARK);
        } else {
            out.push_str("${");
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn restore_templates(value: &str) -> String {
    value.replace(MARK, "${")
}

/// Where `line` (as dotenvy reports a bad entry) starts in `text`.
fn line_number(text: &str, line: &str) -> usize {
    text.find(line)
        .map_or(0, |at| text[..at].matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(text: &str) -> Vec<(String, String)> {
        parse(text).unwrap()
    }

    fn pair(name: &str, value: &str) -> (String, String) {
        (name.to_string(), value.to_string())
    }

    #[test]
    fn references_and_templates_survive_every_quoting() {
        let text = "\
A=vault:secret/app#password
B=${vault:secret/app#user}:${vault:secret/app#pass}
C=\"postgres://${k8s:prod/db#user}@db\"
D='${local:app/db#password}'
E=${>>vault:pki/issue/web#certificate}
export F=local:app/db#password # a comment
";
        assert_eq!(
            vars(text),
            vec![
                pair("A", "vault:secret/app#password"),
                pair("B", "${vault:secret/app#user}:${vault:secret/app#pass}"),
                pair("C", "postgres://${k8s:prod/db#user}@db"),
                pair("D", "${local:app/db#password}"),
                pair("E", "${>>vault:pki/issue/web#certificate}"),
                pair("F", "local:app/db#password"),
            ]
        );
    }

    #[test]
    fn plain_dotenv_syntax_still_works() {
        let text = "# comment\nX=1\nY=\"two words\"\nZ=${X}-$X\nM=\"line1\nline2\"\n";
        assert_eq!(
            vars(text),
            vec![
                pair("X", "1"),
                pair("Y", "two words"),
                pair("Z", "1-1"),
                pair("M", "line1\nline2"),
            ]
        );
    }

    #[test]
    fn a_bad_line_is_named_by_number_without_its_text() {
        let err = parse("OK=1\nGOOD=2\nnot a line s3cr3t\n").unwrap_err();
        assert_eq!(err, ParseError::Syntax(3));
        let shown = EnvFileError::Syntax {
            path: "app.env".into(),
            line: 3,
        }
        .to_string();
        assert_eq!(
            shown,
            "--env-file app.env: line 3: not a KEY=VALUE line in dotenv syntax"
        );
    }

    #[test]
    fn the_reserved_marker_in_a_file_is_refused() {
        assert_eq!(parse("A=\u{E000}\n"), Err(ParseError::Reserved));
    }

    #[test]
    fn a_later_file_wins_over_an_earlier_one() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.env"), dir.path().join("b.env"));
        std::fs::write(&a, "X=vault:secret/a#x\nY=1\n").unwrap();
        std::fs::write(&b, "X=local:b#x\n").unwrap();
        let got = read_all(&[a, b]).unwrap();
        assert_eq!(
            got,
            vec![("X".into(), "local:b#x".into()), ("Y".into(), "1".into())]
        );
    }

    #[test]
    fn a_missing_or_huge_file_is_a_one_line_error_naming_it() {
        let err = read(Path::new("/nonexistent/app.env")).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("--env-file /nonexistent/app.env: "));
        let err = read(Path::new("/dev/zero")).unwrap_err();
        assert!(matches!(err, EnvFileError::TooLarge { .. }), "{err}");
    }
}
