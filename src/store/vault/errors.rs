//! From a failed vaultrs call to a `StoreError` that names what and where,
//! and shows nothing of a request or an answer but what is safe to print.

use super::transport;
use crate::store::redact::{self, Redactor};
use crate::store::StoreError;
use vaultrs::error::ClientError;

/// What kvault makes of a Vault answer with a non-2xx `status` and `body`:
/// vaultrs's reading of the body (Vault's `{"errors": [...]}` form, or not),
/// then the mapping every call uses. Public for the `http_answer` fuzz target
/// and tests; `hide` holds what the request carried.
pub fn error_from_answer(status: u16, body: &[u8], hide: &Redactor) -> StoreError {
    let error = ClientError::RestClientError {
        source: rustify::errors::ClientError::ServerResponseError {
            code: status,
            content: String::from_utf8(body.to_vec()).ok(),
        },
    };
    map_error(error, "vault (answer)", "path", hide)
}

/// What kvault makes of a 2xx answer to a KV v2 read that is not of the
/// API's shape (the parse error vaultrs reports, then the same mapping).
pub fn error_from_unparsable_read(body: &[u8], hide: &Redactor) -> Option<StoreError> {
    let parsed: Result<
        vaultrs::api::EndpointResult<vaultrs::api::kv2::responses::ReadSecretResponse>,
        _,
    > = serde_json::from_slice(body);
    let e = parsed.err()?;
    let error = ClientError::RestClientError {
        source: rustify::errors::ClientError::ResponseParseError {
            source: e.into(),
            content: String::from_utf8(body.to_vec()).ok(),
        },
    };
    Some(map_error(error, "vault (answer)", "path", hide))
}

/// Turn a vaultrs error into a `StoreError` that names what and where.
/// Nothing of a response body is shown but the `errors[]` strings of
/// Vault's JSON error form, through `hide`; a JSON parse error shows its
/// position, never the text it choked on.
pub(super) fn map_error(e: ClientError, store: &str, path: &str, hide: &Redactor) -> StoreError {
    if let Some(t) = transport(&e) {
        return from_transport(t, store, path);
    }
    match status_of(&e, hide) {
        Some((code, errors)) => from_status(code, &errors, store, path),
        None => from_unusable_answer(&e, store, path),
    }
}

/// A request that failed on the way: a refused redirect, a deadline, a
/// connection that could not be made.
fn from_transport(t: &reqwest::Error, store: &str, path: &str) -> StoreError {
    let redirect = std::error::Error::source(t)
        .and_then(|s| s.downcast_ref::<transport::CrossOriginRedirect>());
    if let Some(r) = redirect {
        return StoreError::Config(format!(
            "{store}: `{path}`: {r}\nhelp: set VAULT_ADDR to the server you mean to trust"
        ));
    }
    let detail = if t.is_timeout() {
        "no answer in time (the request deadline passed; KVAULT_VAULT_TIMEOUT)".to_string()
    } else if t.is_connect() {
        format!("cannot connect: {}", transport_detail(t))
    } else {
        format!("the request failed: {}", transport_detail(t))
    };
    StoreError::Unavailable {
        store: store.into(),
        detail,
    }
}

/// The status of an answer the server gave, and what of its `errors[]` may
/// be shown (through `hide`, at most three, joined by `; `); `None` when the
/// failure is not an error status.
fn status_of(e: &ClientError, hide: &Redactor) -> Option<(u16, String)> {
    use rustify::errors::ClientError as Rest;
    let shown = |errors: &[String]| {
        errors
            .iter()
            .map(|e| hide.remote(e))
            .filter(|e| !e.is_empty())
            .take(3)
            .collect::<Vec<_>>()
            .join("; ")
    };
    match e {
        ClientError::APIError { code, errors } => Some((*code, shown(errors))),
        // Calls made through rustify directly get the body as it came:
        // Vault's error form shows its errors[], anything else (a proxy's
        // page, an echo) the status only.
        ClientError::RestClientError {
            source: Rest::ServerResponseError { code, content },
        } => Some((
            *code,
            content
                .as_deref()
                .and_then(vault_errors)
                .map_or_else(String::new, |e| shown(&e)),
        )),
        _ => None,
    }
}

/// The largest answer kvault reads from Vault/OpenBao. Vault refuses
/// requests over 32 MiB by default (`max_request_size`), so no secret it
/// stores comes back larger; 64 MiB only stops a server that streams
/// without end, before it fills memory.
pub(super) const MAX_ANSWER_BYTES: u64 = 64 << 20;

/// An answer that could not be used (too large, not JSON of the API's
/// shape, not text, empty), or a failure of another kind.
fn from_unusable_answer(e: &ClientError, store: &str, path: &str) -> StoreError {
    use rustify::errors::ClientError as Rest;
    match e {
        ClientError::RestClientError {
            source: Rest::ResponseError { source },
        } if source
            .downcast_ref::<rustify::clients::reqwest::ResponseTooLarge>()
            .is_some() =>
        {
            StoreError::Corrupt(format!(
                "{store}: the answer for `{path}` is larger than {} MiB, more than Vault stores",
                MAX_ANSWER_BYTES >> 20
            ))
        }
        ClientError::RestClientError {
            source: Rest::ResponseParseError { source, .. },
        } => {
            let why = source.downcast_ref::<serde_json::Error>().map_or_else(
                || "is not what the API returns".to_string(),
                redact::json_error,
            );
            StoreError::Corrupt(format!("{store}: the answer for `{path}` {why}"))
        }
        ClientError::JsonParseError { source } => StoreError::Corrupt(format!(
            "{store}: the answer for `{path}` {}",
            redact::json_error(source)
        )),
        ClientError::RestClientError {
            source: Rest::ResponseConversionError { .. },
        } => StoreError::Corrupt(format!(
            "{store}: the answer for `{path}` is not UTF-8 text"
        )),
        ClientError::ResponseEmptyError | ClientError::ResponseDataEmptyError => {
            StoreError::Corrupt(format!("{store}: `{path}` answered with no data"))
        }
        // Only the top-level text: a source could quote the response.
        other => StoreError::Config(format!("{store}: `{path}`: {other}")),
    }
}

/// An error status, with the `errors[]` text that may be shown.
fn from_status(code: u16, errors: &str, store: &str, path: &str) -> StoreError {
    let detail = if errors.is_empty() {
        format!("HTTP {code}")
    } else {
        format!("HTTP {code}: {errors}")
    };
    match code {
        404 => StoreError::NotFound {
            store: store.into(),
            path: path.into(),
        },
        403 | 401 => StoreError::PermissionDenied {
            store: store.into(),
            path: path.into(),
            detail,
        },
        400 if errors.contains("check-and-set") => StoreError::CasConflict {
            store: store.into(),
            path: path.into(),
            detail,
        },
        503 if errors.to_lowercase().contains("sealed") => StoreError::Unavailable {
            store: store.into(),
            detail: "the server is sealed".into(),
        },
        429 | 500..=599 => StoreError::Unavailable {
            store: store.into(),
            detail,
        },
        300..=399 => StoreError::Config(format!(
            "{store}: `{path}`: {detail}, a redirect kvault did not follow\nhelp: set VAULT_ADDR to the server's own address"
        )),
        _ => StoreError::BadInput(format!("{store} refused `{path}`: {detail}")),
    }
}

/// The transport error under a vaultrs error, if the failure was there.
fn transport(e: &ClientError) -> Option<&reqwest::Error> {
    match e {
        ClientError::RestClientError {
            source: rustify::errors::ClientError::RequestError { source, .. },
        }
        | ClientError::RestClientError {
            source: rustify::errors::ClientError::ResponseError { source },
        } => source.downcast_ref::<reqwest::Error>(),
        _ => None,
    }
}

/// True when the server answered with a redirect to another origin (a
/// standby without request forwarding points at the active node so).
pub(super) fn redirected_elsewhere(e: &ClientError) -> bool {
    transport(e)
        .and_then(|t| std::error::Error::source(t))
        .is_some_and(|s| s.downcast_ref::<transport::CrossOriginRedirect>().is_some())
}

/// True when the request got no answer before its deadline.
pub(super) fn timed_out(e: &ClientError) -> bool {
    transport(e).is_some_and(reqwest::Error::is_timeout)
}

/// True only when the request certainly did not leave: the connection
/// could not be made.
pub(super) fn never_sent(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::RestClientError {
            source: rustify::errors::ClientError::RequestError { .. },
        }
    ) && transport(e).is_some_and(|t| t.is_connect())
}

/// The causes of a transport error, without the URL (it may carry
/// userinfo) and bounded.
fn transport_detail(e: &reqwest::Error) -> String {
    let mut out = redact::causes(e);
    if let Some(url) = e.url() {
        out = out.replace(url.as_str(), &redact::display_url(url.as_str()));
    }
    Redactor::new().remote(&out)
}

/// The `errors[]` strings of Vault's JSON error form, if `body` is one.
fn vault_errors(body: &str) -> Option<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<String>,
    }
    serde_json::from_str::<Errors>(body).ok().map(|e| e.errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> StoreError {
        error_from_answer(status, body.as_bytes(), &Redactor::new())
    }

    #[test]
    fn a_404_is_not_found_and_names_the_path() {
        let e = answer(404, r#"{"errors":[]}"#);
        assert!(e.is_not_found(), "{e:?}");
        assert!(
            matches!(&e, StoreError::NotFound { path, .. } if path == "path"),
            "{e:?}"
        );
        assert!(!e.is_retryable());
    }

    #[test]
    fn a_403_is_permission_denied_with_vaults_errors() {
        let e = answer(
            403,
            r#"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#,
        );
        match &e {
            StoreError::PermissionDenied { detail, path, .. } => {
                assert_eq!(path, "path");
                assert_eq!(detail, "HTTP 403: 1 error occurred: * permission denied");
            }
            other => panic!("{other:?}"),
        }
        assert!(!e.is_retryable());
    }

    #[test]
    fn a_401_is_permission_denied_too() {
        let e = answer(401, r#"{"errors":["missing client token"]}"#);
        assert!(
            matches!(&e, StoreError::PermissionDenied { detail, .. } if detail == "HTTP 401: missing client token"),
            "{e:?}"
        );
    }

    #[test]
    fn a_403_body_that_echoes_the_token_is_redacted() {
        let token = "dev-only-root-token-4711";
        let hide = Redactor::new().secret(token.as_bytes());
        let body = format!(r#"{{"errors":["permission denied for token {token}"]}}"#);
        let e = error_from_answer(403, body.as_bytes(), &hide);
        let shown = e.to_string();
        assert!(!shown.contains(token), "{shown}");
        assert!(shown.contains(redact::REDACTED), "{shown}");
        assert!(matches!(&e, StoreError::PermissionDenied { .. }), "{e:?}");
    }

    #[test]
    fn a_token_shaped_word_in_an_answer_is_hidden_even_when_not_known() {
        let token = "hvs.CAESIJlU9JMYEhOPYv4igdhm9PnZDrabYTobQ4Ymnlq1qY-vGh4KHGh2cy5";
        let body = format!(r#"{{"errors":["token {token} is not allowed"]}}"#);
        let shown = answer(403, &body).to_string();
        assert!(
            !shown.contains("CAESIJlU9JMYEhOPYv4igdhm9PnZDrabYTobQ4Y"),
            "{shown}"
        );
    }

    #[test]
    fn a_value_the_request_carried_is_redacted_from_the_answer() {
        let value = "s3cr3t-database-password";
        let hide = Redactor::new().secret(value.as_bytes());
        let body = format!(r#"{{"errors":["cannot store {value}: bad input"]}}"#);
        let shown = error_from_answer(400, body.as_bytes(), &hide).to_string();
        assert!(!shown.contains(value), "{shown}");
        assert!(shown.contains("bad input"), "{shown}");
    }

    #[test]
    fn a_503_that_says_sealed_is_unavailable_because_sealed() {
        let e = answer(503, r#"{"errors":["Vault is sealed"]}"#);
        assert!(
            matches!(&e, StoreError::Unavailable { detail, .. } if detail == "the server is sealed"),
            "{e:?}"
        );
        assert!(e.is_retryable());
    }

    #[test]
    fn a_5xx_or_429_is_unavailable_and_retryable() {
        for status in [500, 502, 503, 504, 429] {
            let e = answer(status, r#"{"errors":["busy"]}"#);
            assert!(
                matches!(&e, StoreError::Unavailable { detail, .. } if *detail == format!("HTTP {status}: busy")),
                "{status}: {e:?}"
            );
            assert!(e.is_retryable(), "{status}");
        }
    }

    #[test]
    fn a_400_about_check_and_set_is_a_cas_conflict() {
        let e = answer(
            400,
            r#"{"errors":["check-and-set parameter did not match the current version"]}"#,
        );
        assert!(matches!(&e, StoreError::CasConflict { .. }), "{e:?}");
        assert!(!e.is_retryable());
    }

    #[test]
    fn another_4xx_is_bad_input_naming_the_status() {
        let e = answer(405, r#"{"errors":["unsupported operation"]}"#);
        match &e {
            StoreError::BadInput(m) => {
                assert_eq!(
                    m,
                    "vault (answer) refused `path`: HTTP 405: unsupported operation"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_redirect_status_is_a_config_error_pointing_at_vault_addr() {
        let e = answer(307, "");
        match &e {
            StoreError::Config(m) => {
                assert!(
                    m.contains("HTTP 307, a redirect kvault did not follow"),
                    "{m}"
                );
                assert!(m.contains("VAULT_ADDR"), "{m}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_body_not_in_vaults_error_form_shows_the_status_only() {
        for body in [
            "<html><body>proxy says: Authorization: hunter2-secret</body></html>",
            r#"{"error":"hunter2-secret"}"#,
            r#"{"errors":"hunter2-secret"}"#,
        ] {
            let e = answer(403, body);
            assert!(
                matches!(&e, StoreError::PermissionDenied { detail, .. } if detail == "HTTP 403"),
                "{body}: {e:?}"
            );
        }
    }

    #[test]
    fn a_body_that_is_not_utf8_shows_the_status_only() {
        let e = error_from_answer(500, &[0xff, 0xfe, b'{'], &Redactor::new());
        assert!(
            matches!(&e, StoreError::Unavailable { detail, .. } if detail == "HTTP 500"),
            "{e:?}"
        );
    }

    #[test]
    fn at_most_three_non_empty_errors_are_shown() {
        let e = answer(400, r#"{"errors":["one","","two","three","four"]}"#);
        match &e {
            StoreError::BadInput(m) => assert!(m.ends_with("HTTP 400: one; two; three"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn vault_errors_reads_the_errors_array_of_vaults_error_form_only() {
        assert_eq!(
            vault_errors(r#"{"errors":["a","b"]}"#),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(vault_errors(r#"{"errors":[]}"#), Some(vec![]));
        assert_eq!(vault_errors(r#"{"errors":"a"}"#), None);
        assert_eq!(vault_errors(r#"{"error":"a"}"#), None);
        assert_eq!(vault_errors("<html>403 Forbidden</html>"), None);
        assert_eq!(vault_errors(""), None);
    }

    #[test]
    fn a_read_answer_of_another_shape_is_corrupt_and_quotes_none_of_it() {
        let body = br#"{"data":"s3cr3t-value-in-the-answer","lease_id":""}"#;
        let e = error_from_unparsable_read(body, &Redactor::new()).expect("not the API's shape");
        match &e {
            StoreError::Corrupt(m) => {
                assert!(
                    m.starts_with("vault (answer): the answer for `path` "),
                    "{m}"
                );
                assert!(!m.contains("s3cr3t"), "{m}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_read_answer_that_is_not_json_is_corrupt_with_its_position() {
        let e = error_from_unparsable_read(b"password=hunter2", &Redactor::new()).unwrap();
        let shown = e.to_string();
        assert!(
            shown.contains("is not valid JSON (line 1, column"),
            "{shown}"
        );
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn a_read_answer_of_the_apis_shape_is_no_error() {
        let body = br#"{
            "request_id": "r", "lease_id": "", "lease_duration": 0, "renewable": false,
            "data": {
                "data": {"password": "x"},
                "metadata": {"created_time": "2024-01-01T00:00:00Z", "deletion_time": "",
                             "custom_metadata": null, "destroyed": false, "version": 3}
            }
        }"#;
        assert!(error_from_unparsable_read(body, &Redactor::new()).is_none());
    }

    #[test]
    fn an_answer_with_no_data_is_corrupt() {
        let e = map_error(
            ClientError::ResponseDataEmptyError,
            "vault (x)",
            "kv/app",
            &Redactor::new(),
        );
        assert!(
            matches!(&e, StoreError::Corrupt(m) if m == "vault (x): `kv/app` answered with no data"),
            "{e:?}"
        );
    }

    #[test]
    fn an_api_error_was_sent_so_it_is_not_never_sent() {
        let e = ClientError::APIError {
            code: 503,
            errors: vec![],
        };
        assert!(!never_sent(&e));
    }
}
