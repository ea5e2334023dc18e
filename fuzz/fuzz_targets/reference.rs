//! `Reference::parse` on arbitrary text: never panics; whatever it accepts
//! is well formed and prints back to text that parses to the same reference.

#![no_main]

#[path = "common/mod.rs"]
mod common;

use kvault::store::reference::{Reference, MAX_REFERENCE_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = common::utf8_prefix(data);
    let reference = match Reference::parse(text) {
        Ok(r) => r,
        Err(e) => {
            // Messages quote the reference: one line, bounded length.
            let msg = e.to_string();
            assert!(
                !msg.chars().any(char::is_control),
                "control character in {msg:?}"
            );
            assert!(msg.len() <= 300, "error message of {} bytes", msg.len());
            return;
        }
    };

    assert!(text.len() <= MAX_REFERENCE_LEN);
    assert!(!text.chars().any(char::is_control));
    assert!(text.starts_with(&format!("{}:", reference.scheme)));
    check_path(&reference.path);
    if let Some(key) = &reference.key {
        assert!(!key.is_empty() && !key.contains('#'), "key {key:?}");
    }
    if let Some(version) = reference.version {
        assert!(version > 0);
        assert!(
            reference.key.is_some(),
            "a version without a key: {reference:?}"
        );
    }

    // Round trip, and Display is a fixed point.
    let shown = reference.to_string();
    let again = Reference::parse(&shown)
        .unwrap_or_else(|e| panic!("{text:?} parses but its Display {shown:?} does not: {e}"));
    assert_eq!(again, reference, "{text:?} -> {shown:?}");
    assert_eq!(again.to_string(), shown);
    // The whole secret prints as `scheme:path` (no slot for a version).
    assert_eq!(
        reference.secret().to_string(),
        format!("{}:{}", reference.scheme, reference.path)
    );
});

/// `/`-separated, no leading `/`, no `.`/`..`, no empty segment except a
/// trailing `/` (a folder).
fn check_path(path: &str) {
    assert!(!path.is_empty(), "empty path");
    assert!(!path.starts_with('/'), "leading / in {path:?}");
    assert!(!path.contains('#'), "# in path {path:?}");
    let segments: Vec<&str> = path.split('/').collect();
    for (i, seg) in segments.iter().enumerate() {
        assert!(*seg != "." && *seg != "..", "dot segment in {path:?}");
        if seg.is_empty() {
            assert!(
                i == segments.len() - 1 && i > 0,
                "empty segment in {path:?}"
            );
        }
    }
}
