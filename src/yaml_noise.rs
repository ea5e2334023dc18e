//! Test support: YAML-shaped noise for property tests of the YAML front
//! doors (sync plans, audit manifests). Real keys and structure mixed with
//! arbitrary text, so generated inputs get past the first syntax error.

use proptest::prelude::*;

/// Documents built from YAML syntax, the given `words` (the keys and values
/// the parser under test knows), and arbitrary short text.
pub fn yaml_noise(words: &'static [&'static str]) -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("\n".to_string()),
        Just("\n  ".to_string()),
        Just("\n- ".to_string()),
        Just("---\n".to_string()),
        Just(": ".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(", ".to_string()),
        Just("&a ".to_string()),
        Just("*a".to_string()),
        Just("!!binary ".to_string()),
        Just("\"".to_string()),
        Just("|\n  ".to_string()),
        prop::sample::select(words).prop_map(str::to_string),
        "\\PC{0,8}",
    ];
    prop::collection::vec(token, 0..60).prop_map(|t| t.concat())
}
