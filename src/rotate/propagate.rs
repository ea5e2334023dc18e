//! Steps 2 and 3 of a rotation: run the sync plan for the targets that use
//! the rotated secret, then check that each of them holds the new data.

use crate::store::{Reference, Stores};
use crate::sync::engine::assemble;
use crate::sync::hash::data_hash;
use crate::sync::plan::{Plan, Rollout, Target};
use crate::sync::{self, Cluster, DATA_HASH};
use serde::Serialize;
use std::sync::Arc;

/// The plan cut down to the targets with `rotated` among their sources
/// (not pinned to a version: those do not follow a rotation): the ones a
/// rotation syncs and verifies.
pub fn targets_of(plan: &Plan, rotated: &Reference) -> Plan {
    let targets = plan
        .targets
        .iter()
        .filter(|t| t.parts.iter().any(|p| follows(&p.source, rotated)))
        .cloned()
        .collect();
    // Targets of `find` entries are the next sync's: a rotation carries
    // the new value to the targets the plan names.
    Plan {
        targets,
        discoveries: Vec::new(),
    }
}

fn follows(source: &Reference, rotated: &Reference) -> bool {
    source.scheme == rotated.scheme && source.path == rotated.path && source.version.is_none()
}

/// What `propagate` did: workloads rolled out, and what failed.
#[derive(Debug, Default)]
pub struct Propagated {
    pub rollouts: Vec<String>,
    pub errors: Vec<String>,
}

/// Sync the targets of `cut` (from [`targets_of`]) as entries of the
/// `whole` plan: with `rollout`, its other targets that roll workloads in
/// the same namespaces (`sharing_workloads`) are only read, so that a
/// workload they share gets the rollout hash a full `kvault sync` would give
/// it (else the next full run would roll it again). Without, they are not
/// read at all: nothing is rolled out, so nothing needs their hashes.
pub async fn propagate(
    whole: &Plan,
    cut: &Plan,
    rollout: bool,
    stores: &Stores,
    cluster: Option<&dyn Cluster>,
) -> Propagated {
    let entries = if rollout {
        sharing_workloads(whole, cut)
    } else {
        cut.targets.iter().collect()
    };
    let plan = Plan {
        targets: entries
            .into_iter()
            .map(|t| Target {
                rollout: if rollout {
                    t.rollout.clone()
                } else {
                    Rollout::default()
                },
                ..t.clone()
            })
            .collect(),
        discoveries: Vec::new(),
    };
    let options = sync::Options {
        dry_run: false,
        prune: false,
        overwrite_drift: true,
        concurrency: 8,
        only: Some(
            cut.targets
                .iter()
                .map(|t| t.reference.to_string())
                .collect(),
        ),
        fence: None,
    };
    let report = sync::run(&plan, stores, cluster, &options, &|| {}).await;
    Propagated {
        rollouts: report.rollouts.iter().map(|r| r.workload.clone()).collect(),
        errors: report
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.target, e.error))
            .collect(),
    }
}

/// The entries of `whole` whose data hashes can enter the rollout hash of
/// a workload a target of `cut` rolls: those of `cut`, and the others that
/// roll workloads in the same namespace. A workload's rollout hash is made
/// of the hashes of the targets that roll it, which share its namespace;
/// an entry without `rollout:` rolls nothing and is in no hash, so reading
/// it would be a wasted request (a thousand of them, in a plan that size).
fn sharing_workloads<'a>(whole: &'a Plan, cut: &Plan) -> Vec<&'a Target> {
    let cut_refs: std::collections::BTreeSet<String> = cut
        .targets
        .iter()
        .map(|t| t.reference.to_string())
        .collect();
    let rolled_namespaces: std::collections::BTreeSet<&str> = cut
        .targets
        .iter()
        .filter(|t| !t.rollout.is_empty())
        .filter_map(|t| t.kube_name().map(|(ns, _)| ns))
        .collect();
    whole
        .targets
        .iter()
        .filter(|t| {
            cut_refs.contains(&t.reference.to_string())
                || (!t.rollout.is_empty()
                    && t.kube_name()
                        .is_some_and(|(ns, _)| rolled_namespaces.contains(ns)))
        })
        .collect()
}

/// One target after verification.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub target: String,
    /// The data hash the target should show.
    pub data_hash: String,
    pub verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Check each target against the data it should hold when `rotated` is at
/// `version`: its data must hash to that, and where it keeps metadata its
/// recorded `kvault.dev/data-hash` must say so too (sync wrote it).
pub async fn verify(plan: &Plan, stores: &Stores, rotated: &Reference, version: u64) -> Vec<Check> {
    let mut checks = Vec::new();
    for target in &plan.targets {
        let check = match expected_hash(target, stores, rotated, version).await {
            Ok(hash) => match shows(target, stores, &hash).await {
                Ok(()) => Check {
                    target: target.reference.to_string(),
                    data_hash: hash,
                    verified: true,
                    error: None,
                },
                Err(e) => Check {
                    target: target.reference.to_string(),
                    data_hash: hash,
                    verified: false,
                    error: Some(e),
                },
            },
            Err(e) => Check {
                target: target.reference.to_string(),
                data_hash: String::new(),
                verified: false,
                error: Some(e),
            },
        };
        checks.push(check);
    }
    checks
}

async fn expected_hash(
    target: &Target,
    stores: &Stores,
    rotated: &Reference,
    version: u64,
) -> Result<String, String> {
    let mut read = Vec::new();
    for part in &target.parts {
        let source = &part.source;
        let pinned = if follows(source, rotated) {
            Some(version)
        } else {
            source.version
        };
        let store = stores.get(source.scheme).await.map_err(|e| e.to_string())?;
        let secret = store
            .read(&source.path, pinned)
            .await
            .map_err(|e| format!("cannot read source `{}`: {e}", source.secret()))?;
        read.push(Arc::new(secret));
    }
    let data = assemble(&target.parts, &read)?;
    Ok(data_hash(&target.reference, &data))
}

async fn shows(target: &Target, stores: &Stores, hash: &str) -> Result<(), String> {
    let reference = &target.reference;
    let store = stores
        .get(reference.scheme)
        .await
        .map_err(|e| e.to_string())?;
    let secret = store
        .read(&reference.path, None)
        .await
        .map_err(|e| format!("cannot read the target: {e}"))?;
    if data_hash(reference, &secret.data) != hash {
        return Err("the target does not hold the new data".into());
    }
    let keeps = store
        .capabilities(&reference.path)
        .await
        .map_err(|e| e.to_string())?
        .metadata;
    match secret.metadata.get(DATA_HASH) {
        Some(recorded) if recorded == hash => Ok(()),
        _ if !keeps => Ok(()),
        recorded => Err(format!(
            "the target records {DATA_HASH} `{}`, not the new `{hash}`",
            recorded.map_or("(none)", String::as_str)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::plan::parse;

    /// The targets a rotation of `vault:secret/db` with `--rollout` reads
    /// in `plan`.
    fn read_for(plan: &str) -> Vec<String> {
        let whole = parse("plan.yaml", plan).unwrap();
        let cut = targets_of(&whole, &Reference::parse("vault:secret/db").unwrap());
        sharing_workloads(&whole, &cut)
            .iter()
            .map(|t| t.reference.to_string())
            .collect()
    }

    #[test]
    fn a_rollout_reads_only_the_entries_that_roll_workloads_beside_the_cut_ones() {
        let read = read_for(
            "secrets:
  - {source: vault:secret/db, target: k8s:prod/db, rollout: auto}
  - {source: vault:secret/api, target: k8s:prod/api, rollout: auto}
  - {source: vault:secret/cache, target: k8s:prod/cache}
  - {source: vault:secret/web, target: k8s:web/web, rollout: auto}
  - {source: vault:secret/db, target: vault:secret/copy}
",
        );
        assert_eq!(read, ["k8s:prod/db", "k8s:prod/api", "vault:secret/copy"]);
    }

    #[test]
    fn a_cut_that_rolls_nothing_reads_nothing_else() {
        let read = read_for(
            "secrets:
  - {source: vault:secret/db, target: k8s:prod/db}
  - {source: vault:secret/api, target: k8s:prod/api, rollout: auto}
",
        );
        assert_eq!(read, ["k8s:prod/db"]);
    }
}
