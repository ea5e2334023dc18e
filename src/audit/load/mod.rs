//! The offline loader: Kubernetes manifests into an [`Inventory`].
//!
//! Reads files, folders (recursively: `*.yaml`, `*.yml`, `*.json`, hidden
//! entries skipped, symlinked folders not followed) and stdin (`-`).
//! Multi-document YAML, `List` kinds (`kind: List`, `SecretList`, ...) and
//! JSON are understood; documents without `apiVersion`/`kind` (Helm values,
//! kustomizations) and kinds the audit does not use are skipped. Namespaced
//! objects without a namespace land in `default`, as `kubectl apply` would
//! put them without `-n`.
//!
//! Secret values never get past this module: `data` and `stringData` are
//! blanked (keys kept) and the last-applied annotation dropped before the
//! document is typed, and errors about Secrets never quote the document.
//!
//! Limits: input is bounded by [`crate::yaml::MANIFESTS`] (size per input
//! and per document, nesting depth), checked before parsing. The line given for an object is the line its YAML document
//! starts on (found by scanning for `---` separators), not the field's own
//! line; syntax errors carry serde_yaml's exact line and column.
//!
//! The pieces: `documents` cuts text into YAML/JSON documents and finds
//! the line each starts on, `kinds` adds each document to the inventory by
//! its kind, and `typed` turns a document into its Kubernetes type with
//! Secret values blanked first and errors that quote no value. This module
//! reads the inputs (files, folders, stdin) and hands their text on.

mod documents;
mod kinds;
#[cfg(test)]
mod tests;
mod typed;

pub(crate) use kinds::add_pod;

use super::inventory::{
    Confidence, EncryptionConfig, EncryptionEvidence, EvidenceSource, Inventory, Observation,
};
use documents::{documents, Doc};
use kinds::add_document;
use serde_yaml::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why manifests could not be loaded. Messages name the file (and line and
/// column when known), never a Secret's value.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or folder could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// A document is not valid YAML/JSON, or an object does not fit its kind.
    #[error("cannot parse `{origin}`: {message}")]
    Parse { origin: String, message: String },
    /// The input is readable but not what was asked for.
    #[error("`{origin}`: {message}")]
    Invalid { origin: String, message: String },
    /// The input is larger or nests deeper than [`crate::yaml::MANIFESTS`].
    #[error("`{origin}`: {source}")]
    Limit {
        origin: String,
        source: crate::yaml::LimitError,
    },
}

/// An error reading `origin` within [`crate::yaml::MANIFESTS`].
fn read_error(origin: &str, e: crate::yaml::ReadError) -> LoadError {
    match e {
        crate::yaml::ReadError::Io(source) => LoadError::Io {
            path: origin.into(),
            source,
        },
        crate::yaml::ReadError::Limit(source) => LoadError::Limit {
            origin: origin.into(),
            source,
        },
    }
}

fn read_file(path: &Path) -> Result<String, LoadError> {
    crate::yaml::read_file(path, &crate::yaml::MANIFESTS)
        .map_err(|e| read_error(&path.display().to_string(), e))
}

/// The name stdin goes by in messages and locations.
pub const STDIN: &str = "<stdin>";

/// Load every input (`-` is stdin, read from `stdin`) into one inventory.
pub fn load(inputs: &[PathBuf], stdin: &mut dyn Read) -> Result<Inventory, LoadError> {
    let mut inventory = Inventory::default();
    let mut stdin_used = false;
    for input in inputs {
        if input.as_os_str() == "-" {
            if stdin_used {
                return Err(LoadError::Invalid {
                    origin: STDIN.into(),
                    message: "stdin (`-`) can be given only once".into(),
                });
            }
            stdin_used = true;
            let text = crate::yaml::read(stdin, &crate::yaml::MANIFESTS)
                .map_err(|e| read_error(STDIN, e))?;
            let json = text.trim_start().starts_with(['{', '[']);
            add_text(&mut inventory, STDIN, &text, json)?;
            continue;
        }
        let meta = std::fs::metadata(input).map_err(|e| io_error(input, e))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(input, &mut files)?;
            files.sort();
            for file in files {
                load_file(&mut inventory, &file)?;
            }
        } else {
            load_file(&mut inventory, input)?;
        }
    }
    Ok(inventory)
}

/// Read the file given with `--encryption-config` into `inventory` as
/// evidence of medium confidence (it is the file the user says is in use).
pub fn load_encryption_config(inventory: &mut Inventory, path: &Path) -> Result<(), LoadError> {
    let origin = path.display().to_string();
    let text = read_file(path)?;
    let docs = documents(&origin, &text, is_json(path))?;
    let mut found = false;
    for (doc, _) in docs {
        if doc.get("kind").and_then(Value::as_str) == Some("EncryptionConfiguration") {
            let config =
                EncryptionConfig::from_value(&doc).map_err(|message| LoadError::Parse {
                    origin: origin.clone(),
                    message,
                })?;
            inventory.encryption.push(EncryptionEvidence {
                source: EvidenceSource::ConfigFile {
                    path: origin.clone(),
                },
                confidence: Confidence::Medium,
                observation: Observation::Config(config),
            });
            found = true;
        }
    }
    if !found {
        return Err(LoadError::Invalid {
            origin,
            message: "holds no EncryptionConfiguration (apiVersion: apiserver.config.k8s.io/v1)"
                .into(),
        });
    }
    Ok(())
}

fn io_error(path: &Path, source: std::io::Error) -> LoadError {
    LoadError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error(dir, e))?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let file_type = entry.file_type().map_err(|e| io_error(&path, e))?;
        if file_type.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|e| {
            ["yaml", "yml", "json"]
                .iter()
                .any(|x| e.eq_ignore_ascii_case(x))
        }) && std::fs::metadata(&path).is_ok_and(|m| m.is_file())
        {
            files.push(path);
        }
    }
    Ok(())
}

fn load_file(inventory: &mut Inventory, path: &Path) -> Result<(), LoadError> {
    let text = read_file(path)?;
    add_text(inventory, &path.display().to_string(), &text, is_json(path))
}

/// Add every object of `text` (YAML, or JSON when `json`) read from `origin`.
pub fn add_text(
    inventory: &mut Inventory,
    origin: &str,
    text: &str,
    json: bool,
) -> Result<(), LoadError> {
    let docs = documents(origin, text, json)?;
    let single = docs.len() == 1;
    for (index, (doc, line)) in docs.into_iter().enumerate() {
        let ctx = Doc {
            origin,
            text,
            index,
            line,
            in_list: false,
            json,
            single,
        };
        add_document(inventory, doc, &ctx)?;
    }
    Ok(())
}
