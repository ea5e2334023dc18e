//! Which mount serves a path, and the path inside it: asked of the server
//! once per mount (`sys/internal/ui/mounts/:path`), then cached.

use super::{endpoints, Mount, MountKind, VaultStore};
use crate::store::StoreError;
use std::collections::HashMap;

/// Where a path lands: its mount and the path inside the mount.
pub(super) struct Located {
    pub(super) mount: Mount,
    pub(super) rel: String,
}

impl VaultStore {
    /// Find the mount serving `path` (cached per mount).
    pub(super) async fn locate(&self, path: &str) -> Result<Located, StoreError> {
        let path = path.trim_matches('/');
        let cached = || cached_mount(&self.mounts.lock().expect("mount cache"), path);
        let mut found = cached();
        let _turn = if found.is_none() {
            let first = path.split('/').next().unwrap_or_default().to_string();
            let gate = self
                .lookups
                .lock()
                .expect("mount lookups")
                .entry(first)
                .or_default()
                .clone();
            let turn = gate.lock_owned().await;
            found = cached();
            Some(turn)
        } else {
            None
        };
        let mount = match found {
            Some(m) => m,
            None => self.look_up_mount(path).await?,
        };
        let rel = relative_path(&mount, path);
        Ok(Located { mount, rel })
    }

    /// Whether the mount serving `path` is already known.
    pub(super) fn knows_mount(&self, path: &str) -> bool {
        cached_mount(
            &self.mounts.lock().expect("mount cache"),
            path.trim_matches('/'),
        )
        .is_some()
    }

    /// Ask the server which mount serves `path`, and cache the answer.
    async fn look_up_mount(&self, path: &str) -> Result<Mount, StoreError> {
        let info = self
            .call(path, || async {
                vaultrs::api::exec_with_result(
                    &self.client,
                    endpoints::ReadMountInfo {
                        path: path.to_string(),
                    },
                )
                .await
            })
            .await?;
        let mount = Mount {
            path: info.path.trim_matches('/').to_string(),
            kind: mount_kind(&info.kind, info.options.as_ref()),
        };
        tracing::debug!(mount = %mount.path, kind = ?mount.kind, "detected mount");
        self.mounts.lock().expect("mount cache").push(mount.clone());
        Ok(mount)
    }
}

/// What a mount of the engine type `kind` serves: KV v2 only when its
/// options say version 2, KV v1 for any other `kv` (and the old `generic`).
fn mount_kind(kind: &str, options: Option<&HashMap<String, String>>) -> MountKind {
    match (kind, options.and_then(|o| o.get("version"))) {
        ("kv", Some(v)) if v == "2" => MountKind::Kv2,
        ("kv" | "generic", _) => MountKind::Kv1,
        (other, _) => MountKind::Other(other.to_string()),
    }
}

/// The first of the known `mounts` that serves `path` (no leading or
/// trailing `/`): the mount itself or anything under it, never a mount
/// whose name merely starts the path (`secret` does not serve `secrets/x`).
fn cached_mount(mounts: &[Mount], path: &str) -> Option<Mount> {
    mounts
        .iter()
        .find(|m| path == m.path || path.starts_with(&format!("{}/", m.path)))
        .cloned()
}

/// Whether `path` has a `data` segment after its first (`secret/data/app`,
/// `team/kv/data/app`): the form in which a KV v2 path is its own `GET`.
pub(super) fn names_data_segment(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    segments.len() > 2 && segments[1..segments.len() - 1].contains(&"data")
}

/// `path` inside `mount`. On KV v2 the Bank-Vaults form
/// `secret/data/app` names `app`, as `secret/app` does.
fn relative_path(mount: &Mount, path: &str) -> String {
    let mut rel = path
        .strip_prefix(&mount.path)
        .unwrap_or_default()
        .trim_start_matches('/')
        .to_string();
    if mount.kind == MountKind::Kv2 {
        if let Some(stripped) = rel.strip_prefix("data/") {
            rel = stripped.to_string();
        } else if rel == "data" {
            rel.clear();
        }
    }
    rel
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(path: &str, kind: MountKind) -> Mount {
        Mount {
            path: path.into(),
            kind,
        }
    }

    fn options(version: &str) -> HashMap<String, String> {
        HashMap::from([("version".to_string(), version.to_string())])
    }

    #[test]
    fn a_kv_mount_is_v2_only_when_its_options_say_version_2() {
        assert_eq!(mount_kind("kv", Some(&options("2"))), MountKind::Kv2);
        assert_eq!(mount_kind("kv", Some(&options("1"))), MountKind::Kv1);
        assert_eq!(mount_kind("kv", Some(&HashMap::new())), MountKind::Kv1);
        assert_eq!(mount_kind("kv", None), MountKind::Kv1);
    }

    #[test]
    fn a_generic_mount_is_kv_v1_and_other_engines_are_named() {
        assert_eq!(mount_kind("generic", Some(&options("2"))), MountKind::Kv1);
        assert_eq!(
            mount_kind("transit", None),
            MountKind::Other("transit".into())
        );
        assert_eq!(
            mount_kind("database", Some(&options("2"))),
            MountKind::Other("database".into())
        );
    }

    #[test]
    fn a_path_names_a_data_segment_only_between_its_mount_and_its_name() {
        assert!(names_data_segment("secret/data/app"));
        assert!(names_data_segment("/team/kv/data/app/db/"));
        assert!(!names_data_segment("secret/app"));
        assert!(!names_data_segment("data/app/x"));
        assert!(!names_data_segment("secret/data"));
        assert!(!names_data_segment("secret/app/data"));
    }

    #[test]
    fn a_cached_mount_serves_itself_and_what_is_under_it_only() {
        let mounts = vec![
            mount("secret", MountKind::Kv2),
            mount("team/kv", MountKind::Kv1),
        ];
        let found = |p: &str| cached_mount(&mounts, p).map(|m| m.path);
        assert_eq!(found("secret").as_deref(), Some("secret"));
        assert_eq!(found("secret/app/db").as_deref(), Some("secret"));
        assert_eq!(found("team/kv/app").as_deref(), Some("team/kv"));
        assert_eq!(found("secrets/app"), None);
        assert_eq!(found("team/kvx/app"), None);
        assert_eq!(found("team"), None);
        assert_eq!(found("other/app"), None);
    }

    #[test]
    fn the_path_inside_a_mount_drops_the_mount_and_its_slash() {
        let kv1 = mount("team/kv", MountKind::Kv1);
        assert_eq!(relative_path(&kv1, "team/kv/app/db"), "app/db");
        assert_eq!(relative_path(&kv1, "team/kv"), "");
        // KV v1 has no `data/` segment: it is a folder like any other.
        assert_eq!(relative_path(&kv1, "team/kv/data/app"), "data/app");
    }

    #[test]
    fn on_kv_v2_the_bank_vaults_data_form_names_the_same_secret() {
        let kv2 = mount("secret", MountKind::Kv2);
        for (path, rel) in [
            ("secret/app", "app"),
            ("secret/data/app", "app"),
            ("secret/data/app/db", "app/db"),
            ("secret/data", ""),
            ("secret", ""),
            // Only a leading `data/` is the API's: deeper ones are folders.
            ("secret/app/data/x", "app/data/x"),
            ("secret/database", "database"),
        ] {
            assert_eq!(relative_path(&kv2, path), rel, "{path}");
        }
    }
}
