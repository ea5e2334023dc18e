//! `kvault audit --vault` / `--vault-policies DIR`: the store half of a
//! secret's path — Vault/OpenBao policies, auth roles, audit devices, KV
//! mounts and secret age, and whether the server is a single node.
//!
//! Same shape as the Kubernetes audit: a loader fills a [`VaultInventory`]
//! (offline from `.hcl` policy files and JSON role exports, live from the
//! API), the checks turn it into [`Finding`](super::Finding)s with `KV-VLT-*`
//! ids, and the shared report renders them. Nothing here prints; only the
//! live loader does I/O, through the store's hardened Vault client.
//!
//! Layout:
//! - `policy`: HCL policies parsed with `hcl-rs`, and the ACL engine that
//!   answers "which capabilities does this set of policies give on this
//!   path" as Vault does (exact paths, `*` globs, `+` segments, `deny`
//!   overriding, the most specific path winning);
//! - `policy_checks`: findings about policies (KV-VLT-001..005);
//! - `inventory` / `load` / `live`: what the audit looks at, and the two
//!   loaders;
//! - `checks`: auth roles, audit devices, KV mounts, secret age, HA
//!   (KV-VLT-006..017).

pub mod checks;
pub mod identity;
pub mod live;
pub mod load;
pub mod policy;
pub mod policy_checks;
pub mod reach;

pub use checks::Options;

use crate::audit::Finding;
use serde_json::{Map, Value};

/// Every Vault check over `inventory`, whose policies are already parsed
/// (`policies`: the loaders parse and report what does not parse).
pub fn audit(
    inventory: &VaultInventory,
    policies: &[policy::Policy],
    options: &Options,
) -> Vec<Finding> {
    let mut auth_mounts: Vec<String> = inventory
        .roles
        .iter()
        .filter_map(|r| r.mount.strip_prefix("auth/").map(str::to_string))
        .collect();
    auth_mounts.sort();
    auth_mounts.dedup();
    let mut findings = policy_checks::check(policies, &inventory.kv_mounts, &auth_mounts);
    findings.extend(checks::check(inventory, options));
    findings
}

/// One ACL policy as text, before parsing: from `sys/policies/acl/NAME` or
/// from a `.hcl` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyText {
    /// The policy name (`app-read`; a file's stem offline).
    pub name: String,
    /// Where it came from, for messages: a file path or the API path.
    pub source: String,
    pub hcl: String,
}

/// One role of one auth method, as the API returns it (`GET
/// auth/<mount>/role/<name>` `data`; for userpass a user, `GET
/// auth/<mount>/users/<name>`), or as exported to JSON offline. Values are
/// kept as the API gives them: checks read the fields they know.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthRole {
    /// The auth mount without trailing `/` (`auth/kubernetes`, `auth/k8s-prod`).
    pub mount: String,
    /// The method type: `kubernetes`, `approle`, `jwt`, `oidc`, `userpass`, ...
    pub method: String,
    pub name: String,
    pub config: Map<String, Value>,
}

impl AuthRole {
    /// Where the API keeps it: `auth/kubernetes/role/app`,
    /// `auth/userpass/users/alice`.
    pub fn api_path(&self) -> String {
        format!(
            "{}/{}/{}",
            self.mount,
            role_segment(&self.method),
            self.name
        )
    }

    /// The alias name its logins get in Vault's identity store, when the
    /// role alone decides it: a userpass user's name (lowercased, as Vault
    /// stores usernames). Other methods name the alias after the login
    /// (a service account's UID, a JWT claim, an AppRole's role ID).
    pub fn alias_name(&self) -> Option<String> {
        (self.method == "userpass").then(|| self.name.to_lowercase())
    }
}

/// The folder of an auth method's roles under its mount: `users` for
/// userpass, `role` for the methods whose roles kvault reads.
pub fn role_segment(method: &str) -> &'static str {
    match method {
        "userpass" => "users",
        _ => "role",
    }
}

/// An identity entity (`identity/entity/id/ID`): the policies it adds to
/// every token of its aliases' logins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entity {
    pub id: String,
    pub name: String,
    pub policies: Vec<String>,
    pub aliases: Vec<Alias>,
    /// A disabled entity's tokens are refused: it reads nothing.
    pub disabled: bool,
}

/// The login an entity or an external group is known by: an alias name
/// on an auth mount (`alice` on `auth/userpass`, a group name on
/// `auth/ldap`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Alias {
    /// Without trailing `/` (`auth/userpass`).
    pub mount: String,
    /// The method type (`userpass`, `kubernetes`, `ldap`, ...).
    pub method: String,
    pub name: String,
}

/// An identity group (`identity/group/id/ID`): its policies reach every
/// member entity, and the members of its member groups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub policies: Vec<String>,
    /// `internal` (members listed) or `external` (members come from an
    /// auth method's groups, through `alias`).
    pub kind: String,
    pub member_entity_ids: Vec<String>,
    pub member_group_ids: Vec<String>,
    pub alias: Option<Alias>,
}

/// A token that already exists (`auth/token/lookup-accessor`): whoever
/// holds it reads what its policies read, until it expires.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExistingToken {
    /// The first 8 characters of its accessor (the whole one can revoke
    /// the token: it is not printed).
    pub accessor: String,
    pub display_name: String,
    pub policies: Vec<String>,
    /// Its entity, whose identity policies it carries too.
    pub entity_id: Option<String>,
    /// RFC 3339; `None`: it never expires.
    pub expire_time: Option<String>,
}

/// One enabled audit device (`sys/audit`).
#[derive(Clone, Debug, PartialEq)]
pub struct AuditDevice {
    /// Without trailing `/` (`file`).
    pub path: String,
    /// `file`, `socket`, `syslog`, ...
    pub kind: String,
    /// The device's options as strings (`hmac_accessor`, `log_raw`, ...).
    pub options: Map<String, Value>,
}

/// One KV mount (`sys/mounts`), with its v2 configuration and, when read,
/// the age of its secrets.
#[derive(Clone, Debug, PartialEq)]
pub struct KvMount {
    /// Without trailing `/` (`secret`).
    pub path: String,
    /// 1 or 2.
    pub version: u8,
    /// `GET <mount>/config` (v2 only): `max_versions`, `cas_required`, ...
    pub config: Option<Map<String, Value>>,
    /// Secrets with the time their current version was written.
    pub secrets: Vec<SecretAge>,
}

/// A KV secret's path (inside its mount) and when its current version was
/// written (KV v2 metadata `updated_time`, RFC 3339).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretAge {
    pub path: String,
    pub updated_time: String,
}

/// The server's HA state (`sys/health`, `sys/ha-status`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaState {
    /// Nodes `sys/ha-status` lists (1 when HA is not enabled).
    pub nodes: usize,
    /// Whether HA is enabled at all (`ha_enabled` of `sys/leader`).
    pub ha_enabled: bool,
}

/// An endpoint the live audit could not read, and why (one line, no
/// server body): findings that need it are left out (KV-VLT-017).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    pub endpoint: String,
    pub reason: String,
}

/// Everything the Vault audit looks at. A part that was not loaded is
/// empty or `None` and its checks say nothing (offline runs have no audit
/// devices or HA state unless exported).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VaultInventory {
    pub policies: Vec<PolicyText>,
    pub roles: Vec<AuthRole>,
    /// `None` when not known (offline without an export, or unreadable).
    pub audit_devices: Option<Vec<AuditDevice>>,
    pub kv_mounts: Vec<KvMount>,
    pub ha: Option<HaState>,
    /// Identity entities and groups (empty when not read).
    pub entities: Vec<Entity>,
    pub groups: Vec<Group>,
    /// Tokens that exist (empty when not read).
    pub tokens: Vec<ExistingToken>,
    pub gaps: Vec<Gap>,
}
