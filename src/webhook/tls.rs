//! The webhook's certificate, reloaded when its files change.
//!
//! Polled (once a second, reading both files and comparing bytes) rather
//! than watched with inotify: a Secret volume swaps a `..data` symlink,
//! cert-manager and manual renewals replace files in different ways, and
//! a compare of two small files catches all of them at no real cost. A
//! pair that does not load (a certificate renewed before its key, a
//! half-written file) leaves the old certificate in service and is retried.

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// The certificate and key files, PEM.
#[derive(Clone, Debug)]
pub struct CertFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Serves the newest certificate that loaded.
#[derive(Debug)]
pub struct Reloading {
    files: CertFiles,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
    /// The bytes last seen (loaded or not), so that a bad pair is
    /// reported once, not every second.
    seen: Mutex<(Vec<u8>, Vec<u8>)>,
}

/// What one look at the files found.
#[derive(Debug, PartialEq, Eq)]
pub enum Reload {
    Unchanged,
    Loaded,
    Failed(String),
}

impl Reloading {
    /// Load the pair; an error names the file and what is wrong with it.
    pub fn new(files: CertFiles, provider: Arc<CryptoProvider>) -> Result<Reloading, String> {
        let bytes = read_pair(&files)?;
        let key = certified(&files, &bytes, &provider)?;
        Ok(Reloading {
            files,
            provider,
            current: RwLock::new(Arc::new(key)),
            seen: Mutex::new(bytes),
        })
    }

    /// Look at the files once; swap the certificate in if they changed and load.
    pub fn check(&self) -> Reload {
        let bytes = match read_pair(&self.files) {
            Ok(bytes) => bytes,
            Err(e) => return Reload::Failed(e),
        };
        let mut seen = self.seen.lock().expect("not poisoned");
        if *seen == bytes {
            return Reload::Unchanged;
        }
        let loaded = certified(&self.files, &bytes, &self.provider);
        *seen = bytes;
        match loaded {
            Ok(key) => {
                *self.current.write().expect("not poisoned") = Arc::new(key);
                Reload::Loaded
            }
            Err(e) => Reload::Failed(e),
        }
    }
}

impl ResolvesServerCert for Reloading {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().expect("not poisoned").clone())
    }
}

fn read_pair(files: &CertFiles) -> Result<(Vec<u8>, Vec<u8>), String> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
    };
    Ok((read(&files.cert)?, read(&files.key)?))
}

/// The certificates of a PEM file (a chain, or a CA bundle); none is an
/// error. The message follows the file's name.
pub fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let found = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("is not PEM: {e}"))?;
    if found.is_empty() {
        return Err("holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into());
    }
    Ok(found)
}

fn certified(
    files: &CertFiles,
    (cert, key): &(Vec<u8>, Vec<u8>),
    provider: &CryptoProvider,
) -> Result<CertifiedKey, String> {
    let chain = certificates(cert).map_err(|e| format!("`{}` {e}", files.cert.display()))?;
    // The key's own text never goes into a message.
    let key = PrivateKeyDer::from_pem_slice(key)
        .map_err(|_| format!("`{}`: not a PEM private key", files.key.display()))?;
    CertifiedKey::from_der(chain, key, provider).map_err(|e| {
        format!(
            "`{}` and `{}` do not make a certificate and its key: {e}",
            files.cert.display(),
            files.key.display()
        )
    })
}
