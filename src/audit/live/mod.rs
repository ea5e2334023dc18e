//! The live loader: the same [`Inventory`] the offline loader builds, read
//! from a running API server, plus encryption evidence only a live cluster
//! has (the apiserver's storage metrics, and etcd when asked).
//!
//! One paginated list call per kind ([`PAGE_SIZE`] objects a page), all
//! kinds at once, each page parsed while the next is fetched. Objects are
//! read through [`wire`] types: no managedFields, no status, and a Secret's
//! values are skipped unread (its keys kept, as [`sanitize_secret`] leaves
//! them), so no value outlives the page that carried it. A kind the
//! caller may not list (403), or that the server does not serve (404), is
//! recorded in [`Inventory::unlisted`] and the audit goes on without it;
//! any other failure (unreachable server, bad credentials) ends the load.
//!
//! RBAC is read as stored: the apiserver authorizes with the rules it holds,
//! and the bootstrap roles are always there (it recreates them at start),
//! so live audits use [`live_rbac_options`]; aggregated roles the
//! controller has not filled yet get the rules it will write.

pub mod etcd;
mod kinds;
pub mod metrics;
pub mod page;
pub mod pipeline;
pub mod wire;

pub use pipeline::{audit, who_can_read, AuditError, Audited, Readers, Request, Source};

#[cfg(doc)]
use super::inventory::sanitize_secret;
use super::inventory::{EncryptionEvidence, Inventory, Unlisted};
use super::rbac;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ListParams};
use kube::Client;
use wire::Listed;

/// Objects per list page (`--chunk-size`), for lists the apiserver pages:
/// those it reads from etcd rather than its watch cache. Measured on
/// 10,000 Secrets read from etcd (bench/audit-live.sh), 500 a page
/// (kubectl's chunk size) took twice as long as one unpaginated list,
/// 2,000 a page about as long, with pages still of bounded size.
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
/// Aggregated roles stored without rules are the exception: the
/// clusterrole-aggregation controller has not filled them (a cluster
/// without kube-controller-manager, or one just started), and will write
/// the union of what their selectors match; they are audited with that,
/// and the audit says so.
pub fn live_rbac_options() -> rbac::Options {
    rbac::Options {
        aggregation: rbac::Aggregation::StoredUnlessEmpty,
        builtin_roles: false,
    }
}

/// Where to read from: the API server, and etcd when given.
pub struct Target<'a> {
    pub client: &'a Client,
    /// The API server URL, for messages and evidence.
    pub server: &'a str,
    pub etcd: Option<&'a etcd::Endpoint>,
    /// Objects per list page, when the server pages.
    pub chunk_size: u32,
}

/// Read everything the checks need from a live cluster: [`list`], then
/// [`add_metrics`] of [`metrics_evidence`].
pub async fn load(target: &Target<'_>) -> Result<Inventory, LiveError> {
    let mut inventory = list(target).await?;
    let metrics = metrics_evidence(target, &inventory).await;
    add_metrics(&mut inventory, metrics);
    Ok(inventory)
}

/// Every kind the checks read, and etcd's evidence when asked; not the
/// apiserver's metrics. Scraping those (2 MB of text the apiserver
/// renders) while listing slowed the lists on a 2-core machine; a live
/// audit reads them while its object checks run instead.
pub async fn list(target: &Target<'_>) -> Result<Inventory, LiveError> {
    let etcd_scan = async {
        match target.etcd {
            Some(endpoint) => Some(etcd::scan(endpoint).await),
            None => None,
        }
    };
    let (lists, stored) = tokio::join!(kinds::list_kinds(target), etcd_scan);
    let mut inv = kinds::into_inventory(lists, target.server)?;
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

/// What the apiserver's storage metrics say about how Secrets are written.
/// Usually the counters are there already; when they are silent (nothing
/// written or read since the apiserver started), the oldest Secret is read
/// once and the metrics looked at again.
pub async fn metrics_evidence(target: &Target<'_>, inventory: &Inventory) -> EncryptionEvidence {
    let metrics = metrics::scrape(target.client, target.server, false).await;
    if metrics::has_transforms(&metrics) || inventory.secrets.is_empty() {
        return metrics;
    }
    let probed = probe_oldest_secret(target.client, inventory).await;
    metrics::scrape(target.client, target.server, probed).await
}

/// Add the metrics' evidence where [`load`] always put it: after the
/// apiserver's flags, before etcd's definitive word.
pub fn add_metrics(inventory: &mut Inventory, metrics: EncryptionEvidence) {
    let at = inventory
        .encryption
        .iter()
        .position(|e| matches!(e.source, super::inventory::EvidenceSource::Etcd { .. }))
        .unwrap_or(inventory.encryption.len());
    inventory.encryption.insert(at, metrics);
}

/// Every object of kind `K` in all namespaces, page by page, each read as
/// its [`Listed::Wire`] type.
///
/// Pipelined ([`page::parse`]): a page is parsed on the blocking pool, and
/// the next one is requested as soon as its continue token has been read,
/// so the apiserver producing a page and kvault parsing the previous one
/// overlap, and kinds are parsed on all cores at once.
async fn list_all<K: Listed>(target: &Target<'_>) -> Result<Vec<K>, kube::Error> {
    let client = target.client;
    let request = kube::core::Request::new(K::url_path(&(), None));
    let mut continue_token: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let mut params = ListParams::default().limit(target.chunk_size);
        if let Some(token) = &continue_token {
            params = params.continue_token(token);
        }
        let mut http_request = request.list(&params).map_err(kube::Error::BuildRequest)?;
        if continue_token.is_none() {
            at_any_version(&mut http_request);
        }
        http_request.extensions_mut().insert("list");
        let asked = std::time::Instant::now();
        let body = client.request_text(http_request).await?;
        tracing::trace!(
            kind = %K::kind(&()),
            page = pages.len() + 1,
            bytes = body.len(),
            ms = asked.elapsed().as_millis(),
            "list page read"
        );
        let (next, parsing) = page::parse::<K>(body).await;
        pages.push(parsing);
        match next {
            Some(token) => continue_token = Some(token),
            None => break,
        }
    }
    let page_count = pages.len();
    let mut items = Vec::new();
    for page in pages {
        let page = page.await.expect("parsing a list page does not panic")?;
        items.extend(page);
    }
    tracing::debug!(kind = %K::kind(&()), pages = page_count, objects = items.len(), "listed");
    Ok(items)
}

/// Ask for the first page at resourceVersion 0 ("any version"): the
/// apiserver then serves the list from its watch cache instead of reading
/// etcd, as informers' first lists do; an audit's snapshot can afford the
/// cache trailing etcd by milliseconds. The cache may answer with every
/// object at once (it did on 1.34), or with pages; later pages go by the
/// continue token alone (a resourceVersion is not allowed with one).
///
/// Added by hand because kube's `ListParams` leaves `resourceVersion=0`
/// out whenever a limit is set, which turned every page into an etcd read:
/// 10,000 Secrets in 5 etcd pages took 400-550 ms next to the other lists,
/// one answer from the cache 240-300 ms (bench/audit-live.sh).
fn at_any_version(request: &mut http::Request<Vec<u8>>) {
    let uri = format!(
        "{}&resourceVersion=0&resourceVersionMatch=NotOlderThan",
        request.uri()
    );
    *request.uri_mut() = uri
        .parse()
        .expect("a list URI with two more query parameters is a URI");
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

/// An error and its causes on one line: `a: b: c`, as any remote text is
/// shown (bounded, no control characters, nothing shaped like a token, a
/// JSON error without the text it quotes).
pub fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let redact = crate::store::redact::Redactor::new();
    redact.remote(&crate::store::redact::causes(error))
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
