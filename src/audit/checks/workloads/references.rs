//! The reference graph: every place an object names a Secret, as a
//! [`SecretUse`] with a typed [`Site`] (a container's environment, a
//! volume, `imagePullSecrets`, ...). The checks decide by the site's kind,
//! and quote it by its `Display`.

use crate::audit::finding::ObjectRef;
use crate::audit::inventory::{object_ref, Inventory};
use k8s_openapi::api::core::v1::{EnvFromSource, EnvVar, PodSpec, Volume};
use std::fmt;

/// A reference from an object to a Secret.
#[derive(Clone, Debug)]
pub(super) struct SecretUse {
    pub(super) namespace: String,
    pub(super) name: String,
    /// Where in the object the reference sits.
    pub(super) site: Site,
    pub(super) optional: bool,
}

/// Where in an object a Secret reference sits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Site {
    /// A container's `env[].valueFrom.secretKeyRef`.
    Env {
        container: String,
        var: String,
        key: String,
    },
    /// A container's `envFrom[].secretRef`.
    EnvFrom { container: String },
    /// A pod volume: `secret`, a projected `secret` source, or a volume
    /// plugin's `secretRef`.
    Volume { name: String, projected: bool },
    /// `imagePullSecrets` of a pod spec or a ServiceAccount.
    ImagePullSecrets,
    /// A ServiceAccount's `secrets` list.
    ServiceAccountSecrets,
    /// An Ingress's `tls[i].secretName`.
    IngressTls(usize),
}

impl Site {
    /// In a container's environment (`env` or `envFrom`): the Secret's
    /// values end up in environment variables.
    pub(super) fn in_environment(&self) -> bool {
        matches!(self, Site::Env { .. } | Site::EnvFrom { .. })
    }
}

/// As findings quote it: `container `api` env `X` (secretKeyRef key `k`)`,
/// `volume `certs``, `imagePullSecrets`, ...
impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Site::Env {
                container,
                var,
                key,
            } => write!(
                f,
                "container `{container}` env `{var}` (secretKeyRef key `{key}`)"
            ),
            Site::EnvFrom { container } => write!(f, "container `{container}` envFrom"),
            Site::Volume {
                name,
                projected: false,
            } => write!(f, "volume `{name}`"),
            Site::Volume {
                name,
                projected: true,
            } => write!(f, "volume `{name}` (projected)"),
            Site::ImagePullSecrets => f.write_str("imagePullSecrets"),
            Site::ServiceAccountSecrets => f.write_str("secrets"),
            Site::IngressTls(i) => write!(f, "tls[{i}].secretName"),
        }
    }
}

/// The Secret references of every ServiceAccount: `imagePullSecrets` and
/// the legacy `secrets` list.
pub(super) fn service_account_uses(inventory: &Inventory) -> Vec<(ObjectRef, SecretUse)> {
    let mut uses = Vec::new();
    for sa in inventory.service_accounts.iter() {
        let namespace = sa.metadata.namespace.clone().unwrap_or_default();
        let owner = object_ref(sa);
        for r in sa.image_pull_secrets.iter().flatten() {
            uses.push((
                owner.clone(),
                SecretUse {
                    namespace: namespace.clone(),
                    name: r.name.clone(),
                    site: Site::ImagePullSecrets,
                    optional: false,
                },
            ));
        }
        for r in sa.secrets.iter().flatten() {
            if let Some(name) = &r.name {
                uses.push((
                    owner.clone(),
                    SecretUse {
                        namespace: r.namespace.clone().unwrap_or_else(|| namespace.clone()),
                        name: name.clone(),
                        site: Site::ServiceAccountSecrets,
                        // Legacy token list: the controller keeps it; a gap is not an outage.
                        optional: true,
                    },
                ));
            }
        }
    }
    uses
}

/// The TLS Secrets of every Ingress.
pub(super) fn ingress_uses(inventory: &Inventory) -> Vec<(ObjectRef, SecretUse)> {
    let mut uses = Vec::new();
    for ingress in inventory.ingresses.iter() {
        let namespace = ingress.metadata.namespace.clone().unwrap_or_default();
        for (i, tls) in ingress
            .spec
            .iter()
            .flat_map(|s| s.tls.iter().flatten())
            .enumerate()
        {
            if let Some(name) = &tls.secret_name {
                uses.push((
                    object_ref(ingress),
                    SecretUse {
                        namespace: namespace.clone(),
                        name: name.clone(),
                        site: Site::IngressTls(i),
                        optional: false,
                    },
                ));
            }
        }
    }
    uses
}

/// The containers of a pod spec: (name, env, envFrom).
pub(super) fn containers(spec: &PodSpec) -> Vec<(&str, &[EnvVar], &[EnvFromSource])> {
    let mut out: Vec<(&str, &[EnvVar], &[EnvFromSource])> = Vec::new();
    for c in spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
    {
        out.push((
            &c.name,
            c.env.as_deref().unwrap_or_default(),
            c.env_from.as_deref().unwrap_or_default(),
        ));
    }
    for c in spec.ephemeral_containers.iter().flatten() {
        out.push((
            &c.name,
            c.env.as_deref().unwrap_or_default(),
            c.env_from.as_deref().unwrap_or_default(),
        ));
    }
    out
}

/// Every Secret reference of a pod spec.
pub(super) fn spec_uses(namespace: &str, spec: &PodSpec) -> Vec<SecretUse> {
    let mut uses = Vec::new();
    let mut add = |name: &str, site: Site, optional: Option<bool>| {
        if !name.is_empty() {
            uses.push(SecretUse {
                namespace: namespace.to_string(),
                name: name.to_string(),
                site,
                optional: optional.unwrap_or(false),
            });
        }
    };
    for (container, env, env_from) in containers(spec) {
        for var in env {
            if let Some(r) = var
                .value_from
                .as_ref()
                .and_then(|v| v.secret_key_ref.as_ref())
            {
                add(
                    &r.name,
                    Site::Env {
                        container: container.to_string(),
                        var: var.name.clone(),
                        key: r.key.clone(),
                    },
                    r.optional,
                );
            }
        }
        for from in env_from {
            if let Some(r) = &from.secret_ref {
                add(
                    &r.name,
                    Site::EnvFrom {
                        container: container.to_string(),
                    },
                    r.optional,
                );
            }
        }
    }
    for volume in spec.volumes.iter().flatten() {
        volume_uses(volume, &mut add);
    }
    for r in spec.image_pull_secrets.iter().flatten() {
        add(&r.name, Site::ImagePullSecrets, None);
    }
    uses
}

fn volume_uses(volume: &Volume, add: &mut impl FnMut(&str, Site, Option<bool>)) {
    let site = |projected| Site::Volume {
        name: volume.name.clone(),
        projected,
    };
    if let Some(s) = &volume.secret {
        if let Some(name) = &s.secret_name {
            add(name, site(false), s.optional);
        }
    }
    for source in volume
        .projected
        .iter()
        .flat_map(|p| p.sources.iter().flatten())
    {
        if let Some(s) = &source.secret {
            add(&s.name, site(true), s.optional);
        }
    }
    let refs = [
        volume
            .csi
            .as_ref()
            .and_then(|v| v.node_publish_secret_ref.as_ref()),
        volume.cephfs.as_ref().and_then(|v| v.secret_ref.as_ref()),
        volume.cinder.as_ref().and_then(|v| v.secret_ref.as_ref()),
        volume
            .flex_volume
            .as_ref()
            .and_then(|v| v.secret_ref.as_ref()),
        volume.iscsi.as_ref().and_then(|v| v.secret_ref.as_ref()),
        volume.rbd.as_ref().and_then(|v| v.secret_ref.as_ref()),
        volume.scale_io.as_ref().map(|v| &v.secret_ref),
        volume
            .storageos
            .as_ref()
            .and_then(|v| v.secret_ref.as_ref()),
    ];
    for r in refs.into_iter().flatten() {
        add(&r.name, site(false), None);
    }
    if let Some(azure) = &volume.azure_file {
        add(&azure.secret_name, site(false), None);
    }
}
