//! `classify(name, value)` on arbitrary bytes (`NAME=VALUE`, split at the
//! first `=`; no `=` means the name `V`): never panics, and what it returns
//! agrees with the reference grammar.

#![no_main]

#[path = "common/mod.rs"]
mod common;

use kvault::inject::plan::{classify, plan, PlanError, Wanted};
use kvault::store::reference::{has_template, parse_template, Reference, Segment};
use kvault::store::Scheme;
use libfuzzer_sys::fuzz_target;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

fuzz_target!(|data: &[u8]| {
    let (name, value) = match data.iter().position(|&b| b == b'=') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"V"[..], data),
    };
    let (name, value) = (OsStr::from_bytes(name), OsStr::from_bytes(value));
    let outcome = classify(name, value);

    // Deterministic, and `plan` is `classify` over a list.
    assert_eq!(classify(name, value), outcome);
    let (wanted, errors) = plan(&[(name.to_os_string(), value.to_os_string())]);
    match &outcome {
        Ok(Some(w)) => assert!(errors.is_empty() && wanted == [(name.to_os_string(), w.clone())]),
        Ok(None) => assert!(wanted.is_empty() && errors.is_empty()),
        Err(e) => assert!(wanted.is_empty() && errors == [e.clone()]),
    }

    let Some(text) = value.to_str() else {
        // Non-UTF-8: passed on as is, or refused when it looks like a reference.
        match &outcome {
            Ok(None) => {}
            Err(PlanError::NotUtf8 { .. }) => {
                let b = value.as_bytes();
                assert!(
                    b.starts_with(b">>")
                        || Scheme::ALL
                            .iter()
                            .any(|s| b.starts_with(format!("{s}:").as_bytes()))
                );
            }
            other => panic!("non-UTF-8 value classified as {other:?}"),
        }
        return;
    };

    match outcome {
        Ok(None) => {
            let token_login = name == "VAULT_TOKEN" && text == "vault:login";
            assert!(
                token_login
                    || !(text.starts_with(">>vault:")
                        || Scheme::prefix_of(text).is_some()
                        || has_template(text)),
                "{text:?} looks like a reference but was passed on"
            );
        }
        Ok(Some(Wanted::Key(r))) => {
            assert!(r.key.is_some(), "{text:?} -> {r:?} without a key");
            assert_eq!(Reference::parse(text).as_ref(), Ok(&r));
        }
        Ok(Some(Wanted::Template(segments))) => {
            assert!(Scheme::prefix_of(text).is_none() && has_template(text));
            assert_eq!(parse_template(text).as_ref(), Ok(&segments));
            for s in &segments {
                if let Segment::Reference(r) = s {
                    assert!(r.key.is_some(), "{text:?}: {r} without a key");
                }
            }
        }
        Ok(Some(Wanted::Transit(t))) => {
            assert!(t == text && t.starts_with("vault:v1:"));
        }
        Ok(Some(Wanted::Dynamic(d))) => {
            let rest = text
                .strip_prefix(">>vault:")
                .expect("dynamic without >>vault:");
            assert!(
                !d.key.is_empty() && !d.key.contains('#'),
                "{text:?}: key {:?}",
                d.key
            );
            let path = &d.request.path;
            // "needs a path": a path of only `/` is no path either
            // (regressions/env_classify/dynamic-empty-path).
            assert!(!path.is_empty(), "{text:?}: empty dynamic path");
            assert!(
                !path.starts_with('/') && !path.ends_with('/'),
                "{text:?}: path {path:?}"
            );
            assert!(!path.contains('#') && rest.contains(path.as_str()));
        }
        Err(e) => {
            assert!(!matches!(e, PlanError::NotUtf8 { .. }), "{text:?} is UTF-8");
            let shown = e.to_string();
            let var = name.to_string_lossy();
            assert!(
                shown.starts_with(&format!("{var}: ")),
                "{shown:?} does not name {var:?}"
            );
        }
    }
});
