//! The Secrets kvault manages, kept in memory by one watch per namespace
//! (a kube-runtime reflector over the label
//! `app.kubernetes.io/managed-by=kvault`), for `sync --watch`: a round reads
//! its targets from here instead of a GET per target, and each change the
//! watch sees is handed on, so that a hand edit is repaired at once rather
//! than at the next interval.
//!
//! A namespace's copy is used only while its watch is live: from the first
//! complete listing until the next watch error, reads go to the API server
//! (the watcher lists again, and the copy is good once more when it has).
//! A Secret not in the copy (not yet labelled, or absent) is always read
//! from the server.

use super::Secret;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kube::runtime::reflector::{self, ObjectRef};
use kube::runtime::{watcher, WatchStreamExt};
use kube::{Api, Client};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// A Secret the watch saw change: `NAMESPACE/NAME`, and what it holds now
/// (`None`: deleted, or no longer labelled as kvault's).
#[derive(Debug)]
pub struct Changed {
    pub path: String,
    pub now: Option<Secret>,
}

/// The watched namespaces of one cluster.
pub struct Reflected {
    client: Client,
    namespaces: Mutex<BTreeMap<String, Namespace>>,
    changes: mpsc::UnboundedSender<Changed>,
}

struct Namespace {
    store: reflector::Store<KubeSecret>,
    live: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Namespace {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Reflected {
    /// No namespace watched yet; changes will arrive on the receiver.
    pub fn new(client: Client) -> (Reflected, mpsc::UnboundedReceiver<Changed>) {
        let (changes, rx) = mpsc::unbounded_channel();
        let reflected = Reflected {
            client,
            namespaces: Mutex::new(BTreeMap::new()),
            changes,
        };
        (reflected, rx)
    }

    /// Watch `namespaces` too (the ones already watched stay as they are).
    pub fn watch(&self, namespaces: impl IntoIterator<Item = String>) {
        let mut watched = self.namespaces.lock().expect("not poisoned");
        for ns in namespaces {
            if let std::collections::btree_map::Entry::Vacant(slot) = watched.entry(ns) {
                let namespace = self.start(slot.key());
                slot.insert(namespace);
            }
        }
    }

    /// The Secret as the live watch last saw it; `None` when it is not in
    /// the copy or the namespace's watch is not live.
    pub fn get(&self, ns: &str, name: &str) -> Option<Arc<KubeSecret>> {
        let watched = self.namespaces.lock().expect("not poisoned");
        let namespace = watched.get(ns)?;
        if !namespace.live.load(Ordering::SeqCst) {
            return None;
        }
        namespace.store.get(&ObjectRef::new(name).within(ns))
    }

    fn start(&self, ns: &str) -> Namespace {
        let (store, writer) = reflector::store();
        let live = Arc::new(AtomicBool::new(false));
        let config = watcher::Config::default().labels(&format!(
            "{}={}",
            super::kube::MANAGED_BY.0,
            super::kube::MANAGED_BY.1
        ));
        let api: Api<KubeSecret> = Api::namespaced(self.client.clone(), ns);
        let stream = watcher(api, config).default_backoff().reflect(writer);
        let task = tokio::spawn(forward(
            stream,
            ns.to_string(),
            live.clone(),
            self.changes.clone(),
        ));
        Namespace { store, live, task }
    }
}

/// Drive the reflector and hand on each change after the first listing;
/// `live` says whether the copy can be trusted.
async fn forward(
    stream: impl futures::Stream<Item = watcher::Result<watcher::Event<KubeSecret>>>,
    ns: String,
    live: Arc<AtomicBool>,
    changes: mpsc::UnboundedSender<Changed>,
) {
    let mut stream = std::pin::pin!(stream);
    while let Some(event) = stream.next().await {
        let changed = match event {
            Ok(watcher::Event::InitDone) => {
                live.store(true, Ordering::SeqCst);
                continue;
            }
            Ok(watcher::Event::Init | watcher::Event::InitApply(_)) => continue,
            Ok(watcher::Event::Apply(secret)) => Changed {
                path: path_of(&ns, &secret),
                now: Some(super::kube::secret_of(&secret)),
            },
            Ok(watcher::Event::Delete(secret)) => Changed {
                path: path_of(&ns, &secret),
                now: None,
            },
            Err(e) => {
                // The watcher lists again (with backoff); until then the
                // copy may miss changes, so reads go to the server.
                live.store(false, Ordering::SeqCst);
                let why = super::redact::Redactor::new().remote(&e.to_string());
                tracing::debug!(namespace = %ns, "the watch of Secrets failed: {why}");
                continue;
            }
        };
        if changes.send(changed).is_err() {
            // Nobody listens any more, and the copy stops here: reads go
            // to the server from now on.
            live.store(false, Ordering::SeqCst);
            return;
        }
    }
}

fn path_of(ns: &str, secret: &KubeSecret) -> String {
    format!(
        "{ns}/{}",
        secret.metadata.name.as_deref().unwrap_or_default()
    )
}
