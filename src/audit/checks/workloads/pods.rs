//! Findings about one pod spec (a Pod, or a workload's template) that no
//! other audited object controls: Secrets in environment variables
//! (`KV-WL-001`), literal credentials in env (`KV-WL-002`), the default
//! service account (`KV-WL-004`) and mounted tokens (`KV-WL-005`).

use super::credentials::{credential_name, literal_credential, url_with_password};
use super::references::{containers, SecretUse};
use crate::audit::finding::{Finding, FindingId, ObjectRef};
use crate::audit::inventory::{Inventory, PodSpecRef};
use k8s_openapi::api::core::v1::{PodSpec, ServiceAccount};

/// Findings about one pod spec not owned by another audited object.
pub(super) fn pod_findings(
    inventory: &Inventory,
    pod: &PodSpecRef,
    uses: &[SecretUse],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(env_secrets(&pod.owner, uses));
    findings.extend(literal_env(&pod.owner, pod.spec));
    findings.extend(service_account(inventory, pod));
    findings
}

/// KV-WL-001: Secrets in environment variables.
fn env_secrets(owner: &ObjectRef, uses: &[SecretUse]) -> Option<Finding> {
    let env_uses: Vec<&SecretUse> = uses.iter().filter(|u| u.site.in_environment()).collect();
    if env_uses.is_empty() {
        return None;
    }
    Some(
        Finding::new(
            FindingId::Wl001,
            format!("{owner} passes Secrets through environment variables"),
            env_uses
                .iter()
                .map(|u| format!("{} from Secret `{}`", u.site, u.name))
                .collect::<Vec<_>>()
                .join("; "),
        )
        .object(owner.clone())
        .objects(
            env_uses
                .iter()
                .map(|u| ObjectRef::namespaced("Secret", &u.namespace, &u.name)),
        ),
    )
}

/// KV-WL-002: literal credentials in env.
fn literal_env(owner: &ObjectRef, spec: &PodSpec) -> Option<Finding> {
    let mut literals = Vec::new();
    for (container, env, _) in containers(spec) {
        for var in env {
            let Some(value) = var.value.as_deref().filter(|_| var.value_from.is_none()) else {
                continue;
            };
            if credential_name(&var.name) && literal_credential(value) {
                literals.push(format!("container `{container}` env `{}`", var.name));
            } else if url_with_password(value) {
                literals.push(format!(
                    "container `{container}` env `{}` (URL with a password)",
                    var.name
                ));
            }
        }
    }
    if literals.is_empty() {
        return None;
    }
    Some(
        Finding::new(
            FindingId::Wl002,
            format!("{owner} has a literal credential in its environment"),
            format!("set to a literal value: {}", literals.join("; ")),
        )
        .object(owner.clone()),
    )
}

/// KV-WL-004/005: service account and its token.
fn service_account(inventory: &Inventory, pod: &PodSpecRef) -> Vec<Finding> {
    let mut findings = Vec::new();
    let owner = &pod.owner;
    let spec = pod.spec;
    let sa_name = spec
        .service_account_name
        .as_deref()
        .or(spec.service_account.as_deref())
        .filter(|s| !s.is_empty())
        .unwrap_or("default");
    let sa_ref = ObjectRef::namespaced("ServiceAccount", &pod.namespace, sa_name);
    if sa_name == "default" {
        findings.push(
            Finding::new(
                FindingId::Wl004,
                format!("{owner} runs as the default service account"),
                if spec.service_account_name.is_some() {
                    "spec.serviceAccountName is `default`"
                } else {
                    "spec.serviceAccountName is not set"
                },
            )
            .object(owner.clone())
            .object(sa_ref.clone()),
        );
    }
    let sa = inventory.service_accounts.get(&pod.namespace, sa_name);
    findings.extend(token_mounts(owner, spec, sa, sa_ref));
    findings
}

/// KV-WL-005: a service account token mounted, automatically or by a
/// projected volume.
fn token_mounts(
    owner: &ObjectRef,
    spec: &PodSpec,
    sa: Option<&ServiceAccount>,
    sa_ref: ObjectRef,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let automount = spec
        .automount_service_account_token
        .or(sa.and_then(|s| s.automount_service_account_token))
        .unwrap_or(true);
    // A projected serviceAccountToken volume mounts the same token by hand.
    let projected: Vec<&str> = spec
        .volumes
        .iter()
        .flatten()
        .filter(|v| {
            v.projected
                .iter()
                .flat_map(|p| p.sources.iter().flatten())
                .any(|s| s.service_account_token.is_some())
        })
        .map(|v| v.name.as_str())
        .collect();
    if !automount && !projected.is_empty() {
        findings.push(
            Finding::new(
                FindingId::Wl005,
                format!("{owner} gets a service account token mounted"),
                format!(
                    "automountServiceAccountToken is off, but volume `{}` projects a serviceAccountToken",
                    projected.join("`, `")
                ),
            )
            .object(owner.clone())
            .object(sa_ref.clone()),
        );
    }
    if automount {
        let why = match (spec.automount_service_account_token, sa) {
            (Some(true), _) => "the pod spec sets automountServiceAccountToken: true".to_string(),
            (_, Some(sa)) if sa.automount_service_account_token == Some(true) => {
                format!("{sa_ref} sets automountServiceAccountToken: true")
            }
            (_, Some(_)) => format!(
                "neither the pod spec nor {sa_ref} sets automountServiceAccountToken: false"
            ),
            (_, None) => format!(
                "the pod spec does not set automountServiceAccountToken: false ({sa_ref} is not among the audited objects)"
            ),
        };
        findings.push(
            Finding::new(
                FindingId::Wl005,
                format!("{owner} gets a service account token mounted"),
                why,
            )
            .object(owner.clone())
            .object(sa_ref),
        );
    }
    findings
}
