//! `kvault put --merge`: change some keys of a secret and keep the others.
//! A read-modify-write, so the write is a check-and-set on the version
//! read: a writer that gets in between makes it a conflict, never a lost
//! update.

use super::{Cas, SecretData, SecretStore, StoreError};

/// What [`merge_write`] wrote.
#[derive(Debug)]
pub struct Merged {
    /// The new version (0 where the store keeps none).
    pub version: u64,
    /// All of it: the changes and the keys kept.
    pub data: SecretData,
}

/// Why [`merge_write`] failed: at the read, or at the write.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// The current secret could not be read (its absence is no error).
    #[error("{0}")]
    Read(StoreError),
    /// The merged secret could not be written; a [`StoreError::CasConflict`]
    /// when another writer changed it after the read.
    #[error("{0}")]
    Write(StoreError),
}

/// Write `changes` into the secret at `path`, keeping its other keys. With
/// `Cas::Any` the write expects the version read (when the store keeps
/// versions); another `cas` is kept as given. A path that holds nothing
/// yet is written with `changes` alone.
pub async fn merge_write(
    store: &dyn SecretStore,
    path: &str,
    changes: SecretData,
    cas: Cas,
) -> Result<Merged, MergeError> {
    let mut data = changes;
    let mut cas = cas;
    match store.read(path, None).await {
        Ok(current) => {
            for (k, v) in current.data {
                if data.get(&k).is_none() {
                    data.insert(k, v);
                }
            }
            // Merge is read-modify-write: protect it with the version read,
            // so a concurrent writer's change is not silently dropped.
            if cas == Cas::Any {
                if let Some(v) = current.version.filter(|v| *v > 0) {
                    cas = Cas::Version(v);
                }
            }
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(MergeError::Read(e)),
    }
    let version = store
        .write(path, &data, cas)
        .await
        .map_err(MergeError::Write)?;
    Ok(Merged { version, data })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::layer::{Layer, Layered, Op};
    use crate::store::memory::MemoryStore;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn text(data: &SecretData, key: &str) -> Option<String> {
        data.get(key)
            .and_then(|v| v.expose_str())
            .map(str::to_string)
    }

    #[tokio::test]
    async fn merge_changes_the_given_keys_and_keeps_the_others() {
        let store = MemoryStore::new();
        let before = SecretData::from_pairs(&[("a", "1"), ("b", "2")]);
        store.write("app", &before, Cas::Any).await.unwrap();
        let changes = SecretData::from_pairs(&[("b", "two"), ("c", "3")]);
        let merged = merge_write(&store, "app", changes, Cas::Any).await.unwrap();
        assert_eq!(merged.version, 2);
        let now = store.read("app", None).await.unwrap().data;
        assert_eq!(now, merged.data);
        let keys: Vec<&str> = now.keys().collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(text(&now, "a").as_deref(), Some("1"));
        assert_eq!(text(&now, "b").as_deref(), Some("two"));
    }

    #[tokio::test]
    async fn merge_into_nothing_writes_the_changes() {
        let store = MemoryStore::new();
        let changes = SecretData::from_pairs(&[("a", "1")]);
        let merged = merge_write(&store, "new", changes, Cas::MustNotExist).await;
        assert_eq!(merged.unwrap().version, 1);
        let now = store.read("new", None).await.unwrap().data;
        assert_eq!(text(&now, "a").as_deref(), Some("1"));
    }

    /// A memory store where another writer gets in just before the next
    /// write.
    #[derive(Default)]
    struct Racing {
        inner: MemoryStore,
        sneak_in: AtomicBool,
    }

    #[async_trait::async_trait]
    impl Layer for Racing {
        fn inner(&self) -> &dyn SecretStore {
            &self.inner
        }
        async fn before(&self, op: Op, path: &str) -> Result<(), StoreError> {
            if op == Op::Write && self.sneak_in.swap(false, Ordering::SeqCst) {
                let theirs = SecretData::from_pairs(&[("a", "theirs")]);
                self.inner.write(path, &theirs, Cas::Any).await?;
            }
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_write_between_the_read_and_the_write_is_a_conflict_not_a_lost_update() {
        let store = Layered(Racing::default());
        let before = SecretData::from_pairs(&[("a", "1")]);
        store.write("app", &before, Cas::Any).await.unwrap();
        store.sneak_in.store(true, Ordering::SeqCst);
        let changes = SecretData::from_pairs(&[("b", "2")]);
        let err = merge_write(&store, "app", changes, Cas::Any).await;
        assert!(
            matches!(err, Err(MergeError::Write(StoreError::CasConflict { .. }))),
            "{err:?}"
        );
        let now = store.read("app", None).await.unwrap();
        assert_eq!(now.version, Some(2));
        assert_eq!(text(&now.data, "a").as_deref(), Some("theirs"));
        assert_eq!(text(&now.data, "b"), None);
    }

    #[tokio::test]
    async fn a_read_that_fails_for_another_reason_than_absence_is_a_read_error() {
        struct Down(MemoryStore);
        #[async_trait::async_trait]
        impl Layer for Down {
            fn inner(&self) -> &dyn SecretStore {
                &self.0
            }
            async fn before(&self, _: Op, _: &str) -> Result<(), StoreError> {
                Err(StoreError::Unavailable {
                    store: "down".into(),
                    detail: "HTTP 503".into(),
                })
            }
        }
        let store = Layered(Down(MemoryStore::new()));
        let changes = SecretData::from_pairs(&[("a", "1")]);
        let err = merge_write(&store, "app", changes, Cas::Any).await;
        assert!(matches!(err, Err(MergeError::Read(_))), "{err:?}");
    }
}
