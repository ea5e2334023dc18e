//! Workload hygiene around Secrets (`KV-WL-*`): Secrets in environment
//! variables, credentials written literally in env or ConfigMaps, default
//! service accounts and token automounting, legacy token Secrets, and the
//! reference graph (missing, unused and stale Secrets).
//!
//! References counted: container `env[].valueFrom.secretKeyRef` and
//! `envFrom[].secretRef` (init and ephemeral containers too), `secret`
//! volumes, projected `secret` sources, the `secretRef`s of CSI, CephFS,
//! Cinder, FlexVolume, iSCSI, RBD, ScaleIO and StorageOS volumes and Azure
//! File's `secretName`, pod and ServiceAccount `imagePullSecrets`,
//! ServiceAccount `secrets`, and Ingress `tls[].secretName`. Optional
//! references to a missing Secret are not reported.
//!
//! Literal credentials are found by name (`PASSWORD`, `TOKEN`, `SECRET`,
//! `API_KEY`, ... not ending in `_FILE`, `_PATH`, `_NAME`, ...) with a value
//! that is not a placeholder (`$(VAR)`, `${VAR}`, `{{ }}`, `<...>`), a path or
//! a kvault reference (`vault:...`, `k8s:...`, `local:...`), and by URLs
//! with a password. Values are looked at, never reported.//!
//! The pieces: `references` finds every Secret reference (the graph),
//! `pods` checks one pod spec, `credentials` tells what looks like a
//! credential. This module walks the inventory and checks the graph and
//! the Secrets themselves.

mod credentials;
mod pods;
mod references;
#[cfg(test)]
mod tests;

pub use credentials::{credential_name, literal_credential, url_with_password};

use super::Options;
use crate::audit::finding::{Finding, FindingId, ObjectRef};
use crate::audit::inventory::{object_ref, Inventory};
use credentials::credential_lines;
use references::{ingress_uses, service_account_uses, spec_uses, SecretUse};
use std::collections::{BTreeMap, HashSet};

const LEGACY_TOKEN: &str = "kubernetes.io/service-account-token";
/// Secret types managed by something else: never "unused".
const MANAGED_TYPES: &[&str] = &[
    LEGACY_TOKEN,
    "bootstrap.kubernetes.io/token",
    "helm.sh/release.v1",
];

pub fn check(inventory: &Inventory, options: &Options) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut uses: Vec<(ObjectRef, SecretUse)> = Vec::new();
    // Pods and ReplicaSets/Jobs whose controller is audited: their own
    // findings are reported on the controller.
    let mut controlled: HashSet<ObjectRef> = HashSet::new();

    for pod in inventory.pod_specs() {
        if pod.control_plane {
            continue;
        }
        let pod_uses = spec_uses(&pod.namespace, pod.spec);
        if pod.controlled {
            controlled.insert(pod.owner.clone());
        } else {
            findings.extend(pods::pod_findings(inventory, &pod, &pod_uses));
        }
        uses.extend(pod_uses.into_iter().map(|u| (pod.owner.clone(), u)));
    }
    uses.extend(service_account_uses(inventory));
    uses.extend(ingress_uses(inventory));

    findings.extend(missing_secrets(inventory, &uses, &controlled));
    findings.extend(secret_findings(inventory, &uses, options));
    findings.extend(config_map_findings(inventory));
    findings
}

/// The Secrets each service account's workloads use (env, volumes, pull
/// secrets): `(namespace, account)` -> Secret names of that namespace.
/// For `kvault audit access`, which asks whether an account's reads are
/// ones its workloads make.
pub fn secrets_by_account(
    inventory: &Inventory,
) -> std::collections::HashMap<(String, String), std::collections::BTreeSet<String>> {
    let mut out: std::collections::HashMap<_, std::collections::BTreeSet<String>> =
        Default::default();
    for pod in inventory.pod_specs() {
        let account = pod
            .spec
            .service_account_name
            .as_deref()
            .or(pod.spec.service_account.as_deref())
            .filter(|s| !s.is_empty())
            .unwrap_or("default");
        let used = out
            .entry((pod.namespace.clone(), account.to_string()))
            .or_default();
        used.extend(
            spec_uses(&pod.namespace, pod.spec)
                .into_iter()
                .map(|u| u.name),
        );
    }
    out
}

/// KV-WL-007, missing Secrets: one finding per (referring object, Secret).
fn missing_secrets(
    inventory: &Inventory,
    uses: &[(ObjectRef, SecretUse)],
    controlled: &HashSet<ObjectRef>,
) -> Vec<Finding> {
    let mut missing: BTreeMap<(ObjectRef, String, String), Vec<String>> = BTreeMap::new();
    for (owner, u) in uses {
        if !u.optional
            && !inventory.secrets.contains(&u.namespace, &u.name)
            && !controlled.contains(owner)
        {
            missing
                .entry((owner.clone(), u.namespace.clone(), u.name.clone()))
                .or_default()
                .push(u.site.to_string());
        }
    }
    missing
        .into_iter()
        .map(|((owner, namespace, name), sites)| {
            Finding::new(
                FindingId::Wl007,
                format!("{owner} refers to Secret `{namespace}/{name}`, which does not exist"),
                format!(
                    "{} (not optional); no such Secret among the audited objects",
                    dedup(sites).join("; ")
                ),
            )
            .object(owner)
            .object(ObjectRef::namespaced("Secret", &namespace, &name))
        })
        .collect()
}

/// Findings about the Secrets themselves: legacy tokens (KV-WL-006),
/// unused (KV-WL-008) and stale (KV-WL-009) Secrets.
fn secret_findings(
    inventory: &Inventory,
    uses: &[(ObjectRef, SecretUse)],
    options: &Options,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let used: HashSet<(&str, &str)> = uses
        .iter()
        .map(|(_, u)| (u.namespace.as_str(), u.name.as_str()))
        .collect();
    for secret in inventory.secrets.iter() {
        let object = object_ref(secret);
        let namespace = secret.metadata.namespace.as_deref().unwrap_or_default();
        let name = secret.metadata.name.as_deref().unwrap_or_default();
        let type_ = secret.type_.as_deref().unwrap_or("Opaque");
        if type_ == LEGACY_TOKEN {
            let sa = secret
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("kubernetes.io/service-account.name"))
                .map(String::as_str)
                .unwrap_or("(unknown)");
            findings.push(
                Finding::new(
                    FindingId::Wl006,
                    format!("Secret `{namespace}/{name}` is a long-lived token for ServiceAccount `{sa}`"),
                    format!("type {LEGACY_TOKEN}: a token that never expires"),
                )
                .object(object.clone())
                .object(ObjectRef::namespaced("ServiceAccount", namespace, sa)),
            );
        }
        if !MANAGED_TYPES.contains(&type_) && !used.contains(&(namespace, name)) {
            findings.push(
                Finding::new(
                    FindingId::Wl008,
                    format!("Secret `{namespace}/{name}` is not used"),
                    "no pod, workload template, service account or ingress among the audited objects refers to it",
                )
                .object(object.clone()),
            );
        }
        if type_ != "helm.sh/release.v1" {
            if let Some(created) = &secret.metadata.creation_timestamp {
                let age_days = (options.now - created.0.as_second()) / 86_400;
                if age_days > options.stale_after_days {
                    findings.push(
                        Finding::new(
                            FindingId::Wl009,
                            format!("Secret `{namespace}/{name}` was created {age_days} days ago"),
                            format!(
                                "creationTimestamp {} ({age_days} days > {})",
                                created.0, options.stale_after_days
                            ),
                        )
                        .object(object),
                    );
                }
            }
        }
    }
    findings
}

/// KV-WL-003: credential-like values in ConfigMaps.
fn config_map_findings(inventory: &Inventory) -> Vec<Finding> {
    let mut findings = Vec::new();
    for cm in inventory.config_maps.iter() {
        let mut hits = Vec::new();
        for (key, value) in cm.data.iter().flatten() {
            if credential_name(key) && literal_credential(value) {
                hits.push(format!("key `{key}`"));
            } else if url_with_password(value) {
                hits.push(format!("key `{key}` (URL with a password)"));
            } else if value.contains('\n') {
                for (line, setting) in credential_lines(value) {
                    hits.push(match setting {
                        Some(setting) => format!("key `{key}` line {line} (`{setting}`)"),
                        None => format!("key `{key}` line {line} (URL with a password)"),
                    });
                }
            }
        }
        if !hits.is_empty() {
            let object = object_ref(cm);
            findings.push(
                Finding::new(
                    FindingId::Wl003,
                    format!("{object} holds credential-like values"),
                    format!("literal values in {}", hits.join("; ")),
                )
                .object(object),
            );
        }
    }
    findings
}

fn dedup(mut items: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    items.retain(|i| seen.insert(i.clone()));
    items
}
