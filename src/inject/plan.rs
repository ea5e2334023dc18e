//! Classify environment variables: which hold references and what kind.
//! Pure: no I/O.

use crate::store::reference::{has_template, parse_template, Reference, ReferenceError, Segment};
use crate::store::Scheme;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

/// What one variable's value asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// `vault:secret/app#key`: one key of a secret.
    Key(Reference),
    /// A value with `${...}` references between literal text.
    Template(Vec<Segment>),
    /// `>>vault:PATH#KEY[#{json}]`: write to a dynamic engine, take KEY.
    Dynamic(DynamicRef),
    /// `vault:v1:...`: a transit ciphertext to decrypt.
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
}

/// Decide what `value` asks for; `None` for a plain value to pass on as is.
pub fn classify(name: &OsStr, value: &OsStr) -> Result<Option<Wanted>, PlanError> {
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
    if has_template(text) {
        let segments =
            parse_template(text).map_err(|source| PlanError::Reference { var: var(), source })?;
        for seg in &segments {
            if let Segment::Reference(r) = seg {
                if r.key.is_none() {
                    return Err(PlanError::NoKey {
                        var: var(),
                        reference: r.to_string(),
                    });
                }
            }
        }
        return Ok(Some(Wanted::Template(segments)));
    }
    Ok(None)
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
