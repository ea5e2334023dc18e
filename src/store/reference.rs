//! The one reference grammar used everywhere (CLI arguments, `exec`
//! environment values, sync plans). Pure code: no I/O, never panics.
//!
//! ```text
//! vault:secret/app/db#password        a key of a KV secret (mount auto-detected)
//! vault:secret/data/app/db#password   Bank-Vaults form, accepted as is
//! vault:secret/app/db#password#3      pinned KV v2 version
//! k8s:prod/app-db#password            Kubernetes Secret prod/app-db
//! local:app/db                        the whole secret in the local store
//! ${vault:secret/app#user}:${vault:secret/app#pass}   templates inside a value
//! ```

use std::fmt;

/// Which store a reference points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    Vault,
    K8s,
    Local,
}

impl Scheme {
    pub const ALL: [Scheme; 3] = [Scheme::Vault, Scheme::K8s, Scheme::Local];

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Vault => "vault",
            Scheme::K8s => "k8s",
            Scheme::Local => "local",
        }
    }

    /// The scheme a text starts with (`vault:...`), if any.
    pub fn prefix_of(text: &str) -> Option<Scheme> {
        Scheme::ALL.into_iter().find(|s| {
            text.strip_prefix(s.as_str())
                .is_some_and(|rest| rest.starts_with(':'))
        })
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed reference: `scheme:path[#key[#version]]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    pub scheme: Scheme,
    pub path: String,
    pub key: Option<String>,
    pub version: Option<u64>,
}

/// Why a text is not a valid reference. Messages quote the reference, which
/// is a location, never a value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    #[error("`{0}` has no known scheme (expected vault:, k8s: or local:)")]
    UnknownScheme(String),
    #[error("`{0}` has an empty path")]
    EmptyPath(String),
    #[error("`{0}` has an empty key after `#`")]
    EmptyKey(String),
    #[error("`{0}` has a version that is not a positive whole number")]
    BadVersion(String),
    #[error("`{0}` has more than two `#` parts (expected PATH#KEY#VERSION)")]
    TooManyParts(String),
    #[error("`{0}`: path has an empty, `.` or `..` segment")]
    BadSegment(String),
    #[error("reference contains a control character")]
    ControlCharacter,
    #[error("`${{` at byte {0} is not closed by `}}`")]
    Unterminated(usize),
}

/// The longest reference accepted; a longer text is bad input, not a path.
pub const MAX_REFERENCE_LEN: usize = 4096;

impl Reference {
    /// Parse `scheme:path[#key[#version]]`.
    pub fn parse(text: &str) -> Result<Reference, ReferenceError> {
        if text.chars().any(char::is_control) {
            return Err(ReferenceError::ControlCharacter);
        }
        let shown = || truncate_for_message(text);
        if text.len() > MAX_REFERENCE_LEN {
            return Err(ReferenceError::BadSegment(shown()));
        }
        let scheme =
            Scheme::prefix_of(text).ok_or_else(|| ReferenceError::UnknownScheme(shown()))?;
        let rest = &text[scheme.as_str().len() + 1..];
        let mut parts = rest.split('#');
        let raw_path = parts.next().unwrap_or_default();
        let key = parts.next();
        let version = parts.next();
        if parts.next().is_some() {
            return Err(ReferenceError::TooManyParts(shown()));
        }
        let path = raw_path.trim_start_matches('/');
        if path.is_empty() {
            return Err(ReferenceError::EmptyPath(shown()));
        }
        if !valid_path(path) {
            return Err(ReferenceError::BadSegment(shown()));
        }
        let key = match key {
            Some("") => return Err(ReferenceError::EmptyKey(shown())),
            Some(k) => Some(k.to_string()),
            None => None,
        };
        let version = match version {
            None => None,
            Some(v) => match v.parse::<u64>() {
                Ok(n) if n > 0 && v.bytes().all(|b| b.is_ascii_digit()) => Some(n),
                _ => return Err(ReferenceError::BadVersion(shown())),
            },
        };
        Ok(Reference {
            scheme,
            path: path.to_string(),
            key,
            version,
        })
    }

    /// The same secret, without key or version: what one store read fetches.
    pub fn secret(&self) -> Reference {
        Reference {
            key: None,
            ..self.clone()
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scheme, self.path)?;
        if let Some(key) = &self.key {
            write!(f, "#{key}")?;
        }
        // The grammar has no slot for a version without a key, so a
        // whole-secret pinned version is not printable and never parsed.
        if let (Some(_), Some(version)) = (&self.key, self.version) {
            write!(f, "#{version}")?;
        }
        Ok(())
    }
}

/// A path is `/`-separated non-empty segments, none `.` or `..` (the local
/// store maps paths to files, so traversal must be impossible).
fn valid_path(path: &str) -> bool {
    path.split('/').enumerate().all(|(i, seg)| match seg {
        "." | ".." => false,
        // A trailing `/` is allowed (a folder, for `ls`).
        "" => i == path.split('/').count() - 1 && i > 0,
        _ => true,
    })
}

fn truncate_for_message(text: &str) -> String {
    const MAX: usize = 120;
    if text.len() <= MAX {
        return text.to_string();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

/// A piece of a value with inline `${scheme:...}` references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    Reference(Reference),
}

/// Split a value into literal text and `${...}` references. A `${` not
/// followed by a known scheme (`${HOME}`) is literal text and left alone.
pub fn parse_template(value: &str) -> Result<Vec<Segment>, ReferenceError> {
    let mut segments = Vec::new();
    let mut literal = String::new();
    let mut rest = value;
    let mut offset = 0;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        if Scheme::prefix_of(after).is_none() {
            literal.push_str(&rest[..start + 2]);
            offset += start + 2;
            rest = after;
            continue;
        }
        let end = after
            .find('}')
            .ok_or(ReferenceError::Unterminated(offset + start))?;
        literal.push_str(&rest[..start]);
        if !literal.is_empty() {
            segments.push(Segment::Literal(std::mem::take(&mut literal)));
        }
        segments.push(Segment::Reference(Reference::parse(&after[..end])?));
        offset += start + 2 + end + 1;
        rest = &after[end + 1..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        segments.push(Segment::Literal(literal));
    }
    Ok(segments)
}

/// Whether a value holds any `${scheme:...}` template.
pub fn has_template(value: &str) -> bool {
    value
        .match_indices("${")
        .any(|(i, _)| Scheme::prefix_of(&value[i + 2..]).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn r(text: &str) -> Reference {
        Reference::parse(text).unwrap()
    }

    #[test]
    fn a_vault_reference_has_path_key_and_optional_version() {
        let x = r("vault:secret/app/db#password#3");
        assert_eq!(x.scheme, Scheme::Vault);
        assert_eq!(x.path, "secret/app/db");
        assert_eq!(x.key.as_deref(), Some("password"));
        assert_eq!(x.version, Some(3));
    }

    #[test]
    fn a_reference_without_key_means_the_whole_secret() {
        let x = r("local:app/db");
        assert_eq!(x.key, None);
        assert_eq!(x.version, None);
    }

    #[test]
    fn the_bank_vaults_data_form_is_kept_for_the_backend_to_interpret() {
        assert_eq!(r("vault:secret/data/app/db#pw").path, "secret/data/app/db");
    }

    #[test]
    fn k8s_references_parse() {
        let x = r("k8s:prod/app-db#password");
        assert_eq!((x.scheme, x.path.as_str()), (Scheme::K8s, "prod/app-db"));
    }

    #[test]
    fn malformed_references_are_rejected_with_a_reason() {
        use ReferenceError::*;
        type Check = fn(&ReferenceError) -> bool;
        let cases: &[(&str, Check)] = &[
            ("vault:", |e| matches!(e, EmptyPath(_))),
            ("vault:#key", |e| matches!(e, EmptyPath(_))),
            ("vault:a#", |e| matches!(e, EmptyKey(_))),
            ("vault:a#k#x", |e| matches!(e, BadVersion(_))),
            ("vault:a#k#0", |e| matches!(e, BadVersion(_))),
            ("vault:a#k#+3", |e| matches!(e, BadVersion(_))),
            ("vault:a#k#1#2", |e| matches!(e, TooManyParts(_))),
            ("local:a/../b", |e| matches!(e, BadSegment(_))),
            ("local:a//b", |e| matches!(e, BadSegment(_))),
            ("s3:bucket/x", |e| matches!(e, UnknownScheme(_))),
            ("vault:a\0b", |e| matches!(e, ControlCharacter)),
        ];
        for (text, ok) in cases {
            let err = Reference::parse(text).unwrap_err();
            assert!(ok(&err), "{text}: unexpected {err:?}");
        }
    }

    #[test]
    fn a_template_mixes_literals_and_references() {
        let segs = parse_template("${vault:s/app#user}:${vault:s/app#pass}@db").unwrap();
        assert_eq!(segs.len(), 4);
        assert_eq!(segs[1], Segment::Literal(":".into()));
        assert_eq!(segs[3], Segment::Literal("@db".into()));
    }

    #[test]
    fn shell_style_braces_without_a_scheme_are_left_alone() {
        assert_eq!(
            parse_template("${HOME}/x").unwrap(),
            vec![Segment::Literal("${HOME}/x".into())]
        );
        assert!(!has_template("${HOME}"));
    }

    #[test]
    fn an_unterminated_template_is_an_error() {
        assert_eq!(
            parse_template("ab${vault:x#y").unwrap_err(),
            ReferenceError::Unterminated(2)
        );
    }

    fn path_strategy() -> impl Strategy<Value = String> {
        prop::collection::vec("[a-zA-Z0-9_.-]{1,8}", 1..4)
            .prop_filter("no dot segments", |segs| {
                segs.iter().all(|s| s != "." && s != "..")
            })
            .prop_map(|segs| segs.join("/"))
    }

    proptest! {
        #[test]
        fn parsing_never_panics(text in "\\PC{0,64}") {
            let _ = Reference::parse(&text);
            let _ = parse_template(&text);
        }

        #[test]
        fn display_then_parse_gives_the_same_reference(
            scheme in prop::sample::select(Scheme::ALL.to_vec()),
            path in path_strategy(),
            key in "[a-zA-Z0-9_.-]{1,12}",
            version in prop::option::of(1u64..1000),
        ) {
            let original = Reference { scheme, path, key: Some(key), version };
            prop_assert_eq!(Reference::parse(&original.to_string()).unwrap(), original);
        }

        #[test]
        fn text_without_templates_is_one_literal(text in "[^$]{1,64}") {
            prop_assert_eq!(parse_template(&text).unwrap(), vec![Segment::Literal(text.clone())]);
        }
    }
}
