//! One forwarding layer for stores that wrap another store: a [`Layer`]
//! names its inner store and a hook run before each operation, and
//! [`Layered`] makes it a [`SecretStore`] that forwards every method of the
//! trait. A wrapper that forwards by hand must repeat each method, and one
//! it forgets silently answers with the trait's default (no capabilities,
//! no watch); here a method added to the trait is forwarded in one place.
//!
//! For wrappers that only wait, count or fail before an operation (the rate
//! limit, test stores that stand for a crash). A wrapper that changes the
//! answers themselves is a store of its own.

use super::{
    Capabilities, Cas, ChangeStream, Deletion, Listing, Secret, SecretData, SecretStore, Shape,
    StoreError, VersionInfo,
};
use async_trait::async_trait;
use std::collections::BTreeMap;

/// A [`SecretStore`] operation, as a [`Layer`]'s hook sees it: one per
/// method of the trait but `describe`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Read,
    Write,
    List,
    ListEntries,
    Versions,
    Delete,
    DeleteVersions,
    Watch,
    Capabilities,
    WriteWithMetadata,
    WriteMetadata,
    WriteShaped,
}

impl Op {
    /// Every operation, in the order of the trait's methods.
    pub const ALL: [Op; 12] = [
        Op::Read,
        Op::Write,
        Op::List,
        Op::ListEntries,
        Op::Versions,
        Op::Delete,
        Op::DeleteVersions,
        Op::Watch,
        Op::Capabilities,
        Op::WriteWithMetadata,
        Op::WriteMetadata,
        Op::WriteShaped,
    ];
}

/// A wrapper around a store: its inner store, and what to do before each
/// operation.
#[async_trait]
pub trait Layer: Send + Sync {
    /// The store every operation goes to after [`Layer::before`].
    fn inner(&self) -> &dyn SecretStore;

    /// The name for messages; the inner store's unless overridden.
    fn describe(&self) -> String {
        self.inner().describe()
    }

    /// Run before `op` on `path` (the prefix, for a list). An error is the
    /// operation's answer, and the inner store is not asked.
    async fn before(&self, op: Op, path: &str) -> Result<(), StoreError>;
}

/// A [`Layer`] as a store: every method runs the hook, then forwards.
#[derive(Default)]
pub struct Layered<L>(pub L);

impl<L> std::ops::Deref for Layered<L> {
    type Target = L;
    fn deref(&self) -> &L {
        &self.0
    }
}

#[async_trait]
impl<L: Layer> SecretStore for Layered<L> {
    fn describe(&self) -> String {
        self.0.describe()
    }

    async fn read(&self, path: &str, version: Option<u64>) -> Result<Secret, StoreError> {
        self.0.before(Op::Read, path).await?;
        self.0.inner().read(path, version).await
    }

    async fn write(&self, path: &str, data: &SecretData, cas: Cas) -> Result<u64, StoreError> {
        self.0.before(Op::Write, path).await?;
        self.0.inner().write(path, data, cas).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        self.0.before(Op::List, prefix).await?;
        self.0.inner().list(prefix).await
    }

    async fn list_entries(&self, prefix: &str) -> Result<Listing, StoreError> {
        self.0.before(Op::ListEntries, prefix).await?;
        self.0.inner().list_entries(prefix).await
    }

    async fn versions(&self, path: &str) -> Result<Vec<VersionInfo>, StoreError> {
        self.0.before(Op::Versions, path).await?;
        self.0.inner().versions(path).await
    }

    async fn delete(&self, path: &str) -> Result<(), StoreError> {
        self.0.before(Op::Delete, path).await?;
        self.0.inner().delete(path).await
    }

    async fn delete_versions(&self, path: &str, which: &Deletion) -> Result<(), StoreError> {
        self.0.before(Op::DeleteVersions, path).await?;
        self.0.inner().delete_versions(path, which).await
    }

    async fn watch(&self, path: &str) -> Result<Option<ChangeStream>, StoreError> {
        self.0.before(Op::Watch, path).await?;
        self.0.inner().watch(path).await
    }

    async fn capabilities(&self, path: &str) -> Result<Capabilities, StoreError> {
        self.0.before(Op::Capabilities, path).await?;
        self.0.inner().capabilities(path).await
    }

    async fn write_with_metadata(
        &self,
        path: &str,
        data: &SecretData,
        cas: Cas,
        metadata: &BTreeMap<String, String>,
    ) -> Result<u64, StoreError> {
        self.0.before(Op::WriteWithMetadata, path).await?;
        self.0
            .inner()
            .write_with_metadata(path, data, cas, metadata)
            .await
    }

    async fn write_metadata(
        &self,
        path: &str,
        data: &SecretData,
        metadata: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        self.0.before(Op::WriteMetadata, path).await?;
        self.0.inner().write_metadata(path, data, metadata).await
    }

    async fn write_shaped(
        &self,
        path: &str,
        data: &SecretData,
        cas: Cas,
        metadata: &BTreeMap<String, String>,
        shape: &Shape,
    ) -> Result<u64, StoreError> {
        self.0.before(Op::WriteShaped, path).await?;
        self.0
            .inner()
            .write_shaped(path, data, cas, metadata, shape)
            .await
    }
}

#[cfg(test)]
mod tests;
