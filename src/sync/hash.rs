//! Hashes sync records: the keyed data hash of a target, and the hash a
//! workload's pod template carries. Pure.
//!
//! # The data hash
//!
//! `v1:` + hex HMAC-SHA256, keyed with the fixed string
//! `kvault.dev/data-hash/v1`, a NUL byte, and the target reference without
//! key (`k8s:prod/app-db`), over the data in key order, each key and value
//! preceded by its length (so `{"ab": "c"}` and `{"a": "bc"}` differ).
//!
//! What the key buys: the recorded annotation is not a bare SHA-256 of the
//! values, so it cannot be looked up in a precomputed table of hashes of
//! common passwords, and the same value in two targets gives two unrelated
//! hashes (nobody can tell from metadata alone that two Secrets share a
//! password). What it does not buy: the key is derived from public facts, so
//! someone who can read the annotation and guesses a low-entropy value can
//! still confirm the guess offline for that one target. The hash detects
//! change; it is not a secret, and metadata readers should be trusted
//! accordingly (Vault's metadata capability is separate from data reads).

use crate::store::{Reference, SecretData};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

const DOMAIN: &str = "kvault.dev/data-hash/v1";

/// The keyed hash of `data` as stored at `target` (its key, if any, is
/// ignored: the unit is the whole secret).
pub fn data_hash(target: &Reference, data: &SecretData) -> String {
    let key = format!("{DOMAIN}\0{}:{}", target.scheme, target.path);
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
    for (k, v) in data.iter() {
        mac.update(&(k.len() as u64).to_be_bytes());
        mac.update(k.as_bytes());
        mac.update(&(v.len() as u64).to_be_bytes());
        mac.update(v.expose());
    }
    format!("v1:{}", hex(&mac.finalize().into_bytes()))
}

/// The pod-template annotation for a workload that uses `secrets`
/// (target reference, data hash): the same set gives the same value.
pub fn secret_set_hash<'a>(secrets: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<(&str, &str)> = secrets.into_iter().collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut digest = Sha256::new();
    digest.update(b"kvault.dev/secret-hash/v1\0");
    for (name, hash) in pairs {
        digest.update(name.as_bytes());
        digest.update(b"\0");
        digest.update(hash.as_bytes());
        digest.update(b"\n");
    }
    format!("v1:{}", hex(&digest.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(pairs: &[(&str, &str)]) -> SecretData {
        SecretData::from_pairs(pairs)
    }

    fn r(text: &str) -> Reference {
        Reference::parse(text).unwrap()
    }

    #[test]
    fn the_same_data_at_the_same_target_hashes_the_same() {
        let t = r("k8s:prod/app");
        assert_eq!(
            data_hash(&t, &data(&[("a", "1"), ("b", "2")])),
            data_hash(&t, &data(&[("b", "2"), ("a", "1")]))
        );
        // The key part of a reference does not change the unit hashed.
        assert_eq!(
            data_hash(&r("k8s:prod/app#X"), &data(&[("a", "1")])),
            data_hash(&t, &data(&[("a", "1")]))
        );
    }

    #[test]
    fn the_hash_is_keyed_by_target_and_is_not_a_bare_sha256() {
        let d = data(&[("password", "hunter2")]);
        let a = data_hash(&r("k8s:prod/a"), &d);
        let b = data_hash(&r("k8s:prod/b"), &d);
        assert_ne!(a, b);
        let bare = hex(&Sha256::digest(b"hunter2"));
        assert!(!a.contains(&bare));
        assert!(a.starts_with("v1:") && a.len() == 3 + 64);
    }

    #[test]
    fn lengths_separate_keys_from_values() {
        let t = r("vault:secret/x");
        assert_ne!(
            data_hash(&t, &data(&[("ab", "c")])),
            data_hash(&t, &data(&[("a", "bc")]))
        );
        assert_ne!(data_hash(&t, &data(&[])), data_hash(&t, &data(&[("", "")])));
    }

    #[test]
    fn any_value_change_changes_the_hash() {
        let t = r("vault:secret/x");
        assert_ne!(
            data_hash(&t, &data(&[("a", "1")])),
            data_hash(&t, &data(&[("a", "2")]))
        );
    }

    #[test]
    fn the_secret_set_hash_ignores_order_and_sees_every_member() {
        let one = secret_set_hash([("k8s:p/a", "v1:1"), ("k8s:p/b", "v1:2")]);
        let two = secret_set_hash([("k8s:p/b", "v1:2"), ("k8s:p/a", "v1:1")]);
        assert_eq!(one, two);
        assert_ne!(one, secret_set_hash([("k8s:p/a", "v1:1")]));
        assert_ne!(
            one,
            secret_set_hash([("k8s:p/a", "v1:1"), ("k8s:p/b", "v1:3")])
        );
    }
}
