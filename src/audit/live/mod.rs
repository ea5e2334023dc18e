//! The live loader: the same [`Inventory`] the offline loader builds, read
//! from a running API server, plus encryption evidence only a live cluster
//! has (the apiserver's storage metrics, and etcd when asked).
//!
//! One paginated list call per kind ([`PAGE_SIZE`] objects a page), all
//! kinds at once. Every Secret goes through [`sanitize_secret`] as its page
//! arrives, so no value outlives the page that carried it. A kind the
//! caller may not list (403), or that the server does not serve (404), is
//! recorded in [`Inventory::unlisted`] and the audit goes on without it;
//! any other failure (unreachable server, bad credentials) ends the load.
//!
//! RBAC is read as stored: the apiserver authorizes with the rules it holds,
//! and the bootstrap roles are always there (it recreates them at start),
//! so live audits use [`live_rbac_options`].

pub mod etcd;
pub mod metrics;

use super::inventory::{sanitize_secret, EncryptionEvidence, Inventory, Unlisted};
use super::rbac;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Pod, ReplicationController, Secret, ServiceAccount};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use kube::api::{Api, ListParams};
use kube::Client;
use serde::de::DeserializeOwned;
use std::fmt::Debug;

/// Objects per list page. Pages after the first are read from etcd one
/// after the other; measured on 10,000 Secrets (bench/audit-live.sh), 500
/// a page (kubectl's chunk size) took twice as long as one unpaginated
/// list, 2,000 a page about as long, with pages still of bounded size.
pub const PAGE_SIZE: u32 = 2000;

/// Why the live inventory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The API server could not be reached, or refused a list for a reason
    /// other than permissions.
    #[error("cannot list {kind} from the API server at {server}: {detail}")]
    List {
        kind: &'static str,
        server: String,
        detail: String,
    },
    /// `--etcd-endpoint` was given and etcd could not be read.
    #[error(transparent)]
    Etcd(#[from] etcd::EtcdError),
}

/// How a live audit evaluates RBAC: stored aggregated rules (what the
/// authorizer uses), no built-in roles added (the server has its own).
pub fn live_rbac_options() -> rbac::Options {
    rbac::Options {
        aggregation: rbac::Aggregation::Stored,
        builtin_roles: false,
    }
}

/// Where to read from: the API server, and etcd when given.
pub struct Target<'a> {
    pub client: &'a Client,
    /// The API server URL, for messages and evidence.
    pub server: &'a str,
    pub etcd: Option<&'a etcd::Endpoint>,
}

/// Read everything the checks need from a live cluster.
pub async fn load(target: &Target<'_>) -> Result<Inventory, LiveError> {
    let client = target.client;
    let etcd_scan = async {
        match target.etcd {
            Some(endpoint) => Some(etcd::scan(endpoint).await),
            None => None,
        }
    };
    let (
        (secrets, service_accounts, config_maps, roles, cluster_roles, role_bindings),
        (cluster_role_bindings, pods, deployments, stateful_sets, daemon_sets, replica_sets),
        (replication_controllers, jobs, cron_jobs, ingresses),
        stored,
        early_metrics,
    ) = tokio::join!(
        async {
            tokio::join!(
                list_all::<Secret>(client, |s| {
                    sanitize_secret(s);
                    drop_managed_fields(s);
                }),
                list_all::<ServiceAccount>(client, drop_managed_fields),
                list_all::<ConfigMap>(client, drop_managed_fields),
                list_all::<Role>(client, drop_managed_fields),
                list_all::<ClusterRole>(client, drop_managed_fields),
                list_all::<RoleBinding>(client, drop_managed_fields),
            )
        },
        async {
            tokio::join!(
                list_all::<ClusterRoleBinding>(client, drop_managed_fields),
                list_all::<Pod>(client, drop_managed_fields),
                list_all::<Deployment>(client, drop_managed_fields),
                list_all::<StatefulSet>(client, drop_managed_fields),
                list_all::<DaemonSet>(client, drop_managed_fields),
                list_all::<ReplicaSet>(client, drop_managed_fields),
            )
        },
        async {
            tokio::join!(
                list_all::<ReplicationController>(client, drop_managed_fields),
                list_all::<Job>(client, drop_managed_fields),
                list_all::<CronJob>(client, drop_managed_fields),
                list_all::<Ingress>(client, drop_managed_fields),
            )
        },
        etcd_scan,
        // Usually the counters are there already: scrape while listing.
        metrics::scrape(client, target.server, false),
    );

    let mut inv = Inventory::default();
    let server = target.server;
    macro_rules! take {
        ($result:expr, $field:ident) => {
            for object in accept($result, server, &mut inv.unlisted)? {
                inv.$field.insert(object);
            }
        };
    }
    take!(secrets, secrets);
    take!(service_accounts, service_accounts);
    take!(config_maps, config_maps);
    take!(roles, roles);
    take!(cluster_roles, cluster_roles);
    take!(role_bindings, role_bindings);
    take!(cluster_role_bindings, cluster_role_bindings);
    for pod in accept(pods, server, &mut inv.unlisted)? {
        // The kube-apiserver mirror Pod in kube-system carries its flags.
        super::load::add_pod(&mut inv, pod);
    }
    take!(deployments, deployments);
    take!(stateful_sets, stateful_sets);
    take!(daemon_sets, daemon_sets);
    take!(replica_sets, replica_sets);
    take!(replication_controllers, replication_controllers);
    take!(jobs, jobs);
    take!(cron_jobs, cron_jobs);
    take!(ingresses, ingresses);

    let metrics = if metrics::has_transforms(&early_metrics) || inv.secrets.is_empty() {
        early_metrics
    } else {
        // Silence: make the apiserver read a Secret, then look again.
        let probed = probe_oldest_secret(client, &inv).await;
        metrics::scrape(client, server, probed).await
    };
    inv.encryption.push(metrics);
    if let (Some(stored), Some(endpoint)) = (stored, target.etcd) {
        let stored = stored?;
        endpoint.check_found(&stored, inv.secrets.len())?;
        inv.encryption.push(EncryptionEvidence {
            source: super::inventory::EvidenceSource::Etcd {
                endpoint: endpoint.url.clone(),
            },
            confidence: super::inventory::Confidence::Definitive,
            observation: super::inventory::Observation::Stored(stored),
        });
    }
    Ok(inv)
}

/// Every object of kind `K` in all namespaces, page by page; `inspect`
/// runs on each object as its page arrives.
async fn list_all<K>(client: &Client, inspect: fn(&mut K)) -> Result<Vec<K>, kube::Error>
where
    K: kube::Resource + Clone + DeserializeOwned + Debug,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::all(client.clone());
    // The first page at resourceVersion 0 ("any"): the apiserver may serve
    // it from its watch cache instead of etcd, which an audit's snapshot
    // can afford (the cache trails etcd by milliseconds). Later pages go by
    // the continue token alone (a resourceVersion is not allowed with it).
    let mut params = ListParams::default().limit(PAGE_SIZE).match_any();
    let mut items = Vec::new();
    loop {
        let page = api.list(&params).await?;
        let next = page.metadata.continue_.clone();
        for mut object in page.items {
            inspect(&mut object);
            items.push(object);
        }
        match next {
            Some(token) if !token.is_empty() => {
                params = ListParams::default()
                    .limit(PAGE_SIZE)
                    .continue_token(&token)
            }
            _ => return Ok(items),
        }
    }
}

/// managedFields are bulky and no check reads them.
fn drop_managed_fields<K: kube::Resource>(object: &mut K) {
    object.meta_mut().managed_fields = None;
}

/// The objects of a list; a 403 or 404 becomes an [`Unlisted`] entry and no
/// objects, anything else an error.
fn accept<K: k8s_openapi::Resource>(
    result: Result<Vec<K>, kube::Error>,
    server: &str,
    unlisted: &mut Vec<Unlisted>,
) -> Result<Vec<K>, LiveError> {
    match result {
        Ok(items) => Ok(items),
        Err(kube::Error::Api(status)) if matches!(status.code, 403 | 404) => {
            unlisted.push(Unlisted {
                kind: K::KIND,
                reason: format!("HTTP {} {}", status.code, status.reason),
            });
            Ok(Vec::new())
        }
        Err(e) => Err(LiveError::List {
            kind: K::URL_PATH_SEGMENT,
            server: server.to_string(),
            detail: one_line(&e),
        }),
    }
}

/// An error and its causes on one line: `a: b: c`.
pub fn one_line(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text.replace('\n', " ")
}

/// Read the oldest Secret's metadata straight from storage (a GET without
/// resourceVersion is a quorum read, decoded by the transformer), so the
/// storage metrics show how at least that one is stored. The oldest is the
/// likeliest to predate encryption. Only needed when the counters are
/// silent (no Secret written or read since the apiserver started). True
/// when the read succeeded.
async fn probe_oldest_secret(client: &Client, inv: &Inventory) -> bool {
    let Some(oldest) = inv.secrets.iter().min_by(|a, b| {
        a.metadata
            .creation_timestamp
            .cmp(&b.metadata.creation_timestamp)
    }) else {
        return false;
    };
    let (Some(ns), Some(name)) = (&oldest.metadata.namespace, &oldest.metadata.name) else {
        return false;
    };
    let api: Api<Secret> = Api::namespaced(client.clone(), ns);
    match api.get_metadata(name).await {
        Ok(_) => true,
        Err(e) => {
            tracing::debug!("probe read of Secret {ns}/{name} failed: {e}");
            false
        }
    }
}
