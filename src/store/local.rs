//! The embedded default store: secrets encrypted with age (X25519) in files
//! on local disk, so kvault is useful without any server.
//!
//! Layout under the store root (`KVAULT_LOCAL_STORE`, default
//! `$XDG_DATA_HOME/kvault`):
//! - `key.txt`: the age identity, created on first use with mode 0600
//!   (or `KVAULT_LOCAL_KEY_FILE`, or the identity itself in `KVAULT_LOCAL_KEY`);
//! - `secrets/<path>.age`: one file per secret holding its whole version
//!   history, written atomically (temp file + rename) under a store lock.
//!
//! A file that cannot be decrypted or decoded is reported and never
//! overwritten. The decrypted JSON binds the secret's path, so a file moved
//! to another name is detected.

use super::history::{children, History, StoredVersion};
use super::{Cas, Secret, SecretData, SecretStore, SecretValue, StoreError, VersionInfo};
use age::secrecy::ExposeSecret;
use async_trait::async_trait;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

pub const ENV_STORE: &str = "KVAULT_LOCAL_STORE";
pub const ENV_KEY: &str = "KVAULT_LOCAL_KEY";
pub const ENV_KEY_FILE: &str = "KVAULT_LOCAL_KEY_FILE";

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
}

impl LocalConfig {
    pub fn from_env() -> Self {
        LocalConfig {
            root: std::env::var_os(ENV_STORE).map(PathBuf::from),
            key_file: std::env::var_os(ENV_KEY_FILE).map(PathBuf::from),
            key_from_env: std::env::var_os(ENV_KEY)
                .map(|v| secrecy::SecretString::from(v.to_string_lossy().into_owned())),
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
}

pub struct LocalStore {
    root: PathBuf,
    identity: age::x25519::Identity,
}

/// The file format inside the age envelope.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBody {
    format: u32,
    path: String,
    versions: Vec<FileVersion>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileVersion {
    version: u64,
    created: String,
    deleted: bool,
    /// Values base64-encoded, so binary values survive JSON.
    data: BTreeMap<String, Zeroizing<String>>,
}

const FORMAT: u32 = 1;

impl LocalStore {
    pub fn open(config: &LocalConfig) -> Result<Self, StoreError> {
        let root = config.root()?;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(root.join("secrets"))
            .map_err(|e| io_error("create the local store", &root, e))?;
        let identity = if let Some(text) = &config.key_from_env {
            use secrecy::ExposeSecret;
            parse_identity(text.expose_secret().trim()).map_err(|_| {
                StoreError::Config(format!(
                    "{ENV_KEY} does not hold an age identity (AGE-SECRET-KEY-1...)"
                ))
            })?
        } else {
            let key_file = config
                .key_file
                .clone()
                .unwrap_or_else(|| root.join("key.txt"));
            load_or_create_key(&key_file)?
        };
        Ok(LocalStore { root, identity })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn file_of(&self, path: &str) -> Result<PathBuf, StoreError> {
        let path = path.trim_matches('/');
        if path.is_empty()
            || path
                .split('/')
                .any(|s| s.is_empty() || s == "." || s == ".." || s.ends_with(".age"))
        {
            return Err(StoreError::BadInput(format!(
                "`{path}` is not a valid local store path"
            )));
        }
        Ok(self.root.join("secrets").join(format!("{path}.age")))
    }

    fn load(&self, path: &str) -> Result<Option<History>, StoreError> {
        let file = self.file_of(path)?;
        let bytes = match fs::read(&file) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("read", &file, e)),
        };
        let plain = Zeroizing::new(age::decrypt(&self.identity, &bytes).map_err(|e| {
            StoreError::Corrupt(format!(
                "cannot decrypt `{}`: {e} (wrong key, or the file is corrupt); it was left untouched",
                file.display()
            ))
        })?);
        let body: FileBody = serde_json::from_slice(&plain).map_err(|e| {
            StoreError::Corrupt(format!(
                "`{}` decrypts but does not decode: {e}; it was left untouched",
                file.display()
            ))
        })?;
        if body.format != FORMAT || body.path != path.trim_matches('/') {
            return Err(StoreError::Corrupt(format!(
                "`{}` holds format {} for path `{}`, not the secret `{path}`",
                file.display(),
                body.format,
                body.path
            )));
        }
        let mut versions = Vec::with_capacity(body.versions.len());
        for v in body.versions {
            let mut data = SecretData::new();
            for (k, b64) in v.data {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64.as_bytes())
                    .map_err(|_| {
                        StoreError::Corrupt(format!("`{}`: a value is not base64", file.display()))
                    })?;
                data.insert(k, SecretValue::new(bytes));
            }
            versions.push(StoredVersion {
                version: v.version,
                created: v.created,
                deleted: v.deleted,
                data,
            });
        }
        History::from_versions(versions).map(Some).map_err(|why| {
            StoreError::Corrupt(format!(
                "`{}`: {why}; it was left untouched",
                file.display()
            ))
        })
    }

    fn save(&self, path: &str, history: &History) -> Result<(), StoreError> {
        let file = self.file_of(path)?;
        let body = FileBody {
            format: FORMAT,
            path: path.trim_matches('/').to_string(),
            versions: history
                .versions
                .iter()
                .map(|v| FileVersion {
                    version: v.version,
                    created: v.created.clone(),
                    deleted: v.deleted,
                    data: v
                        .data
                        .iter()
                        .map(|(k, val)| {
                            let enc =
                                base64::engine::general_purpose::STANDARD.encode(val.expose());
                            (k.to_string(), Zeroizing::new(enc))
                        })
                        .collect(),
                })
                .collect(),
        };
        let plain = Zeroizing::new(
            serde_json::to_vec(&body).map_err(|e| StoreError::BadInput(e.to_string()))?,
        );
        let recipient = self.identity.to_public();
        let sealed = age::encrypt(&recipient, &plain)
            .map_err(|e| StoreError::Corrupt(format!("cannot encrypt `{path}`: {e}")))?;
        let dir = file.parent().expect("secret files live under secrets/");
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| io_error("create", dir, e))?;
        // Temp file in the same directory, then rename: a crash leaves the old
        // file or the new one, never half of either.
        let mut tmp = tempfile::Builder::new()
            .prefix(".tmp-")
            .permissions(fs::Permissions::from_mode(0o600))
            .tempfile_in(dir)
            .map_err(|e| io_error("write", dir, e))?;
        tmp.write_all(&sealed)
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(|e| io_error("write", &file, e))?;
        tmp.persist(&file)
            .map_err(|e| io_error("replace", &file, e.error))?;
        Ok(())
    }

    /// Run a read-modify-write under an exclusive lock on the store, so two
    /// kvault processes cannot lose each other's update.
    fn locked<T>(&self, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
        let lock_path = self.root.join(".lock");
        let lock_file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&lock_path)
            .map_err(|e| io_error("lock", &lock_path, e))?;
        let _lock = nix::fcntl::Flock::lock(lock_file, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, e)| io_error("lock", &lock_path, e.into()))?;
        f()
    }

    fn not_found(&self, path: &str) -> StoreError {
        StoreError::NotFound {
            store: self.describe(),
            path: path.into(),
        }
    }
}

#[async_trait]
impl SecretStore for LocalStore {
    fn describe(&self) -> String {
        format!("local store ({})", self.root.display())
    }

    async fn read(&self, path: &str, version: Option<u64>) -> Result<Secret, StoreError> {
        let history = self.load(path)?.ok_or_else(|| self.not_found(path))?;
        let stored = history.get(version).ok_or_else(|| self.not_found(path))?;
        Ok(Secret {
            data: stored.data.clone(),
            version: Some(stored.version),
            metadata: BTreeMap::new(),
        })
    }

    async fn write(&self, path: &str, data: &SecretData, cas: Cas) -> Result<u64, StoreError> {
        self.locked(|| {
            let mut history = self.load(path)?.unwrap_or_default();
            let version = history
                .write(data, cas)
                .map_err(|m| StoreError::CasConflict {
                    store: self.describe(),
                    path: path.into(),
                    detail: m.describe(),
                })?;
            self.save(path, &history)?;
            Ok(version)
        })
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let prefix = prefix.trim_matches('/');
        let dir = self.root.join("secrets").join(prefix);
        if prefix.split('/').any(|s| s == "..") {
            return Err(StoreError::BadInput(format!(
                "`{prefix}` is not a valid prefix"
            )));
        }
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(io_error("list", &dir, e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io_error("list", &dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            if entry.path().is_dir() {
                names.push(format!("{name}/"));
            } else if let Some(stem) = name.strip_suffix(".age") {
                let full = if prefix.is_empty() {
                    stem.to_string()
                } else {
                    format!("{prefix}/{stem}")
                };
                if self.load(&full)?.is_some_and(|h| h.current().is_some()) {
                    names.push(stem.to_string());
                }
            }
        }
        Ok(children(names.iter().map(String::as_str), ""))
    }

    async fn keeps_versions(&self, _path: &str) -> Result<bool, StoreError> {
        Ok(true)
    }

    async fn versions(&self, path: &str) -> Result<Vec<VersionInfo>, StoreError> {
        let history = self.load(path)?.ok_or_else(|| self.not_found(path))?;
        Ok(history.infos())
    }

    async fn delete(&self, path: &str) -> Result<(), StoreError> {
        self.locked(|| {
            let mut history = self.load(path)?.ok_or_else(|| self.not_found(path))?;
            if !history.delete() {
                return Err(self.not_found(path));
            }
            self.save(path, &history)
        })
    }
}

fn parse_identity(text: &str) -> Result<age::x25519::Identity, &'static str> {
    text.parse::<age::x25519::Identity>()
}

/// Load the identity from `key_file`, creating it (0600) on first use, and
/// refusing a file that others can read.
fn load_or_create_key(key_file: &Path) -> Result<age::x25519::Identity, StoreError> {
    match fs::metadata(key_file) {
        Ok(meta) => {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(StoreError::Config(format!(
                    "key file `{}` is accessible by others (mode {mode:o})\nhelp: run `chmod 600 {}`",
                    key_file.display(),
                    key_file.display()
                )));
            }
            let text = Zeroizing::new(
                fs::read_to_string(key_file).map_err(|e| io_error("read", key_file, e))?,
            );
            let line = text
                .lines()
                .find(|l| l.starts_with("AGE-SECRET-KEY-"))
                .unwrap_or_default();
            parse_identity(line).map_err(|_| {
                StoreError::Config(format!(
                    "key file `{}` does not hold an age identity (AGE-SECRET-KEY-1...)",
                    key_file.display()
                ))
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let identity = age::x25519::Identity::generate();
            if let Some(dir) = key_file.parent() {
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(|e| io_error("create", dir, e))?;
            }
            let text = Zeroizing::new(format!(
                "# kvault local store key (age X25519 identity); public key: {}\n{}\n",
                identity.to_public(),
                identity.to_string().expose_secret()
            ));
            // create_new: two first runs at once must not both write a key.
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(key_file)
                .map_err(|e| io_error("create key file", key_file, e))?;
            f.write_all(text.as_bytes())
                .and_then(|_| f.sync_all())
                .map_err(|e| io_error("write key file", key_file, e))?;
            tracing::info!(key_file = %key_file.display(), "created a new local store key");
            Ok(identity)
        }
        Err(e) => Err(io_error("read", key_file, e)),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &Path) -> LocalStore {
        LocalStore::open(&LocalConfig {
            root: Some(dir.to_path_buf()),
            ..Default::default()
        })
        .unwrap()
    }

    fn data(v: &str) -> SecretData {
        let mut d = SecretData::new();
        d.insert("password", SecretValue::from_str_value(v));
        d
    }

    #[tokio::test]
    async fn values_round_trip_and_are_not_stored_in_clear() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        s.write("app/db", &data("plain-text-canary"), Cas::Any)
            .await
            .unwrap();
        let raw = fs::read(dir.path().join("secrets/app/db.age")).unwrap();
        assert!(!String::from_utf8_lossy(&raw).contains("plain-text-canary"));
        let back = s.read("app/db", None).await.unwrap();
        assert_eq!(back.data, data("plain-text-canary"));
        assert_eq!(back.version, Some(1));
    }

    #[tokio::test]
    async fn the_key_file_is_created_private() {
        let dir = tempfile::tempdir().unwrap();
        store(dir.path());
        let mode = fs::metadata(dir.path().join("key.txt"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[tokio::test]
    async fn a_key_file_readable_by_others_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        store(dir.path());
        let key = dir.path().join("key.txt");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
        let err = LocalStore::open(&LocalConfig {
            root: Some(dir.path().into()),
            ..Default::default()
        })
        .err()
        .unwrap();
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }

    #[tokio::test]
    async fn a_wrong_key_is_a_clear_error_and_the_file_is_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        s.write("app/db", &data("v1"), Cas::Any).await.unwrap();
        let file = dir.path().join("secrets/app/db.age");
        let before = fs::read(&file).unwrap();
        fs::remove_file(dir.path().join("key.txt")).unwrap();
        let other = store(dir.path());
        let err = other.read("app/db", None).await.unwrap_err();
        assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
        assert!(other.write("app/db", &data("v2"), Cas::Any).await.is_err());
        assert_eq!(fs::read(&file).unwrap(), before);
    }

    #[tokio::test]
    async fn a_truncated_file_is_reported_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        s.write("app/db", &data("v1"), Cas::Any).await.unwrap();
        let file = dir.path().join("secrets/app/db.age");
        let bytes = fs::read(&file).unwrap();
        fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
        assert!(matches!(
            s.read("app/db", None).await,
            Err(StoreError::Corrupt(_))
        ));
        assert!(s.write("app/db", &data("v2"), Cas::Any).await.is_err());
        assert_eq!(fs::read(&file).unwrap(), &bytes[..bytes.len() / 2]);
    }

    #[tokio::test]
    async fn a_file_moved_to_another_path_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        s.write("app/db", &data("v1"), Cas::Any).await.unwrap();
        fs::copy(
            dir.path().join("secrets/app/db.age"),
            dir.path().join("secrets/app/api.age"),
        )
        .unwrap();
        assert!(matches!(
            s.read("app/api", None).await,
            Err(StoreError::Corrupt(_))
        ));
    }

    #[tokio::test]
    async fn versions_cas_list_and_delete() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        s.write("app/db", &data("a"), Cas::MustNotExist)
            .await
            .unwrap();
        s.write("app/db", &data("b"), Cas::Version(1))
            .await
            .unwrap();
        assert!(matches!(
            s.write("app/db", &data("c"), Cas::Version(1)).await,
            Err(StoreError::CasConflict { .. })
        ));
        s.write("app/x/y", &data("a"), Cas::Any).await.unwrap();
        assert_eq!(s.list("app").await.unwrap(), vec!["db", "x/"]);
        assert_eq!(s.read("app/db", Some(1)).await.unwrap().data, data("a"));
        s.delete("app/db").await.unwrap();
        assert!(s.read("app/db", None).await.unwrap_err().is_not_found());
        assert_eq!(s.versions("app/db").await.unwrap().len(), 2);
        assert_eq!(s.list("app").await.unwrap(), vec!["x/"]);
    }
}
