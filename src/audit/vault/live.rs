//! `kvault audit --vault`: the Vault inventory read from the server with
//! the store's hardened client (deadlines, retries of reads only, redacted
//! errors). An endpoint the token may not read becomes a [`Gap`] (and one
//! KV-VLT-017 finding), never a failed run: an operator learns what the
//! audit saw and what it could not.

use super::load::{audit_devices, kv_mounts};
use super::policy::Policy;
use super::{identity, role_segment};
use super::{
    AuthRole, Entity, ExistingToken, Gap, Group, HaState, KvMount, PolicyText, SecretAge,
    VaultInventory,
};
use crate::store::vault::VaultStore;
use crate::store::StoreError;
use futures::stream::{self, StreamExt};
use serde_json::{Map, Value};
use std::sync::Mutex;

/// Requests in flight at once: enough to hide round trips, few enough
/// not to stampede a server that rate-limits.
const IN_FLIGHT: usize = 16;

/// KV secrets whose age is read, per run: beyond it the rest is a gap.
pub const MAX_SECRETS: usize = 20_000;

/// Keys read from one list per run (policies, roles, entities, groups,
/// token accessors).
pub const MAX_LISTED: usize = 20_000;

/// Auth methods whose roles the checks read (`role/` under the mount;
/// userpass: its users, `users/`).
const ROLE_METHODS: &[&str] = &["kubernetes", "approle", "jwt", "oidc", "userpass"];

/// Everything the checks read, and the parsed policies. An unreachable or
/// sealed server, a token it does not know, or a server that fails midway
/// is an error: an audit of nothing must not pass. A 403 or 404 on one
/// endpoint is a gap.
pub async fn load(store: &VaultStore) -> Result<(VaultInventory, Vec<Policy>), StoreError> {
    // lookup-self: every token may call it; it fails only when the server
    // or the token is unusable.
    store.identity().await?;
    let gaps = Mutex::new(Vec::new());
    let fatal = Mutex::new(None);
    let gap = |endpoint: &str, error: StoreError| match &error {
        StoreError::PermissionDenied { .. }
        | StoreError::NotFound { .. }
        | StoreError::BadInput(_) => gaps.lock().unwrap().push(Gap {
            endpoint: endpoint.to_string(),
            reason: reason(&error),
        }),
        _ => {
            fatal.lock().unwrap().get_or_insert(error);
        }
    };
    let (policies, roles, audit, mounts, ha, (entities, groups), tokens) = tokio::join!(
        policies(store, &gap),
        roles(store, &gap),
        store.read_config("sys/audit"),
        mounts(store, &gap),
        ha(store, &gap),
        identity(store, &gap),
        tokens(store, &gap),
    );
    let audit_devices = match audit {
        Ok(data) => Some(audit_devices(&Value::Object(data))),
        Err(e) => {
            gap("sys/audit", e);
            None
        }
    };
    let mut parsed = Vec::new();
    for text in &policies {
        match Policy::parse(text) {
            Ok(policy) => parsed.push(policy),
            Err(e) => gaps.lock().unwrap().push(Gap {
                endpoint: text.source.clone(),
                reason: format!("not understood: {e}"),
            }),
        }
    }
    if let Some(error) = fatal.into_inner().unwrap() {
        return Err(error);
    }
    let mut gaps = gaps.into_inner().unwrap();
    gaps.sort_by(|a, b| a.endpoint.cmp(&b.endpoint));
    let inventory = VaultInventory {
        policies,
        roles,
        audit_devices,
        kv_mounts: mounts,
        ha,
        entities,
        groups,
        tokens,
        gaps,
    };
    Ok((inventory, parsed))
}

/// Why an endpoint was not read, in a word (the gap names the path).
fn reason(error: &StoreError) -> String {
    match error {
        StoreError::PermissionDenied { .. } => "permission denied".into(),
        // Limits of this audit, worded where they are hit.
        StoreError::BadInput(why) => why.clone(),
        _ => "not found".into(),
    }
}

async fn policies(store: &VaultStore, gap: &(dyn Fn(&str, StoreError) + Sync)) -> Vec<PolicyText> {
    let names = list_capped(store, "sys/policies/acl", gap).await;
    let paths = names
        .into_iter()
        .map(|name| (format!("sys/policies/acl/{name}"), name));
    let mut texts: Vec<PolicyText> = read_each(store, paths, gap)
        .await
        .into_iter()
        .map(|(name, path, data)| PolicyText {
            hcl: data
                .get("policy")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            name,
            source: path,
        })
        .collect();
    texts.sort_by(|a, b| a.name.cmp(&b.name));
    texts
}

async fn roles(store: &VaultStore, gap: &(dyn Fn(&str, StoreError) + Sync)) -> Vec<AuthRole> {
    let methods = match store.read_config("sys/auth").await {
        Ok(methods) => methods,
        Err(e) => {
            gap("sys/auth", e);
            return Vec::new();
        }
    };
    let mounts: Vec<(String, String)> = methods
        .iter()
        .filter_map(|(path, method)| {
            let kind = method.get("type")?.as_str()?;
            ROLE_METHODS.contains(&kind).then(|| {
                (
                    format!("auth/{}", path.trim_end_matches('/')),
                    kind.to_string(),
                )
            })
        })
        .collect();
    let mut named = Vec::new();
    for (mount, method) in &mounts {
        let list = format!("{mount}/{}", role_segment(method));
        let names = list_capped(store, &list, gap).await;
        named.extend(
            names
                .into_iter()
                .map(|n| (mount.clone(), method.clone(), n)),
        );
    }
    let paths = named.into_iter().map(|(mount, method, name)| {
        let path = format!("{mount}/{}/{name}", role_segment(&method));
        (path, (mount, method, name))
    });
    let mut roles: Vec<AuthRole> = read_each(store, paths, gap)
        .await
        .into_iter()
        .map(|((mount, method, name), _, config)| AuthRole {
            mount,
            method,
            name,
            config,
        })
        .collect();
    roles.sort_by(|a, b| (&a.mount, &a.name).cmp(&(&b.mount, &b.name)));
    roles
}

/// Identity entities and groups, each read by id: the policies they add
/// to the tokens of their logins (see `identity`).
async fn identity(
    store: &VaultStore,
    gap: &(dyn Fn(&str, StoreError) + Sync),
) -> (Vec<Entity>, Vec<Group>) {
    let (entities, groups) = tokio::join!(
        read_listed(store, "identity/entity/id", gap),
        read_listed(store, "identity/group/id", gap),
    );
    let mut entities: Vec<Entity> = entities.iter().filter_map(identity::entity).collect();
    let mut groups: Vec<Group> = groups.iter().filter_map(identity::group).collect();
    entities.sort_by(|a, b| a.name.cmp(&b.name));
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    (entities, groups)
}

/// Every token that exists, by accessor (listing them needs `sudo`).
async fn tokens(store: &VaultStore, gap: &(dyn Fn(&str, StoreError) + Sync)) -> Vec<ExistingToken> {
    let accessors = list_capped(store, "auth/token/accessors", gap).await;
    let mut tokens: Vec<ExistingToken> = stream::iter(accessors)
        .map(|accessor| async move {
            match store.lookup_accessor(&accessor).await {
                Ok(data) => identity::token(&data),
                // A token that expired since the list is gone: not a gap.
                Err(StoreError::BadInput(_) | StoreError::NotFound { .. }) => None,
                Err(e) => {
                    gap("auth/token/lookup-accessor", e);
                    None
                }
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .filter_map(|token| async { token })
        .collect()
        .await;
    tokens.sort_by(|a, b| (&a.display_name, &a.accessor).cmp(&(&b.display_name, &b.accessor)));
    tokens
}

/// `LIST folder`, at most [`MAX_LISTED`] keys: past them the rest is
/// a gap (every login makes an entity, and a busy server has many); a
/// list the token may not read is a gap too.
async fn list_capped(
    store: &VaultStore,
    folder: &str,
    gap: &(dyn Fn(&str, StoreError) + Sync),
) -> Vec<String> {
    let mut keys = match store.list_config(folder).await {
        Ok(keys) => keys,
        Err(e) => {
            gap(folder, e);
            return Vec::new();
        }
    };
    if keys.len() > MAX_LISTED {
        keys.truncate(MAX_LISTED);
        gap(
            folder,
            StoreError::BadInput(format!(
                "more than {MAX_LISTED} listed: the rest was not read"
            )),
        );
    }
    keys
}

/// `LIST folder` (capped), then `GET folder/KEY` for each key: the
/// answers' data.
async fn read_listed(
    store: &VaultStore,
    folder: &str,
    gap: &(dyn Fn(&str, StoreError) + Sync),
) -> Vec<Map<String, Value>> {
    let keys = list_capped(store, folder, gap).await;
    let paths = keys.into_iter().map(|key| (format!("{folder}/{key}"), ()));
    read_each(store, paths, gap)
        .await
        .into_iter()
        .map(|(_, _, data)| data)
        .collect()
}

async fn mounts(store: &VaultStore, gap: &(dyn Fn(&str, StoreError) + Sync)) -> Vec<KvMount> {
    let mut mounts = match store.read_config("sys/mounts").await {
        Ok(data) => kv_mounts(&Value::Object(data)),
        Err(e) => {
            gap("sys/mounts", e);
            return Vec::new();
        }
    };
    for mount in mounts.iter_mut().filter(|m| m.version == 2) {
        let config = format!("{}/config", mount.path);
        match store.read_config(&config).await {
            Ok(data) => mount.config = Some(data),
            Err(e) => gap(&config, e),
        }
        mount.secrets = secret_ages(store, &mount.path, gap).await;
    }
    mounts.sort_by(|a, b| a.path.cmp(&b.path));
    mounts
}

/// Every secret of a v2 mount with its current version's time, walking
/// `metadata/` a folder level at a time.
async fn secret_ages(
    store: &VaultStore,
    mount: &str,
    gap: &(dyn Fn(&str, StoreError) + Sync),
) -> Vec<SecretAge> {
    let mut folders = vec![String::new()];
    let mut secrets = Vec::new();
    while !folders.is_empty() {
        let listed: Vec<(String, Result<Vec<String>, StoreError>)> =
            stream::iter(std::mem::take(&mut folders))
                .map(|folder| async move {
                    let keys = store
                        .list_config(&format!("{mount}/metadata/{folder}"))
                        .await;
                    (folder, keys)
                })
                .buffer_unordered(IN_FLIGHT)
                .collect()
                .await;
        for (folder, keys) in listed {
            match keys {
                Ok(keys) => {
                    for key in keys {
                        let full = format!("{folder}{key}");
                        if key.ends_with('/') {
                            folders.push(full);
                        } else {
                            secrets.push(full);
                        }
                    }
                }
                Err(e) => gap(&format!("{mount}/metadata/{folder}"), e),
            }
        }
        if secrets.len() > MAX_SECRETS {
            gaps_beyond(gap, mount);
            secrets.truncate(MAX_SECRETS);
            break;
        }
    }
    let paths = secrets
        .into_iter()
        .map(|path| (format!("{mount}/metadata/{path}"), path));
    let mut ages: Vec<SecretAge> = read_each(store, paths, gap)
        .await
        .into_iter()
        .filter_map(|(path, _, meta)| {
            updated_time(&meta).map(|updated_time| SecretAge { path, updated_time })
        })
        .collect();
    ages.sort_by(|a, b| a.path.cmp(&b.path));
    ages
}

/// `GET` each `(path, item)`, [`IN_FLIGHT`] at a time: the answers with
/// their items and paths; a failed read is a gap (or fatal, see [`load`]).
async fn read_each<T: Send>(
    store: &VaultStore,
    paths: impl Iterator<Item = (String, T)>,
    gap: &(dyn Fn(&str, StoreError) + Sync),
) -> Vec<(T, String, Map<String, Value>)> {
    stream::iter(paths)
        .map(|(path, item)| async move {
            match store.read_config(&path).await {
                Ok(data) => Some((item, path, data)),
                Err(e) => {
                    gap(&path, e);
                    None
                }
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .filter_map(|read| async { read })
        .collect()
        .await
}

/// A mount with more than [`MAX_SECRETS`]: the rest is a gap.
fn gaps_beyond(gap: &(dyn Fn(&str, StoreError) + Sync), mount: &str) {
    gap(
        &format!("{mount}/metadata/"),
        StoreError::BadInput(format!(
            "more than {MAX_SECRETS} secrets: the age of the rest was not read"
        )),
    );
}

/// When the current version was written: its `created_time` in
/// `versions`, else the metadata's `updated_time`.
fn updated_time(meta: &Map<String, Value>) -> Option<String> {
    let current = meta.get("current_version").and_then(Value::as_u64)?;
    meta.get("versions")
        .and_then(|v| v.get(current.to_string()))
        .and_then(|v| v.get("created_time"))
        .or_else(|| meta.get("updated_time"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

async fn ha(store: &VaultStore, gap: &(dyn Fn(&str, StoreError) + Sync)) -> Option<HaState> {
    let leader = match store.read_config_raw("sys/leader").await {
        Ok(leader) => leader,
        Err(e) => {
            gap("sys/leader", e);
            return None;
        }
    };
    let ha_enabled = leader
        .get("ha_enabled")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !ha_enabled {
        return Some(HaState {
            nodes: 1,
            ha_enabled,
        });
    }
    match store.read_config_raw("sys/ha-status").await {
        Ok(status) => Some(HaState {
            nodes: status
                .get("nodes")
                .or_else(|| status.get("data").and_then(|d| d.get("nodes")))
                .and_then(Value::as_array)
                .map_or(1, Vec::len),
            ha_enabled,
        }),
        Err(e) => {
            gap("sys/ha-status", e);
            None
        }
    }
}
