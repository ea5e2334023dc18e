//! Vault / OpenBao connection settings and credentials, from flags and the
//! environment (the names the `vault` and `bao` CLIs and Bank-Vaults'
//! `vault-env` use). Credentials are read from env or files, never argv, and
//! kept in `SecretString`.

use crate::store::retry::RetryPolicy;
use secrecy::SecretString;
use std::path::PathBuf;
use std::time::Duration;

/// Environment variables that carry Vault credentials. `kvault exec` removes
/// them from the child's environment unless told otherwise.
pub const CREDENTIAL_VARS: &[&str] = &[
    "VAULT_TOKEN",
    "BAO_TOKEN",
    "VAULT_ROLE_ID",
    "VAULT_SECRET_ID",
    "VAULT_SECRET_ID_FILE",
    "VAULT_JWT",
    "KVAULT_LOCAL_KEY",
];

/// The default service-account token file inside a pod.
pub const SA_TOKEN_FILE: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/// How kvault logs in to Vault.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum AuthMethod {
    /// A token from `VAULT_TOKEN`/`BAO_TOKEN` or `~/.vault-token`.
    #[default]
    Token,
    /// Kubernetes auth: the pod's service-account JWT and a role.
    Kubernetes,
    /// AppRole: role id and secret id.
    AppRole,
    /// JWT/OIDC auth with a JWT from a file or `VAULT_JWT`.
    Jwt,
}

impl AuthMethod {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "token" => Some(AuthMethod::Token),
            "kubernetes" | "k8s" => Some(AuthMethod::Kubernetes),
            "approle" => Some(AuthMethod::AppRole),
            "jwt" | "oidc" => Some(AuthMethod::Jwt),
            _ => None,
        }
    }

    /// The auth mount used when none is given.
    pub fn default_mount(&self) -> &'static str {
        match self {
            AuthMethod::Token => "token",
            AuthMethod::Kubernetes => "kubernetes",
            AuthMethod::AppRole => "approle",
            AuthMethod::Jwt => "jwt",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct VaultConfig {
    pub addr: Option<String>,
    pub token: Option<SecretString>,
    pub namespace: Option<String>,
    pub ca_cert: Option<PathBuf>,
    pub skip_verify: bool,
    /// `None`: token if one is found, else kubernetes if a role is set.
    pub auth_method: Option<AuthMethod>,
    /// Auth mount path (`VAULT_PATH` in vault-env).
    pub auth_mount: Option<String>,
    pub role: Option<String>,
    pub role_id: Option<SecretString>,
    pub secret_id: Option<SecretString>,
    pub jwt: Option<SecretString>,
    pub jwt_file: Option<PathBuf>,
    pub timeout: Option<Duration>,
    pub retry: Option<RetryPolicy>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn secret_var(name: &str) -> Option<SecretString> {
    var(name).map(SecretString::from)
}

fn secret_file(path: PathBuf) -> Option<SecretString> {
    std::fs::read_to_string(path)
        .ok()
        .map(|t| SecretString::from(t.trim().to_string()))
}

impl VaultConfig {
    /// Settings from the environment. `VAULT_*` wins over `BAO_*`.
    pub fn from_env() -> Self {
        // `VAULT_TOKEN=vault:login` (vault-env) means "log in, then hand the
        // token to the child": it is not a token.
        let token = ["VAULT_TOKEN", "BAO_TOKEN"]
            .iter()
            .filter_map(|n| var(n))
            .find(|t| t != "vault:login")
            .map(SecretString::from)
            .or_else(|| {
                var("VAULT_TOKEN_FILE")
                    .map(PathBuf::from)
                    .and_then(secret_file)
            })
            .or_else(|| {
                let login = var("VAULT_TOKEN").is_some_and(|t| t == "vault:login");
                (!login)
                    .then(|| dirs::home_dir().map(|h| h.join(".vault-token")))
                    .flatten()
                    .and_then(secret_file)
            });
        let skip = |n: &str| {
            var(n).is_some_and(|v| matches!(v.to_lowercase().as_str(), "1" | "t" | "true" | "yes"))
        };
        VaultConfig {
            addr: var("VAULT_ADDR").or_else(|| var("BAO_ADDR")),
            token,
            namespace: var("VAULT_NAMESPACE").or_else(|| var("BAO_NAMESPACE")),
            ca_cert: var("VAULT_CACERT")
                .or_else(|| var("BAO_CACERT"))
                .map(PathBuf::from),
            skip_verify: skip("VAULT_SKIP_VERIFY") || skip("BAO_SKIP_VERIFY"),
            auth_method: var("VAULT_AUTH_METHOD").and_then(|m| AuthMethod::parse(&m)),
            auth_mount: var("VAULT_PATH"),
            role: var("VAULT_ROLE"),
            role_id: secret_var("VAULT_ROLE_ID"),
            secret_id: secret_var("VAULT_SECRET_ID").or_else(|| {
                var("VAULT_SECRET_ID_FILE")
                    .map(PathBuf::from)
                    .and_then(secret_file)
            }),
            jwt: secret_var("VAULT_JWT"),
            jwt_file: var("VAULT_JWT_FILE").map(PathBuf::from),
            timeout: var("KVAULT_VAULT_TIMEOUT").and_then(|t| humantime::parse_duration(&t).ok()),
            retry: var("KVAULT_VAULT_RETRIES")
                .and_then(|n| n.parse::<u32>().ok())
                .map(|n| RetryPolicy {
                    attempts: n + 1,
                    ..RetryPolicy::default()
                }),
        }
    }

    /// The method to log in with: explicit, else token when there is one,
    /// else AppRole when a role id is set, else Kubernetes when a role is set.
    pub fn effective_auth(&self) -> Option<AuthMethod> {
        if let Some(m) = &self.auth_method {
            return Some(m.clone());
        }
        if self.token.is_some() {
            Some(AuthMethod::Token)
        } else if self.role_id.is_some() {
            Some(AuthMethod::AppRole)
        } else if self.role.is_some() {
            Some(AuthMethod::Kubernetes)
        } else {
            None
        }
    }

    pub fn addr(&self) -> String {
        self.addr
            .clone()
            .unwrap_or_else(|| "http://127.0.0.1:8200".to_string())
    }
}
