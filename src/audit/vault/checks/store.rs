//! The store around the secrets: audit devices, KV mounts and the age of
//! their secrets, HA, and what the live audit could not read
//! (KV-VLT-011..017).

use super::{flag, seconds, shown, Options};
use crate::audit::vault::{KvMount, VaultInventory};
use crate::audit::{Finding, FindingId, ObjectRef};

pub(super) fn check(inventory: &VaultInventory, options: &Options) -> Vec<Finding> {
    let mut findings = audit_devices(inventory);
    for mount in &inventory.kv_mounts {
        findings.extend(versions(mount));
        findings.extend(stale(mount, options));
    }
    findings.extend(single_node(inventory));
    findings.extend(gaps(inventory));
    findings
}

/// KV-VLT-011 and -012.
fn audit_devices(inventory: &VaultInventory) -> Vec<Finding> {
    let Some(devices) = &inventory.audit_devices else {
        return Vec::new();
    };
    if devices.is_empty() {
        return vec![Finding::new(
            FindingId::Vlt011,
            "no Vault audit device is enabled: nothing records who read what",
            "sys/audit lists no device",
        )
        .object(ObjectRef::cluster("VaultAuditDevice", "(none)"))];
    }
    devices
        .iter()
        .filter_map(|device| {
            let mut leaks = Vec::new();
            if flag(&device.options, "hmac_accessor") == Some(false) {
                leaks.push("hmac_accessor=false (token accessors in the clear)");
            }
            if flag(&device.options, "log_raw") == Some(true) {
                leaks.push("log_raw=true (tokens and secret values in the clear)");
            }
            (!leaks.is_empty()).then(|| {
                Finding::new(
                    FindingId::Vlt012,
                    format!(
                        "Vault audit device {} logs sensitive data in the clear",
                        device.path
                    ),
                    format!("{} device: {}", device.kind, leaks.join(", ")),
                )
                .object(ObjectRef::cluster("VaultAuditDevice", &device.path))
            })
        })
        .collect()
}

fn mount_object(mount: &KvMount) -> ObjectRef {
    ObjectRef::cluster("VaultMount", &mount.path)
}

/// KV-VLT-014 and -015, from a v2 mount's configuration.
fn versions(mount: &KvMount) -> Vec<Finding> {
    let Some(config) = mount.config.as_ref().filter(|_| mount.version == 2) else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    if seconds(config, "max_versions") == Some(1) {
        findings.push(
            Finding::new(
                FindingId::Vlt014,
                format!(
                    "KV mount {} keeps one version of each secret: no rollback",
                    mount.path
                ),
                "max_versions=1",
            )
            .object(mount_object(mount)),
        );
    }
    if flag(config, "cas_required") != Some(true) {
        findings.push(
            Finding::new(
                FindingId::Vlt015,
                format!("KV mount {} does not require check-and-set", mount.path),
                "cas_required=false: a writer that skips cas may overwrite a concurrent rotation",
            )
            .object(mount_object(mount)),
        );
    }
    findings
}

/// KV-VLT-013: current versions older than `--max-age`.
fn stale(mount: &KvMount, options: &Options) -> Vec<Finding> {
    let limit = options.max_age.as_secs();
    mount
        .secrets
        .iter()
        .filter_map(|secret| {
            let written = crate::clock::parse_rfc3339_micros(&secret.updated_time)? / 1_000_000;
            let age = u64::try_from(options.now - written).ok()?;
            (age > limit).then(|| {
                Finding::new(
                    FindingId::Vlt013,
                    format!(
                        "Vault secret {}/{} was last written {} ago",
                        mount.path,
                        secret.path,
                        days(age)
                    ),
                    format!(
                        "updated_time {} ({} > --max-age {})",
                        secret.updated_time,
                        days(age),
                        shown(limit)
                    ),
                )
                .object(ObjectRef::cluster(
                    "VaultSecret",
                    format!("{}/{}", mount.path, secret.path),
                ))
            })
        })
        .collect()
}

/// `412 days`, or `3h 2m 1s` under a day.
fn days(secs: u64) -> String {
    match secs / 86_400 {
        0 => shown(secs),
        days => format!("{days} days"),
    }
}

/// KV-VLT-016.
fn single_node(inventory: &VaultInventory) -> Option<Finding> {
    let ha = inventory.ha.as_ref()?;
    (!ha.ha_enabled || ha.nodes <= 1).then(|| {
        let evidence = if ha.ha_enabled {
            format!("sys/ha-status lists {} node(s)", ha.nodes)
        } else {
            "HA is not enabled (sys/leader ha_enabled=false)".to_string()
        };
        Finding::new(
            FindingId::Vlt016,
            "Vault runs as a single node: no standby takes over when it stops",
            evidence,
        )
        .object(ObjectRef::cluster("VaultCluster", "(server)"))
    })
}

/// KV-VLT-017: one finding listing every endpoint not read.
fn gaps(inventory: &VaultInventory) -> Option<Finding> {
    if inventory.gaps.is_empty() {
        return None;
    }
    let shown: Vec<String> = inventory
        .gaps
        .iter()
        .map(|g| format!("{} ({})", g.endpoint, g.reason))
        .collect();
    Some(
        Finding::new(
            FindingId::Vlt017,
            format!(
                "the Vault audit could not read {} endpoint(s): findings that need them are missing",
                inventory.gaps.len()
            ),
            shown.join(", "),
        )
        .object(ObjectRef::cluster("VaultCluster", "(server)")),
    )
}
