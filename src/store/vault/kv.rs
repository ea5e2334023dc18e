//! KV v1 and v2: reads, writes (check-and-set, and the read-back that keeps
//! a retried v2 write from making two versions), listing, custom metadata,
//! versions and deletion.

use super::locate::{names_data_segment, Located};
use super::{Idempotent, MountKind, VaultStore};
use crate::store::redact::Redactor;
use crate::store::{
    Cas, Deletion, Secret, SecretData, SecretStore, SecretValue, StoreError, VersionInfo,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use vaultrs::api::kv2::responses::ReadSecretResponse;

impl VaultStore {
    /// [`crate::store::SecretStore::read`]: KV v2 by version, anything
    /// else by a plain `GET`.
    pub(super) async fn kv_read(
        &self,
        path: &str,
        version: Option<u64>,
    ) -> Result<Secret, StoreError> {
        if version.is_none() && names_data_segment(path) && !self.knows_mount(path) {
            return self.kv_read_while_locating(path).await;
        }
        let at = self.locate(path).await?;
        self.kv_read_at(path, at, version).await
    }

    /// A path written the Bank-Vaults way (`secret/data/app`) is, on KV v2
    /// and on every other engine, the very `GET` the read sends once the
    /// mount is known. So while the mount is still unknown that `GET` goes
    /// out beside the mount lookup instead of after it: a cold `kvault exec`
    /// waits one round trip, not two, before its first value. When the
    /// mount turns out to want another request (a KV v2 mount at
    /// `secret/data`), the answer is dropped and the read is made as usual.
    async fn kv_read_while_locating(&self, path: &str) -> Result<Secret, StoreError> {
        let full = path.trim_matches('/');
        let (at, answer) = tokio::join!(self.locate(path), self.logical_get(path, full));
        let at = at?;
        let sent = match at.mount.kind {
            MountKind::Kv2 => format!("{}/data/{}", at.mount.path, at.rel),
            _ => format!("{}/{}", at.mount.path, at.rel),
        };
        if sent != full {
            return self.kv_read_at(path, at, None).await;
        }
        let answer = answer?;
        match at.mount.kind {
            MountKind::Kv2 => {
                let resp: ReadSecretResponse = serde_json::from_value(Value::Object(
                    answer.into_iter().collect(),
                ))
                .map_err(|_| {
                    StoreError::Corrupt(format!(
                        "`{path}`: the KV v2 answer is not a secret version"
                    ))
                })?;
                self.kv2_secret(path, resp)
            }
            _ => Ok(Secret::new(json_to_data(answer))),
        }
    }

    /// A KV v2 answer as a [`Secret`]: a deleted or destroyed version
    /// (null data) is not found.
    fn kv2_secret(&self, path: &str, resp: ReadSecretResponse) -> Result<Secret, StoreError> {
        let data = match resp.data {
            Value::Object(map) => json_to_data(map.into_iter().collect()),
            _ => return Err(self.not_found(path)),
        };
        Ok(Secret {
            data,
            version: Some(resp.metadata.version),
            metadata: resp
                .metadata
                .custom_metadata
                .unwrap_or_default()
                .into_iter()
                .collect(),
        })
    }

    async fn kv_read_at(
        &self,
        path: &str,
        at: Located,
        version: Option<u64>,
    ) -> Result<Secret, StoreError> {
        let (mount, rel) = (at.mount.path.as_str(), at.rel.as_str());
        match &at.mount.kind {
            MountKind::Kv2 => {
                let resp = self.read_kv2(path, mount, rel, version).await?;
                self.kv2_secret(path, resp)
            }
            kind => {
                if version.is_some() && *kind == MountKind::Kv1 {
                    return Err(StoreError::BadInput(format!(
                        "`{path}` is on the KV v1 mount `{mount}/`, which keeps no versions"
                    )));
                }
                let data = self.logical_get(path, &format!("{mount}/{rel}")).await?;
                Ok(Secret::new(json_to_data(data)))
            }
        }
    }

    /// [`crate::store::SecretStore::write`]: a new KV v2 version (with
    /// check-and-set), or the whole KV v1 secret.
    pub(super) async fn kv_write(
        &self,
        path: &str,
        data: &SecretData,
        cas: Cas,
    ) -> Result<u64, StoreError> {
        let at = self.locate(path).await?;
        let (mount, rel) = (at.mount.path.as_str(), at.rel.as_str());
        let body = data_to_json(data, path)?;
        let mut hide = Redactor::new();
        for (_, v) in data.iter() {
            hide.add(v.expose());
        }
        match &at.mount.kind {
            MountKind::Kv2 => {
                let value: serde_json::Map<String, Value> =
                    serde_json::from_slice(&body).expect("just serialized");
                let cas = match cas {
                    Cas::Any => None,
                    Cas::MustNotExist => Some(0),
                    Cas::Version(v) => Some(u32::try_from(v).map_err(|_| {
                        StoreError::BadInput(format!("version {v} is out of range"))
                    })?),
                };
                self.write_kv2(path, mount, rel, &value, cas, &hide).await
            }
            MountKind::Kv1 => {
                if cas != Cas::Any {
                    return Err(StoreError::BadInput(format!(
                        "check-and-set needs a KV v2 mount; `{mount}/` is KV v1"
                    )));
                }
                let value: serde_json::Map<String, Value> =
                    serde_json::from_slice(&body).expect("just serialized");
                let value: HashMap<&str, &Value> =
                    value.iter().map(|(k, v)| (k.as_str(), v)).collect();
                // A PUT of the same content: safe to send again.
                self.call_as(path, Idempotent::Yes, &hide, || async {
                    vaultrs::kv1::set(&self.client, mount, rel, &value).await
                })
                .await?;
                Ok(0)
            }
            MountKind::Other(kind) => Err(StoreError::BadInput(format!(
                "`{mount}/` is a `{kind}` mount, not KV: kvault writes only to KV"
            ))),
        }
    }

    /// A KV v2 write makes a new version each time it lands, so it is never
    /// simply sent again: after a failure that may have come after the
    /// server applied it (a timeout, a 5xx), kvault reads the secret back.
    /// If it holds what was written, that version is the answer; otherwise
    /// the write is sent again with `cas` set to the version just read, so
    /// that a first try landing late cannot add a second version.
    async fn write_kv2(
        &self,
        path: &str,
        mount: &str,
        rel: &str,
        value: &serde_json::Map<String, Value>,
        cas: Option<u32>,
        hide: &Redactor,
    ) -> Result<u64, StoreError> {
        let send = |cas: Option<u32>| {
            self.call_as(path, Idempotent::No, hide, move || async move {
                match cas {
                    Some(c) => {
                        let opts = vaultrs::api::kv2::requests::SetSecretRequestOptions { cas: c };
                        vaultrs::kv2::set_with_options(&self.client, mount, rel, value, opts).await
                    }
                    None => vaultrs::kv2::set(&self.client, mount, rel, value).await,
                }
            })
        };
        let mut error = match send(cas).await {
            Ok(meta) => return Ok(meta.version),
            Err(e) if e.is_retryable() => e,
            Err(e) => return Err(e),
        };
        for retry in 0..self.retry.attempts.saturating_sub(1) {
            tokio::time::sleep(self.retry.pause(retry)).await;
            let current = match self.read_kv2_current(path, mount, rel).await {
                Ok(current) => current,
                Err(e) if e.is_retryable() => {
                    error = e;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let (version, data) = current.unwrap_or((0, None));
            let landed =
                data.as_ref() == Some(value) && cas.is_none_or(|c| u64::from(c) + 1 == version);
            if landed {
                tracing::debug!(path, version, "the write had landed; not sent again");
                return Ok(version);
            }
            if let Some(c) = cas {
                if u64::from(c) != version {
                    return Err(StoreError::CasConflict {
                        store: self.describe(),
                        path: path.into(),
                        detail: format!("expected version {c}, the secret is at version {version}"),
                    });
                }
            }
            let guard = u32::try_from(version)
                .map_err(|_| StoreError::BadInput(format!("version {version} is out of range")))?;
            match send(Some(guard)).await {
                Ok(meta) => return Ok(meta.version),
                // Our own first try landed in between: read again.
                Err(e) if e.is_retryable() || matches!(e, StoreError::CasConflict { .. }) => {
                    error = e
                }
                Err(e) => return Err(e),
            }
        }
        Err(error)
    }

    /// One version of a KV v2 secret (`None`: the current one).
    async fn read_kv2(
        &self,
        path: &str,
        mount: &str,
        rel: &str,
        version: Option<u64>,
    ) -> Result<ReadSecretResponse, StoreError> {
        self.call(path, || async {
            let req = vaultrs::api::kv2::requests::ReadSecretRequest::builder()
                .mount(mount)
                .path(rel)
                .version(version)
                .build()
                .expect("all fields set");
            vaultrs::api::exec_with_result(&self.client, req).await
        })
        .await
    }

    /// The current version of a KV v2 secret and its data (`None` when that
    /// version is deleted); `None` when nothing is stored.
    async fn read_kv2_current(
        &self,
        path: &str,
        mount: &str,
        rel: &str,
    ) -> Result<Option<(u64, Option<serde_json::Map<String, Value>>)>, StoreError> {
        match self.read_kv2(path, mount, rel, None).await {
            Ok(resp) => Ok(Some((
                resp.metadata.version,
                match resp.data {
                    Value::Object(map) => Some(map),
                    _ => None,
                },
            ))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The names under `prefix`; `NotFound` when KV has none there.
    pub(super) async fn list_existing(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let at = self.locate(prefix).await?;
        let (mount, rel) = (at.mount.path.as_str(), at.rel.as_str());
        let result = match &at.mount.kind {
            MountKind::Kv2 => {
                self.call(prefix, || async {
                    vaultrs::kv2::list(&self.client, mount, rel).await
                })
                .await
            }
            MountKind::Kv1 => {
                self.call(prefix, || async {
                    vaultrs::kv1::list(&self.client, mount, rel)
                        .await
                        .map(|r| r.data.keys)
                })
                .await
            }
            MountKind::Other(kind) => {
                return Err(StoreError::BadInput(format!(
                    "`{mount}/` is a `{kind}` mount: kvault lists only KV mounts"
                )))
            }
        };
        let mut keys = result?;
        keys.sort();
        Ok(keys)
    }

    /// Set `metadata` keys in the KV v2 custom metadata of `path`, keeping
    /// the others (Vault's POST replaces the whole map, so read it first).
    pub(super) async fn merge_custom_metadata(
        &self,
        path: &str,
        metadata: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        let at = self.locate(path).await?;
        let (mount, rel) = (at.mount.path.as_str(), at.rel.as_str());
        let current = self
            .call(path, || async {
                vaultrs::kv2::read_metadata(&self.client, mount, rel).await
            })
            .await?;
        let mut custom = current.custom_metadata.unwrap_or_default();
        custom.extend(metadata.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.call(path, || async {
            let mut opts = vaultrs::api::kv2::requests::SetSecretMetadataRequest::builder();
            opts.custom_metadata(custom.clone());
            vaultrs::kv2::set_metadata(&self.client, mount, rel, Some(&mut opts)).await
        })
        .await
    }

    /// [`crate::store::SecretStore::versions`]: KV v2's metadata, oldest
    /// version first.
    pub(super) async fn kv_versions(&self, path: &str) -> Result<Vec<VersionInfo>, StoreError> {
        let at = self.locate_kv2(path, "history").await?;
        let (mount, rel) = (at.mount.path.as_str(), at.rel.as_str());
        let meta = self
            .call(path, || async {
                vaultrs::kv2::read_metadata(&self.client, mount, rel).await
            })
            .await?;
        let mut out: Vec<VersionInfo> = meta
            .versions
            .iter()
            .filter_map(|(v, m)| {
                let version = v.parse::<u64>().ok()?;
                Some(VersionInfo {
                    version,
                    created: Some(m.created_time.clone()),
                    deleted: !m.deletion_time.is_empty(),
                    destroyed: m.destroyed,
                    current: version == meta.current_version,
                })
            })
            .collect();
        out.sort_by_key(|v| v.version);
        Ok(out)
    }

    /// Where `path` lands, which must be a KV v2 mount: any other is
    /// `BadInput`, saying that it keeps no `what`.
    async fn locate_kv2(&self, path: &str, what: &str) -> Result<Located, StoreError> {
        let at = self.locate(path).await?;
        if at.mount.kind != MountKind::Kv2 {
            return Err(StoreError::BadInput(format!(
                "`{}/` is not a KV v2 mount: it keeps no {what}",
                at.mount.path
            )));
        }
        Ok(at)
    }

    /// [`crate::store::SecretStore::delete`]: KV v2's latest version
    /// (recoverably), or the KV v1 secret.
    pub(super) async fn kv_delete(&self, path: &str) -> Result<(), StoreError> {
        let at = self.locate(path).await?;
        let (mount, rel) = (at.mount.path.as_str(), at.rel.as_str());
        match &at.mount.kind {
            MountKind::Kv2 => {
                self.call(path, || async {
                    vaultrs::kv2::delete_latest(&self.client, mount, rel).await
                })
                .await
            }
            MountKind::Kv1 => {
                self.call(path, || async {
                    vaultrs::kv1::delete(&self.client, mount, rel).await
                })
                .await
            }
            MountKind::Other(kind) => Err(StoreError::BadInput(format!(
                "`{mount}/` is a `{kind}` mount, not KV"
            ))),
        }
    }

    /// KV v2 only: soft delete (`delete`), destroy (`destroy`) or the
    /// metadata and every version (`DELETE metadata/`).
    pub(super) async fn kv_delete_versions(
        &self,
        path: &str,
        which: &Deletion,
    ) -> Result<(), StoreError> {
        let at = self
            .locate_kv2(
                path,
                "versions to delete one by one\nhelp: kvault delete without --versions, --destroy or --all-versions",
            )
            .await?;
        let (mount, rel) = (at.mount.path.as_str(), at.rel.as_str());
        let client = &self.client;
        self.call(path, || async {
            match which {
                Deletion::Versions(v) => {
                    vaultrs::kv2::delete_versions(client, mount, rel, v.clone()).await
                }
                Deletion::Destroy(v) => {
                    vaultrs::kv2::destroy_versions(client, mount, rel, v.clone()).await
                }
                Deletion::All => vaultrs::kv2::delete_metadata(client, mount, rel).await,
            }
        })
        .await
    }
}

/// KV values are JSON: strings are taken as they are, anything else as its
/// JSON text.
pub(super) fn json_to_data(map: HashMap<String, Value>) -> SecretData {
    map.into_iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, SecretValue::new(text.into_bytes()))
        })
        .collect()
}

fn data_to_json(data: &SecretData, path: &str) -> Result<zeroize::Zeroizing<Vec<u8>>, StoreError> {
    let mut map = serde_json::Map::new();
    for (k, v) in data.iter() {
        let text = v.expose_str().ok_or_else(|| {
            StoreError::BadInput(format!(
                "the value of key `{k}` for `{path}` is not UTF-8 text, which Vault KV cannot hold\nhelp: base64-encode it first"
            ))
        })?;
        map.insert(k.to_string(), Value::String(text.to_string()));
    }
    serde_json::to_vec(&map)
        .map(zeroize::Zeroizing::new)
        .map_err(|e| StoreError::BadInput(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kv_strings_are_taken_as_they_are_and_other_json_as_its_text() {
        let map = HashMap::from([
            ("s".to_string(), Value::String("plain \"text\"".into())),
            ("n".to_string(), serde_json::json!(42)),
            ("b".to_string(), serde_json::json!(true)),
            ("o".to_string(), serde_json::json!({"a": [1, null]})),
            ("z".to_string(), Value::Null),
        ]);
        let data = json_to_data(map);
        let text = |k: &str| data.get(k).and_then(|v| v.expose_str()).map(str::to_string);
        assert_eq!(text("s").as_deref(), Some("plain \"text\""));
        assert_eq!(text("n").as_deref(), Some("42"));
        assert_eq!(text("b").as_deref(), Some("true"));
        assert_eq!(text("o").as_deref(), Some(r#"{"a":[1,null]}"#));
        assert_eq!(text("z").as_deref(), Some("null"));
    }

    #[test]
    fn values_are_written_to_kv_as_json_strings() {
        let mut data = SecretData::new();
        data.insert("password", SecretValue::from_str_value("p\"w"));
        data.insert("port", SecretValue::from_str_value("5432"));
        let body = data_to_json(&data, "secret/app").unwrap();
        let back: serde_json::Map<String, Value> = serde_json::from_slice(&body).unwrap();
        assert_eq!(back.get("password"), Some(&Value::String("p\"w".into())));
        assert_eq!(back.get("port"), Some(&Value::String("5432".into())));
        assert_eq!(back.len(), 2);
    }

    #[test]
    fn a_value_that_is_not_utf8_is_refused_naming_its_key_not_its_bytes() {
        let mut data = SecretData::new();
        data.insert("cert", SecretValue::new(vec![0xff, 0x00, 0xfe]));
        match data_to_json(&data, "secret/app") {
            Err(StoreError::BadInput(m)) => {
                assert!(
                    m.contains("key `cert` for `secret/app` is not UTF-8"),
                    "{m}"
                );
                assert!(m.contains("base64-encode"), "{m}");
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
    }
}
