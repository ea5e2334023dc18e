//! Secret values and the data a store holds. Values live only inside
//! [`SecretValue`], whose `Debug` prints `[redacted]` and whose memory is
//! zeroed on drop; nothing else in kvault formats a value.

use secrecy::{ExposeSecret, SecretBox};
use std::collections::BTreeMap;
use std::fmt;

/// One secret value: bytes, because Kubernetes Secrets hold bytes; Vault KV
/// values are their UTF-8 (or JSON) text.
pub struct SecretValue(SecretBox<Vec<u8>>);

impl SecretValue {
    pub fn new(bytes: Vec<u8>) -> Self {
        SecretValue(SecretBox::new(Box::new(bytes)))
    }

    pub fn from_str_value(s: &str) -> Self {
        Self::new(s.as_bytes().to_vec())
    }

    /// The raw bytes. Call sites are the few places that must hand a value
    /// on: a store write, `kvault get`'s deliberate output, a child's env.
    pub fn expose(&self) -> &[u8] {
        self.0.expose_secret()
    }

    /// The value as text, if it is UTF-8.
    pub fn expose_str(&self) -> Option<&str> {
        std::str::from_utf8(self.expose()).ok()
    }

    pub fn len(&self) -> usize {
        self.expose().len()
    }

    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl Clone for SecretValue {
    fn clone(&self) -> Self {
        Self::new(self.expose().to_vec())
    }
}

impl PartialEq for SecretValue {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}
impl Eq for SecretValue {}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The keys of one secret and their values, ordered by key.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretData(BTreeMap<String, SecretValue>);

impl SecretData {
    pub fn new() -> Self {
        Self::default()
    }

    /// Text keys and values, as tests and examples write them.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), SecretValue::from_str_value(v)))
            .collect()
    }

    pub fn insert(&mut self, key: impl Into<String>, value: SecretValue) {
        self.0.insert(key.into(), value);
    }

    pub fn get(&self, key: &str) -> Option<&SecretValue> {
        self.0.get(key)
    }

    pub fn remove(&mut self, key: &str) -> Option<SecretValue> {
        self.0.remove(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &SecretValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keep only `key`, for references that name one key.
    pub fn only(&self, key: &str) -> Option<SecretData> {
        let mut one = SecretData::new();
        one.insert(key, self.get(key)?.clone());
        Some(one)
    }
}

impl FromIterator<(String, SecretValue)> for SecretData {
    fn from_iter<I: IntoIterator<Item = (String, SecretValue)>>(iter: I) -> Self {
        SecretData(iter.into_iter().collect())
    }
}

impl IntoIterator for SecretData {
    type Item = (String, SecretValue);
    type IntoIter = std::collections::btree_map::IntoIter<String, SecretValue>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Debug for SecretData {
    /// Keys are names, not secrets, so they are shown; values never are.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, "[redacted]")))
            .finish()
    }
}

/// A secret as read from a store.
#[derive(Clone, Debug)]
pub struct Secret {
    pub data: SecretData,
    /// The version read, where the store keeps versions (KV v2, local).
    pub version: Option<u64>,
    /// Free-form metadata (KV v2 custom metadata, Kubernetes annotations).
    pub metadata: BTreeMap<String, String>,
}

impl Secret {
    pub fn new(data: SecretData) -> Self {
        Secret {
            data,
            version: None,
            metadata: BTreeMap::new(),
        }
    }
}

/// What a write expects to find, so that no update is lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Cas {
    /// Write whatever is there.
    #[default]
    Any,
    /// Write only if the path holds no secret yet.
    MustNotExist,
    /// Write only if the current version is this one.
    Version(u64),
}

/// One entry of a secret's history.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct VersionInfo {
    pub version: u64,
    /// RFC 3339 creation time, where the store records one.
    pub created: Option<String>,
    pub deleted: bool,
    pub destroyed: bool,
    pub current: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_a_value_never_shows_it() {
        let v = SecretValue::from_str_value("hunter2-value");
        assert_eq!(format!("{v:?}"), "[redacted]");
    }

    #[test]
    fn debug_of_data_shows_keys_but_not_values() {
        let mut d = SecretData::new();
        d.insert("password", SecretValue::from_str_value("hunter2-value"));
        let shown = format!("{d:?}");
        assert!(shown.contains("password"));
        assert!(!shown.contains("hunter2"));
        let s = Secret::new(d);
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s:#?}").contains("hunter2"));
    }
}
