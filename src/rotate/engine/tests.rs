//! The rotation state machine on memory stores: each step, a crash after
//! each step and `--resume`, rollback, conflicts, and the checks before any
//! write.

use super::*;
use crate::rotate::state::{CURRENT, PENDING, PREVIOUS, ROTATED_AT, STEP};
use crate::store::memory::MemoryStore;
use crate::store::Capabilities;
use crate::store::{Scheme, Secret, VersionInfo};
use crate::sync::plan;
use crate::sync::DATA_HASH;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// A memory store that can be made to fail, to stand for a crash: the
/// `fail_metadata_at`-th metadata write (1-based) and every data write after
/// `refuse_writes` is set return an error, as if the process died there.
#[derive(Default)]
struct Faulty {
    inner: MemoryStore,
    fail_metadata_at: AtomicUsize,
    metadata_calls: AtomicUsize,
    refuse_writes: AtomicBool,
    /// Another writer gets in just before the next data write.
    sneak_in: AtomicBool,
    /// Writes report success and change nothing (a target that drops them).
    drop_writes: AtomicBool,
    unversioned: bool,
}

fn crash() -> StoreError {
    StoreError::Unavailable {
        store: "faulty".into(),
        detail: "simulated crash".into(),
    }
}

#[async_trait]
impl SecretStore for Faulty {
    fn describe(&self) -> String {
        "faulty memory store".into()
    }
    async fn read(&self, path: &str, version: Option<u64>) -> Result<Secret, StoreError> {
        self.inner.read(path, version).await
    }
    async fn write(&self, path: &str, data: &SecretData, cas: Cas) -> Result<u64, StoreError> {
        if self.refuse_writes.load(Ordering::SeqCst) {
            return Err(crash());
        }
        if self.sneak_in.swap(false, Ordering::SeqCst) {
            let theirs = super::tests::data(&[("password", "theirs")]);
            self.inner.write(path, &theirs, Cas::Any).await?;
        }
        self.inner.write(path, data, cas).await
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        self.inner.list(prefix).await
    }
    async fn versions(&self, path: &str) -> Result<Vec<VersionInfo>, StoreError> {
        self.inner.versions(path).await
    }
    async fn delete(&self, path: &str) -> Result<(), StoreError> {
        self.inner.delete(path).await
    }
    async fn capabilities(&self, path: &str) -> Result<Capabilities, StoreError> {
        Ok(Capabilities {
            versions: !self.unversioned,
            ..self.inner.capabilities(path).await?
        })
    }
    async fn write_with_metadata(
        &self,
        path: &str,
        data: &SecretData,
        cas: Cas,
        metadata: &BTreeMap<String, String>,
    ) -> Result<u64, StoreError> {
        if self.refuse_writes.load(Ordering::SeqCst) {
            return Err(crash());
        }
        if self.drop_writes.load(Ordering::SeqCst) {
            return Ok(0);
        }
        self.inner
            .write_with_metadata(path, data, cas, metadata)
            .await
    }
    async fn write_metadata(
        &self,
        path: &str,
        data: &SecretData,
        metadata: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        let n = self.metadata_calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.fail_metadata_at.load(Ordering::SeqCst) {
            return Err(crash());
        }
        self.inner.write_metadata(path, data, metadata).await
    }
}

struct World {
    vault: Arc<Faulty>,
    kube: Arc<Faulty>,
    stores: Stores,
    lines: Mutex<Vec<String>>,
}

const PLAN: &str = "
secrets:
  - source: vault:secret/app/db
    target: k8s:prod/app-db
  - source: vault:secret/other
    target: k8s:prod/other
";

impl World {
    async fn new() -> World {
        Self::with(Faulty::default()).await
    }

    async fn with(vault: Faulty) -> World {
        let vault = Arc::new(vault);
        let kube = Arc::new(Faulty::default());
        let stores = Stores::with(vec![
            (Scheme::Vault, vault.clone() as Arc<dyn SecretStore>),
            (Scheme::K8s, kube.clone() as Arc<dyn SecretStore>),
        ]);
        let pairs = data(&[("user", "app"), ("password", "old-password")]);
        vault
            .inner
            .write("secret/app/db", &pairs, Cas::Any)
            .await
            .unwrap();
        World {
            vault,
            kube,
            stores,
            lines: Mutex::new(vec![]),
        }
    }

    fn request(&self, value: &str) -> Request {
        Request {
            reference: Reference::parse("vault:secret/app/db#password").unwrap(),
            value: Some(SecretValue::from_str_value(value)),
            plan: None,
            plan_file: None,
            rollout: false,
            if_older_than: None,
            dry_run: false,
            resume: false,
            pause_after: None,
        }
    }

    fn with_plan(&self, value: &str) -> Request {
        Request {
            plan: Some(plan::parse("plan.yaml", PLAN).unwrap()),
            ..self.request(value)
        }
    }

    fn resume(&self) -> Request {
        Request {
            value: None,
            resume: true,
            ..self.with_plan("unused")
        }
    }

    async fn rotate(&self, request: &Request) -> Result<Report, RotateError> {
        self.rotate_answering(request, true).await
    }

    async fn rotate_answering(
        &self,
        request: &Request,
        answer: bool,
    ) -> Result<Report, RotateError> {
        let progress = |line: &str| self.lines.lock().unwrap().push(line.to_string());
        let confirm = |_: &str| Ok(answer);
        let hooks = Hooks {
            progress: &progress,
            confirm: &confirm,
        };
        run(request, &self.stores, None, &hooks).await
    }

    async fn secret(&self) -> Secret {
        self.vault.read("secret/app/db", None).await.unwrap()
    }

    async fn password(&self, version: Option<u64>) -> String {
        let s = self.vault.read("secret/app/db", version).await.unwrap();
        s.data.get("password").unwrap().expose_str().unwrap().into()
    }

    async fn meta(&self, key: &str) -> String {
        self.secret()
            .await
            .metadata
            .get(key)
            .cloned()
            .unwrap_or_default()
    }

    async fn latest(&self) -> u64 {
        self.vault
            .versions("secret/app/db")
            .await
            .unwrap()
            .last()
            .unwrap()
            .version
    }

    async fn target_password(&self) -> String {
        let s = self.kube.read("prod/app-db", None).await.unwrap();
        s.data.get("password").unwrap().expose_str().unwrap().into()
    }
}

fn data(pairs: &[(&str, &str)]) -> SecretData {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), SecretValue::from_str_value(v)))
        .collect()
}

#[tokio::test]
async fn a_rotation_writes_a_new_version_and_records_current_and_previous() {
    let w = World::new().await;
    let report = w.rotate(&w.request("new-password")).await.unwrap();
    assert_eq!(report.outcome, Outcome::Rotated);
    assert_eq!(
        (report.previous_version, report.version),
        (Some(1), Some(2))
    );
    assert_eq!(w.password(None).await, "new-password");
    assert_eq!(w.password(Some(1)).await, "old-password");
    assert_eq!(w.meta(CURRENT).await, "2");
    assert_eq!(w.meta(PREVIOUS).await, "1");
    assert_eq!(w.meta(PENDING).await, "-");
    assert_eq!(w.meta(STEP).await, "-");
    assert!(!w.meta(ROTATED_AT).await.is_empty());
    // The other keys of the secret are kept.
    let s = w.secret().await;
    assert_eq!(s.data.get("user").unwrap().expose_str(), Some("app"));
    // A second rotation moves the window on.
    w.rotate(&w.request("newer-password")).await.unwrap();
    assert_eq!(
        (w.meta(CURRENT).await, w.meta(PREVIOUS).await),
        ("3".into(), "2".into())
    );
}

#[tokio::test]
async fn with_a_plan_only_the_targets_reading_the_secret_are_synced_and_verified() {
    let w = World::new().await;
    let report = w.rotate(&w.with_plan("new-password")).await.unwrap();
    assert_eq!(report.outcome, Outcome::Rotated);
    assert_eq!(w.target_password().await, "new-password");
    assert!(w.kube.read("prod/other", None).await.is_err());
    assert_eq!(report.targets.len(), 1);
    assert!(report.targets[0].verified);
    let target = w.kube.read("prod/app-db", None).await.unwrap();
    assert_eq!(
        target.metadata.get(DATA_HASH),
        Some(&report.targets[0].data_hash)
    );
    let lines = w.lines.lock().unwrap().join("\n");
    for step in ["created:", "propagated:", "verified:", "finished:"] {
        assert!(lines.contains(step), "{step} missing from:\n{lines}");
    }
    assert!(!lines.contains("new-password"));
}

#[tokio::test]
async fn a_write_by_someone_else_after_the_read_is_a_conflict_that_changes_nothing() {
    let w = World::new().await;
    let vault = w.vault.clone();
    let progress = |_: &str| {};
    // The prompt is the last moment before the writes: another writer gets in.
    let confirm = |_: &str| {
        futures::executor::block_on(vault.inner.write(
            "secret/app/db",
            &data(&[("password", "theirs")]),
            Cas::Any,
        ))
        .unwrap();
        Ok(true)
    };
    let hooks = Hooks {
        progress: &progress,
        confirm: &confirm,
    };
    let before = w.secret().await.metadata;
    let err = run(&w.request("mine"), &w.stores, None, &hooks)
        .await
        .unwrap_err();
    assert!(matches!(err, RotateError::Conflict(_)), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("secret/app/db")
            && message.contains("version 1")
            && message.contains("version 2"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1);
    assert_eq!(w.latest().await, 2);
    assert_eq!(w.password(None).await, "theirs");
    assert_eq!(w.secret().await.metadata, before);
    assert_eq!(w.vault.metadata_calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_write_racing_the_check_and_set_loses_nothing_and_leaves_no_pending_state() {
    let w = World::with(Faulty {
        sneak_in: AtomicBool::new(true),
        ..Faulty::default()
    })
    .await;
    let err = w.rotate(&w.with_plan("mine")).await.unwrap_err();
    assert!(matches!(err, RotateError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("version 1"), "{err}");
    assert_eq!(w.latest().await, 2);
    assert_eq!(w.password(None).await, "theirs");
    assert_eq!(
        (w.meta(STEP).await, w.meta(PENDING).await),
        ("-".into(), "-".into())
    );
    assert!(w.kube.read("prod/app-db", None).await.is_err());
    // Nothing is pending: the next rotation runs.
    assert_eq!(
        w.rotate(&w.request("mine")).await.unwrap().outcome,
        Outcome::Rotated
    );
}

#[tokio::test]
async fn a_pending_rotation_must_be_resumed_and_is_named() {
    let w = World::with(Faulty {
        fail_metadata_at: AtomicUsize::new(3),
        ..Faulty::default()
    })
    .await;
    assert!(w.rotate(&w.with_plan("new-password")).await.is_err());
    let err = w.rotate(&w.with_plan("another")).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, RotateError::Pending { .. }));
    assert!(
        message.contains("vault:secret/app/db#password")
            && message.contains("version 2")
            && message.contains("--resume"),
        "{message}"
    );
    assert_eq!(w.latest().await, 2);
}

/// A crash right after each step (the next save fails), then `--resume`:
/// the rotation finishes with exactly one new version, on the target too.
#[tokio::test]
async fn resume_after_a_crash_after_each_step_converges_without_losing_a_version() {
    // Saves: 1 intent, 2 created, 3 propagated, 4 verified, 5 finished.
    for (fail_at, step) in [
        (2, "creating"),
        (3, "created"),
        (4, "propagated"),
        (5, "verified"),
    ] {
        let w = World::with(Faulty {
            fail_metadata_at: AtomicUsize::new(fail_at),
            ..Faulty::default()
        })
        .await;
        assert!(w.rotate(&w.with_plan("new-password")).await.is_err());
        assert_eq!(w.meta(STEP).await, step);
        w.vault.fail_metadata_at.store(0, Ordering::SeqCst);
        let report = w.rotate(&w.resume()).await.unwrap();
        assert_eq!(report.outcome, Outcome::Rotated, "after {step}");
        assert!(report.resumed);
        assert_eq!(w.latest().await, 2, "after {step}");
        assert_eq!(w.password(None).await, "new-password");
        assert_eq!(w.password(Some(1)).await, "old-password");
        assert_eq!(w.target_password().await, "new-password");
        assert_eq!(
            (
                w.meta(CURRENT).await,
                w.meta(PREVIOUS).await,
                w.meta(STEP).await
            ),
            ("2".into(), "1".into(), "-".into()),
            "after {step}"
        );
    }
}

#[tokio::test]
async fn resume_after_a_crash_before_the_write_clears_the_intent_and_writes_nothing() {
    let w = World::new().await;
    w.vault.refuse_writes.store(true, Ordering::SeqCst);
    assert!(w.rotate(&w.with_plan("new-password")).await.is_err());
    assert_eq!(w.meta(STEP).await, "creating");
    w.vault.refuse_writes.store(false, Ordering::SeqCst);
    let report = w.rotate(&w.resume()).await.unwrap();
    assert_eq!(report.outcome, Outcome::RolledBack);
    assert_eq!(w.latest().await, 1);
    assert_eq!(w.meta(STEP).await, "-");
    // And the next rotation runs normally.
    assert_eq!(
        w.rotate(&w.request("new-password")).await.unwrap().outcome,
        Outcome::Rotated
    );
}

#[tokio::test]
async fn a_failed_verification_rolls_back_to_the_old_data_as_a_new_version() {
    let w = World::new().await;
    w.kube.refuse_writes.store(true, Ordering::SeqCst);
    let report = w.rotate(&w.with_plan("new-password")).await.unwrap();
    assert_eq!(report.outcome, Outcome::RolledBack);
    assert!(report
        .reason
        .as_deref()
        .unwrap()
        .contains("verification failed"));
    assert!(!report.errors.is_empty());
    assert_eq!(w.latest().await, 3);
    assert_eq!(w.password(None).await, "old-password");
    // The rotation's own version stays in the history.
    assert_eq!(w.password(Some(2)).await, "new-password");
    assert_eq!(
        (w.meta(CURRENT).await, w.meta(STEP).await),
        ("3".into(), "-".into())
    );
    assert_eq!(w.meta(ROTATED_AT).await, "-");
}

#[tokio::test]
async fn a_target_that_does_not_hold_the_new_data_fails_verification_and_rolls_back() {
    let w = World::new().await;
    let plan = plan::parse("plan.yaml", PLAN).unwrap();
    crate::sync::run(
        &plan,
        &w.stores,
        None,
        &crate::sync::Options::default(),
        &|| {},
    )
    .await;
    assert_eq!(w.target_password().await, "old-password");
    w.kube.drop_writes.store(true, Ordering::SeqCst);
    let report = w.rotate(&w.with_plan("new-password")).await.unwrap();
    assert_eq!(report.outcome, Outcome::RolledBack);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(!report.targets[0].verified);
    assert_eq!(
        report.targets[0].error.as_deref(),
        Some("the target does not hold the new data")
    );
    assert_eq!(w.password(None).await, "old-password");
}

#[tokio::test]
async fn a_write_after_the_rotations_version_wins_over_resume() {
    let w = World::with(Faulty {
        fail_metadata_at: AtomicUsize::new(3),
        ..Faulty::default()
    })
    .await;
    assert!(w.rotate(&w.with_plan("new-password")).await.is_err());
    w.vault.fail_metadata_at.store(0, Ordering::SeqCst);
    w.vault
        .inner
        .write("secret/app/db", &data(&[("password", "theirs")]), Cas::Any)
        .await
        .unwrap();
    let err = w.rotate(&w.resume()).await.unwrap_err();
    assert!(matches!(err, RotateError::Conflict(_)), "{err}");
    assert_eq!(w.password(None).await, "theirs");
    assert_eq!(w.meta(STEP).await, "-");
}

#[tokio::test]
async fn if_older_than_rotates_only_when_due() {
    let w = World::new().await;
    let mut request = w.request("new-password");
    request.if_older_than = Some(Duration::from_secs(3600));
    let report = w.rotate(&request).await.unwrap();
    assert_eq!(report.outcome, Outcome::NotDue);
    assert!(report.reason.unwrap().contains("not due"));
    assert_eq!(w.latest().await, 1);
    request.if_older_than = Some(Duration::ZERO);
    assert_eq!(w.rotate(&request).await.unwrap().outcome, Outcome::Rotated);
}

#[tokio::test]
async fn dry_run_and_a_declined_prompt_write_nothing() {
    let w = World::new().await;
    let mut request = w.with_plan("new-password");
    request.dry_run = true;
    let report = w.rotate(&request).await.unwrap();
    assert_eq!(report.outcome, Outcome::DryRun);
    assert_eq!(report.version, Some(2));
    let report = w
        .rotate_answering(&w.with_plan("new-password"), false)
        .await
        .unwrap();
    assert_eq!(report.outcome, Outcome::Declined);
    assert_eq!(w.latest().await, 1);
    assert_eq!(w.vault.metadata_calls.load(Ordering::SeqCst), 0);
    assert!(w.kube.read("prod/app-db", None).await.is_err());
}

#[tokio::test]
async fn bad_requests_are_refused_before_any_write() {
    let w = World::new().await;
    let cases: Vec<(Request, &str)> = vec![
        (
            Request {
                reference: Reference::parse("vault:secret/app/db").unwrap(),
                ..w.request("x-new")
            },
            "names no key",
        ),
        (
            Request {
                reference: Reference::parse("vault:secret/app/db#nope").unwrap(),
                ..w.request("x-new")
            },
            "`nope` not found",
        ),
        (w.request("old-password"), "equals its current value"),
        (
            Request {
                plan: Some(
                    plan::parse(
                        "p.yaml",
                        "secrets:\n  - source: vault:secret/other\n    target: k8s:prod/x\n",
                    )
                    .unwrap(),
                ),
                ..w.request("x-new")
            },
            "no entry of the sync plan reads",
        ),
    ];
    for (request, expected) in cases {
        let err = w.rotate(&request).await.unwrap_err().to_string();
        assert!(err.contains(expected), "{err}");
    }
    assert_eq!(w.latest().await, 1);
    assert_eq!(w.vault.metadata_calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_store_without_versions_is_refused_with_what_rotate_needs() {
    let w = World::with(Faulty {
        unversioned: true,
        ..Faulty::default()
    })
    .await;
    let err = w.rotate(&w.request("new-password")).await.unwrap_err();
    assert!(matches!(err, RotateError::Unsupported { .. }));
    assert!(err
        .to_string()
        .contains("rotate needs a versioned store with metadata"));
}

#[tokio::test]
async fn resume_with_nothing_pending_says_so_and_writes_nothing() {
    let w = World::new().await;
    let report = w.rotate(&w.resume()).await.unwrap();
    assert_eq!(report.outcome, Outcome::NothingPending);
    assert_eq!(w.latest().await, 1);
}

/// `--resume` without `--plan` reads the plan file the rotation recorded;
/// a file that is gone is an error naming it; a different `--plan` is used
/// with a note.
#[test]
fn resume_finds_the_plan_the_rotation_started_with() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.yaml");
    std::fs::write(&file, PLAN).unwrap();
    let file = file.display().to_string();
    let pending = |plan: Option<&str>| crate::rotate::state::Pending {
        version: Some(2),
        hash: "v1:ab".into(),
        step: crate::rotate::state::Step::Created,
        plan: plan.map(String::from),
    };
    let lines = Mutex::new(Vec::<String>::new());
    let progress = |line: &str| lines.lock().unwrap().push(line.to_string());
    let confirm = |_: &str| Ok(true);
    let hooks = Hooks {
        progress: &progress,
        confirm: &confirm,
    };
    let resume = Request {
        reference: Reference::parse("vault:secret/app/db#password").unwrap(),
        value: None,
        plan: None,
        plan_file: None,
        rollout: false,
        if_older_than: None,
        dry_run: false,
        resume: true,
        pause_after: None,
    };

    let found = plan_of_run(&resume, Some(&pending(Some(&file))), &hooks).unwrap();
    assert_eq!(found, Some(plan::parse(&file, PLAN).unwrap()));
    assert!(lines.lock().unwrap()[0].contains("resuming with the sync plan"));

    let gone = format!("{file}.gone");
    let err = plan_of_run(&resume, Some(&pending(Some(&gone))), &hooks).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(&gone) && message.contains("--plan"),
        "{message}"
    );

    let other = Request {
        plan: Some(plan::parse("other.yaml", PLAN).unwrap()),
        plan_file: Some("/elsewhere/other.yaml".into()),
        ..resume.clone()
    };
    assert!(plan_of_run(&other, Some(&pending(Some(&file))), &hooks)
        .unwrap()
        .is_some());
    assert!(lines.lock().unwrap()[1].contains("started with the sync plan"));

    // Not resuming, or nothing recorded: only --plan counts.
    assert_eq!(
        plan_of_run(&resume, Some(&pending(None)), &hooks).unwrap(),
        None
    );
    let fresh = Request {
        resume: false,
        ..resume.clone()
    };
    assert_eq!(
        plan_of_run(&fresh, Some(&pending(Some(&file))), &hooks).unwrap(),
        None
    );
}
