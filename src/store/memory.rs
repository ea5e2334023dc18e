//! An in-memory store for unit tests of the engines. Never used by the
//! binary against real data.

use super::history::History;
use super::{Cas, Secret, SecretData, SecretStore, StoreError, VersionInfo};
use crate::store::Capabilities;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

#[derive(Default)]
pub struct MemoryStore {
    secrets: Mutex<BTreeMap<String, History>>,
    /// Metadata per path (like KV v2 custom metadata: not per version).
    metadata: Mutex<BTreeMap<String, BTreeMap<String, String>>>,
    /// Calls of `read`, so tests can prove that work is not repeated.
    pub reads: AtomicUsize,
    pub writes: AtomicUsize,
    /// Calls of `write_metadata` (metadata only, data untouched).
    pub metadata_writes: AtomicUsize,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn not_found(path: &str) -> StoreError {
        StoreError::NotFound {
            store: "memory".into(),
            path: path.into(),
        }
    }
}

#[async_trait]
impl SecretStore for MemoryStore {
    fn describe(&self) -> String {
        "memory store".into()
    }

    async fn read(&self, path: &str, version: Option<u64>) -> Result<Secret, StoreError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let secrets = self.secrets.lock().expect("memory store lock");
        let stored = secrets
            .get(path)
            .and_then(|h| h.get(version))
            .ok_or_else(|| Self::not_found(path))?;
        let metadata = self.metadata.lock().expect("memory store lock");
        Ok(Secret {
            data: stored.data.clone(),
            version: Some(stored.version),
            metadata: metadata.get(path).cloned().unwrap_or_default(),
        })
    }

    async fn write(&self, path: &str, data: &SecretData, cas: Cas) -> Result<u64, StoreError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        let mut secrets = self.secrets.lock().expect("memory store lock");
        secrets
            .entry(path.to_string())
            .or_default()
            .write(data, cas)
            .map_err(|m| StoreError::CasConflict {
                store: "memory".into(),
                path: path.into(),
                detail: m.describe(),
            })
    }

    async fn capabilities(&self, _path: &str) -> Result<Capabilities, StoreError> {
        Ok(Capabilities {
            metadata: true,
            versions: true,
        })
    }

    async fn write_with_metadata(
        &self,
        path: &str,
        data: &SecretData,
        cas: Cas,
        metadata: &BTreeMap<String, String>,
    ) -> Result<u64, StoreError> {
        let version = self.write(path, data, cas).await?;
        let mut all = self.metadata.lock().expect("memory store lock");
        all.entry(path.to_string())
            .or_default()
            .extend(metadata.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(version)
    }

    async fn write_metadata(
        &self,
        path: &str,
        _data: &SecretData,
        metadata: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        self.metadata_writes.fetch_add(1, Ordering::SeqCst);
        if self.versions(path).await.is_err() {
            return Err(Self::not_found(path));
        }
        let mut all = self.metadata.lock().expect("memory store lock");
        all.entry(path.to_string())
            .or_default()
            .extend(metadata.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let secrets = self.secrets.lock().expect("memory store lock");
        let live = secrets
            .iter()
            .filter(|(_, h)| h.current().is_some())
            .map(|(p, _)| p.as_str());
        Ok(super::history::children(live, prefix))
    }

    async fn versions(&self, path: &str) -> Result<Vec<VersionInfo>, StoreError> {
        let secrets = self.secrets.lock().expect("memory store lock");
        secrets
            .get(path)
            .map(History::infos)
            .ok_or_else(|| Self::not_found(path))
    }

    async fn delete(&self, path: &str) -> Result<(), StoreError> {
        let mut secrets = self.secrets.lock().expect("memory store lock");
        match secrets.get_mut(path).map(History::delete) {
            Some(true) => Ok(()),
            _ => Err(Self::not_found(path)),
        }
    }
}
