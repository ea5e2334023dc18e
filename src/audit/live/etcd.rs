//! Encryption evidence from etcd itself: how every Secret is stored.
//!
//! Reads `PREFIX/secrets/` (kube-apiserver's `--etcd-prefix`, `/registry`
//! unless told otherwise) through etcd's v3 JSON gateway
//! (`POST /v3/kv/range`, keys and values base64) with reqwest, page by page.
//! Only the first bytes of each value are decoded, to see whether it starts
//! with `k8s:enc:<provider>:<version>:`; the rest is never decoded, and
//! plaintext Secrets are reported by name only.

use crate::audit::inventory::{StoredFormat, StoredSecrets};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// kube-apiserver's default `--etcd-prefix`.
pub const DEFAULT_PREFIX: &str = "/registry";
/// Keys per range request.
pub const PAGE_SIZE: u64 = 500;
/// Base64 characters decoded per value: 66 bytes, more than any prefix.
const HEAD_CHARS: usize = 88;

/// `--etcd-endpoint`, its TLS files and `--etcd-prefix`.
#[derive(Clone, Debug, Default)]
pub struct Endpoint {
    pub url: String,
    /// kube-apiserver's `--etcd-prefix`, e.g. `/registry`.
    pub prefix: String,
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// Why etcd could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EtcdError {
    /// A CA, certificate or key file is unreadable or not PEM.
    #[error("cannot use `{path}` for --etcd-endpoint: {detail}")]
    Tls { path: String, detail: String },
    /// The request failed or etcd answered with an error.
    #[error("cannot read Secrets from etcd at {url}: {detail}")]
    Request { url: String, detail: String },
    /// etcd holds no Secret where the apiserver keeps them, though the API
    /// lists some: another etcd, or another `--etcd-prefix`.
    #[error("etcd at {url} holds no Secrets under `{keys}` but the API lists {listed}: is this the cluster's etcd, and is its kube-apiserver --etcd-prefix `{prefix}`? (set --etcd-prefix)")]
    NoSecrets {
        url: String,
        prefix: String,
        keys: String,
        listed: usize,
    },
}

#[derive(Deserialize)]
struct RangeResponse {
    #[serde(default)]
    kvs: Vec<KeyValue>,
    #[serde(default)]
    more: bool,
}

#[derive(Deserialize)]
struct KeyValue {
    key: String,
    #[serde(default)]
    value: String,
}

fn read(path: &PathBuf) -> Result<Vec<u8>, EtcdError> {
    std::fs::read(path).map_err(|e| EtcdError::Tls {
        path: path.display().to_string(),
        detail: e.to_string(),
    })
}

fn http_client(endpoint: &Endpoint) -> Result<reqwest::Client, EtcdError> {
    let tls = |path: &PathBuf, e: reqwest::Error| EtcdError::Tls {
        path: path.display().to_string(),
        detail: super::one_line(&e),
    };
    let mut builder = reqwest::Client::builder()
        // etcd never redirects; one that does is not followed.
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60));
    if let Some(ca) = &endpoint.ca {
        let cert = reqwest::Certificate::from_pem(&read(ca)?).map_err(|e| tls(ca, e))?;
        builder = builder.tls_certs_only([cert]);
    }
    match (&endpoint.cert, &endpoint.key) {
        (Some(cert), Some(key)) => {
            let mut pem = read(cert)?;
            pem.push(b'\n');
            pem.extend(read(key)?);
            let identity = reqwest::Identity::from_pem(&pem).map_err(|e| tls(cert, e))?;
            builder = builder.identity(identity);
        }
        (None, None) => {}
        (Some(path), None) | (None, Some(path)) => {
            return Err(EtcdError::Tls {
                path: path.display().to_string(),
                detail: "--etcd-cert and --etcd-key go together".into(),
            })
        }
    }
    builder.build().map_err(|e| EtcdError::Request {
        url: endpoint.url.clone(),
        detail: super::one_line(&e),
    })
}

impl Endpoint {
    /// Where the apiserver keeps Secrets: `PREFIX/secrets/`.
    pub fn secrets_prefix(&self) -> String {
        let prefix = if self.prefix.is_empty() {
            DEFAULT_PREFIX
        } else {
            &self.prefix
        };
        format!("{}/secrets/", prefix.trim_end_matches('/'))
    }

    /// Refuse an etcd that holds none of the `listed` Secrets the API
    /// lists: "0 stored in plaintext" would be a false all-clear.
    pub fn check_found(&self, stored: &StoredSecrets, listed: usize) -> Result<(), EtcdError> {
        if stored.total == 0 && listed > 0 {
            return Err(EtcdError::NoSecrets {
                url: self.url.clone(),
                prefix: self.prefix.clone(),
                keys: self.secrets_prefix(),
                listed,
            });
        }
        Ok(())
    }
}

/// Count the Secrets in etcd by how they are stored.
pub async fn scan(endpoint: &Endpoint) -> Result<StoredSecrets, EtcdError> {
    let client = http_client(endpoint)?;
    let url = format!("{}/v3/kv/range", endpoint.url.trim_end_matches('/'));
    let failed = |detail: String| EtcdError::Request {
        url: endpoint.url.clone(),
        detail,
    };
    let secrets_prefix = endpoint.secrets_prefix();
    let range_end = prefix_end(secrets_prefix.as_bytes());
    let mut from = secrets_prefix.as_bytes().to_vec();
    let mut stored = StoredSecrets::default();
    loop {
        let body = serde_json::json!({
            "key": B64.encode(&from),
            "range_end": B64.encode(&range_end),
            "limit": PAGE_SIZE,
        });
        let response = client
            .post(&url)
            .json(&body)
            .send()
            .await
            .map_err(|e| failed(super::one_line(&e)))?;
        let status = response.status();
        if !status.is_success() {
            // etcd's error bodies name the problem, never a value.
            let text = response.text().await.unwrap_or_default();
            return Err(failed(format!("HTTP {status}: {}", text.trim())));
        }
        let page: RangeResponse = response
            .json()
            .await
            .map_err(|e| failed(format!("unexpected answer: {}", super::one_line(&e))))?;
        let mut last = None;
        for kv in page.kvs {
            let key = B64
                .decode(&kv.key)
                .map_err(|e| failed(format!("a key is not base64: {e}")))?;
            add(&mut stored, &secrets_prefix, &key, &kv.value);
            last = Some(key);
        }
        match (page.more, last) {
            (true, Some(mut key)) => {
                // The next page starts just after the last key.
                key.push(0);
                from = key;
            }
            _ => break,
        }
    }
    stored.encrypted.sort();
    Ok(stored)
}

/// Count one stored Secret: its format from the first bytes of its value.
fn add(stored: &mut StoredSecrets, prefix: &str, key: &[u8], value_b64: &str) {
    let head = value_b64.get(..HEAD_CHARS).unwrap_or(value_b64);
    let format = StoredFormat::from_prefix(&B64.decode(head).unwrap_or_default());
    stored.total += 1;
    match format {
        StoredFormat::Plaintext => stored.plaintext.push(secret_name(prefix, key)),
        encrypted => match stored.encrypted.iter_mut().find(|(f, _)| *f == encrypted) {
            Some((_, n)) => *n += 1,
            None => stored.encrypted.push((encrypted, 1)),
        },
    }
}

/// `/registry/secrets/ns/name` → `ns/name` (with `prefix` `/registry/secrets/`).
fn secret_name(prefix: &str, key: &[u8]) -> String {
    let key = String::from_utf8_lossy(key);
    key.strip_prefix(prefix).unwrap_or(&key).to_string()
}

/// The end of the key range that holds every key starting with `prefix`.
fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_ends_after_the_prefix() {
        assert_eq!(prefix_end(b"/registry/secrets/"), b"/registry/secrets0");
        assert_eq!(prefix_end(b"a\xff"), b"b");
    }

    #[test]
    fn values_are_classified_by_their_first_bytes_only() {
        let mut stored = StoredSecrets::default();
        let plain = B64.encode(b"k8s\0\n\x0c\n\x02v1\x12\x06Secret hunter2-canary");
        let sealed = B64.encode(b"k8s:enc:secretbox:v1:key1:\x01\x02\x03");
        let long = B64.encode([b"k8s:enc:aescbc:v1:key1:".as_slice(), &[7u8; 3000]].concat());
        let prefix = "/registry/secrets/";
        add(&mut stored, prefix, b"/registry/secrets/shop/old", &plain);
        add(&mut stored, prefix, b"/registry/secrets/shop/new", &sealed);
        add(&mut stored, prefix, b"/registry/secrets/shop/big", &long);
        assert_eq!(stored.total, 3);
        assert_eq!(stored.plaintext, ["shop/old"]);
        assert_eq!(stored.encrypted.len(), 2);
        assert!(!format!("{stored:?}").contains("hunter2"));
    }

    #[test]
    fn secrets_live_under_the_apiserver_etcd_prefix() {
        let at = |prefix: &str| Endpoint {
            prefix: prefix.into(),
            ..Endpoint::default()
        };
        assert_eq!(at("").secrets_prefix(), "/registry/secrets/");
        assert_eq!(at("/registry").secrets_prefix(), "/registry/secrets/");
        assert_eq!(at("/cluster-a/").secrets_prefix(), "/cluster-a/secrets/");
    }

    #[test]
    fn an_etcd_without_the_listed_secrets_is_refused_not_reported_clean() {
        let endpoint = Endpoint {
            url: "http://127.0.0.1:2379".into(),
            prefix: "/registry".into(),
            ..Endpoint::default()
        };
        let empty = StoredSecrets::default();
        let message = endpoint.check_found(&empty, 3).unwrap_err().to_string();
        assert!(
            message.contains("no Secrets under `/registry/secrets/`"),
            "{message}"
        );
        assert!(message.contains("--etcd-prefix"), "{message}");
        assert!(endpoint.check_found(&empty, 0).is_ok());
    }
}
