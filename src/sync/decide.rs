//! What to do with one target, given what it should hold and what it holds
//! now. Pure: compares hashes and keys, never prints a value.

use super::{DATA_HASH, SOURCE, SOURCE_VERSION, TEMPLATE};
use crate::store::{Secret, SecretData, Shape};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a target should hold after the sync.
#[derive(Clone, Debug)]
pub struct Desired {
    pub data: SecretData,
    /// [`super::hash::data_hash`] of `data` at the target.
    pub hash: String,
    /// Source references and versions, as recorded ([`SOURCE`], [`SOURCE_VERSION`]).
    pub source: String,
    pub source_version: String,
    /// The Secret's type, labels and annotations a template gives.
    pub shape: Shape,
    /// The template's digest ([`TEMPLATE`]), where the target has one.
    pub template: Option<String>,
}

impl Desired {
    /// The provenance to record with a write (without the time).
    pub fn provenance(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::from([
            (SOURCE.to_string(), self.source.clone()),
            (SOURCE_VERSION.to_string(), self.source_version.clone()),
            (DATA_HASH.to_string(), self.hash.clone()),
        ]);
        if let Some(template) = &self.template {
            out.insert(TEMPLATE.to_string(), template.clone());
        }
        out
    }
}

/// The chosen action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// The target does not exist: create it.
    Created,
    /// The data differs: write it.
    Updated,
    /// The data is right, the recorded provenance is not (a new source
    /// version with the same data): record it, no rollout.
    Metadata,
    /// Nothing to do: zero writes.
    Unchanged,
    /// The target was edited by hand and `--no-overwrite-drift` keeps it.
    DriftLeft,
    /// Reading or writing failed (see the error).
    Failed,
}

impl Action {
    /// Whether the target's data changes, which is what rollouts follow.
    pub fn changes_data(self) -> bool {
        matches!(self, Action::Created | Action::Updated)
    }

    pub fn writes(self) -> bool {
        matches!(self, Action::Created | Action::Updated | Action::Metadata)
    }
}

/// Key names that differ between the target and what it should hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KeyDiff {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

impl KeyDiff {
    pub fn between(current: Option<&SecretData>, desired: &SecretData) -> KeyDiff {
        let empty = SecretData::new();
        let current = current.unwrap_or(&empty);
        let mut diff = KeyDiff::default();
        for (k, v) in desired.iter() {
            match current.get(k) {
                None => diff.added.push(k.to_string()),
                Some(old) if old != v => diff.changed.push(k.to_string()),
                Some(_) => {}
            }
        }
        diff.removed = current
            .keys()
            .filter(|k| desired.get(k).is_none())
            .map(str::to_string)
            .collect();
        diff
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// `+new ~changed -gone`, key names only.
    pub fn short(&self) -> String {
        let marks = [
            ("+", &self.added),
            ("~", &self.changed),
            ("-", &self.removed),
        ];
        marks
            .iter()
            .flat_map(|(mark, keys)| keys.iter().map(move |k| format!("{mark}{k}")))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The decision for one target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub action: Action,
    /// The target's data no longer matches the hash kvault recorded.
    pub drift: bool,
    pub diff: KeyDiff,
}

/// Decide for a target holding `current` (`None`: absent), whose store
/// keeps metadata or not, that should hold `desired`. `current_hash` is the
/// keyed hash of the current data at that target.
pub fn decide(
    desired: &Desired,
    current: Option<(&Secret, &str)>,
    keeps_metadata: bool,
    overwrite_drift: bool,
) -> Decision {
    let Some((secret, current_hash)) = current else {
        return Decision {
            action: Action::Created,
            drift: false,
            diff: KeyDiff::between(None, &desired.data),
        };
    };
    let diff = KeyDiff::between(Some(&secret.data), &desired.data);
    let recorded = |key: &str| {
        keeps_metadata
            .then(|| secret.metadata.get(key).map(String::as_str))
            .flatten()
    };
    let recorded_hash = recorded(DATA_HASH);
    if current_hash == desired.hash {
        let up_to_date = !keeps_metadata
            || (recorded_hash == Some(desired.hash.as_str())
                && recorded(SOURCE) == Some(desired.source.as_str())
                && recorded(SOURCE_VERSION) == Some(desired.source_version.as_str())
                && recorded(TEMPLATE) == desired.template.as_deref());
        let action = if up_to_date {
            Action::Unchanged
        } else {
            Action::Metadata
        };
        return Decision {
            action,
            drift: false,
            diff,
        };
    }
    // The data differs. If kvault recorded a hash and the data no longer
    // matches it, someone changed the target since kvault wrote it.
    let drift = recorded_hash.is_some_and(|h| h != current_hash);
    let action = if drift && !overwrite_drift {
        Action::DriftLeft
    } else {
        Action::Updated
    };
    Decision {
        action,
        drift,
        diff,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(pairs: &[(&str, &str)]) -> SecretData {
        SecretData::from_pairs(pairs)
    }

    fn desired(hash: &str) -> Desired {
        Desired {
            data: data(&[("a", "1"), ("b", "2")]),
            hash: hash.into(),
            source: "vault:s/x".into(),
            source_version: "3".into(),
            shape: Shape::default(),
            template: None,
        }
    }

    fn stored(pairs: &[(&str, &str)], recorded_hash: Option<&str>, version: &str) -> Secret {
        let mut s = Secret::new(data(pairs));
        if let Some(h) = recorded_hash {
            s.metadata.insert(DATA_HASH.into(), h.into());
            s.metadata.insert(SOURCE.into(), "vault:s/x".into());
            s.metadata.insert(SOURCE_VERSION.into(), version.into());
        }
        s
    }

    #[test]
    fn an_absent_target_is_created_with_all_keys_added() {
        let d = decide(&desired("H"), None, true, true);
        assert_eq!(d.action, Action::Created);
        assert_eq!(d.diff.added, vec!["a", "b"]);
    }

    #[test]
    fn same_data_and_provenance_is_unchanged() {
        let s = stored(&[("a", "1"), ("b", "2")], Some("H"), "3");
        let d = decide(&desired("H"), Some((&s, "H")), true, true);
        assert_eq!(d.action, Action::Unchanged);
        assert!(d.diff.is_empty() && !d.drift);
    }

    #[test]
    fn a_new_source_version_with_the_same_data_is_metadata_only() {
        let s = stored(&[("a", "1"), ("b", "2")], Some("H"), "2");
        let d = decide(&desired("H"), Some((&s, "H")), true, true);
        assert_eq!(d.action, Action::Metadata);
        assert!(!d.action.changes_data());
        // Same data but no provenance yet (adopted target): record it.
        let bare = stored(&[("a", "1"), ("b", "2")], None, "");
        assert_eq!(
            decide(&desired("H"), Some((&bare, "H")), true, true).action,
            Action::Metadata
        );
    }

    #[test]
    fn a_store_without_metadata_compares_data_only() {
        let bare = stored(&[("a", "1"), ("b", "2")], None, "");
        assert_eq!(
            decide(&desired("H"), Some((&bare, "H")), false, true).action,
            Action::Unchanged
        );
        let old = stored(&[("a", "0")], None, "");
        let d = decide(&desired("H"), Some((&old, "OLD")), false, false);
        assert_eq!((d.action, d.drift), (Action::Updated, false));
    }

    #[test]
    fn a_source_change_is_an_update_with_a_key_diff() {
        let s = stored(&[("a", "0"), ("c", "9")], Some("OLD"), "2");
        let d = decide(&desired("NEW"), Some((&s, "OLD")), true, false);
        assert_eq!((d.action, d.drift), (Action::Updated, false));
        assert_eq!(d.diff.added, vec!["b"]);
        assert_eq!(d.diff.changed, vec!["a"]);
        assert_eq!(d.diff.removed, vec!["c"]);
        assert_eq!(d.diff.short(), "+b ~a -c");
    }

    #[test]
    fn a_hand_edit_is_drift_overwritten_or_left() {
        // kvault recorded H, but the data now hashes to EDITED.
        let s = stored(&[("a", "x")], Some("H"), "3");
        let d = decide(&desired("H"), Some((&s, "EDITED")), true, true);
        assert_eq!((d.action, d.drift), (Action::Updated, true));
        let d = decide(&desired("H"), Some((&s, "EDITED")), true, false);
        assert_eq!((d.action, d.drift), (Action::DriftLeft, true));
        assert!(!d.action.writes());
    }
}
