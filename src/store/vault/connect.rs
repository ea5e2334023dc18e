//! Building the client (address, TLS, namespace) and logging in with the
//! configured auth method: token, kubernetes, approle or jwt.

use super::config::{self, AuthMethod, VaultConfig};
use super::nodes::{Node, Nodes};
use super::{transport, Idempotent, VaultStore};
use crate::store::redact::{self, Redactor};
use crate::store::StoreError;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::Mutex;
use vaultrs::api::AuthInfo;
use vaultrs::client::{Client, VaultClient, VaultClientSettingsBuilder};

/// `VAULT_TLS_SERVER_NAME`: the name to verify, and the addresses the
/// address's host resolves to.
type ServerName<'a> = Option<(&'a str, Vec<std::net::SocketAddr>)>;

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
        let mut nodes = Vec::new();
        for addr in config.addresses() {
            nodes.push(node(config, addr)?);
        }
        if nodes.is_empty() {
            return Err(StoreError::Config(
                "VAULT_ADDR names no address\nhelp: set it to the server's URL, or to several separated by commas".into(),
            ));
        }
        Ok(VaultStore {
            client: Nodes::new(nodes),
            retry: config.retry.unwrap_or_default(),
            mounts: Mutex::new(Vec::new()),
            lookups: Mutex::new(HashMap::new()),
            token: config
                .token
                .clone()
                .unwrap_or_else(|| SecretString::from("")),
        })
    }

    /// Log in with the configured method (a token needs no login).
    pub async fn login(&mut self, config: &VaultConfig) -> Result<(), StoreError> {
        let Some(method) = config.effective_auth() else {
            return Err(StoreError::Config(format!(
                "no Vault credentials for {}\nhelp: set VAULT_TOKEN (or BAO_TOKEN, ~/.vault-token), or VAULT_ROLE for Kubernetes auth, or VAULT_ROLE_ID/VAULT_SECRET_ID for AppRole",
                self.address()
            )));
        };
        let mount = config
            .auth_mount
            .clone()
            .unwrap_or_else(|| method.default_mount().to_string());
        let Some(auth) = self.log_in_with(&method, config, &mount).await? else {
            return Ok(());
        };
        tracing::debug!(method = ?method, mount = %mount, "logged in to vault");
        self.client.set_token(&auth.client_token);
        self.token = SecretString::from(auth.client_token);
        Ok(())
    }

    /// The login `method` at `auth/{mount}` answers; `None` for a token,
    /// which needs no login (but must be there).
    async fn log_in_with(
        &self,
        method: &AuthMethod,
        config: &VaultConfig,
        mount: &str,
    ) -> Result<Option<AuthInfo>, StoreError> {
        let what = format!(
            "log in to {} with {method:?} auth at `auth/{mount}`",
            self.address()
        );
        let login_path = format!("auth/{mount}/login");
        let need = |v: Option<&SecretString>, name: &str| {
            v.cloned()
                .ok_or_else(|| StoreError::Config(format!("cannot {what}: {name} is not set")))
        };
        let client = &self.client;
        let auth = match method {
            AuthMethod::Token => {
                need(config.token.as_ref(), "VAULT_TOKEN")?;
                return Ok(None);
            }
            AuthMethod::Kubernetes => {
                let role = config.role.clone().ok_or_else(|| {
                    StoreError::Config(format!("cannot {what}: VAULT_ROLE is not set"))
                })?;
                let jwt = read_jwt(config, config::SA_TOKEN_FILE)?;
                let hide = Redactor::new().secret(jwt.expose_secret().as_bytes());
                self.call_as(&login_path, Idempotent::No, &hide, || async {
                    vaultrs::auth::kubernetes::login(client, mount, &role, jwt.expose_secret())
                        .await
                })
                .await?
            }
            AuthMethod::AppRole => {
                let role_id = need(config.role_id.as_ref(), "VAULT_ROLE_ID")?;
                let secret_id = need(config.secret_id.as_ref(), "VAULT_SECRET_ID")?;
                let hide = Redactor::new()
                    .secret(role_id.expose_secret().as_bytes())
                    .secret(secret_id.expose_secret().as_bytes());
                self.call_as(&login_path, Idempotent::No, &hide, || async {
                    vaultrs::auth::approle::login(
                        client,
                        mount,
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
                let role = config.role.clone();
                let hide = Redactor::new().secret(jwt.expose_secret().as_bytes());
                self.call_as(&login_path, Idempotent::No, &hide, || async {
                    vaultrs::auth::oidc::login(client, mount, jwt.expose_secret(), role.clone())
                        .await
                })
                .await?
            }
        };
        Ok(Some(auth))
    }
}

/// The client for one address of `VAULT_ADDR`'s list.
fn node(config: &VaultConfig, addr: &str) -> Result<Node, StoreError> {
    // Userinfo in VAULT_ADDR is a credential: never part of a message.
    let shown = redact::display_url(addr);
    let url = reqwest::Url::parse(addr)
        .map_err(|e| StoreError::Config(format!("VAULT_ADDR `{shown}` is not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(StoreError::Config(format!(
            "VAULT_ADDR `{shown}` is not an http:// or https:// URL"
        )));
    }
    if config.skip_verify {
        tracing::warn!("TLS verification of {shown} is off (VAULT_SKIP_VERIFY)");
    }
    let (addr, server_name) = match &config.tls_server_name {
        Some(name) if url.scheme() == "https" => with_server_name(&url, name, &shown)?,
        _ => (addr.to_string(), None),
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
    let client = vault_client(config, &addr, &shown, http)?;
    Ok(Node { client, shown })
}

/// VAULT_TLS_SERVER_NAME: requests go to the name (so TLS checks it),
/// which resolves to where the address's host does. Returns the address
/// to use and the name with its addresses.
fn with_server_name<'a>(
    url: &reqwest::Url,
    name: &'a str,
    shown: &str,
) -> Result<(String, ServerName<'a>), StoreError> {
    let host = url.host_str().unwrap_or_default().to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<std::net::SocketAddr> =
        std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
            .map_err(|e| StoreError::Config(format!("cannot resolve `{host}` of {shown}: {e}")))?
            .collect();
    let mut named = url.clone();
    named.set_host(Some(name)).map_err(|e| {
        StoreError::Config(format!(
            "VAULT_TLS_SERVER_NAME `{name}` is not a host name: {e}"
        ))
    })?;
    let named = named.to_string().trim_end_matches('/').to_string();
    Ok((named, Some((name, addrs))))
}

/// The vaultrs client for `addr` (token, namespace), sending every call
/// through kvault's own `http` client.
fn vault_client(
    config: &VaultConfig,
    addr: &str,
    shown: &str,
    http: reqwest::Client,
) -> Result<VaultClient, StoreError> {
    let mut settings = VaultClientSettingsBuilder::default();
    settings
        .address(addr)
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
    client.http = rustify::clients::reqwest::Client::new(addr, http)
        .with_max_response_bytes(super::errors::MAX_ANSWER_BYTES);
    Ok(client)
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
