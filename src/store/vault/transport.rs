//! The HTTP client under vaultrs, built by kvault instead of vaultrs so that
//! every Vault call gets the same guarantees:
//! - a connect deadline and a total deadline (headers and body);
//! - redirects followed only within the same origin, never from https down
//!   to http: the token header (and a write's body) would go along;
//! - a small pool of keep-alive connections per server;
//! - TLS settings checked, never silently ignored (a CA file that holds no
//!   certificate is an error).

use crate::store::redact;
use crate::store::StoreError;
use std::path::Path;
use std::time::Duration;

/// Total deadline of one request when none is configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Deadline for the TCP (and TLS) connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle keep-alive connections kept per server.
const POOL_PER_HOST: usize = 8;
/// Same-origin redirects followed in a row at most.
const MAX_REDIRECTS: usize = 5;

pub struct HttpSettings<'a> {
    pub addr: &'a str,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub skip_verify: bool,
    pub ca_cert: Option<&'a Path>,
    pub ca_path: Option<&'a Path>,
    pub client_cert: Option<(&'a Path, &'a Path)>,
    /// Connect to the address's host but verify and send SNI for this name:
    /// `(name, the addresses the host resolves to)`.
    pub server_name: Option<(&'a str, Vec<std::net::SocketAddr>)>,
}

/// Why a redirect was not followed; its text names only the target origin.
#[derive(Debug, thiserror::Error)]
#[error("redirected to {to}, another origin than {from}: not followed (the token would go along)")]
pub struct CrossOriginRedirect {
    pub from: String,
    pub to: String,
}

pub fn client(s: &HttpSettings<'_>) -> Result<reqwest::Client, StoreError> {
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().cloned();
        let Some(first) = first else {
            return attempt.follow();
        };
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error("too many redirects");
        }
        let to = attempt.url();
        // Same scheme, host and port only: this also refuses https -> http.
        if to.scheme() == first.scheme()
            && to.host_str() == first.host_str()
            && to.port_or_known_default() == first.port_or_known_default()
        {
            attempt.follow()
        } else {
            let error = CrossOriginRedirect {
                from: redact::origin(&first),
                to: redact::origin(to),
            };
            attempt.error(error)
        }
    });
    let mut builder = reqwest::Client::builder()
        .tls_backend_rustls()
        .redirect(policy)
        .connect_timeout(s.connect_timeout)
        .timeout(s.timeout)
        .pool_max_idle_per_host(POOL_PER_HOST)
        .pool_idle_timeout(Duration::from_secs(30))
        .tls_danger_accept_invalid_certs(s.skip_verify);
    // The roots: the configured CAs alone, as Vault's own client does
    // (VAULT_CACERT / VAULT_CAPATH replace the system pool, they do not add
    // to it). Otherwise the system's, except for a plain-http server: a
    // redirect never leaves the origin, so no TLS can happen, and loading
    // the system pool reads every file of /etc/ssl/certs (a third of
    // `kvault exec`'s start-up on a loopback server).
    let mut roots = Vec::new();
    if let Some(path) = s.ca_cert {
        roots.extend(read_ca(path, "VAULT_CACERT")?);
    }
    if let Some(dir) = s.ca_path {
        roots.extend(read_ca_dir(dir)?);
    }
    if !roots.is_empty() || is_plain_http(s.addr) {
        builder = builder.tls_certs_only(roots);
    }
    if let Some((cert, key)) = s.client_cert {
        builder = builder.identity(read_identity(cert, key)?);
    }
    if let Some((name, addrs)) = &s.server_name {
        builder = builder.resolve_to_addrs(name, addrs);
    }
    builder.build().map_err(|e| {
        StoreError::Config(format!(
            "cannot set up an HTTP client for {}: {}",
            redact::display_url(s.addr),
            e.without_url()
        ))
    })
}

/// `http://...`: a server no TLS connection can reach (redirects stay on
/// the origin).
fn is_plain_http(addr: &str) -> bool {
    addr.get(..7)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
}

/// A PEM bundle holding at least one certificate.
fn read_ca(path: &Path, setting: &str) -> Result<Vec<reqwest::Certificate>, StoreError> {
    let what = || format!("the CA file `{}` ({setting})", path.display());
    let pem = std::fs::read(path)
        .map_err(|e| StoreError::Config(format!("cannot read {}: {e}", what())))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|_| StoreError::Config(format!("{} is not a PEM certificate bundle", what())))?;
    if certs.is_empty() {
        return Err(StoreError::Config(format!(
            "{} holds no PEM certificate",
            what()
        )));
    }
    Ok(certs)
}

/// Every PEM file in a directory (`VAULT_CAPATH`); at least one certificate.
fn read_ca_dir(dir: &Path) -> Result<Vec<reqwest::Certificate>, StoreError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        StoreError::Config(format!(
            "cannot read the CA directory `{}` (VAULT_CAPATH): {e}",
            dir.display()
        ))
    })?;
    let mut certs = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_file() {
            if let Ok(mut found) = read_ca(&path, "VAULT_CAPATH") {
                certs.append(&mut found);
            }
        }
    }
    if certs.is_empty() {
        return Err(StoreError::Config(format!(
            "the CA directory `{}` (VAULT_CAPATH) holds no PEM certificate",
            dir.display()
        )));
    }
    Ok(certs)
}

/// The TLS client identity: certificate chain and private key, PEM.
fn read_identity(cert: &Path, key: &Path) -> Result<reqwest::Identity, StoreError> {
    let read = |p: &Path, what: &str| {
        std::fs::read(p)
            .map_err(|e| StoreError::Config(format!("cannot read {what} `{}`: {e}", p.display())))
    };
    let mut pem = read(cert, "the client certificate (VAULT_CLIENT_CERT)")?;
    pem.push(b'\n');
    pem.extend(zeroize::Zeroizing::new(read(key, "the client key (VAULT_CLIENT_KEY)")?).iter());
    let identity = reqwest::Identity::from_pem(&pem);
    zeroize::Zeroize::zeroize(&mut pem);
    identity.map_err(|_| {
        StoreError::Config(format!(
            "`{}` and `{}` are not a PEM certificate and private key (VAULT_CLIENT_CERT, VAULT_CLIENT_KEY)",
            cert.display(),
            key.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::is_plain_http;

    #[test]
    fn only_an_http_address_skips_the_system_certificates() {
        assert!(is_plain_http("http://127.0.0.1:8200"));
        assert!(is_plain_http("HTTP://vault.internal"));
        assert!(!is_plain_http("https://vault.internal"));
        assert!(!is_plain_http("http"));
        assert!(!is_plain_http("vault.internal:8200"));
    }
}
