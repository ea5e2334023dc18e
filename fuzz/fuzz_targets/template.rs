//! `parse_template` on arbitrary text: never panics; every reference it
//! returns comes from a `${...}` of the input, in order; the segments print
//! back to a value that parses to the same segments.

#![no_main]

#[path = "common/mod.rs"]
mod common;

use kvault::store::reference::{
    has_template, parse_template, Reference, ReferenceError, Scheme, Segment,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = common::utf8_prefix(data);
    let opens = text.matches("${").count();
    let segments = match parse_template(text) {
        Ok(s) => s,
        Err(e) => {
            // Only a value with a `${scheme:` can be wrong.
            assert!(
                has_template(text),
                "{text:?} has no template but fails: {e}"
            );
            if let ReferenceError::Unterminated(at) = e {
                assert!(text.is_char_boundary(at), "offset {at} in {text:?}");
                assert!(text[at..].starts_with("${"), "offset {at} in {text:?}");
                assert!(!text[at..].contains('}'), "offset {at} in {text:?}");
            }
            return;
        }
    };

    let references: Vec<&Reference> = segments
        .iter()
        .filter_map(|s| match s {
            Segment::Reference(r) => Some(r),
            Segment::Literal(_) => None,
        })
        .collect();
    assert!(
        references.len() <= opens,
        "{} references, {opens} `${{`",
        references.len()
    );
    assert_eq!(references.is_empty(), !has_template(text), "{text:?}");

    // Each reference is the parse of some `${scheme:...}` of the input, in
    // input order (the candidates may overlap; the parser picks a subsequence).
    let candidates: Vec<Reference> = text
        .match_indices("${")
        .filter_map(|(i, _)| {
            let after = &text[i + 2..];
            Scheme::prefix_of(after)?;
            let end = after.find('}')?;
            Reference::parse(&after[..end]).ok()
        })
        .collect();
    let mut rest = candidates.iter();
    for r in &references {
        assert!(
            rest.any(|c| c == *r),
            "{r} is not from a `${{...}}` of {text:?} (in order)"
        );
    }

    // Literals are non-empty, never adjacent, and only ever input text.
    let mut literal_len = 0;
    for pair in segments.windows(2) {
        assert!(
            !matches!(pair, [Segment::Literal(_), Segment::Literal(_)]),
            "adjacent literals for {text:?}"
        );
    }
    for s in &segments {
        if let Segment::Literal(l) = s {
            assert!(!l.is_empty(), "empty literal for {text:?}");
            literal_len += l.len();
        }
    }
    assert!(literal_len <= text.len());
    if references.is_empty() {
        let whole: Vec<Segment> = if text.is_empty() {
            vec![]
        } else {
            vec![Segment::Literal(text.to_string())]
        };
        assert_eq!(segments, whole);
    }

    // Printing the segments back gives a value with the same meaning.
    let rebuilt: String = segments
        .iter()
        .map(|s| match s {
            Segment::Literal(l) => l.clone(),
            Segment::Reference(r) => format!("${{{r}}}"),
        })
        .collect();
    let again = parse_template(&rebuilt)
        .unwrap_or_else(|e| panic!("{text:?} rebuilt as {rebuilt:?} fails: {e}"));
    assert_eq!(again, segments, "{text:?} rebuilt as {rebuilt:?}");
});
