//! `kvault sync --watch`: run the plan every interval (with jitter) until
//! SIGTERM or Ctrl-C. With `--leader-elect`, only while this process holds
//! the Lease, every write of a round fenced by it; a follower reads and
//! writes nothing. The plan file is read again each round (it may be a
//! mounted ConfigMap): a broken edit keeps the last good plan running.
//!
//! What a round shows (progress, the report) is the caller's: [`Rounds`].

use super::kube_cluster::KubeCluster;
use super::leader::Leader;
use super::metrics_server::Exposed;
use super::{Options, Plan, Report};
use crate::store::kube::KubeConfig;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::signal::unix::Signal;

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
}

/// Where a plan comes from (`-`, stdin, is read once).
#[derive(Clone, Copy, Debug)]
pub enum PlanSource<'a> {
    Plan(&'a Path),
    /// External Secrets Operator manifests, converted each time.
    ExternalSecrets(&'a Path),
}

impl<'a> PlanSource<'a> {
    /// The plan as it is now; a message naming the input when it cannot be.
    pub fn load(self) -> Result<Plan, String> {
        match self {
            PlanSource::Plan(file) => super::plan::load(file).map_err(|e| e.to_string()),
            PlanSource::ExternalSecrets(path) => {
                super::external_secrets::load(path).map(|(plan, _)| plan)
            }
        }
    }

    fn path(self) -> &'a Path {
        match self {
            PlanSource::Plan(p) | PlanSource::ExternalSecrets(p) => p,
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
        let mut cluster: Option<KubeCluster> = None;
        let mut leading = false;
        loop {
            if !self.lead(rounds, &mut leading).await {
                break;
            }
            plan = self.reloaded(plan);
            if let Err(e) =
                KubeCluster::connect_if_needed(&mut cluster, &plan, self.options.prune, self.kube)
                    .await
            {
                tracing::error!("cannot connect to Kubernetes for rollouts and --prune: {e}");
            }
            // Every write of the round asks the Lease first (fencing).
            let round = Options {
                fence: self.leader.as_ref().map(Leader::fence),
                ..self.options.clone()
            };
            let started = Instant::now();
            tokio::select! {
                report = rounds.round(&plan, cluster.as_ref(), &round) => {
                    if let Some(exposed) = &self.exposed {
                        exposed.metrics.record(&report, started.elapsed().as_secs_f64());
                    }
                    rounds.show(&report)?;
                    last = Some(report);
                }
                _ = tokio::signal::ctrl_c() => break,
                _ = self.terminate.recv() => break,
            }
            if !self.pause(rounds).await {
                break;
            }
        }
        if let Some(leader) = self.leader {
            leader.resign().await;
        }
        Ok(last)
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
    fn reloaded(&self, plan: Plan) -> Plan {
        if self.source.path().as_os_str() == "-" {
            return plan;
        }
        match self.source.load() {
            Ok(fresh) => fresh,
            Err(e) => {
                tracing::error!("{e}; keeping the previous plan");
                plan
            }
        }
    }

    /// The pause between rounds, cut short by losing the Lease; false
    /// when a signal came.
    async fn pause<R: Rounds>(&mut self, rounds: &R) -> bool {
        let pause = jittered(self.every, self.jitter);
        tracing::debug!(?pause, "next sync");
        let lost = async {
            match self.leader.as_mut() {
                Some(leader) => while leader.changed().await {},
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => true,
            () = lost => {
                rounds.status("kvault sync: lost the lease; waiting to take it back".into());
                true
            }
            _ = tokio::signal::ctrl_c() => false,
            _ = self.terminate.recv() => false,
        }
    }
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
