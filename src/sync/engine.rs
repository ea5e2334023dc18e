//! One sync run: the I/O around the pure parts. Talks to stores only through
//! [`Stores`] / `dyn SecretStore`, and to Kubernetes workloads only through
//! [`Cluster`]. Does no printing: it returns a [`Report`] and calls
//! `progress` once per target done.
//!
//! Order: every target concurrently (at most `concurrency` at once; each
//! reads its sources, through a cache that makes one read per distinct
//! secret, and its target at the same time, decides, writes), then rollouts
//! of the workloads linked to changed Secrets, then `--prune`. Transient
//! store errors are retried inside the stores; a failed target is reported
//! and the others go on.

use super::decide::{decide, Action, Desired, KeyDiff};
use super::hash::data_hash;
use super::plan::{Part, Plan, Target};
use super::report::{self, Report, SyncError, TargetOutcome, TargetStep};
use super::rollout::{plan_rollouts, Cluster, Link, RolloutPlan, Workload, WorkloadState};
use super::{SOURCE_VERSION, SYNCED_AT};
use crate::store::history::now_rfc3339;
use crate::store::{Cas, Reference, Scheme, Secret, SecretData, SecretStore, StoreError, Stores};
use futures::stream::{self, StreamExt};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// Asked before every write of a run: with `--leader-elect`, whether this
/// process still holds the Lease (see `sync::leader`). A refusal fails
/// that write, never the run.
#[async_trait::async_trait]
pub trait Fence: Send + Sync + std::fmt::Debug {
    async fn allow(&self) -> Result<(), String>;
}

async fn fenced(options: &Options) -> Result<(), String> {
    match &options.fence {
        Some(fence) => fence.allow().await,
        None => Ok(()),
    }
}

/// Switches of a run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Decide and report, write nothing.
    pub dry_run: bool,
    /// Delete kvault-synced Kubernetes Secrets the plan no longer names.
    pub prune: bool,
    /// Overwrite targets edited by hand (drift); otherwise leave them.
    pub overwrite_drift: bool,
    /// Targets (and rollouts) worked on at once.
    pub concurrency: usize,
    /// Sync only these targets (references as written in the plan); the
    /// others are only read, for their data hash. A workload's rollout hash
    /// covers all of its Secrets in the plan, so a partial run (`kvault
    /// rotate`) must see them all or it would set a hash that the next full
    /// run takes for a change. `None`: every target.
    pub only: Option<BTreeSet<String>>,
    /// Checked before each write, rollout and prune.
    pub fence: Option<Arc<dyn Fence>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dry_run: false,
            prune: false,
            overwrite_drift: true,
            concurrency: 8,
            only: None,
            fence: None,
        }
    }
}

/// KV v2 custom metadata values hold at most 512 bytes; a long list of
/// sources is cut the same way on every run, so it still compares equal.
const MAX_METADATA_VALUE: usize = 512;

/// Run `plan` once. `cluster` is needed for rollouts and `--prune`; without
/// it they are reported as errors when the plan asks for them.
pub async fn run(
    plan: &Plan,
    stores: &Stores,
    cluster: Option<&dyn Cluster>,
    options: &Options,
    progress: &(dyn Fn() + Sync),
) -> Report {
    let expanded = super::discovery::expand(plan, stores).await;
    let plan = &expanded.plan;
    let prune_skipped = options.prune && !expanded.complete;
    // A listing that failed leaves targets out of the plan: pruning now
    // would delete what their sources still hold.
    let options = &Options {
        prune: options.prune && expanded.complete,
        ..options.clone()
    };
    let sources = SourceCache::new(stores);
    let width = options.concurrency.max(1);
    let mut outcomes: Vec<(usize, TargetOutcome)> = stream::iter(plan.targets.iter().enumerate())
        .map(|(i, target)| {
            let sources = &sources;
            async move {
                let selected = options
                    .only
                    .as_ref()
                    .is_none_or(|only| only.contains(&target.reference.to_string()));
                let outcome = if selected {
                    sync_target(target, stores, sources, options).await
                } else {
                    observe_target(target, stores).await
                };
                progress();
                (i, outcome)
            }
        })
        .buffer_unordered(width)
        .collect()
        .await;
    outcomes.sort_by_key(|(i, _)| *i);
    let mut report = Report {
        dry_run: options.dry_run,
        targets: outcomes.into_iter().map(|(_, o)| o).collect(),
        ..Report::default()
    };
    report.errors.extend(expanded.errors.iter().cloned());
    if prune_skipped {
        report.errors.push(report::Error {
            target: "prune".into(),
            error:
                "skipped: a `find` folder could not be listed, and its targets would look unnamed"
                    .into(),
        });
    }
    for (t, o) in plan.targets.iter().zip(&report.targets) {
        if let Some(drift) = drift_of(o) {
            tracing::warn!(target = %t.reference, "drift: the target was changed since kvault wrote it");
            report.drift.push(drift);
        }
    }
    report.tally();
    rollouts(plan, cluster, options, &mut report).await;
    if options.prune {
        prune(plan, cluster, options, &mut report).await;
    }
    report
}

fn drift_of(o: &TargetOutcome) -> Option<report::Drift> {
    o.drift.then(|| report::Drift {
        target: o.target.clone(),
        overwritten: o.action == Action::Updated,
    })
}

impl TargetOutcome {
    fn new(target: &Target) -> Self {
        TargetOutcome {
            target: target.reference.to_string(),
            sources: target.sources(),
            action: Action::Failed,
            diff: KeyDiff::default(),
            error: None,
            source_version: None,
            synced_version: None,
            data_hash: None,
            drift: false,
            canary_sent_ms: None,
        }
    }
}

async fn sync_target(
    target: &Target,
    stores: &Stores,
    sources: &SourceCache<'_>,
    options: &Options,
) -> TargetOutcome {
    let mut tried = 0;
    loop {
        tried += 1;
        let mut outcome = TargetOutcome::new(target);
        match sync_one(target, stores, sources, options, &mut outcome).await {
            Ok(()) => return outcome,
            // The target store failed transiently: decide again from a fresh
            // read (the write may have half happened), after a pause.
            Err(e @ SyncError::Target { .. }) if e.is_retryable() && tried < TARGET_ATTEMPTS => {
                let pause = RETRY_PAUSE * 2u32.pow(tried - 1);
                tracing::debug!(target = %target.reference, error = %e, ?pause, "retrying the target");
                tokio::time::sleep(pause).await;
            }
            Err(error) => {
                tracing::info!(target = %target.reference, %error, "sync failed");
                outcome.action = Action::Failed;
                outcome.error = Some(error);
                return outcome;
            }
        }
    }
}

/// A target outside [`Options::only`]: read, never written; it reports its
/// current data hash as unchanged, so that its workloads' rollout hashes
/// come out as in a full run.
async fn observe_target(target: &Target, stores: &Stores) -> TargetOutcome {
    let mut outcome = TargetOutcome::new(target);
    let reference = &target.reference;
    let read = async {
        let store = stores.get(reference.scheme).await?;
        store.read(&reference.path, None).await
    };
    match read.await {
        Ok(secret) => {
            outcome.action = Action::Unchanged;
            outcome.data_hash = Some(data_hash(reference, &secret.data));
        }
        // Not there yet: nothing to hash, as a full run would create it.
        Err(e) if e.is_not_found() => outcome.action = Action::Unchanged,
        Err(e) => outcome.error = Some(SyncError::target(TargetStep::Read, e)),
    }
    outcome
}

/// Tries of one target in all when its store is unavailable. Sources are
/// not tried again within a run (their store retries its own calls, and one
/// failed read is shared by every target using the source).
const TARGET_ATTEMPTS: u32 = 3;
const RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(250);

/// Sync one target, once: read its sources and itself, decide, write.
/// Fills `outcome` as far as it got.
async fn sync_one(
    target: &Target,
    stores: &Stores,
    sources: &SourceCache<'_>,
    options: &Options,
    outcome: &mut TargetOutcome,
) -> Result<(), SyncError> {
    if let Some(issue) = &target.issue {
        return issued::sync_issued(target, issue, stores, options, outcome).await;
    }
    let reference = &target.reference;
    let path = reference.path.as_str();
    let store = stores.get(reference.scheme).await?;
    let (read, current) = tokio::join!(
        sources.read_all(&target.parts),
        read_current(store.as_ref(), path)
    );
    let read = read?;
    let (keeps_metadata, current) = current.map_err(|e| SyncError::target(TargetStep::Read, e))?;
    let mut data = assemble(&target.parts, &read).map_err(SyncError::Assemble)?;
    if let Some(template) = &target.template {
        data = template.apply(data).map_err(SyncError::Assemble)?;
    }
    let desired = desired_of(target, &read, data);
    let current_hash = current.as_ref().map(|s| data_hash(reference, &s.data));
    let decision = decide(
        &desired,
        current.as_ref().zip(current_hash.as_deref()),
        keeps_metadata,
        options.overwrite_drift,
    );
    outcome.source_version = Some(desired.source_version.clone());
    outcome.synced_version = current
        .as_ref()
        .and_then(|c| c.metadata.get(SOURCE_VERSION).cloned());
    outcome.action = decision.action;
    outcome.diff = decision.diff;
    outcome.drift = decision.drift;
    outcome.data_hash = Some(match decision.action {
        Action::DriftLeft => current_hash.unwrap_or_default(),
        _ => desired.hash.clone(),
    });
    tracing::info!(
        target = %reference,
        action = ?decision.action,
        keys = %outcome.diff.short(),
        dry_run = options.dry_run,
        "target decided"
    );
    if options.dry_run || !decision.action.writes() {
        return Ok(());
    }
    fenced(options).await.map_err(SyncError::Fenced)?;
    write_target(
        store.as_ref(),
        reference,
        decision.action,
        &desired,
        current.as_ref(),
    )
    .await
    .map_err(|e| SyncError::target(TargetStep::Write, e))?;
    // A delivery is a write of new data: provenance alone delivers nothing.
    if decision.action.changes_data() {
        outcome.canary_sent_ms = desired
            .data
            .iter()
            .find_map(|(_, v)| crate::canary::Canary::parse(v.expose()))
            .map(|c| c.sent_ms);
    }
    Ok(())
}

/// The target as it is: whether its store keeps provenance metadata, and
/// its secret (`None` when not there yet, which is no error).
async fn read_current(
    store: &dyn SecretStore,
    path: &str,
) -> Result<(bool, Option<Secret>), StoreError> {
    let keeps = store.capabilities(path).await?.metadata;
    match store.read(path, None).await {
        Ok(secret) => Ok((keeps, Some(secret))),
        Err(e) if e.is_not_found() => Ok((keeps, None)),
        Err(e) => Err(e),
    }
}

/// What the target should hold: the assembled `data`, its hash and the
/// provenance (sources and their versions, cut to fit metadata values).
fn desired_of(target: &Target, read: &[Arc<Secret>], data: SecretData) -> Desired {
    Desired {
        hash: data_hash(&target.reference, &data),
        source: bounded(target.sources().join(",")),
        source_version: bounded(
            read.iter()
                .map(|s| s.version.map_or_else(|| "-".to_string(), |v| v.to_string()))
                .collect::<Vec<_>>()
                .join(","),
        ),
        shape: target
            .template
            .as_ref()
            .map(|t| t.shape.clone())
            .unwrap_or_default(),
        template: target.template.as_ref().map(|t| t.digest()),
        data,
    }
}

/// Write what `action` asks for: the provenance only, or the data and
/// provenance with the check-and-set that fits what was read.
async fn write_target(
    store: &dyn SecretStore,
    reference: &Reference,
    action: Action,
    desired: &Desired,
    current: Option<&Secret>,
) -> Result<(), StoreError> {
    let path = reference.path.as_str();
    let mut metadata = desired.provenance();
    metadata.insert(SYNCED_AT.to_string(), now_rfc3339());
    match action {
        // A shape is written whole, with the data (Kubernetes only).
        _ if !desired.shape.is_empty() => {
            let cas = match current {
                Some(c) => c.version.map_or(Cas::Any, Cas::Version),
                None => Cas::MustNotExist,
            };
            store
                .write_shaped(path, &desired.data, cas, &metadata, &desired.shape)
                .await
                .map(|_| ())
        }
        Action::Metadata => store.write_metadata(path, &desired.data, &metadata).await,
        _ => {
            let cas = match current {
                Some(c) => c.version.map_or(Cas::Any, Cas::Version),
                // A Kubernetes Secret that was not there is created, one call
                // (a Secret made meanwhile is a conflict, not overwritten).
                // Not for Vault: a soft-deleted KV v2 secret reads as absent
                // but is not new to check-and-set.
                None if reference.scheme == Scheme::K8s => Cas::MustNotExist,
                None => Cas::Any,
            };
            store
                .write_with_metadata(path, &desired.data, cas, &metadata)
                .await
                .map(|_| ())
        }
    }
}

/// Cut a metadata value to [`MAX_METADATA_VALUE`] bytes on a char boundary.
fn bounded(mut text: String) -> String {
    if text.len() > MAX_METADATA_VALUE {
        let mut end = MAX_METADATA_VALUE - 3;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("...");
    }
    text
}

/// The data a target should hold, from its parts and their sources (same
/// order). A key written by two parts is an error. Pure.
pub fn assemble(parts: &[Part], read: &[Arc<Secret>]) -> Result<SecretData, String> {
    let mut data = SecretData::new();
    let mut from: BTreeMap<String, &Reference> = BTreeMap::new();
    for (part, secret) in parts.iter().zip(read) {
        let pairs: Vec<(String, _)> = match &part.source.key {
            Some(key) => {
                let value = secret.data.get(key).ok_or_else(|| {
                    format!("key `{key}` not found in source `{}`", part.source.secret())
                })?;
                vec![(part.target_key().unwrap_or(key).to_string(), value)]
            }
            None => secret
                .data
                .iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        };
        let source = part.source.secret().to_string();
        let pairs = pairs
            .into_iter()
            .map(|(k, v)| {
                let v = part.decoding.apply(v, &k, &source)?;
                Ok((super::discovery::rewritten(&part.rewrite, &k), v))
            })
            .collect::<Result<Vec<_>, String>>()?;
        for (key, value) in pairs {
            if let Some(other) = from.insert(key.clone(), &part.source) {
                return Err(format!(
                    "key `{key}` comes from both `{other}` and `{}`\nhelp: write one of them to another target, or name single keys (`SOURCE#KEY` -> `TARGET#NEW_NAME`)",
                    part.source
                ));
            }
            data.insert(key, value);
        }
    }
    Ok(data)
}

/// One read per distinct source secret (path + version) in a run, shared by
/// every target that uses it, however many read it at once.
struct SourceCache<'a> {
    stores: &'a Stores,
    cells: Mutex<HashMap<SourceKey, Arc<SourceCell>>>,
}

type SourceKey = (Scheme, String, Option<u64>);
type SourceCell = OnceCell<Result<Arc<Secret>, SyncError>>;

impl<'a> SourceCache<'a> {
    fn new(stores: &'a Stores) -> Self {
        SourceCache {
            stores,
            cells: Mutex::new(HashMap::new()),
        }
    }

    async fn read(&self, reference: &Reference) -> Result<Arc<Secret>, SyncError> {
        let key = (reference.scheme, reference.path.clone(), reference.version);
        let cell = self
            .cells
            .lock()
            .expect("source cache lock")
            .entry(key)
            .or_default()
            .clone();
        cell.get_or_init(|| async {
            let store = self.stores.get(reference.scheme).await?;
            store
                .read(&reference.path, reference.version)
                .await
                .map(Arc::new)
                .map_err(|e| SyncError::Source {
                    secret: reference.secret().to_string(),
                    error: Arc::new(e),
                })
        })
        .await
        .clone()
    }

    async fn read_all(&self, parts: &[Part]) -> Result<Vec<Arc<Secret>>, SyncError> {
        futures::future::try_join_all(parts.iter().map(|p| self.read(&p.source))).await
    }
}

/// Patch the workloads linked to targets whose data changed, or whose
/// annotation an earlier, interrupted run left behind.
async fn rollouts(
    plan: &Plan,
    cluster: Option<&dyn Cluster>,
    options: &Options,
    report: &mut Report,
) {
    let linked: Vec<(&Target, &TargetOutcome)> = plan
        .targets
        .iter()
        .zip(&report.targets)
        .filter(|(t, o)| !t.rollout.is_empty() && o.error.is_none() && o.data_hash.is_some())
        .collect();
    // Even with nothing triggered, the linked workloads are read: one that
    // a killed run left unrolled is rolled now (see `plan_rollouts`).
    if linked.is_empty() {
        return;
    }
    let Some(cluster) = cluster else {
        report.errors.push(report::Error {
            target: "rollout".into(),
            error: "rollouts need a Kubernetes cluster, and none is configured".into(),
        });
        return;
    };
    let mut errors = Vec::new();
    let mut known = list_auto_workloads(cluster, &linked, &mut errors).await;
    let mut links = link_workloads(&linked, &known);
    read_named_workloads(cluster, &mut links, &mut known, &mut errors).await;
    report.errors.extend(errors);
    let plans = plan_rollouts(&links, |w| {
        known.get(w).and_then(|s| s.secret_hash.as_deref())
    });
    apply_rollouts(cluster, plans, options, report).await;
    report.rollouts.sort_by(|a, b| a.workload.cmp(&b.workload));
}

/// The workloads of the namespaces where a linked target asks for
/// `rollout: auto`: one list per namespace and kind. A failed list is an
/// error and leaves that namespace out.
async fn list_auto_workloads(
    cluster: &dyn Cluster,
    linked: &[(&Target, &TargetOutcome)],
    errors: &mut Vec<report::Error>,
) -> BTreeMap<Workload, WorkloadState> {
    let auto_namespaces: BTreeSet<&str> = linked
        .iter()
        .filter(|(t, _)| t.rollout.auto)
        .filter_map(|(t, _)| t.kube_name().map(|(ns, _)| ns))
        .collect();
    let mut known: BTreeMap<Workload, WorkloadState> = BTreeMap::new();
    for ns in auto_namespaces {
        match cluster.workloads(ns).await {
            Ok(list) => known.extend(list.into_iter().map(|w| (w.workload.clone(), w))),
            Err(e) => errors.push(report::Error {
                target: format!("rollout: auto in namespace `{ns}`"),
                error: format!("cannot list workloads: {e}"),
            }),
        }
    }
    known
}

/// Each workload with the linked targets it depends on: the ones the plan
/// names, and for `rollout: auto` the listed ones that use the Secret.
fn link_workloads(
    linked: &[(&Target, &TargetOutcome)],
    known: &BTreeMap<Workload, WorkloadState>,
) -> BTreeMap<Workload, Vec<Link>> {
    let triggered = |t: &Target, o: &TargetOutcome| {
        o.action == Action::Updated || (o.action == Action::Created && t.rollout_on_create)
    };
    let mut links: BTreeMap<Workload, Vec<Link>> = BTreeMap::new();
    for (t, o) in linked {
        let Some((ns, name)) = t.kube_name() else {
            continue;
        };
        let link = Link {
            target: o.target.clone(),
            hash: o.data_hash.clone().unwrap_or_default(),
            triggered: triggered(t, o),
            drift_left: o.action == Action::DriftLeft,
        };
        for (kind, workload) in &t.rollout.workloads {
            let w = Workload {
                namespace: ns.to_string(),
                kind: *kind,
                name: workload.clone(),
            };
            links.entry(w).or_default().push(link.clone());
        }
        if t.rollout.auto {
            for state in known.values() {
                if state.workload.namespace == ns && state.secrets.contains(name) {
                    links
                        .entry(state.workload.clone())
                        .or_default()
                        .push(link.clone());
                }
            }
        }
    }
    links
}

/// Read each named workload that was not listed, into `known`. One that is
/// missing or unreadable is an error and is dropped from `links`.
async fn read_named_workloads(
    cluster: &dyn Cluster,
    links: &mut BTreeMap<Workload, Vec<Link>>,
    known: &mut BTreeMap<Workload, WorkloadState>,
    errors: &mut Vec<report::Error>,
) {
    let wanted: Vec<Workload> = links
        .keys()
        .filter(|w| !known.contains_key(*w))
        .cloned()
        .collect();
    for w in wanted {
        let error = match cluster.workload(&w).await {
            Ok(Some(state)) => {
                known.insert(w, state);
                continue;
            }
            Ok(None) => format!(
                "{} `{}` not found in namespace `{}`",
                w.kind.as_str(),
                w.name,
                w.namespace
            ),
            Err(e) => format!("cannot read the workload: {e}"),
        };
        errors.push(report::Error {
            target: w.to_string(),
            error,
        });
        links.remove(&w);
    }
}

/// Set the new secret hash on each planned workload (at most
/// `concurrency` at once; nothing in a dry run) and report each.
async fn apply_rollouts(
    cluster: &dyn Cluster,
    plans: Vec<RolloutPlan>,
    options: &Options,
    report: &mut Report,
) {
    let width = options.concurrency.max(1);
    let results: Vec<_> = stream::iter(plans)
        .map(|p| async move {
            let result = if options.dry_run {
                Ok(())
            } else if let Err(refused) = fenced(options).await {
                Err(StoreError::Config(refused))
            } else {
                cluster.set_secret_hash(&p.workload, &p.hash).await
            };
            (p, result)
        })
        .buffer_unordered(width)
        .collect()
        .await;
    for (p, result) in results {
        match result {
            Ok(()) => {
                tracing::info!(workload = %p.workload, dry_run = options.dry_run, "rolled out");
                report.rollouts.push(report::Rollout {
                    workload: p.workload.to_string(),
                    secrets: p.because,
                });
            }
            Err(e) => report.errors.push(report::Error {
                target: p.workload.to_string(),
                error: format!("cannot roll out: {e}"),
            }),
        }
    }
}

/// Delete kvault-synced Secrets (label and source annotation) of the
/// plan's Kubernetes namespaces that the plan no longer names.
async fn prune(plan: &Plan, cluster: Option<&dyn Cluster>, options: &Options, report: &mut Report) {
    let named: BTreeSet<(&str, &str)> = plan.targets.iter().filter_map(Target::kube_name).collect();
    let namespaces = plan.namespaces();
    if namespaces.is_empty() {
        return;
    }
    let Some(cluster) = cluster else {
        report.errors.push(report::Error {
            target: "prune".into(),
            error: "--prune needs a Kubernetes cluster, and none is configured".into(),
        });
        return;
    };
    for ns in &namespaces {
        let ns = ns.as_str();
        let managed = match cluster.managed_secrets(ns).await {
            Ok(m) => m,
            Err(e) => {
                report.errors.push(report::Error {
                    target: format!("prune in namespace `{ns}`"),
                    error: format!("cannot list managed Secrets: {e}"),
                });
                continue;
            }
        };
        for secret in managed {
            if secret.source.is_none() || named.contains(&(ns, secret.name.as_str())) {
                continue;
            }
            let what = format!("k8s:{ns}/{}", secret.name);
            let result = if options.dry_run {
                Ok(())
            } else if let Err(refused) = fenced(options).await {
                Err(StoreError::Config(refused))
            } else {
                cluster.delete_secret(ns, &secret).await
            };
            match result {
                Ok(()) => {
                    tracing::info!(secret = %what, dry_run = options.dry_run, "pruned");
                    report.pruned.push(what);
                }
                Err(e) => report.errors.push(report::Error {
                    target: what,
                    error: format!("cannot prune: {e}"),
                }),
            }
        }
    }
}

mod issued;

#[cfg(test)]
mod tests;
