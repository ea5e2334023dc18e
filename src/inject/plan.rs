//! Classify environment variables: which hold references and what kind.
//! Pure: no I/O.

use crate::store::reference::{has_template, Reference, ReferenceError};
use crate::store::Scheme;
use crate::template as key_template;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

/// What one variable's value asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// `vault:secret/app#key`: one key of a secret.
    Key(Reference),
    /// A value with `${...}` references between literal text.
    Template(Vec<Part>),
    /// `>>vault:PATH#KEY[#{json}]`: write to a dynamic engine, take KEY.
    Dynamic(DynamicRef),
    /// `vault:v1:...`: a transit ciphertext to decrypt.
    Transit(String),
}

/// One piece of a template value: vault-env allows every kind of reference
/// inline, `${>>vault:...}` and `${vault:v1:...}` included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    Literal(String),
    Reference(Reference),
    Dynamic(DynamicRef),
    Transit(String),
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DynamicRef {
    pub request: DynamicRequest,
    pub key: String,
}

/// One write to a dynamic engine. Variables that share it share one
/// response, so the username and password of one credential match.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DynamicRequest {
    pub path: String,
    pub params: BTreeMap<String, String>,
}

/// A variable that cannot be planned, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{var}: {source}")]
    Reference { var: String, source: ReferenceError },
    #[error("{var}: `{reference}` names a whole secret; an environment variable needs one key (`{reference}#KEY`)")]
    NoKey { var: String, reference: String },
    #[error("{var}: the value looks like a reference but is not UTF-8")]
    NotUtf8 { var: String },
    #[error("{var}: {detail}")]
    Dynamic { var: String, detail: String },
    #[error("{var}: {detail}")]
    KeyTemplate { var: String, detail: String },
}

/// Decide what `value` asks for; `None` for a plain value to pass on as is.
/// A Go-template key (`#${.password | urlquery}`) is checked here, so a
/// template that cannot work fails before any secret is read.
pub fn classify(name: &OsStr, value: &OsStr) -> Result<Option<Wanted>, PlanError> {
    let wanted = classify_unchecked(name, value)?;
    if let Some(w) = &wanted {
        for key in keys_of(w) {
            if key_template::is_template(key) {
                key_template::check(key).map_err(|detail| PlanError::KeyTemplate {
                    var: name.to_string_lossy().into_owned(),
                    detail,
                })?;
            }
        }
    }
    Ok(wanted)
}

/// Every key `w` picks out of a secret or a dynamic answer.
fn keys_of(w: &Wanted) -> Vec<&str> {
    fn key_of_part(p: &Part) -> Option<&str> {
        match p {
            Part::Reference(r) => r.key.as_deref(),
            Part::Dynamic(d) => Some(d.key.as_str()),
            Part::Literal(_) | Part::Transit(_) => None,
        }
    }
    match w {
        Wanted::Key(r) => r.key.as_deref().into_iter().collect(),
        Wanted::Dynamic(d) => vec![d.key.as_str()],
        Wanted::Template(parts) => parts.iter().filter_map(key_of_part).collect(),
        Wanted::Transit(_) => Vec::new(),
    }
}

fn classify_unchecked(name: &OsStr, value: &OsStr) -> Result<Option<Wanted>, PlanError> {
    let var = || name.to_string_lossy().into_owned();
    let Some(text) = value.to_str() else {
        let bytes = value.as_bytes();
        let looks = bytes.starts_with(b">>")
            || Scheme::ALL
                .iter()
                .any(|s| bytes.starts_with(format!("{}:", s.as_str()).as_bytes()));
        return if looks {
            Err(PlanError::NotUtf8 { var: var() })
        } else {
            Ok(None)
        };
    };
    // vault-env's `VAULT_TOKEN=vault:login` is an instruction, not a
    // reference; so are the paths `VAULT_ENV_FROM_PATH` names (`vault:` is
    // allowed there, and `#N` is a version, not a key).
    if (name == "VAULT_TOKEN" && text == "vault:login") || name == "VAULT_ENV_FROM_PATH" {
        return Ok(None);
    }
    if let Some(rest) = text.strip_prefix(">>vault:") {
        return parse_dynamic(rest)
            .map(|d| Some(Wanted::Dynamic(d)))
            .map_err(|detail| PlanError::Dynamic { var: var(), detail });
    }
    if text.starts_with("vault:v1:") {
        return Ok(Some(Wanted::Transit(text.to_string())));
    }
    if Scheme::prefix_of(text).is_some() {
        let reference =
            Reference::parse(text).map_err(|source| PlanError::Reference { var: var(), source })?;
        if reference.key.is_none() {
            return Err(PlanError::NoKey {
                var: var(),
                reference: text.to_string(),
            });
        }
        return Ok(Some(Wanted::Key(reference)));
    }
    if has_inline(text) {
        return parse_inline(text)
            .map(|parts| Some(Wanted::Template(parts)))
            .map_err(|e| match e {
                InlineError::Reference(source) => PlanError::Reference { var: var(), source },
                InlineError::NoKey(reference) => PlanError::NoKey {
                    var: var(),
                    reference,
                },
                InlineError::Dynamic(detail) => PlanError::Dynamic { var: var(), detail },
            });
    }
    Ok(None)
}

/// Whether a value holds a `${...}` kvault resolves: a reference of any
/// scheme, a dynamic `>>vault:` one or a `vault:v1:` ciphertext.
fn has_inline(text: &str) -> bool {
    has_template(text)
        || text
            .match_indices("${")
            .any(|(i, _)| text[i + 2..].starts_with(">>vault:"))
}

enum InlineError {
    Reference(ReferenceError),
    NoKey(String),
    Dynamic(String),
}

/// Split a value into literal text and inline references. The inner text
/// runs to the `}` that balances the opening one, so the JSON parameters of
/// `${>>vault:pki/issue/web#certificate#{"common_name":"a"}}` stay whole.
fn parse_inline(text: &str) -> Result<Vec<Part>, InlineError> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let ours = after.starts_with(">>vault:") || Scheme::prefix_of(after).is_some();
        if !ours {
            literal.push_str(&rest[..start + 2]);
            rest = after;
            continue;
        }
        let offset = text.len() - rest.len() + start;
        let end = balanced_end(after)
            .ok_or(InlineError::Reference(ReferenceError::Unterminated(offset)))?;
        let inner = &after[..end];
        literal.push_str(&rest[..start]);
        if !literal.is_empty() {
            parts.push(Part::Literal(std::mem::take(&mut literal)));
        }
        parts.push(if let Some(dynamic) = inner.strip_prefix(">>vault:") {
            Part::Dynamic(parse_dynamic(dynamic).map_err(InlineError::Dynamic)?)
        } else if inner.starts_with("vault:v1:") {
            Part::Transit(inner.to_string())
        } else {
            let reference = Reference::parse(inner).map_err(InlineError::Reference)?;
            if reference.key.is_none() {
                return Err(InlineError::NoKey(reference.to_string()));
            }
            Part::Reference(reference)
        });
        rest = &after[end + 1..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    Ok(parts)
}

/// The index of the `}` that closes a `${` whose inner text is `after`.
fn balanced_end(after: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in after.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// `PATH#KEY` or `PATH#KEY#{"param":"value"}` (Bank-Vaults' write form).
fn parse_dynamic(rest: &str) -> Result<DynamicRef, String> {
    let (path, after) = rest
        .split_once('#')
        .ok_or("a `>>vault:` reference needs `#KEY`")?;
    let (key, params) = match after.split_once('#') {
        Some((k, p)) => (k, Some(p)),
        None => (after, None),
    };
    // Trim first: `>>vault:/#k` has no path at all (found by fuzzing).
    let path = path.trim_matches('/');
    if path.is_empty() || key.is_empty() {
        return Err("a `>>vault:` reference needs a path and a key".into());
    }
    if path
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err(format!(
            "the `>>vault:` path `{path}` has an empty, `.` or `..` segment"
        ));
    }
    let params = match params {
        None => BTreeMap::new(),
        Some(p) => {
            let value: serde_json::Map<String, serde_json::Value> = serde_json::from_str(p)
                .map_err(|e| {
                    format!("the parameters after `#{key}#` are not a JSON object: {e}")
                })?;
            value
                .into_iter()
                .map(|(k, v)| {
                    (
                        k,
                        match v {
                            serde_json::Value::String(s) => s,
                            other => other.to_string(),
                        },
                    )
                })
                .collect()
        }
    };
    Ok(DynamicRef {
        request: DynamicRequest {
            path: path.to_string(),
            params,
        },
        key: key.to_string(),
    })
}

/// Every variable that asks for something, in the order given.
pub fn plan(env: &[(OsString, OsString)]) -> (Vec<(OsString, Wanted)>, Vec<PlanError>) {
    let mut wanted = Vec::new();
    let mut errors = Vec::new();
    for (name, value) in env {
        match classify(name, value) {
            Ok(Some(w)) => wanted.push((name.clone(), w)),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    (wanted, errors)
}

#[cfg(test)]
mod tests {

    #[test]
    fn inline_dynamic_and_transit_references_are_parts_of_a_template() {
        let value = OsStr::new(
            r#"cert=${>>vault:pki/issue/web#certificate#{"common_name":"a.test"}};pw=${vault:v1:abc};u=${vault:secret/app#user}"#,
        );
        let Some(Wanted::Template(parts)) = classify(OsStr::new("X"), value).unwrap() else {
            panic!("not a template");
        };
        assert_eq!(parts.len(), 6, "{parts:?}");
        assert!(
            matches!(&parts[1], Part::Dynamic(d) if d.key == "certificate"
            && d.request.params.get("common_name").map(String::as_str) == Some("a.test"))
        );
        assert_eq!(parts[3], Part::Transit("vault:v1:abc".into()));
        assert!(matches!(&parts[5], Part::Reference(r) if r.key.as_deref() == Some("user")));
    }

    #[test]
    fn an_unclosed_inline_reference_is_an_error_never_passed_through() {
        let err = classify(
            OsStr::new("X"),
            OsStr::new("a${>>vault:pki/issue/web#cert#{"),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("X: "), "{err}");
        assert_eq!(
            classify(OsStr::new("X"), OsStr::new("${HOME}/x")).unwrap(),
            None
        );
    }

    use super::*;
    use std::os::unix::ffi::OsStringExt;

    fn c(value: &str) -> Result<Option<Wanted>, PlanError> {
        classify(OsStr::new("V"), OsStr::new(value))
    }

    #[test]
    fn plain_values_and_lookalikes_are_left_alone() {
        assert_eq!(c("hello").unwrap(), None);
        assert_eq!(c("https://example.test/vault:x").unwrap(), None);
        assert_eq!(c("${HOME}/bin").unwrap(), None);
        assert_eq!(c("s3:bucket").unwrap(), None);
    }

    #[test]
    fn a_reference_needs_a_key() {
        assert!(matches!(
            c("vault:secret/app#pw").unwrap(),
            Some(Wanted::Key(_))
        ));
        assert!(matches!(
            c("vault:secret/app"),
            Err(PlanError::NoKey { .. })
        ));
    }

    #[test]
    fn transit_ciphertexts_are_recognised_before_references() {
        assert_eq!(
            c("vault:v1:abcd").unwrap(),
            Some(Wanted::Transit("vault:v1:abcd".into()))
        );
    }

    #[test]
    fn dynamic_references_take_optional_json_parameters() {
        let Some(Wanted::Dynamic(d)) =
            c(r#">>vault:pki/issue/web#certificate#{"common_name":"a.test","ttl":60}"#).unwrap()
        else {
            panic!("not dynamic")
        };
        assert_eq!(
            (d.request.path.as_str(), d.key.as_str()),
            ("pki/issue/web", "certificate")
        );
        assert_eq!(d.request.params["common_name"], "a.test");
        assert_eq!(d.request.params["ttl"], "60");
        assert!(c(">>vault:database/creds/app").is_err());
    }

    // `>>vault:/#k` was found by the `env_classify` fuzz target.
    #[test]
    fn dynamic_references_need_a_real_path() {
        for bad in [
            ">>vault:/#k",
            ">>vault:///#k",
            ">>vault:pki/../sys#k",
            ">>vault:a//b#k",
        ] {
            assert!(c(bad).is_err(), "{bad} was accepted");
        }
        let Some(Wanted::Dynamic(d)) = c(">>vault:/database/creds/app/#username").unwrap() else {
            panic!("not dynamic")
        };
        assert_eq!(d.request.path, "database/creds/app");
    }

    #[test]
    fn a_non_utf8_value_that_looks_like_a_reference_is_an_error() {
        let bad = OsString::from_vec(b"vault:secret/\xff#k".to_vec());
        assert!(matches!(
            classify(OsStr::new("V"), &bad),
            Err(PlanError::NotUtf8 { .. })
        ));
        let plain = OsString::from_vec(b"\xffplain".to_vec());
        assert_eq!(classify(OsStr::new("V"), &plain).unwrap(), None);
    }

    #[test]
    fn malformed_references_name_the_variable() {
        let err = classify(OsStr::new("DB_PASS"), OsStr::new("vault:#x")).unwrap_err();
        assert!(err.to_string().starts_with("DB_PASS: "));
    }
}
