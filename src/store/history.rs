//! The version history of one secret, as the memory and local stores keep
//! it: every write appends a version; delete marks the current one deleted
//! (recoverable, like KV v2). Pure data, no I/O.

use super::{Cas, SecretData, VersionInfo};
use std::time::SystemTime;

#[derive(Clone, Debug, Default)]
pub struct History {
    pub versions: Vec<StoredVersion>,
}

#[derive(Clone, Debug)]
pub struct StoredVersion {
    pub version: u64,
    /// RFC 3339, seconds.
    pub created: String,
    pub deleted: bool,
    pub data: SecretData,
}

/// A check-and-set write that found something else than it expected.
#[derive(Debug, PartialEq, Eq)]
pub struct CasMismatch {
    pub expected: Cas,
    pub current: Option<u64>,
}

impl CasMismatch {
    pub fn describe(&self) -> String {
        let current = match self.current {
            Some(v) => format!("current version is {v}"),
            None => "no version exists".to_string(),
        };
        match self.expected {
            Cas::MustNotExist => format!("expected no secret, but {current}"),
            Cas::Version(v) => format!("expected version {v}, but {current}"),
            Cas::Any => current,
        }
    }
}

pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

impl History {
    /// A history read from outside (a file): versions must strictly increase
    /// and leave room for one more, which is what `write` relies on to give
    /// every write a fresh number.
    pub fn from_versions(versions: Vec<StoredVersion>) -> Result<History, String> {
        if let Some(pair) = versions.windows(2).find(|w| w[0].version >= w[1].version) {
            return Err(format!(
                "its versions are out of order ({} before {})",
                pair[0].version, pair[1].version
            ));
        }
        if versions.last().is_some_and(|v| v.version == u64::MAX) {
            return Err("its latest version number leaves no room for another".into());
        }
        Ok(History { versions })
    }

    /// The newest version, deleted or not.
    pub fn latest(&self) -> Option<&StoredVersion> {
        self.versions.last()
    }

    /// The newest version if it is not deleted.
    pub fn current(&self) -> Option<&StoredVersion> {
        self.latest().filter(|v| !v.deleted)
    }

    /// `version`, or the current one; `None` when absent or deleted.
    pub fn get(&self, version: Option<u64>) -> Option<&StoredVersion> {
        match version {
            None => self.current(),
            Some(n) => self
                .versions
                .iter()
                .find(|v| v.version == n)
                .filter(|v| !v.deleted),
        }
    }

    pub fn write(&mut self, data: &SecretData, cas: Cas) -> Result<u64, CasMismatch> {
        let current = self.current().map(|v| v.version);
        let ok = match cas {
            Cas::Any => true,
            Cas::MustNotExist => current.is_none(),
            Cas::Version(v) => current == Some(v),
        };
        if !ok {
            return Err(CasMismatch {
                expected: cas,
                current,
            });
        }
        // `from_versions` keeps versions increasing and below u64::MAX.
        let version = self.latest().map_or(1, |v| v.version + 1);
        self.versions.push(StoredVersion {
            version,
            created: now_rfc3339(),
            deleted: false,
            data: data.clone(),
        });
        Ok(version)
    }

    /// Drop the oldest versions beyond `max`, keeping the newest `max` (at
    /// least one, so the next write still numbers past every version ever
    /// given out); returns how many were dropped.
    pub fn keep_newest(&mut self, max: usize) -> usize {
        let extra = self.versions.len().saturating_sub(max.max(1));
        self.versions.drain(..extra);
        extra
    }

    /// Mark the current version deleted; false if there was none.
    pub fn delete(&mut self) -> bool {
        match self.versions.last_mut() {
            Some(v) if !v.deleted => {
                v.deleted = true;
                true
            }
            _ => false,
        }
    }

    /// Mark `version` deleted (recoverable, like a KV v2 soft delete);
    /// false if there is no such version.
    pub fn delete_version(&mut self, version: u64) -> bool {
        match self.versions.iter_mut().find(|v| v.version == version) {
            Some(v) => {
                v.deleted = true;
                true
            }
            None => false,
        }
    }

    pub fn infos(&self) -> Vec<VersionInfo> {
        let current = self.current().map(|v| v.version);
        self.versions
            .iter()
            .map(|v| VersionInfo {
                version: v.version,
                created: Some(v.created.clone()),
                deleted: v.deleted,
                destroyed: false,
                current: Some(v.version) == current,
            })
            .collect()
    }
}

/// Names directly under `prefix` among `paths`; deeper ones as `folder/`.
pub fn children<'a>(paths: impl Iterator<Item = &'a str>, prefix: &str) -> Vec<String> {
    let prefix = prefix.trim_matches('/');
    let mut out: Vec<String> = paths
        .filter_map(|p| {
            let rest = if prefix.is_empty() {
                p
            } else {
                p.strip_prefix(prefix)?.strip_prefix('/')?
            };
            Some(match rest.split_once('/') {
                Some((dir, _)) => format!("{dir}/"),
                None => rest.to_string(),
            })
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SecretValue;

    fn data(v: &str) -> SecretData {
        let mut d = SecretData::new();
        d.insert("k", SecretValue::from_str_value(v));
        d
    }

    #[test]
    fn writes_append_versions_and_reads_default_to_the_newest() {
        let mut h = History::default();
        assert_eq!(h.write(&data("a"), Cas::Any), Ok(1));
        assert_eq!(h.write(&data("b"), Cas::Any), Ok(2));
        assert_eq!(h.get(None).unwrap().data, data("b"));
        assert_eq!(h.get(Some(1)).unwrap().data, data("a"));
    }

    fn stored(version: u64) -> StoredVersion {
        StoredVersion {
            version,
            created: String::new(),
            deleted: false,
            data: data("x"),
        }
    }

    // Both found by the `local_store_body` fuzz target (fuzz/regressions).
    #[test]
    fn a_loaded_history_must_have_increasing_versions() {
        let err = History::from_versions(vec![stored(2), stored(1)]).unwrap_err();
        assert!(err.contains("out of order (2 before 1)"), "{err}");
        assert!(History::from_versions(vec![stored(1), stored(1)]).is_err());
        let mut ok = History::from_versions(vec![stored(1), stored(5)]).unwrap();
        assert_eq!(ok.write(&data("y"), Cas::Any), Ok(6));
    }

    #[test]
    fn a_loaded_history_at_the_last_version_number_is_refused() {
        let err = History::from_versions(vec![stored(u64::MAX)]).unwrap_err();
        assert!(err.contains("no room"), "{err}");
    }

    #[test]
    fn check_and_set_rejects_a_stale_version() {
        let mut h = History::default();
        h.write(&data("a"), Cas::MustNotExist).unwrap();
        let err = h.write(&data("b"), Cas::MustNotExist).unwrap_err();
        assert_eq!(err.current, Some(1));
        assert!(h.write(&data("b"), Cas::Version(2)).is_err());
        assert_eq!(h.write(&data("b"), Cas::Version(1)), Ok(2));
    }

    #[test]
    fn delete_hides_the_current_version_but_keeps_history() {
        let mut h = History::default();
        h.write(&data("a"), Cas::Any).unwrap();
        assert!(h.delete());
        assert!(h.get(None).is_none());
        assert_eq!(h.infos().len(), 1);
        assert_eq!(h.write(&data("b"), Cas::MustNotExist), Ok(2));
    }

    #[test]
    fn keeping_the_newest_versions_drops_the_oldest_and_numbers_keep_increasing() {
        let mut h = History::default();
        for i in 0..5 {
            h.write(&data(&i.to_string()), Cas::Any).unwrap();
        }
        assert_eq!(h.keep_newest(3), 2);
        let kept: Vec<u64> = h.infos().iter().map(|i| i.version).collect();
        assert_eq!(kept, vec![3, 4, 5]);
        assert!(h.get(Some(2)).is_none());
        assert_eq!(h.write(&data("x"), Cas::Version(5)), Ok(6));
        assert_eq!(h.keep_newest(0), 3, "at least the newest version stays");
        assert_eq!(h.latest().unwrap().version, 6);
        assert_eq!(h.keep_newest(10), 0);
    }

    #[test]
    fn children_lists_one_level() {
        let paths = ["app/db", "app/api", "app/x/y", "other"];
        assert_eq!(
            children(paths.iter().copied(), "app"),
            vec!["api", "db", "x/"]
        );
        assert_eq!(children(paths.iter().copied(), ""), vec!["app/", "other"]);
    }
}
