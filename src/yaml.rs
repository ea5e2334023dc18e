//! Bounds on YAML (and JSON) input, enforced before it reaches the parser.
//!
//! libyaml, under serde_yaml, rescans its stack of open collections at
//! every token, so parse time grows with the square of the nesting depth:
//! 200 KB of `[[[[...` or of `a:\n  a:\n    a: ...` took tens of seconds
//! (and serde_yaml refuses more than 128 levels anyway, after the parse).
//! Kubernetes objects, sync plans and ignore files nest far less than
//! [`MAX_DEPTH`] levels, so every YAML front door of kvault reads its input
//! with [`read_file`] / [`read`] (a size cap, checked while reading), and
//! each parser of kvault's YAML (`audit::load`, `sync::plan`,
//! `audit::ignore`) runs [`check`] on its text first (a linear pre-scan).
//!
//! The pre-scan counts a level for each indentation step of block
//! structure (an entry of a block sequence or a key of a block mapping at a
//! new column, as libyaml's indentation stack does) and for each open flow
//! bracket (`[` `{`), skipping comments, quoted scalars, block scalars
//! (`|`, `>`) and brackets inside plain scalars. A multi-line plain scalar
//! indented deeper than its key counts one level more than the parser
//! builds; a block sequence written at its key's column (`key:\n- item`)
//! shares that column's level, so block nesting may count up to half of
//! what it is. Flow nesting, where libyaml is slow, is counted exactly.
//!
//! Limits ([`MANIFESTS`], [`PLAN`]): whole input (file or stdin), one
//! document (between `---` separators), and depth. A violation is one line
//! naming the document (1-based) and the line it was found on.

use std::io::Read;
use std::path::Path;

/// The deepest nesting accepted: levels of block indentation plus open
/// flow brackets. Kubernetes objects nest about 15 levels, CRD schemas 40.
pub const MAX_DEPTH: usize = 64;

const MIB: usize = 1024 * 1024;

/// How much input a YAML front door takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes in one file (or stdin).
    pub input_bytes: usize,
    /// Bytes in one document (between `---` separators).
    pub document_bytes: usize,
    /// Levels of nesting, see [`MAX_DEPTH`].
    pub depth: usize,
}

/// Manifests for `kvault audit --manifests` (files, folders, stdin) and
/// `--encryption-config`: 256 MiB per input, 64 MiB per document (one
/// `kind: List` document of a large cluster's objects; etcd itself caps one
/// object at 1.5 MiB), 64 levels.
pub const MANIFESTS: Limits = Limits {
    input_bytes: 256 * MIB,
    document_bytes: 64 * MIB,
    depth: MAX_DEPTH,
};

/// Sync plans (`kvault sync -f`, `kvault rotate --plan`, `kvault status`)
/// and the audit's ignore file: 4 MiB (tens of thousands of entries), 64
/// levels.
pub const PLAN: Limits = Limits {
    input_bytes: 4 * MIB,
    document_bytes: 4 * MIB,
    depth: MAX_DEPTH,
};

/// Input beyond a [`Limits`]. The message names no content, only sizes,
/// document numbers and lines; the caller puts the file name in front.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// The whole input is larger than `limit` bytes.
    #[error("larger than {} (the limit for one input)", bytes(*limit))]
    InputTooLarge { limit: usize },
    /// One document (1-based `document`, starting on `line`) is too large.
    #[error("document {document} (from line {line}) is larger than {} (the limit for one document)", bytes(*limit))]
    DocumentTooLarge {
        document: usize,
        line: usize,
        limit: usize,
    },
    /// Nesting deeper than `limit` levels, first reached on `line`.
    #[error("document {document} nests deeper than {limit} levels at line {line} (the limit for YAML and JSON input)")]
    TooDeep {
        document: usize,
        line: usize,
        limit: usize,
    },
}

impl LimitError {
    /// The 1-based line the violation was found on, when there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            LimitError::InputTooLarge { .. } => None,
            LimitError::DocumentTooLarge { line, .. } | LimitError::TooDeep { line, .. } => {
                Some(*line)
            }
        }
    }
}

fn bytes(n: usize) -> String {
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else {
        format!("{n} bytes")
    }
}

/// Why input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Limit(#[from] LimitError),
}

/// Read all of `reader` as UTF-8, refusing more than `limits.input_bytes`
/// (it stops reading one byte past the limit). The parsers run [`check`]
/// on the text themselves.
pub fn read(reader: &mut dyn Read, limits: &Limits) -> Result<String, ReadError> {
    let mut text = String::new();
    reader
        .take(limits.input_bytes as u64 + 1)
        .read_to_string(&mut text)?;
    if text.len() > limits.input_bytes {
        return Err(LimitError::InputTooLarge {
            limit: limits.input_bytes,
        }
        .into());
    }
    Ok(text)
}

/// [`read`] the file at `path`; a regular file larger than the limit is
/// refused before it is read.
pub fn read_file(path: &Path, limits: &Limits) -> Result<String, ReadError> {
    let mut file = std::fs::File::open(path)?;
    if file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() > limits.input_bytes as u64)
    {
        return Err(LimitError::InputTooLarge {
            limit: limits.input_bytes,
        }
        .into());
    }
    read(&mut file, limits)
}

/// Check `text` against `limits` in one linear pass, before parsing it.
pub fn check(text: &str, limits: &Limits) -> Result<(), LimitError> {
    if text.len() > limits.input_bytes {
        return Err(LimitError::InputTooLarge {
            limit: limits.input_bytes,
        });
    }
    let mut scan = Scan::new(limits);
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut number = 1;
    while start <= bytes.len() {
        let (end, next) = line_end(bytes, start);
        scan.line(&bytes[start..end], start, number)?;
        if next == end {
            break;
        }
        start = next;
        number += 1;
    }
    scan.finish(bytes.len())
}

/// Where the line starting at `start` ends, and where the next one starts
/// (`== end` at the end of the text). Breaks are those of YAML 1.1 as
/// libyaml reads them: LF, CRLF, a lone CR, NEL, LS and PS.
fn line_end(bytes: &[u8], start: usize) -> (usize, usize) {
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => return (i, i + 1),
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => return (i, i + 2),
            b'\r' => return (i, i + 1),
            0xC2 if bytes.get(i + 1) == Some(&0x85) => return (i, i + 2),
            0xE2 if bytes.get(i + 1) == Some(&0x80)
                && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)) =>
            {
                return (i, i + 3)
            }
            _ => i += 1,
        }
    }
    (i, i)
}

/// A block scalar being skipped: lines more indented than `parent` (and,
/// once known, at least as indented as `content`) belong to it.
#[derive(Clone, Copy)]
struct BlockScalar {
    parent: isize,
    content: Option<usize>,
}

struct Scan<'l> {
    limits: &'l Limits,
    /// 1-based index of the current document; 0 before the first.
    document: usize,
    /// Whether the current document has begun (content or `---`).
    open: bool,
    document_start: usize,
    document_line: usize,
    line: usize,
    /// Columns of block collections, innermost last.
    indents: Vec<usize>,
    /// Open flow brackets.
    flow: usize,
    /// Inside a quoted scalar that continues on the next line.
    quote: Option<u8>,
    block_scalar: Option<BlockScalar>,
    /// At a place where a node may start (quotes start scalars only there).
    expect_node: bool,
    /// The previous token was a quoted scalar or a closing bracket: a `:`
    /// right after it is an indicator even without a space.
    after_close: bool,
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

impl<'l> Scan<'l> {
    fn new(limits: &'l Limits) -> Self {
        Scan {
            limits,
            document: 0,
            open: false,
            document_start: 0,
            document_line: 1,
            line: 1,
            indents: Vec::new(),
            flow: 0,
            quote: None,
            block_scalar: None,
            expect_node: true,
            after_close: false,
        }
    }

    fn too_deep(&self) -> LimitError {
        LimitError::TooDeep {
            document: self.document.max(1),
            line: self.line,
            limit: self.limits.depth,
        }
    }

    fn check_depth(&self) -> Result<(), LimitError> {
        if self.indents.len() + self.flow > self.limits.depth {
            return Err(self.too_deep());
        }
        Ok(())
    }

    /// Make `column` the innermost block level if it is deeper.
    fn indent(&mut self, column: usize) -> Result<(), LimitError> {
        if self.indents.last().is_none_or(|top| *top < column) {
            self.indents.push(column);
            self.check_depth()?;
        }
        Ok(())
    }

    fn begin_content(&mut self, offset: usize) -> Result<(), LimitError> {
        if !self.open {
            self.new_document(offset)?;
        }
        Ok(())
    }

    fn new_document(&mut self, offset: usize) -> Result<(), LimitError> {
        self.finish(offset)?;
        self.document += 1;
        self.open = true;
        self.document_start = offset;
        self.document_line = self.line;
        self.indents.clear();
        self.flow = 0;
        self.quote = None;
        self.block_scalar = None;
        self.expect_node = true;
        self.after_close = false;
        Ok(())
    }

    /// The current document ends at `offset`: check its size.
    fn finish(&self, offset: usize) -> Result<(), LimitError> {
        if self.document > 0 && offset - self.document_start > self.limits.document_bytes {
            return Err(LimitError::DocumentTooLarge {
                document: self.document,
                line: self.document_line,
                limit: self.limits.document_bytes,
            });
        }
        Ok(())
    }

    fn line(&mut self, line: &[u8], offset: usize, number: usize) -> Result<(), LimitError> {
        self.line = number;
        // Document markers at column 0 end whatever was open.
        let marker = |m: &[u8]| line.starts_with(m) && line.get(3).is_none_or(|b| is_blank(*b));
        if marker(b"---") {
            self.new_document(offset)?;
            return self.scan(line, 3, -1);
        }
        if marker(b"...") {
            self.finish(offset)?;
            self.open = false;
            self.indents.clear();
            self.flow = 0;
            self.quote = None;
            self.block_scalar = None;
            return Ok(());
        }
        // Also checked at the end of each document; checking on the way
        // stops early in an oversized one.
        if self.open && offset - self.document_start > self.limits.document_bytes {
            return self.finish(offset);
        }
        let spaces = line.iter().take_while(|b| **b == b' ').count();
        let empty = line[spaces..].iter().all(|b| is_blank(*b));
        if let Some(block) = self.block_scalar {
            let inside = match block.content {
                _ if empty => true,
                Some(content) => spaces >= content,
                None => spaces as isize > block.parent,
            };
            if inside {
                if block.content.is_none() && !empty {
                    self.block_scalar = Some(BlockScalar {
                        content: Some(spaces),
                        ..block
                    });
                }
                return Ok(());
            }
            self.block_scalar = None;
        }
        if let Some(quote) = self.quote {
            match close_quote(line, 0, quote) {
                Some(end) => {
                    self.quote = None;
                    self.expect_node = false;
                    self.after_close = true;
                    let parent = self.indents.last().map_or(-1, |c| *c as isize);
                    return self.scan(line, end, parent);
                }
                None => return Ok(()),
            }
        }
        if self.flow > 0 {
            let parent = self.indents.last().map_or(-1, |c| *c as isize);
            return self.scan(line, 0, parent);
        }
        let rest = &line[spaces..];
        if empty || rest.first() == Some(&b'#') {
            return Ok(());
        }
        if !self.open && rest.first() == Some(&b'%') {
            return Ok(()); // a directive
        }
        self.begin_content(offset)?;
        while self.indents.last().is_some_and(|top| *top > spaces) {
            self.indents.pop();
        }
        // A flow collection counts its own levels.
        if !matches!(rest.first(), Some(b'[' | b'{')) {
            self.indent(spaces)?;
        }
        self.expect_node = true;
        self.after_close = false;
        self.scan(line, spaces, spaces as isize)
    }

    /// Scan `line` from `i`; `key` is the column where the current block
    /// node started (for a key found later on the line).
    fn scan(&mut self, line: &[u8], mut i: usize, mut key: isize) -> Result<(), LimitError> {
        let mut after_blank = true;
        while i < line.len() {
            let b = line[i];
            if is_blank(b) {
                after_blank = true;
                i += 1;
                continue;
            }
            let next_blank = line.get(i + 1).is_none_or(|n| is_blank(*n));
            if b == b'#' && after_blank {
                return Ok(()); // a comment
            }
            after_blank = false;
            let step = if self.flow > 0 {
                self.flow_byte(line, i, next_blank)?
            } else if self.expect_node {
                self.node_start(line, i, next_blank, &mut key)?
            } else {
                // Inside a plain scalar, or after a quoted one or a flow
                // collection: only `: ` (a key ended) and ` #` matter.
                if b == b':' && (next_blank || self.after_close) {
                    if key >= 0 {
                        self.indent(key as usize)?;
                    }
                    self.expect_node = true;
                    self.after_close = false;
                }
                Step::To(i + 1)
            };
            match step {
                Step::To(next) => i = next,
                Step::Done => return Ok(()),
            }
        }
        Ok(())
    }

    /// One byte inside a flow collection (`[...]`, `{...}`).
    fn flow_byte(&mut self, line: &[u8], i: usize, next_blank: bool) -> Result<Step, LimitError> {
        let b = line[i];
        match b {
            b'[' | b'{' => {
                self.flow += 1;
                self.check_depth()?;
                self.expect_node = true;
                self.after_close = false;
            }
            b']' | b'}' => {
                self.flow -= 1;
                self.expect_node = false;
                self.after_close = true;
            }
            b',' => {
                self.expect_node = true;
                self.after_close = false;
            }
            b':' if self.expect_node
                || self.after_close
                || next_blank
                || line.get(i + 1).is_some_and(|n| b",[]{}".contains(n)) =>
            {
                self.expect_node = true;
                self.after_close = false;
            }
            b'?' if self.expect_node && next_blank => {}
            b'"' | b'\'' if self.expect_node => match close_quote(line, i + 1, b) {
                Some(end) => {
                    self.expect_node = false;
                    self.after_close = true;
                    return Ok(Step::To(end));
                }
                None => {
                    self.quote = Some(b);
                    return Ok(Step::Done);
                }
            },
            b'!' | b'&' if self.expect_node => return Ok(Step::To(token_end(line, i))),
            _ => {
                self.expect_node = false;
                self.after_close = false;
            }
        }

        Ok(Step::To(i + 1))
    }

    /// The first byte of a block node: an indicator, a flow collection, a
    /// quoted or block scalar, a tag or anchor, or a plain scalar. Sets
    /// `key` to the column where the node starts.
    fn node_start(
        &mut self,
        line: &[u8],
        i: usize,
        next_blank: bool,
        key: &mut isize,
    ) -> Result<Step, LimitError> {
        let b = line[i];
        match b {
            b'-' | b'?' | b':' if next_blank => {
                self.indent(i)?;
                *key = i as isize;
                Ok(Step::To(i + 1))
            }
            b'[' | b'{' => {
                self.flow = 1;
                self.check_depth()?;
                self.after_close = false;
                *key = i as isize;
                Ok(Step::To(i + 1))
            }
            b'"' | b'\'' => match close_quote(line, i + 1, b) {
                Some(end) => {
                    self.expect_node = false;
                    self.after_close = true;
                    *key = i as isize;
                    Ok(Step::To(end))
                }
                None => {
                    self.quote = Some(b);
                    self.expect_node = false;
                    Ok(Step::Done)
                }
            },
            b'|' | b'>' => {
                let parent = self.indents.last().map_or(-1, |c| *c as isize);
                let explicit = line[i + 1..]
                    .iter()
                    .take_while(|c| !is_blank(**c))
                    .find(|c| c.is_ascii_digit())
                    .map(|d| (parent.max(0) as usize) + usize::from(d - b'0'));
                self.block_scalar = Some(BlockScalar {
                    parent,
                    content: explicit,
                });
                Ok(Step::Done)
            }
            b'!' | b'&' => Ok(Step::To(token_end(line, i))),
            _ => {
                // A plain scalar (or alias) starts here.
                self.expect_node = false;
                self.after_close = false;
                *key = i as isize;
                Ok(Step::To(i + 1))
            }
        }
    }
}

/// Where [`Scan::scan`] goes on after a byte: on at a position, or done
/// with the line (a comment, or a scalar that continues on the next line).
enum Step {
    To(usize),
    Done,
}

/// Where the quoted scalar whose body starts at `from` ends (just past the
/// closing quote), or `None` when it continues on the next line.
fn close_quote(line: &[u8], from: usize, quote: u8) -> Option<usize> {
    let mut i = from;
    while i < line.len() {
        match line[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && line.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The end of a tag or anchor token starting at `i`.
fn token_end(line: &[u8], i: usize) -> usize {
    line[i..]
        .iter()
        .position(|b| is_blank(*b))
        .map_or(line.len(), |p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_ok(text: &str, depth: usize) -> bool {
        let limits = Limits { depth, ..MANIFESTS };
        check(text, &limits).is_ok()
    }

    /// The smallest limit `text` passes: its depth as the scan counts it.
    fn depth(text: &str) -> usize {
        (0..200).find(|d| depth_ok(text, *d)).unwrap()
    }

    fn block(levels: usize) -> String {
        (0..levels)
            .map(|i| format!("{}a:\n", "  ".repeat(i)))
            .collect()
    }

    #[test]
    fn block_and_flow_nesting_is_counted_level_by_level() {
        assert_eq!(depth(""), 0);
        assert_eq!(depth("a: 1\n"), 1);
        assert_eq!(depth(&block(10)), 10);
        assert_eq!(depth("- - - a\n"), 3);
        assert_eq!(depth("- a: 1\n  b: 2\n"), 2);
        assert_eq!(depth("a: [[[1]]]\n"), 4);
        assert_eq!(depth("{\"a\":{\"b\":[1]}}"), 3);
        // A sequence at its key's column shares that column's level.
        assert_eq!(depth("a:\n- b:\n  - c: {d: [e]}\n"), 5);
    }

    #[test]
    fn brackets_in_scalars_and_comments_are_not_nesting() {
        let text = "a: foo[bar{baz\nb: \"[[[[[\"\nc: '{{{{ it''s'\n# [[[[[[\nd: |\n  [[[[[[[\n  {{{{{{{\ne: [x, \"]]]\", '[[']\nf: >-\n    [[[[\ng: \"multi\n  line [[[[\n  \\\" [[[[\"\nh: plain text [[[ # [[[[\n";
        assert_eq!(depth(text), 2, "{text}");
    }

    #[test]
    fn a_block_scalar_ends_where_its_indentation_does() {
        let text = format!("a: |\n    text [[[[\n\n    more\n{}", block(8));
        assert_eq!(depth(&text), 8, "{text}");
        // Less indented than its first line: the scalar has ended there.
        let ended = "a: |\n      text\n  b:\n    c:\n      d: 1\n";
        assert_eq!(depth(ended), 4, "{ended}");
        let top = format!("--- |\n[[[[\n---\n{}", block(5));
        assert_eq!(depth(&top), 5);
    }

    #[test]
    fn every_document_starts_from_zero_and_is_named_in_the_error() {
        let text = format!("{}---\n{}...\n{}", block(3), block(4), block(9));
        assert_eq!(depth(&text), 9);
        let err = check(
            &text,
            &Limits {
                depth: 5,
                ..MANIFESTS
            },
        )
        .unwrap_err();
        assert_eq!(
            err,
            LimitError::TooDeep {
                document: 3,
                line: 3 + 1 + 4 + 1 + 6,
                limit: 5
            }
        );
        assert_eq!(
            err.to_string(),
            "document 3 nests deeper than 5 levels at line 15 (the limit for YAML and JSON input)"
        );
    }

    #[test]
    fn lone_cr_nel_ls_and_ps_are_line_breaks_as_for_libyaml() {
        for br in ["\r", "\r\n", "\u{85}", "\u{2028}", "\u{2029}"] {
            let text = block(20).replace('\n', br);
            assert_eq!(depth(&text), 20, "{br:?}");
        }
    }

    #[test]
    fn documents_and_inputs_larger_than_the_limit_are_refused() {
        let limits = Limits {
            input_bytes: 100,
            document_bytes: 40,
            depth: 64,
        };
        let big = "a: 1\n".repeat(30);
        assert_eq!(
            check(&big, &limits),
            Err(LimitError::InputTooLarge { limit: 100 })
        );
        let docs = format!("a: 1\n---\n{}", "b: 2\n".repeat(10));
        assert_eq!(
            check(&docs, &limits),
            Err(LimitError::DocumentTooLarge {
                document: 2,
                line: 2,
                limit: 40
            })
        );
        let mut reader: &[u8] = big.as_bytes();
        assert!(matches!(
            read(&mut reader, &limits),
            Err(ReadError::Limit(LimitError::InputTooLarge { .. }))
        ));
    }

    #[test]
    fn real_manifests_pass_well_under_the_limit() {
        for dir in ["examples/manifests", "examples/manifests-clean"] {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if !path.is_file() {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let d = depth(&text);
                assert!(d <= 20, "{}: {d}", path.display());
            }
        }
        assert!(depth(include_str!("../examples/sync-plan.yaml")) <= 4);
    }

    #[test]
    fn a_200_kb_nested_input_is_refused_at_once() {
        let flow = "[".repeat(200_000);
        let map = "{a: ".repeat(50_000);
        let block = block(447);
        assert!(block.len() > 200_000);
        for text in [flow, map, block] {
            let start = std::time::Instant::now();
            let err = check(&text, &MANIFESTS).unwrap_err();
            assert!(
                matches!(err, LimitError::TooDeep { limit: 64, .. }),
                "{err}"
            );
            assert!(start.elapsed() < std::time::Duration::from_secs(1));
        }
    }

    proptest::proptest! {
        /// Whatever passes the scan at 64 levels is within serde_yaml's own
        /// limit of 128: the scan counts at least half the levels the parser
        /// builds, and flow levels exactly.
        #[test]
        fn what_passes_the_scan_never_hits_the_parsers_recursion_limit(
            text in crate::yaml_noise::yaml_noise(&["a", "b", "- ", "  ", "[", "{", "\"", "'", "#", "|", ":"]),
            repeat in 1usize..80,
        ) {
            let text = text.repeat(repeat);
            // Aliases (`*a`) may expand into themselves: serde_yaml stops
            // that with the same error, and it is not nesting in the text.
            if check(&text, &MANIFESTS).is_ok() && !text.contains('*') {
                for doc in serde_yaml::Deserializer::from_str(&text) {
                    if let Err(e) = <serde_yaml::Value as serde::Deserialize>::deserialize(doc) {
                        proptest::prop_assert!(!e.to_string().contains("recursion limit"), "{}", e);
                        break;
                    }
                }
            }
        }
    }
}
