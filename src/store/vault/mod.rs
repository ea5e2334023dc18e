//! Vault / OpenBao backend over `vaultrs`: KV v1 and v2 (the version is asked
//! of the server per mount, never guessed from the path), check-and-set,
//! metadata, and the auth methods token, kubernetes, approle and jwt.
//!
//! This file holds the store type, the one way every call is made
//! (`call_as`: retries, error mapping, redaction) and the
//! [`SecretStore`] glue; the rest lives by concern:
//! - `connect`: the client (address, TLS, namespace) and logging in;
//! - `locate`: which mount serves a path, and the path inside it;
//! - `kv`: KV v1 and v2 reads, writes, listing, metadata, deletion;
//! - `engines`: dynamic-engine writes, lease renewal, transit decryption;
//! - `token`: kvault's own token and the `sys/` calls;
//! - `errors`: from a vaultrs error or an answer to a [`StoreError`].

mod admin;
pub mod config;
mod connect;
mod endpoints;
mod engines;
mod errors;
mod kv;
mod locate;
mod nodes;
mod token;
pub mod transport;

pub use config::{AuthMethod, VaultConfig, CREDENTIAL_VARS};
pub use errors::{error_from_answer, error_from_unparsable_read};

use super::redact::Redactor;
use super::retry::RetryPolicy;
use super::{Cas, Deletion, Listing, Secret, SecretData, SecretStore, StoreError, VersionInfo};
use crate::store::Capabilities;
use async_trait::async_trait;
use errors::{map_error, never_sent, redirected_elsewhere, timed_out};
use secrecy::{ExposeSecret, SecretString};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vaultrs::error::ClientError;

/// What serves a path: a KV mount of some version, or another engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MountKind {
    Kv1,
    Kv2,
    Other(String),
}

#[derive(Clone, Debug)]
pub struct Mount {
    /// Without trailing `/`.
    pub path: String,
    pub kind: MountKind,
}

/// The lease of a dynamic secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    pub id: String,
    pub duration: Duration,
    pub renewable: bool,
}

/// The lifetime of kvault's own Vault token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenLife {
    /// Time to live; `None` for a token that never expires (root tokens).
    pub ttl: Option<Duration>,
    pub renewable: bool,
}

/// Who a token is, as `lookup-self` says; the token itself is left out.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TokenIdentity {
    pub display_name: String,
    pub entity_id: Option<String>,
    /// Token and identity policies.
    pub policies: Vec<String>,
    #[serde(skip)]
    pub life: TokenLife,
    pub expire_time: Option<String>,
    /// The auth path that issued it (`auth/token/create`, `auth/approle/login`).
    pub auth_path: String,
}

/// `sys/health`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Health {
    pub version: String,
    pub initialized: bool,
    pub sealed: bool,
    pub standby: bool,
}

/// A secrets engine the token can see.
#[derive(Clone, Debug, serde::Serialize)]
pub struct VisibleMount {
    pub path: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// 1 or 2 for a KV mount.
    pub kv_version: Option<u8>,
}

pub struct VaultStore {
    /// The addresses of `VAULT_ADDR`, one of them in use.
    client: nodes::Nodes,
    retry: RetryPolicy,
    mounts: Mutex<Vec<Mount>>,
    /// One mount lookup at a time per first path segment: reads that start
    /// together (exec resolving 50 references) wait for the first lookup and
    /// find its answer cached, instead of each asking the server.
    lookups: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The token obtained by logging in (kept for `VAULT_TOKEN=vault:login`).
    token: SecretString,
}

impl VaultStore {
    /// The address, as messages show it (no userinfo, no query).
    pub fn address(&self) -> &str {
        self.client.shown()
    }

    /// Which of `VAULT_ADDR`'s addresses is in use (0 for the first).
    pub fn node_in_use(&self) -> usize {
        self.client.current()
    }

    /// Every address `VAULT_ADDR` lists, as messages show them.
    pub fn addresses(&self) -> Vec<&str> {
        self.client.all_shown().collect()
    }

    /// The token in use (for handing on to a child that asked for it).
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// `GET at` on any engine: the answer's `data`. Errors name `path`
    /// (the path as the user wrote it, which `at` may spell otherwise).
    async fn logical_get(
        &self,
        path: &str,
        at: &str,
    ) -> Result<HashMap<String, serde_json::Value>, StoreError> {
        self.call(path, || async {
            vaultrs::api::exec_with_result(
                &self.client,
                endpoints::LogicalRead {
                    path: at.to_string(),
                },
            )
            .await
        })
        .await
    }

    /// One idempotent API call (a read, a PUT of the same content, a
    /// renewal) with retries and error mapping.
    async fn call<T, F, Fut>(&self, path: &str, op: F) -> Result<T, StoreError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, ClientError>>,
    {
        self.call_as(path, Idempotent::Yes, &Redactor::new(), op)
            .await
    }

    /// One API call. A non-idempotent one (a POST that creates something)
    /// is tried again only when the request never left: once it may have
    /// reached the server, a second try could do the thing twice.
    /// `hide` names what the request carries (values, credentials) besides
    /// the token, so that an error echoing the request shows none of it.
    ///
    /// With several addresses, a node that cannot serve the call (see
    /// [`nodes::down`]) hands it to the next at once, within one try; the
    /// retries and their pauses come when no node could serve it.
    async fn call_as<T, F, Fut>(
        &self,
        path: &str,
        idempotent: Idempotent,
        hide: &Redactor,
        op: F,
    ) -> Result<T, StoreError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, ClientError>>,
    {
        let mut hide = hide.clone();
        hide.add(self.token.expose_secret().as_bytes());
        let hide = &hide;
        self.retry
            .run_when(
                path,
                || self.on_some_node(path, idempotent, hide, &op),
                |a: &Attempt| a.error.is_retryable() && (idempotent == Idempotent::Yes || !a.sent),
            )
            .await
            .map_err(|a| a.error)
    }

    /// One try of a call: on the node in use, then on the next ones while
    /// each cannot serve it (each node at most once).
    async fn on_some_node<T, F, Fut>(
        &self,
        path: &str,
        idempotent: Idempotent,
        hide: &Redactor,
        op: &F,
    ) -> Result<T, Attempt>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, ClientError>>,
    {
        let started = self.client.current();
        let mut why = String::new();
        for tried in 1.. {
            let node = self.client.current();
            let store = self.describe();
            let e = match op().await {
                Ok(v) => {
                    // Only a call that moved itself says so: one that found
                    // the move made by another has no reason to give.
                    if node != started && !why.is_empty() {
                        self.client.announce(started, &why);
                    }
                    return Ok(v);
                }
                Err(e) => e,
            };
            let sent = !never_sent(&e);
            let how = nodes::Transport {
                never_sent: !sent,
                timed_out: timed_out(&e),
                redirected: redirected_elsewhere(&e),
            };
            let down = nodes::down(&e, how);
            let error = map_error(e, &store, path, hide);
            let movable = down.is_some_and(|d| d.may_move(idempotent == Idempotent::Yes));
            if !movable {
                return Err(Attempt { error, sent });
            }
            if tried >= self.client.len() {
                return Err(Attempt {
                    error: every_node_failed(error, self.client.len()),
                    sent,
                });
            }
            tracing::debug!(%error, "leaving a vault node");
            if let (true, Some(down)) = (why.is_empty(), down) {
                why = down.reason(&error);
            }
            self.client.fail_over(node);
        }
        unreachable!("the loop returns")
    }

    fn not_found(&self, path: &str) -> StoreError {
        StoreError::NotFound {
            store: self.describe(),
            path: path.into(),
        }
    }
}

/// The error of the last of `n` addresses when none could serve, saying
/// so (the others' errors were like it, or were warned of as moves).
fn every_node_failed(error: StoreError, n: usize) -> StoreError {
    match error {
        StoreError::Unavailable { store, detail } if n > 1 => StoreError::Unavailable {
            store,
            detail: format!("{detail} (no address of VAULT_ADDR answers: {n} tried)"),
        },
        other => other,
    }
}

/// Whether a call may be made again without doing its work twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Idempotent {
    Yes,
    No,
}

/// One failed try of a call: the error, and whether the request may have
/// reached the server.
struct Attempt {
    error: StoreError,
    sent: bool,
}

impl std::fmt::Display for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

#[async_trait]
impl SecretStore for VaultStore {
    fn describe(&self) -> String {
        format!("vault ({})", self.address())
    }

    async fn read(&self, path: &str, version: Option<u64>) -> Result<Secret, StoreError> {
        self.kv_read(path, version).await
    }

    async fn write(&self, path: &str, data: &SecretData, cas: Cas) -> Result<u64, StoreError> {
        self.kv_write(path, data, cas).await
    }

    async fn capabilities(&self, path: &str) -> Result<Capabilities, StoreError> {
        let kv2 = self.locate(path).await?.mount.kind == MountKind::Kv2;
        Ok(Capabilities {
            metadata: kv2,
            versions: kv2,
        })
    }

    /// On KV v2, `metadata` is merged into the custom metadata after the
    /// data is written (a second and third call: read, then set the map).
    async fn write_with_metadata(
        &self,
        path: &str,
        data: &SecretData,
        cas: Cas,
        metadata: &BTreeMap<String, String>,
    ) -> Result<u64, StoreError> {
        let version = self.write(path, data, cas).await?;
        if !metadata.is_empty() && self.capabilities(path).await?.metadata {
            self.merge_custom_metadata(path, metadata).await?;
        }
        Ok(version)
    }

    /// Custom metadata only: no new KV version.
    async fn write_metadata(
        &self,
        path: &str,
        _data: &SecretData,
        metadata: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        if self.capabilities(path).await?.metadata {
            self.merge_custom_metadata(path, metadata).await?;
        }
        Ok(())
    }

    /// A folder that does not exist lists as empty, as KV answers both
    /// alike (`sync --prune` and the other callers rely on it); only
    /// `list_entries` (`kvault ls`) tells them apart.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        match self.list_existing(prefix).await {
            Err(e) if e.is_not_found() => Ok(vec![]),
            other => other,
        }
    }

    /// `NotFound` for a folder under a mount that holds nothing; the root
    /// of a KV mount is an existing (maybe empty) folder.
    async fn list_entries(&self, prefix: &str) -> Result<Listing, StoreError> {
        let names = match self.list_existing(prefix).await {
            Err(e) if e.is_not_found() => {
                if self.locate(prefix).await?.rel.is_empty() {
                    vec![]
                } else {
                    return Err(e);
                }
            }
            other => other?,
        };
        Ok(Listing {
            names,
            skipped: Vec::new(),
        })
    }

    async fn versions(&self, path: &str) -> Result<Vec<VersionInfo>, StoreError> {
        self.kv_versions(path).await
    }

    async fn delete(&self, path: &str) -> Result<(), StoreError> {
        self.kv_delete(path).await
    }

    /// KV v2 only: soft delete (`delete`), destroy (`destroy`) or the
    /// metadata and every version (`DELETE metadata/`).
    async fn delete_versions(&self, path: &str, which: &Deletion) -> Result<(), StoreError> {
        self.kv_delete_versions(path, which).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    const TOKEN: &str = "unit-test-token-0123456789";

    /// A store that never talks to a server: calls below return errors made
    /// up in the test, as vaultrs would hand them over.
    async fn store(addr: &str, attempts: u32) -> VaultStore {
        VaultStore::unauthenticated(&VaultConfig {
            addr: Some(addr.into()),
            token: Some(SecretString::from(TOKEN)),
            retry: Some(RetryPolicy {
                attempts,
                base_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(1),
            }),
            ..Default::default()
        })
        .await
        .expect("building a client needs no server")
    }

    fn api_error(code: u16, error: &str) -> ClientError {
        ClientError::APIError {
            code,
            errors: vec![error.to_string()],
        }
    }

    #[tokio::test]
    async fn an_error_that_echoes_the_stores_own_token_is_redacted() {
        let store = store("http://127.0.0.1:8200", 1).await;
        let e = store
            .call("secret/app", || async {
                Err::<(), _>(api_error(403, &format!("permission denied for {TOKEN}")))
            })
            .await
            .unwrap_err();
        let shown = e.to_string();
        assert!(matches!(e, StoreError::PermissionDenied { .. }), "{e:?}");
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(shown.contains(super::super::redact::REDACTED), "{shown}");
    }

    #[tokio::test]
    async fn an_error_names_the_store_by_its_address_and_the_path_asked_for() {
        let store = store("http://127.0.0.1:8200", 1).await;
        let e = store
            .call("secret/app", || async { Err::<(), _>(api_error(404, "")) })
            .await
            .unwrap_err();
        match e {
            StoreError::NotFound { store, path } => {
                assert_eq!(store, "vault (http://127.0.0.1:8200)");
                assert_eq!(path, "secret/app");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn an_idempotent_call_is_tried_again_while_the_server_is_unavailable() {
        let store = store("http://127.0.0.1:8200", 4).await;
        let tries = AtomicU32::new(0);
        let got = store
            .call("secret/app", || async {
                if tries.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(api_error(503, "busy"))
                } else {
                    Ok(7)
                }
            })
            .await;
        assert_eq!(got.unwrap(), 7);
        assert_eq!(tries.load(Ordering::SeqCst), 3);
    }

    /// A call of `idempotent` kind that fails with `code` every time: its
    /// error, and how often it was tried.
    async fn always_failing(attempts: u32, idempotent: Idempotent, code: u16) -> (StoreError, u32) {
        let store = store("http://127.0.0.1:8200", attempts).await;
        let tries = AtomicU32::new(0);
        let e = store
            .call_as("secret/app", idempotent, &Redactor::new(), || async {
                tries.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(api_error(code, "failing"))
            })
            .await
            .unwrap_err();
        (e, tries.load(Ordering::SeqCst))
    }

    #[tokio::test]
    async fn an_idempotent_call_gives_up_after_the_configured_attempts() {
        let (e, tries) = always_failing(3, Idempotent::Yes, 502).await;
        assert!(e.is_retryable(), "{e:?}");
        assert_eq!(tries, 3);
    }

    #[tokio::test]
    async fn a_call_that_may_have_reached_the_server_is_not_sent_twice() {
        let (e, tries) = always_failing(4, Idempotent::No, 503).await;
        assert!(e.is_retryable(), "{e:?}");
        assert_eq!(tries, 1);
    }

    #[tokio::test]
    async fn a_refusal_is_not_tried_again() {
        let (e, tries) = always_failing(4, Idempotent::Yes, 403).await;
        assert!(matches!(e, StoreError::PermissionDenied { .. }), "{e:?}");
        assert_eq!(tries, 1);
    }

    #[tokio::test]
    async fn what_a_request_carried_is_redacted_with_the_token() {
        let store = store("http://127.0.0.1:8200", 1).await;
        let value = "hunter2-the-value-written";
        let hide = Redactor::new().secret(value.as_bytes());
        let e = store
            .call_as("secret/app", Idempotent::No, &hide, || async {
                Err::<(), _>(api_error(400, &format!("bad {value} with {TOKEN}")))
            })
            .await
            .unwrap_err();
        let shown = e.to_string();
        assert!(!shown.contains(value), "{shown}");
        assert!(!shown.contains(TOKEN), "{shown}");
    }

    /// Two addresses: one that accepts connections and never answers,
    /// then one that counts the connections made to it.
    async fn stalled_then_counting(idempotent: Idempotent) -> (StoreError, usize) {
        let stalled = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let other = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addrs = format!(
            "http://{},http://{}",
            stalled.local_addr().unwrap(),
            other.local_addr().unwrap()
        );
        let reached = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = reached.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = other.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                drop(conn);
            }
        });
        let store = VaultStore::unauthenticated(&VaultConfig {
            addr: Some(addrs),
            token: Some(SecretString::from(TOKEN)),
            timeout: Some(Duration::from_millis(300)),
            retry: Some(RetryPolicy::none()),
            ..Default::default()
        })
        .await
        .unwrap();
        let e = store
            .call_as("secret/app", idempotent, &Redactor::new(), || async {
                vaultrs::kv2::read::<serde_json::Value>(&store.client, "secret", "app").await
            })
            .await
            .unwrap_err();
        drop(stalled);
        (e, reached.load(Ordering::SeqCst))
    }

    #[tokio::test]
    async fn a_call_that_may_have_been_applied_is_not_sent_to_the_next_address() {
        let (e, reached) = stalled_then_counting(Idempotent::No).await;
        assert!(e.to_string().contains("no answer in time"), "{e}");
        assert_eq!(reached, 0, "sent on after a stall");
    }

    #[tokio::test]
    async fn an_idempotent_call_moves_on_from_a_stalled_address() {
        let (_, reached) = stalled_then_counting(Idempotent::Yes).await;
        assert_eq!(reached, 1);
    }

    #[tokio::test]
    async fn the_address_is_shown_without_its_userinfo() {
        let store = store("http://admin:s3cretpw@127.0.0.1:8200", 1).await;
        assert!(!store.address().contains("s3cretpw"), "{}", store.address());
        assert!(
            !store.describe().contains("s3cretpw"),
            "{}",
            store.describe()
        );
        assert!(store.address().contains("127.0.0.1:8200"));
    }

    #[tokio::test]
    async fn an_address_that_is_not_http_or_https_is_a_config_error() {
        for addr in ["ftp://127.0.0.1:8200", "not a url"] {
            let got = VaultStore::unauthenticated(&VaultConfig {
                addr: Some(addr.into()),
                ..Default::default()
            })
            .await;
            assert!(matches!(got, Err(StoreError::Config(_))), "{addr}");
        }
    }

    #[tokio::test]
    async fn the_first_configuration_problem_stops_the_connection() {
        let got = VaultStore::unauthenticated(&VaultConfig {
            problems: vec!["VAULT_CLIENT_TIMEOUT is not a duration".into()],
            ..Default::default()
        })
        .await;
        match got {
            Err(StoreError::Config(m)) => assert_eq!(m, "VAULT_CLIENT_TIMEOUT is not a duration"),
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("connected with a configuration problem"),
        }
    }

    #[tokio::test]
    async fn no_credentials_is_a_config_error_that_says_what_to_set() {
        let mut store = VaultStore::unauthenticated(&VaultConfig::default())
            .await
            .unwrap();
        let got = store.login(&VaultConfig::default()).await;
        match got {
            Err(StoreError::Config(m)) => {
                assert!(
                    m.starts_with("no Vault credentials for http://127.0.0.1:8200"),
                    "{m}"
                );
                assert!(m.contains("VAULT_TOKEN"), "{m}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn approle_without_a_secret_id_names_the_missing_setting() {
        let config = VaultConfig {
            auth_method: Some(AuthMethod::AppRole),
            role_id: Some(SecretString::from("role-id-1234")),
            ..Default::default()
        };
        let mut store = VaultStore::unauthenticated(&config).await.unwrap();
        match store.login(&config).await {
            Err(StoreError::Config(m)) => {
                assert!(m.contains("auth at `auth/approle`"), "{m}");
                assert!(m.ends_with("VAULT_SECRET_ID is not set"), "{m}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_token_needs_no_login_and_is_kept_as_it_is() {
        let config = VaultConfig {
            token: Some(SecretString::from(TOKEN)),
            ..Default::default()
        };
        let mut store = VaultStore::unauthenticated(&config).await.unwrap();
        store.login(&config).await.unwrap();
        assert_eq!(store.token().expose_secret(), TOKEN);
    }
}
