//! The role and store checks on small inventories: each finding fires on
//! the hole it names and stays quiet on the least-privilege variant.

use super::*;
use crate::audit::vault::{AuditDevice, AuthRole, Gap, HaState, KvMount, SecretAge};
use serde_json::json;

fn role(method: &str, config: Value) -> AuthRole {
    AuthRole {
        mount: format!("auth/{method}"),
        method: method.into(),
        name: "app".into(),
        config: config.as_object().cloned().unwrap_or_default(),
    }
}

fn ids(inventory: &VaultInventory, options: &Options) -> Vec<&'static str> {
    let mut ids: Vec<&str> = check(inventory, options)
        .iter()
        .map(|f| f.id.as_str())
        .collect();
    ids.sort_unstable();
    ids
}

fn roles(roles: Vec<AuthRole>) -> Vec<&'static str> {
    ids(
        &VaultInventory {
            roles,
            ..Default::default()
        },
        &Options::default(),
    )
}

#[test]
fn kubernetes_roles_bound_to_everyone_or_no_audience_are_flagged() {
    let wild = json!({"bound_service_account_names": ["*"], "bound_service_account_namespaces": ["team-a"]});
    assert_eq!(
        roles(vec![role("kubernetes", wild)]),
        ["KV-VLT-006", "KV-VLT-007"]
    );
    let tight = json!({"bound_service_account_names": ["app"], "bound_service_account_namespaces": ["team-a"], "audience": "vault"});
    assert!(roles(vec![role("kubernetes", tight)]).is_empty());
}

#[test]
fn approle_secret_ids_forever_anywhere_are_flagged() {
    let open = json!({"secret_id_ttl": 0, "secret_id_num_uses": 0});
    assert_eq!(roles(vec![role("approle", open)]), ["KV-VLT-008"]);
    let bound = json!({"secret_id_ttl": 0, "secret_id_num_uses": 0, "secret_id_bound_cidrs": ["10.0.0.0/8"]});
    assert!(roles(vec![role("approle", bound)]).is_empty());
    let expiring = json!({"secret_id_ttl": "10m", "secret_id_num_uses": 0});
    assert!(roles(vec![role("approle", expiring)]).is_empty());
}

#[test]
fn jwt_roles_need_claims_or_audiences() {
    assert_eq!(
        roles(vec![role("jwt", json!({"bound_claims": {}}))]),
        ["KV-VLT-009"]
    );
    assert!(roles(vec![role("jwt", json!({"bound_audiences": ["vault"]}))]).is_empty());
    assert!(roles(vec![role(
        "oidc",
        json!({"bound_claims": {"groups": ["ops"]}})
    )])
    .is_empty());
}

#[test]
fn token_lifetimes_over_the_threshold_or_renewing_forever_are_flagged() {
    let day = Options {
        max_token_ttl: Duration::from_secs(86_400),
        ..Options::default()
    };
    let one = |config: Value| {
        ids(
            &VaultInventory {
                roles: vec![role("userpass", config)],
                ..Default::default()
            },
            &day,
        )
    };
    assert_eq!(one(json!({"token_max_ttl": 7 * 86_400})), ["KV-VLT-010"]);
    assert_eq!(
        one(json!({"token_max_ttl": 0})),
        ["KV-VLT-010"],
        "0 means the system maximum"
    );
    assert!(one(json!({"token_max_ttl": "12h"})).is_empty());
    assert_eq!(
        one(json!({"token_period": 3600, "token_max_ttl": 3600})),
        ["KV-VLT-010"]
    );
    assert!(one(json!({"token_period": 3600, "token_explicit_max_ttl": 7200})).is_empty());
    // With the default threshold (the system maximum), 0 is not a finding.
    assert!(roles(vec![role("userpass", json!({"token_max_ttl": 0}))]).is_empty());
}

fn device(options: Value) -> AuditDevice {
    AuditDevice {
        path: "file".into(),
        kind: "file".into(),
        options: options.as_object().cloned().unwrap_or_default(),
    }
}

#[test]
fn audit_devices_none_or_logging_in_the_clear_are_flagged() {
    let with = |devices: Option<Vec<AuditDevice>>| {
        ids(
            &VaultInventory {
                audit_devices: devices,
                ..Default::default()
            },
            &Options::default(),
        )
    };
    assert_eq!(with(Some(vec![])), ["KV-VLT-011"]);
    assert!(with(None).is_empty(), "unknown is not none");
    assert_eq!(
        with(Some(vec![device(json!({"log_raw": "true"}))])),
        ["KV-VLT-012"]
    );
    assert_eq!(
        with(Some(vec![device(json!({"hmac_accessor": "false"}))])),
        ["KV-VLT-012"]
    );
    assert!(with(Some(vec![device(json!({"file_path": "/var/log/a"}))])).is_empty());
}

#[test]
fn kv_mounts_without_rollback_or_cas_and_old_secrets_are_flagged() {
    let now = humantime::parse_rfc3339("2026-12-01T00:00:00Z").unwrap();
    let options = Options {
        now: now.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64,
        ..Options::default()
    };
    let mount = KvMount {
        path: "secret".into(),
        version: 2,
        config: json!({"max_versions": 1, "cas_required": false})
            .as_object()
            .cloned(),
        secrets: vec![
            SecretAge {
                path: "old".into(),
                updated_time: "2026-01-01T00:00:00.123456Z".into(),
            },
            SecretAge {
                path: "new".into(),
                updated_time: "2026-11-20T00:00:00Z".into(),
            },
        ],
    };
    let inventory = VaultInventory {
        kv_mounts: vec![mount],
        ..Default::default()
    };
    assert_eq!(
        ids(&inventory, &options),
        ["KV-VLT-013", "KV-VLT-014", "KV-VLT-015"]
    );
    let findings = check(&inventory, &options);
    let stale = findings
        .iter()
        .find(|f| f.id.as_str() == "KV-VLT-013")
        .unwrap();
    assert_eq!(stale.objects[0].name, "secret/old");
}

#[test]
fn a_single_node_and_unread_endpoints_are_flagged() {
    let inventory = VaultInventory {
        ha: Some(HaState {
            nodes: 1,
            ha_enabled: false,
        }),
        gaps: vec![Gap {
            endpoint: "sys/audit".into(),
            reason: "HTTP 403".into(),
        }],
        ..Default::default()
    };
    assert_eq!(
        ids(&inventory, &Options::default()),
        ["KV-VLT-016", "KV-VLT-017"]
    );
    let three = VaultInventory {
        ha: Some(HaState {
            nodes: 3,
            ha_enabled: true,
        }),
        ..Default::default()
    };
    assert!(ids(&three, &Options::default()).is_empty());
}
