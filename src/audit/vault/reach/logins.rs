//! What a login's token holds: the role's policies, and — when kvault can
//! tell which identity entity the login gets — the entity's and its
//! groups' policies too (Vault evaluates them together, so a `deny` in a
//! group's policy takes away what the role's policy gives).
//!
//! The entity is known when the role alone decides the login's alias name:
//! a userpass user (its name), and a Kubernetes role with
//! `alias_name_source=serviceaccount_name` for each account it names
//! exactly (`NS/NAME`). Other logins (service-account UIDs, JWT claims,
//! AppRole role IDs) are not joined; an entity's policies still show up
//! on their own, as ways through its aliases ([`identity_rows`]).

use super::entries::{account_entries, role_entries, Entry};
use super::{named, role_policies, role_step};
use crate::audit::rbac::Rbac;
use crate::audit::vault::identity::{added_by_entity, added_by_group, entity_of};
use crate::audit::vault::policy::Policy;
use crate::audit::vault::{AuthRole, Entity, VaultInventory};
use serde_json::Value;

/// One way into a role's tokens.
pub struct Login<'p> {
    /// Who gets in, each with the steps to the role.
    pub entries: Vec<Entry>,
    /// The steps from the role on: the role itself, then the entity and
    /// groups that add policies.
    pub steps: Vec<String>,
    /// Every policy the token holds.
    pub held: Vec<&'p Policy>,
    /// The entity the login gets, when joined, and the alias (mount,
    /// name) it was joined by.
    pub entity: Option<(String, (String, String))>,
}

/// The logins of `role`, split where they get different entities. A
/// login whose entity is disabled gets no usable token and is left out.
pub fn role_logins<'p>(
    role: &AuthRole,
    inventory: &VaultInventory,
    policies: &'p [Policy],
    rbac: Option<&Rbac>,
) -> Vec<Login<'p>> {
    let login = |entries: Vec<Entry>, alias: Option<String>| {
        let entity = alias.and_then(|a| Some((entity_of(inventory, &role.mount, &a)?, a)));
        joined(role, entries, entity, inventory, policies)
    };
    if let Some(alias) = role.alias_name() {
        return login(role_entries(role, rbac), Some(alias))
            .into_iter()
            .collect();
    }
    let by_name = role.method == "kubernetes"
        && role.config.get("alias_name_source").and_then(Value::as_str)
            == Some("serviceaccount_name");
    match account_entries(role, rbac) {
        Some(accounts) if by_name => accounts
            .into_iter()
            .filter_map(|((ns, name), entries)| {
                let exact = ns != "*" && name != "*";
                login(entries, exact.then(|| format!("{ns}/{name}")))
            })
            .collect(),
        _ => login(role_entries(role, rbac), None).into_iter().collect(),
    }
}

/// A login of `role` that gets `entity` (if any).
fn joined<'p>(
    role: &AuthRole,
    entries: Vec<Entry>,
    entity: Option<(&Entity, String)>,
    inventory: &VaultInventory,
    policies: &'p [Policy],
) -> Option<Login<'p>> {
    let mut held = role_policies(role, policies);
    let mut steps = vec![role_step(role)];
    if let Some((entity, _)) = entity {
        if entity.disabled {
            return None;
        }
        let added = added_by_entity(inventory, entity);
        add(&mut held, policies, &added.policies);
        steps.extend(added.steps);
    }
    Some(Login {
        entries,
        steps,
        held,
        entity: entity.map(|(e, alias)| (e.id.clone(), (role.mount.clone(), alias))),
    })
}

fn add<'p>(held: &mut Vec<&'p Policy>, policies: &'p [Policy], names: &[String]) {
    for policy in named(policies, names) {
        if !held.iter().any(|h| h.name == policy.name) {
            held.push(policy);
        }
    }
}

/// Ways in through the identity store alone, for what no role login was
/// joined to: each alias of an enabled entity (its login gets at least
/// the entity's and groups' policies), and each external group's alias
/// (members of that LDAP/OIDC group). `logins` are the role logins
/// already found: an alias one of them joined is left out, and so is a
/// userpass alias whose user does not exist where the users were read
/// (nobody can log in as it).
pub fn identity_rows<'p>(
    inventory: &VaultInventory,
    policies: &'p [Policy],
    logins: &[Login<'_>],
) -> Vec<(Vec<&'p Policy>, Entry)> {
    let joined: Vec<&(String, String)> = logins
        .iter()
        .filter_map(|l| l.entity.as_ref().map(|(_, alias)| alias))
        .collect();
    let users_read = |mount: &str| {
        inventory
            .roles
            .iter()
            .any(|r| r.mount == mount && r.method == "userpass")
    };
    let mut out = Vec::new();
    for entity in inventory.entities.iter().filter(|e| !e.disabled) {
        let added = added_by_entity(inventory, entity);
        let mut held = Vec::new();
        add(&mut held, policies, &added.policies);
        for alias in &entity.aliases {
            let key = (alias.mount.clone(), alias.name.to_lowercase());
            if joined.contains(&&key) || (alias.method == "userpass" && users_read(&alias.mount)) {
                continue;
            }
            let subject = format!("{} login `{}` ({})", alias.method, alias.name, alias.mount);
            out.push((held.clone(), (subject, added.steps.clone())));
        }
    }
    for group in &inventory.groups {
        let Some(alias) = group.alias.as_ref().filter(|_| group.kind == "external") else {
            continue;
        };
        let added = added_by_group(inventory, group);
        let mut held = Vec::new();
        add(&mut held, policies, &added.policies);
        let subject = format!(
            "members of {} group `{}` ({})",
            alias.method, alias.name, alias.mount
        );
        out.push((held, (subject, added.steps)));
    }
    out
}

/// Ways in through tokens that already exist: each holds its own policies
/// and, through its entity, the entity's and groups' (a token of a
/// disabled entity is refused).
pub fn token_rows<'p>(
    inventory: &VaultInventory,
    policies: &'p [Policy],
) -> Vec<(Vec<&'p Policy>, Entry)> {
    let mut out = Vec::new();
    for token in &inventory.tokens {
        let entity = token
            .entity_id
            .as_ref()
            .and_then(|id| inventory.entities.iter().find(|e| &e.id == id));
        let mut held = Vec::new();
        add(&mut held, policies, &token.policies);
        let mut steps = Vec::new();
        if let Some(entity) = entity {
            if entity.disabled {
                continue;
            }
            let added = added_by_entity(inventory, entity);
            add(&mut held, policies, &added.policies);
            steps = added.steps;
        }
        let expires = match &token.expire_time {
            Some(time) => format!("expires {time}"),
            None => "never expires".to_string(),
        };
        let subject = format!(
            "existing token `{}` (accessor {}…, {expires})",
            token.display_name, token.accessor
        );
        out.push((held, (subject, steps)));
    }
    out
}
