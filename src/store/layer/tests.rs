//! Every method of a [`Layered`] store runs the hook once and reaches the
//! same method of the inner store (not a trait default standing in for it).

use super::*;
use crate::store::memory::MemoryStore;
use crate::store::Skipped;
use futures::StreamExt;
use std::sync::Mutex;

/// A store that answers every method with what no trait default gives,
/// and notes which of its methods was called.
#[derive(Default)]
struct Probe {
    called: Mutex<Vec<Op>>,
}

impl Probe {
    fn note(&self, op: Op) {
        self.called.lock().unwrap().push(op);
    }
}

#[async_trait]
impl SecretStore for Probe {
    fn describe(&self) -> String {
        "probe".into()
    }
    async fn read(&self, _: &str, version: Option<u64>) -> Result<Secret, StoreError> {
        self.note(Op::Read);
        Ok(Secret {
            version,
            ..Secret::new(SecretData::from_pairs(&[("k", "v")]))
        })
    }
    async fn write(&self, _: &str, _: &SecretData, _: Cas) -> Result<u64, StoreError> {
        self.note(Op::Write);
        Ok(1)
    }
    async fn list(&self, _: &str) -> Result<Vec<String>, StoreError> {
        self.note(Op::List);
        Ok(vec!["listed".into()])
    }
    async fn list_entries(&self, _: &str) -> Result<Listing, StoreError> {
        self.note(Op::ListEntries);
        Ok(Listing {
            names: vec!["good".into()],
            skipped: vec![Skipped {
                path: "bad".into(),
                why: "corrupt".into(),
            }],
        })
    }
    async fn versions(&self, _: &str) -> Result<Vec<VersionInfo>, StoreError> {
        self.note(Op::Versions);
        Ok(vec![VersionInfo {
            version: 3,
            created: None,
            deleted: false,
            destroyed: false,
            current: true,
        }])
    }
    async fn delete(&self, _: &str) -> Result<(), StoreError> {
        self.note(Op::Delete);
        Ok(())
    }
    async fn delete_versions(&self, _: &str, _: &Deletion) -> Result<(), StoreError> {
        self.note(Op::DeleteVersions);
        Ok(())
    }
    async fn watch(&self, _: &str) -> Result<Option<ChangeStream>, StoreError> {
        self.note(Op::Watch);
        Ok(Some(futures::stream::iter([()]).boxed()))
    }
    async fn capabilities(&self, _: &str) -> Result<Capabilities, StoreError> {
        self.note(Op::Capabilities);
        Ok(Capabilities {
            metadata: true,
            versions: true,
        })
    }
    async fn write_with_metadata(
        &self,
        _: &str,
        _: &SecretData,
        _: Cas,
        _: &BTreeMap<String, String>,
    ) -> Result<u64, StoreError> {
        self.note(Op::WriteWithMetadata);
        Ok(2)
    }
    async fn write_metadata(
        &self,
        _: &str,
        _: &SecretData,
        _: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        self.note(Op::WriteMetadata);
        Ok(())
    }
    async fn write_shaped(
        &self,
        _: &str,
        _: &SecretData,
        _: Cas,
        _: &BTreeMap<String, String>,
        _: &Shape,
    ) -> Result<u64, StoreError> {
        self.note(Op::WriteShaped);
        Ok(2)
    }
}

/// A layer that notes each hook call, and can refuse one operation.
struct Notes<S> {
    inner: S,
    seen: Mutex<Vec<(Op, String)>>,
    refuse: Option<Op>,
}

impl<S> Notes<S> {
    fn over(inner: S) -> Layered<Notes<S>> {
        Layered(Notes {
            inner,
            seen: Mutex::new(Vec::new()),
            refuse: None,
        })
    }
}

#[async_trait]
impl<S: SecretStore> Layer for Notes<S> {
    fn inner(&self) -> &dyn SecretStore {
        &self.inner
    }
    async fn before(&self, op: Op, path: &str) -> Result<(), StoreError> {
        self.seen.lock().unwrap().push((op, path.to_string()));
        if self.refuse == Some(op) {
            return Err(StoreError::BadInput(format!("{op:?} refused")));
        }
        Ok(())
    }
}

/// Call `op` on `store`, for the answers' sake.
async fn call(store: &dyn SecretStore, op: Op) -> Result<(), StoreError> {
    let data = SecretData::from_pairs(&[("k", "v")]);
    let meta = BTreeMap::from([("m".to_string(), "1".to_string())]);
    match op {
        Op::Read => store.read("p", Some(4)).await.map(|_| ()),
        Op::Write => store.write("p", &data, Cas::Any).await.map(|_| ()),
        Op::List => store.list("p").await.map(|_| ()),
        Op::ListEntries => store.list_entries("p").await.map(|_| ()),
        Op::Versions => store.versions("p").await.map(|_| ()),
        Op::Delete => store.delete("p").await,
        Op::DeleteVersions => store.delete_versions("p", &Deletion::All).await,
        Op::Watch => store.watch("p").await.map(|_| ()),
        Op::Capabilities => store.capabilities("p").await.map(|_| ()),
        Op::WriteWithMetadata => store
            .write_with_metadata("p", &data, Cas::Any, &meta)
            .await
            .map(|_| ()),
        Op::WriteMetadata => store.write_metadata("p", &data, &meta).await,
        Op::WriteShaped => store
            .write_shaped("p", &data, Cas::Any, &meta, &Shape::default())
            .await
            .map(|_| ()),
    }
}

#[tokio::test]
async fn every_method_runs_the_hook_once_and_reaches_the_same_method_inside() {
    let store = Notes::over(Probe::default());
    for op in Op::ALL {
        call(&store, op).await.unwrap();
        assert_eq!(store.seen.lock().unwrap().pop(), Some((op, "p".into())));
        assert!(store.seen.lock().unwrap().is_empty(), "{op:?}");
        assert_eq!(store.inner.called.lock().unwrap().pop(), Some(op));
        assert!(store.inner.called.lock().unwrap().is_empty(), "{op:?}");
    }
}

#[tokio::test]
async fn answers_are_the_inner_stores_where_a_trait_default_would_differ() {
    let store = Notes::over(Probe::default());
    assert_eq!(store.describe(), "probe");
    assert_eq!(store.read("p", Some(4)).await.unwrap().version, Some(4));
    assert_eq!(store.list_entries("p").await.unwrap().skipped.len(), 1);
    assert_eq!(store.versions("p").await.unwrap()[0].version, 3);
    assert!(store.delete_versions("p", &Deletion::All).await.is_ok());
    let mut changes = store.watch("p").await.unwrap().expect("a change stream");
    assert_eq!(changes.next().await, Some(()));
    let can = store.capabilities("p").await.unwrap();
    assert!(can.metadata && can.versions);
    let data = SecretData::from_pairs(&[("k", "v")]);
    let meta = BTreeMap::new();
    let written = store.write_with_metadata("p", &data, Cas::Any, &meta);
    assert_eq!(written.await.unwrap(), 2);
}

#[tokio::test]
async fn a_layered_memory_store_answers_like_the_memory_store() {
    let store = Notes::over(MemoryStore::new());
    let data = SecretData::from_pairs(&[("k", "v")]);
    let meta = BTreeMap::from([("m".to_string(), "1".to_string())]);
    store
        .write_with_metadata("a/b", &data, Cas::MustNotExist, &meta)
        .await
        .unwrap();
    let read = store.read("a/b", None).await.unwrap();
    assert_eq!((read.version, read.metadata), (Some(1), meta));
    assert_eq!(
        store.capabilities("a/b").await.unwrap(),
        store.inner.capabilities("a/b").await.unwrap()
    );
    assert_eq!(store.versions("a/b").await.unwrap().len(), 1);
    assert_eq!(store.list_entries("a/").await.unwrap().names, ["b"]);
    assert!(store.watch("a/b").await.unwrap().is_none());
}

#[tokio::test]
async fn an_error_from_the_hook_is_the_answer_and_the_inner_store_is_not_asked() {
    let mut store = Notes::over(Probe::default());
    store.0.refuse = Some(Op::Write);
    let data = SecretData::from_pairs(&[("k", "v")]);
    let err = store.write("p", &data, Cas::Any).await.unwrap_err();
    assert_eq!(err.to_string(), "Write refused");
    assert!(store.inner.called.lock().unwrap().is_empty());
    store.read("p", None).await.unwrap();
    assert_eq!(*store.inner.called.lock().unwrap(), [Op::Read]);
}
