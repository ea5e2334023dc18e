//! Vault API calls that `vaultrs` has no function for, declared the way
//! vaultrs declares its own (rustify endpoints), so they share its client,
//! token and namespace handling.

use rustify_derive::Endpoint;
use serde::Deserialize;
use std::collections::HashMap;

/// `GET sys/internal/ui/mounts/:path`: which mount serves a path, and its
/// KV version. Allowed for any token that may use the path, which is why the
/// `vault` CLI uses it too.
#[derive(Debug, Endpoint)]
#[endpoint(path = "sys/internal/ui/mounts/{self.path}", response = "MountInfo")]
pub struct ReadMountInfo {
    #[endpoint(skip)]
    pub path: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct MountInfo {
    pub path: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub options: Option<HashMap<String, String>>,
}

/// `GET sys/health`, asked to answer 200 in every state (sealed, standby,
/// uninitialized). vaultrs' own request cannot be used: its answer type
/// needs fields OpenBao does not send (`performance_standby`).
#[derive(Debug, Endpoint)]
#[endpoint(path = "sys/health", response = "HealthAnswer")]
pub struct ReadHealth {
    #[endpoint(query)]
    pub standbyok: bool,
    #[endpoint(query)]
    pub perfstandbyok: bool,
    #[endpoint(query)]
    pub sealedcode: u16,
    #[endpoint(query)]
    pub uninitcode: u16,
}

impl Default for ReadHealth {
    fn default() -> Self {
        ReadHealth {
            standbyok: true,
            perfstandbyok: true,
            sealedcode: 200,
            uninitcode: 200,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct HealthAnswer {
    pub initialized: bool,
    pub sealed: bool,
    #[serde(default)]
    pub standby: bool,
    #[serde(default)]
    pub version: String,
}

/// `GET sys/internal/ui/mounts`: the mounts this token may use.
#[derive(Debug, Endpoint)]
#[endpoint(path = "sys/internal/ui/mounts", response = "VisibleMounts")]
pub struct ListVisibleMounts {}

#[derive(Clone, Debug, Deserialize)]
pub struct VisibleMounts {
    #[serde(default)]
    pub secret: HashMap<String, MountEntry>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct MountEntry {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub options: Option<HashMap<String, String>>,
}

/// `GET :path` on any secrets engine (dynamic credentials, cubbyhole...).
#[derive(Debug, Endpoint)]
#[endpoint(path = "{self.path}", response = "HashMap<String, serde_json::Value>")]
pub struct LogicalRead {
    #[endpoint(skip)]
    pub path: String,
}

/// `POST :path` with a JSON body: Bank-Vaults' `>>vault:` write references
/// (e.g. `pki/issue/role`, `database/creds/role`).
#[derive(Endpoint)]
#[endpoint(
    path = "{self.path}",
    method = "POST",
    response = "HashMap<String, serde_json::Value>"
)]
pub struct LogicalWrite {
    #[endpoint(skip)]
    pub path: String,
    #[endpoint(raw)]
    pub body: Vec<u8>,
}

impl std::fmt::Debug for LogicalWrite {
    /// The body may hold parameters the user considers secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogicalWrite")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// `POST :transit/decrypt/:key` with a batch of ciphertexts.
#[derive(Debug, Endpoint)]
#[endpoint(
    path = "{self.mount}/decrypt/{self.key}",
    method = "POST",
    response = "BatchDecryptResponse"
)]
pub struct TransitBatchDecrypt {
    #[endpoint(skip)]
    pub mount: String,
    #[endpoint(skip)]
    pub key: String,
    pub batch_input: Vec<CiphertextItem>,
}

#[derive(Debug, serde::Serialize)]
pub struct CiphertextItem {
    pub ciphertext: String,
}

#[derive(Debug, Deserialize)]
pub struct BatchDecryptResponse {
    pub batch_results: Vec<BatchDecryptItem>,
}

#[derive(Deserialize)]
pub struct BatchDecryptItem {
    #[serde(default)]
    pub plaintext: Option<zeroize::Zeroizing<String>>,
    #[serde(default)]
    pub error: Option<String>,
}

impl std::fmt::Debug for BatchDecryptItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchDecryptItem")
            .field("plaintext", &self.plaintext.as_ref().map(|_| "[redacted]"))
            .field("error", &self.error)
            .finish()
    }
}

/// `PUT sys/leases/renew`: extend a dynamic secret's lease.
#[derive(Debug, Endpoint)]
#[endpoint(
    path = "sys/leases/renew",
    method = "PUT",
    response = "serde_json::Value"
)]
pub struct RenewLease {
    pub lease_id: String,
    pub increment: u64,
}

/// `LIST :path`: the keys under a path (policies, roles, KV metadata).
#[derive(Debug, Endpoint)]
#[endpoint(path = "{self.path}", method = "LIST", response = "KeyList")]
pub struct LogicalList {
    #[endpoint(skip)]
    pub path: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct KeyList {
    #[serde(default)]
    pub keys: Vec<String>,
}

/// `POST auth/token/lookup-accessor`: an existing token's properties by
/// its accessor (never the token itself). A read, though sent as a POST.
#[derive(Endpoint)]
#[endpoint(
    path = "auth/token/lookup-accessor",
    method = "POST",
    response = "HashMap<String, serde_json::Value>"
)]
pub struct LookupAccessor {
    pub accessor: String,
}

impl std::fmt::Debug for LookupAccessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // An accessor can revoke its token: not for logs.
        f.debug_struct("LookupAccessor").finish_non_exhaustive()
    }
}
