//! One run for a target of an `issue` entry ([`crate::sync::issue`]):
//! keep the value while it lives, renew its lease in its window, issue a
//! new one (once, never retried: a POST to a dynamic engine issues each
//! time) when it is due. A dry run says what would be done, issuing
//! nothing.

use super::{fenced, read_current, Options};
use crate::store::history::now_rfc3339;
use crate::store::vault::VaultStore;
use crate::store::{Cas, Scheme, SecretData, StoreError, Stores};
use crate::sync::decide::{Action, KeyDiff};
use crate::sync::hash::data_hash;
use crate::sync::issue::{lifetime, Due, Issue};
use crate::sync::plan::Target;
use crate::sync::report::{SyncError, TargetOutcome, TargetStep};
use crate::sync::{DATA_HASH, SOURCE, SYNCED_AT};
use std::collections::BTreeMap;

pub(super) async fn sync_issued(
    target: &Target,
    issue: &Issue,
    stores: &Stores,
    options: &Options,
    outcome: &mut TargetOutcome,
) -> Result<(), SyncError> {
    let reference = &target.reference;
    let path = reference.path.as_str();
    let store = stores.get(reference.scheme).await?;
    let (_, current) = read_current(store.as_ref(), path)
        .await
        .map_err(|e| SyncError::target(TargetStep::Read, e))?;
    let now = crate::clock::now_millis() / 1000;
    let due = issue.due(current.as_ref(), now);
    outcome.data_hash = current
        .as_ref()
        .and_then(|c| c.metadata.get(DATA_HASH).cloned());
    if due == Due::Keep {
        outcome.action = Action::Unchanged;
        return Ok(());
    }
    let vault = stores.vault().await.map_err(SyncError::from)?;
    let shape = target
        .template
        .as_ref()
        .map(|t| t.shape.clone())
        .unwrap_or_default();
    if let Due::Renew(lease) = &due {
        if options.dry_run {
            outcome.action = Action::Metadata;
            return Ok(());
        }
        fenced(options).await.map_err(SyncError::Fenced)?;
        let current = current.as_ref().expect("a lease to renew was read");
        let renew = Renewal {
            issue,
            lease,
            now,
            shape: &shape,
        };
        if renew.run(store.as_ref(), &vault, path, current).await? {
            outcome.action = Action::Metadata;
            return Ok(());
        }
    }
    outcome.action = if current.is_some() {
        Action::Updated
    } else {
        Action::Created
    };
    if options.dry_run {
        return Ok(());
    }
    fenced(options).await.map_err(SyncError::Fenced)?;
    let (data, record) = issue_now(target, issue, &vault, now).await?;
    outcome.diff = KeyDiff::between(current.as_ref().map(|c| &c.data), &data);
    let hash = data_hash(reference, &data);
    let mut metadata = record;
    metadata.insert(DATA_HASH.into(), hash.clone());
    let cas = match &current {
        Some(c) => c.version.map_or(Cas::Any, Cas::Version),
        None if reference.scheme == Scheme::K8s => Cas::MustNotExist,
        None => Cas::Any,
    };
    let written: Result<u64, StoreError> = store
        .write_shaped(path, &data, cas, &metadata, &shape)
        .await;
    written.map_err(|e| SyncError::target(TargetStep::Write, e))?;
    outcome.data_hash = Some(hash);
    Ok(())
}

/// Issue a value (one POST, never retried), shaped by the template, and
/// the record to write with it (without the data hash).
async fn issue_now(
    target: &Target,
    issue: &Issue,
    vault: &VaultStore,
    now: u64,
) -> Result<(SecretData, BTreeMap<String, String>), SyncError> {
    let (data, lease) = vault
        .write_dynamic(&issue.path, &issue.params)
        .await
        .map_err(|e| SyncError::Source {
            secret: format!(">>vault:{}", issue.path),
            error: std::sync::Arc::new(e),
        })?;
    let expiration = data
        .get("expiration")
        .and_then(|v| v.expose_str())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let lives = lifetime(lease.as_ref(), expiration, now).ok_or_else(|| {
        SyncError::Assemble(format!(
            "`>>vault:{}` gave no lease and no expiration: kvault cannot tell when to issue again",
            issue.path
        ))
    })?;
    let data = match &target.template {
        Some(t) => t.apply(data).map_err(SyncError::Assemble)?,
        None => data,
    };
    let mut record = issue.record(now, lives, lease.as_ref());
    record.insert(SOURCE.into(), format!(">>vault:{}", issue.path));
    record.insert(SYNCED_AT.into(), now_rfc3339());
    Ok((data, record))
}

/// Renewing the lease of the value a target holds.
struct Renewal<'a> {
    issue: &'a Issue,
    lease: &'a crate::store::vault::Lease,
    now: u64,
    shape: &'a crate::store::Shape,
}

impl Renewal<'_> {
    /// Renew, and record the new expiry with the target; false when the
    /// lease cannot be renewed (past its max TTL, revoked): a new value is
    /// issued instead.
    async fn run(
        &self,
        store: &dyn crate::store::SecretStore,
        vault: &VaultStore,
        path: &str,
        current: &crate::store::Secret,
    ) -> Result<bool, SyncError> {
        let renewed = match vault.renew_lease(self.lease).await {
            Ok(renewed) => renewed,
            Err(e) => {
                tracing::info!(path, error = %e, "cannot renew; issuing anew");
                return Ok(false);
            }
        };
        // kvault's own record, renewed; the rest of the target's metadata
        // is not kvault's to write.
        let mut metadata: BTreeMap<String, String> = current
            .metadata
            .iter()
            .filter(|(k, _)| k.starts_with("kvault.dev/"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        metadata.extend(self.issue.record(self.now, renewed, Some(self.lease)));
        metadata.insert(SYNCED_AT.into(), now_rfc3339());
        store
            .write_shaped(path, &current.data, Cas::Any, &metadata, self.shape)
            .await
            .map_err(|e| SyncError::target(TargetStep::Write, e))?;
        Ok(true)
    }
}
