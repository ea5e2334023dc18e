//! The reach queries over identity entities and groups: what a login's
//! token holds when an entity joins it, as Vault evaluates it.

use super::{what_can_read, who_can_read, Subject};
use crate::audit::vault::identity::{entity, group};
use crate::audit::vault::policy::tests::policy;
use crate::audit::vault::policy::Policy;
use crate::audit::vault::{AuthRole, VaultInventory};
use serde_json::{json, Value};

fn policies() -> Vec<Policy> {
    vec![
        policy("default", ""),
        policy(
            "app-read",
            r#"path "secret/data/app/*" { capabilities = ["read"] }"#,
        ),
        policy(
            "prod-read",
            r#"path "secret/data/prod/*" { capabilities = ["read"] }"#,
        ),
        policy(
            "no-app",
            r#"path "secret/data/app/*" { capabilities = ["deny"] }"#,
        ),
    ]
}

fn user(name: &str, token_policies: &[&str]) -> AuthRole {
    AuthRole {
        mount: "auth/userpass".into(),
        method: "userpass".into(),
        name: name.into(),
        config: json!({"token_policies": token_policies})
            .as_object()
            .unwrap()
            .clone(),
    }
}

fn obj(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// alice: user policy app-read, entity adds nothing, group ops adds
/// prod-read. bob: user policy app-read, his entity's group denies app.
/// carol: her entity is disabled. An external LDAP group reads prod.
fn inventory() -> VaultInventory {
    let alias = |name: &str| json!({"mount_path": "auth/userpass/", "mount_type": "userpass", "name": name});
    VaultInventory {
        roles: vec![
            user("alice", &["app-read"]),
            user("bob", &["app-read"]),
            user("carol", &["app-read"]),
        ],
        entities: [
            json!({"id": "e-alice", "name": "alice-ent", "aliases": [alias("alice")]}),
            json!({"id": "e-bob", "name": "bob-ent", "aliases": [alias("bob")]}),
            json!({"id": "e-carol", "name": "carol-ent", "disabled": true, "aliases": [alias("carol")]}),
            // An alias on a mount whose logins kvault cannot join.
            json!({"id": "e-svc", "name": "svc", "policies": ["prod-read"],
                   "aliases": [{"mount_path": "auth/kubernetes/", "mount_type": "kubernetes", "name": "0c5e-uid"}]}),
        ]
        .into_iter()
        .map(|v| entity(&obj(v)).unwrap())
        .collect(),
        groups: [
            json!({"id": "g-ops", "name": "ops", "policies": ["prod-read"], "member_entity_ids": ["e-alice"]}),
            json!({"id": "g-lock", "name": "lockdown", "policies": ["no-app"], "member_entity_ids": ["e-bob"]}),
            json!({"id": "g-ldap", "name": "admins", "type": "external", "policies": ["prod-read"],
                   "alias": {"mount_path": "auth/ldap/", "mount_type": "ldap", "name": "cn=admins"}}),
        ]
        .into_iter()
        .map(|v| group(&obj(v)).unwrap())
        .collect(),
        ..VaultInventory::default()
    }
}

fn chains(path: &str) -> Vec<String> {
    let mut out: Vec<String> = who_can_read(path, &inventory(), &policies(), None)
        .iter()
        .filter(|r| !r.subject.starts_with("token with policy"))
        .map(|r| r.chain())
        .collect();
    out.sort();
    out
}

#[test]
fn a_group_policy_reaches_the_logins_of_its_member_entities() {
    assert_eq!(
        chains("secret/data/prod/db"),
        [
            "kubernetes login `0c5e-uid` (auth/kubernetes) -> entity svc -> policy prod-read -> read secret/data/prod/*",
            "members of ldap group `cn=admins` (auth/ldap) -> group admins -> policy prod-read -> read secret/data/prod/*",
            "password of userpass user alice -> userpass user alice (auth/userpass) -> entity alice-ent -> group ops -> policy prod-read -> read secret/data/prod/*",
        ]
    );
}

#[test]
fn a_deny_in_a_group_policy_takes_away_what_the_role_gives_and_a_disabled_entity_reads_nothing() {
    // bob's user policy reads app/, his group denies it; carol's entity is
    // disabled: only alice is left.
    assert_eq!(
        chains("secret/data/app/x"),
        ["password of userpass user alice -> userpass user alice (auth/userpass) -> entity alice-ent -> group ops -> policy app-read -> read secret/data/app/*"]
    );
}

#[test]
fn what_an_entity_reads_counts_its_logins_and_its_aliases() {
    let inventory = inventory();
    let policies = policies();
    let reads = |subject: &str| -> Vec<String> {
        let subject: Subject = subject.parse().unwrap();
        let mut out: Vec<String> = what_can_read(&subject, &inventory, &policies, None)
            .unwrap()
            .into_iter()
            .map(|r| format!("{} <- {}", r.target, r.way.chain()))
            .collect();
        out.sort();
        out
    };
    assert_eq!(
        reads("entity:alice-ent"),
        [
            "secret/data/app/* <- entity alice-ent -> userpass user alice (auth/userpass) -> group ops -> policy app-read -> read secret/data/app/*",
            "secret/data/prod/* <- entity alice-ent -> userpass user alice (auth/userpass) -> group ops -> policy prod-read -> read secret/data/prod/*",
        ]
    );
    assert_eq!(
        reads("entity:svc"),
        ["secret/data/prod/* <- entity svc -> kubernetes login `0c5e-uid` (auth/kubernetes) -> policy prod-read -> read secret/data/prod/*"]
    );
    assert_eq!(reads("role:userpass/bob"), Vec::<String>::new());
    assert!(what_can_read(
        &"entity:nobody".parse().unwrap(),
        &inventory,
        &policies,
        None
    )
    .unwrap_err()
    .contains("nobody"));
}

#[test]
fn an_existing_token_reads_with_its_policies_and_its_entitys() {
    use crate::audit::vault::identity::token;
    let mut inventory = inventory();
    inventory.tokens = [
        json!({"accessor": "abcdefgh-long-accessor", "display_name": "ci", "policies": ["default"], "entity_id": "e-alice"}),
        json!({"accessor": "ijklmnop", "display_name": "old", "policies": ["app-read"], "entity_id": "e-carol",
               "expire_time": "2027-01-01T00:00:00Z"}),
        json!({"accessor": "qrstuvwx", "display_name": "root", "policies": ["root"]}),
    ]
    .into_iter()
    .map(|v| token(&obj(v)).unwrap())
    .collect();
    let rows: Vec<String> = who_can_read("secret/data/prod/db", &inventory, &policies(), None)
        .iter()
        .filter(|r| r.subject.starts_with("existing token"))
        .map(|r| r.chain())
        .collect();
    // carol's entity is disabled: her token is refused. The accessor is
    // shown by its first 8 characters only.
    assert_eq!(
        rows,
        [
            "existing token `ci` (accessor abcdefgh…, never expires) -> entity alice-ent -> group ops -> policy prod-read -> read secret/data/prod/*",
            "existing token `root` (accessor qrstuvwx…, never expires) -> policy root -> read secret/data/prod/db (root)",
        ]
    );
}
