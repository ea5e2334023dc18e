//! The README's tour reproduces: `scripts/tour.sh` runs every block from
//! nothing (a fresh local store, an OpenBao dev server, the test cluster)
//! and each block's output must be what the README shows, up to what
//! changes from run to run (times, durations, keyed hashes, key
//! fingerprints, column padding).

use crate::harness::text;
use std::collections::BTreeMap;
use std::path::Path;

/// `<!-- tour: NAME -->` blocks of a text: in the README each is followed
/// by a ```console fence; in the script's output it runs to the next marker.
fn blocks(text: &str, fenced: bool) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut parts = text.split("<!-- tour: ").skip(1);
    for part in parts.by_ref() {
        let (name, rest) = part.split_once(" -->\n").expect("a marker line");
        let body = if fenced {
            let rest = rest.strip_prefix("```console\n").unwrap_or_else(|| {
                panic!("README: the tour block `{name}` is not followed by ```console")
            });
            rest.split("\n```").next().unwrap().to_string() + "\n"
        } else {
            rest.to_string()
        };
        found.insert(name.to_string(), body);
    }
    found
}

/// What differs between two runs of the same tour, made equal.
fn normalized(text: &str) -> String {
    let rules = [
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "<time>"),
        (r"\b\d+(\.\d+)?(ms|s)\b", "<duration>"),
        (r"v1:[0-9a-f]{64}", "<hash>"),
        (r"sha256:[0-9a-f]{16}", "<fingerprint>"),
        (r"\b[0-9a-f]{24}\b", "<nonce>"),
        (r"[ \t]+", " "),
    ];
    let mut out = text.to_string();
    for (pattern, with) in rules {
        out = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&out, with)
            .into_owned();
    }
    out.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_tour_block_of_the_readme_reproduces_from_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("bash")
        .arg(root.join("scripts/tour.sh"))
        .env("KVAULT_BIN", env!("CARGO_BIN_EXE_kvault"))
        .env("KVAULT_TEST_BAO", crate::harness::bao_binary())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "scripts/tour.sh failed: {}",
        text(&out.stderr)
    );
    let ran = blocks(&text(&out.stdout), false);
    let readme = blocks(
        &std::fs::read_to_string(root.join("README.md")).unwrap(),
        true,
    );
    assert!(!ran.is_empty());
    for (name, output) in &ran {
        let shown = readme.get(name).unwrap_or_else(|| {
            panic!("README has no tour block `{name}`; the tour printed:\n{output}")
        });
        assert_eq!(
            normalized(shown),
            normalized(output),
            "README tour block `{name}` differs from what the tour prints now (scripts/tour.sh)"
        );
    }
    for name in readme.keys() {
        assert!(
            ran.contains_key(name),
            "README block `{name}` is not in scripts/tour.sh"
        );
    }
}
