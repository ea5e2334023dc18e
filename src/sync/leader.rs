//! `kvault sync --watch --leader-elect`: one writer among replicas, by a
//! `coordination.k8s.io/v1` Lease.
//!
//! Taking and renewing the Lease is `kube-lease-manager`'s (kube 5, server-
//! side apply, so two candidates cannot both win a term). It was chosen over
//! `kube-leader-election`, which still builds on kube 4 and would bring a
//! second kube into the binary. What the crate does not give is fencing: it
//! reports only changes of leadership, and while the apiserver cannot be
//! reached it keeps saying "leader" after the Lease has run out. So every
//! write asks [`Leader::allow`], which trusts the Lease itself: this process
//! must be its holder, and its last renewal (stamped with this process's
//! own clock) plus the lease duration, less half the grace, must still be
//! ahead. The holder renews a whole grace before the end; another candidate
//! may take the Lease only once the whole duration has passed by its clock.
//! So a leader cut off from the apiserver stops writing half a grace before
//! anyone else may start, clock skew up to that included.

use super::engine::Fence;
use crate::store::kube::api_error;
use k8s_openapi::api::coordination::v1::Lease;
use kube::Api;
use kube_lease_manager::{LeaseManagerBuilder, LeaseParams};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::watch;

/// Which Lease, and for how long a term lasts.
#[derive(Clone, Debug)]
pub struct LeaseSettings {
    pub name: String,
    pub namespace: String,
    /// Unique among the candidates: the Pod's name in a cluster.
    pub identity: String,
    /// A holder that stops renewing loses the Lease after this long.
    pub duration: Duration,
    /// The holder renews this long before the end, and stops writing half
    /// of it before the end (half of it is the clock skew tolerated).
    pub grace: Duration,
}

impl LeaseSettings {
    /// The durations the Lease can work with (whole seconds, as the Lease
    /// stores them): a grace of 1 s or more, shorter than the duration.
    pub fn check(&self) -> Result<(), LeaderError> {
        let (duration, grace) = (self.duration.as_secs(), self.grace.as_secs());
        if grace == 0 || grace >= duration {
            return Err(LeaderError::Durations);
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LeaderError {
    #[error("--lease-grace must be 1 s or more and shorter than --lease-duration (whole seconds)")]
    Durations,
    #[error("cannot use the Lease `{namespace}/{name}`: {message}")]
    Lease {
        namespace: String,
        name: String,
        message: String,
    },
}

/// This process's candidacy.
#[derive(Debug)]
pub struct Leader {
    leading: watch::Receiver<bool>,
    task: tokio::task::JoinHandle<
        Result<kube_lease_manager::LeaseManager, kube_lease_manager::LeaseManagerError>,
    >,
    shared: Arc<Shared>,
}

/// What every write checks, shared with the runs as their [`Fence`].
#[derive(Debug)]
struct Shared {
    leading: watch::Receiver<bool>,
    lease: Api<Lease>,
    settings: LeaseSettings,
    /// Writes are allowed until then (checked against the Lease). An async
    /// lock, held across the Lease read: the targets a run writes at once
    /// wait for one read instead of each making its own.
    fenced_at: tokio::sync::Mutex<Option<Instant>>,
}

impl Leader {
    /// Join the election (creating the Lease when it is not there).
    pub async fn join(
        client: kube::Client,
        settings: LeaseSettings,
    ) -> Result<Leader, LeaderError> {
        settings.check()?;
        let (duration, grace) = (settings.duration.as_secs(), settings.grace.as_secs());
        let params = LeaseParams::new(&settings.identity, duration, grace)
            .with_field_manager(format!("kvault-{}", settings.identity));
        let manager = LeaseManagerBuilder::new(client.clone(), &settings.name)
            .with_namespace(&settings.namespace)
            .with_parameters(params)
            .build()
            .await
            .map_err(|e| LeaderError::Lease {
                namespace: settings.namespace.clone(),
                name: settings.name.clone(),
                message: e.to_string(),
            })?;
        let (leading, task) = manager.watch().await;
        let shared = Arc::new(Shared {
            leading: leading.clone(),
            lease: Api::namespaced(client, &settings.namespace),
            settings,
            fenced_at: tokio::sync::Mutex::new(None),
        });
        Ok(Leader {
            leading,
            task,
            shared,
        })
    }

    pub fn identity(&self) -> &str {
        &self.shared.settings.identity
    }

    /// Whether the election made this process the leader (not yet fenced).
    pub fn is_leader(&self) -> bool {
        *self.leading.borrow()
    }

    /// The check every write of a run makes while this process leads.
    pub fn fence(&self) -> Arc<dyn Fence> {
        self.shared.clone()
    }

    /// Wait until the leadership changes; the new state.
    pub async fn changed(&mut self) -> bool {
        if self.leading.changed().await.is_err() {
            // The election task ended (it retries API errors itself).
            return false;
        }
        let now = *self.leading.borrow_and_update();
        if !now {
            *self.shared.fenced_at.lock().await = None;
        }
        now
    }

    /// Give the Lease up (on shutdown) so that the next candidate need not
    /// wait for it to run out. Every [`Leader::fence`] must be dropped
    /// first: the election ends when the last watcher is gone.
    pub async fn resign(self) {
        let Leader {
            leading,
            task,
            shared,
        } = self;
        drop(leading);
        drop(shared);
        match tokio::time::timeout(Duration::from_secs(5), task).await {
            Ok(Ok(Ok(_))) => tracing::info!("lease released"),
            Ok(Ok(Err(e))) => tracing::warn!("could not release the lease: {e}"),
            Ok(Err(_)) | Err(_) => tracing::warn!("could not release the lease in time"),
        }
    }
}

impl Shared {
    /// Until when the Lease lets this process write, read from the Lease.
    async fn confirm(&self) -> Result<Instant, String> {
        let lease = self.lease.get(&self.settings.name).await.map_err(|e| {
            let what = format!("{}/{}", self.settings.namespace, self.settings.name);
            format!(
                "cannot read the Lease: {}",
                api_error(e, "kubernetes".into(), &what)
            )
        })?;
        let spec = lease.spec.unwrap_or_default();
        if spec.holder_identity.as_deref() != Some(self.settings.identity.as_str()) {
            return Err(format!(
                "the Lease is held by `{}`",
                spec.holder_identity.as_deref().unwrap_or("nobody")
            ));
        }
        let renewed = spec
            .renew_time
            .map(|t| crate::clock::from_micros(t.0.as_microsecond()))
            .ok_or("the Lease has no renewTime")?;
        // The holder renews at `grace` before the end; half of it is left
        // between that renewal and this deadline, half to clock skew.
        let end = renewed + self.settings.duration - self.settings.grace / 2;
        let left = end
            .duration_since(SystemTime::now())
            .map_err(|_| "the Lease ran out: it was not renewed in time".to_string())?;
        Ok(Instant::now() + left)
    }
}

#[async_trait::async_trait]
impl Fence for Shared {
    async fn allow(&self) -> Result<(), String> {
        let me = &self.settings.identity;
        if !*self.leading.borrow() {
            return Err(format!("`{me}` is not the leader"));
        }
        let mut fenced_at = self.fenced_at.lock().await;
        if fenced_at.is_some_and(|until| Instant::now() < until) {
            return Ok(());
        }
        let until = self
            .confirm()
            .await
            .map_err(|e| format!("`{me}` may not write: {e}"))?;
        *fenced_at = Some(until);
        Ok(())
    }
}
