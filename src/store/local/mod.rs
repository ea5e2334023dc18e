//! The embedded default store: secrets encrypted with age (X25519) in files
//! on local disk, so kvault is useful without any server.
//!
//! Layout under the store root (`KVAULT_LOCAL_STORE`, default
//! `$XDG_DATA_HOME/kvault`):
//! - `key.txt`: the age identity, mode 0600 (or `KVAULT_LOCAL_KEY_FILE`, or
//!   the identity itself in `KVAULT_LOCAL_KEY`). It is created only by a
//!   write into an empty store, under the store lock, and appears whole
//!   (written aside, then linked into place) so concurrent first writes all
//!   land under one key. Reads never create it.
//! - `recipient.txt`: the public age recipient the store was made with, so a
//!   wrong key is named as such (with both fingerprints) before any file is
//!   tried. Stores from before it existed get it on their next write, once
//!   the key is shown to open their secrets.
//! - `secrets/<path>.age`: one file per secret holding its newest
//!   `KVAULT_LOCAL_MAX_VERSIONS` versions (default 10, as KV v2), written
//!   atomically (temp file `.tmp-*` + rename) under the store lock `.lock`.
//!
//! Limits: only regular files are read (never through a symbolic link for
//! the store's own files; FIFOs, sockets and devices are refused without
//! blocking), each at most [`MAX_FILE_BYTES`]. A file that cannot be
//! decrypted or decoded is reported and never overwritten; `list_entries`
//! skips it and says why. The decrypted JSON binds the secret's path, so a
//! file moved to another name is detected. A missing key for a store that
//! holds secrets, or another key than the store was made with, fails every
//! operation before anything is read or written.

mod disk;
mod file;
mod key;
#[cfg(test)]
mod tests;

pub use key::fingerprint;

use super::history::{children, History};
use super::{
    Cas, Deletion, Listing, Secret, SecretData, SecretStore, Skipped, StoreError, VersionInfo,
};
use crate::store::Capabilities;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub const ENV_STORE: &str = "KVAULT_LOCAL_STORE";
pub const ENV_KEY: &str = "KVAULT_LOCAL_KEY";
pub const ENV_KEY_FILE: &str = "KVAULT_LOCAL_KEY_FILE";
pub const ENV_MAX_VERSIONS: &str = "KVAULT_LOCAL_MAX_VERSIONS";

/// Versions kept per secret unless `KVAULT_LOCAL_MAX_VERSIONS` says
/// otherwise (KV v2's default); older ones are dropped on write.
pub const DEFAULT_MAX_VERSIONS: usize = 10;

/// The largest secret file the store reads or writes (64 MiB): a bigger
/// file is an error naming it, so a huge or endless file (a link to
/// `/dev/zero`) cannot exhaust memory. Ten versions of a 4 MiB value fit.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// The largest key or recipient file read (64 KiB; a key is ~100 bytes).
const MAX_KEY_FILE_BYTES: u64 = 64 << 10;

/// The public recipient the store was made with, in the store root.
pub const RECIPIENT_FILE: &str = "recipient.txt";

/// Temporary files; every one is made under the store lock, so whatever
/// the next lock holder finds was left by a writer that died.
const TMP_PREFIX: &str = ".tmp-";

/// Where the local store lives and where its key comes from.
#[derive(Clone, Debug, Default)]
pub struct LocalConfig {
    /// Store root; `None` means the XDG data dir.
    pub root: Option<PathBuf>,
    /// Key file; `None` means `<root>/key.txt`.
    pub key_file: Option<PathBuf>,
    /// The identity from `KVAULT_LOCAL_KEY`, read once (never printed):
    /// `kvault exec` scrubs the variable from its own environment after that.
    pub key_from_env: Option<secrecy::SecretString>,
    /// Versions to keep per secret, as written in `KVAULT_LOCAL_MAX_VERSIONS`
    /// (checked when the store opens); `None`: [`DEFAULT_MAX_VERSIONS`].
    pub max_versions: Option<String>,
}

impl LocalConfig {
    pub fn from_env() -> Self {
        LocalConfig {
            root: std::env::var_os(ENV_STORE).map(PathBuf::from),
            key_file: std::env::var_os(ENV_KEY_FILE).map(PathBuf::from),
            key_from_env: std::env::var_os(ENV_KEY)
                .map(|v| secrecy::SecretString::from(v.to_string_lossy().into_owned())),
            max_versions: std::env::var_os(ENV_MAX_VERSIONS)
                .map(|v| v.to_string_lossy().into_owned()),
        }
    }

    pub fn root(&self) -> Result<PathBuf, StoreError> {
        match &self.root {
            Some(root) => Ok(root.clone()),
            None => dirs::data_dir().map(|d| d.join("kvault")).ok_or_else(|| {
                StoreError::Config(format!(
                    "cannot find a data directory for the local store\nhelp: set {ENV_STORE}"
                ))
            }),
        }
    }

    /// How many versions of each secret to keep: a whole number, 1 or more.
    pub fn max_versions(&self) -> Result<usize, StoreError> {
        let Some(text) = &self.max_versions else {
            return Ok(DEFAULT_MAX_VERSIONS);
        };
        text.trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                StoreError::Config(format!(
                    "{ENV_MAX_VERSIONS} must be a whole number of versions to keep, 1 or more (default {DEFAULT_MAX_VERSIONS}), not `{}`",
                    text.escape_debug()
                ))
            })
    }
}

pub struct LocalStore {
    root: PathBuf,
    key: KeySource,
    /// The identity once found (and checked against the recipient file).
    identity: OnceLock<age::x25519::Identity>,
    max_versions: usize,
    /// [`MAX_FILE_BYTES`]; smaller in unit tests.
    max_file_bytes: u64,
}

enum KeySource {
    /// `KVAULT_LOCAL_KEY`: given whole, never created.
    Env(secrecy::SecretString),
    /// A key file, created by the first write into an empty store.
    File(PathBuf),
}

impl LocalStore {
    /// Open the store at `config`'s root. Nothing is created: a store that
    /// does not exist yet reads as empty until its first write. Fails when
    /// the store holds secrets but its key is missing or another one.
    pub fn open(config: &LocalConfig) -> Result<Self, StoreError> {
        let root = config.root()?;
        let max_versions = config.max_versions()?;
        let key = if let Some(text) = &config.key_from_env {
            KeySource::Env(text.clone())
        } else {
            KeySource::File(
                config
                    .key_file
                    .clone()
                    .unwrap_or_else(|| root.join("key.txt")),
            )
        };
        let store = LocalStore {
            root,
            key,
            identity: OnceLock::new(),
            max_versions,
            max_file_bytes: MAX_FILE_BYTES,
        };
        store.identity()?;
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn secrets_dir(&self) -> PathBuf {
        self.root.join("secrets")
    }

    fn file_of(&self, path: &str) -> Result<PathBuf, StoreError> {
        let path = path.trim_matches('/');
        if path.is_empty()
            || path
                .split('/')
                .any(|s| s.is_empty() || s.starts_with('.') || s.ends_with(".age"))
        {
            return Err(StoreError::BadInput(format!(
                "`{path}` is not a valid local store path (no empty segments, none starting with `.` or ending in `.age`)"
            )));
        }
        Ok(self.secrets_dir().join(format!("{path}.age")))
    }

    fn not_found(&self, path: &str) -> StoreError {
        StoreError::NotFound {
            store: self.describe(),
            path: path.into(),
        }
    }

    /// Change the stored history of the secret at `path`, which must
    /// exist: under the store lock, with the key writes use. In an empty
    /// store nothing is found, and no key is made.
    fn change_existing(
        &self,
        path: &str,
        change: impl FnOnce(&age::x25519::Identity, History) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.file_of(path)?;
        if self.identity()?.is_none() {
            return Err(self.not_found(path));
        }
        self.locked(|| {
            let identity = self.write_identity()?;
            let history = self
                .load(identity, path)?
                .ok_or_else(|| self.not_found(path))?;
            change(identity, history)
        })
    }
}

#[async_trait]
impl SecretStore for LocalStore {
    fn describe(&self) -> String {
        format!("local store ({})", self.root.display())
    }

    async fn read(&self, path: &str, version: Option<u64>) -> Result<Secret, StoreError> {
        let file = self.file_of(path)?;
        let Some(identity) = self.identity()? else {
            return Err(self.not_found(path));
        };
        let history = self
            .load_file(identity, &file, path)
            .map_err(|p| self.file_error(p))?
            .ok_or_else(|| self.not_found(path))?;
        let stored = history.get(version).ok_or_else(|| self.not_found(path))?;
        Ok(Secret {
            data: stored.data.clone(),
            version: Some(stored.version),
            metadata: BTreeMap::new(),
        })
    }

    async fn write(&self, path: &str, data: &SecretData, cas: Cas) -> Result<u64, StoreError> {
        self.file_of(path)?;
        self.locked(|| {
            let identity = self.write_identity()?;
            let mut history = self.load(identity, path)?.unwrap_or_default();
            let version = history
                .write(data, cas)
                .map_err(|m| StoreError::CasConflict {
                    store: self.describe(),
                    path: path.into(),
                    detail: m.describe(),
                })?;
            history.keep_newest(self.max_versions);
            self.save(identity, path, &history)?;
            Ok(version)
        })
    }

    /// A folder that does not exist lists as empty here; `list_entries`
    /// (`kvault ls`) says it is not found.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let listing = match self.list_entries(prefix).await {
            Err(e) if e.is_not_found() => Listing::default(),
            other => other?,
        };
        for skipped in &listing.skipped {
            tracing::warn!(file = %skipped.path, "left out of the listing: {}", skipped.why);
        }
        Ok(listing.names)
    }

    async fn list_entries(&self, prefix: &str) -> Result<Listing, StoreError> {
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|s| s == "..") {
            return Err(StoreError::BadInput(format!(
                "`{prefix}` is not a valid prefix"
            )));
        }
        // The root always exists (maybe empty); a folder only once written.
        let missing = || {
            if prefix.is_empty() {
                Ok(Listing::default())
            } else {
                Err(self.not_found(prefix))
            }
        };
        let Some(identity) = self.identity()? else {
            return missing();
        };
        let dir = self.secrets_dir().join(prefix);
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return missing(),
            Err(e) => return Err(io_error("list", &dir, e)),
        };
        let mut names = Vec::new();
        let mut skipped = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io_error("list", &dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            // Dot files are the store's own: `.tmp-*` of a write in progress.
            if name.starts_with('.') {
                continue;
            }
            // `metadata` follows a link to a directory, and never opens anything.
            if fs::metadata(entry.path()).is_ok_and(|m| m.is_dir()) {
                names.push(format!("{name}/"));
            } else if let Some(stem) = name.strip_suffix(".age") {
                let full = if prefix.is_empty() {
                    stem.to_string()
                } else {
                    format!("{prefix}/{stem}")
                };
                match self.load_file(identity, &entry.path(), &full) {
                    Ok(history) => {
                        if history.is_some_and(|h| h.current().is_some()) {
                            names.push(stem.to_string());
                        }
                    }
                    Err(problem) => skipped.push(Skipped {
                        path: problem.file.display().to_string(),
                        why: problem.why,
                    }),
                }
            }
        }
        skipped.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Listing {
            names: children(names.iter().map(String::as_str), ""),
            skipped,
        })
    }

    async fn capabilities(&self, _path: &str) -> Result<Capabilities, StoreError> {
        Ok(Capabilities {
            metadata: false,
            versions: true,
        })
    }

    async fn versions(&self, path: &str) -> Result<Vec<VersionInfo>, StoreError> {
        self.file_of(path)?;
        let Some(identity) = self.identity()? else {
            return Err(self.not_found(path));
        };
        let history = self
            .load(identity, path)?
            .ok_or_else(|| self.not_found(path))?;
        Ok(history.infos())
    }

    async fn delete(&self, path: &str) -> Result<(), StoreError> {
        self.change_existing(path, |identity, mut history| {
            if !history.delete() {
                return Err(self.not_found(path));
            }
            self.save(identity, path, &history)
        })
    }

    /// `Versions`: those versions are marked deleted (recoverable);
    /// `All`: the secret's file goes, history and all. The local store
    /// cannot destroy single versions (they share one encrypted file).
    async fn delete_versions(&self, path: &str, which: &Deletion) -> Result<(), StoreError> {
        let file = self.file_of(path)?;
        if let Deletion::Destroy(_) = which {
            return Err(StoreError::BadInput(format!(
                "{} cannot destroy single versions of `{path}`\nhelp: kvault delete --all-versions removes the secret with its whole history",
                self.describe()
            )));
        }
        self.change_existing(path, |identity, mut history| match which {
            Deletion::Versions(versions) => {
                for v in versions {
                    if !history.delete_version(*v) {
                        return Err(StoreError::NotFound {
                            store: self.describe(),
                            path: format!("{path} version {v}"),
                        });
                    }
                }
                self.save(identity, path, &history)
            }
            _ => fs::remove_file(&file).map_err(|e| io_error("remove", &file, e)),
        })
    }
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    let msg = format!("cannot {what} `{}`: {e}", path.display());
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        StoreError::PermissionDenied {
            store: "local store".into(),
            path: path.display().to_string(),
            detail: e.to_string(),
        }
    } else {
        StoreError::Config(msg)
    }
}
