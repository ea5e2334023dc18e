//! Dynamic secrets issued for the command, and their leases: issued once
//! per distinct request, reused by re-reads, renewed at half their
//! duration, dropped (to be issued anew) when they can no longer be kept.

use super::plan::DynamicRequest;
use crate::store::vault::{Lease, VaultStore};
use crate::store::StoreError;
use std::collections::HashMap;

/// Dynamic secrets issued so far and their leases.
#[derive(Default)]
pub struct Leases {
    issued: std::sync::Mutex<HashMap<DynamicRequest, Issued>>,
}

struct Issued {
    data: crate::store::SecretData,
    lease: Option<Lease>,
    /// When the lease was issued or last renewed.
    since: std::time::Instant,
}

impl Leases {
    pub(super) async fn get_or_issue(
        &self,
        vault: &VaultStore,
        request: &DynamicRequest,
    ) -> Result<crate::store::SecretData, StoreError> {
        if let Some(issued) = self.issued.lock().expect("leases").get(request) {
            return Ok(issued.data.clone());
        }
        let (data, lease) = vault.write_dynamic(&request.path, &request.params).await?;
        self.issued.lock().expect("leases").insert(
            request.clone(),
            Issued {
                data: data.clone(),
                lease,
                since: std::time::Instant::now(),
            },
        );
        Ok(data)
    }

    /// Renew every lease past half its duration. A lease that cannot be
    /// renewed and is close to expiry is dropped, so the next resolve issues
    /// a fresh credential (and the watch loop restarts or signals the child).
    /// Returns how many were dropped.
    pub async fn renew_due(&self, vault: &VaultStore) -> usize {
        let mut dropped = 0;
        let due: Vec<(DynamicRequest, Lease, std::time::Duration)> = self
            .issued
            .lock()
            .expect("leases")
            .iter()
            .filter_map(|(req, issued)| {
                let lease = issued.lease.clone()?;
                (issued.since.elapsed() >= lease.duration / 2)
                    .then(|| (req.clone(), lease, issued.since.elapsed()))
            })
            .collect();
        for (request, lease, age) in due {
            let renewed = if lease.renewable {
                vault.renew_lease(&lease).await
            } else {
                Err(StoreError::BadInput("not renewable".into()))
            };
            let mut issued = self.issued.lock().expect("leases");
            match renewed {
                Ok(duration) => {
                    tracing::debug!(path = %request.path, ?duration, "renewed lease");
                    if let Some(entry) = issued.get_mut(&request) {
                        entry.since = std::time::Instant::now();
                        if let Some(l) = entry.lease.as_mut() {
                            l.duration = duration;
                        }
                    }
                }
                Err(e) if age >= lease.duration.mul_f64(0.8) => {
                    tracing::warn!(path = %request.path, "lease cannot be renewed ({e}) and is close to its expiry");
                    issued.remove(&request);
                    dropped += 1;
                }
                Err(e) => {
                    tracing::debug!(path = %request.path, "lease renewal failed, will retry: {e}")
                }
            }
        }
        dropped
    }

    /// Forget every issued secret: after logging in again, the old token's
    /// leases die with it, so the next resolve issues fresh credentials.
    pub fn clear(&self) {
        self.issued.lock().expect("leases").clear();
    }

    /// Whether any issued secret has a lease to look after.
    pub fn any(&self) -> bool {
        self.issued
            .lock()
            .expect("leases")
            .values()
            .any(|i| i.lease.is_some())
    }
}
