//! Vault / OpenBao backend over `vaultrs`: KV v1 and v2 (the version is asked
//! of the server per mount, never guessed from the path), check-and-set,
//! metadata, and the auth methods token, kubernetes, approle and jwt.

pub mod config;
mod endpoints;
pub mod transport;

pub use config::{AuthMethod, VaultConfig, CREDENTIAL_VARS};

use super::redact::{self, Redactor};
use super::retry::RetryPolicy;
use super::{
    Cas, Deletion, Listing, Secret, SecretData, SecretStore, SecretValue, StoreError, VersionInfo,
};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vaultrs::client::{Client, VaultClient, VaultClientSettingsBuilder};
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
    client: VaultClient,
    addr: String,
    retry: RetryPolicy,
    mounts: Mutex<Vec<Mount>>,
    /// One mount lookup at a time per first path segment: reads that start
    /// together (exec resolving 50 references) wait for the first lookup and
    /// find its answer cached, instead of each asking the server.
    lookups: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The token obtained by logging in (kept for `VAULT_TOKEN=vault:login`).
    token: SecretString,
}

/// Where a path lands: its mount and the path inside the mount.
struct Located {
    mount: Mount,
    rel: String,
}

impl VaultStore {
    /// Build the client and log in with the configured method.
    pub async fn connect(config: &VaultConfig) -> Result<Self, StoreError> {
        let mut store = Self::unauthenticated(config).await?;
        store.login(config).await?;
        Ok(store)
    }

    /// The client, not logged in yet (`kvault doctor` asks the server's
    /// health before it tries the credentials); [`Self::login`] next.
    pub async fn unauthenticated(config: &VaultConfig) -> Result<Self, StoreError> {
        if let Some(problem) = config.problems.first() {
            return Err(StoreError::Config(problem.clone()));
        }
        let addr = config.addr();
        // Userinfo in VAULT_ADDR is a credential: never part of a message.
        let shown = redact::display_url(&addr);
        let url = reqwest::Url::parse(&addr).map_err(|e| {
            StoreError::Config(format!("VAULT_ADDR `{shown}` is not a valid URL: {e}"))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(StoreError::Config(format!(
                "VAULT_ADDR `{shown}` is not an http:// or https:// URL"
            )));
        }
        if config.skip_verify {
            tracing::warn!("TLS verification of {shown} is off (VAULT_SKIP_VERIFY)");
        }
        // VAULT_TLS_SERVER_NAME: requests go to the name (so TLS checks it),
        // which resolves to where the address's host does.
        let (addr, server_name) = match &config.tls_server_name {
            Some(name) if url.scheme() == "https" => {
                let host = url.host_str().unwrap_or_default().to_string();
                let port = url.port_or_known_default().unwrap_or(443);
                let addrs: Vec<std::net::SocketAddr> =
                    std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
                        .map_err(|e| {
                            StoreError::Config(format!("cannot resolve `{host}` of {shown}: {e}"))
                        })?
                        .collect();
                let mut named = url.clone();
                named.set_host(Some(name)).map_err(|e| {
                    StoreError::Config(format!(
                        "VAULT_TLS_SERVER_NAME `{name}` is not a host name: {e}"
                    ))
                })?;
                let named = named.to_string().trim_end_matches('/').to_string();
                (named, Some((name.as_str(), addrs)))
            }
            _ => (addr, None),
        };
        let http = transport::client(&transport::HttpSettings {
            addr: &addr,
            timeout: config.timeout.unwrap_or(transport::DEFAULT_TIMEOUT),
            connect_timeout: transport::DEFAULT_CONNECT_TIMEOUT,
            skip_verify: config.skip_verify,
            ca_cert: config.ca_cert.as_deref(),
            ca_path: config.ca_path.as_deref(),
            client_cert: config
                .client_cert
                .as_ref()
                .map(|(c, k)| (c.as_path(), k.as_path())),
            server_name,
        })?;
        let mut settings = VaultClientSettingsBuilder::default();
        settings
            .address(&addr)
            .token(
                config
                    .token
                    .as_ref()
                    .map(|t| t.expose_secret().to_string())
                    .unwrap_or_default(),
            )
            .verify(!config.skip_verify)
            .ca_certs(Vec::new());
        if let Some(ns) = &config.namespace {
            settings.set_namespace(ns.clone());
        }
        let settings = settings
            .build()
            .map_err(|_| StoreError::Config(format!("VAULT_ADDR `{shown}` is not usable")))?;
        let mut client = VaultClient::new(settings)
            .map_err(|e| StoreError::Config(format!("cannot set up a client for {shown}: {e}")))?;
        // vaultrs builds a client of its own; every call goes through ours.
        client.http = rustify::clients::reqwest::Client::new(&addr, http);
        Ok(VaultStore {
            client,
            addr: shown,
            retry: config.retry.unwrap_or_default(),
            mounts: Mutex::new(Vec::new()),
            lookups: Mutex::new(HashMap::new()),
            token: config
                .token
                .clone()
                .unwrap_or_else(|| SecretString::from("")),
        })
    }

    /// The address, as messages show it (no userinfo, no query).
    pub fn address(&self) -> &str {
        &self.addr
    }

    /// The token in use (for handing on to a child that asked for it).
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// Log in with the configured method (a token needs no login).
    pub async fn login(&mut self, config: &VaultConfig) -> Result<(), StoreError> {
        let Some(method) = config.effective_auth() else {
            return Err(StoreError::Config(format!(
                "no Vault credentials for {}\nhelp: set VAULT_TOKEN (or BAO_TOKEN, ~/.vault-token), or VAULT_ROLE for Kubernetes auth, or VAULT_ROLE_ID/VAULT_SECRET_ID for AppRole",
                self.addr
            )));
        };
        let mount = config
            .auth_mount
            .clone()
            .unwrap_or_else(|| method.default_mount().to_string());
        let what = format!(
            "log in to {} with {method:?} auth at `auth/{mount}`",
            self.addr
        );
        let login_path = format!("auth/{mount}/login");
        let need = |v: Option<&SecretString>, name: &str| {
            v.cloned()
                .ok_or_else(|| StoreError::Config(format!("cannot {what}: {name} is not set")))
        };
        let auth = match method {
            AuthMethod::Token => {
                need(config.token.as_ref(), "VAULT_TOKEN")?;
                return Ok(());
            }
            AuthMethod::Kubernetes => {
                let role = config.role.clone().ok_or_else(|| {
                    StoreError::Config(format!("cannot {what}: VAULT_ROLE is not set"))
                })?;
                let jwt = read_jwt(config, config::SA_TOKEN_FILE)?;
                let client = &self.client;
                let hide = Redactor::new().secret(jwt.expose_secret().as_bytes());
                self.call_as(&login_path, Idempotent::No, &hide, || async {
                    vaultrs::auth::kubernetes::login(client, &mount, &role, jwt.expose_secret())
                        .await
                })
                .await?
            }
            AuthMethod::AppRole => {
                let role_id = need(config.role_id.as_ref(), "VAULT_ROLE_ID")?;
                let secret_id = need(config.secret_id.as_ref(), "VAULT_SECRET_ID")?;
                let client = &self.client;
                let hide = Redactor::new()
                    .secret(role_id.expose_secret().as_bytes())
                    .secret(secret_id.expose_secret().as_bytes());
                self.call_as(&login_path, Idempotent::No, &hide, || async {
                    vaultrs::auth::approle::login(
                        client,
                        &mount,
                        role_id.expose_secret(),
                        secret_id.expose_secret(),
                    )
                    .await
                })
                .await?
            }
            AuthMethod::Jwt => {
                let jwt = match &config.jwt {
                    Some(j) => j.clone(),
                    None => read_jwt(config, config::SA_TOKEN_FILE)?,
                };
                let client = &self.client;
                let role = config.role.clone();
                let hide = Redactor::new().secret(jwt.expose_secret().as_bytes());
                self.call_as(&login_path, Idempotent::No, &hide, || async {
                    vaultrs::auth::oidc::login(client, &mount, jwt.expose_secret(), role.clone())
                        .await
                })
                .await?
            }
        };
        tracing::debug!(method = ?method, mount = %mount, "logged in to vault");
        self.client.set_token(&auth.client_token);
        self.token = SecretString::from(auth.client_token);
        Ok(())
    }

    /// Find the mount serving `path` (cached per mount).
    async fn locate(&self, path: &str) -> Result<Located, StoreError> {
        let path = path.trim_matches('/');
        let cached = || {
            let mounts = self.mounts.lock().expect("mount cache");
            mounts
                .iter()
                .find(|m| path == m.path || path.starts_with(&format!("{}/", m.path)))
                .cloned()
        };
        let mut found = cached();
        let _turn = if found.is_none() {
            let first = path.split('/').next().unwrap_or_default().to_string();
            let gate = self
                .lookups
                .lock()
                .expect("mount lookups")
                .entry(first)
                .or_default()
                .clone();
            let turn = gate.lock_owned().await;
            found = cached();
            Some(turn)
        } else {
            None
        };
        let mount = match found {
            Some(m) => m,
            None => {
                let info = self
                    .call(path, || async {
                        vaultrs::api::exec_with_result(
                            &self.client,
                            endpoints::ReadMountInfo {
                                path: path.to_string(),
                            },
                        )
                        .await
                    })
                    .await?;
                let kind = match (
                    info.kind.as_str(),
                    info.options.as_ref().and_then(|o| o.get("version")),
                ) {
                    ("kv", Some(v)) if v == "2" => MountKind::Kv2,
                    ("kv" | "generic", _) => MountKind::Kv1,
                    (other, _) => MountKind::Other(other.to_string()),
                };
                let mount = Mount {
                    path: info.path.trim_matches('/').to_string(),
                    kind,
                };
                tracing::debug!(mount = %mount.path, kind = ?mount.kind, "detected mount");
                self.mounts.lock().expect("mount cache").push(mount.clone());
                mount
            }
        };
        let mut rel = path
            .strip_prefix(&mount.path)
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string();
        // Bank-Vaults form: `secret/data/app` names `app` on a KV v2 mount.
        if mount.kind == MountKind::Kv2 {
            if let Some(stripped) = rel.strip_prefix("data/") {
                rel = stripped.to_string();
            } else if rel == "data" {
                rel.clear();
            }
        }
        Ok(Located { mount, rel })
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
        let store = self.describe();
        let mut hide = hide.clone();
        hide.add(self.token.expose_secret().as_bytes());
        let hide = &hide;
        self.retry
            .run_when(
                path,
                || async {
                    op().await.map_err(|e| Attempt {
                        sent: !never_sent(&e),
                        error: map_error(e, &store, path, hide),
                    })
                },
                |a: &Attempt| a.error.is_retryable() && (idempotent == Idempotent::Yes || !a.sent),
            )
            .await
            .map_err(|a| a.error)
    }

    fn not_found(&self, path: &str) -> StoreError {
        StoreError::NotFound {
            store: self.describe(),
            path: path.into(),
        }
    }

    /// `>>vault:PATH`: write `params` to a path of a dynamic engine and return
    /// the response data and its lease (one request per distinct reference,
    /// so a username and password from one credential match).
    pub async fn write_dynamic(
        &self,
        path: &str,
        params: &BTreeMap<String, String>,
    ) -> Result<(SecretData, Option<Lease>), StoreError> {
        use rustify::endpoint::Endpoint as _;
        let body = serde_json::to_vec(params).map_err(|e| StoreError::BadInput(e.to_string()))?;
        let mut hide = Redactor::new();
        for v in params.values() {
            hide.add(v.as_bytes());
        }
        // A POST to a dynamic engine issues a credential or a certificate
        // each time: never sent twice.
        let result = self
            .call_as(path, Idempotent::No, &hide, || async {
                let endpoint = endpoints::LogicalWrite {
                    path: path.to_string(),
                    body: body.clone(),
                };
                let response = endpoint
                    .with_middleware(self.client.middle())
                    .exec(self.client.http())
                    .await?;
                let wrapped: vaultrs::api::EndpointResult<HashMap<String, Value>> =
                    response.wrap()?;
                Ok(wrapped)
            })
            .await?;
        let lease = (!result.lease_id.is_empty()).then(|| Lease {
            id: result.lease_id.clone(),
            duration: Duration::from_secs(u64::from(result.lease_duration)),
            renewable: result.renewable,
        });
        let data = result
            .data
            .ok_or_else(|| StoreError::BadInput(format!("`{path}` returned no data")))?;
        Ok((json_to_data(data), lease))
    }

    /// Revoke kvault's own token (`auth/token/revoke-self`): vault-env's
    /// `VAULT_REVOKE_TOKEN`, once the secrets are read. Not retried once
    /// sent (a second revoke of a revoked token is an error, not a no-op).
    pub async fn revoke_self(&self) -> Result<(), StoreError> {
        self.call_as(
            "auth/token/revoke-self",
            Idempotent::No,
            &Redactor::new(),
            || async { vaultrs::token::revoke_self(&self.client).await },
        )
        .await
    }

    /// How long kvault's own token lives (`auth/token/lookup-self`).
    pub async fn token_life(&self) -> Result<TokenLife, StoreError> {
        let found = self
            .call("auth/token/lookup-self", || async {
                vaultrs::token::lookup_self(&self.client).await
            })
            .await?;
        Ok(TokenLife {
            ttl: (found.ttl > 0).then(|| Duration::from_secs(found.ttl)),
            renewable: found.renewable.unwrap_or(false),
        })
    }

    /// Who kvault's token is (`auth/token/lookup-self`): never the token.
    pub async fn identity(&self) -> Result<TokenIdentity, StoreError> {
        let found = self
            .call("auth/token/lookup-self", || async {
                vaultrs::token::lookup_self(&self.client).await
            })
            .await?;
        let mut policies = found.policies.clone();
        for p in found.identity_policies.iter().flatten() {
            if !policies.contains(p) {
                policies.push(p.clone());
            }
        }
        Ok(TokenIdentity {
            display_name: found.display_name.clone(),
            entity_id: Some(found.entity_id.clone()).filter(|e| !e.is_empty()),
            policies,
            life: TokenLife {
                ttl: (found.ttl > 0).then(|| Duration::from_secs(found.ttl)),
                renewable: found.renewable.unwrap_or(false),
            },
            expire_time: found.expire_time.clone().filter(|e| !e.is_empty()),
            auth_path: found.path.clone(),
        })
    }

    /// The server's health (`sys/health`, no token needed): version,
    /// initialized, sealed. Asked to answer 200 in every state, so that a
    /// sealed or standby server is told apart from a failing one.
    pub async fn health(&self) -> Result<Health, StoreError> {
        let h = self
            .call("sys/health", || async {
                vaultrs::api::exec_with_no_result(&self.client, endpoints::ReadHealth::default())
                    .await
            })
            .await?;
        Ok(Health {
            version: h.version,
            initialized: h.initialized,
            sealed: h.sealed,
            standby: h.standby,
        })
    }

    /// The secrets engines the token can see (`sys/internal/ui/mounts`, as
    /// the CLIs list them), each `(path, type, KV version)`.
    pub async fn visible_mounts(&self) -> Result<Vec<VisibleMount>, StoreError> {
        let all = self
            .call("sys/internal/ui/mounts", || async {
                vaultrs::api::exec_with_result(&self.client, endpoints::ListVisibleMounts {}).await
            })
            .await?;
        let mut mounts: Vec<VisibleMount> = all
            .secret
            .into_iter()
            .map(|(path, m)| VisibleMount {
                kv_version: matches!(m.kind.as_str(), "kv" | "generic").then(|| {
                    match m.options.as_ref().and_then(|o| o.get("version")) {
                        Some(v) if v == "2" => 2,
                        _ => 1,
                    }
                }),
                path,
                kind: m.kind,
            })
            .collect();
        mounts.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(mounts)
    }

    /// Renew kvault's own token by `increment` (`auth/token/renew-self`);
    /// the server may grant less (the token's max TTL).
    pub async fn renew_token(&self, increment: Duration) -> Result<TokenLife, StoreError> {
        let increment = format!("{}s", increment.as_secs());
        let auth = self
            .call("auth/token/renew-self", || async {
                vaultrs::token::renew_self(&self.client, Some(&increment)).await
            })
            .await?;
        Ok(TokenLife {
            ttl: (auth.lease_duration > 0).then(|| Duration::from_secs(auth.lease_duration)),
            renewable: auth.renewable,
        })
    }

    /// Renew a lease; returns its new duration.
    pub async fn renew_lease(&self, lease: &Lease) -> Result<Duration, StoreError> {
        use rustify::endpoint::Endpoint as _;
        let result = self
            .call("sys/leases/renew", || async {
                let endpoint = endpoints::RenewLease {
                    lease_id: lease.id.clone(),
                    increment: lease.duration.as_secs(),
                };
                let response = endpoint
                    .with_middleware(self.client.middle())
                    .exec(self.client.http())
                    .await?;
                let wrapped: vaultrs::api::EndpointResult<Value> = response.wrap()?;
                Ok(wrapped)
            })
            .await?;
        Ok(Duration::from_secs(u64::from(result.lease_duration)))
    }

    /// Decrypt `vault:v1:...` transit ciphertexts in one batch request.
    pub async fn transit_decrypt(
        &self,
        mount: &str,
        key: &str,
        ciphertexts: &[String],
    ) -> Result<Vec<SecretValue>, StoreError> {
        let where_ = format!("{mount}/decrypt/{key}");
        let mut hide = Redactor::new().secret(self.token.expose_secret().as_bytes());
        for c in ciphertexts {
            hide.add(c.as_bytes());
        }
        let response = self
            .call(&where_, || async {
                vaultrs::api::exec_with_result(
                    &self.client,
                    endpoints::TransitBatchDecrypt {
                        mount: mount.to_string(),
                        key: key.to_string(),
                        batch_input: ciphertexts
                            .iter()
                            .map(|c| endpoints::CiphertextItem {
                                ciphertext: c.clone(),
                            })
                            .collect(),
                    },
                )
                .await
            })
            .await?;
        use base64::Engine as _;
        response
            .batch_results
            .into_iter()
            .enumerate()
            .map(|(i, item)| match (item.plaintext, item.error) {
                (Some(p), None) => base64::engine::general_purpose::STANDARD
                    .decode(p.as_bytes())
                    .map(SecretValue::new)
                    .map_err(|_| StoreError::Corrupt(format!("{where_}: item {i} is not base64"))),
                (_, err) => Err(StoreError::BadInput(format!(
                    "{where_}: cannot decrypt item {i}: {}",
                    err.map_or_else(|| "no plaintext".into(), |e| hide.remote(&e))
                ))),
            })
            .collect()
    }
}

impl VaultStore {
    /// A KV v2 write makes a new version each time it lands, so it is never
    /// simply sent again: after a failure that may have come after the
    /// server applied it (a timeout, a 5xx), kvault reads the secret back.
    /// If it holds what was written, that version is the answer; otherwise
    /// the write is sent again with `cas` set to the version just read, so
    /// that a first try landing late cannot add a second version.
    async fn write_kv2(
        &self,
        path: &str,
        mount: &str,
        rel: &str,
        value: &serde_json::Map<String, Value>,
        cas: Option<u32>,
        hide: &Redactor,
    ) -> Result<u64, StoreError> {
        let send = |cas: Option<u32>| {
            self.call_as(path, Idempotent::No, hide, move || async move {
                match cas {
                    Some(c) => {
                        let opts = vaultrs::api::kv2::requests::SetSecretRequestOptions { cas: c };
                        vaultrs::kv2::set_with_options(&self.client, mount, rel, value, opts).await
                    }
                    None => vaultrs::kv2::set(&self.client, mount, rel, value).await,
                }
            })
        };
        let mut error = match send(cas).await {
            Ok(meta) => return Ok(meta.version),
            Err(e) if e.is_retryable() => e,
            Err(e) => return Err(e),
        };
        for retry in 0..self.retry.attempts.saturating_sub(1) {
            tokio::time::sleep(self.retry.pause(retry)).await;
            let current = match self.read_kv2_current(path, mount, rel).await {
                Ok(current) => current,
                Err(e) if e.is_retryable() => {
                    error = e;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let (version, data) = current.unwrap_or((0, None));
            let landed =
                data.as_ref() == Some(value) && cas.is_none_or(|c| u64::from(c) + 1 == version);
            if landed {
                tracing::debug!(path, version, "the write had landed; not sent again");
                return Ok(version);
            }
            if let Some(c) = cas {
                if u64::from(c) != version {
                    return Err(StoreError::CasConflict {
                        store: self.describe(),
                        path: path.into(),
                        detail: format!("expected version {c}, the secret is at version {version}"),
                    });
                }
            }
            let guard = u32::try_from(version)
                .map_err(|_| StoreError::BadInput(format!("version {version} is out of range")))?;
            match send(Some(guard)).await {
                Ok(meta) => return Ok(meta.version),
                // Our own first try landed in between: read again.
                Err(e) if e.is_retryable() || matches!(e, StoreError::CasConflict { .. }) => {
                    error = e
                }
                Err(e) => return Err(e),
            }
        }
        Err(error)
    }

    /// The current version of a KV v2 secret and its data (`None` when that
    /// version is deleted); `None` when nothing is stored.
    async fn read_kv2_current(
        &self,
        path: &str,
        mount: &str,
        rel: &str,
    ) -> Result<Option<(u64, Option<serde_json::Map<String, Value>>)>, StoreError> {
        let read = self
            .call(path, || async {
                let req = vaultrs::api::kv2::requests::ReadSecretRequest::builder()
                    .mount(mount)
                    .path(rel)
                    .build()
                    .expect("all fields set");
                vaultrs::api::exec_with_result(&self.client, req).await
            })
            .await;
        match read {
            Ok(resp) => Ok(Some((
                resp.metadata.version,
                match resp.data {
                    Value::Object(map) => Some(map),
                    _ => None,
                },
            ))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A password made by the server's password policy `policy`
    /// (`GET sys/policies/password/:policy/generate`), for `kvault rotate
    /// --generate policy:NAME`.
    pub async fn generate_password(&self, policy: &str) -> Result<SecretValue, StoreError> {
        if policy.is_empty() || policy.contains(['/', '?', '#']) || policy.contains("..") {
            return Err(StoreError::BadInput(format!(
                "`{policy}` is not a password policy name"
            )));
        }
        let path = format!("sys/policies/password/{policy}/generate");
        let data = self
            .call(&path, || async {
                vaultrs::api::exec_with_result(
                    &self.client,
                    endpoints::LogicalRead { path: path.clone() },
                )
                .await
            })
            .await?;
        match data.get("password") {
            Some(Value::String(p)) if !p.is_empty() => Ok(SecretValue::from_str_value(p)),
            _ => Err(StoreError::Corrupt(format!(
                "{}: `{path}` returned no password",
                self.describe()
            ))),
        }
    }

    /// The names under `prefix`; `NotFound` when KV has none there.
    async fn list_existing(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let at = self.locate(prefix).await?;
        let (mount, rel) = (at.mount.path.as_str(), at.rel.as_str());
        let result = match &at.mount.kind {
            MountKind::Kv2 => {
                self.call(prefix, || async {
                    vaultrs::kv2::list(&self.client, mount, rel).await
                })
                .await
            }
            MountKind::Kv1 => {
                self.call(prefix, || async {
                    vaultrs::kv1::list(&self.client, mount, rel)
                        .await
                        .map(|r| r.data.keys)
                })
                .await
            }
            MountKind::Other(kind) => {
                return Err(StoreError::BadInput(format!(
                    "`{mount}/` is a `{kind}` mount: kvault lists only KV mounts"
                )))
            }
        };
        let mut keys = result?;
        keys.sort();
        Ok(keys)
    }

    /// Set `metadata` keys in the KV v2 custom metadata of `path`, keeping
    /// the others (Vault's POST replaces the whole map, so read it first).
    async fn merge_custom_metadata(
        &self,
        path: &str,
        metadata: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        let at = self.locate(path).await?;
        let (mount, rel) = (at.mount.path.as_str(), at.rel.as_str());
        let current = self
            .call(path, || async {
                vaultrs::kv2::read_metadata(&self.client, mount, rel).await
            })
            .await?;
        let mut custom = current.custom_metadata.unwrap_or_default();
        custom.extend(metadata.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.call(path, || async {
            let mut opts = vaultrs::api::kv2::requests::SetSecretMetadataRequest::builder();
            opts.custom_metadata(custom.clone());
            vaultrs::kv2::set_metadata(&self.client, mount, rel, Some(&mut opts)).await
        })
        .await
    }
}

fn read_jwt(config: &VaultConfig, default: &str) -> Result<SecretString, StoreError> {
    let file = config.jwt_file.clone().unwrap_or_else(|| default.into());
    std::fs::read_to_string(&file)
        .map(|t| SecretString::from(t.trim().to_string()))
        .map_err(|e| {
            StoreError::Config(format!(
                "cannot read the service-account token `{}`: {e}\nhelp: set VAULT_JWT_FILE",
                file.display()
            ))
        })
}

/// KV values are JSON: strings are taken as they are, anything else as its
/// JSON text.
fn json_to_data(map: HashMap<String, Value>) -> SecretData {
    map.into_iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, SecretValue::new(text.into_bytes()))
        })
        .collect()
}

fn data_to_json(data: &SecretData, path: &str) -> Result<zeroize::Zeroizing<Vec<u8>>, StoreError> {
    let mut map = serde_json::Map::new();
    for (k, v) in data.iter() {
        let text = v.expose_str().ok_or_else(|| {
            StoreError::BadInput(format!(
                "the value of key `{k}` for `{path}` is not UTF-8 text, which Vault KV cannot hold\nhelp: base64-encode it first"
            ))
        })?;
        map.insert(k.to_string(), Value::String(text.to_string()));
    }
    serde_json::to_vec(&map)
        .map(zeroize::Zeroizing::new)
        .map_err(|e| StoreError::BadInput(e.to_string()))
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

/// The transport error under a vaultrs error, if the failure was there.
fn transport(e: &ClientError) -> Option<&reqwest::Error> {
    match e {
        ClientError::RestClientError {
            source: rustify::errors::ClientError::RequestError { source, .. },
        }
        | ClientError::RestClientError {
            source: rustify::errors::ClientError::ResponseError { source },
        } => source.downcast_ref::<reqwest::Error>(),
        _ => None,
    }
}

/// True only when the request certainly did not leave: the connection
/// could not be made.
fn never_sent(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::RestClientError {
            source: rustify::errors::ClientError::RequestError { .. },
        }
    ) && transport(e).is_some_and(|t| t.is_connect())
}

/// The causes of a transport error, without the URL (it may carry
/// userinfo) and bounded.
fn transport_detail(e: &reqwest::Error) -> String {
    let mut out = redact::causes(e);
    if let Some(url) = e.url() {
        out = out.replace(url.as_str(), &redact::display_url(url.as_str()));
    }
    Redactor::new().remote(&out)
}

/// What kvault makes of a Vault answer with a non-2xx `status` and `body`:
/// vaultrs's reading of the body (Vault's `{"errors": [...]}` form, or not),
/// then the mapping every call uses. Public for the `http_answer` fuzz target
/// and tests; `hide` holds what the request carried.
pub fn error_from_answer(status: u16, body: &[u8], hide: &Redactor) -> StoreError {
    let error = ClientError::RestClientError {
        source: rustify::errors::ClientError::ServerResponseError {
            code: status,
            content: String::from_utf8(body.to_vec()).ok(),
        },
    };
    map_error(error, "vault (answer)", "path", hide)
}

/// The `errors[]` strings of Vault's JSON error form, if `body` is one.
fn vault_errors(body: &str) -> Option<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<String>,
    }
    serde_json::from_str::<Errors>(body).ok().map(|e| e.errors)
}

/// What kvault makes of a 2xx answer to a KV v2 read that is not of the
/// API's shape (the parse error vaultrs reports, then the same mapping).
pub fn error_from_unparsable_read(body: &[u8], hide: &Redactor) -> Option<StoreError> {
    let parsed: Result<
        vaultrs::api::EndpointResult<vaultrs::api::kv2::responses::ReadSecretResponse>,
        _,
    > = serde_json::from_slice(body);
    let e = parsed.err()?;
    let error = ClientError::RestClientError {
        source: rustify::errors::ClientError::ResponseParseError {
            source: e.into(),
            content: String::from_utf8(body.to_vec()).ok(),
        },
    };
    Some(map_error(error, "vault (answer)", "path", hide))
}

/// Turn a vaultrs error into a `StoreError` that names what and where.
/// Nothing of a response body is shown but the `errors[]` strings of
/// Vault's JSON error form, through `hide`; a JSON parse error shows its
/// position, never the text it choked on.
fn map_error(e: ClientError, store: &str, path: &str, hide: &Redactor) -> StoreError {
    use rustify::errors::ClientError as Rest;
    if let Some(t) = transport(&e) {
        let redirect = std::error::Error::source(t)
            .and_then(|s| s.downcast_ref::<transport::CrossOriginRedirect>());
        if let Some(r) = redirect {
            return StoreError::Config(format!(
                "{store}: `{path}`: {r}\nhelp: set VAULT_ADDR to the server you mean to trust"
            ));
        }
        let detail = if t.is_timeout() {
            "no answer in time (the request deadline passed; KVAULT_VAULT_TIMEOUT)".to_string()
        } else if t.is_connect() {
            format!("cannot connect: {}", transport_detail(t))
        } else {
            format!("the request failed: {}", transport_detail(t))
        };
        return StoreError::Unavailable {
            store: store.into(),
            detail,
        };
    }
    let shown = |errors: &[String]| {
        errors
            .iter()
            .map(|e| hide.remote(e))
            .filter(|e| !e.is_empty())
            .take(3)
            .collect::<Vec<_>>()
            .join("; ")
    };
    let (code, errors) = match &e {
        ClientError::APIError { code, errors } => (*code, shown(errors)),
        // Calls made through rustify directly get the body as it came:
        // Vault's error form shows its errors[], anything else (a proxy's
        // page, an echo) the status only.
        ClientError::RestClientError {
            source: Rest::ServerResponseError { code, content },
        } => (
            *code,
            content
                .as_deref()
                .and_then(vault_errors)
                .map_or_else(String::new, |e| shown(&e)),
        ),
        ClientError::RestClientError {
            source: Rest::ResponseParseError { source, .. },
        } => {
            let why = source.downcast_ref::<serde_json::Error>().map_or_else(
                || "is not what the API returns".to_string(),
                redact::json_error,
            );
            return StoreError::Corrupt(format!("{store}: the answer for `{path}` {why}"));
        }
        ClientError::JsonParseError { source } => {
            return StoreError::Corrupt(format!(
                "{store}: the answer for `{path}` {}",
                redact::json_error(source)
            ));
        }
        ClientError::RestClientError {
            source: Rest::ResponseConversionError { .. },
        } => {
            return StoreError::Corrupt(format!(
                "{store}: the answer for `{path}` is not UTF-8 text"
            ));
        }
        ClientError::ResponseEmptyError | ClientError::ResponseDataEmptyError => {
            return StoreError::Corrupt(format!("{store}: `{path}` answered with no data"));
        }
        // Only the top-level text: a source could quote the response.
        other => {
            return StoreError::Config(format!("{store}: `{path}`: {other}"));
        }
    };
    let detail = if errors.is_empty() {
        format!("HTTP {code}")
    } else {
        format!("HTTP {code}: {errors}")
    };
    match code {
        404 => StoreError::NotFound {
            store: store.into(),
            path: path.into(),
        },
        403 | 401 => StoreError::PermissionDenied {
            store: store.into(),
            path: path.into(),
            detail,
        },
        400 if errors.contains("check-and-set") => StoreError::CasConflict {
            store: store.into(),
            path: path.into(),
            detail,
        },
        503 if errors.to_lowercase().contains("sealed") => StoreError::Unavailable {
            store: store.into(),
            detail: "the server is sealed".into(),
        },
        429 | 500..=599 => StoreError::Unavailable {
            store: store.into(),
            detail,
        },
        300..=399 => StoreError::Config(format!(
            "{store}: `{path}`: {detail}, a redirect kvault did not follow\nhelp: set VAULT_ADDR to the server's own address"
        )),
        _ => StoreError::BadInput(format!("{store} refused `{path}`: {detail}")),
    }
}

#[async_trait]
impl SecretStore for VaultStore {
    fn describe(&self) -> String {
        format!("vault ({})", self.addr)
    }

    async fn read(&self, path: &str, version: Option<u64>) -> Result<Secret, StoreError> {
        let at = self.locate(path).await?;
        let (mount, rel) = (at.mount.path.as_str(), at.rel.as_str());
        match &at.mount.kind {
            MountKind::Kv2 => {
                let resp = self
                    .call(path, || async {
                        let req = vaultrs::api::kv2::requests::ReadSecretRequest::builder()
                            .mount(mount)
                            .path(rel)
                            .version(version)
                            .build()
                            .expect("all fields set");
                        vaultrs::api::exec_with_result(&self.client, req).await
                    })
                    .await?;
                let data = match resp.data {
                    Value::Object(map) => json_to_data(map.into_iter().collect()),
                    // A deleted or destroyed version reads as null data.
                    _ => return Err(self.not_found(path)),
                };
                Ok(Secret {
                    data,
                    version: Some(resp.metadata.version),
                    metadata: resp
                        .metadata
                        .custom_metadata
                        .unwrap_or_default()
                        .into_iter()
                        .collect(),
                })
            }
            kind => {
                if version.is_some() && *kind == MountKind::Kv1 {
                    return Err(StoreError::BadInput(format!(
                        "`{path}` is on the KV v1 mount `{mount}/`, which keeps no versions"
                    )));
                }
                let full = format!("{mount}/{rel}");
                let data = self
                    .call(path, || async {
                        vaultrs::api::exec_with_result(
                            &self.client,
                            endpoints::LogicalRead { path: full.clone() },
                        )
                        .await
                    })
                    .await?;
                Ok(Secret::new(json_to_data(data)))
            }
        }
    }

    async fn write(&self, path: &str, data: &SecretData, cas: Cas) -> Result<u64, StoreError> {
        let at = self.locate(path).await?;
        let (mount, rel) = (at.mount.path.as_str(), at.rel.as_str());
        let body = data_to_json(data, path)?;
        let mut hide = Redactor::new();
        for (_, v) in data.iter() {
            hide.add(v.expose());
        }
        match &at.mount.kind {
            MountKind::Kv2 => {
                let value: serde_json::Map<String, Value> =
                    serde_json::from_slice(&body).expect("just serialized");
                let cas = match cas {
                    Cas::Any => None,
                    Cas::MustNotExist => Some(0),
                    Cas::Version(v) => Some(u32::try_from(v).map_err(|_| {
                        StoreError::BadInput(format!("version {v} is out of range"))
                    })?),
                };
                self.write_kv2(path, mount, rel, &value, cas, &hide).await
            }
            MountKind::Kv1 => {
                if cas != Cas::Any {
                    return Err(StoreError::BadInput(format!(
                        "check-and-set needs a KV v2 mount; `{mount}/` is KV v1"
                    )));
                }
                let value: serde_json::Map<String, Value> =
                    serde_json::from_slice(&body).expect("just serialized");
                let value: HashMap<&str, &Value> =
                    value.iter().map(|(k, v)| (k.as_str(), v)).collect();
                // A PUT of the same content: safe to send again.
                self.call_as(path, Idempotent::Yes, &hide, || async {
                    vaultrs::kv1::set(&self.client, mount, rel, &value).await
                })
                .await?;
                Ok(0)
            }
            MountKind::Other(kind) => Err(StoreError::BadInput(format!(
                "`{mount}/` is a `{kind}` mount, not KV: kvault writes only to KV"
            ))),
        }
    }

    async fn keeps_metadata(&self, path: &str) -> Result<bool, StoreError> {
        Ok(self.locate(path).await?.mount.kind == MountKind::Kv2)
    }

    async fn keeps_versions(&self, path: &str) -> Result<bool, StoreError> {
        Ok(self.locate(path).await?.mount.kind == MountKind::Kv2)
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
        if !metadata.is_empty() && self.keeps_metadata(path).await? {
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
        if self.keeps_metadata(path).await? {
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
        let at = self.locate(path).await?;
        let (mount, rel) = (at.mount.path.as_str(), at.rel.as_str());
        if at.mount.kind != MountKind::Kv2 {
            return Err(StoreError::BadInput(format!(
                "`{mount}/` is not a KV v2 mount: it keeps no history"
            )));
        }
        let meta = self
            .call(path, || async {
                vaultrs::kv2::read_metadata(&self.client, mount, rel).await
            })
            .await?;
        let mut out: Vec<VersionInfo> = meta
            .versions
            .iter()
            .filter_map(|(v, m)| {
                let version = v.parse::<u64>().ok()?;
                Some(VersionInfo {
                    version,
                    created: Some(m.created_time.clone()),
                    deleted: !m.deletion_time.is_empty(),
                    destroyed: m.destroyed,
                    current: version == meta.current_version,
                })
            })
            .collect();
        out.sort_by_key(|v| v.version);
        Ok(out)
    }

    async fn delete(&self, path: &str) -> Result<(), StoreError> {
        let at = self.locate(path).await?;
        let (mount, rel) = (at.mount.path.as_str(), at.rel.as_str());
        match &at.mount.kind {
            MountKind::Kv2 => {
                self.call(path, || async {
                    vaultrs::kv2::delete_latest(&self.client, mount, rel).await
                })
                .await
            }
            MountKind::Kv1 => {
                self.call(path, || async {
                    vaultrs::kv1::delete(&self.client, mount, rel).await
                })
                .await
            }
            MountKind::Other(kind) => Err(StoreError::BadInput(format!(
                "`{mount}/` is a `{kind}` mount, not KV"
            ))),
        }
    }

    /// KV v2 only: soft delete (`delete`), destroy (`destroy`) or the
    /// metadata and every version (`DELETE metadata/`).
    async fn delete_versions(&self, path: &str, which: &Deletion) -> Result<(), StoreError> {
        let at = self.locate(path).await?;
        let (mount, rel) = (at.mount.path.as_str(), at.rel.as_str());
        if at.mount.kind != MountKind::Kv2 {
            return Err(StoreError::BadInput(format!(
                "`{mount}/` is not a KV v2 mount: it keeps no versions to delete one by one\nhelp: kvault delete without --versions, --destroy or --all-versions"
            )));
        }
        let client = &self.client;
        match which {
            Deletion::Versions(v) => {
                self.call(path, || async {
                    vaultrs::kv2::delete_versions(client, mount, rel, v.clone()).await
                })
                .await
            }
            Deletion::Destroy(v) => {
                self.call(path, || async {
                    vaultrs::kv2::destroy_versions(client, mount, rel, v.clone()).await
                })
                .await
            }
            Deletion::All => {
                self.call(path, || async {
                    vaultrs::kv2::delete_metadata(client, mount, rel).await
                })
                .await
            }
        }
    }
}
