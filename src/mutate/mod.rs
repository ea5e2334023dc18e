//! The kvault mutation of Pods, the Bank-Vaults way, for `kvault inject`
//! (manifests) and `kvault webhook` (admission): an init container copies
//! the static `kvault` into a shared in-memory volume, and every container
//! whose environment holds references starts as
//! `/kvault/kvault exec -- <its own command line>`.
//!
//! [`pod`] rewrites one Pod spec; [`manifests`] finds the Pod templates in
//! a stream of objects and writes back only the documents it changed.
//! Pure: no I/O, so the same code runs offline and in the webhook.

pub mod manifests;
pub mod pod;

pub use manifests::{inject_text, Injected};
pub use pod::{mutate_pod_spec, MutateError};

/// The init container's image when `--image` does not name one: what
/// `examples/kubernetes/Dockerfile` builds (a static kvault at `/kvault`,
/// busybox for `cp`).
pub const DEFAULT_IMAGE: &str = concat!("ghcr.io/kvault-dev/kvault:", env!("CARGO_PKG_VERSION"));

/// Names kvault adds to a Pod; chosen to not collide with an app's own.
pub const INIT_CONTAINER: &str = "kvault-init";
pub const VOLUME: &str = "kvault-bin";
/// Where app containers see the volume, and the binary in it.
pub const MOUNT_PATH: &str = "/kvault";
pub const BINARY: &str = "/kvault/kvault";

/// The annotations a Pod template (or its workload) may carry.
pub mod annotation {
    /// `"true"`: inject every container, references or not; `"false"`: never.
    pub const INJECT: &str = "kvault.dev/inject";
    /// Written into the containers as `VAULT_ADDR`, `VAULT_ROLE`, `VAULT_AUTH_METHOD`.
    pub const VAULT_ADDR: &str = "kvault.dev/vault-addr";
    pub const VAULT_ROLE: &str = "kvault.dev/vault-role";
    pub const AUTH_METHOD: &str = "kvault.dev/auth-method";
    /// The image's entrypoint for containers that set no `command`
    /// (`kvault.dev/command.<container>` for one container).
    pub const COMMAND: &str = "kvault.dev/command";
}

/// The label the webhook's `objectSelector` matches: Pods opt in.
pub const OPT_IN_LABEL: &str = "kvault.dev/inject";

/// What the mutation writes that is not in the Pod: the init image and the
/// Vault settings for containers that do not set their own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub image: String,
    pub vault_addr: Option<String>,
    pub vault_role: Option<String>,
    pub auth_method: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            image: DEFAULT_IMAGE.to_string(),
            vault_addr: None,
            vault_role: None,
            auth_method: None,
        }
    }
}

#[cfg(test)]
mod tests;
