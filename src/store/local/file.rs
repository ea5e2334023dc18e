//! One secret file: the JSON inside its age envelope (every kept version,
//! values base64-encoded, the path it belongs to), read and written whole.

use super::disk::{mib, read_regular, write_atomically, FileProblem};
use super::{LocalStore, ENV_MAX_VERSIONS};
use crate::store::history::{History, StoredVersion};
use crate::store::{SecretData, SecretStore, SecretValue, StoreError};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use zeroize::Zeroizing;

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
    /// Read and decode one secret file; `Ok(None)`: there is none.
    pub(super) fn load_file(
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
    pub(super) fn file_error(&self, problem: FileProblem) -> StoreError {
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

    pub(super) fn load(
        &self,
        identity: &age::x25519::Identity,
        path: &str,
    ) -> Result<Option<History>, StoreError> {
        let file = self.file_of(path)?;
        self.load_file(identity, &file, path)
            .map_err(|p| self.file_error(p))
    }

    pub(super) fn save(
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
