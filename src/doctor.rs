//! `kvault doctor` and `kvault whoami`: what kvault would use and whether
//! it works, store by store, each failure with the fix. The checks run in
//! the order a person would debug: settings, reachability, credentials,
//! then what the credentials may do.

use crate::store::kube::KubeConfig;
use crate::store::kube_access;
use crate::store::local::{LocalConfig, LocalStore};
use crate::store::vault::{config::VaultConfig, TokenIdentity, VaultStore};
use crate::store::{SecretStore, StoreError};
use serde::Serialize;
use std::time::Duration;

/// How one check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Ok,
    /// Works, but will not for long or not everywhere.
    Warn,
    Fail,
    /// Not configured, or not reachable because an earlier check failed.
    Skip,
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            State::Ok => "ok",
            State::Warn => "warn",
            State::Fail => "FAIL",
            State::Skip => "skip",
        })
    }
}

/// One line of the report. `detail` and `fix` never hold a secret.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// `vault`, `kubernetes` or `local`.
    pub store: &'static str,
    pub check: &'static str,
    pub state: State,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// Under this a token's TTL is worth a warning: a long job would outlive it.
pub const SHORT_TTL: Duration = Duration::from_secs(3600);

struct Checks {
    store: &'static str,
    list: Vec<Check>,
}

impl Checks {
    fn new(store: &'static str) -> Self {
        Checks {
            store,
            list: Vec::new(),
        }
    }
    fn add(&mut self, check: &'static str, state: State, detail: impl Into<String>) -> &mut Self {
        self.list.push(Check {
            store: self.store,
            check,
            state,
            detail: detail.into(),
            fix: None,
        });
        self
    }
    fn fix(&mut self, fix: impl Into<String>) {
        if let Some(last) = self.list.last_mut() {
            last.fix = Some(fix.into());
        }
    }
    fn failed(&mut self, check: &'static str, e: &StoreError, fix: impl Into<String>) {
        self.add(check, State::Fail, one_line(e)).fix(fix);
    }
}

/// The first line of an error (help lines become the fix instead).
fn one_line(e: &StoreError) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

/// Whether Vault/OpenBao is meant to be used at all: an address, a
/// credential or a login method is set.
pub fn vault_configured(config: &VaultConfig) -> bool {
    config.addr.is_some()
        || config.token.is_some()
        || config.effective_auth().is_some()
        || !config.problems.is_empty()
}

/// Vault/OpenBao: settings, server, credential, token, KV mounts.
pub async fn vault(config: &VaultConfig) -> Vec<Check> {
    let mut c = Checks::new("vault");
    // `None` is where a check failed and the rest could not run.
    let _ = vault_checks(config, &mut c).await;
    c.list
}

/// The Vault checks in debugging order, each a step that stops the rest
/// (`None`) when what it checks does not work.
async fn vault_checks(config: &VaultConfig, c: &mut Checks) -> Option<()> {
    vault_settings(config, c)?;
    let mut store = vault_store(config, c).await?;
    vault_server(&store, c).await?;
    vault_credential(config, &mut store, c).await?;
    vault_token(&store, c).await?;
    vault_mounts(&store, c).await;
    Some(())
}

/// Whether Vault is configured at all, and without problems in its
/// variables: a skip or one failure per problem otherwise.
fn vault_settings(config: &VaultConfig, c: &mut Checks) -> Option<()> {
    if !vault_configured(config) {
        c.add(
            "settings",
            State::Skip,
            "not configured: no VAULT_ADDR/BAO_ADDR, no token, no login method",
        )
        .fix("set VAULT_ADDR and VAULT_TOKEN (or log in with `bao login`, which writes ~/.vault-token)");
        return None;
    }
    if !config.problems.is_empty() {
        for p in &config.problems {
            c.add("settings", State::Fail, p.clone())
                .fix("correct the variable or unset it");
        }
        return None;
    }
    Some(())
}

/// A client for the configured address, not logged in yet.
async fn vault_store(config: &VaultConfig, c: &mut Checks) -> Option<VaultStore> {
    match VaultStore::unauthenticated(config).await {
        Ok(s) => Some(s),
        Err(e) => {
            c.failed(
                "settings",
                &e,
                "correct VAULT_ADDR (http:// or https://, host and port)",
            );
            None
        }
    }
}

/// The server answers, is initialized and unsealed. With several
/// addresses in VAULT_ADDR, each is asked: one that fails is a warning
/// while another serves (kvault moves to it), a failure when none does.
async fn vault_server(store: &VaultStore, c: &mut Checks) -> Option<()> {
    let addrs = store.addresses().len();
    let mut seen = Vec::new();
    for node in 0..addrs {
        let addr = store.addresses()[node].to_string();
        let health = if addrs == 1 {
            store.health().await
        } else {
            store.health_at(node).await
        };
        seen.push(server_state(&addr, health));
    }
    let serving = seen.iter().any(|(state, ..)| *state == State::Ok);
    for (state, detail, fix) in seen {
        let state = if serving && state == State::Fail {
            State::Warn
        } else {
            state
        };
        let check = c.add("server", state, detail);
        if let Some(fix) = fix {
            check.fix(fix);
        }
    }
    serving.then_some(())
}

/// What the health of the server at `addr` says: state, detail, fix.
fn server_state(
    addr: &str,
    health: Result<crate::store::vault::Health, StoreError>,
) -> (State, String, Option<&'static str>) {
    match health {
        Ok(h) if !h.initialized => (
            State::Fail,
            format!("{addr} v{}: not initialized", h.version),
            Some("initialize it: bao operator init"),
        ),
        Ok(h) if h.sealed => (
            State::Fail,
            format!("{addr} v{}: sealed", h.version),
            Some("unseal it: bao operator unseal"),
        ),
        Ok(h) => {
            let role = if h.standby { ", standby" } else { "" };
            (
                State::Ok,
                format!("{addr} v{}, unsealed{role}", h.version),
                None,
            )
        }
        Err(e) => (
            State::Fail,
            one_line(&e),
            Some("check VAULT_ADDR and that the server runs; for TLS, VAULT_CACERT/VAULT_CAPATH name its CA"),
        ),
    }
}

/// A credential is found and logging in with it works.
async fn vault_credential(
    config: &VaultConfig,
    store: &mut VaultStore,
    c: &mut Checks,
) -> Option<()> {
    let source = match (config.effective_auth(), &config.token_source) {
        (Some(crate::store::vault::config::AuthMethod::Token), Some(source)) => {
            format!("token from {source}")
        }
        (Some(method), _) => format!("{method:?} login"),
        (None, _) => String::new(),
    };
    if source.is_empty() {
        c.add("credential", State::Fail, "no credential found")
            .fix("set VAULT_TOKEN or VAULT_TOKEN_FILE, run `bao login` (~/.vault-token), or set VAULT_ROLE (Kubernetes auth) or VAULT_ROLE_ID/VAULT_SECRET_ID (AppRole)");
        return None;
    }
    if let Err(e) = store.login(config).await {
        c.add(
            "credential",
            State::Fail,
            format!("{source}: {}", one_line(&e)),
        )
        .fix("check the role and the auth mount (VAULT_PATH), and that the credential is current");
        return None;
    }
    c.add("credential", State::Ok, source);
    Some(())
}

/// Who the token is and how long it lives: a warning when it is short.
async fn vault_token(store: &VaultStore, c: &mut Checks) -> Option<()> {
    let id = match store.identity().await {
        Ok(id) => id,
        Err(e) => {
            c.failed(
                "token",
                &e,
                "the token is expired, revoked or not valid here (VAULT_NAMESPACE?): log in again",
            );
            return None;
        }
    };
    let detail = token_detail(&id);
    match id.life.ttl {
        Some(t) if t < SHORT_TTL => {
            c.add("token", State::Warn, detail)
                .fix(if id.life.renewable {
                    "renew it (bao token renew) or log in again before long jobs"
                } else {
                    "log in again: the token cannot be renewed"
                });
        }
        _ => {
            c.add("token", State::Ok, detail);
        }
    }
    Some(())
}

/// `name via auth/path, policies [...], TTL ...`: never the token.
fn token_detail(id: &TokenIdentity) -> String {
    let ttl = match id.life.ttl {
        None => "never expires".to_string(),
        Some(t) => format!(
            "TTL {}{}",
            humantime::format_duration(Duration::from_secs(t.as_secs())),
            if id.life.renewable {
                " (renewable)"
            } else {
                ""
            }
        ),
    };
    format!(
        "{} via {}, policies [{}], {ttl}",
        if id.display_name.is_empty() {
            "(no name)"
        } else {
            &id.display_name
        },
        id.auth_path.trim_end_matches('/'),
        id.policies.join(", ")
    )
}

/// The KV mounts the token sees; the last check, so it stops nothing.
async fn vault_mounts(store: &VaultStore, c: &mut Checks) {
    match store.visible_mounts().await {
        Ok(mounts) => {
            let kv: Vec<String> = mounts
                .iter()
                .filter_map(|m| m.kv_version.map(|v| format!("{} (kv v{v})", m.path)))
                .collect();
            if kv.is_empty() {
                c.add("kv mounts", State::Warn, "no KV mount visible to this token")
                    .fix("ask for a policy on the KV mount, or enable one: bao secrets enable -path=secret kv-v2");
            } else {
                c.add("kv mounts", State::Ok, kv.join(", "));
            }
        }
        Err(e) => c.failed("kv mounts", &e, "the token may not list mounts (sys/internal/ui/mounts): references still work where its policies allow"),
    }
}

/// Kubernetes: configuration, server, identity, access to Secrets.
pub async fn kube(config: &KubeConfig) -> Vec<Check> {
    let mut c = Checks::new("kubernetes");
    // `None` is where a check failed and the rest could not run.
    let _ = kube_checks(config, &mut c).await;
    c.list
}

/// The Kubernetes checks in debugging order, each a step that stops the
/// rest (`None`) when what it checks does not work.
async fn kube_checks(config: &KubeConfig, c: &mut Checks) -> Option<()> {
    let (client, target) = kube_settings(config, c).await?;
    kube_server(&client, &target, c).await?;
    kube_identity(&client, c).await?;
    kube_secrets(&client, &target.namespace, c).await
}

/// A kubeconfig (or in-cluster config) is found and gives a client; no
/// kubeconfig at all is a skip, not a failure.
async fn kube_settings(
    config: &KubeConfig,
    c: &mut Checks,
) -> Option<(kube::Client, kube_access::Target)> {
    let (client, target) = match kube_access::connect(config).await {
        Ok(found) => found,
        Err(e) => {
            let state = if config.kubeconfig.is_none() && config.problems.is_empty() {
                // No kubeconfig anywhere and not in a cluster: not an error
                // for someone who uses only Vault and the local store.
                State::Skip
            } else {
                State::Fail
            };
            let detail = match state {
                State::Skip => "not configured: no kubeconfig (KUBECONFIG, ~/.kube/config) and not in a cluster".to_string(),
                _ => one_line(&e),
            };
            c.add("settings", state, detail)
                .fix("set KUBECONFIG (or --kubeconfig) to a kubeconfig file, or run in a Pod with a service account");
            return None;
        }
    };
    c.add(
        "settings",
        State::Ok,
        format!(
            "{}, context {}, namespace {}",
            target.source,
            target.context.as_deref().unwrap_or("(none)"),
            target.namespace
        ),
    );
    Some((client, target))
}

/// The API server answers with its version.
async fn kube_server(
    client: &kube::Client,
    target: &kube_access::Target,
    c: &mut Checks,
) -> Option<()> {
    match kube_access::server_version(client).await {
        Ok(v) => {
            c.add(
                "server",
                State::Ok,
                format!("{} Kubernetes {v}", target.server),
            );
            Some(())
        }
        Err(e) => {
            c.add("server", State::Fail, format!("{}: {}", target.server, one_line(&e)))
                .fix("check that the API server is up and reachable from here (the kubeconfig's server, VPN, proxy)");
            None
        }
    }
}

/// Who the credentials are; a server too old to say is only a warning.
async fn kube_identity(client: &kube::Client, c: &mut Checks) -> Option<()> {
    match kube_access::who(client).await {
        Ok((user, groups)) => {
            c.add(
                "identity",
                State::Ok,
                format!("{user} (groups: {})", groups.join(", ")),
            );
        }
        Err(e @ StoreError::PermissionDenied { .. }) => {
            c.failed("identity", &e, "the credentials are not accepted: refresh them (kubectl config view, your cloud's login)");
            return None;
        }
        // SelfSubjectReview is GA since 1.28; older servers lack it.
        Err(e) => {
            c.add("identity", State::Warn, one_line(&e));
        }
    }
    Some(())
}

/// What the identity may do with Secrets in the namespace: get is needed,
/// the writes only for sync and rotate.
async fn kube_secrets(client: &kube::Client, ns: &str, c: &mut Checks) -> Option<()> {
    let mut allowed = Vec::new();
    let mut denied = Vec::new();
    for verb in ["get", "list", "create", "patch"] {
        match kube_access::can(client, verb, ns).await {
            Ok(true) => allowed.push(verb),
            Ok(false) => denied.push(verb),
            Err(e) => {
                c.failed(
                    "secrets",
                    &e,
                    format!("ask: kubectl auth can-i {verb} secrets -n {ns}"),
                );
                return None;
            }
        }
    }
    let state = if !allowed.contains(&"get") {
        State::Fail
    } else if denied.is_empty() {
        State::Ok
    } else {
        State::Warn
    };
    c.add("secrets", state, secrets_detail(ns, &allowed, &denied));
    if state != State::Ok {
        c.fix(format!(
            "a Role in {ns} granting {} on secrets, bound to this identity, is needed to {}",
            denied.join(", "),
            if denied.contains(&"get") {
                "read references"
            } else {
                "sync or rotate into it"
            }
        ));
    }
    Some(())
}

/// `in namespace ns: may get, list; may not create, patch`.
fn secrets_detail(ns: &str, allowed: &[&str], denied: &[&str]) -> String {
    format!(
        "in namespace {ns}: may {}{}",
        if allowed.is_empty() {
            "nothing".to_string()
        } else {
            allowed.join(", ")
        },
        if denied.is_empty() {
            String::new()
        } else {
            format!("; may not {}", denied.join(", "))
        }
    )
}

const KEY_FIX: &str = "restore the key file from a backup, or point KVAULT_LOCAL_KEY_FILE/KVAULT_LOCAL_KEY at the key the store was made with";

/// The local store: directory, key, contents.
pub async fn local(config: &LocalConfig) -> Vec<Check> {
    let mut c = Checks::new("local");
    let store = match LocalStore::open(config) {
        Ok(s) => s,
        // Opening checks the key of a store that holds secrets.
        Err(e) if config.root().is_ok_and(|r| r.is_dir()) => {
            c.failed("key", &e, KEY_FIX);
            return c.list;
        }
        Err(e) => {
            c.failed(
                "store",
                &e,
                "set KVAULT_LOCAL_STORE (or --local-store) to a directory kvault may write",
            );
            return c.list;
        }
    };
    let root = store.root().display().to_string();
    let count = match store.list_entries("").await {
        Ok(listing) => {
            for skipped in &listing.skipped {
                c.add(
                    "store",
                    State::Warn,
                    format!("{}: {}", skipped.path, skipped.why),
                );
            }
            listing.names.len()
        }
        Err(e) if e.is_not_found() => 0,
        Err(e) => {
            c.failed("store", &e, "check the directory's permissions");
            return c.list;
        }
    };
    c.add(
        "store",
        State::Ok,
        format!("{root}: {count} entries at the top"),
    );
    match store.key_state() {
        Ok((source, Some(fp))) => {
            c.add("key", State::Ok, format!("{source}, recipient {fp}"));
        }
        Ok((source, None)) => {
            c.add(
                "key",
                State::Ok,
                format!("none yet: the first write creates {source}"),
            );
        }
        Err(e) => c.failed("key", &e, KEY_FIX),
    }
    c.list
}

/// Whether any check failed.
pub fn failed(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.state == State::Fail)
}
