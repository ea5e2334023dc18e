//! `sync::plan::parse` on arbitrary text: never panics; an error is one line
//! naming the plan file (with a line and column inside the text when YAML
//! gives one); an accepted plan holds the invariants the sync engine relies
//! on (targets without key or version, Kubernetes targets with a namespace
//! and a name, no target key written twice, no source that is its target).

#![no_main]

#[path = "common/mod.rs"]
mod common;

use kvault::store::{Reference, Scheme};
use kvault::sync::plan::parse;
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;

fuzz_target!(|data: &[u8]| {
    let text = common::utf8_prefix(data);
    let plan = match parse("plan.yaml", text) {
        Ok(plan) => plan,
        Err(e) => {
            let line = e.to_string();
            assert!(line.starts_with("sync plan `plan.yaml`"), "{line}");
            assert!(!line.contains('\n'), "{line:?}");
            if let Some((row, column)) = e.location {
                assert!(row >= 1 && column >= 1, "{line}");
                assert!(row <= yaml_lines(text) + 1, "{line} for {text:?}");
            }
            return;
        }
    };
    assert_eq!(
        parse("plan.yaml", text).as_ref(),
        Ok(&plan),
        "not deterministic"
    );

    let mut targets = BTreeSet::new();
    let mut entries = BTreeSet::new();
    for target in &plan.targets {
        let r = &target.reference;
        assert!(r.key.is_none() && r.version.is_none(), "target {r}");
        assert!(!r.path.ends_with('/'), "target {r} is a folder");
        assert_eq!(Reference::parse(&r.to_string()).as_ref(), Ok(r));
        assert!(
            targets.insert((r.scheme, r.path.clone())),
            "target {r} twice"
        );
        if r.scheme == Scheme::K8s {
            let (ns, name) = target.kube_name().expect("k8s target has NAMESPACE/NAME");
            assert!(
                !ns.is_empty() && !name.is_empty() && !name.contains('/'),
                "{r}"
            );
        } else {
            assert!(target.rollout.is_empty(), "rollout on non-Kubernetes {r}");
        }
        assert!(!target.parts.is_empty(), "target {r} without sources");
        assert!(!target.entries.is_empty(), "target {r} from no entry");
        assert!(
            target.entries.windows(2).all(|w| w[0] < w[1]),
            "{:?}",
            target.entries
        );
        for i in &target.entries {
            assert!(entries.insert(*i), "entry {i} writes two targets");
        }
        assert!(
            !target.rollout_on_create || !target.rollout.is_empty(),
            "{r}"
        );
        let mut keys = BTreeSet::new();
        for part in &target.parts {
            let s = &part.source;
            assert!(
                !(s.scheme == r.scheme && s.path == r.path),
                "{s} is its own target"
            );
            assert_eq!(Reference::parse(&s.to_string()).as_ref(), Ok(s));
            if let Some(key) = part.target_key() {
                assert!(keys.insert(key.to_string()), "key {key} of {r} twice");
            }
            if part.rename.is_some() {
                assert!(s.key.is_some(), "rename of a whole secret {s}");
            }
        }
    }
    // Every entry lands in exactly one target, numbered from 0.
    assert_eq!(
        entries.into_iter().collect::<Vec<_>>(),
        (0..entries_len(&plan)).collect::<Vec<_>>()
    );
});

/// Lines as YAML (libyaml) counts them: `\n`, `\r\n`, a lone `\r`, and
/// NEL, LS and PS (U+0085, U+2028, U+2029) each end one; `str::lines`
/// breaks at `\n` only.
fn yaml_lines(text: &str) -> usize {
    let mut chars = text.chars().peekable();
    let mut breaks = 0;
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => breaks += 1,
            _ => {}
        }
    }
    breaks + 1
}

fn entries_len(plan: &kvault::sync::plan::Plan) -> usize {
    plan.targets.iter().map(|t| t.entries.len()).sum()
}
