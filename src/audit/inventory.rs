//! Everything the checks look at, in one plain data type. The offline loader
//! ([`super::load`]) fills it from manifests; a live loader fills the same
//! fields from the API server (and may add encryption evidence from metrics
//! or etcd). Checks never know which one did.
//!
//! Secrets are stored without their values: loaders must blank `data` and
//! `stringData` (keeping the keys) and drop the last-applied annotation
//! before inserting ([`sanitize_secret`] does that on a typed Secret).

use super::finding::{Location, ObjectRef};
use super::kind::Kind;
use k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, Pod, PodSpec, ReplicationController, Secret, ServiceAccount,
};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::HashMap;

/// The annotation `kubectl apply` uses to keep the whole last applied
/// object, values included.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Objects of one kind, unique by namespace and name (a later insert
/// replaces an earlier one, as applying both would).
#[derive(Clone, Debug)]
pub struct Objects<T> {
    items: Vec<T>,
    index: HashMap<(String, String), usize>,
}

impl<T> Default for Objects<T> {
    fn default() -> Self {
        Objects {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T: k8s_openapi::Metadata<Ty = ObjectMeta>> Objects<T> {
    /// Insert or replace; true when it replaced an object of the same name.
    pub fn insert(&mut self, object: T) -> bool {
        let key = key_of(object.metadata());
        match self.index.get(&key) {
            Some(&i) => {
                self.items[i] = object;
                true
            }
            None => {
                self.index.insert(key, self.items.len());
                self.items.push(object);
                false
            }
        }
    }

    /// The object `namespace/name` (namespace `""` for cluster-scoped kinds).
    pub fn get(&self, namespace: &str, name: &str) -> Option<&T> {
        self.index
            .get(&(namespace.to_string(), name.to_string()))
            .map(|&i| &self.items[i])
    }

    pub fn contains(&self, namespace: &str, name: &str) -> bool {
        self.get(namespace, name).is_some()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

fn key_of(meta: &ObjectMeta) -> (String, String) {
    (
        meta.namespace.clone().unwrap_or_default(),
        meta.name.clone().unwrap_or_default(),
    )
}

/// The reference to an object of a k8s-openapi type.
pub fn object_ref<T: k8s_openapi::Resource + k8s_openapi::Metadata<Ty = ObjectMeta>>(
    object: &T,
) -> ObjectRef {
    let meta = object.metadata();
    ObjectRef::new(
        T::KIND,
        meta.namespace.as_deref(),
        meta.name.clone().unwrap_or_default(),
    )
}

/// Blank every value of a Secret (keeping its keys) and drop annotations
/// that repeat the whole object.
pub fn sanitize_secret(secret: &mut Secret) {
    if let Some(data) = &mut secret.data {
        for value in data.values_mut() {
            value.0.clear();
        }
    }
    if let Some(data) = &mut secret.string_data {
        for value in data.values_mut() {
            value.clear();
        }
    }
    if let Some(annotations) = &mut secret.metadata.annotations {
        annotations.remove(LAST_APPLIED);
    }
}

/// A kind that could not be listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unlisted {
    /// `Secret`, `ClusterRole`, ...
    pub kind: &'static str,
    pub reason: String,
}

/// Everything the checks see: the objects of each kind of
/// [`super::kind`]'s table, one field per kind, and what else is known.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    pub secrets: Objects<Secret>,
    pub service_accounts: Objects<ServiceAccount>,
    pub config_maps: Objects<ConfigMap>,
    pub roles: Objects<Role>,
    pub cluster_roles: Objects<ClusterRole>,
    pub role_bindings: Objects<RoleBinding>,
    pub cluster_role_bindings: Objects<ClusterRoleBinding>,
    pub pods: Objects<Pod>,
    pub deployments: Objects<Deployment>,
    pub stateful_sets: Objects<StatefulSet>,
    pub daemon_sets: Objects<DaemonSet>,
    pub replica_sets: Objects<ReplicaSet>,
    pub replication_controllers: Objects<ReplicationController>,
    pub jobs: Objects<Job>,
    pub cron_jobs: Objects<CronJob>,
    pub ingresses: Objects<Ingress>,
    pub mutating_webhooks: Objects<MutatingWebhookConfiguration>,
    /// kube-apiserver's command line, from its static Pod manifest (offline)
    /// or its Pod in kube-system (live), when seen.
    pub apiserver: Option<ApiserverFlags>,
    /// What is known about encryption at rest, from every source.
    pub encryption: Vec<EncryptionEvidence>,
    /// Kinds the live loader could not list (forbidden, not served), and
    /// why: checks that conclude from an object's absence skip them.
    pub unlisted: Vec<Unlisted>,
    /// Where each object was read from (offline only).
    pub sources: HashMap<ObjectRef, Location>,
    /// Documents skipped because their kind is not audited.
    pub skipped: usize,
    /// Objects read more than once (offline), in the order met: only the
    /// last of each is audited, so the user is told.
    pub duplicates: Vec<Duplicate>,
}

/// An object met again (same kind, namespace and name) after it was read:
/// the later one replaces the earlier, as applying both would.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    pub object: ObjectRef,
    /// Where it was read before (the earlier copy, now replaced).
    pub first: Location,
    /// Where it was read again (the copy that is audited).
    pub again: Location,
}

impl Inventory {
    /// How many objects the checks look at.
    pub fn object_count(&self) -> usize {
        Kind::ALL.iter().map(|kind| kind.count(self)).sum()
    }

    /// Every pod spec: Pods and the pod templates of workload controllers.
    pub fn pod_specs(&self) -> Vec<PodSpecRef<'_>> {
        let mut out = Vec::new();
        for pod in self.pods.iter() {
            if let Some(spec) = &pod.spec {
                out.push(self.spec_ref(object_ref(pod), &pod.metadata, spec));
            }
        }
        macro_rules! templates {
            ($list:expr, $template:expr) => {
                for w in $list.iter() {
                    if let Some(spec) = w.spec.as_ref().and_then($template) {
                        out.push(self.spec_ref(object_ref(w), &w.metadata, spec));
                    }
                }
            };
        }
        templates!(self.deployments, |s| s.template.spec.as_ref());
        templates!(self.stateful_sets, |s| s.template.spec.as_ref());
        templates!(self.daemon_sets, |s| s.template.spec.as_ref());
        templates!(self.replica_sets, |s| s
            .template
            .as_ref()
            .and_then(|t| t.spec.as_ref()));
        templates!(self.jobs, |s| s.template.spec.as_ref());
        for rc in self.replication_controllers.iter() {
            if let Some(spec) = rc
                .spec
                .as_ref()
                .and_then(|s| s.template.as_ref())
                .and_then(|t| t.spec.as_ref())
            {
                out.push(self.spec_ref(object_ref(rc), &rc.metadata, spec));
            }
        }
        for cj in self.cron_jobs.iter() {
            if let Some(spec) = cj
                .spec
                .as_ref()
                .and_then(|s| s.job_template.spec.as_ref())
                .and_then(|j| j.template.spec.as_ref())
            {
                out.push(self.spec_ref(object_ref(cj), &cj.metadata, spec));
            }
        }
        out
    }

    fn spec_ref<'a>(
        &self,
        owner: ObjectRef,
        meta: &'a ObjectMeta,
        spec: &'a PodSpec,
    ) -> PodSpecRef<'a> {
        let namespace = meta.namespace.as_deref().unwrap_or("default");
        PodSpecRef {
            controlled: self.controller_present(namespace, meta),
            control_plane: owner.kind == "Pod" && is_control_plane_pod(meta),
            owner,
            namespace: namespace.to_string(),
            spec,
        }
    }

    /// True when `meta` names a controller (ownerReference with
    /// `controller: true`) that is in the inventory: its findings are
    /// reported on the controller.
    fn controller_present(&self, namespace: &str, meta: &ObjectMeta) -> bool {
        let Some(owners) = &meta.owner_references else {
            return false;
        };
        owners
            .iter()
            .filter(|o| o.controller == Some(true))
            .any(|o| match o.kind.as_str() {
                "ReplicaSet" => self.replica_sets.contains(namespace, &o.name),
                "Deployment" => self.deployments.contains(namespace, &o.name),
                "StatefulSet" => self.stateful_sets.contains(namespace, &o.name),
                "DaemonSet" => self.daemon_sets.contains(namespace, &o.name),
                "Job" => self.jobs.contains(namespace, &o.name),
                "CronJob" => self.cron_jobs.contains(namespace, &o.name),
                "ReplicationController" => {
                    self.replication_controllers.contains(namespace, &o.name)
                }
                _ => false,
            })
    }

    /// Where `object` was read from.
    pub fn location(&self, object: &ObjectRef) -> Option<&Location> {
        self.sources.get(object)
    }
}

/// A control-plane static pod (kube-apiserver, etcd, ...): not a workload.
pub fn is_control_plane_pod(meta: &ObjectMeta) -> bool {
    if meta.namespace.as_deref() != Some("kube-system") {
        return false;
    }
    let labels = meta.labels.as_ref();
    let label = |k: &str| labels.and_then(|l| l.get(k)).map(String::as_str);
    label("tier") == Some("control-plane")
        || matches!(
            label("component"),
            Some("kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "etcd")
        )
}

/// One pod spec and what it belongs to.
#[derive(Clone, Debug)]
pub struct PodSpecRef<'a> {
    /// The Pod or the workload whose template this is.
    pub owner: ObjectRef,
    pub namespace: String,
    pub spec: &'a PodSpec,
    /// A Pod or ReplicaSet/Job whose controller is also in the inventory.
    pub controlled: bool,
    /// A control-plane static pod in kube-system.
    pub control_plane: bool,
}

/// kube-apiserver's flags, `--name=value` split into name and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiserverFlags {
    pub object: ObjectRef,
    pub flags: Vec<(String, Option<String>)>,
}

impl ApiserverFlags {
    /// Parse a command line (`kube-apiserver --a=b --c d --e`).
    pub fn parse(object: ObjectRef, args: &[String]) -> Self {
        let mut flags = Vec::new();
        let mut i = 0;
        while i < args.len() {
            if let Some(flag) = args[i].strip_prefix("--") {
                if let Some((name, value)) = flag.split_once('=') {
                    flags.push((name.to_string(), Some(value.to_string())));
                } else if args.get(i + 1).is_some_and(|next| !next.starts_with('-')) {
                    flags.push((flag.to_string(), Some(args[i + 1].clone())));
                    i += 1;
                } else {
                    flags.push((flag.to_string(), None));
                }
            }
            i += 1;
        }
        ApiserverFlags { object, flags }
    }

    /// The value of flag `name` (the last one wins, as with pflag).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    }
}

/// A piece of evidence about encryption at rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptionEvidence {
    pub source: EvidenceSource,
    pub confidence: Confidence,
    pub observation: Observation,
}

/// Where encryption evidence came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvidenceSource {
    /// The file given with `--encryption-config`.
    ConfigFile { path: String },
    /// An EncryptionConfiguration document among the manifests.
    Manifest { object: ObjectRef },
    /// kube-apiserver's command line (its static Pod manifest).
    ApiserverFlags { object: ObjectRef },
    /// The API server's `/metrics` (live).
    ApiserverMetrics { server: String },
    /// etcd's key space under `/registry/secrets/` (live, `--etcd-endpoint`).
    Etcd { endpoint: String },
}

impl EvidenceSource {
    /// For evidence strings: `kube-apiserver flags (Pod/kube-system/x)`.
    pub fn describe(&self) -> String {
        match self {
            EvidenceSource::ConfigFile { path } => format!("--encryption-config `{path}`"),
            EvidenceSource::Manifest { object } => format!("manifest {object}"),
            EvidenceSource::ApiserverFlags { object } => format!("kube-apiserver flags ({object})"),
            EvidenceSource::ApiserverMetrics { server } => format!("apiserver metrics ({server})"),
            EvidenceSource::Etcd { endpoint } => format!("etcd ({endpoint})"),
        }
    }

    pub fn object(&self) -> Option<&ObjectRef> {
        match self {
            EvidenceSource::Manifest { object } | EvidenceSource::ApiserverFlags { object } => {
                Some(object)
            }
            EvidenceSource::ConfigFile { .. }
            | EvidenceSource::ApiserverMetrics { .. }
            | EvidenceSource::Etcd { .. } => None,
        }
    }
}

/// How sure a piece of evidence is that it describes the running cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    /// A configuration file that may or may not be the one in use.
    Low,
    /// A file the user says is the one in use.
    Medium,
    /// The apiserver's own flags, or its metrics about what it wrote.
    High,
    /// What etcd holds: how each Secret is actually stored.
    Definitive,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
            Confidence::Definitive => "definitive",
        }
    }
}

/// What a piece of evidence says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observation {
    /// An EncryptionConfiguration's provider chains (key material dropped).
    Config(EncryptionConfig),
    /// kube-apiserver's `--encryption-provider-config`: the path, or `None`
    /// when the flag is absent.
    ProviderConfigFlag(Option<String>),
    /// The apiserver's storage transformation counters for `secrets`.
    Transforms(StorageTransforms),
    /// How the Secrets in etcd are stored.
    Stored(StoredSecrets),
    /// A source that was asked but could not answer (forbidden, down).
    Unavailable(String),
}

/// How stored bytes are encoded, from a transformer prefix (`""` or
/// `identity` for plaintext, `k8s:enc:<provider>:<version>:[key:]`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StoredFormat {
    Plaintext,
    Encrypted {
        /// `aescbc`, `aesgcm`, `secretbox`, `kms`, ...
        provider: String,
        /// `v1`, `v2`.
        version: String,
    },
}

/// The prefix every encrypted value starts with.
pub const ENCRYPTED_PREFIX: &str = "k8s:enc:";

impl StoredFormat {
    /// From a metrics `transformer_prefix` or the first bytes of a stored
    /// value. Anything without `k8s:enc:` is plaintext.
    pub fn from_prefix(prefix: &[u8]) -> Self {
        let Some(rest) = prefix.strip_prefix(ENCRYPTED_PREFIX.as_bytes()) else {
            return StoredFormat::Plaintext;
        };
        let mut parts = rest.splitn(3, |&b| b == b':');
        let mut part = || {
            parts
                .next()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .unwrap_or_default()
        };
        StoredFormat::Encrypted {
            provider: part(),
            version: part(),
        }
    }

    /// `plaintext`, `secretbox v1`, `kms v2`.
    pub fn describe(&self) -> String {
        match self {
            StoredFormat::Plaintext => "plaintext".into(),
            StoredFormat::Encrypted { provider, version } => format!("{provider} {version}"),
        }
    }
}

/// `apiserver_storage_transformation_operations_total{resource="secrets"}`,
/// summed by direction and format. Counters run since the apiserver started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StorageTransforms {
    /// Writes: how the apiserver encodes Secrets it stores.
    pub to_storage: Vec<(StoredFormat, u64)>,
    /// Reads: how the Secrets it read were stored.
    pub from_storage: Vec<(StoredFormat, u64)>,
    /// Whether the audit read a Secret from storage before scraping, so that
    /// an encrypting transformer would have shown up.
    pub probed: bool,
}

/// What etcd holds under `/registry/secrets/`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredSecrets {
    pub total: usize,
    /// Secrets stored without the `k8s:enc:` prefix, `namespace/name`.
    pub plaintext: Vec<String>,
    /// Counts of encrypted Secrets by format.
    pub encrypted: Vec<(StoredFormat, usize)>,
}

/// An `apiserver.config.k8s.io/v1` EncryptionConfiguration without its keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncryptionConfig {
    pub entries: Vec<EncryptionEntry>,
}

/// One `resources` entry: the resources it covers, its providers in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncryptionEntry {
    pub resources: Vec<String>,
    pub providers: Vec<Provider>,
}

/// A provider of an entry: its kind and, for kms, its API version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    /// `identity`, `aesgcm`, `aescbc`, `secretbox`, `kms`, or whatever
    /// unknown key the file used.
    pub kind: String,
    /// The provider's `name` (kms only).
    pub name: Option<String>,
    /// kms `apiVersion` (`v1` when absent, as the apiserver defaults it).
    pub kms_api_version: Option<String>,
    /// The keys of `aescbc`, `aesgcm` and `secretbox`: names and lengths,
    /// never the key material.
    pub keys: Vec<KeyLength>,
}

/// A provider key as the audit keeps it: its name and how many bytes its
/// base64 `secret` decodes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyLength {
    pub name: String,
    /// `None` when `secret` is missing or not valid base64.
    pub bytes: Option<usize>,
}

impl KeyLength {
    /// The lengths kube-apiserver accepts for a key of `provider` (it
    /// refuses to start on any other): AES-128/192/256 for aescbc and
    /// aesgcm, 32 bytes for secretbox (XSalsa20-Poly1305). `None` for
    /// providers without keys.
    pub fn valid_lengths(provider: &str) -> Option<&'static [usize]> {
        match provider {
            "aescbc" | "aesgcm" => Some(&[16, 24, 32]),
            "secretbox" => Some(&[32]),
            _ => None,
        }
    }
}

/// The keys of a provider body (`{keys: [{name, secret}]}`), measured and
/// the decoded material wiped at once.
fn key_lengths(body: &serde_yaml::Value) -> Vec<KeyLength> {
    use base64::Engine as _;
    let keys = body.get("keys").and_then(|k| k.as_sequence());
    keys.into_iter()
        .flatten()
        .enumerate()
        .map(|(i, key)| {
            let name = key
                .get("name")
                .and_then(|n| n.as_str())
                .map_or_else(|| format!("keys[{i}]"), str::to_string);
            let bytes = key.get("secret").and_then(|s| s.as_str()).and_then(|s| {
                base64::engine::general_purpose::STANDARD
                    .decode(s.trim())
                    .ok()
                    .map(|material| zeroize::Zeroizing::new(material).len())
            });
            KeyLength { name, bytes }
        })
        .collect()
}

impl EncryptionConfig {
    /// Read an EncryptionConfiguration from a parsed document, keeping only
    /// resources and provider kinds. Errors name the field in question.
    pub fn from_value(value: &serde_yaml::Value) -> Result<Self, String> {
        let entries = value
            .get("resources")
            .ok_or("an EncryptionConfiguration needs `resources`")?
            .as_sequence()
            .ok_or("`resources` must be a list")?;
        let mut config = EncryptionConfig::default();
        for (i, entry) in entries.iter().enumerate() {
            let resources = entry
                .get("resources")
                .and_then(|r| r.as_sequence())
                .ok_or(format!("resources[{i}].resources must be a list"))?
                .iter()
                .map(|r| {
                    r.as_str()
                        .map(str::to_string)
                        .ok_or(format!("resources[{i}].resources holds a non-string"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let providers = entry
                .get("providers")
                .and_then(|p| p.as_sequence())
                .ok_or(format!("resources[{i}].providers must be a list"))?
                .iter()
                .enumerate()
                .map(|(j, p)| {
                    let map = p
                        .as_mapping()
                        .ok_or(format!("resources[{i}].providers[{j}] must be a mapping"))?;
                    let (kind, body) = map
                        .iter()
                        .next()
                        .ok_or(format!("resources[{i}].providers[{j}] names no provider"))?;
                    let kind = kind
                        .as_str()
                        .ok_or(format!(
                            "resources[{i}].providers[{j}] has a non-string key"
                        ))?
                        .to_string();
                    let field = |f: &str| body.get(f).and_then(|v| v.as_str()).map(str::to_string);
                    let is_kms = kind == "kms";
                    let keys = if KeyLength::valid_lengths(&kind).is_some() {
                        key_lengths(body)
                    } else {
                        Vec::new()
                    };
                    Ok(Provider {
                        keys,
                        name: if is_kms { field("name") } else { None },
                        kms_api_version: if is_kms {
                            Some(field("apiVersion").unwrap_or_else(|| "v1".into()))
                        } else {
                            None
                        },
                        kind,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            config.entries.push(EncryptionEntry {
                resources,
                providers,
            });
        }
        Ok(config)
    }

    /// The entry that applies to Secrets: the first whose resources name
    /// `secrets` or a wildcard covering the core group (`*.` or `*.*`).
    pub fn secrets_entry(&self) -> Option<(usize, &EncryptionEntry)> {
        self.entries.iter().enumerate().find(|(_, e)| {
            e.resources
                .iter()
                .any(|r| matches!(r.as_str(), "secrets" | "*." | "*.*"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apiserver_flags_parse_both_spellings_and_last_wins() {
        let args: Vec<String> = [
            "kube-apiserver",
            "--a=1",
            "--encryption-provider-config",
            "/etc/enc.yaml",
            "--flag",
            "--a=2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let flags = ApiserverFlags::parse(ObjectRef::cluster("Pod", "x"), &args);
        assert_eq!(
            flags.get("encryption-provider-config"),
            Some("/etc/enc.yaml")
        );
        assert_eq!(flags.get("a"), Some("2"));
        assert_eq!(flags.get("flag"), Some(""));
        assert_eq!(flags.get("nope"), None);
    }

    #[test]
    fn encryption_config_keeps_kinds_and_drops_keys() {
        let doc: serde_yaml::Value = serde_yaml::from_str(
            r#"
resources:
  - resources: [configmaps]
    providers: [{identity: {}}]
  - resources: [secrets]
    providers:
      - kms: {apiVersion: v2, name: vault, endpoint: unix:///k.sock}
      - kms: {name: old, endpoint: unix:///o.sock}
      - aescbc: {keys: [{name: k1, secret: c2VjcmV0LWtleS1tYXRlcmlhbA==}]}
"#,
        )
        .unwrap();
        let config = EncryptionConfig::from_value(&doc).unwrap();
        let (i, entry) = config.secrets_entry().unwrap();
        assert_eq!(i, 1);
        let kinds: Vec<_> = entry.providers.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["kms", "kms", "aescbc"]);
        assert_eq!(entry.providers[0].kms_api_version.as_deref(), Some("v2"));
        assert_eq!(entry.providers[1].kms_api_version.as_deref(), Some("v1"));
        assert!(!format!("{config:?}").contains("c2VjcmV0"));
        assert_eq!(
            entry.providers[2].keys,
            [KeyLength {
                name: "k1".into(),
                bytes: Some(19)
            }]
        );
    }

    #[test]
    fn wildcard_resources_cover_secrets() {
        for r in ["*.", "*.*"] {
            let config = EncryptionConfig {
                entries: vec![EncryptionEntry {
                    resources: vec!["deployments.apps".into(), r.into()],
                    providers: vec![],
                }],
            };
            assert!(config.secrets_entry().is_some(), "{r}");
        }
        let apps_only = EncryptionConfig {
            entries: vec![EncryptionEntry {
                resources: vec!["*.apps".into()],
                providers: vec![],
            }],
        };
        assert!(apps_only.secrets_entry().is_none());
    }
}
