//! Comparing two secrets key by key (`kvault diff`, `kvault cp`): which keys
//! only one side has, which differ and which are equal. Only key names come
//! out, never values nor anything derived from them (a hash of a short
//! password is a brute-force oracle). Pure, no I/O.

use super::SecretData;
use serde::Serialize;

/// How two secrets differ, by key name; each list sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub only_in_a: Vec<String>,
    pub only_in_b: Vec<String>,
    pub different: Vec<String>,
    pub equal: Vec<String>,
}

/// Where one key stands in a [`Comparison`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    OnlyInA,
    OnlyInB,
    Different,
    Equal,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::OnlyInA => "only in A",
            KeyState::OnlyInB => "only in B",
            KeyState::Different => "different",
            KeyState::Equal => "equal",
        }
    }
}

impl Comparison {
    /// Whether both hold the same keys with the same values.
    pub fn is_equal(&self) -> bool {
        self.only_in_a.is_empty() && self.only_in_b.is_empty() && self.different.is_empty()
    }

    /// Every key with its state, ordered by key name.
    pub fn keys(&self) -> Vec<(&str, KeyState)> {
        let mut all: Vec<(&str, KeyState)> = [
            (&self.only_in_a, KeyState::OnlyInA),
            (&self.only_in_b, KeyState::OnlyInB),
            (&self.different, KeyState::Different),
            (&self.equal, KeyState::Equal),
        ]
        .into_iter()
        .flat_map(|(keys, state)| keys.iter().map(move |k| (k.as_str(), state)))
        .collect();
        all.sort_by_key(|(k, _)| *k);
        all
    }
}

/// Compare `a` with `b`. Values are compared in full, byte for byte.
pub fn compare(a: &SecretData, b: &SecretData) -> Comparison {
    let mut out = Comparison::default();
    for (key, value) in a.iter() {
        match b.get(key) {
            None => out.only_in_a.push(key.to_string()),
            Some(other) if other == value => out.equal.push(key.to_string()),
            Some(_) => out.different.push(key.to_string()),
        }
    }
    out.only_in_b = b
        .keys()
        .filter(|k| a.get(k).is_none())
        .map(str::to_string)
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemoryStore;
    use crate::store::{Cas, SecretStore, SecretValue};

    fn data(pairs: &[(&str, &str)]) -> SecretData {
        SecretData::from_pairs(pairs)
    }

    #[tokio::test]
    async fn two_versions_in_a_store_compare_key_by_key() {
        let store = MemoryStore::new();
        let v1 = data(&[("user", "app"), ("password", "pw-1"), ("old", "x")]);
        let v2 = data(&[("user", "app"), ("password", "pw-2"), ("new", "y")]);
        store.write("app/db", &v1, Cas::Any).await.unwrap();
        store.write("app/db", &v2, Cas::Any).await.unwrap();
        let a = store.read("app/db", Some(1)).await.unwrap().data;
        let b = store.read("app/db", None).await.unwrap().data;
        let c = compare(&a, &b);
        assert_eq!(c.only_in_a, ["old"]);
        assert_eq!(c.only_in_b, ["new"]);
        assert_eq!(c.different, ["password"]);
        assert_eq!(c.equal, ["user"]);
        assert!(!c.is_equal());
        assert_eq!(
            c.keys(),
            [
                ("new", KeyState::OnlyInB),
                ("old", KeyState::OnlyInA),
                ("password", KeyState::Different),
                ("user", KeyState::Equal),
            ]
        );
    }

    #[test]
    fn equal_secrets_are_equal_and_empty_ones_too() {
        let a = data(&[("k", "v"), ("j", "w")]);
        assert!(compare(&a, &a.clone()).is_equal());
        assert!(compare(&SecretData::new(), &SecretData::new()).is_equal());
        assert!(!compare(&a, &SecretData::new()).is_equal());
    }

    #[test]
    fn values_differing_in_bytes_only_are_different_and_never_shown() {
        let a = data(&[("k", "hunter2-value")]);
        let mut b = SecretData::new();
        b.insert("k", SecretValue::new(b"hunter2-value\n".to_vec()));
        let c = compare(&a, &b);
        assert_eq!(c.different, ["k"]);
        let shown = format!("{c:?} {}", serde_json::to_string(&c).unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
