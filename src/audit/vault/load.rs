//! `kvault audit --vault-policies DIR`: the Vault inventory from files, for
//! CI on a repository of policies. The layout (every part optional):
//!
//! - `*.hcl` in DIR, and `*.hcl` / `*.json` under `DIR/policies/`: one
//!   ACL policy each, named after the file (`app-read.hcl` is `app-read`);
//! - `DIR/roles/*.json` (or `DIR/roles.json`): auth roles, each
//!   `{"mount": "auth/kubernetes", "method": "kubernetes", "name": "app",
//!   "config": {...}}` where `config` is what `bao read -format=json
//!   auth/kubernetes/role/app` prints under `data`; a file may hold one
//!   role or a list;
//! - `DIR/audit.json`: `bao read -format=json sys/audit` (or its `data`);
//! - `DIR/mounts.json`: `bao read -format=json sys/mounts` (or its `data`);
//! - `DIR/entities/*.json` and `DIR/groups/*.json`: identity entities and
//!   groups, as `bao read -format=json identity/entity/id/ID` (and
//!   `identity/group/id/ID`) print them (or their `data`), one or a list
//!   per file;
//! - `DIR/tokens/*.json`: existing tokens, as `bao write -format=json
//!   auth/token/lookup-accessor accessor=A` prints them.
//!
//! Without `audit.json` the audit-device checks say nothing: an export that
//! was not made proves nothing about the server.

use super::identity;
use super::policy::Policy;
use super::{AuditDevice, AuthRole, KvMount, PolicyText, VaultInventory};
use crate::audit::load::LoadError;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The inventory and its parsed policies. Any file that cannot be read or
/// parsed is an error naming it: a CI check must not pass on a typo.
pub fn load(dir: &Path) -> Result<(VaultInventory, Vec<Policy>), LoadError> {
    if !dir.is_dir() {
        return Err(LoadError::Invalid {
            origin: dir.display().to_string(),
            message: "--vault-policies takes a folder of *.hcl policies (and roles/, audit.json, mounts.json)".into(),
        });
    }
    let mut inventory = VaultInventory::default();
    let mut files = with_extension(dir, &["hcl"])?;
    files.extend(with_extension(&dir.join("policies"), &["hcl", "json"])?);
    for file in files {
        let name = file
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        inventory.policies.push(PolicyText {
            name,
            source: file.display().to_string(),
            hcl: read(&file)?,
        });
    }
    let policies = inventory
        .policies
        .iter()
        .map(|text| {
            Policy::parse(text).map_err(|e| LoadError::Parse {
                origin: text.source.clone(),
                message: e.to_string(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut role_files = with_extension(&dir.join("roles"), &["json"])?;
    role_files.extend(Some(dir.join("roles.json")).filter(|p| p.is_file()));
    for file in role_files {
        inventory.roles.extend(roles(&file, json(&file)?)?);
    }
    let audit = dir.join("audit.json");
    if audit.is_file() {
        inventory.audit_devices = Some(audit_devices(&data(json(&audit)?)));
    }
    let mounts = dir.join("mounts.json");
    if mounts.is_file() {
        inventory.kv_mounts = kv_mounts(&data(json(&mounts)?));
    }
    for file in with_extension(&dir.join("entities"), &["json"])? {
        inventory
            .entities
            .extend(identities(&file, json(&file)?, "entity", identity::entity)?);
    }
    for file in with_extension(&dir.join("groups"), &["json"])? {
        inventory
            .groups
            .extend(identities(&file, json(&file)?, "group", identity::group)?);
    }
    for file in with_extension(&dir.join("tokens"), &["json"])? {
        inventory
            .tokens
            .extend(identities(&file, json(&file)?, "token", identity::token)?);
    }
    Ok((inventory, policies))
}

/// A file's list, or its one object as a list of one.
fn one_or_many(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        other => vec![other],
    }
}

/// The entities or groups of one file: each needs an `id`.
fn identities<T>(
    file: &Path,
    value: Value,
    what: &str,
    parse: fn(&Map<String, Value>) -> Option<T>,
) -> Result<Vec<T>, LoadError> {
    one_or_many(value)
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            data(item)
                .as_object()
                .and_then(parse)
                .ok_or_else(|| LoadError::Invalid {
                    origin: format!("{} ({what} {})", file.display(), i + 1),
                    message: format!(
                        "needs an object with a string \"id\" (the {what} as the API reads it)"
                    ),
                })
        })
        .collect()
}

/// Files of `dir` (not recursive) with one of `extensions`, sorted; none
/// when `dir` does not exist.
fn with_extension(dir: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>, LoadError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(io(dir, source)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| io(dir, e))?.path();
        let wanted = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e));
        if wanted && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn io(path: &Path, source: std::io::Error) -> LoadError {
    LoadError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn read(path: &Path) -> Result<String, LoadError> {
    crate::yaml::read_file(path, &crate::yaml::PLAN).map_err(|e| match e {
        crate::yaml::ReadError::Io(source) => io(path, source),
        crate::yaml::ReadError::Limit(source) => LoadError::Limit {
            origin: path.display().to_string(),
            source,
        },
    })
}

fn json(path: &Path) -> Result<Value, LoadError> {
    serde_json::from_str(&read(path)?).map_err(|e| LoadError::Parse {
        origin: path.display().to_string(),
        message: e.to_string(),
    })
}

/// An API answer's `data`, or the value itself when it has none.
fn data(value: Value) -> Value {
    match value {
        Value::Object(mut map) if map.get("data").is_some_and(Value::is_object) => {
            map.remove("data").unwrap_or_default()
        }
        other => other,
    }
}

fn roles(file: &Path, value: Value) -> Result<Vec<AuthRole>, LoadError> {
    one_or_many(value)
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let invalid = |message: String| LoadError::Invalid {
                origin: format!("{} (role {})", file.display(), i + 1),
                message,
            };
            let text = |key: &str| {
                item.get(key)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| invalid(format!("needs a string \"{key}\"")))
            };
            let mount = text("mount")?;
            let mount = mount.trim_end_matches('/');
            let mount = if mount.starts_with("auth/") {
                mount.to_string()
            } else {
                format!("auth/{mount}")
            };
            let config = item
                .get("config")
                .or_else(|| item.get("data"))
                .and_then(Value::as_object)
                .cloned()
                .ok_or_else(|| {
                    invalid("needs an object \"config\" (the role as the API reads it)".into())
                })?;
            Ok(AuthRole {
                mount,
                method: text("method")?,
                name: text("name")?,
                config,
            })
        })
        .collect()
}

/// `sys/audit`'s map of `path/` to `{type, options}`.
pub(super) fn audit_devices(data: &Value) -> Vec<AuditDevice> {
    let Some(map) = data.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(path, device)| {
            Some(AuditDevice {
                path: path.trim_end_matches('/').to_string(),
                kind: device.get("type")?.as_str()?.to_string(),
                options: device
                    .get("options")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// `sys/mounts`' KV mounts: `{type: kv, options: {version: "2"}}`
/// (`generic` is KV v1's old name).
pub(super) fn kv_mounts(data: &Value) -> Vec<KvMount> {
    let Some(map) = data.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter(|(_, mount)| {
            matches!(
                mount.get("type").and_then(Value::as_str),
                Some("kv" | "generic")
            )
        })
        .map(|(path, mount)| {
            let options: Map<String, Value> = mount
                .get("options")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let version = match options.get("version").and_then(Value::as_str) {
                Some("2") => 2,
                _ => 1,
            };
            KvMount {
                path: path.trim_end_matches('/').to_string(),
                version,
                config: None,
                secrets: Vec::new(),
            }
        })
        .collect()
}
