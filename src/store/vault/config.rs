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
    /// A directory of PEM CA certificates (`VAULT_CAPATH`).
    pub ca_path: Option<PathBuf>,
    /// TLS client certificate and key (`VAULT_CLIENT_CERT`, `VAULT_CLIENT_KEY`).
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// The name to verify the server's certificate against, when it is not
    /// the address's host (`VAULT_TLS_SERVER_NAME`).
    pub tls_server_name: Option<String>,
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
    /// Where the token came from (`VAULT_TOKEN`, a file, a token helper),
    /// for `kvault doctor`; `None` without a token.
    pub token_source: Option<String>,
    /// Settings that were present but unusable, each a one-line message;
    /// connecting fails with the first.
    pub problems: Vec<String>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The first of `names` that is set: `BAO_*` before `VAULT_*`, as the `bao`
/// CLI reads them.
fn first_var(names: &[&'static str]) -> Option<(&'static str, String)> {
    names.iter().find_map(|n| var(n).map(|v| (*n, v)))
}

/// The token the CLIs would use when none is given: from the configured
/// token helper, else `~/.vault-token`.
fn stored_token() -> Result<Option<(String, SecretString)>, String> {
    if let Some(helper) = token_helper()? {
        let source = format!("token helper `{}`", helper.display());
        return Ok(run_token_helper(&helper)?.map(|t| (source, t)));
    }
    match dirs::home_dir().map(|h| h.join(".vault-token")) {
        Some(file) if file.exists() => read_credential_file(&file, "the token file")
            .map(|t| Some((format!("`{}`", file.display()), t))),
        _ => Ok(None),
    }
}

/// The CLI configuration file naming a token helper: `BAO_CONFIG_PATH` or
/// `VAULT_CONFIG_PATH`, else `~/.bao`, else `~/.vault` (HCL, as the CLIs
/// read it). `Ok(None)`: no file, or no `token_helper` in it.
fn token_helper() -> Result<Option<PathBuf>, String> {
    let file = match first_var(&["BAO_CONFIG_PATH", "VAULT_CONFIG_PATH"]) {
        Some((_, p)) => Some(PathBuf::from(p)),
        None => dirs::home_dir().and_then(|h| {
            [".bao", ".vault"]
                .iter()
                .map(|n| h.join(n))
                .find(|p| p.is_file())
        }),
    };
    let Some(file) = file.filter(|f| f.is_file()) else {
        return Ok(None);
    };
    #[derive(serde::Deserialize)]
    struct CliConfig {
        token_helper: Option<String>,
    }
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
    let config: CliConfig = hcl::from_str(&text).map_err(|e| {
        format!(
            "`{}` is not the CLI's HCL configuration: {}",
            file.display(),
            e.to_string().lines().next().unwrap_or("")
        )
    })?;
    Ok(config.token_helper.map(PathBuf::from))
}

/// `HELPER get`, as the vault/bao CLIs call a token helper: the token on
/// stdout; an empty answer means none is stored.
fn run_token_helper(helper: &std::path::Path) -> Result<Option<SecretString>, String> {
    let out = std::process::Command::new(helper)
        .arg("get")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run the token helper `{}`: {e}", helper.display()))?;
    if !out.status.success() {
        return Err(format!(
            "the token helper `{}` failed ({})",
            helper.display(),
            out.status
        ));
    }
    let text = String::from_utf8(out.stdout)
        .map_err(|_| format!("the token helper `{}` printed no text", helper.display()))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    clean_credential(
        &text,
        &format!("the token from helper `{}`", helper.display()),
    )
    .map(Some)
}

/// The most retries a setting may ask for: each costs up to a timeout.
pub const MAX_RETRIES: u32 = 20;

/// A credential as read from env or a file: trailing newlines (`echo` and
/// editors add them) are trimmed; any other control character would make
/// an invalid HTTP header and is an error naming where it came from.
pub fn clean_credential(raw: &str, source: &str) -> Result<SecretString, String> {
    let trimmed = raw
        .trim_end_matches(['\n', '\r'])
        .trim_start_matches(['\n', '\r']);
    let trimmed = trimmed.trim_matches([' ', '\t']);
    if let Some(i) = trimmed.find(|c: char| c.is_control()) {
        return Err(format!(
            "{source} contains a control character (at byte {i}): a credential must be one line of text"
        ));
    }
    if trimmed.is_empty() {
        return Err(format!("{source} is empty"));
    }
    Ok(SecretString::from(trimmed.to_string()))
}

fn read_credential_file(path: &std::path::Path, what: &str) -> Result<SecretString, String> {
    let raw =
        std::fs::read(path).map_err(|e| format!("cannot read {what} `{}`: {e}", path.display()))?;
    let text = String::from_utf8(raw)
        .map_err(|_| format!("{what} `{}` is not UTF-8 text", path.display()))?;
    clean_credential(&text, &format!("{what} `{}`", path.display()))
}

/// A duration setting: Go-style (`30s`, `1m30s`) or plain seconds (`30`),
/// as `VAULT_CLIENT_TIMEOUT` is read by the `vault` CLI; zero is refused.
pub fn parse_timeout(name: &str, text: &str) -> Result<Duration, String> {
    let parsed = match text.parse::<u64>() {
        Ok(secs) => Ok(Duration::from_secs(secs)),
        Err(_) => humantime::parse_duration(text).map_err(|e| e.to_string()),
    };
    match parsed {
        Ok(d) if d.is_zero() => Err(format!("{name}=`{text}`: a timeout must be more than 0")),
        Ok(d) if d > Duration::from_secs(24 * 3600) => Err(format!(
            "{name}=`{text}`: a timeout over 24h is not a deadline"
        )),
        Ok(d) => Ok(d),
        Err(e) => Err(format!(
            "{name}=`{text}` is not a duration ({e}); e.g. 30s, 2m or 30"
        )),
    }
}

fn parse_retries(name: &str, text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(n) if n <= MAX_RETRIES => Ok(n),
        _ => Err(format!(
            "{name}=`{text}` is not a retry count from 0 to {MAX_RETRIES}"
        )),
    }
}

pub fn parse_bool(name: &str, text: &str) -> Result<bool, String> {
    // Go's strconv.ParseBool, which the vault and bao CLIs use.
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!(
            "{name}=`{text}` is not a boolean (true/false, 1/0)"
        )),
    }
}

/// The value of a setting read with `read`, or `None` with why it is
/// unusable recorded in `problems`.
fn noted<T>(problems: &mut Vec<String>, read: Option<Result<T, String>>) -> Option<T> {
    match read? {
        Ok(v) => Some(v),
        Err(p) => {
            problems.push(p);
            None
        }
    }
}

/// The token and where it came from (`None` for both without a token).
fn token_from_env(problems: &mut Vec<String>) -> (Option<SecretString>, Option<String>) {
    // `VAULT_TOKEN=vault:login` (vault-env) means "log in, then hand the
    // token to the child": it is not a token.
    let login = var("VAULT_TOKEN").is_some_and(|t| t == "vault:login");
    let mut token_source = None;
    let token = match first_var(&["BAO_TOKEN", "VAULT_TOKEN"]).filter(|(_, t)| t != "vault:login") {
        Some((name, raw)) => {
            token_source = Some(name.to_string());
            noted(problems, Some(clean_credential(&raw, name)))
        }
        None => match var("VAULT_TOKEN_FILE") {
            // An explicit file that is missing is an error, never a
            // silent fall-back to ~/.vault-token.
            Some(file) => {
                token_source = Some(format!("VAULT_TOKEN_FILE `{file}`"));
                noted(
                    problems,
                    Some(read_credential_file(file.as_ref(), "VAULT_TOKEN_FILE")),
                )
            }
            // vault-env's "log in, then hand the token on": with no
            // login method configured, the token the CLI stored is
            // the one to hand on.
            None if login
                && (var("VAULT_AUTH_METHOD").is_some()
                    || var("VAULT_ROLE").is_some()
                    || var("VAULT_ROLE_ID").is_some()) =>
            {
                None
            }
            None => match stored_token() {
                Ok(found) => found.map(|(source, t)| {
                    token_source = Some(source);
                    t
                }),
                Err(p) => {
                    problems.push(p);
                    None
                }
            },
        },
    };
    if token.is_none() {
        token_source = None;
    }
    (token, token_source)
}

/// A credential from the variable `name`, else from the file named by
/// `file_var`.
fn credential_from_env(
    problems: &mut Vec<String>,
    name: &str,
    file_var: &str,
) -> Option<SecretString> {
    match var(name) {
        Some(raw) => noted(problems, Some(clean_credential(&raw, name))),
        None => noted(
            problems,
            var(file_var).map(|file| read_credential_file(file.as_ref(), file_var)),
        ),
    }
}

fn namespace_from_env(problems: &mut Vec<String>) -> Option<String> {
    first_var(&["BAO_NAMESPACE", "VAULT_NAMESPACE"]).and_then(|(name, ns)| {
        match clean_credential(&ns, name) {
            Ok(_) => Some(ns.trim_end_matches(['\n', '\r']).to_string()),
            Err(p) => {
                problems.push(p);
                None
            }
        }
    })
}

fn skip_verify_from_env(problems: &mut Vec<String>) -> bool {
    for name in ["BAO_SKIP_VERIFY", "VAULT_SKIP_VERIFY"] {
        if let Some(v) = var(name) {
            return match parse_bool(name, &v) {
                Ok(b) => b,
                Err(p) => {
                    problems.push(p);
                    false
                }
            };
        }
    }
    false
}

fn auth_method_from_env(problems: &mut Vec<String>) -> Option<AuthMethod> {
    var("VAULT_AUTH_METHOD").and_then(|m| {
        let parsed = AuthMethod::parse(&m);
        if parsed.is_none() {
            problems.push(format!(
                "VAULT_AUTH_METHOD=`{m}` is not one of token, kubernetes, approle, jwt"
            ));
        }
        parsed
    })
}

/// TLS client auth: both the certificate and its key, or neither.
fn client_cert_from_env(problems: &mut Vec<String>) -> Option<(PathBuf, PathBuf)> {
    match (
        first_var(&["BAO_CLIENT_CERT", "VAULT_CLIENT_CERT"]),
        first_var(&["BAO_CLIENT_KEY", "VAULT_CLIENT_KEY"]),
    ) {
        (Some((_, c)), Some((_, k))) => Some((c.into(), k.into())),
        (None, None) => None,
        (Some((name, _)), None) | (None, Some((name, _))) => {
            problems.push(format!(
                "{name} is set without its pair: TLS client auth needs both VAULT_CLIENT_CERT and VAULT_CLIENT_KEY"
            ));
            None
        }
    }
}

impl VaultConfig {
    /// Settings from the environment. `BAO_*` wins over `VAULT_*`, as in the
    /// `bao` CLI. A setting that is present but unusable is recorded in
    /// `problems` and fails the first use of Vault (not commands that never
    /// reach it), instead of being silently ignored.
    pub fn from_env() -> Self {
        let mut problems = Vec::new();
        let (token, token_source) = token_from_env(&mut problems);
        let secret_id =
            credential_from_env(&mut problems, "VAULT_SECRET_ID", "VAULT_SECRET_ID_FILE");
        let role_id = noted(
            &mut problems,
            var("VAULT_ROLE_ID").map(|raw| clean_credential(&raw, "VAULT_ROLE_ID")),
        );
        let jwt = noted(
            &mut problems,
            var("VAULT_JWT").map(|raw| clean_credential(&raw, "VAULT_JWT")),
        );
        let namespace = namespace_from_env(&mut problems);
        let skip_verify = skip_verify_from_env(&mut problems);
        let timeout = first_var(&[
            "KVAULT_VAULT_TIMEOUT",
            "BAO_CLIENT_TIMEOUT",
            "VAULT_CLIENT_TIMEOUT",
        ])
        .and_then(|(name, t)| parse_timeout(name, &t).map_err(|p| problems.push(p)).ok());
        let retry = first_var(&[
            "KVAULT_VAULT_RETRIES",
            "BAO_MAX_RETRIES",
            "VAULT_MAX_RETRIES",
        ])
        .and_then(|(name, n)| parse_retries(name, &n).map_err(|p| problems.push(p)).ok())
        .map(|n| RetryPolicy {
            attempts: n + 1,
            ..RetryPolicy::default()
        });
        let auth_method = auth_method_from_env(&mut problems);
        let client_cert = client_cert_from_env(&mut problems);
        VaultConfig {
            addr: first_var(&["BAO_ADDR", "VAULT_ADDR"]).map(|(_, a)| a),
            token,
            namespace,
            ca_cert: first_var(&["BAO_CACERT", "VAULT_CACERT"]).map(|(_, p)| PathBuf::from(p)),
            ca_path: first_var(&["BAO_CAPATH", "VAULT_CAPATH"]).map(|(_, p)| PathBuf::from(p)),
            client_cert,
            tls_server_name: first_var(&["BAO_TLS_SERVER_NAME", "VAULT_TLS_SERVER_NAME"])
                .map(|(_, n)| n),
            skip_verify,
            auth_method,
            auth_mount: var("VAULT_PATH"),
            role: var("VAULT_ROLE"),
            role_id,
            secret_id,
            jwt,
            jwt_file: var("VAULT_JWT_FILE").map(PathBuf::from),
            timeout,
            retry,
            token_source,
            problems,
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

    /// The addresses of `VAULT_ADDR`, which may list several separated by
    /// commas (the nodes of one cluster, tried in order).
    pub fn addresses(&self) -> Vec<&str> {
        match &self.addr {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .collect(),
            None => vec!["http://127.0.0.1:8200"],
        }
    }
}
