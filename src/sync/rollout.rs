//! Rollouts and pruning: the Kubernetes side of sync that is not Secret
//! data, behind the small [`Cluster`] trait so that the engine can be tested
//! with a fake. The real implementation is [`super::kube_cluster`].
//!
//! A rollout sets the pod-template annotation [`super::SECRET_HASH`] of a
//! Deployment, StatefulSet or DaemonSet to a hash over the data hashes of the
//! synced Secrets it is linked to (named in `rollout:`, or found by
//! `rollout: auto`). A changed template makes the workload's controller roll
//! its pods; the same data gives the same hash, so a repeated sync patches
//! nothing. One patch per workload per run, however many of its Secrets
//! changed.

use super::hash::secret_set_hash;
use crate::store::StoreError;
use async_trait::async_trait;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The kinds of workload kvault rolls out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
}

impl WorkloadKind {
    pub const ALL: [WorkloadKind; 3] = [
        WorkloadKind::Deployment,
        WorkloadKind::StatefulSet,
        WorkloadKind::DaemonSet,
    ];

    /// `deployment`, `deploy`, `deployments` (kubectl's names), any case.
    pub fn parse(text: &str) -> Option<WorkloadKind> {
        match text.to_ascii_lowercase().as_str() {
            "deployment" | "deployments" | "deploy" => Some(WorkloadKind::Deployment),
            "statefulset" | "statefulsets" | "sts" => Some(WorkloadKind::StatefulSet),
            "daemonset" | "daemonsets" | "ds" => Some(WorkloadKind::DaemonSet),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "deployment",
            WorkloadKind::StatefulSet => "statefulset",
            WorkloadKind::DaemonSet => "daemonset",
        }
    }
}

/// One workload: `NAMESPACE/KIND/NAME`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Workload {
    pub namespace: String,
    pub kind: WorkloadKind,
    pub name: String,
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.namespace, self.kind.as_str(), self.name)
    }
}

/// What kvault needs to know of a workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadState {
    pub workload: Workload,
    /// Names of the Secrets its pod template uses (env, envFrom, volumes,
    /// projected volumes).
    pub secrets: BTreeSet<String>,
    /// The current [`super::SECRET_HASH`] of its pod template.
    pub secret_hash: Option<String>,
}

/// A Secret labelled `app.kubernetes.io/managed-by=kvault`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagedSecret {
    pub name: String,
    /// Its uid, a precondition of the delete.
    pub uid: Option<String>,
    /// Its [`super::SOURCE`] annotation: set only on Secrets sync wrote.
    pub source: Option<String>,
}

/// The Kubernetes reads and writes of rollouts and pruning.
#[async_trait]
pub trait Cluster: Send + Sync {
    /// The Deployments, StatefulSets and DaemonSets of `namespace`.
    async fn workloads(&self, namespace: &str) -> Result<Vec<WorkloadState>, StoreError>;

    /// One workload; `None` when it does not exist.
    async fn workload(&self, workload: &Workload) -> Result<Option<WorkloadState>, StoreError>;

    /// Set the pod-template annotation [`super::SECRET_HASH`] (one patch).
    async fn set_secret_hash(&self, workload: &Workload, hash: &str) -> Result<(), StoreError>;

    /// Secrets of `namespace` labelled `app.kubernetes.io/managed-by=kvault`.
    async fn managed_secrets(&self, namespace: &str) -> Result<Vec<ManagedSecret>, StoreError>;

    /// Delete one of them (only if its uid is still the one listed).
    async fn delete_secret(
        &self,
        namespace: &str,
        secret: &ManagedSecret,
    ) -> Result<(), StoreError>;
}

/// A synced Secret linked to a workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The target reference, `k8s:NS/NAME`.
    pub target: String,
    /// Its data hash after the sync.
    pub hash: String,
    /// Whether its data changed in this run in a way that asks for a rollout.
    pub triggered: bool,
    /// Whether it keeps a hand edit (`--no-overwrite-drift`): its data is not
    /// the plan's, so it must not cause a catch-up rollout.
    pub drift_left: bool,
}

/// A patch to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolloutPlan {
    pub workload: Workload,
    pub hash: String,
    /// The linked targets whose change caused it.
    pub because: Vec<String>,
}

/// The rollouts to make: one per workload whose annotation (`current`)
/// differs from the hash over all its links, when a link was triggered in
/// this run or kvault rolled the workload out before. The second half makes
/// rollouts converge: a run killed between a Secret update and its rollout
/// leaves an annotation that no longer matches, and the next run (which sees
/// no data change) still rolls the workload. A workload kvault never
/// annotated, or one with a Secret whose hand edit was kept, is left alone
/// until its data changes. Pure.
pub fn plan_rollouts<'a>(
    links: &BTreeMap<Workload, Vec<Link>>,
    current: impl Fn(&Workload) -> Option<&'a str>,
) -> Vec<RolloutPlan> {
    links
        .iter()
        .filter_map(|(workload, links)| {
            let hash = secret_set_hash(links.iter().map(|l| (l.target.as_str(), l.hash.as_str())));
            let annotated = current(workload);
            let triggered = links.iter().any(|l| l.triggered);
            let catch_up = annotated.is_some() && !links.iter().any(|l| l.drift_left);
            if annotated == Some(hash.as_str()) || !(triggered || catch_up) {
                return None;
            }
            // An unfinished earlier rollout names all its links.
            let mut because: Vec<String> = links
                .iter()
                .filter(|l| l.triggered || !triggered)
                .map(|l| l.target.clone())
                .collect();
            because.sort();
            because.dedup();
            Some(RolloutPlan {
                workload: workload.clone(),
                hash,
                because,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(name: &str) -> Workload {
        Workload {
            namespace: "prod".into(),
            kind: WorkloadKind::Deployment,
            name: name.into(),
        }
    }

    fn link(target: &str, hash: &str, triggered: bool) -> Link {
        Link {
            target: target.into(),
            hash: hash.into(),
            triggered,
            drift_left: false,
        }
    }

    #[test]
    fn kinds_parse_with_kubectl_names() {
        assert_eq!(
            WorkloadKind::parse("Deploy"),
            Some(WorkloadKind::Deployment)
        );
        assert_eq!(WorkloadKind::parse("sts"), Some(WorkloadKind::StatefulSet));
        assert_eq!(
            WorkloadKind::parse("daemonsets"),
            Some(WorkloadKind::DaemonSet)
        );
        assert_eq!(WorkloadKind::parse("pod"), None);
        assert_eq!(w("api").to_string(), "prod/deployment/api");
    }

    #[test]
    fn two_changed_secrets_of_one_workload_make_one_rollout() {
        let links = BTreeMap::from([(
            w("api"),
            vec![
                link("k8s:prod/a", "v1:1", true),
                link("k8s:prod/b", "v1:2", true),
            ],
        )]);
        let plans = plan_rollouts(&links, |_| None);
        assert_eq!(plans.len(), 1);
        assert_eq!(plans[0].because, vec!["k8s:prod/a", "k8s:prod/b"]);
    }

    #[test]
    fn nothing_is_rolled_without_a_data_change_or_when_the_hash_is_current() {
        let quiet = BTreeMap::from([(w("api"), vec![link("k8s:prod/a", "v1:1", false)])]);
        assert!(plan_rollouts(&quiet, |_| None).is_empty());
        let changed = BTreeMap::from([(w("api"), vec![link("k8s:prod/a", "v1:1", true)])]);
        let hash = secret_set_hash([("k8s:prod/a", "v1:1")]);
        assert!(plan_rollouts(&changed, |_| Some(hash.as_str())).is_empty());
        assert_eq!(plan_rollouts(&changed, |_| Some("v1:old")).len(), 1);
    }

    #[test]
    fn a_rollout_lost_to_a_crash_is_made_by_the_next_run() {
        // The Secret was updated (v1:2) but the run died before patching the
        // workload, whose annotation still hashes the old data (v1:1).
        let quiet = BTreeMap::from([(w("api"), vec![link("k8s:prod/a", "v1:2", false)])]);
        let stale = secret_set_hash([("k8s:prod/a", "v1:1")]);
        let plans = plan_rollouts(&quiet, |_| Some(stale.as_str()));
        assert_eq!(plans.len(), 1);
        assert_eq!(plans[0].because, vec!["k8s:prod/a"]);
        assert_eq!(plans[0].hash, secret_set_hash([("k8s:prod/a", "v1:2")]));
    }

    #[test]
    fn a_kept_hand_edit_causes_no_catch_up_rollout() {
        let mut kept = link("k8s:prod/a", "v1:by-hand", false);
        kept.drift_left = true;
        let links = BTreeMap::from([(w("api"), vec![kept])]);
        let before = secret_set_hash([("k8s:prod/a", "v1:1")]);
        assert!(plan_rollouts(&links, |_| Some(before.as_str())).is_empty());
    }
}
