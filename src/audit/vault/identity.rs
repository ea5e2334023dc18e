//! Vault's identity store as the reach queries need it: the policies an
//! entity and its groups add to every token of its logins.
//!
//! A login on an auth mount gets the entity whose alias has the login's
//! alias name on that mount; its token carries the role's policies plus
//! the entity's own, plus those of every group the entity is in, directly
//! or through member groups (`top` with member group `ops` reaches `ops`'
//! entities). A disabled entity's tokens are refused. External groups get
//! their members from an auth method's groups (an LDAP group, an OIDC
//! groups claim) through the group's alias.
//!
//! Parsing is shared by the live loader (`identity/entity/id/ID`,
//! `identity/group/id/ID`) and the offline one (the same answers saved as
//! JSON).

use super::checks::strings as list;
use super::{Alias, Entity, ExistingToken, Group, VaultInventory};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// An entity from its API answer's `data`; `None` without an id.
pub fn entity(data: &Map<String, Value>) -> Option<Entity> {
    Some(Entity {
        id: text(data, "id")?,
        name: text(data, "name").unwrap_or_default(),
        policies: list(data, "policies"),
        aliases: data
            .get("aliases")
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(alias).collect())
            .unwrap_or_default(),
        disabled: data
            .get("disabled")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

/// A group from its API answer's `data`; `None` without an id.
pub fn group(data: &Map<String, Value>) -> Option<Group> {
    Some(Group {
        id: text(data, "id")?,
        name: text(data, "name").unwrap_or_default(),
        policies: list(data, "policies"),
        kind: text(data, "type").unwrap_or_else(|| "internal".into()),
        member_entity_ids: list(data, "member_entity_ids"),
        member_group_ids: list(data, "member_group_ids"),
        // An internal group's alias is `{}`.
        alias: data.get("alias").and_then(alias),
    })
}

/// An existing token from its lookup's `data`; `None` without an accessor.
pub fn token(data: &Map<String, Value>) -> Option<ExistingToken> {
    let accessor = text(data, "accessor")?;
    Some(ExistingToken {
        accessor: accessor.chars().take(8).collect(),
        display_name: text(data, "display_name").unwrap_or_default(),
        policies: list(data, "policies"),
        entity_id: text(data, "entity_id"),
        expire_time: text(data, "expire_time"),
    })
}

fn alias(value: &Value) -> Option<Alias> {
    let map = value.as_object()?;
    Some(Alias {
        mount: text(map, "mount_path")?.trim_end_matches('/').to_string(),
        method: text(map, "mount_type").unwrap_or_default(),
        name: text(map, "name")?,
    })
}

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// What an identity adds to a token: the policy names, and the steps of
/// the chain (`entity alice`, `group ops`) for the ones that add any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Added {
    pub policies: Vec<String>,
    pub steps: Vec<String>,
}

/// The entity a login with alias `name` on `mount` gets, if one is known.
pub fn entity_of<'a>(inventory: &'a VaultInventory, mount: &str, name: &str) -> Option<&'a Entity> {
    inventory.entities.iter().find(|e| {
        e.aliases
            .iter()
            .any(|a| a.mount == mount && a.name.eq_ignore_ascii_case(name))
    })
}

/// The policies `entity` adds (its own and its groups'), with the steps
/// naming it and each group that adds one.
pub fn added_by_entity(inventory: &VaultInventory, entity: &Entity) -> Added {
    let direct = inventory
        .groups
        .iter()
        .filter(|g| g.member_entity_ids.contains(&entity.id))
        .map(|g| g.id.clone());
    let mut added = Added {
        policies: entity.policies.clone(),
        steps: vec![format!("entity {}", entity.name)],
    };
    add_groups(inventory, direct.collect(), &mut added);
    added
}

/// The policies an external group `group` adds (its own and those of the
/// groups it is a member of), with the steps naming them.
pub fn added_by_group(inventory: &VaultInventory, group: &Group) -> Added {
    let mut added = Added::default();
    add_groups(inventory, vec![group.id.clone()], &mut added);
    added
}

/// Add `start` and every group that has one of them as a member group,
/// transitively; a cycle ends where it closes.
fn add_groups(inventory: &VaultInventory, start: Vec<String>, added: &mut Added) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue = start;
    while let Some(id) = queue.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        queue.extend(
            inventory
                .groups
                .iter()
                .filter(|g| g.member_group_ids.contains(&id))
                .map(|g| g.id.clone()),
        );
    }
    let mut groups: Vec<&Group> = inventory
        .groups
        .iter()
        .filter(|g| seen.contains(&g.id))
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    for group in groups {
        if !group.policies.is_empty() {
            added.steps.push(format!("group {}", group.name));
            added.policies.extend(group.policies.iter().cloned());
        }
    }
    added.policies.sort();
    added.policies.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn inventory() -> VaultInventory {
        let entity_alice = entity(
            json!({"id": "e1", "name": "alice", "policies": ["own"],
                   "aliases": [{"mount_path": "auth/userpass/", "mount_type": "userpass", "name": "alice"}]})
            .as_object()
            .unwrap(),
        )
        .unwrap();
        let group = |v: Value| super::group(v.as_object().unwrap()).unwrap();
        VaultInventory {
            entities: vec![entity_alice],
            groups: vec![
                group(
                    json!({"id": "g1", "name": "ops", "policies": ["ops-read"], "type": "internal",
                             "member_entity_ids": ["e1"], "alias": {}}),
                ),
                group(
                    json!({"id": "g2", "name": "top", "policies": ["top"], "type": "internal",
                             "member_group_ids": ["g1"]}),
                ),
                group(
                    json!({"id": "g3", "name": "unrelated", "policies": ["x"], "member_entity_ids": ["e9"]}),
                ),
                // A cycle: g4 and g5 are each other's members.
                group(
                    json!({"id": "g4", "name": "loop-a", "policies": [], "member_group_ids": ["g5", "g1"]}),
                ),
                group(
                    json!({"id": "g5", "name": "loop-b", "policies": ["loop"], "member_group_ids": ["g4"]}),
                ),
            ],
            ..VaultInventory::default()
        }
    }

    #[test]
    fn an_entity_adds_its_own_policies_and_those_of_every_group_it_reaches() {
        let inventory = inventory();
        let alice = entity_of(&inventory, "auth/userpass", "Alice").unwrap();
        let added = added_by_entity(&inventory, alice);
        assert_eq!(added.policies, ["loop", "ops-read", "own", "top"]);
        assert_eq!(
            added.steps,
            ["entity alice", "group loop-b", "group ops", "group top"]
        );
    }

    #[test]
    fn a_login_finds_its_entity_by_mount_and_alias_name_only() {
        let inventory = inventory();
        assert!(entity_of(&inventory, "auth/userpass", "alice").is_some());
        assert!(entity_of(&inventory, "auth/other", "alice").is_none());
        assert!(entity_of(&inventory, "auth/userpass", "bob").is_none());
    }

    #[test]
    fn an_internal_group_has_no_alias_and_an_external_one_keeps_its_mount() {
        let internal = group(json!({"id": "g", "alias": {}}).as_object().unwrap()).unwrap();
        assert_eq!((internal.alias, internal.kind.as_str()), (None, "internal"));
        let external = group(
            json!({"id": "g", "type": "external",
                   "alias": {"mount_path": "auth/ldap/", "mount_type": "ldap", "name": "admins"}})
            .as_object()
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            external.alias,
            Some(Alias {
                mount: "auth/ldap".into(),
                method: "ldap".into(),
                name: "admins".into()
            })
        );
    }
}
