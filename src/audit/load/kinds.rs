//! Documents into the inventory by kind: the kinds the audit reads are
//! typed and stored, `List`s unpacked, an EncryptionConfiguration and
//! kube-apiserver's static Pod turned into encryption evidence; anything
//! else is counted as skipped.

use super::documents::Doc;
use super::typed::{blank_secret_values, typed};
use super::LoadError;
use crate::audit::finding::ObjectRef;
use crate::audit::inventory::{
    ApiserverFlags, Confidence, EncryptionConfig, EncryptionEvidence, EvidenceSource, Inventory,
    Observation,
};
use k8s_openapi::api::{apps::v1 as apps, batch::v1 as batch, core::v1 as core};
use k8s_openapi::api::{networking::v1 as net, rbac::v1 as rbac};
use serde_yaml::Value;
use std::path::Path;

const RBAC: &str = "rbac.authorization.k8s.io";

pub(super) fn add_document(
    inventory: &mut Inventory,
    mut doc: Value,
    ctx: &Doc,
) -> Result<(), LoadError> {
    let kind = doc.get("kind").and_then(Value::as_str).map(str::to_string);
    let api_version = doc
        .get("apiVersion")
        .and_then(Value::as_str)
        .map(str::to_string);
    let (Some(kind), Some(api_version)) = (kind, api_version) else {
        // Not a Kubernetes object: a values file, a kustomization, nothing.
        if !doc.is_null() {
            inventory.skipped += 1;
        }
        return Ok(());
    };
    if kind.ends_with("List") {
        if let Some(Value::Sequence(items)) = doc.get_mut("items").map(std::mem::take) {
            let ctx = Doc {
                in_list: true,
                ..*ctx
            };
            for item in items {
                add_document(inventory, item, &ctx)?;
            }
            return Ok(());
        }
    }
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let added = match group {
        "" => add_core(inventory, doc, ctx, &kind, &api_version)?,
        RBAC => add_rbac(inventory, doc, ctx, &kind, &api_version)?,
        "apiserver.config.k8s.io" if kind == "EncryptionConfiguration" => {
            add_encryption_config(inventory, &doc, ctx)?;
            true
        }
        _ => add_workload(inventory, doc, ctx, (group, &kind), &api_version)?,
    };
    if !added {
        tracing::debug!(
            "skipping {kind} ({api_version}) in `{}`: not audited",
            ctx.origin
        );
        inventory.skipped += 1;
    }
    Ok(())
}

/// A kind of the core group; `false` when the audit does not read it.
fn add_core(
    inventory: &mut Inventory,
    mut doc: Value,
    ctx: &Doc,
    kind: &str,
    api_version: &str,
) -> Result<bool, LoadError> {
    match kind {
        "Secret" => {
            blank_secret_values(&mut doc);
            let mut secret: core::Secret = typed(inventory, doc, ctx, api_version, true)?;
            crate::audit::inventory::sanitize_secret(&mut secret);
            inventory.secrets.insert(secret);
        }
        "ServiceAccount" => {
            let o = typed(inventory, doc, ctx, api_version, true)?;
            inventory.service_accounts.insert(o);
        }
        "ConfigMap" => {
            let o = typed(inventory, doc, ctx, api_version, true)?;
            inventory.config_maps.insert(o);
        }
        "Pod" => {
            let pod: core::Pod = typed(inventory, doc, ctx, api_version, true)?;
            add_pod(inventory, pod);
        }
        "ReplicationController" => {
            let o = typed(inventory, doc, ctx, api_version, true)?;
            inventory.replication_controllers.insert(o);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// A kind of `rbac.authorization.k8s.io`; `false` when the audit does not
/// read it.
fn add_rbac(
    inventory: &mut Inventory,
    doc: Value,
    ctx: &Doc,
    kind: &str,
    api_version: &str,
) -> Result<bool, LoadError> {
    match kind {
        "Role" => {
            let o = typed(inventory, doc, ctx, api_version, true)?;
            inventory.roles.insert(o);
        }
        "RoleBinding" => {
            let o = typed(inventory, doc, ctx, api_version, true)?;
            inventory.role_bindings.insert(o);
        }
        "ClusterRole" => {
            let o: rbac::ClusterRole = typed(inventory, doc, ctx, api_version, false)?;
            inventory.cluster_roles.insert(o);
        }
        "ClusterRoleBinding" => {
            let o: rbac::ClusterRoleBinding = typed(inventory, doc, ctx, api_version, false)?;
            inventory.cluster_role_bindings.insert(o);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// A workload controller or an Ingress, by (group, kind); `false` when the
/// audit does not read it.
fn add_workload(
    inventory: &mut Inventory,
    doc: Value,
    ctx: &Doc,
    (group, kind): (&str, &str),
    api_version: &str,
) -> Result<bool, LoadError> {
    match (group, kind) {
        ("apps" | "extensions", "Deployment") => {
            let o: apps::Deployment = typed(inventory, doc, ctx, api_version, true)?;
            inventory.deployments.insert(o);
        }
        ("apps" | "extensions", "DaemonSet") => {
            let o: apps::DaemonSet = typed(inventory, doc, ctx, api_version, true)?;
            inventory.daemon_sets.insert(o);
        }
        ("apps" | "extensions", "ReplicaSet") => {
            let o: apps::ReplicaSet = typed(inventory, doc, ctx, api_version, true)?;
            inventory.replica_sets.insert(o);
        }
        ("apps", "StatefulSet") => {
            let o: apps::StatefulSet = typed(inventory, doc, ctx, api_version, true)?;
            inventory.stateful_sets.insert(o);
        }
        ("batch", "Job") => {
            let o: batch::Job = typed(inventory, doc, ctx, api_version, true)?;
            inventory.jobs.insert(o);
        }
        ("batch", "CronJob") => {
            let o: batch::CronJob = typed(inventory, doc, ctx, api_version, true)?;
            inventory.cron_jobs.insert(o);
        }
        ("networking.k8s.io" | "extensions", "Ingress") => {
            let o: net::Ingress = typed(inventory, doc, ctx, api_version, true)?;
            inventory.ingresses.insert(o);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// An EncryptionConfiguration among the manifests: evidence of low
/// confidence (nothing says the apiserver uses it).
fn add_encryption_config(
    inventory: &mut Inventory,
    doc: &Value,
    ctx: &Doc,
) -> Result<(), LoadError> {
    let config = EncryptionConfig::from_value(doc).map_err(|message| LoadError::Parse {
        origin: ctx.origin.into(),
        message: format!("EncryptionConfiguration ({}): {message}", ctx.describe()),
    })?;
    let name = doc
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| file_name(ctx.origin));
    let object = ObjectRef::cluster("EncryptionConfiguration", name);
    inventory.sources.insert(object.clone(), ctx.location());
    inventory.encryption.push(EncryptionEvidence {
        source: EvidenceSource::Manifest { object },
        confidence: Confidence::Low,
        observation: Observation::Config(config),
    });
    Ok(())
}

/// Insert a Pod; kube-apiserver's static (or mirror) Pod in kube-system
/// also gives its flags as encryption evidence. Shared with the live loader.
pub(crate) fn add_pod(inventory: &mut Inventory, pod: k8s_openapi::api::core::v1::Pod) {
    if let Some(flags) = apiserver_flags(&pod) {
        inventory.encryption.push(EncryptionEvidence {
            source: EvidenceSource::ApiserverFlags {
                object: flags.object.clone(),
            },
            confidence: Confidence::High,
            observation: Observation::ProviderConfigFlag(
                flags
                    .get("encryption-provider-config")
                    .filter(|p| !p.is_empty())
                    .map(str::to_string),
            ),
        });
        inventory.apiserver = Some(flags);
    }
    inventory.pods.insert(pod);
}

fn file_name(origin: &str) -> String {
    Path::new(origin)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| origin.to_string())
}

/// kube-apiserver's flags when `pod` is its static pod in kube-system.
fn apiserver_flags(pod: &k8s_openapi::api::core::v1::Pod) -> Option<ApiserverFlags> {
    if pod.metadata.namespace.as_deref() != Some("kube-system") {
        return None;
    }
    let labelled = pod
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get("component"))
        .is_some_and(|c| c == "kube-apiserver");
    let spec = pod.spec.as_ref()?;
    let container = spec.containers.iter().find(|c| {
        c.name == "kube-apiserver"
            || c.command
                .as_ref()
                .and_then(|cmd| cmd.first())
                .is_some_and(|c0| c0.ends_with("kube-apiserver"))
    });
    let container = match container {
        Some(c) => c,
        None if labelled && spec.containers.len() == 1 => &spec.containers[0],
        None => return None,
    };
    let mut args: Vec<String> = container.command.clone().unwrap_or_default();
    args.extend(container.args.clone().unwrap_or_default());
    Some(ApiserverFlags::parse(
        crate::audit::inventory::object_ref(pod),
        &args,
    ))
}
