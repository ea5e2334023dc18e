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
use crate::audit::kind::{namespaced, Audited, Kind, Visitor};
use serde_yaml::Value;
use std::path::Path;

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
    if group == "apiserver.config.k8s.io" && kind == "EncryptionConfiguration" {
        return add_encryption_config(inventory, &doc, ctx);
    }
    match Kind::of_manifest(group, &kind) {
        Some(audited) => audited.visit(AddDocument {
            inventory,
            doc,
            ctx,
            api_version: &api_version,
        }),
        None => {
            tracing::debug!(
                "skipping {kind} ({api_version}) in `{}`: not audited",
                ctx.origin
            );
            inventory.skipped += 1;
            Ok(())
        }
    }
}

/// A document of an audited kind: typed (namespace defaulted or dropped by
/// the kind's scope; a Secret's values blanked first) and added.
struct AddDocument<'a> {
    inventory: &'a mut Inventory,
    doc: Value,
    ctx: &'a Doc<'a>,
    api_version: &'a str,
}

impl Visitor for AddDocument<'_> {
    type Out = Result<(), LoadError>;

    fn visit<T: Audited>(mut self) -> Self::Out {
        if T::AUDITED == Kind::Secret {
            blank_secret_values(&mut self.doc);
        }
        let object: T = typed(
            self.inventory,
            self.doc,
            self.ctx,
            self.api_version,
            namespaced::<T>(),
        )?;
        object.add(self.inventory);
        Ok(())
    }
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
