//! The store abstraction every subcommand works through, and its backends.
//!
//! Engines (`inject`, `sync`, ...) only see `dyn SecretStore`; `vaultrs` and
//! `kube` are imported only inside their backend module.

pub mod compare;
pub mod deadline;
pub mod history;
pub mod kube;
pub mod kube_access;
pub mod kube_watch;
pub mod layer;
pub mod local;
pub mod memory;
pub mod merge;
pub mod rate_limit;
pub mod redact;
pub mod reference;
pub mod retry;
pub mod secret;
pub mod vault;

pub use reference::{Reference, Scheme};
pub use secret::{Cas, Secret, SecretData, SecretValue, VersionInfo};

use async_trait::async_trait;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio::sync::OnceCell;

/// A place that keeps secrets by path.
#[async_trait]
pub trait SecretStore: Send + Sync {
    /// A short name for messages: `vault (http://127.0.0.1:8200)`, `local (/path)`.
    fn describe(&self) -> String;

    /// Read the secret at `path`: the current version, or `version`.
    async fn read(&self, path: &str, version: Option<u64>) -> Result<Secret, StoreError>;

    /// Write all of `data` as the new content of `path`; returns the new version
    /// (0 where the store keeps no versions).
    async fn write(&self, path: &str, data: &SecretData, cas: Cas) -> Result<u64, StoreError>;

    /// Names directly under `prefix`; sub-folders end in `/`.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError>;

    /// `list`, and the entries that had to be left out (a corrupt or
    /// unreadable file in the local store), so that one bad entry does not
    /// hide the good ones. Stores that cannot tell a bad entry apart skip none.
    async fn list_entries(&self, prefix: &str) -> Result<Listing, StoreError> {
        Ok(Listing {
            names: self.list(prefix).await?,
            skipped: Vec::new(),
        })
    }

    /// The versions of `path`, oldest first.
    async fn versions(&self, path: &str) -> Result<Vec<VersionInfo>, StoreError>;

    /// Delete `path` (for versioned stores: the current version, recoverably).
    async fn delete(&self, path: &str) -> Result<(), StoreError>;

    /// Delete chosen versions of `path`, or all of it with its history
    /// (`kvault delete --versions/--destroy/--all-versions`). Only stores
    /// that keep versions do; the default says so.
    async fn delete_versions(&self, path: &str, which: &Deletion) -> Result<(), StoreError> {
        let _ = which;
        Err(StoreError::BadInput(format!(
            "{} keeps no versions of `{path}`: deleting chosen versions is not supported by this store\nhelp: kvault delete without --versions, --destroy or --all-versions",
            self.describe()
        )))
    }

    /// A stream that yields whenever `path` may have changed, for stores that
    /// can push changes (Kubernetes watch). `None`: the caller polls.
    async fn watch(&self, _path: &str) -> Result<Option<ChangeStream>, StoreError> {
        Ok(None)
    }

    /// What `path` keeps beyond its current data (see [`Capabilities`]).
    /// One query, so that a wrapper store forwards one method, not one per
    /// capability (a forgotten one would silently answer "no").
    async fn capabilities(&self, _path: &str) -> Result<Capabilities, StoreError> {
        Ok(Capabilities::default())
    }

    /// `write`, and record `metadata` with the secret: the given keys are set,
    /// other metadata keys are kept. Stores that keep no metadata ignore it.
    async fn write_with_metadata(
        &self,
        path: &str,
        data: &SecretData,
        cas: Cas,
        _metadata: &BTreeMap<String, String>,
    ) -> Result<u64, StoreError> {
        self.write(path, data, cas).await
    }

    /// Set `metadata` keys on `path` without changing its data. `data` is
    /// its current data, for stores that can only write both together
    /// (the default writes it again).
    async fn write_metadata(
        &self,
        path: &str,
        data: &SecretData,
        metadata: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        self.write_with_metadata(path, data, Cas::Any, metadata)
            .await
            .map(|_| ())
    }

    /// `write_with_metadata`, the secret shaped as `shape` says (a sync
    /// template's Secret type, labels and annotations). Only Kubernetes
    /// Secrets have a shape: other stores refuse one that is not empty
    /// (plans are checked for that before they run).
    async fn write_shaped(
        &self,
        path: &str,
        data: &SecretData,
        cas: Cas,
        metadata: &BTreeMap<String, String>,
        shape: &Shape,
    ) -> Result<u64, StoreError> {
        if !shape.is_empty() {
            return Err(StoreError::BadInput(format!(
                "{} keeps no Secret type, labels or annotations",
                self.describe()
            )));
        }
        self.write_with_metadata(path, data, cas, metadata).await
    }
}

/// How a Kubernetes Secret is shaped beyond its data and kvault's own
/// annotations: a sync template's `type`, labels and annotations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// `kubernetes.io/tls`, `kubernetes.io/dockerconfigjson`, ...; `None`
    /// keeps the Secret's type (`Opaque` for a new one).
    pub secret_type: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

impl Shape {
    pub fn is_empty(&self) -> bool {
        self.secret_type.is_none() && self.labels.is_empty() && self.annotations.is_empty()
    }
}

/// What a store keeps for a path beyond its current data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// Free-form metadata next to the data (Kubernetes annotations, KV v2
    /// custom metadata): `write_with_metadata` records it and `read` returns
    /// it. `kvault sync` needs it for provenance and drift; without it sync
    /// compares data only.
    pub metadata: bool,
    /// Older versions stay readable (`read` with a version), as on KV v2 and
    /// the local store. `kvault rotate` needs it to roll back.
    pub versions: bool,
}

/// What `delete_versions` removes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Deletion {
    /// These versions, recoverably (KV v2 soft delete).
    Versions(Vec<u64>),
    /// These versions, permanently.
    Destroy(Vec<u64>),
    /// The secret's metadata and every version, permanently.
    All,
}

/// What `list_entries` found under a prefix.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// As `list` gives them: sorted, sub-folders ending in `/`.
    pub names: Vec<String>,
    /// Entries left out, each with why; never a value.
    pub skipped: Vec<Skipped>,
}

/// One entry `list_entries` left out.
#[derive(Debug, PartialEq, Eq)]
pub struct Skipped {
    /// Where it is (for the local store: the file on disk).
    pub path: String,
    /// Why it was left out, one line.
    pub why: String,
}

/// Change notifications of one path; an item means "read again".
pub type ChangeStream = futures::stream::BoxStream<'static, ()>;

/// Why a store operation failed. Each variant names what and where; none
/// ever carries a secret value.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Nothing is stored at the path (or that version).
    #[error("`{path}` not found in {store}")]
    NotFound { store: String, path: String },
    /// The secret exists but lacks the key a reference names.
    #[error("key `{key}` not found in `{path}` ({store})")]
    KeyNotFound {
        store: String,
        path: String,
        key: String,
    },
    /// The credentials do not allow the operation.
    #[error("permission denied on `{path}` by {store}: {detail}")]
    PermissionDenied {
        store: String,
        path: String,
        detail: String,
    },
    /// A check-and-set write found another version than expected.
    #[error("check-and-set conflict on `{path}` in {store}: {detail}")]
    CasConflict {
        store: String,
        path: String,
        detail: String,
    },
    /// The store is sealed, unreachable, overloaded or failing; worth a retry.
    #[error("{store} is unavailable: {detail}")]
    Unavailable { store: String, detail: String },
    /// The request itself is wrong (bad path, unsupported operation).
    #[error("{0}")]
    BadInput(String),
    /// Stored data cannot be decoded (corrupt file, wrong key).
    #[error("{0}")]
    Corrupt(String),
    /// Configuration or credentials are missing or unusable.
    #[error("{0}")]
    Config(String),
}

impl StoreError {
    /// Whether retrying the same call may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable { .. })
    }

    /// Whether the thing asked for is simply absent (a "no" answer).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            StoreError::NotFound { .. } | StoreError::KeyNotFound { .. }
        )
    }
}

/// Opens each kind of store once, on first use, and hands out shared handles.
/// Commands hold one of these; engines ask it for `dyn SecretStore`s.
pub struct Stores {
    config: StoreConfig,
    vault: OnceCell<Arc<vault::VaultStore>>,
    local: OnceCell<Arc<local::LocalStore>>,
    kube: OnceCell<Arc<kube::KubeStore>>,
    /// Fixed backends, for tests of engines; they win over `config`.
    fixed: HashMap<Scheme, Arc<dyn SecretStore>>,
    /// One limiter per rate-limited store, shared by all its users.
    limiters: HashMap<Scheme, Arc<governor::DefaultDirectRateLimiter>>,
}

/// Settings for opening stores, from flags and environment.
#[derive(Clone, Debug, Default)]
pub struct StoreConfig {
    pub vault: vault::VaultConfig,
    pub local: local::LocalConfig,
    pub kube: kube::KubeConfig,
    /// Operations a second, per store (`--rate-limit`); absent: unlimited.
    pub rate_limits: BTreeMap<Scheme, std::num::NonZeroU32>,
}

impl Stores {
    pub fn new(config: StoreConfig) -> Self {
        let limiters = config
            .rate_limits
            .iter()
            .map(|(scheme, n)| (*scheme, rate_limit::limiter(*n)))
            .collect();
        Stores {
            config,
            vault: OnceCell::new(),
            local: OnceCell::new(),
            kube: OnceCell::new(),
            fixed: HashMap::new(),
            limiters,
        }
    }

    /// A store set with fixed backends, for tests of engines.
    pub fn with(stores: Vec<(Scheme, Arc<dyn SecretStore>)>) -> Self {
        Stores {
            fixed: stores.into_iter().collect(),
            ..Stores::new(StoreConfig::default())
        }
    }

    pub async fn get(&self, scheme: Scheme) -> Result<Arc<dyn SecretStore>, StoreError> {
        let store = self.unlimited(scheme).await?;
        Ok(match self.limiters.get(&scheme) {
            Some(limiter) => Arc::new(rate_limit::RateLimited::new(store, limiter.clone())),
            None => store,
        })
    }

    async fn unlimited(&self, scheme: Scheme) -> Result<Arc<dyn SecretStore>, StoreError> {
        if let Some(store) = self.fixed.get(&scheme) {
            return Ok(store.clone());
        }
        match scheme {
            Scheme::Vault => Ok(self.vault().await?),
            Scheme::Local => {
                let local = self
                    .local
                    .get_or_try_init(|| async {
                        local::LocalStore::open(&self.config.local).map(Arc::new)
                    })
                    .await?;
                Ok(local.clone())
            }
            Scheme::K8s => Ok(self.kube().await?),
        }
    }

    /// The Kubernetes backend itself, for what only it offers (the
    /// watched copy of `sync --watch`).
    pub async fn kube(&self) -> Result<Arc<kube::KubeStore>, StoreError> {
        self.kube
            .get_or_try_init(|| async {
                kube::KubeStore::connect(&self.config.kube)
                    .await
                    .map(Arc::new)
            })
            .await
            .cloned()
    }

    /// The Vault backend itself, for Vault-only features (dynamic secrets,
    /// transit) that `kvault exec` offers for Bank-Vaults compatibility.
    pub async fn vault(&self) -> Result<Arc<vault::VaultStore>, StoreError> {
        self.vault
            .get_or_try_init(|| async {
                vault::VaultStore::connect(&self.config.vault)
                    .await
                    .map(Arc::new)
            })
            .await
            .cloned()
    }

    /// The Vault backend when something already opened it (logged in).
    pub fn vault_if_open(&self) -> Option<Arc<vault::VaultStore>> {
        self.vault.get().cloned()
    }

    /// Read what `reference` names: the whole secret, or the one key.
    pub async fn resolve(&self, reference: &Reference) -> Result<Secret, StoreError> {
        let store = self.get(reference.scheme).await?;
        let mut secret = store.read(&reference.path, reference.version).await?;
        if let Some(key) = &reference.key {
            secret.data = secret
                .data
                .only(key)
                .ok_or_else(|| StoreError::KeyNotFound {
                    store: store.describe(),
                    path: reference.path.clone(),
                    key: key.clone(),
                })?;
        }
        Ok(secret)
    }
}
