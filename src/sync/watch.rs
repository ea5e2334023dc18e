//! `kvault sync --watch`: run the plan every interval (with jitter) until
//! SIGTERM or Ctrl-C. With `--leader-elect`, only while this process holds
//! the Lease, every write of a round fenced by it; a follower reads and
//! writes nothing. The plan file is read again each round (it may be a
//! mounted ConfigMap): a broken edit keeps the last good plan running.
//!
//! Kubernetes targets are read through one watch per namespace (the
//! store's watched copy, [`crate::store::kube_watch`]) instead of a GET
//! each per round, and a target the watch sees edited by hand or deleted is
//! repaired at once: a round of just those targets (no prune), at most one
//! a second so that two writers fighting over a Secret cannot spin.
//!
//! What a round shows (progress, the report) is the caller's: [`Rounds`].

use super::kube_cluster::KubeCluster;
use super::leader::Leader;
use super::metrics_server::Exposed;
use super::{Options, Plan, Report};
use crate::store::kube::KubeConfig;
use crate::store::kube_watch::Changed;
use crate::store::{Reference, Stores};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::signal::unix::Signal;
use tokio::sync::mpsc::UnboundedReceiver;

/// How long a repair waits for more changes after the first (the events
/// of one `kubectl apply` of several Secrets arrive together: one repair).
/// Short: the repair itself is the point.
const SETTLE: Duration = Duration::from_millis(25);

/// The least time between two repairs.
const REPAIR_GAP: Duration = Duration::from_secs(1);

/// How the loop runs.
pub struct Watch<'a> {
    /// Where the plan comes from, read again before each round.
    pub source: PlanSource<'a>,
    pub every: Duration,
    /// Up to this many percent longer or shorter, so that replicas and
    /// restarted pods do not all ask the store at once.
    pub jitter: u8,
    pub options: Options,
    /// For rollouts and `--prune`, connected when the plan needs it.
    pub kube: &'a KubeConfig,
    pub leader: Option<Leader>,
    pub exposed: Option<Arc<Exposed>>,
    /// SIGTERM, set up by the caller (it fails there, before any round).
    pub terminate: Signal,
    /// The stores the rounds run on: their Kubernetes side keeps the
    /// watched copy of the plan's namespaces.
    pub stores: &'a Stores,
}

/// What ends a wait between rounds.
enum Wake {
    /// Time for the next full round.
    Round,
    /// These targets (`k8s:NS/NAME`) were changed by someone else.
    Repair(BTreeSet<String>),
    /// The Lease was lost: wait to lead again, then run a full round.
    Lost,
    /// A signal: stop.
    Stop,
}

/// What the loop keeps between rounds.
#[derive(Default)]
struct State {
    /// The targets of the last full round, discovered ones included.
    known: BTreeSet<String>,
    changes: Option<UnboundedReceiver<Changed>>,
    last_repair: Option<Instant>,
    cluster: Option<KubeCluster>,
}

/// Where a plan comes from (`-`, stdin, is read once).
#[derive(Clone, Copy, Debug)]
pub enum PlanSource<'a> {
    Plan(&'a Path),
    /// External Secrets Operator manifests, converted each time.
    ExternalSecrets(&'a Path),
    /// The ExternalSecrets the cluster holds (in one namespace, or all).
    Cluster(Option<&'a str>),
}

impl PlanSource<'_> {
    /// The plan as it is now; a message naming the input when it cannot be.
    pub async fn load(self, kube: &KubeConfig) -> Result<Plan, String> {
        match self {
            PlanSource::Plan(file) => super::plan::load(file).map_err(|e| e.to_string()),
            PlanSource::ExternalSecrets(path) => {
                super::external_secrets::load(path).map(|(plan, _)| plan)
            }
            PlanSource::Cluster(namespace) => super::external_secrets_live::load(kube, namespace)
                .await
                .map(|(plan, _)| plan),
        }
    }

    /// Whether the plan can be read again (stdin cannot).
    fn rereadable(self) -> bool {
        match self {
            PlanSource::Plan(p) | PlanSource::ExternalSecrets(p) => p.as_os_str() != "-",
            PlanSource::Cluster(_) => true,
        }
    }
}

/// The caller's side of each round.
#[async_trait::async_trait(?Send)]
pub trait Rounds {
    type Error;
    /// Run `plan` once (the engine, with whatever progress the caller shows).
    async fn round(&self, plan: &Plan, cluster: Option<&KubeCluster>, options: &Options) -> Report;
    /// Show a round's report; an error (stdout gone) ends the loop.
    fn show(&self, report: &Report) -> Result<(), Self::Error>;
    /// One line about the loop itself (leadership, the Lease).
    fn status(&self, message: String);
}

impl Watch<'_> {
    /// Run until a signal; the last round's report (`None` when none ran,
    /// as for a follower stopped before it led).
    pub async fn run<R: Rounds>(
        mut self,
        mut plan: Plan,
        rounds: &R,
    ) -> Result<Option<Report>, R::Error> {
        let mut last = None;
        let mut state = State::default();
        let mut leading = false;
        let mut next_round = Instant::now();
        loop {
            if !self.lead(rounds, &mut leading).await {
                break;
            }
            let wake = self.wait(next_round, &mut state, rounds).await;
            let (round, only) = match wake {
                Wake::Stop => break,
                Wake::Lost => {
                    // Back as leader, the first thing is a full round.
                    next_round = Instant::now();
                    continue;
                }
                Wake::Round => {
                    plan = self.reloaded(plan).await;
                    self.prepare(&plan, &mut state).await;
                    (self.options.clone(), None)
                }
                Wake::Repair(targets) => {
                    state.last_repair = Some(Instant::now());
                    let only = Options {
                        prune: false,
                        only: Some(targets.iter().cloned().collect()),
                        ..self.options.clone()
                    };
                    (only, Some(targets))
                }
            };
            // Every write of the round asks the Lease first (fencing).
            let round = Options {
                fence: self.leader.as_ref().map(Leader::fence),
                ..round
            };
            let started = Instant::now();
            tokio::select! {
                report = rounds.round(&plan, state.cluster.as_ref(), &round) => {
                    if let Some(exposed) = &self.exposed {
                        exposed.metrics.record(&report, started.elapsed().as_secs_f64());
                    }
                    if only.is_none() {
                        state.known = report.targets.iter().map(|t| t.target.clone()).collect();
                        // The pause runs from the end of a full round, so a
                        // long round is never followed by another at once.
                        next_round = Instant::now() + jittered(self.every, self.jitter);
                    }
                    rounds.show(&report)?;
                    last = Some(report);
                }
                _ = tokio::signal::ctrl_c() => break,
                _ = self.terminate.recv() => break,
            }
        }
        if let Some(leader) = self.leader {
            leader.resign().await;
        }
        Ok(last)
    }

    /// Before a full round: the cluster for rollouts and `--prune`, and the
    /// watched copy of the plan's namespaces (new ones after an edit).
    async fn prepare(&self, plan: &Plan, state: &mut State) {
        if let Err(e) =
            KubeCluster::connect_if_needed(&mut state.cluster, plan, self.options.prune, self.kube)
                .await
        {
            tracing::error!("cannot connect to Kubernetes for rollouts and --prune: {e}");
        }
        let namespaces = plan.namespaces();
        if namespaces.is_empty() {
            return;
        }
        match self.stores.kube().await {
            Ok(kube) => {
                if let Some(changes) = kube.reflect(namespaces) {
                    state.changes = Some(changes);
                }
            }
            // The round reports the same failure for its targets.
            Err(e) => tracing::debug!("no watch of the targets: {e}"),
        }
    }

    /// Wait until this process leads (at once without an election);
    /// false when a signal came first.
    async fn lead<R: Rounds>(&mut self, rounds: &R, leading: &mut bool) -> bool {
        let Some(leader) = self.leader.as_mut() else {
            return true;
        };
        // "is a candidate" (at the start) or "lost the lease" said so.
        if !leader.is_leader() {
            *leading = false;
            following(self.exposed.as_deref(), true);
        }
        while !leader.is_leader() {
            tokio::select! {
                _ = leader.changed() => {}
                _ = tokio::signal::ctrl_c() => return false,
                _ = self.terminate.recv() => return false,
            }
        }
        // Said once per term, whether the Lease was taken before the
        // first round or while waiting.
        if !*leading {
            rounds.status(format!(
                "kvault sync: `{}` is the leader",
                leader.identity()
            ));
            *leading = true;
        }
        following(self.exposed.as_deref(), false);
        true
    }

    /// The plan file read again; the previous plan when the edit is
    /// broken, or when the plan came from stdin.
    async fn reloaded(&self, plan: Plan) -> Plan {
        if !self.source.rereadable() {
            return plan;
        }
        match self.source.load(self.kube).await {
            Ok(fresh) => fresh,
            Err(e) => {
                tracing::error!("{e}; keeping the previous plan");
                plan
            }
        }
    }

    /// Wait for the next round at `until`, a repair, a lost Lease (then
    /// the loop waits to lead again) or a signal.
    async fn wait<R: Rounds>(&mut self, until: Instant, state: &mut State, rounds: &R) -> Wake {
        loop {
            tracing::debug!(pause = ?until.saturating_duration_since(Instant::now()), "next sync");
            let lost = async {
                match self.leader.as_mut() {
                    Some(leader) => while leader.changed().await {},
                    None => std::future::pending().await,
                }
            };
            let changed = async {
                match state.changes.as_mut() {
                    Some(changes) => changes.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = tokio::time::sleep_until(until.into()) => return Wake::Round,
                () = lost => {
                    rounds.status("kvault sync: lost the lease; waiting to take it back".into());
                    return Wake::Lost;
                }
                Some(first) = changed => {
                    if let Some(targets) = self.repairs(first, state).await {
                        return Wake::Repair(targets);
                    }
                }
                _ = tokio::signal::ctrl_c() => return Wake::Stop,
                _ = self.terminate.recv() => return Wake::Stop,
            }
        }
    }

    /// The targets to repair after the change `first` and any that follow
    /// within [`SETTLE`] (and the rest of [`REPAIR_GAP`]); `None` when none
    /// of them is a hand edit of a target (kvault's own writes arrive here
    /// too, and agree with the hash they record).
    async fn repairs(&self, first: Changed, state: &mut State) -> Option<BTreeSet<String>> {
        let changes = state.changes.as_mut()?;
        let mut all = vec![first];
        let gap = state
            .last_repair
            .map_or(Duration::ZERO, |t| REPAIR_GAP.saturating_sub(t.elapsed()));
        let settled = Instant::now() + SETTLE.max(gap);
        while let Ok(Some(next)) = tokio::time::timeout_at(settled.into(), changes.recv()).await {
            all.push(next);
        }
        let leads = self.leader.as_ref().is_none_or(Leader::is_leader);
        let targets: BTreeSet<String> = all
            .into_iter()
            .filter(edited_by_hand)
            .map(|c| format!("k8s:{}", c.path))
            .filter(|t| state.known.contains(t))
            .collect();
        (leads && !targets.is_empty()).then_some(targets)
    }
}

/// Whether a change the watch saw is not kvault's own write: the Secret is
/// gone (or lost kvault's label), or its data no longer hashes to what
/// kvault recorded when it wrote it.
fn edited_by_hand(change: &Changed) -> bool {
    let Some(now) = &change.now else {
        return true;
    };
    let Ok(target) = Reference::parse(&format!("k8s:{}", change.path)) else {
        return false;
    };
    now.metadata.get(super::DATA_HASH).map(String::as_str)
        != Some(super::hash::data_hash(&target, &now.data).as_str())
}

/// `/readyz` and the `leader` gauge while waiting for the Lease.
fn following(exposed: Option<&Exposed>, now: bool) {
    if let Some(exposed) = exposed {
        exposed.following.store(now, Ordering::SeqCst);
        exposed.metrics.set_leader(!now);
    }
}

/// `every`, longer or shorter by a random amount of up to `pct` percent.
fn jittered(every: Duration, pct: u8) -> Duration {
    let spread = f64::from(pct) / 100.0;
    let factor = 1.0 + rand::random_range(-spread..=spread);
    // `mul_f64` panics past Duration::MAX; --watch is bounded well below.
    Duration::try_from_secs_f64(every.as_secs_f64() * factor.max(0.0)).unwrap_or(every)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_its_percentage() {
        let every = Duration::from_secs(100);
        for _ in 0..200 {
            let d = jittered(every, 20);
            assert!(
                d >= Duration::from_secs(80) && d <= Duration::from_secs(120),
                "{d:?}"
            );
        }
        assert_eq!(jittered(every, 0), every);
    }
}
