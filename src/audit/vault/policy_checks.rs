//! Findings about ACL policies (KV-VLT-001..005). Each policy is judged on
//! its own ACL — what a token holding only it could do — so a `deny` in the
//! same policy counts, and the finding names the rules responsible.

use super::policy::{Acl, Capabilities, PathKind, PathRule, Policy};
use super::KvMount;
use crate::audit::{Finding, FindingId, ObjectRef};
use std::sync::OnceLock;

/// Mount names that hold no KV data, for offline runs that do not know
/// the mounts: a glob over `cubbyhole/` (the stock default) is not a KV
/// read.
const NOT_KV: &[&str] = &["sys", "auth", "identity", "cubbyhole", "+", ""];

/// Where writing lets a token rewrite policies, auth methods, mounts or
/// storage, or identities (and with them policies): KV-VLT-003.
const CONTROL_AREAS: &[&str] = &[
    "sys/policies/",
    "sys/policy/",
    "sys/auth/",
    "sys/mounts/",
    "sys/raw/",
    "identity/",
];

/// A name no mount or role plausibly has: a probe path under an area.
const PROBE: &str = "kvault-probe";

/// The policy checks over every policy. `kv_mounts` is what the live
/// loader found (empty offline: mounts are then guessed from the rules).
pub fn check(policies: &[Policy], kv_mounts: &[KvMount], auth_mounts: &[String]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for policy in policies {
        if policy.name == "root" {
            continue;
        }
        let acl = Acl::new([policy]);
        findings.extend(whole_mount_reads(policy, &acl, kv_mounts));
        findings.extend(sudo(policy));
        findings.extend(control_writes(policy, &acl));
        findings.extend(escalation(policy, &acl, auth_mounts));
        findings.extend(widened_default(policy));
    }
    findings
}

fn object(policy: &Policy) -> ObjectRef {
    ObjectRef::cluster("VaultPolicy", &policy.name)
}

/// `secret/* (read,list)`, the rules a finding rests on, at most eight.
fn rules_evidence<'a>(rules: impl IntoIterator<Item = &'a PathRule>) -> String {
    let mut shown: Vec<String> = rules
        .into_iter()
        .map(|r| format!("path \"{}\" ({})", r.pattern(), r.capabilities))
        .collect();
    shown.dedup();
    let more = shown.len().saturating_sub(8);
    shown.truncate(8);
    let mut text = shown.join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

/// The KV data areas to judge: `M/data/` of v2 mounts (metadata holds
/// names, not values), `M/` of v1 ones; offline, the first segment of each
/// rule as a mount.
fn kv_areas(policy: &Policy, kv_mounts: &[KvMount]) -> Vec<String> {
    let mounts: Vec<(String, u8)> = if kv_mounts.is_empty() {
        let mut guessed: Vec<(String, u8)> = policy
            .rules
            .iter()
            .filter_map(|r| r.path.split('/').next())
            .filter(|m| !NOT_KV.contains(m) && !m.contains(['*', '+']))
            .map(|m| (m.to_string(), 0))
            .collect();
        guessed.sort();
        guessed.dedup();
        guessed
    } else {
        kv_mounts
            .iter()
            .map(|m| (m.path.clone(), m.version))
            .collect()
    };
    mounts
        .into_iter()
        .flat_map(|(mount, version)| match version {
            1 => vec![format!("{mount}/")],
            2 => vec![format!("{mount}/data/")],
            // Unknown version: a policy naming `M/data/` or `M/metadata/`
            // treats M as v2; otherwise either layout.
            _ if mentions_v2(policy, &mount) => vec![format!("{mount}/data/")],
            _ => vec![format!("{mount}/"), format!("{mount}/data/")],
        })
        .collect()
}

fn mentions_v2(policy: &Policy, mount: &str) -> bool {
    let (data, metadata) = (format!("{mount}/data/"), format!("{mount}/metadata/"));
    policy
        .rules
        .iter()
        .any(|r| r.path.starts_with(&data) || r.path.starts_with(&metadata))
}

/// KV-VLT-001: reading the values of a whole KV mount, or of every path.
fn whole_mount_reads(policy: &Policy, acl: &Acl, kv_mounts: &[KvMount]) -> Option<Finding> {
    let reads =
        |r: &&PathRule| r.capabilities.contains(Capabilities::READ) && !r.capabilities.is_denied();
    let everything = format!("{PROBE}/");
    let all: Vec<&PathRule> = policy
        .rules
        .iter()
        .filter(reads)
        .filter(|r| {
            r.covers(&everything) && acl.allows(&format!("{everything}{PROBE}"), Capabilities::READ)
        })
        .collect();
    if !all.is_empty() {
        return Some(
            Finding::new(
                FindingId::Vlt001,
                format!("Vault policy {} may read every path", policy.name),
                rules_evidence(all),
            )
            .object(object(policy)),
        );
    }
    let mut mounts = Vec::new();
    let mut rules = Vec::new();
    for area in kv_areas(policy, kv_mounts) {
        let covering: Vec<&PathRule> = policy
            .rules
            .iter()
            .filter(reads)
            .filter(|r| r.covers(&area))
            .collect();
        if covering.is_empty() || !acl.allows(&format!("{area}{PROBE}"), Capabilities::READ) {
            continue;
        }
        let mount = area.split('/').next().unwrap_or_default().to_string();
        if !mounts.contains(&mount) {
            mounts.push(mount);
        }
        rules.extend(covering);
    }
    if mounts.is_empty() {
        return None;
    }
    Some(
        Finding::new(
            FindingId::Vlt001,
            format!(
                "Vault policy {} may read every secret of KV mount {}",
                policy.name,
                mounts.join(", ")
            ),
            rules_evidence(rules),
        )
        .object(object(policy)),
    )
}

/// KV-VLT-002: `sudo` with write capabilities or over a glob. Read-only
/// `sudo` on one path (`sys/audit`, which an auditor must read) opens that
/// endpoint only.
fn sudo(policy: &Policy) -> Option<Finding> {
    let rules: Vec<&PathRule> = policy
        .rules
        .iter()
        .filter(|r| {
            r.capabilities.contains(Capabilities::SUDO)
                && !r.capabilities.is_denied()
                && (r.capabilities.intersects(Capabilities::WRITE) || r.kind != PathKind::Exact)
        })
        .collect();
    (!rules.is_empty()).then(|| {
        Finding::new(
            FindingId::Vlt002,
            format!("Vault policy {} grants sudo", policy.name),
            rules_evidence(rules),
        )
        .object(object(policy))
    })
}

/// KV-VLT-003: writes where policies, auth methods, mounts, raw storage or
/// identities are changed.
fn control_writes(policy: &Policy, acl: &Acl) -> Option<Finding> {
    let mut areas = Vec::new();
    let mut rules = Vec::new();
    for area in CONTROL_AREAS {
        let writing: Vec<&PathRule> = policy
            .rules_reaching(area)
            .filter(|r| {
                r.capabilities.intersects(Capabilities::WRITE)
                    && !r.capabilities.is_denied()
                    && !is_stock_default(r)
                    && r.example_under(area)
                        .and_then(|p| acl.lookup(&p))
                        .is_some_and(|g| g.path == r.path)
            })
            .collect();
        if !writing.is_empty() {
            areas.push(area.trim_end_matches('/'));
            rules.extend(writing);
        }
    }
    (!areas.is_empty()).then(|| {
        Finding::new(
            FindingId::Vlt003,
            format!(
                "Vault policy {} may write {}",
                policy.name,
                areas.join(", ")
            ),
            rules_evidence(rules),
        )
        .object(object(policy))
    })
}

/// KV-VLT-004: a token holding this policy may obtain tokens with other
/// policies: `sudo` on `auth/token/create` without pinning `policies`, or
/// writing token roles, or auth roles and users (which name the policies
/// their logins get).
fn escalation(policy: &Policy, acl: &Acl, auth_mounts: &[String]) -> Option<Finding> {
    let create = Capabilities::CREATE | Capabilities::UPDATE;
    let mut ways = Vec::new();
    let mut rules: Vec<&PathRule> = Vec::new();
    for path in ["auth/token/create", "auth/token/create-orphan"] {
        let sudo_create: Vec<&PathRule> = policy
            .rules
            .iter()
            .filter(|r| {
                r.matches(path)
                    && r.capabilities.intersects(create)
                    && r.capabilities.contains(Capabilities::SUDO)
                    && !r.parameters.pins("policies")
            })
            .collect();
        let governs = acl
            .lookup(path)
            .is_some_and(|g| sudo_create.iter().any(|r| r.path == g.path));
        if governs {
            ways.push(format!("sudo on {path} (any policies)"));
            rules.extend(sudo_create);
        }
    }
    for probe in role_probes(policy, auth_mounts) {
        let Some(grant) = acl.lookup(&probe) else {
            continue;
        };
        if grant.capabilities.is_denied() || !grant.capabilities.intersects(create) {
            continue;
        }
        let what = if probe.starts_with("auth/token/roles/") {
            "writes token roles".to_string()
        } else {
            let mount = probe.split('/').nth(1).unwrap_or_default();
            if mount == PROBE {
                "writes the roles of any auth method".to_string()
            } else {
                format!("writes roles of auth/{mount}")
            }
        };
        if !ways.contains(&what) {
            ways.push(what);
        }
        rules.extend(policy.rules.iter().filter(|r| r.path == grant.path));
    }
    (!ways.is_empty()).then(|| {
        Finding::new(
            FindingId::Vlt004,
            format!(
                "Vault policy {} may obtain tokens with other policies: {}",
                policy.name,
                ways.join("; ")
            ),
            rules_evidence(rules),
        )
        .object(object(policy))
    })
}

/// The role paths whose write is an escalation: token roles, and the
/// roles and users of every auth mount known or named in the policy (a
/// made-up mount stands for any), plus each exact role path it names.
fn role_probes(policy: &Policy, auth_mounts: &[String]) -> Vec<String> {
    let mut mounts: Vec<&str> = auth_mounts.iter().map(String::as_str).collect();
    let named: Vec<&str> = policy
        .rules
        .iter()
        .filter_map(|r| r.path.strip_prefix("auth/")?.split('/').next())
        .filter(|m| !m.is_empty() && !m.contains(['+', '*']))
        .collect();
    mounts.extend(named);
    mounts.push(PROBE);
    mounts.sort_unstable();
    mounts.dedup();
    let mut probes = vec!["auth/token/roles/kvault-probe".to_string()];
    for mount in mounts.iter().filter(|m| **m != "token") {
        probes.push(format!("auth/{mount}/role/{PROBE}"));
        probes.push(format!("auth/{mount}/users/{PROBE}"));
    }
    // Exact rules name one role: changing it is the same escalation.
    probes.extend(
        policy
            .rules
            .iter()
            .filter(|r| is_role_path(&r.path))
            .map(|r| r.path.clone()),
    );
    probes
}

/// `auth/M/role/NAME`, `auth/M/users/NAME`, `auth/token/roles/NAME`.
fn is_role_path(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    matches!(parts.as_slice(), ["auth", _, "role" | "roles" | "users", name] if !name.is_empty() && !name.contains(['+', '*']))
}

/// The stock `default` policy, as OpenBao 2.x installs it.
fn stock_default() -> &'static Policy {
    static STOCK: OnceLock<Policy> = OnceLock::new();
    STOCK.get_or_init(|| {
        Policy::parse(&super::PolicyText {
            name: "default".into(),
            source: "stock default policy".into(),
            hcl: include_str!("policy/stock_default.hcl").into(),
        })
        .expect("the stock default policy parses")
    })
}

/// Whether the stock default policy has this rule (or a wider one on the
/// same path).
fn is_stock_default(rule: &PathRule) -> bool {
    stock_default().rules.iter().any(|s| {
        s.path == rule.path && s.kind == rule.kind && s.capabilities.contains(rule.capabilities)
    })
}

/// KV-VLT-005: rules in `default` (which every token gets) beyond the
/// stock ones.
fn widened_default(policy: &Policy) -> Option<Finding> {
    if policy.name != "default" {
        return None;
    }
    let extra: Vec<&PathRule> = policy
        .rules
        .iter()
        .filter(|r| !r.capabilities.is_denied() && !is_stock_default(r))
        .collect();
    (!extra.is_empty()).then(|| {
        Finding::new(
            FindingId::Vlt005,
            format!(
                "the default policy, which every token gets, has {} rule(s) beyond the stock ones",
                extra.len()
            ),
            rules_evidence(extra),
        )
        .object(object(policy))
    })
}
