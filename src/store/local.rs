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

use super::history::{children, History, StoredVersion};
use super::{
    Cas, Deletion, Listing, Secret, SecretData, SecretStore, SecretValue, Skipped, StoreError,
    VersionInfo,
};
use age::secrecy::ExposeSecret;
use async_trait::async_trait;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use zeroize::Zeroizing;

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

/// Why one file of the store cannot be used: one line, never a value.
#[derive(Debug)]
struct FileProblem {
    file: PathBuf,
    why: String,
    /// The operating system refused access (as opposed to bad content).
    denied: bool,
}

impl FileProblem {
    fn new(file: &Path, why: impl Into<String>) -> Self {
        FileProblem {
            file: file.to_path_buf(),
            why: why.into(),
            denied: false,
        }
    }

    fn io(file: &Path, e: &std::io::Error) -> Self {
        FileProblem {
            denied: e.kind() == std::io::ErrorKind::PermissionDenied,
            ..FileProblem::new(file, format!("cannot be read: {e}"))
        }
    }

    fn line(&self) -> String {
        format!("`{}`: {}", self.file.display(), self.why)
    }
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

    /// The key's state for `kvault doctor`: where it comes from, and the
    /// fingerprint of its recipient (`None`: no key yet, the first write
    /// makes one); an error for a missing or wrong key of a store that
    /// holds secrets.
    pub fn key_state(&self) -> Result<(String, Option<String>), StoreError> {
        let identity = self.identity()?;
        Ok((
            self.key_name(),
            identity.map(|i| fingerprint(&i.to_public())),
        ))
    }

    /// Where the key comes from, for messages.
    fn key_name(&self) -> String {
        match &self.key {
            KeySource::Env(_) => ENV_KEY.to_string(),
            KeySource::File(path) => format!("`{}`", path.display()),
        }
    }

    /// The store's identity; `None` while there is no key and nothing is
    /// stored (reads find nothing, the first write creates the key).
    fn identity(&self) -> Result<Option<&age::x25519::Identity>, StoreError> {
        if let Some(identity) = self.identity.get() {
            return Ok(Some(identity));
        }
        let identity = match self.load_key()? {
            Some(identity) => identity,
            None if !self.holds_anything() => return Ok(None),
            // A first write creates the key before anything else, so a store
            // seen with contents but no key may just have been made: look again.
            None => self.load_key()?.ok_or_else(|| {
                StoreError::Config(format!(
                    "{} holds secrets but its key {} does not exist; nothing was read or written (restore the key, or point {ENV_KEY_FILE} or {ENV_KEY} at the key the store was made with)",
                    self.describe(),
                    self.key_name()
                ))
            })?,
        };
        self.check_recipient(&identity)?;
        Ok(Some(self.identity.get_or_init(|| identity)))
    }

    fn load_key(&self) -> Result<Option<age::x25519::Identity>, StoreError> {
        match &self.key {
            KeySource::Env(text) => {
                use secrecy::ExposeSecret;
                parse_identity(text.expose_secret().trim())
                    .map(Some)
                    .map_err(|_| {
                        StoreError::Config(format!(
                            "{ENV_KEY} does not hold an age identity (AGE-SECRET-KEY-1...)"
                        ))
                    })
            }
            KeySource::File(path) => read_key_file(path),
        }
    }

    /// The identity for a write (under the lock): the store's, or a new one
    /// for an empty store; the recipient file records it either way.
    fn write_identity(&self) -> Result<&age::x25519::Identity, StoreError> {
        let identity = match (self.identity()?, &self.key) {
            (Some(identity), _) => identity,
            (None, KeySource::File(path)) => {
                let created = create_key(path)?;
                self.identity.get_or_init(|| created)
            }
            (None, KeySource::Env(_)) => unreachable!("a key from the environment is always there"),
        };
        self.record_recipient(identity)?;
        Ok(identity)
    }

    /// Whether the store was made already: it records a recipient or holds
    /// a secret file.
    fn holds_anything(&self) -> bool {
        fs::symlink_metadata(self.root.join(RECIPIENT_FILE)).is_ok()
            || first_secret_file(&self.secrets_dir()).is_some()
    }

    /// The recipient the store was made with, if it records one.
    fn recorded_recipient(&self) -> Result<Option<age::x25519::Recipient>, StoreError> {
        let file = self.root.join(RECIPIENT_FILE);
        let Some((bytes, _)) = read_regular(&file, MAX_KEY_FILE_BYTES, false)
            .map_err(|p| StoreError::Config(p.line()))?
        else {
            return Ok(None);
        };
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("age1"))
            .and_then(|l| l.parse::<age::x25519::Recipient>().ok())
            .map(Some)
            .ok_or_else(|| {
                StoreError::Config(format!(
                    "`{}` does not hold an age recipient (age1...)",
                    file.display()
                ))
            })
    }

    fn check_recipient(&self, identity: &age::x25519::Identity) -> Result<(), StoreError> {
        let Some(recorded) = self.recorded_recipient()? else {
            return Ok(());
        };
        let ours = identity.to_public();
        if recorded.to_string() == ours.to_string() {
            return Ok(());
        }
        Err(StoreError::Config(format!(
            "wrong key for {} (made with key fingerprint {}, this key {} is {}); nothing was read or written",
            self.describe(),
            fingerprint(&recorded),
            self.key_name(),
            fingerprint(&ours)
        )))
    }

    /// Record `identity`'s recipient if the store records none yet. A store
    /// from before recipients were recorded must first show that its
    /// secrets open with this key.
    fn record_recipient(&self, identity: &age::x25519::Identity) -> Result<(), StoreError> {
        let file = self.root.join(RECIPIENT_FILE);
        if fs::symlink_metadata(&file).is_ok() {
            return Ok(()); // `identity()` compared it
        }
        if let Some(secret) = first_secret_file(&self.secrets_dir()) {
            if let Ok(Some((bytes, _))) = read_regular(&secret, self.max_file_bytes, false) {
                let opens = age::Decryptor::new_buffered(&bytes[..])
                    .and_then(|d| d.decrypt(std::iter::once(identity as &dyn age::Identity)));
                if let Err(age::DecryptError::NoMatchingKeys) = opens {
                    return Err(StoreError::Config(format!(
                        "wrong key for {}: `{}` is not encrypted to this key {} (fingerprint {}); nothing was written",
                        self.describe(),
                        secret.display(),
                        self.key_name(),
                        fingerprint(&identity.to_public())
                    )));
                }
            }
        }
        let text = format!(
            "# kvault local store: made with the age key of this public recipient\n{}\n",
            identity.to_public()
        );
        write_atomically(&file, text.as_bytes(), false)
    }

    /// Read and decode one secret file; `Ok(None)`: there is none.
    fn load_file(
        &self,
        identity: &age::x25519::Identity,
        file: &Path,
        path: &str,
    ) -> Result<Option<History>, FileProblem> {
        let Some((bytes, _)) = read_regular(file, self.max_file_bytes, false)? else {
            return Ok(None);
        };
        let plain = Zeroizing::new(age::decrypt(identity, &bytes).map_err(|e| {
            FileProblem::new(
                file,
                format!(
                    "cannot be decrypted: {}; it was left untouched",
                    decrypt_why(&e)
                ),
            )
        })?);
        // serde_json's messages can quote the input, which holds values:
        // say only what kind of error and where.
        let body: FileBody = serde_json::from_slice(&plain).map_err(|e| {
            FileProblem::new(
                file,
                format!(
                    "decrypts but does not decode (JSON {} error at line {} column {}); it was left untouched",
                    match e.classify() {
                        serde_json::error::Category::Io => "I/O",
                        serde_json::error::Category::Syntax => "syntax",
                        serde_json::error::Category::Data => "data",
                        serde_json::error::Category::Eof => "end-of-input",
                    },
                    e.line(),
                    e.column()
                ),
            )
        })?;
        let path = path.trim_matches('/');
        if body.format != FORMAT || body.path != path {
            return Err(FileProblem::new(
                file,
                format!(
                    "holds format {} for path `{}`, not the secret `{path}`; it was left untouched",
                    body.format,
                    body.path.escape_debug()
                ),
            ));
        }
        let mut versions = Vec::with_capacity(body.versions.len());
        for v in body.versions {
            let mut data = SecretData::new();
            for (k, b64) in v.data {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64.as_bytes())
                    .map_err(|_| {
                        FileProblem::new(file, "a value is not base64; it was left untouched")
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
        History::from_versions(versions)
            .map(Some)
            .map_err(|why| FileProblem::new(file, format!("{why}; it was left untouched")))
    }

    /// A problem with a secret file as the error of an operation on it.
    fn file_error(&self, problem: FileProblem) -> StoreError {
        if problem.denied {
            StoreError::PermissionDenied {
                store: self.describe(),
                path: problem.file.display().to_string(),
                detail: problem.why,
            }
        } else {
            StoreError::Corrupt(problem.line())
        }
    }

    fn load(
        &self,
        identity: &age::x25519::Identity,
        path: &str,
    ) -> Result<Option<History>, StoreError> {
        let file = self.file_of(path)?;
        self.load_file(identity, &file, path)
            .map_err(|p| self.file_error(p))
    }

    fn save(
        &self,
        identity: &age::x25519::Identity,
        path: &str,
        history: &History,
    ) -> Result<(), StoreError> {
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
        let recipient = identity.to_public();
        let sealed = age::encrypt(&recipient, &plain)
            .map_err(|e| StoreError::Corrupt(format!("cannot encrypt `{path}`: {e}")))?;
        if sealed.len() as u64 > self.max_file_bytes {
            return Err(StoreError::BadInput(format!(
                "`{path}` with its {} kept versions would take {} on disk, more than the local store reads ({}); nothing was written (keep fewer versions with {ENV_MAX_VERSIONS}, or store large values elsewhere)",
                history.versions.len(),
                mib(sealed.len() as u64),
                mib(self.max_file_bytes)
            )));
        }
        write_atomically(&file, &sealed, true)
    }

    /// Run a read-modify-write under an exclusive lock on the store, so two
    /// kvault processes cannot lose each other's update. Temporary files
    /// left by a writer that died are removed first.
    fn locked<T>(&self, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
        let secrets = self.secrets_dir();
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&secrets)
            .map_err(|e| io_error("create the local store", &secrets, e))?;
        let lock_path = self.root.join(".lock");
        // No link followed, no FIFO waited on: the lock is a regular file.
        let lock_file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags((nix::fcntl::OFlag::O_NOFOLLOW | nix::fcntl::OFlag::O_NONBLOCK).bits())
            .open(&lock_path)
            .map_err(|e| io_error("lock", &lock_path, e))?;
        match lock_file.metadata() {
            Ok(meta) if meta.file_type().is_file() => {}
            _ => {
                return Err(StoreError::Config(format!(
                    "cannot lock `{}`: not a regular file",
                    lock_path.display()
                )))
            }
        }
        let _lock = nix::fcntl::Flock::lock(lock_file, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, e)| io_error("lock", &lock_path, e.into()))?;
        self.remove_stale_temps();
        f()
    }

    /// Remove the `.tmp-*` files in the store root and under `secrets/`.
    /// Called with the lock held: every writer makes its temporary files
    /// only while it holds the lock, so any found now belong to a writer
    /// that was killed mid-write (no age guess needed, no live writer's file
    /// is touched). Best effort: a file that cannot be removed stays.
    fn remove_stale_temps(&self) {
        let mut removed = 0;
        let mut dirs = vec![(self.root.clone(), false), (self.secrets_dir(), true)];
        while let Some((dir, recurse)) = dirs.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let name = entry.file_name();
                if kind.is_file() && name.to_string_lossy().starts_with(TMP_PREFIX) {
                    if fs::remove_file(entry.path()).is_ok() {
                        removed += 1;
                    }
                } else if kind.is_dir() && recurse {
                    dirs.push((entry.path(), true));
                }
            }
        }
        if removed > 0 {
            tracing::info!(
                removed,
                "removed temporary files left by an interrupted write"
            );
        }
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

    async fn keeps_versions(&self, _path: &str) -> Result<bool, StoreError> {
        Ok(true)
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
        self.file_of(path)?;
        // Deleting from an empty store finds nothing, and makes no key.
        if self.identity()?.is_none() {
            return Err(self.not_found(path));
        }
        self.locked(|| {
            let identity = self.write_identity()?;
            let mut history = self
                .load(identity, path)?
                .ok_or_else(|| self.not_found(path))?;
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
        if self.identity()?.is_none() {
            return Err(self.not_found(path));
        }
        self.locked(|| {
            let identity = self.write_identity()?;
            let mut history = self
                .load(identity, path)?
                .ok_or_else(|| self.not_found(path))?;
            match which {
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
            }
        })
    }
}

fn parse_identity(text: &str) -> Result<age::x25519::Identity, &'static str> {
    text.parse::<age::x25519::Identity>()
}

/// `sha256:` and the first 16 hex digits of the SHA-256 of the recipient
/// string (`age1...`): short enough to compare by eye.
pub fn fingerprint(recipient: &age::x25519::Recipient) -> String {
    let digest = sha2::Sha256::digest(recipient.to_string().as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Why age could not open a file, on one line.
fn decrypt_why(e: &age::DecryptError) -> String {
    match e {
        age::DecryptError::NoMatchingKeys => {
            "it is not encrypted to this store's key (copied from another store, or replaced)"
                .into()
        }
        age::DecryptError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "it is truncated".into()
        }
        other => other
            .to_string()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn mib(bytes: u64) -> String {
    if bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    }
}

/// Read `path` if it is a regular file of at most `limit` bytes, with its
/// metadata; `Ok(None)` when it does not exist. Never blocks on a FIFO or a
/// device, never reads past `limit`: the type is looked at before opening
/// (a device is not even opened), the file is opened non-blocking, and what
/// was opened is checked again. `follow`: whether a symbolic link (to a
/// regular file) is followed; the store's own files are never read through one.
fn read_regular(
    path: &Path,
    limit: u64,
    follow: bool,
) -> Result<Option<(Vec<u8>, fs::Metadata)>, FileProblem> {
    let looked = if follow {
        fs::metadata(path)
    } else {
        fs::symlink_metadata(path)
    };
    match looked {
        Ok(meta) => check_regular(path, &meta, limit)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FileProblem::io(path, &e)),
    }
    let mut flags = nix::fcntl::OFlag::O_NONBLOCK;
    if !follow {
        flags |= nix::fcntl::OFlag::O_NOFOLLOW;
    }
    let file = match fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits())
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(nix::libc::ELOOP) => {
            return Err(FileProblem::new(
                path,
                "a symbolic link; the local store reads only regular files",
            ))
        }
        Err(e) => return Err(FileProblem::io(path, &e)),
    };
    let meta = file.metadata().map_err(|e| FileProblem::io(path, &e))?;
    check_regular(path, &meta, limit)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FileProblem::io(path, &e))?;
    if bytes.len() as u64 > limit {
        return Err(too_big(path, bytes.len() as u64, limit));
    }
    Ok(Some((bytes, meta)))
}

fn check_regular(path: &Path, meta: &fs::Metadata, limit: u64) -> Result<(), FileProblem> {
    let kind = meta.file_type();
    let what = if kind.is_file() {
        if meta.len() > limit {
            return Err(too_big(path, meta.len(), limit));
        }
        return Ok(());
    } else if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else {
        "not a regular file"
    };
    Err(FileProblem::new(
        path,
        format!("{what}; the local store reads only regular files"),
    ))
}

fn too_big(path: &Path, len: u64, limit: u64) -> FileProblem {
    FileProblem::new(
        path,
        format!(
            "too large ({}; the local store reads at most {} a file)",
            mib(len),
            mib(limit)
        ),
    )
}

/// The first secret file (`*.age`, any type) under `dir`, not following
/// links; dot files (temporary files) do not count.
fn first_secret_file(dir: &Path) -> Option<PathBuf> {
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => dirs.push(entry.path()),
                Ok(_) if name.ends_with(".age") => return Some(entry.path()),
                _ => {}
            }
        }
    }
    None
}

/// Replace `file` with `bytes` (mode 0600) so that readers see the old
/// content or the new, never half: a temporary file in the same directory,
/// synced, renamed over it, and the directory synced.
fn write_atomically(file: &Path, bytes: &[u8], make_dir: bool) -> Result<(), StoreError> {
    let dir = parent_dir(file);
    if make_dir {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| io_error("create", dir, e))?;
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(|e| io_error("write", dir, e))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| io_error("write", file, e))?;
    tmp.persist(file)
        .map_err(|e| io_error("replace", file, e.error))?;
    sync_dir(dir);
    Ok(())
}

fn parent_dir(file: &Path) -> &Path {
    file.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Make a rename or link in `dir` durable; best effort (some file systems
/// cannot sync a directory).
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Load the identity from `key_file`; `Ok(None)` when there is none. A
/// link to the key is followed (Kubernetes mounts secrets through links),
/// but it must lead to a regular file that only its owner can read.
fn read_key_file(key_file: &Path) -> Result<Option<age::x25519::Identity>, StoreError> {
    let (bytes, meta) = match read_regular(key_file, MAX_KEY_FILE_BYTES, true) {
        Ok(Some(found)) => found,
        Ok(None) => return Ok(None),
        Err(p) if p.denied => {
            return Err(StoreError::PermissionDenied {
                store: "local store".into(),
                path: key_file.display().to_string(),
                detail: p.why,
            })
        }
        Err(p) => return Err(StoreError::Config(format!("key file {}", p.line()))),
    };
    let bytes = Zeroizing::new(bytes);
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(StoreError::Config(format!(
            "key file `{}` is accessible by others (mode {mode:o})\nhelp: run `chmod 600 {}`",
            key_file.display(),
            key_file.display()
        )));
    }
    let text = Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned());
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap_or_default();
    parse_identity(line).map(Some).map_err(|_| {
        StoreError::Config(format!(
            "key file `{}` does not hold an age identity (AGE-SECRET-KEY-1...)",
            key_file.display()
        ))
    })
}

/// Create a new key in `key_file` (0600). Called under the store lock, so
/// no other write of this store runs; the key is written aside and linked
/// into place, so a reader sees no key or the whole key, and if another
/// store sharing the key file made one first, that one is used.
fn create_key(key_file: &Path) -> Result<age::x25519::Identity, StoreError> {
    let identity = age::x25519::Identity::generate();
    let dir = parent_dir(key_file);
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| io_error("create", dir, e))?;
    let text = Zeroizing::new(format!(
        "# kvault local store key (age X25519 identity); public key: {}\n{}\n",
        identity.to_public(),
        identity.to_string().expose_secret()
    ));
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(|e| io_error("create key file", key_file, e))?;
    tmp.write_all(text.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| io_error("write key file", key_file, e))?;
    match tmp.persist_noclobber(key_file) {
        Ok(_) => {
            sync_dir(dir);
            tracing::info!(key_file = %key_file.display(), "created a new local store key");
            Ok(identity)
        }
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => read_key_file(key_file)?
            .ok_or_else(|| {
                StoreError::Config(format!(
                    "cannot create key file `{}`: it appeared and vanished",
                    key_file.display()
                ))
            }),
        Err(e) => Err(io_error("create key file", key_file, e.error)),
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
    use std::time::Duration;

    fn config(root: &Path) -> LocalConfig {
        LocalConfig {
            root: Some(root.to_path_buf()),
            ..Default::default()
        }
    }

    fn store(dir: &Path) -> LocalStore {
        LocalStore::open(&config(dir)).unwrap()
    }

    fn data(v: &str) -> SecretData {
        let mut d = SecretData::new();
        d.insert("password", SecretValue::from_str_value(v));
        d
    }

    /// Run `f` on its own thread; panic if it takes longer than 10 s (it
    /// would hang on a FIFO if the store opened one for reading).
    fn within_10s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(Duration::from_secs(10))
            .expect("the store call hung")
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn other_key_file(path: &Path) {
        let identity = age::x25519::Identity::generate();
        let _ = fs::remove_file(path);
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .unwrap();
        writeln!(f, "{}", identity.to_string().expose_secret()).unwrap();
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
    async fn the_first_write_creates_a_private_key_and_records_its_recipient() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        assert!(!dir.path().join("key.txt").exists());
        s.write("a", &data("v"), Cas::Any).await.unwrap();
        let mode = fs::metadata(dir.path().join("key.txt"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let recorded = fs::read_to_string(dir.path().join(RECIPIENT_FILE)).unwrap();
        let key = read_key_file(&dir.path().join("key.txt")).unwrap().unwrap();
        assert!(
            recorded.contains(&key.to_public().to_string()),
            "{recorded}"
        );
    }

    #[tokio::test]
    async fn reads_of_an_empty_store_find_nothing_and_create_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        let s = store(&root);
        assert!(s.read("a", None).await.unwrap_err().is_not_found());
        assert!(s.versions("a").await.unwrap_err().is_not_found());
        assert_eq!(s.list("").await.unwrap(), Vec::<String>::new());
        assert!(s.delete("a").await.unwrap_err().is_not_found());
        assert!(
            !root.exists(),
            "nothing was created, not even the directory"
        );
    }

    #[tokio::test]
    async fn a_key_file_readable_by_others_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        store(dir.path())
            .write("a", &data("v"), Cas::Any)
            .await
            .unwrap();
        let key = dir.path().join("key.txt");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
        let err = LocalStore::open(&config(dir.path())).err().unwrap();
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }

    #[tokio::test]
    async fn a_store_with_secrets_but_no_key_refuses_every_operation_and_makes_no_key() {
        let dir = tempfile::tempdir().unwrap();
        store(dir.path())
            .write("app/db", &data("v1"), Cas::Any)
            .await
            .unwrap();
        let file = dir.path().join("secrets/app/db.age");
        let before = fs::read(&file).unwrap();
        let key = dir.path().join("key.txt");
        fs::remove_file(&key).unwrap();
        let err = LocalStore::open(&config(dir.path())).err().unwrap();
        let msg = err.to_string();
        assert!(matches!(err, StoreError::Config(_)), "{err:?}");
        assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
        assert!(msg.contains(&key.display().to_string()), "{msg}");
        assert_eq!(msg.lines().count(), 1, "{msg}");
        assert!(!key.exists());
        assert_eq!(fs::read(&file).unwrap(), before);

        // Only the recipient file left (every secret deleted by hand): still
        // a made store, so a write does not silently start a new key.
        fs::remove_dir_all(dir.path().join("secrets")).unwrap();
        assert!(LocalStore::open(&config(dir.path())).is_err());
        assert!(!key.exists());
    }

    #[tokio::test]
    async fn a_wrong_key_is_named_with_both_fingerprints_and_the_file_is_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        s.write("app/db", &data("v1"), Cas::Any).await.unwrap();
        let made_with = fingerprint(&s.identity().unwrap().unwrap().to_public());
        let file = dir.path().join("secrets/app/db.age");
        let before = fs::read(&file).unwrap();
        let key = dir.path().join("key.txt");
        other_key_file(&key);
        let this = fingerprint(&read_key_file(&key).unwrap().unwrap().to_public());
        let err = LocalStore::open(&config(dir.path())).err().unwrap();
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("wrong key for {}", s.describe())),
            "{msg}"
        );
        assert!(
            msg.contains(&format!("made with key fingerprint {made_with}")),
            "{msg}"
        );
        assert!(msg.contains(&this), "{msg}");
        assert_ne!(made_with, this);
        assert_eq!(fs::read(&file).unwrap(), before);
    }

    #[tokio::test]
    async fn a_store_from_before_recipients_records_its_key_only_once_the_key_opens_it() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        s.write("app/db", &data("v1"), Cas::Any).await.unwrap();
        let recipient = dir.path().join(RECIPIENT_FILE);
        let key = dir.path().join("key.txt");
        let good_key = fs::read(&key).unwrap();
        fs::remove_file(&recipient).unwrap();

        // Another key: reads say the file is not for it, writes refuse.
        other_key_file(&key);
        let wrong = store(dir.path());
        let err = wrong.read("app/db", None).await.unwrap_err();
        assert!(
            err.to_string()
                .contains("not encrypted to this store's key"),
            "{err}"
        );
        let err = wrong.write("new", &data("x"), Cas::Any).await.unwrap_err();
        assert!(err.to_string().starts_with("wrong key for"), "{err}");
        assert!(!recipient.exists());
        assert!(!dir.path().join("secrets/new.age").exists());

        // The right key: the next write records it.
        fs::remove_file(&key).unwrap();
        fs::write(&key, &good_key).unwrap();
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
        let right = store(dir.path());
        right.write("new", &data("x"), Cas::Any).await.unwrap();
        assert!(recipient.exists());
        assert_eq!(right.read("app/db", None).await.unwrap().data, data("v1"));
    }

    #[tokio::test]
    async fn a_key_file_from_elsewhere_is_checked_against_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        s.write("a", &data("v"), Cas::Any).await.unwrap();
        // KVAULT_LOCAL_KEY is read from the process environment, shared by
        // the tests: use a key file elsewhere instead, the same path.
        let elsewhere = dir.path().join("other-key.txt");
        other_key_file(&elsewhere);
        let err = LocalStore::open(&LocalConfig {
            key_file: Some(elsewhere.clone()),
            ..config(dir.path())
        })
        .err()
        .unwrap();
        assert!(err.to_string().contains(&elsewhere.display().to_string()));
        assert!(err.to_string().starts_with("wrong key for"), "{err}");
    }

    #[test]
    fn a_fifo_in_the_store_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        block_on(store(&root).write("good", &data("v"), Cas::Any)).unwrap();
        nix::unistd::mkfifo(
            &root.join("secrets/pipe.age"),
            nix::sys::stat::Mode::from_bits_truncate(0o600),
        )
        .unwrap();
        let (err, listing) = within_10s(move || {
            let s = store(&root);
            (
                block_on(s.read("pipe", None)).unwrap_err(),
                block_on(s.list_entries("")).unwrap(),
            )
        });
        assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
        assert!(err.to_string().contains("pipe.age"), "{err}");
        assert!(err.to_string().contains("a FIFO"), "{err}");
        assert_eq!(listing.names, vec!["good"]);
        assert_eq!(listing.skipped.len(), 1);
    }

    #[test]
    fn a_symlink_to_dev_zero_is_refused_without_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        block_on(store(&root).write("good", &data("v"), Cas::Any)).unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join("secrets/zero.age")).unwrap();
        std::os::unix::fs::symlink(root.join("secrets/good.age"), root.join("secrets/link.age"))
            .unwrap();
        let (zero, link) = within_10s(move || {
            let s = store(&root);
            (
                block_on(s.read("zero", None)).unwrap_err(),
                block_on(s.read("link", None)).unwrap_err(),
            )
        });
        for err in [zero, link] {
            assert!(err.to_string().contains("a symbolic link"), "{err}");
        }
    }

    #[test]
    fn a_socket_named_like_a_secret_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        block_on(store(&root).write("good", &data("v"), Cas::Any)).unwrap();
        let _listener =
            std::os::unix::net::UnixListener::bind(root.join("secrets/sock.age")).unwrap();
        let err = within_10s(move || block_on(store(&root).read("sock", None)).unwrap_err());
        assert!(err.to_string().contains("a socket"), "{err}");
    }

    #[tokio::test]
    async fn a_file_over_the_size_cap_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        s.write("a", &data("v"), Cas::Any).await.unwrap();
        let big = dir.path().join("secrets/big.age");
        fs::File::create(&big)
            .unwrap()
            .set_len(MAX_FILE_BYTES + 1)
            .unwrap();
        let err = s.read("big", None).await.unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&big.display().to_string()), "{msg}");
        assert!(
            msg.contains("too large (64.0 MiB; the local store reads at most 64 MiB a file)"),
            "{msg}"
        );
        let listing = s.list_entries("").await.unwrap();
        assert_eq!(listing.names, vec!["a"]);
    }

    #[tokio::test]
    async fn a_write_that_would_pass_the_size_cap_is_refused_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        s.max_file_bytes = 4096;
        s.write("a", &data("small"), Cas::Any).await.unwrap();
        let file = dir.path().join("secrets/a.age");
        let before = fs::read(&file).unwrap();
        let err = s
            .write("a", &data(&"x".repeat(5000)), Cas::Any)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::BadInput(_)), "{err:?}");
        assert!(err.to_string().contains(ENV_MAX_VERSIONS), "{err}");
        assert!(!err.to_string().contains("xxxx"), "{err}");
        assert_eq!(fs::read(&file).unwrap(), before);
    }

    #[tokio::test]
    async fn listing_skips_bad_entries_says_why_and_keeps_the_good_ones() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        s.write("app/good", &data("v"), Cas::Any).await.unwrap();
        s.write("app/moved", &data("v"), Cas::Any).await.unwrap();
        s.write("app/x/y", &data("v"), Cas::Any).await.unwrap();
        let secrets = dir.path().join("secrets/app");
        fs::write(secrets.join("garbage.age"), b"not age at all").unwrap();
        fs::copy(secrets.join("good.age"), secrets.join("copy.age")).unwrap();
        let listing = s.list_entries("app").await.unwrap();
        assert_eq!(listing.names, vec!["good", "moved", "x/"]);
        let skipped: Vec<&str> = listing.skipped.iter().map(|k| k.path.as_str()).collect();
        assert_eq!(
            skipped,
            vec![
                secrets.join("copy.age").to_str().unwrap(),
                secrets.join("garbage.age").to_str().unwrap()
            ]
        );
        for k in &listing.skipped {
            assert_eq!(k.why.lines().count(), 1, "{}", k.why);
        }
        assert!(listing.skipped[0].why.contains("not the secret `app/copy`"));
        assert_eq!(s.list("app").await.unwrap(), listing.names);
    }

    #[tokio::test]
    async fn temporary_files_left_by_a_killed_writer_are_removed_by_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        s.write("app/db", &data("v1"), Cas::Any).await.unwrap();
        let stale = [
            dir.path().join("secrets/app/.tmp-a1b2c3"),
            dir.path().join("secrets/.tmp-d4e5f6"),
            dir.path().join(".tmp-key123"),
        ];
        for f in &stale {
            fs::write(f, b"half a write").unwrap();
        }
        assert_eq!(s.list("app").await.unwrap(), vec!["db"]);
        assert_eq!(s.list("").await.unwrap(), vec!["app/"]);
        s.write("other", &data("v"), Cas::Any).await.unwrap();
        for f in &stale {
            assert!(!f.exists(), "{} is left", f.display());
        }
        assert_eq!(s.read("app/db", None).await.unwrap().data, data("v1"));
    }

    #[tokio::test]
    async fn history_keeps_the_newest_max_versions_and_numbers_keep_increasing() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStore::open(&LocalConfig {
            max_versions: Some("3".into()),
            ..config(dir.path())
        })
        .unwrap();
        for i in 1..=5 {
            s.write("a", &data(&format!("v{i}")), Cas::Any)
                .await
                .unwrap();
        }
        let kept: Vec<u64> = s
            .versions("a")
            .await
            .unwrap()
            .iter()
            .map(|v| v.version)
            .collect();
        assert_eq!(kept, vec![3, 4, 5]);
        assert!(s.read("a", Some(2)).await.unwrap_err().is_not_found());
        assert_eq!(s.read("a", Some(3)).await.unwrap().data, data("v3"));
        assert_eq!(s.write("a", &data("v6"), Cas::Version(5)).await.unwrap(), 6);
    }

    #[test]
    fn the_default_is_ten_versions_and_a_bad_setting_is_a_one_line_error() {
        assert_eq!(LocalConfig::default().max_versions().unwrap(), 10);
        let with = |v: &str| LocalConfig {
            max_versions: Some(v.into()),
            ..Default::default()
        };
        assert_eq!(with(" 25 ").max_versions().unwrap(), 25);
        for bad in ["0", "-1", "ten", "", "1.5", "99999999999999999999999"] {
            let err = with(bad).max_versions().unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, StoreError::Config(_)));
            assert!(msg.starts_with(ENV_MAX_VERSIONS), "{msg}");
            assert_eq!(msg.lines().count(), 1, "{msg}");
        }
        let dir = tempfile::tempdir().unwrap();
        assert!(LocalStore::open(&LocalConfig {
            max_versions: Some("0".into()),
            ..config(dir.path())
        })
        .is_err());
    }

    #[test]
    fn concurrent_first_writes_all_land_under_one_key() {
        for _round in 0..3 {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().to_path_buf();
            let threads: Vec<_> = (0..16)
                .map(|i| {
                    let root = root.clone();
                    std::thread::spawn(move || {
                        let s = LocalStore::open(&config(&root)).unwrap();
                        block_on(s.write(&format!("k{i}"), &data(&format!("v{i}")), Cas::Any))
                    })
                })
                .collect();
            for t in threads {
                t.join().unwrap().unwrap();
            }
            let s = store(&root);
            for i in 0..16 {
                let got = block_on(s.read(&format!("k{i}"), None)).unwrap();
                assert_eq!(got.data, data(&format!("v{i}")));
            }
        }
    }

    #[tokio::test]
    async fn a_truncated_file_is_reported_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        s.write("app/db", &data("v1"), Cas::Any).await.unwrap();
        let file = dir.path().join("secrets/app/db.age");
        let bytes = fs::read(&file).unwrap();
        fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
        let err = s.read("app/db", None).await.unwrap_err();
        assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
        assert_eq!(err.to_string().lines().count(), 1, "{err}");
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
    async fn paths_starting_with_a_dot_are_reserved_for_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        for bad in [".tmp-x", "app/.hidden", "a/../b", "x.age"] {
            assert!(
                matches!(
                    s.write(bad, &data("v"), Cas::Any).await,
                    Err(StoreError::BadInput(_))
                ),
                "{bad}"
            );
        }
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
