//! One rotation, step by step (create, propagate, verify, finish), with its
//! state in the secret's metadata so that `--resume` can pick it up after a
//! crash (`super::recover` holds resume and rollback). Talks to stores only
//! through [`Stores`]; does no printing: each step done is one human line
//! handed to `Hooks::progress`.

use super::propagate::{self, Check};
use super::state::{is_due, Pending, State, Step};
use crate::prompt::Interrupted;
use crate::store::history::now_rfc3339;
use crate::store::{Cas, Reference, SecretData, SecretStore, SecretValue, StoreError, Stores};
use crate::sync::hash::data_hash;
use crate::sync::{Cluster, Plan};
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// What to rotate and how.
#[derive(Clone, Debug)]
pub struct Request {
    /// The secret and the key whose value is replaced (`vault:secret/app#password`).
    pub reference: Reference,
    /// The new value; not needed with `resume`.
    pub value: Option<SecretValue>,
    /// The sync plan whose entries that read the secret are run after the write.
    pub plan: Option<Plan>,
    /// The file `plan` was read from (absolute), recorded with a pending
    /// rotation so that `--resume` without `--plan` uses it again.
    pub plan_file: Option<String>,
    /// Let those entries roll out their workloads.
    pub rollout: bool,
    /// Rotate only when the last rotation (or write) is at least this old.
    pub if_older_than: Option<Duration>,
    pub dry_run: bool,
    /// Finish (or roll back) a rotation that was interrupted.
    pub resume: bool,
    /// Test hook: sleep this long after this point, so that a test can kill
    /// the process there (`KVAULT_ROTATE_TEST_PAUSE_AFTER`).
    pub pause_after: Option<(Pause, Duration)>,
}

/// Where the test hook may pause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pause {
    /// After reading the current version, before anything is written.
    Read,
    Create,
    Propagate,
    Verify,
}

impl Pause {
    pub fn parse(text: &str) -> Option<Pause> {
        match text {
            "read" => Some(Pause::Read),
            "create" => Some(Pause::Create),
            "propagate" => Some(Pause::Propagate),
            "verify" => Some(Pause::Verify),
            _ => None,
        }
    }
}

/// Calls out to the command: one line per step done, and the question
/// whether to go ahead (asked once, before the first write; Ctrl-C there
/// ends the run with nothing written).
pub struct Hooks<'a> {
    pub progress: &'a (dyn Fn(&str) + Sync),
    pub confirm: &'a (dyn Fn(&str) -> Result<bool, Interrupted> + Sync),
}

/// How a run ended, when it did not fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Rotated,
    /// `--if-older-than`: the secret is younger.
    NotDue,
    DryRun,
    /// The rotation did not hold: the data of the version it started from
    /// is current again (as a new version), and the reason says why.
    RolledBack,
    /// `--resume` found nothing to resume.
    NothingPending,
    /// The user said no at the prompt.
    Declined,
}

/// The summary of a run: versions and hashes, never a value.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub reference: String,
    pub outcome: Outcome,
    pub resumed: bool,
    /// The version current before the rotation.
    pub previous_version: Option<u64>,
    /// The version current after it (or that would be written, in a dry run).
    pub version: Option<u64>,
    /// The data hash of the rotated secret's new data.
    pub data_hash: Option<String>,
    pub targets: Vec<Check>,
    pub rollouts: Vec<String>,
    pub errors: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Why a rotation could not run. None carries a value.
#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    /// Another writer changed the secret; one line naming path and versions.
    #[error("{0}")]
    Conflict(String),
    /// A rotation is unfinished and `--resume` was not given.
    #[error("a rotation of `{reference}` is pending (step `{step}`{version})\nhelp: run `kvault rotate {reference} --resume` to finish it or roll it back")]
    Pending {
        reference: String,
        step: &'static str,
        version: String,
    },
    /// The store cannot hold versions and metadata side by side.
    #[error("`{reference}` is in {store}, which does not keep versions with metadata: rotate needs a versioned store with metadata (Vault/OpenBao KV v2)")]
    Unsupported { reference: String, store: String },
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Ctrl-C at the confirmation: nothing was written.
    #[error(transparent)]
    Interrupted(#[from] Interrupted),
    #[error("{0}")]
    Invalid(String),
}

pub async fn run(
    request: &Request,
    stores: &Stores,
    cluster: Option<&dyn Cluster>,
    hooks: &Hooks<'_>,
) -> Result<Report, RotateError> {
    let reference = &request.reference;
    let key = rotated_key(reference)?;
    let secret = Reference {
        key: None,
        version: None,
        ..reference.clone()
    };
    let store = stores.get(reference.scheme).await?;
    let path = reference.path.clone();
    if !({
        let can = store.capabilities(&path).await?;
        can.versions && can.metadata
    }) {
        return Err(RotateError::Unsupported {
            reference: reference.to_string(),
            store: store.describe(),
        });
    }
    let (current, readable) = read_current(store.as_ref(), &path).await?;
    let state = State::from_metadata(&current.metadata).map_err(|e| {
        RotateError::Invalid(format!("cannot read the rotation state of `{secret}`: {e}"))
    })?;
    let plan = plan_of_run(request, state.pending.as_ref(), hooks)?;
    let targets = targets_reading(plan.as_ref(), &secret)?;
    let rotation = Rotation {
        request,
        plan,
        stores,
        cluster,
        hooks,
        store,
        path,
        secret,
        targets,
        data: current.data.clone(),
        state,
        report: Report::starting(reference, current.version),
    };
    rotation.start(&key, current.version, readable).await
}

/// The key a rotation replaces: `reference` must name one, and no version
/// (a rotation writes a new one).
fn rotated_key(reference: &Reference) -> Result<String, RotateError> {
    let key = reference.key.clone().ok_or_else(|| {
        RotateError::Invalid(format!(
            "`{reference}` names no key\nhelp: name the key whose value is replaced: `{reference}#KEY`"
        ))
    })?;
    if reference.version.is_some() {
        return Err(RotateError::Invalid(format!(
            "`{reference}` pins a version, but a rotation writes a new one\nhelp: drop the trailing `#N`"
        )));
    }
    Ok(key)
}

/// The entries of `plan` that read `secret`; with a plan, there must be one.
fn targets_reading(plan: Option<&Plan>, secret: &Reference) -> Result<Option<Plan>, RotateError> {
    let Some(plan) = plan else {
        return Ok(None);
    };
    let cut = propagate::targets_of(plan, secret);
    if cut.targets.is_empty() {
        return Err(RotateError::Invalid(format!(
            "no entry of the sync plan reads `{secret}`\nhelp: check the plan, or leave out --plan"
        )));
    }
    Ok(Some(cut))
}

impl Report {
    /// A run of `reference` that has read `previous_version` and done
    /// nothing yet.
    fn starting(reference: &Reference, previous_version: Option<u64>) -> Report {
        Report {
            reference: reference.to_string(),
            outcome: Outcome::Rotated,
            resumed: false,
            previous_version,
            version: None,
            data_hash: None,
            targets: vec![],
            rollouts: vec![],
            errors: vec![],
            reason: None,
        }
    }
}

/// The plan a run propagates through: `--plan`, or on `--resume` without
/// it, the plan file the pending rotation recorded (read again now).
fn plan_of_run(
    request: &Request,
    pending: Option<&Pending>,
    hooks: &Hooks<'_>,
) -> Result<Option<Plan>, RotateError> {
    let recorded = pending
        .filter(|_| request.resume)
        .and_then(|p| p.plan.as_deref());
    match (&request.plan, recorded) {
        (Some(plan), Some(file)) if request.plan_file.as_deref() != Some(file) => {
            (hooks.progress)(&format!(
                "note: the rotation started with the sync plan `{file}`; resuming with the one given"
            ));
            Ok(Some(plan.clone()))
        }
        (Some(plan), _) => Ok(Some(plan.clone())),
        (None, Some(file)) => {
            let unusable = |why: String| {
                RotateError::Invalid(format!(
                    "the rotation of `{}` started with the sync plan `{file}`, which {why}\nhelp: resume with --plan PLAN.yaml",
                    request.reference
                ))
            };
            let text = crate::yaml::read_file(std::path::Path::new(file), &crate::yaml::PLAN)
                .map_err(|e| unusable(format!("cannot be read now: {e}")))?;
            let plan = crate::sync::plan::parse(file, &text)
                .map_err(|e| unusable(format!("is not valid now: {e}")))?;
            (hooks.progress)(&format!(
                "resuming with the sync plan `{file}` the rotation started with"
            ));
            Ok(Some(plan))
        }
        (None, None) => Ok(None),
    }
}

/// The current version, or, when it is deleted or destroyed (a rotation's
/// version may be), the newest readable one: its metadata is the same
/// (KV v2 keeps it per secret), so a pending rotation can still be found.
/// The flag says whether the current version itself was read.
async fn read_current(
    store: &dyn SecretStore,
    path: &str,
) -> Result<(crate::store::Secret, bool), RotateError> {
    let not_found = match store.read(path, None).await {
        Ok(secret) => return Ok((secret, true)),
        Err(e) if e.is_not_found() => e,
        Err(e) => return Err(e.into()),
    };
    let versions = store.versions(path).await.map_err(|_| not_found)?;
    for info in versions.iter().rev() {
        if let Ok(secret) = store.read(path, Some(info.version)).await {
            return Ok((secret, false));
        }
    }
    Err(StoreError::NotFound {
        store: store.describe(),
        path: path.to_string(),
    }
    .into())
}

/// The state of one run.
pub(super) struct Rotation<'a> {
    pub(super) request: &'a Request,
    /// The whole sync plan of this run (see [`plan_of_run`]).
    pub(super) plan: Option<Plan>,
    pub(super) stores: &'a Stores,
    pub(super) cluster: Option<&'a dyn Cluster>,
    pub(super) hooks: &'a Hooks<'a>,
    pub(super) store: Arc<dyn SecretStore>,
    pub(super) path: String,
    /// The rotated secret without key or version.
    pub(super) secret: Reference,
    /// The plan's targets that read the secret.
    pub(super) targets: Option<Plan>,
    /// The secret's data as last read or written (stores that write data and
    /// metadata together need it).
    pub(super) data: SecretData,
    pub(super) state: State,
    pub(super) report: Report,
}

impl Rotation<'_> {
    pub(super) fn progress(&self, line: &str) {
        (self.hooks.progress)(line);
    }

    pub(super) fn finish_as(mut self, outcome: Outcome, reason: Option<String>) -> Report {
        self.report.outcome = outcome;
        self.report.reason = reason;
        self.report
    }

    pub(super) async fn pause(&self, at: Pause) {
        if let Some((point, pause)) = self.request.pause_after {
            if point == at {
                self.progress(&format!("test hook: pausing {pause:?} after {at:?}"));
                tokio::time::sleep(pause).await;
            }
        }
    }

    pub(super) async fn save(&self) -> Result<(), RotateError> {
        self.store
            .write_metadata(&self.path, &self.data, &self.state.to_metadata())
            .await
            .map_err(RotateError::from)
    }

    pub(super) async fn latest_version(&self) -> Result<u64, RotateError> {
        let versions = self.store.versions(&self.path).await?;
        Ok(versions.last().map_or(0, |v| v.version))
    }

    /// What a run does once the secret is read (its current `version`, and
    /// whether that version itself was `readable`): resume a pending
    /// rotation, or start a new one if it is due.
    async fn start(
        mut self,
        key: &str,
        version: Option<u64>,
        readable: bool,
    ) -> Result<Report, RotateError> {
        let request = self.request;
        let reference = &request.reference;
        if let Some(pending) = self.state.pending.clone() {
            if !request.resume {
                return Err(RotateError::Pending {
                    reference: reference.to_string(),
                    step: pending.step.as_str(),
                    version: pending
                        .version
                        .map(|v| format!(", version {v}"))
                        .unwrap_or_default(),
                });
            }
            self.report.resumed = true;
            return self.resume(pending).await;
        }
        if !readable {
            // Deleted or destroyed, and no rotation of ours to finish.
            return Err(StoreError::NotFound {
                store: self.store.describe(),
                path: self.path,
            }
            .into());
        }
        if request.resume {
            self.progress(&format!(
                "nothing to resume: no rotation of `{reference}` is pending"
            ));
            return Ok(self.finish_as(Outcome::NothingPending, None));
        }
        if let Some(age) = request.if_older_than {
            if let Some(reason) = self.not_due(age, version).await? {
                self.progress(&reason);
                return Ok(self.finish_as(Outcome::NotDue, Some(reason)));
            }
        }
        let value = request
            .value
            .as_ref()
            .ok_or_else(|| RotateError::Invalid("no new value was given".into()))?;
        let base = version.ok_or_else(|| RotateError::Unsupported {
            reference: reference.to_string(),
            store: self.store.describe(),
        })?;
        self.create(key, value, base).await
    }

    /// `--if-older-than age`: why the secret (at `version`) is not due yet,
    /// or `None` when it is.
    async fn not_due(
        &self,
        age: Duration,
        version: Option<u64>,
    ) -> Result<Option<String>, RotateError> {
        let last = match &self.state.rotated_at {
            Some(at) => Some(at.clone()),
            None => self.created_time(version).await?,
        };
        if is_due(last.as_deref(), age, SystemTime::now()) {
            return Ok(None);
        }
        Ok(Some(format!(
            "not due: `{}` last changed at {}, less than {} ago",
            self.request.reference,
            last.as_deref().unwrap_or("?"),
            humantime::format_duration(age)
        )))
    }

    async fn created_time(&self, version: Option<u64>) -> Result<Option<String>, RotateError> {
        let versions = self.store.versions(&self.path).await?;
        Ok(versions
            .into_iter()
            .find(|v| Some(v.version) == version)
            .and_then(|v| v.created))
    }

    /// Step 1: record the intent, then write the new version with
    /// check-and-set on `base`.
    async fn create(
        mut self,
        key: &str,
        value: &SecretValue,
        base: u64,
    ) -> Result<Report, RotateError> {
        let data = self.new_data(key, value)?;
        let hash = data_hash(&self.secret, &data);
        self.report.data_hash = Some(hash.clone());
        let what = self.what_create_does(key, base);
        if self.request.dry_run {
            self.progress(&format!("dry run: would {what}; nothing written"));
            return Ok(self.dry_run(base));
        }
        if !(self.hooks.confirm)(&what)? {
            self.progress("declined: nothing written");
            return Ok(self.finish_as(Outcome::Declined, None));
        }
        self.pause(Pause::Read).await;
        let latest = self.latest_version().await?;
        if latest != base {
            return Err(self.conflict_on_create(base, latest));
        }
        let version = self.write_new_version(&data, &hash, base).await?;
        self.data = data;
        self.state.pending = Some(Pending {
            version: Some(version),
            hash: hash.clone(),
            step: Step::Created,
            plan: self.request.plan_file.clone(),
        });
        self.save().await?;
        self.progress(&format!(
            "created: version {version} of `{}` (was {base}), data hash {hash}",
            self.secret
        ));
        self.pause(Pause::Create).await;
        self.carry_on(version, Step::Created).await
    }

    /// The secret's data with `key` set to `value`: the key must be there,
    /// and the value must change.
    fn new_data(&self, key: &str, value: &SecretValue) -> Result<SecretData, RotateError> {
        let mut data = self.data.clone();
        match data.get(key) {
            None => {
                return Err(StoreError::KeyNotFound {
                    store: self.store.describe(),
                    path: self.path.clone(),
                    key: key.to_string(),
                }
                .into())
            }
            Some(old) if old == value => {
                return Err(RotateError::Invalid(format!(
                    "the new value of key `{key}` equals its current value in `{}`",
                    self.secret
                )))
            }
            Some(_) => data.insert(key, value.clone()),
        }
        Ok(data)
    }

    /// What the run is about to do, for the prompt and the dry run.
    fn what_create_does(&self, key: &str, base: u64) -> String {
        let targets = self.targets.as_ref().map_or(0, |p| p.targets.len());
        let then = match targets {
            0 => String::new(),
            n => format!(
                ", then sync {n} target{}{}",
                if n == 1 { "" } else { "s" },
                if self.request.rollout {
                    " and roll out their workloads"
                } else {
                    ""
                }
            ),
        };
        format!(
            "replace key `{key}` of `{}` (version {base}) with a new version{then}",
            self.secret
        )
    }

    /// The report of a dry run from `base`: the version and targets a
    /// rotation would write.
    fn dry_run(mut self, base: u64) -> Report {
        self.report.version = Some(base + 1);
        if let Some(plan) = &self.targets {
            self.report.targets = plan
                .targets
                .iter()
                .map(|t| Check {
                    target: t.reference.to_string(),
                    data_hash: String::new(),
                    verified: false,
                    error: None,
                })
                .collect();
        }
        self.finish_as(Outcome::DryRun, None)
    }

    /// Record the intent (step `creating`), then write `data` with
    /// check-and-set on `base`; the new version.
    async fn write_new_version(
        &mut self,
        data: &SecretData,
        hash: &str,
        base: u64,
    ) -> Result<u64, RotateError> {
        let before = self.state.clone();
        self.state.current = Some(base);
        self.state.pending = Some(Pending {
            version: None,
            hash: hash.to_string(),
            step: Step::Creating,
            plan: self.request.plan_file.clone(),
        });
        self.save().await?;
        match self.store.write(&self.path, data, Cas::Version(base)).await {
            Ok(v) => Ok(v),
            Err(StoreError::CasConflict { .. }) => {
                // Nothing of ours was written: put the bookkeeping back.
                self.state = before;
                self.save().await?;
                let latest = self.latest_version().await.unwrap_or(0);
                Err(self.conflict_on_create(base, latest))
            }
            // The write may or may not have happened: the intent stays, and
            // `--resume` finds out by the hash.
            Err(e) => Err(e.into()),
        }
    }

    fn conflict_on_create(&self, base: u64, latest: u64) -> RotateError {
        RotateError::Conflict(format!(
            "check-and-set conflict on `{}`: kvault read version {base}, but version {latest} is current now (another writer); nothing was changed",
            self.secret
        ))
    }

    /// Sync `cut` (the targets that read the secret) within the whole plan.
    pub(super) async fn propagate(&self, cut: &Plan) -> propagate::Propagated {
        let whole = self.plan.as_ref().unwrap_or(cut);
        propagate::propagate(whole, cut, self.request.rollout, self.stores, self.cluster).await
    }

    /// Steps 2 to 4, from the one after `done`.
    pub(super) async fn carry_on(
        mut self,
        version: u64,
        done: Step,
    ) -> Result<Report, RotateError> {
        self.report.version = Some(version);
        if let Some(plan) = self.targets.clone() {
            if done < Step::Propagated {
                let out = self.propagate(&plan).await;
                self.report.rollouts = out.rollouts;
                self.report.errors.extend(out.errors);
                self.set_step(version, Step::Propagated).await?;
                self.progress(&format!(
                    "propagated: synced {} target{}, rolled out {} workload{}{}",
                    plan.targets.len(),
                    if plan.targets.len() == 1 { "" } else { "s" },
                    self.report.rollouts.len(),
                    if self.report.rollouts.len() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    match self.report.errors.len() {
                        0 => String::new(),
                        n => format!(", {n} failed"),
                    }
                ));
                self.pause(Pause::Propagate).await;
            }
            if done < Step::Verified {
                let checks = propagate::verify(&plan, self.stores, &self.secret, version).await;
                let failed: Vec<String> = checks
                    .iter()
                    .filter(|c| !c.verified)
                    .map(|c| format!("`{}`: {}", c.target, c.error.as_deref().unwrap_or("?")))
                    .collect();
                self.report.targets = checks;
                if !failed.is_empty() {
                    let reason = format!("verification failed: {}", failed.join("; "));
                    return self.roll_back(version, reason).await;
                }
                self.set_step(version, Step::Verified).await?;
                self.progress(&format!(
                    "verified: the new data hash is on {}",
                    match plan.targets.len() {
                        1 => "1 target".to_string(),
                        n => format!("{n} targets"),
                    }
                ));
                self.pause(Pause::Verify).await;
            }
        }
        self.finish(version).await
    }

    pub(super) async fn set_step(&mut self, version: u64, step: Step) -> Result<(), RotateError> {
        if let Some(p) = self.state.pending.as_mut() {
            p.step = step;
            p.version = Some(version);
        }
        self.save().await
    }

    /// Step 4: the pending version becomes current, the old current previous.
    async fn finish(mut self, version: u64) -> Result<Report, RotateError> {
        self.superseded_check(version).await?;
        let base = self.state.current;
        self.state.previous = base;
        self.state.current = Some(version);
        self.state.pending = None;
        self.state.rotated_at = Some(now_rfc3339());
        self.save().await?;
        self.report.previous_version = base;
        self.progress(&format!(
            "finished: version {version} of `{}` is current, version {} is previous",
            self.secret,
            base.map_or("-".to_string(), |b| b.to_string())
        ));
        Ok(self.finish_as(Outcome::Rotated, None))
    }
}

#[cfg(test)]
mod tests;
