//! Auth roles: who may log in, and what the tokens they get may do for
//! how long (KV-VLT-006..010).

use super::{is_set, seconds, shown, strings, Options, SYSTEM_MAX_TTL};
use crate::audit::vault::AuthRole;
use crate::audit::{Finding, FindingId, ObjectRef};

pub(super) fn check(roles: &[AuthRole], options: &Options) -> Vec<Finding> {
    let mut findings = Vec::new();
    for role in roles {
        let found = match role.method.as_str() {
            "kubernetes" => kubernetes(role),
            "approle" => approle(role).into_iter().collect(),
            "jwt" | "oidc" => jwt(role).into_iter().collect(),
            _ => Vec::new(),
        };
        findings.extend(found);
        findings.extend(token_lifetime(role, options));
    }
    findings
}

fn object(role: &AuthRole) -> ObjectRef {
    ObjectRef::cluster("VaultRole", role.api_path())
}

/// KV-VLT-006 and -007.
fn kubernetes(role: &AuthRole) -> Vec<Finding> {
    let mut findings = Vec::new();
    let wild: Vec<&str> = [
        "bound_service_account_names",
        "bound_service_account_namespaces",
    ]
    .into_iter()
    .filter(|key| strings(&role.config, key).iter().any(|v| v == "*"))
    .collect();
    // A namespace selector widens `namespaces` only when it is set.
    if !wild.is_empty() {
        let what = wild
            .iter()
            .map(|k| {
                k.trim_start_matches("bound_service_account_")
                    .trim_end_matches('s')
            })
            .collect::<Vec<_>>()
            .join(" and ");
        findings.push(
            Finding::new(
                FindingId::Vlt006,
                format!(
                    "Kubernetes auth role {} accepts every service account {what}",
                    role.name
                ),
                wild.iter()
                    .map(|k| format!("{k}=[\"*\"]"))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
            .object(object(role)),
        );
    }
    if !is_set(&role.config, "audience") {
        findings.push(
            Finding::new(
                FindingId::Vlt007,
                format!("Kubernetes auth role {} sets no audience", role.name),
                "audience unset: any service-account token of the bound accounts logs in, whatever it was issued for",
            )
            .object(object(role)),
        );
    }
    findings
}

/// KV-VLT-008: a secret ID, once leaked, works forever, any number of
/// times, from anywhere.
fn approle(role: &AuthRole) -> Option<Finding> {
    let ttl = seconds(&role.config, "secret_id_ttl").unwrap_or(0);
    let uses = seconds(&role.config, "secret_id_num_uses").unwrap_or(0);
    let bound =
        is_set(&role.config, "secret_id_bound_cidrs") || is_set(&role.config, "token_bound_cidrs");
    (ttl == 0 && uses == 0 && !bound).then(|| {
        Finding::new(
            FindingId::Vlt008,
            format!(
                "AppRole role {}: secret IDs never expire, have unlimited uses and no CIDR binding",
                role.name
            ),
            "secret_id_ttl=0, secret_id_num_uses=0, secret_id_bound_cidrs and token_bound_cidrs unset",
        )
        .object(object(role))
    })
}

/// KV-VLT-009: any token of the issuer logs in.
fn jwt(role: &AuthRole) -> Option<Finding> {
    let claims = is_set(&role.config, "bound_claims") || is_set(&role.config, "bound_subject");
    let audiences = is_set(&role.config, "bound_audiences");
    (!claims && !audiences).then(|| {
        Finding::new(
            FindingId::Vlt009,
            format!(
                "{} role {} binds no claims and no audiences",
                role.method.to_uppercase(),
                role.name
            ),
            "bound_claims, bound_subject and bound_audiences unset: every token the issuer signs logs in",
        )
        .object(object(role))
    })
}

/// KV-VLT-010: periodic tokens without an explicit maximum renew forever;
/// otherwise the longest a token may live, a TTL of 0 meaning the system
/// maximum, against `--max-token-ttl`.
fn token_lifetime(role: &AuthRole, options: &Options) -> Option<Finding> {
    let config = &role.config;
    let period = seconds(config, "token_period")
        .or_else(|| seconds(config, "period"))
        .unwrap_or(0);
    let explicit = seconds(config, "token_explicit_max_ttl").unwrap_or(0);
    let limit = options.max_token_ttl.as_secs();
    let evidence = if period > 0 && explicit == 0 {
        format!(
            "token_period={} with token_explicit_max_ttl=0: tokens renew forever",
            shown(period)
        )
    } else {
        let max = seconds(config, "token_max_ttl")
            .or_else(|| seconds(config, "max_ttl"))
            .unwrap_or(0);
        // A token lives until its explicit maximum, else its maximum TTL,
        // else the system's: TTL 0 means "the default", not "never".
        let (field, lifetime) = match (explicit, max) {
            (0, 0) => (
                "token_max_ttl=0: the system maximum",
                SYSTEM_MAX_TTL.as_secs(),
            ),
            (0, max) => ("token_max_ttl", max),
            (explicit, _) => ("token_explicit_max_ttl", explicit),
        };
        if lifetime <= limit {
            return None;
        }
        format!(
            "{field} {} over --max-token-ttl {}",
            shown(lifetime),
            shown(limit)
        )
    };
    Some(
        Finding::new(
            FindingId::Vlt010,
            format!("auth role {} issues tokens that live too long", role.name),
            evidence,
        )
        .object(object(role)),
    )
}
