//! Recovery from an interrupted or failed rotation: `--resume`, rollback,
//! and giving way to a writer who came after the rotation's version.

use super::engine::{Outcome, Report, RotateError, Rotation};
use super::state::{Pending, Step};
use crate::store::{Cas, StoreError};
use crate::sync::hash::data_hash;

impl Rotation<'_> {
    /// When someone wrote after the rotation's version, that write wins:
    /// kvault drops its pending state (its version stays in the history)
    /// and reports a conflict.
    pub(super) async fn superseded_check(&mut self, version: u64) -> Result<(), RotateError> {
        let latest = self.latest_version().await?;
        if latest == version {
            return Ok(());
        }
        self.state.pending = None;
        self.save().await?;
        Err(RotateError::Conflict(format!(
            "check-and-set conflict on `{}`: the rotation wrote version {version}, but version {latest} is current now (another writer); kvault left version {latest} current and dropped its pending rotation",
            self.secret
        )))
    }

    /// Write the data of the version the rotation started from back as a
    /// new version (check-and-set on the rotation's own), clear the pending
    /// state, and sync the targets back.
    pub(super) async fn roll_back(
        mut self,
        version: u64,
        reason: String,
    ) -> Result<Report, RotateError> {
        self.superseded_check(version).await?;
        let base = self.state.current.ok_or_else(|| {
            RotateError::Invalid(format!(
                "cannot roll back `{}`: the metadata names no version to return to",
                self.secret
            ))
        })?;
        let old = self.store.read(&self.path, Some(base)).await.map_err(|e| {
            RotateError::Invalid(format!(
                "cannot roll back `{}` to version {base}: {e}",
                self.secret
            ))
        })?;
        let restored = match self
            .store
            .write(&self.path, &old.data, Cas::Version(version))
            .await
        {
            Ok(v) => v,
            Err(StoreError::CasConflict { .. }) => {
                let latest = self.latest_version().await.unwrap_or(0);
                return Err(RotateError::Conflict(format!(
                    "check-and-set conflict on `{}`: rolling back expected version {version}, but version {latest} is current now (another writer); the rotation is still pending",
                    self.secret
                )));
            }
            Err(e) => return Err(e.into()),
        };
        self.data = old.data;
        self.state.current = Some(restored);
        self.state.pending = None;
        self.save().await?;
        self.report.version = Some(restored);
        self.report.data_hash = Some(data_hash(&self.secret, &self.data));
        self.progress(&format!(
            "rolled back: version {restored} of `{}` holds version {base}'s data again ({reason})",
            self.secret
        ));
        if let Some(plan) = self.targets.clone() {
            let out = self.propagate(&plan).await;
            self.report.errors.extend(out.errors);
            self.report.rollouts.extend(out.rollouts);
        }
        Ok(self.finish_as(Outcome::RolledBack, Some(reason)))
    }

    /// `--resume`: find where the interrupted run stopped and carry on, or
    /// roll back when its version is lost.
    pub(super) async fn resume(mut self, pending: Pending) -> Result<Report, RotateError> {
        let latest = self.latest_version().await?;
        let Some(version) = pending.version else {
            // Interrupted around the write: look for a version with our hash.
            let base = self.state.current.unwrap_or(0);
            let mut found = None;
            for v in base + 1..=latest {
                match self.store.read(&self.path, Some(v)).await {
                    Ok(s) if data_hash(&self.secret, &s.data) == pending.hash => {
                        found = Some((v, s.data));
                        break;
                    }
                    Ok(_) => {}
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e.into()),
                }
            }
            let Some((version, data)) = found else {
                self.state.pending = None;
                self.save().await?;
                let reason =
                    "the interrupted rotation never wrote its new version: nothing to roll back"
                        .to_string();
                self.progress(&format!("rolled back: {reason}"));
                self.report.version = Some(latest);
                return Ok(self.finish_as(Outcome::RolledBack, Some(reason)));
            };
            self.superseded_check(version).await?;
            self.data = data;
            self.report.data_hash = Some(pending.hash);
            self.set_step(version, Step::Created).await?;
            self.progress(&format!(
                "resumed: version {version} of `{}` was written before the interruption",
                self.secret
            ));
            return self.carry_on(version, Step::Created).await;
        };
        self.report.data_hash = Some(pending.hash.clone());
        let ours = match self.store.read(&self.path, Some(version)).await {
            Ok(s) if data_hash(&self.secret, &s.data) == pending.hash => Some(s.data),
            Ok(_) => None,
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(e.into()),
        };
        let Some(data) = ours else {
            let reason = format!(
                "version {version} of the rotation was lost (deleted, destroyed or replaced)"
            );
            return self.roll_back(version, reason).await;
        };
        self.superseded_check(version).await?;
        self.data = data;
        self.progress(&format!(
            "resumed: version {version} of `{}` after step `{}`",
            self.secret,
            pending.step.as_str()
        ));
        self.carry_on(version, pending.step).await
    }
}
