//! Text into documents: multi-document YAML (parsed on two threads when
//! large) or one JSON value, each with the line it starts on, and [`Doc`],
//! where a document came from. Kept apart from typing because line
//! finding and the parallel split are subtle on their own, and tested so.

use super::LoadError;
use crate::audit::finding::Location;
use serde::Deserialize;
use serde_yaml::Value;

/// The documents of `text` (YAML, or one JSON value when `json`) with the
/// line each starts on, once the text is within [`crate::yaml::MANIFESTS`].
pub(super) fn documents(
    origin: &str,
    text: &str,
    json: bool,
) -> Result<Vec<(Value, Option<usize>)>, LoadError> {
    crate::yaml::check(text, &crate::yaml::MANIFESTS).map_err(|source| LoadError::Limit {
        origin: origin.into(),
        source,
    })?;
    if json {
        Ok(vec![(json_value(origin, text)?, Some(1))])
    } else {
        yaml_documents(origin, text)
    }
}

fn json_value(origin: &str, text: &str) -> Result<Value, LoadError> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| LoadError::Parse {
        origin: origin.into(),
        message: e.to_string(),
    })?;
    serde_yaml::to_value(json).map_err(|e| LoadError::Parse {
        origin: origin.into(),
        message: e.to_string(),
    })
}

/// Inputs at least this large are parsed on two threads.
pub(super) const PARALLEL_BYTES: usize = 256 * 1024;

fn parse_stream(text: &str) -> Result<Vec<Value>, serde_yaml::Error> {
    serde_yaml::Deserializer::from_str(text)
        .map(Value::deserialize)
        .collect()
}

/// Where to cut `text` in two for parallel parsing: the start of the first
/// `---` separator line after the middle. A `---` at column 0 always starts
/// a document (anchors do not cross documents), so the halves parse to the
/// same documents as the whole.
pub(super) fn split_point(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    // Bytes, not `&text[from..]`: the middle may fall inside a multi-byte
    // character (found by the property test below). A match starts at the
    // ASCII `\n`, so the cut is always a char boundary.
    let mut from = text.len() / 2;
    while let Some(found) = bytes[from..].windows(4).position(|w| w == b"\n---") {
        let line = from + found + 1;
        match bytes.get(line + 3) {
            None | Some(b'\n' | b'\r' | b' ' | b'\t') => return Some(line),
            Some(_) => from = line,
        }
    }
    None
}

/// Every YAML document of `text` with the line it starts on (when the
/// separator scan agrees with the parser on the number of documents).
pub(super) fn yaml_documents(
    origin: &str,
    text: &str,
) -> Result<Vec<(Value, Option<usize>)>, LoadError> {
    let parsed = match split_point(text).filter(|_| text.len() >= PARALLEL_BYTES) {
        Some(cut) => {
            let (first, second) = text.split_at(cut);
            let (a, b) = std::thread::scope(|scope| {
                let a = scope.spawn(|| parse_stream(first));
                let b = parse_stream(second);
                (a.join(), b)
            });
            match (a, b) {
                (Ok(Ok(mut docs)), Ok(rest)) => {
                    docs.extend(rest);
                    Ok(docs)
                }
                // An error's line would be relative to its half.
                _ => parse_stream(text),
            }
        }
        None => parse_stream(text),
    };
    let docs = parsed.map_err(|e| LoadError::Parse {
        origin: origin.into(),
        message: e.to_string(),
    })?;
    let lines = document_lines(text);
    let lines_known = lines.len() == docs.len();
    Ok(docs
        .into_iter()
        .enumerate()
        .map(|(i, d)| (d, if lines_known { Some(lines[i]) } else { None }))
        .collect())
}

/// The 1-based line each YAML document starts on, found by scanning for
/// `---` separators: text before the first separator is a document only
/// when it holds more than comments and directives.
pub(super) fn document_lines(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    // The segment being scanned: (separator line, first content line).
    let mut segment: (Option<usize>, Option<usize>) = (None, None);
    let flush = |segment: (Option<usize>, Option<usize>), starts: &mut Vec<usize>| match segment {
        (_, Some(content)) => starts.push(content),
        (Some(separator), None) => starts.push(separator),
        (None, None) => {}
    };
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let is_separator = line
            .strip_prefix("---")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']));
        if is_separator {
            flush(segment, &mut starts);
            let rest = line[3..].trim();
            let content = !rest.is_empty() && !rest.starts_with('#');
            segment = (Some(number), content.then_some(number));
            continue;
        }
        if line.starts_with("...") {
            continue;
        }
        let trimmed = line.trim();
        // A `%` directive before the first separator is not content.
        let directive = segment.0.is_none() && trimmed.starts_with('%');
        let is_content = !(trimmed.is_empty() || trimmed.starts_with('#') || directive);
        if is_content && segment.1.is_none() {
            segment.1 = Some(number);
        }
    }
    flush(segment, &mut starts);
    starts
}

/// Where a document came from, for locations and messages.
pub(super) struct Doc<'a> {
    pub(super) origin: &'a str,
    pub(super) text: &'a str,
    pub(super) index: usize,
    pub(super) line: Option<usize>,
    pub(super) in_list: bool,
    pub(super) json: bool,
    pub(super) single: bool,
}

impl Doc<'_> {
    pub(super) fn location(&self) -> Location {
        Location {
            file: self.origin.to_string(),
            line: self.line,
        }
    }

    pub(super) fn describe(&self) -> String {
        match self.line {
            Some(line) => format!("document at line {line}"),
            None => format!("document {}", self.index + 1),
        }
    }
}
