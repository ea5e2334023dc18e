//! Kubernetes Secrets as a store: `k8s:NAMESPACE/NAME[#key]`.
//!
//! Writes are server-side apply with field manager `kvault`, and label the
//! Secret `app.kubernetes.io/managed-by=kvault`. Kubernetes keeps no history,
//! so a Secret's "version" is kvault's own counter in the annotation
//! `kvault.dev/version`, bumped on every kvault write; check-and-set compares
//! it and sends the `resourceVersion` read as a precondition, so a concurrent
//! writer makes the apply fail with a conflict instead of being overwritten.

use super::{Cas, Secret, SecretData, SecretStore, SecretValue, Shape, StoreError, VersionInfo};
use crate::store::Capabilities;
use async_trait::async_trait;
use k8s_openapi::api::core::v1::Secret as KubeSecret;
use k8s_openapi::ByteString;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

pub const FIELD_MANAGER: &str = "kvault";
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kvault");
pub const VERSION_ANNOTATION: &str = "kvault.dev/version";

/// How to reach the cluster: kubeconfig (`KUBECONFIG`, `--kubeconfig`),
/// context, or the in-cluster service account.
#[derive(Clone, Debug, Default)]
pub struct KubeConfig {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
    /// Total deadline of one API request (watches excepted); `None`: the
    /// default, [`DEFAULT_TIMEOUT`].
    pub timeout: Option<Duration>,
    /// Settings present but unusable; connecting fails with the first.
    pub problems: Vec<String>,
}

/// Total deadline of one Kubernetes API request when none is configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Deadline for the TCP and TLS connection to the API server.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl KubeConfig {
    pub fn from_env() -> Self {
        let mut problems = Vec::new();
        let timeout = std::env::var("KVAULT_KUBE_TIMEOUT")
            .ok()
            .filter(|v| !v.is_empty())
            .and_then(|t| {
                crate::store::vault::config::parse_timeout("KVAULT_KUBE_TIMEOUT", &t)
                    .map_err(|p| problems.push(p))
                    .ok()
            });
        KubeConfig {
            kubeconfig: std::env::var_os("KUBECONFIG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            context: None,
            namespace: None,
            timeout,
            problems,
        }
    }

    /// A client for the configured cluster.
    pub async fn client(&self) -> Result<(Client, String), StoreError> {
        let config = self.config().await?;
        let default_ns = self
            .namespace
            .clone()
            .unwrap_or_else(|| config.default_namespace.clone());
        let client = self.client_for(config)?;
        Ok((client, default_ns))
    }

    /// The one way kvault makes a Kubernetes client: a connect deadline and
    /// a total deadline (headers and body: a server that stalls after the
    /// handshake or trickles) on every request but watches.
    pub fn client_for(&self, mut config: Config) -> Result<Client, StoreError> {
        let url = crate::store::redact::display_url(&config.cluster_url.to_string());
        let total = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        config.connect_timeout = Some(CONNECT_TIMEOUT.min(total));
        config.write_timeout = Some(total);
        // No per-read timeout at the connector: it would also cut idle
        // watches, which kube's watcher bounds itself; every other request
        // has the total deadline of the layer below, body included.
        let builder = kube::client::ClientBuilder::try_from(config)
            .map_err(|e| StoreError::Config(format!("cannot set up a client for {url}: {e}")))?;
        Ok(builder
            .with_layer(&crate::store::deadline::DeadlineLayer { total })
            .build())
    }

    /// The client configuration: kubeconfig file, context, or in-cluster.
    pub async fn config(&self) -> Result<Config, StoreError> {
        if let Some(problem) = self.problems.first() {
            return Err(StoreError::Config(problem.clone()));
        }
        let options = KubeConfigOptions {
            context: self.context.clone(),
            ..Default::default()
        };
        let config = match &self.kubeconfig {
            Some(path) => {
                let kc = read_kubeconfigs(path)?;
                Config::from_custom_kubeconfig(kc, &options)
                    .await
                    .map_err(|e| {
                        StoreError::Config(format!("kubeconfig `{}`: {e}", path.display()))
                    })?
            }
            None => match Config::from_kubeconfig(&options).await {
                Ok(c) => c,
                Err(file_err) if self.context.is_none() => Config::incluster().map_err(|e| {
                    StoreError::Config(format!(
                        "no Kubernetes configuration: {}; in-cluster: {e}\nhelp: set KUBECONFIG",
                        kubeconfig_error(&file_err)
                    ))
                })?,
                Err(e) => return Err(StoreError::Config(kubeconfig_error(&e))),
            },
        };
        Ok(config)
    }
}

/// A kubeconfig path, or a list of them as `KUBECONFIG` holds (`a:b`),
/// merged as kubectl merges them: the first file to set a value wins, files
/// that do not exist are skipped, but at least one must exist.
pub(crate) fn read_kubeconfigs(path: &std::path::Path) -> Result<Kubeconfig, StoreError> {
    let paths: Vec<PathBuf> = std::env::split_paths(path.as_os_str())
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    let read = |p: &std::path::Path| {
        Kubeconfig::read_from(p).map_err(|e| match e {
            kube::config::KubeconfigError::ReadConfig(io, _) => {
                StoreError::Config(format!("cannot read kubeconfig `{}`: {io}", p.display()))
            }
            other => StoreError::Config(format!("kubeconfig `{}`: {other}", p.display())),
        })
    };
    if paths.len() <= 1 {
        return read(path);
    }
    let mut merged: Option<Kubeconfig> = None;
    for p in paths.iter().filter(|p| p.exists()) {
        let next = read(p)?;
        merged = Some(match merged {
            None => next,
            Some(first) => first
                .merge(next)
                .map_err(|e| StoreError::Config(format!("kubeconfig `{}`: {e}", p.display())))?,
        });
    }
    merged.ok_or_else(|| {
        StoreError::Config(format!(
            "none of the KUBECONFIG files exists: {}",
            paths
                .iter()
                .map(|p| format!("`{}`", p.display()))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// kube's own words, except for an unreadable file, which it names as
/// `'"/path"'` (a path's Debug form inside quotes).
fn kubeconfig_error(error: &kube::config::KubeconfigError) -> String {
    match error {
        kube::config::KubeconfigError::ReadConfig(io, path) => {
            format!("cannot read kubeconfig `{}`: {io}", path.display())
        }
        other => format!("kubeconfig: {other}"),
    }
}

pub struct KubeStore {
    client: Client,
    default_namespace: String,
    /// The API server, as messages name it (no userinfo).
    server: String,
    /// The managed Secrets of watched namespaces (`sync --watch`), read
    /// instead of the server while their watch is live.
    reflected: std::sync::OnceLock<super::kube_watch::Reflected>,
}

impl KubeStore {
    pub async fn connect(config: &KubeConfig) -> Result<Self, StoreError> {
        let kube = config.config().await?;
        let server = crate::store::redact::display_url(&kube.cluster_url.to_string());
        let default_namespace = config
            .namespace
            .clone()
            .unwrap_or_else(|| kube.default_namespace.clone());
        let client = config.client_for(kube)?;
        Ok(KubeStore {
            client,
            default_namespace,
            server,
            reflected: std::sync::OnceLock::new(),
        })
    }

    /// Keep the Secrets kvault manages in `namespaces` in memory, by one
    /// watch each, and read them from there. The first call gives the
    /// receiver of what the watches see change; later calls add
    /// namespaces and give `None`.
    pub fn reflect(
        &self,
        namespaces: impl IntoIterator<Item = String>,
    ) -> Option<tokio::sync::mpsc::UnboundedReceiver<super::kube_watch::Changed>> {
        let mut changes = None;
        let reflected = self.reflected.get_or_init(|| {
            let (reflected, rx) = super::kube_watch::Reflected::new(self.client.clone());
            changes = Some(rx);
            reflected
        });
        reflected.watch(namespaces);
        changes
    }

    /// `NAMESPACE/NAME`, or `NAME` in the default namespace.
    fn split<'a>(&'a self, path: &'a str) -> Result<(&'a str, &'a str), StoreError> {
        let path = path.trim_matches('/');
        let (ns, name) = match path.split_once('/') {
            Some((ns, name)) => (ns, name),
            None => (self.default_namespace.as_str(), path),
        };
        if ns.is_empty() || name.is_empty() || name.contains('/') {
            return Err(StoreError::BadInput(format!(
                "`{path}` is not NAMESPACE/NAME for a Kubernetes Secret"
            )));
        }
        Ok((ns, name))
    }

    fn api(&self, ns: &str) -> Api<KubeSecret> {
        Api::namespaced(self.client.clone(), ns)
    }

    fn map_error(&self, e: kube::Error, path: &str) -> StoreError {
        match api_error(e, self.describe(), path) {
            StoreError::Unavailable { store, detail } => StoreError::Unavailable {
                store,
                detail: format!("{}: {detail}", self.server),
            },
            other => other,
        }
    }

    /// Whether `cas` holds for the Secret's current kvault version
    /// (`None`: the Secret does not exist).
    fn check_cas(&self, path: &str, cas: Cas, current: Option<u64>) -> Result<(), StoreError> {
        let conflict = |detail: String| StoreError::CasConflict {
            store: self.describe(),
            path: path.into(),
            detail,
        };
        match (cas, current) {
            (Cas::MustNotExist, Some(_)) => Err(conflict("the Secret already exists".into())),
            (Cas::Version(v), Some(c)) if v != c => Err(conflict(format!(
                "expected version {v}, but current version is {c}"
            ))),
            (Cas::Version(v), None) => Err(conflict(format!(
                "expected version {v}, but the Secret does not exist"
            ))),
            _ => Ok(()),
        }
    }
}

/// What kvault makes of a Kubernetes API answer that is an error (a
/// `Status` body, or something else): public for the `http_answer` fuzz
/// target and tests.
pub fn error_from_answer(body: &[u8]) -> StoreError {
    let error = match serde_json::from_slice::<kube::core::Status>(body) {
        Ok(status) => kube::Error::Api(Box::new(status)),
        Err(e) => kube::Error::SerdeError(e),
    };
    api_error(error, "kubernetes".into(), "path")
}

/// A Kubernetes API error as a store error, for `what` (a path or an
/// object) of `store`; shared with the rollout side of sync.
pub(crate) fn api_error(e: kube::Error, store: String, what: &str) -> StoreError {
    match e {
        kube::Error::Api(status) => {
            // The server's words, but as any remote text: bounded, one line,
            // nothing shaped like a token.
            let hide = crate::store::redact::Redactor::new();
            let detail = format!(
                "HTTP {} {}: {}",
                status.code,
                hide.remote(&status.reason),
                hide.remote(&status.message)
            );
            match status.code {
                404 => StoreError::NotFound {
                    store,
                    path: what.into(),
                },
                401 | 403 => StoreError::PermissionDenied {
                    store,
                    path: what.into(),
                    detail,
                },
                409 => StoreError::CasConflict {
                    store,
                    path: what.into(),
                    detail,
                },
                429 | 500..=599 => StoreError::Unavailable { store, detail },
                _ => StoreError::BadInput(format!("{store} refused `{what}`: {detail}")),
            }
        }
        // serde quotes the text it choked on, which may be a value.
        kube::Error::SerdeError(e) => StoreError::Corrupt(format!(
            "{store}: the answer for `{what}` {}",
            crate::store::redact::json_error(&e)
        )),
        other => StoreError::Unavailable {
            store,
            detail: format!(
                "cannot reach the API server: {}",
                crate::store::redact::Redactor::new().remote(&crate::store::redact::causes(&other))
            ),
        },
    }
}

/// The Secret to apply as version `next`: `data`, `annotations` with
/// kvault's version annotation, the type of the `existing` Secret kept.
fn apply_body(
    (ns, name): (&str, &str),
    data: &SecretData,
    annotations: &BTreeMap<String, String>,
    next: u64,
    existing: Option<&KubeSecret>,
    shape: &Shape,
) -> serde_json::Value {
    let encoded: BTreeMap<String, ByteString> = data
        .iter()
        .map(|(k, v)| (k.to_string(), ByteString(v.expose().to_vec())))
        .collect();
    // kvault's own annotations and label over the template's.
    let mut all = shape.annotations.clone();
    all.extend(annotations.clone());
    all.insert(VERSION_ANNOTATION.to_string(), next.to_string());
    let mut labels = shape.labels.clone();
    labels.insert(MANAGED_BY.0.to_string(), MANAGED_BY.1.to_string());
    let mut metadata = serde_json::json!({
        "name": name,
        "namespace": ns,
        "labels": labels,
        "annotations": all,
    });
    // The resourceVersion read is a precondition: a write in between
    // makes the apply fail with 409 instead of overwriting it.
    if let Some(rv) = existing.and_then(|s| s.metadata.resource_version.clone()) {
        metadata["resourceVersion"] = serde_json::Value::String(rv);
    }
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata,
        "type": shape.secret_type.clone()
            .or_else(|| existing.and_then(|s| s.type_.clone()))
            .unwrap_or_else(|| "Opaque".into()),
        "data": encoded,
    })
}

fn kvault_version(secret: &KubeSecret) -> Option<u64> {
    secret
        .metadata
        .annotations
        .as_ref()?
        .get(VERSION_ANNOTATION)?
        .parse()
        .ok()
}

/// A Kubernetes Secret as kvault reads it: data, kvault's version,
/// annotations as metadata.
pub(super) fn secret_of(secret: &KubeSecret) -> Secret {
    Secret {
        data: to_data(secret),
        version: kvault_version(secret),
        metadata: secret
            .metadata
            .annotations
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect(),
    }
}

fn to_data(secret: &KubeSecret) -> SecretData {
    let mut data = SecretData::new();
    for (k, v) in secret.data.iter().flatten() {
        data.insert(k.clone(), SecretValue::new(v.0.clone()));
    }
    // stringData is write-only on the server, but manifests may carry it.
    for (k, v) in secret.string_data.iter().flatten() {
        data.insert(k.clone(), SecretValue::from_str_value(v));
    }
    data
}

#[async_trait]
impl SecretStore for KubeStore {
    fn describe(&self) -> String {
        "kubernetes".to_string()
    }

    async fn read(&self, path: &str, version: Option<u64>) -> Result<Secret, StoreError> {
        let (ns, name) = self.split(path)?;
        let secret = match self.reflected.get().and_then(|r| r.get(ns, name)) {
            Some(watched) => secret_of(&watched),
            None => secret_of(
                &self
                    .api(ns)
                    .get(name)
                    .await
                    .map_err(|e| self.map_error(e, path))?,
            ),
        };
        if version.is_some() && version != secret.version {
            return Err(StoreError::NotFound {
                store: format!(
                    "{} (Kubernetes keeps only the current version)",
                    self.describe()
                ),
                path: format!("{path} version {}", version.unwrap_or_default()),
            });
        }
        Ok(secret)
    }

    async fn write(&self, path: &str, data: &SecretData, cas: Cas) -> Result<u64, StoreError> {
        self.write_with_metadata(path, data, cas, &BTreeMap::new())
            .await
    }

    async fn capabilities(&self, _path: &str) -> Result<Capabilities, StoreError> {
        Ok(Capabilities {
            metadata: true,
            versions: false,
        })
    }

    /// `metadata` becomes annotations of the Secret (next to kvault's
    /// version annotation, which it cannot override), applied by `kvault`.
    async fn write_with_metadata(
        &self,
        path: &str,
        data: &SecretData,
        cas: Cas,
        annotations: &BTreeMap<String, String>,
    ) -> Result<u64, StoreError> {
        self.write_shaped(path, data, cas, annotations, &Shape::default())
            .await
    }

    /// The template's labels and annotations next to kvault's own (which
    /// win), and its type. Kubernetes keeps a Secret's type for good: a
    /// Secret of another type is an error saying so, not a failed apply.
    async fn write_shaped(
        &self,
        path: &str,
        data: &SecretData,
        cas: Cas,
        annotations: &BTreeMap<String, String>,
        shape: &Shape,
    ) -> Result<u64, StoreError> {
        let (ns, name) = self.split(path)?;
        let api = self.api(ns);
        // Must-not-exist needs no read first: the create itself answers 409
        // (a CAS conflict) when the Secret exists. One call per new Secret.
        let existing = match cas {
            Cas::MustNotExist => None,
            _ => api
                .get_opt(name)
                .await
                .map_err(|e| self.map_error(e, path))?,
        };
        let current = existing.as_ref().map(|s| kvault_version(s).unwrap_or(0));
        self.check_cas(path, cas, current)?;
        if let (Some(want), Some(has)) = (
            &shape.secret_type,
            existing.as_ref().and_then(|s| s.type_.as_ref()),
        ) {
            if want != has {
                return Err(StoreError::BadInput(format!(
                    "{}: `{path}` is a Secret of type {has}, and the template asks for {want}: Kubernetes does not change a Secret's type\nhelp: delete the Secret; the next sync creates it with the new type",
                    self.describe()
                )));
            }
        }
        let next = current.unwrap_or(0) + 1;
        let body = apply_body(
            (ns, name),
            data,
            annotations,
            next,
            existing.as_ref(),
            shape,
        );
        if existing.is_none() && cas == Cas::MustNotExist {
            let secret: KubeSecret =
                serde_json::from_value(body).map_err(|e| StoreError::BadInput(e.to_string()))?;
            api.create(&PostParams::default(), &secret)
                .await
                .map_err(|e| self.map_error(e, path))?;
        } else {
            api.patch(
                name,
                &PatchParams::apply(FIELD_MANAGER).force(),
                &Patch::Apply(&body),
            )
            .await
            .map_err(|e| self.map_error(e, path))?;
        }
        Ok(next)
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let prefix = prefix.trim_matches('/');
        let (api, folders): (Api<KubeSecret>, bool) = if prefix.is_empty() {
            (Api::all(self.client.clone()), true)
        } else {
            (self.api(prefix), false)
        };
        // Metadata only: listing must not pull every Secret's data.
        let list = api
            .list_metadata(&ListParams::default())
            .await
            .map_err(|e| self.map_error(e, prefix))?;
        let mut names: Vec<String> = list
            .items
            .into_iter()
            .filter_map(|m| {
                if folders {
                    m.metadata.namespace.map(|ns| format!("{ns}/"))
                } else {
                    m.metadata.name
                }
            })
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// `list`, but a namespace that does not exist is `NotFound` (one more
    /// request, only when the namespace lists no Secrets). A namespace
    /// that exists and holds no Secrets is empty; so is one kvault may not
    /// `get` (it cannot tell).
    async fn list_entries(&self, prefix: &str) -> Result<super::Listing, StoreError> {
        let names = self.list(prefix).await?;
        let ns = prefix.trim_matches('/');
        if names.is_empty() && !ns.is_empty() {
            let namespaces: Api<k8s_openapi::api::core::v1::Namespace> =
                Api::all(self.client.clone());
            // A namespace kvault may not look up is taken as existing.
            if let Ok(None) = namespaces.get_metadata_opt(ns).await {
                return Err(StoreError::NotFound {
                    store: self.describe(),
                    path: format!("namespace {ns}"),
                });
            }
        }
        Ok(super::Listing {
            names,
            skipped: Vec::new(),
        })
    }

    async fn versions(&self, path: &str) -> Result<Vec<VersionInfo>, StoreError> {
        let (ns, name) = self.split(path)?;
        let secret = self
            .api(ns)
            .get_metadata(name)
            .await
            .map_err(|e| self.map_error(e, path))?;
        let version = secret
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(VERSION_ANNOTATION))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        Ok(vec![VersionInfo {
            version,
            created: secret.metadata.creation_timestamp.map(|t| t.0.to_string()),
            deleted: false,
            destroyed: false,
            current: true,
        }])
    }

    /// A watch on the one Secret (field selector on its name): every event,
    /// and every watch error (after which the watcher re-lists), is a change.
    async fn watch(&self, path: &str) -> Result<Option<super::ChangeStream>, StoreError> {
        use futures::StreamExt;
        let (ns, name) = self.split(path)?;
        let config =
            kube::runtime::watcher::Config::default().fields(&format!("metadata.name={name}"));
        let stream = kube::runtime::watcher(self.api(ns), config)
            .map(|_| ())
            .boxed();
        Ok(Some(stream))
    }

    async fn delete(&self, path: &str) -> Result<(), StoreError> {
        let (ns, name) = self.split(path)?;
        self.api(ns)
            .delete(name, &DeleteParams::default())
            .await
            .map(|_| ())
            .map_err(|e| self.map_error(e, path))
    }
}
