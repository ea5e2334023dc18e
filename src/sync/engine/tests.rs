//! The engine on memory stores and a fake cluster.

use super::*;
use crate::store::layer::{Layer, Layered, Op};
use crate::store::memory::MemoryStore;
use crate::store::{SecretStore, SecretValue, StoreError};
use crate::sync::plan;
use crate::sync::rollout::{ManagedSecret, WorkloadKind};
use crate::sync::{DATA_HASH, SECRET_HASH, SOURCE, SOURCE_VERSION, TEMPLATE};
use async_trait::async_trait;
use std::sync::atomic::Ordering;

struct World {
    vault: Arc<MemoryStore>,
    kube: Arc<MemoryStore>,
    stores: Stores,
    cluster: FakeCluster,
}

impl World {
    fn new() -> World {
        let vault = Arc::new(MemoryStore::new());
        let kube = Arc::new(MemoryStore::new());
        let stores = Stores::with(vec![
            (Scheme::Vault, vault.clone() as Arc<dyn SecretStore>),
            (Scheme::K8s, kube.clone() as Arc<dyn SecretStore>),
        ]);
        World {
            vault,
            kube,
            stores,
            cluster: FakeCluster::default(),
        }
    }

    async fn put(store: &MemoryStore, path: &str, pairs: &[(&str, &str)]) {
        store.write(path, &data(pairs), Cas::Any).await.unwrap();
    }

    async fn run(&self, plan_text: &str, options: &Options) -> Report {
        let plan = plan::parse("test.yaml", plan_text).unwrap();
        run(&plan, &self.stores, Some(&self.cluster), options, &|| {}).await
    }

    fn kube_writes(&self) -> usize {
        self.kube.writes.load(Ordering::SeqCst) + self.kube.metadata_writes.load(Ordering::SeqCst)
    }
}

fn data(pairs: &[(&str, &str)]) -> SecretData {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), SecretValue::from_str_value(v)))
        .collect()
}

fn value(secret: &Secret, key: &str) -> String {
    secret
        .data
        .get(key)
        .unwrap()
        .expose_str()
        .unwrap()
        .to_string()
}

#[derive(Default)]
struct FakeCluster {
    workloads: Mutex<BTreeMap<Workload, WorkloadState>>,
    patches: Mutex<Vec<Workload>>,
    managed: Mutex<BTreeMap<String, Vec<ManagedSecret>>>,
    deleted: Mutex<Vec<String>>,
}

impl FakeCluster {
    fn deployment(&self, ns: &str, name: &str, secrets: &[&str]) -> Workload {
        let w = Workload {
            namespace: ns.into(),
            kind: WorkloadKind::Deployment,
            name: name.into(),
        };
        self.workloads.lock().unwrap().insert(
            w.clone(),
            WorkloadState {
                workload: w.clone(),
                secrets: secrets.iter().map(|s| s.to_string()).collect(),
                secret_hash: None,
            },
        );
        w
    }

    fn patches_of(&self, w: &Workload) -> usize {
        self.patches
            .lock()
            .unwrap()
            .iter()
            .filter(|p| *p == w)
            .count()
    }
}

#[async_trait]
impl Cluster for FakeCluster {
    async fn workloads(&self, namespace: &str) -> Result<Vec<WorkloadState>, StoreError> {
        Ok(self
            .workloads
            .lock()
            .unwrap()
            .values()
            .filter(|w| w.workload.namespace == namespace)
            .cloned()
            .collect())
    }

    async fn workload(&self, w: &Workload) -> Result<Option<WorkloadState>, StoreError> {
        Ok(self.workloads.lock().unwrap().get(w).cloned())
    }

    async fn set_secret_hash(&self, w: &Workload, hash: &str) -> Result<(), StoreError> {
        self.patches.lock().unwrap().push(w.clone());
        if let Some(state) = self.workloads.lock().unwrap().get_mut(w) {
            state.secret_hash = Some(hash.to_string());
        }
        Ok(())
    }

    async fn managed_secrets(&self, namespace: &str) -> Result<Vec<ManagedSecret>, StoreError> {
        Ok(self
            .managed
            .lock()
            .unwrap()
            .get(namespace)
            .cloned()
            .unwrap_or_default())
    }

    async fn delete_secret(&self, ns: &str, secret: &ManagedSecret) -> Result<(), StoreError> {
        self.deleted
            .lock()
            .unwrap()
            .push(format!("{ns}/{}", secret.name));
        Ok(())
    }
}

const PLAN: &str = "
secrets:
  - source: vault:secret/app/db
    target: k8s:prod/app-db
    rollout: [deployment/api]
  - source: vault:secret/app/api#token
    target: k8s:prod/app-api#API_TOKEN
    rollout: [deployment/api]
";

async fn seeded() -> World {
    let w = World::new();
    World::put(
        &w.vault,
        "secret/app/db",
        &[("user", "app"), ("pass", "p1")],
    )
    .await;
    World::put(
        &w.vault,
        "secret/app/api",
        &[("token", "t1"), ("other", "x")],
    )
    .await;
    w.cluster.deployment("prod", "api", &["app-db", "app-api"]);
    w
}

#[tokio::test]
async fn a_first_sync_creates_targets_with_provenance_and_no_rollout() {
    let w = seeded().await;
    let report = w.run(PLAN, &Options::default()).await;
    assert_eq!((report.created, report.errors.len()), (2, 0), "{report:?}");
    let db = w.kube.read("prod/app-db", None).await.unwrap();
    assert_eq!(value(&db, "pass"), "p1");
    assert_eq!(db.metadata[SOURCE], "vault:secret/app/db");
    assert_eq!(db.metadata[SOURCE_VERSION], "1");
    assert_eq!(
        db.metadata[DATA_HASH],
        data_hash(&Reference::parse("k8s:prod/app-db").unwrap(), &db.data)
    );
    assert!(db.metadata.contains_key(SYNCED_AT));
    // Key renaming: only the named key, under its new name.
    let api = w.kube.read("prod/app-api", None).await.unwrap();
    assert_eq!(api.data.keys().collect::<Vec<_>>(), vec!["API_TOKEN"]);
    assert_eq!(value(&api, "API_TOKEN"), "t1");
    // Creation alone rolls nothing out (no rolloutOnCreate).
    assert!(report.rollouts.is_empty());
    assert!(w.cluster.patches.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_resync_without_changes_makes_zero_writes_and_one_read_per_source() {
    let w = seeded().await;
    w.run(PLAN, &Options::default()).await;
    let writes = w.kube_writes();
    let vault_reads = w.vault.reads.load(Ordering::SeqCst);
    let report = w.run(PLAN, &Options::default()).await;
    assert_eq!(report.unchanged, 2, "{report:?}");
    assert_eq!(w.kube_writes(), writes);
    assert_eq!(w.vault.writes.load(Ordering::SeqCst), 2); // the seeding only
                                                          // Two distinct source secrets: two reads per run.
    assert_eq!(w.vault.reads.load(Ordering::SeqCst) - vault_reads, 2);
}

#[tokio::test]
async fn two_changed_secrets_of_one_workload_roll_it_once_and_a_rerun_not_again() {
    let w = seeded().await;
    w.run(PLAN, &Options::default()).await;
    World::put(
        &w.vault,
        "secret/app/db",
        &[("user", "app"), ("pass", "p2")],
    )
    .await;
    World::put(
        &w.vault,
        "secret/app/api",
        &[("token", "t2"), ("other", "x")],
    )
    .await;
    let report = w.run(PLAN, &Options::default()).await;
    assert_eq!(report.updated, 2, "{report:?}");
    assert_eq!(report.rollouts.len(), 1);
    assert_eq!(
        report.rollouts[0].secrets,
        vec!["k8s:prod/app-api", "k8s:prod/app-db"]
    );
    let api = Workload {
        namespace: "prod".into(),
        kind: WorkloadKind::Deployment,
        name: "api".into(),
    };
    assert_eq!(w.cluster.patches_of(&api), 1);
    let hash = w.cluster.workloads.lock().unwrap()[&api]
        .secret_hash
        .clone();
    assert!(hash.is_some_and(|h| h.starts_with("v1:")));
    let report = w.run(PLAN, &Options::default()).await;
    assert_eq!((report.unchanged, report.rollouts.len()), (2, 0));
    assert_eq!(w.cluster.patches_of(&api), 1);
}

#[tokio::test]
async fn a_new_source_version_with_the_same_data_is_metadata_only_and_rolls_nothing() {
    let w = seeded().await;
    w.run(PLAN, &Options::default()).await;
    let data_writes = w.kube.writes.load(Ordering::SeqCst);
    World::put(
        &w.vault,
        "secret/app/db",
        &[("user", "app"), ("pass", "p1")],
    )
    .await;
    let report = w.run(PLAN, &Options::default()).await;
    assert_eq!(
        (report.metadata_updated, report.unchanged),
        (1, 1),
        "{report:?}"
    );
    assert!(report.rollouts.is_empty());
    assert_eq!(w.kube.writes.load(Ordering::SeqCst), data_writes);
    assert_eq!(w.kube.metadata_writes.load(Ordering::SeqCst), 1);
    let db = w.kube.read("prod/app-db", None).await.unwrap();
    assert_eq!(db.metadata[SOURCE_VERSION], "2");
}

#[tokio::test]
async fn a_hand_edit_is_reported_as_drift_then_overwritten_or_left() {
    let w = seeded().await;
    w.run(PLAN, &Options::default()).await;
    World::put(
        &w.kube,
        "prod/app-db",
        &[("user", "app"), ("pass", "by-hand")],
    )
    .await;
    let keep = Options {
        overwrite_drift: false,
        ..Options::default()
    };
    let report = w.run(PLAN, &keep).await;
    assert_eq!(report.drift.len(), 1, "{report:?}");
    assert!(!report.drift[0].overwritten);
    assert!(report.errors.is_empty());
    let db = w.kube.read("prod/app-db", None).await.unwrap();
    assert_eq!(value(&db, "pass"), "by-hand");

    let report = w.run(PLAN, &Options::default()).await;
    assert_eq!(report.drift[0].target, "k8s:prod/app-db");
    assert!(report.drift[0].overwritten);
    assert_eq!(report.updated, 1);
    let db = w.kube.read("prod/app-db", None).await.unwrap();
    assert_eq!(value(&db, "pass"), "p1");
    // Putting the data back is a data change: the workload rolls.
    assert_eq!(report.rollouts.len(), 1);
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_names_keys() {
    let w = seeded().await;
    w.run(PLAN, &Options::default()).await;
    World::put(
        &w.vault,
        "secret/app/db",
        &[("user", "app2"), ("host", "h")],
    )
    .await;
    let writes = w.kube_writes();
    let dry = Options {
        dry_run: true,
        ..Options::default()
    };
    let report = w.run(PLAN, &dry).await;
    assert_eq!(w.kube_writes(), writes);
    assert!(w.cluster.patches.lock().unwrap().is_empty());
    let db = &report.targets[0];
    assert_eq!(db.action, Action::Updated);
    assert_eq!(db.diff.added, vec!["host"]);
    assert_eq!(db.diff.changed, vec!["user"]);
    assert_eq!(db.diff.removed, vec!["pass"]);
    assert_eq!(
        report.rollouts.len(),
        1,
        "a dry run says what it would roll"
    );
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains("\"host\"") && !json.contains("app2"));
    // "cluster has v1, store has v2", in the table and the JSON.
    assert_eq!(
        (db.synced_version.as_deref(), db.source_version.as_deref()),
        (Some("1"), Some("2"))
    );
    assert_eq!(report.rows()[0][3], "target has v1, source has v2");
}

#[tokio::test]
async fn auto_rollout_finds_workloads_using_the_secret() {
    let w = seeded().await;
    let user = w.cluster.deployment("prod", "user", &["app-db"]);
    let other = w.cluster.deployment("prod", "other", &["unrelated"]);
    let plan = "secrets:\n- {source: vault:secret/app/db, target: k8s:prod/app-db, rollout: auto, rolloutOnCreate: true}\n";
    let report = w.run(plan, &Options::default()).await;
    assert_eq!(report.created, 1);
    let rolled: Vec<&str> = report
        .rollouts
        .iter()
        .map(|r| r.workload.as_str())
        .collect();
    assert_eq!(rolled, vec!["prod/deployment/api", "prod/deployment/user"]);
    assert_eq!(w.cluster.patches_of(&user), 1);
    assert_eq!(w.cluster.patches_of(&other), 0);
    let state = w.cluster.workloads.lock().unwrap()[&user].clone();
    assert!(state.secret_hash.is_some());
    assert_ne!(SECRET_HASH, "");
}

#[tokio::test]
async fn a_missing_named_workload_is_an_error_that_stops_nothing_else() {
    let w = seeded().await;
    let plan = "secrets:\n- {source: vault:secret/app/db, target: k8s:prod/app-db, rollout: [sts/gone], rolloutOnCreate: true}\n- {source: vault:secret/missing, target: k8s:prod/m}\n- {source: vault:secret/app/api, target: k8s:prod/api}\n";
    let report = w.run(plan, &Options::default()).await;
    assert_eq!(report.created, 2, "{report:?}");
    assert_eq!(report.targets[1].action, Action::Failed);
    let errors: Vec<&str> = report.errors.iter().map(|e| e.target.as_str()).collect();
    assert_eq!(errors, vec!["k8s:prod/m", "prod/statefulset/gone"]);
    assert!(report.errors[0].error.contains("secret/missing"));
    assert!(report.failed());
}

#[tokio::test]
async fn merged_sources_fill_one_target_and_a_shared_key_is_an_error() {
    let w = World::new();
    World::put(&w.vault, "secret/a", &[("one", "1")]).await;
    World::put(&w.vault, "secret/b", &[("two", "2")]).await;
    World::put(&w.vault, "secret/c", &[("one", "x")]).await;
    let report = w
        .run(
            "secrets:\n- {sources: [vault:secret/a, vault:secret/b], target: k8s:ns/m}\n- {sources: [vault:secret/a, vault:secret/c], target: k8s:ns/bad}\n",
            &Options::default(),
        )
        .await;
    let m = w.kube.read("ns/m", None).await.unwrap();
    assert_eq!(m.data.keys().collect::<Vec<_>>(), vec!["one", "two"]);
    assert_eq!(m.metadata[SOURCE], "vault:secret/a,vault:secret/b");
    assert_eq!(m.metadata[SOURCE_VERSION], "1,1");
    assert_eq!(report.errors.len(), 1);
    assert!(report.errors[0].error.contains("key `one` comes from both"));
}

#[tokio::test]
async fn prune_deletes_only_synced_secrets_the_plan_no_longer_names() {
    let w = seeded().await;
    let managed = |name: &str, source: Option<&str>| ManagedSecret {
        name: name.into(),
        uid: Some(format!("uid-{name}")),
        source: source.map(str::to_string),
    };
    w.cluster.managed.lock().unwrap().insert(
        "prod".into(),
        vec![
            managed("app-db", Some("vault:secret/app/db")),
            managed("dropped", Some("vault:secret/old")),
            managed("put-by-hand", None),
        ],
    );
    w.cluster
        .managed
        .lock()
        .unwrap()
        .insert("elsewhere".into(), vec![managed("far", Some("vault:x"))]);
    let prune = Options {
        prune: true,
        ..Options::default()
    };
    let report = w.run(PLAN, &prune).await;
    assert_eq!(report.pruned, vec!["k8s:prod/dropped"]);
    assert_eq!(*w.cluster.deleted.lock().unwrap(), vec!["prod/dropped"]);
    // Without --prune nothing is even listed.
    let report = w.run(PLAN, &Options::default()).await;
    assert!(report.pruned.is_empty());
}

#[tokio::test]
async fn any_store_to_any_store_and_a_store_without_metadata_is_still_quiet() {
    // Kubernetes to Vault, and a local-like store that keeps no metadata.
    struct NoMetadata(MemoryStore);
    #[async_trait]
    impl SecretStore for NoMetadata {
        fn describe(&self) -> String {
            "no-metadata".into()
        }
        async fn read(&self, p: &str, v: Option<u64>) -> Result<Secret, StoreError> {
            let mut s = self.0.read(p, v).await?;
            s.metadata.clear();
            Ok(s)
        }
        async fn write(&self, p: &str, d: &SecretData, c: Cas) -> Result<u64, StoreError> {
            self.0.write(p, d, c).await
        }
        async fn list(&self, p: &str) -> Result<Vec<String>, StoreError> {
            self.0.list(p).await
        }
        async fn versions(&self, p: &str) -> Result<Vec<crate::store::VersionInfo>, StoreError> {
            self.0.versions(p).await
        }
        async fn delete(&self, p: &str) -> Result<(), StoreError> {
            self.0.delete(p).await
        }
    }
    let vault = Arc::new(MemoryStore::new());
    let kube = Arc::new(MemoryStore::new());
    let local = Arc::new(NoMetadata(MemoryStore::new()));
    let stores = Stores::with(vec![
        (Scheme::Vault, vault.clone() as Arc<dyn SecretStore>),
        (Scheme::K8s, kube.clone() as Arc<dyn SecretStore>),
        (Scheme::Local, local.clone() as Arc<dyn SecretStore>),
    ]);
    World::put(&kube, "ns/s", &[("k", "v")]).await;
    let plan = plan::parse(
        "p.yaml",
        "secrets:\n- {source: k8s:ns/s, target: vault:secret/copy}\n- {source: k8s:ns/s#k, target: local:app#renamed}\n",
    )
    .unwrap();
    let report = run(&plan, &stores, None, &Options::default(), &|| {}).await;
    assert_eq!(report.created, 2, "{report:?}");
    let copy = vault.read("secret/copy", None).await.unwrap();
    assert_eq!(copy.metadata[SOURCE], "k8s:ns/s");
    let writes = local.0.writes.load(Ordering::SeqCst);
    let report = run(&plan, &stores, None, &Options::default(), &|| {}).await;
    assert_eq!(report.unchanged, 2, "{report:?}");
    assert_eq!(local.0.writes.load(Ordering::SeqCst), writes);
}

#[test]
fn assemble_renames_one_key_and_keeps_whole_secrets() {
    let plan = plan::parse(
        "p",
        "secrets:\n- {sources: ['vault:a', 'vault:b#x'], target: k8s:n/t}\n",
    )
    .unwrap();
    let a = Arc::new(Secret::new(data(&[("p", "1"), ("q", "2")])));
    let b = Arc::new(Secret::new(data(&[("x", "3"), ("y", "4")])));
    let out = assemble(&plan.targets[0].parts, &[a, b.clone()]).unwrap();
    assert_eq!(out.keys().collect::<Vec<_>>(), vec!["p", "q", "x"]);
    let renamed = plan::parse(
        "p",
        "secrets:\n- {source: 'vault:b#y', target: 'k8s:n/t#Y'}\n",
    )
    .unwrap();
    let out = assemble(&renamed.targets[0].parts, std::slice::from_ref(&b)).unwrap();
    assert_eq!(out.keys().collect::<Vec<_>>(), vec!["Y"]);
    let missing = plan::parse(
        "p",
        "secrets:\n- {source: 'vault:b#z', target: 'k8s:n/t'}\n",
    )
    .unwrap();
    let err = assemble(&missing.targets[0].parts, &[b]).unwrap_err();
    assert!(
        err.contains("key `z` not found in source `vault:b`"),
        "{err}"
    );
}

#[test]
fn long_metadata_values_are_cut_the_same_way_each_time() {
    let long = "vault:secret/x,".repeat(100);
    let a = bounded(long.clone());
    assert!(a.len() <= MAX_METADATA_VALUE && a.ends_with("..."));
    assert_eq!(a, bounded(long));
    assert_eq!(bounded("short".into()), "short");
}

/// A memory store whose first `failures` reads are `Unavailable`.
struct Flaky {
    inner: MemoryStore,
    failures: std::sync::atomic::AtomicUsize,
}

#[async_trait]
impl Layer for Flaky {
    fn inner(&self) -> &dyn SecretStore {
        &self.inner
    }
    fn describe(&self) -> String {
        "flaky".into()
    }
    async fn before(&self, op: Op, _path: &str) -> Result<(), StoreError> {
        let left = self.failures.load(Ordering::SeqCst);
        if op == Op::Read && left > 0 {
            self.failures.store(left - 1, Ordering::SeqCst);
            return Err(StoreError::Unavailable {
                store: "flaky".into(),
                detail: "HTTP 503".into(),
            });
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_transiently_unavailable_target_is_tried_again_and_then_given_up() {
    let vault = Arc::new(MemoryStore::new());
    World::put(&vault, "secret/a", &[("k", "v")]).await;
    let flaky = Arc::new(Layered(Flaky {
        inner: MemoryStore::new(),
        failures: 2.into(),
    }));
    let stores = Stores::with(vec![
        (Scheme::Vault, vault as Arc<dyn SecretStore>),
        (Scheme::Local, flaky.clone() as Arc<dyn SecretStore>),
    ]);
    let plan = plan::parse(
        "p",
        "secrets:\n- {source: vault:secret/a, target: local:t}\n",
    )
    .unwrap();
    let report = run(&plan, &stores, None, &Options::default(), &|| {}).await;
    assert_eq!((report.created, report.errors.len()), (1, 0), "{report:?}");

    flaky.failures.store(10, Ordering::SeqCst);
    let report = run(&plan, &stores, None, &Options::default(), &|| {}).await;
    assert_eq!(report.errors.len(), 1);
    assert!(report.errors[0]
        .error
        .starts_with("cannot read the target: flaky is unavailable"));
    assert_eq!(
        flaky.failures.load(Ordering::SeqCst),
        10 - TARGET_ATTEMPTS as usize
    );
}

#[tokio::test]
async fn a_delivered_canary_carries_when_it_was_sent_and_other_targets_do_not() {
    let w = seeded().await;
    let sent = crate::clock::now_millis() - 1_500;
    World::put(
        &w.vault,
        "secret/canary",
        &[("canary", &format!("kvault-canary:0a1b2c:{sent}"))],
    )
    .await;
    let plan = format!("{PLAN}  - {{source: vault:secret/canary, target: k8s:prod/canary}}\n");
    let report = w.run(&plan, &Options::default()).await;
    let sent_of = |target: &str| {
        report
            .targets
            .iter()
            .find(|t| t.target == target)
            .unwrap()
            .canary_sent_ms
    };
    assert_eq!(sent_of("k8s:prod/canary"), Some(sent));
    assert_eq!(sent_of("k8s:prod/app-db"), None);
    // Delivered once: a run that writes nothing observes nothing.
    let again = w.run(&plan, &Options::default()).await;
    assert!(again.targets.iter().all(|t| t.canary_sent_ms.is_none()));
}

#[tokio::test]
async fn a_template_builds_the_target_and_a_changed_template_is_recorded_without_new_data() {
    let w = seeded().await;
    World::put(
        &w.vault,
        "secret/app/b64",
        &[("cert", "Y2VydC1ieXRlcw=="), ("user", "YXBw")],
    )
    .await;
    let plan = |dsn: &str| {
        format!(
            "secrets:\n  - source: vault:secret/app/db\n    target: k8s:prod/dsn\n    template:\n      data: {{url: '{dsn}'}}\n  - source: vault:secret/app/b64\n    target: k8s:prod/decoded\n    decodingStrategy: Base64\n"
        )
    };
    let first = w
        .run(&plan("{{ .user }}:{{ .pass }}@db"), &Options::default())
        .await;
    assert_eq!((first.created, first.errors.len()), (2, 0), "{first:?}");
    let dsn = w.kube.read("prod/dsn", None).await.unwrap();
    assert_eq!(dsn.data.keys().collect::<Vec<_>>(), ["url"]);
    assert_eq!(value(&dsn, "url"), "app:p1@db");
    assert!(dsn.metadata[TEMPLATE].starts_with("v1:"));
    let decoded = w.kube.read("prod/decoded", None).await.unwrap();
    assert_eq!(value(&decoded, "cert"), "cert-bytes");
    assert_eq!(value(&decoded, "user"), "app");

    let same = w
        .run(&plan("{{ .user }}:{{ .pass }}@db"), &Options::default())
        .await;
    assert_eq!(same.unchanged, 2, "{same:?}");
    // Another template with the same output: provenance only.
    let other = w
        .run(
            &plan("{{ .user | toString }}:{{ .pass }}@db"),
            &Options::default(),
        )
        .await;
    let dsn_action = other
        .targets
        .iter()
        .find(|t| t.target == "k8s:prod/dsn")
        .unwrap()
        .action;
    assert_eq!(dsn_action, Action::Metadata, "{other:?}");
}

#[tokio::test]
async fn a_template_that_names_a_missing_key_fails_its_target_only_and_shows_no_value() {
    let w = seeded().await;
    let plan = "secrets:\n  - source: vault:secret/app/db\n    target: k8s:prod/dsn\n    template:\n      data: {url: '{{ .usr }}:{{ .pass }}'}\n  - source: vault:secret/app/api\n    target: k8s:prod/api\n";
    let report = w.run(plan, &Options::default()).await;
    assert_eq!((report.created, report.errors.len()), (1, 1), "{report:?}");
    let shown = format!(
        "{:?} {}",
        report.errors,
        serde_json::to_string(&report).unwrap()
    );
    assert!(shown.contains("template.data.url"), "{shown}");
    assert!(!shown.contains("p1"), "{shown}");
}

#[tokio::test]
async fn a_find_entry_syncs_each_secret_found_and_a_new_one_on_the_next_run() {
    let w = World::new();
    for (path, pass) in [
        ("secret/team-a/db-main", "m1"),
        ("secret/team-a/db-replica", "r1"),
        ("secret/team-a/web", "w1"),
        ("secret/team-a/sub/db-deep", "d1"),
    ] {
        World::put(&w.vault, path, &[("DB_PASS", pass)]).await;
    }
    let plan = "secrets:\n  - source: vault:secret/team-a/\n    find: {name: '^(sub/)?db-'}\n    target: k8s:prod/\n    rewrite: [{stripPrefix: DB_}]\n  - source: vault:secret/team-a/\n    target: k8s:prod/team-a\n    rewrite: [{regexp: {source: '^DB_(.*)$', target: 'x_$1'}}]\n    find: {name: '^web$'}\n";
    let first = w.run(plan, &Options::default()).await;
    assert_eq!((first.created, first.errors.len()), (4, 0), "{first:?}");
    let main = w.kube.read("prod/db-main", None).await.unwrap();
    assert_eq!(value(&main, "PASS"), "m1");
    assert_eq!(
        value(
            &w.kube.read("prod/sub-db-deep", None).await.unwrap(),
            "PASS"
        ),
        "d1"
    );
    assert_eq!(
        value(&w.kube.read("prod/team-a", None).await.unwrap(), "x_PASS"),
        "w1"
    );
    assert_eq!(main.metadata[SOURCE], "vault:secret/team-a/db-main");

    World::put(&w.vault, "secret/team-a/db-new", &[("DB_PASS", "n1")]).await;
    let next = w.run(plan, &Options::default()).await;
    assert_eq!((next.created, next.unchanged), (1, 4), "{next:?}");
    assert_eq!(
        value(&w.kube.read("prod/db-new", None).await.unwrap(), "PASS"),
        "n1"
    );
}

#[tokio::test]
async fn a_found_name_kubernetes_refuses_is_an_error_and_the_others_sync() {
    let w = World::new();
    World::put(&w.vault, "secret/team-a/Bad_Name", &[("k", "v")]).await;
    World::put(&w.vault, "secret/team-a/good", &[("k", "v")]).await;
    let plan = "secrets:\n  - {source: 'vault:secret/team-a/', find: {}, target: 'k8s:prod/'}\n";
    let report = w.run(plan, &Options::default()).await;
    assert_eq!(report.created, 1, "{report:?}");
    assert_eq!(report.errors.len(), 1, "{report:?}");
    assert!(
        report.errors[0]
            .error
            .contains("`vault:secret/team-a/Bad_Name` cannot be a Secret's name"),
        "{report:?}"
    );
}

/// A memory store whose listings fail.
struct Unlistable(MemoryStore);

#[async_trait]
impl Layer for Unlistable {
    fn inner(&self) -> &dyn SecretStore {
        &self.0
    }
    async fn before(&self, op: Op, _path: &str) -> Result<(), StoreError> {
        match op {
            Op::List | Op::ListEntries => Err(StoreError::Unavailable {
                store: "vault".into(),
                detail: "HTTP 503".into(),
            }),
            _ => Ok(()),
        }
    }
}

#[tokio::test]
async fn a_find_folder_that_cannot_be_listed_skips_the_prune_instead_of_deleting_its_targets() {
    let w = World::new();
    let stores = Stores::with(vec![
        (
            Scheme::Vault,
            Arc::new(Layered(Unlistable(MemoryStore::new()))) as Arc<dyn SecretStore>,
        ),
        (Scheme::K8s, w.kube.clone() as Arc<dyn SecretStore>),
    ]);
    w.cluster.managed.lock().unwrap().insert(
        "prod".into(),
        vec![ManagedSecret {
            name: "db-main".into(),
            uid: Some("uid-1".into()),
            source: Some("vault:secret/team-a/db-main".into()),
        }],
    );
    let plan = plan::parse(
        "p",
        "secrets:\n- {source: 'vault:secret/team-a/', find: {}, target: 'k8s:prod/'}\n",
    )
    .unwrap();
    let prune = Options {
        prune: true,
        ..Options::default()
    };
    let report = run(&plan, &stores, Some(&w.cluster), &prune, &|| {}).await;
    assert!(report.pruned.is_empty(), "{report:?}");
    assert!(w.cluster.deleted.lock().unwrap().is_empty());
    let errors: Vec<&str> = report.errors.iter().map(|e| e.error.as_str()).collect();
    assert!(
        errors[0].starts_with("cannot list `vault:secret/team-a/`"),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("skipped: a `find` folder could not be listed"),
        "{errors:?}"
    );
}
