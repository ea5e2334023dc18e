//! The rotation state kept in a secret's metadata: parsed from and written
//! back to plain string keys (see the keys in [`super`]). Pure.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// Metadata keys, documented in [`super`].
pub const CURRENT: &str = "kvault.dev/rotation-current";
pub const PREVIOUS: &str = "kvault.dev/rotation-previous";
pub const PENDING: &str = "kvault.dev/rotation-pending";
pub const PENDING_HASH: &str = "kvault.dev/rotation-pending-hash";
pub const STEP: &str = "kvault.dev/rotation-step";
pub const ROTATED_AT: &str = "kvault.dev/rotated-at";
pub const PLAN: &str = "kvault.dev/rotation-plan";

/// KV v2 custom metadata values hold at most 512 bytes.
const MAX_VALUE: usize = 512;

/// The steps of one rotation, in order. The state records the last one done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// The intent is recorded; the new version may or may not be written.
    Creating,
    /// The new version is written (check-and-set on the version read).
    Created,
    /// The sync plan ran for the targets that use the secret.
    Propagated,
    /// Every such target shows the new data hash.
    Verified,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Creating => "creating",
            Step::Created => "created",
            Step::Propagated => "propagated",
            Step::Verified => "verified",
        }
    }

    fn parse(text: &str) -> Option<Step> {
        [
            Step::Creating,
            Step::Created,
            Step::Propagated,
            Step::Verified,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// An unfinished rotation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// The version written, once known (`None` while [`Step::Creating`]).
    pub version: Option<u64>,
    /// The data hash of the new data, which tells kvault's version apart
    /// from anyone else's after a crash.
    pub hash: String,
    pub step: Step,
    /// The sync plan file (absolute path) the rotation started with, so
    /// that `--resume` propagates through the same plan without being told.
    pub plan: Option<String>,
}

/// What the metadata says about rotations of one secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    /// The version kvault last made current; while a rotation is pending,
    /// the version it started from (where a rollback returns to).
    pub current: Option<u64>,
    pub previous: Option<u64>,
    pub pending: Option<Pending>,
    /// RFC 3339 time of the last finished rotation.
    pub rotated_at: Option<String>,
}

/// The value of a cleared key. Metadata merges cannot delete keys, and KV
/// v2 refuses empty values, so a cleared key holds this.
pub const CLEARED: &str = "-";

fn present(metadata: &BTreeMap<String, String>, key: &str) -> Option<String> {
    metadata
        .get(key)
        .filter(|v| !v.is_empty() && v.as_str() != CLEARED)
        .cloned()
}

impl State {
    /// Read the state; malformed values are an error naming the key (they
    /// mean someone edited the metadata, and guessing could lose a version).
    pub fn from_metadata(metadata: &BTreeMap<String, String>) -> Result<State, String> {
        let number = |key: &str| -> Result<Option<u64>, String> {
            present(metadata, key)
                .map(|v| {
                    v.parse()
                        .map_err(|_| format!("metadata `{key}` is `{v}`, not a version number"))
                })
                .transpose()
        };
        let pending = match present(metadata, STEP) {
            None => None,
            Some(text) => {
                let step = Step::parse(&text)
                    .ok_or_else(|| format!("metadata `{STEP}` is `{text}`, not a step"))?;
                let version = number(PENDING)?;
                if step > Step::Creating && version.is_none() {
                    return Err(format!(
                        "metadata `{STEP}` is `{text}` but `{PENDING}` is empty"
                    ));
                }
                Some(Pending {
                    version,
                    hash: present(metadata, PENDING_HASH)
                        .ok_or_else(|| format!("metadata `{PENDING_HASH}` is empty"))?,
                    step,
                    plan: present(metadata, PLAN),
                })
            }
        };
        Ok(State {
            current: number(CURRENT)?,
            previous: number(PREVIOUS)?,
            pending,
            rotated_at: present(metadata, ROTATED_AT),
        })
    }

    /// Every key, cleared ones as [`CLEARED`], for a metadata merge.
    pub fn to_metadata(&self) -> BTreeMap<String, String> {
        let text = |v: Option<u64>| v.map_or_else(|| CLEARED.to_string(), |v| v.to_string());
        let pending = self.pending.as_ref();
        [
            (CURRENT, text(self.current)),
            (PREVIOUS, text(self.previous)),
            (PENDING, text(pending.and_then(|p| p.version))),
            (
                PENDING_HASH,
                pending.map_or_else(|| CLEARED.to_string(), |p| p.hash.clone()),
            ),
            (
                STEP,
                pending.map_or_else(|| CLEARED.to_string(), |p| p.step.as_str().to_string()),
            ),
            (
                PLAN,
                // A path too long for the metadata is not recorded: resume
                // then needs --plan again.
                pending
                    .and_then(|p| p.plan.clone())
                    .filter(|p| p.len() <= MAX_VALUE)
                    .unwrap_or_else(|| CLEARED.to_string()),
            ),
            (
                ROTATED_AT,
                self.rotated_at
                    .clone()
                    .unwrap_or_else(|| CLEARED.to_string()),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

/// Whether a secret last changed at `last` (RFC 3339) is older than `age`
/// at `now`. A time that cannot be read counts as due: rotating too often
/// is safer than never.
pub fn is_due(last: Option<&str>, age: Duration, now: SystemTime) -> bool {
    let Some(when) = last.and_then(|t| humantime::parse_rfc3339_weak(t).ok()) else {
        return true;
    };
    now.duration_since(when).unwrap_or_default() >= age
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_survives_the_round_trip_through_metadata() {
        let state = State {
            current: Some(3),
            previous: Some(2),
            pending: Some(Pending {
                version: Some(4),
                hash: "v1:ab".into(),
                step: Step::Propagated,
                plan: Some("/etc/kvault/plan.yaml".into()),
            }),
            rotated_at: Some("2026-01-01T00:00:00Z".into()),
        };
        assert_eq!(State::from_metadata(&state.to_metadata()), Ok(state));
    }

    #[test]
    fn cleared_keys_read_as_absent_and_other_metadata_is_ignored() {
        let mut metadata = State::default().to_metadata();
        metadata.insert("owner".into(), "team-a".into());
        // KV v2 refuses empty values: nothing is written empty.
        assert!(metadata.values().all(|v| !v.is_empty()));
        assert_eq!(metadata.values().filter(|v| *v == CLEARED).count(), 7);
        assert_eq!(State::from_metadata(&metadata), Ok(State::default()));
    }

    #[test]
    fn edited_metadata_is_an_error_that_names_the_key() {
        let mut metadata = BTreeMap::new();
        metadata.insert(PENDING.to_string(), "four".to_string());
        metadata.insert(STEP.to_string(), "created".to_string());
        metadata.insert(PENDING_HASH.to_string(), "v1:ab".to_string());
        let err = State::from_metadata(&metadata).unwrap_err();
        assert!(err.contains(PENDING), "{err}");
        metadata.insert(STEP.to_string(), "half-done".to_string());
        assert!(State::from_metadata(&metadata).unwrap_err().contains(STEP));
    }

    #[test]
    fn due_means_at_least_as_old_as_asked_and_unknown_times_are_due() {
        let now = humantime::parse_rfc3339("2026-02-01T00:00:00Z").unwrap();
        let day = Duration::from_secs(86_400);
        assert!(is_due(Some("2026-01-01T00:00:00Z"), 30 * day, now));
        assert!(!is_due(Some("2026-01-15T00:00:00Z"), 30 * day, now));
        // Vault's creation times carry nanoseconds.
        assert!(!is_due(Some("2026-01-31T12:00:00.123456789Z"), day, now));
        assert!(is_due(None, day, now));
        assert!(is_due(Some("yesterday"), day, now));
    }
}
