//! "Who can read `vault:secret/prod/db`?" across both halves: every way
//! from a Kubernetes subject or a Vault identity to the secret, as chains
//! like `User alice -> create pods in team-a -> ServiceAccount team-a/app
//! -> kubernetes role app (auth/kubernetes) -> policy app-read -> read
//! secret/data/prod/*`.
//!
//! The Vault half asks the ACL engine, for each auth role, whether the
//! policies its tokens carry (`token_policies`, and `default` unless
//! `token_no_default_policy`) read the secret's API path, and which
//! policies grant it; each policy that reads it alone is also a row (any
//! token created with it). The Kubernetes half, for Kubernetes roles,
//! expands the bound service accounts and asks the RBAC engine who can
//! act as them: create pods or workloads in their namespace (a pod picks
//! its service account), mint their tokens, impersonate them, exec into
//! their pods — the indirect paths `--who-can-read` already knows.
//!
//! A JWT/OIDC role whose bound subject or claims name Kubernetes service
//! accounts (`system:serviceaccount:NS:NAME`, the `kubernetes.io` claims)
//! is joined the same way as a Kubernetes role.
//!
//! `what_can_read` ([`what`]) asks the other way round: everything one
//! subject reaches.
//!
//! Identity entities and groups add their policies to a login's token
//! where kvault can tell which entity the login gets ([`logins`]); an
//! entity's or an external group's policies also stand on their own, as
//! ways through its aliases.
//!
//! Tokens that already exist are ways in too (live, when the audit's
//! token may list `auth/token/accessors`).
//!
//! Left out: Vault Enterprise namespaces and Sentinel policies (OpenBao
//! has neither Sentinel nor EGPs).

mod entries;
mod logins;
mod what;

pub use what::{what_can_read, Reachable, Subject};

use super::checks::strings as list;
use super::policy::{Acl, Capabilities, Policy};
use super::{AuthRole, VaultInventory};
use crate::audit::rbac::Rbac;
use serde::Serialize;
use serde_json::Value;

/// One way to the secret.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ReaderRow {
    /// Who starts the chain: `User alice`, `ServiceAccount team-a/app`,
    /// `token with policy ops`, `AppRole credentials`.
    pub subject: String,
    /// The steps from the subject to the policy, in order.
    pub via: Vec<String>,
    /// The policies that grant the read, joined with `+` when several do.
    pub policy: String,
    /// The rule that answers for the path: `read secret/data/prod/*`.
    pub grant: String,
}

impl ReaderRow {
    /// The whole chain, as the README shows it.
    pub fn chain(&self) -> String {
        let mut steps = vec![self.subject.clone()];
        steps.extend(self.via.iter().cloned());
        steps.push(format!("policy {}", self.policy));
        steps.push(self.grant.clone());
        steps.join(" -> ")
    }
}

/// The API path kvault's `vault:` path names: `M/data/REST` on a KV v2
/// mount (known from the inventory, or offline from policies that name
/// `M/data/`), the path itself otherwise.
pub fn api_path(path: &str, inventory: &VaultInventory, policies: &[Policy]) -> String {
    let path = path.trim_start_matches('/');
    let Some((mount, rest)) = path.split_once('/') else {
        return path.to_string();
    };
    if is_v2(mount, inventory, policies) && !rest.starts_with("data/") {
        format!("{mount}/data/{rest}")
    } else {
        path.to_string()
    }
}

/// Whether `mount` is a KV v2 mount: known from the inventory, or
/// offline from policies that name `mount/data/`.
fn is_v2(mount: &str, inventory: &VaultInventory, policies: &[Policy]) -> bool {
    match inventory.kv_mounts.iter().find(|m| m.path == mount) {
        Some(m) => m.version == 2,
        None => {
            let data = format!("{mount}/data/");
            policies
                .iter()
                .flat_map(|p| &p.rules)
                .any(|r| r.path.starts_with(&data))
        }
    }
}

/// Every way to read `path` (a `vault:` path, e.g. `secret/prod/db`).
pub fn who_can_read(
    path: &str,
    inventory: &VaultInventory,
    policies: &[Policy],
    rbac: Option<&Rbac>,
) -> Vec<ReaderRow> {
    let api = api_path(path, inventory, policies);
    let mut rows = Vec::new();
    for policy in policies {
        if let Some((names, grant)) = reads(&api, &[policy]) {
            rows.push(ReaderRow {
                subject: format!("token with policy {}", policy.name),
                via: Vec::new(),
                policy: names,
                grant,
            });
        }
    }
    let logins: Vec<logins::Login> = inventory
        .roles
        .iter()
        .flat_map(|role| logins::role_logins(role, inventory, policies, rbac))
        .collect();
    for login in &logins {
        let Some((names, grant)) = reads(&api, &login.held) else {
            continue;
        };
        for (subject, mut via) in login.entries.iter().cloned() {
            via.extend(login.steps.iter().cloned());
            rows.push(ReaderRow {
                subject,
                via,
                policy: names.clone(),
                grant: grant.clone(),
            });
        }
    }
    let identity = logins::identity_rows(inventory, policies, &logins);
    for (held, (subject, via)) in identity
        .into_iter()
        .chain(logins::token_rows(inventory, policies))
    {
        if let Some((policy, grant)) = reads(&api, &held) {
            rows.push(ReaderRow {
                subject,
                via,
                policy,
                grant,
            });
        }
    }
    rows.sort();
    rows.dedup();
    rows
}

/// Whether `policies` together read `api`, and if so the granting
/// policies and the rule's path.
fn reads(api: &str, policies: &[&Policy]) -> Option<(String, String)> {
    reads_in(&Acl::new(policies.iter().copied()), api)
}

/// [`reads`] with the policies' ACL built once (one per role, asked about
/// every secret).
fn reads_in(acl: &Acl, api: &str) -> Option<(String, String)> {
    if acl.is_root() {
        return Some(("root".into(), format!("read {api} (root)")));
    }
    let grant = acl.lookup(api)?;
    if grant.capabilities.is_denied() || !grant.capabilities.contains(Capabilities::READ) {
        return None;
    }
    let policies: Vec<&str> = grant.policies.iter().map(String::as_str).collect();
    Some((policies.join("+"), format!("read {}", grant.pattern)))
}

/// A role's step in a chain: `kubernetes role app (auth/kubernetes)`.
fn role_step(role: &AuthRole) -> String {
    let what = match role.method.as_str() {
        "userpass" => "user",
        _ => "role",
    };
    format!("{} {what} {} ({})", role.method, role.name, role.mount)
}

/// The policies a role's tokens carry, as parsed policies.
fn role_policies<'a>(role: &AuthRole, policies: &'a [Policy]) -> Vec<&'a Policy> {
    let mut names = list(&role.config, "token_policies");
    names.extend(list(&role.config, "policies"));
    let no_default = role
        .config
        .get("token_no_default_policy")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !no_default {
        names.push("default".into());
    }
    named(policies, &names)
}

/// The parsed policies `names` name, once each. `root` is built in: a
/// token or role that names it holds it even where no policy text was
/// read (an export of the policies rarely lists it).
fn named<'a>(policies: &'a [Policy], names: &[String]) -> Vec<&'a Policy> {
    let mut held: Vec<&Policy> = policies
        .iter()
        .filter(|p| names.contains(&p.name))
        .collect();
    if names.iter().any(|n| n == "root") && !held.iter().any(|p| p.name == "root") {
        held.push(&ROOT);
    }
    held
}

/// Vault's built-in `root` policy (the ACL engine knows it by name).
static ROOT: std::sync::LazyLock<Policy> = std::sync::LazyLock::new(|| {
    Policy::parse(&super::PolicyText {
        name: "root".into(),
        source: "(built in)".into(),
        hcl: String::new(),
    })
    .expect("an empty policy parses")
});

#[cfg(test)]
mod tests;
