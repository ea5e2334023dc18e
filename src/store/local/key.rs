//! The store's age key: where it comes from, the recipient file that
//! names a wrong key before any secret is tried, and making a new key for
//! the first write into an empty store.

use super::disk::{create_private_dir, first_secret_file, parent_dir, read_regular, sync_dir};
use super::disk::{synced_temp, write_atomically, TempFailed};
use super::{io_error, KeySource, LocalStore, ENV_KEY, ENV_KEY_FILE};
use super::{MAX_KEY_FILE_BYTES, RECIPIENT_FILE};
use crate::store::{SecretStore, StoreError};
use age::secrecy::ExposeSecret;
use sha2::Digest as _;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use zeroize::Zeroizing;

impl LocalStore {
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
    pub(super) fn identity(&self) -> Result<Option<&age::x25519::Identity>, StoreError> {
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
    pub(super) fn write_identity(&self) -> Result<&age::x25519::Identity, StoreError> {
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

/// Load the identity from `key_file`; `Ok(None)` when there is none. A
/// link to the key is followed (Kubernetes mounts secrets through links),
/// but it must lead to a regular file that only its owner can read.
pub(super) fn read_key_file(key_file: &Path) -> Result<Option<age::x25519::Identity>, StoreError> {
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
    create_private_dir(dir).map_err(|e| io_error("create", dir, e))?;
    let text = Zeroizing::new(format!(
        "# kvault local store key (age X25519 identity); public key: {}\n{}\n",
        identity.to_public(),
        identity.to_string().expose_secret()
    ));
    let tmp = synced_temp(dir, text.as_bytes()).map_err(|failed| match failed {
        TempFailed::Create(e) => io_error("create key file", key_file, e),
        TempFailed::Write(e) => io_error("write key file", key_file, e),
    })?;
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
