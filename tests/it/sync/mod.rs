//! `kvault sync` against a real OpenBao and a real kube-apiserver: Vault to
//! Kubernetes with provenance, zero-write resyncs, rollouts (counted by the
//! Deployment's `metadata.generation`: no controller runs, so a template
//! change is what a real cluster would roll), drift, prune, dry run,
//! Kubernetes to Vault, Vault to Vault, watch mode, and no leaked value.

use crate::harness::{kvault_clean, text, KubeCluster, OpenBao, Reap, Run};
use assert_cmd::Command;
use base64::Engine as _;
use serde_json::{json, Value};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod watch;

/// Values that must never be printed.
const DB_PASS: &str = "SyncCanary-dbpass-4471";
const DB_PASS_2: &str = "SyncCanary-dbpass-5582";
const DB_PASS_3: &str = "SyncCanary-dbpass-6693";
const TOKEN: &str = "SyncCanary-token-7704";
const TOKEN_2: &str = "SyncCanary-token-8815";
const SHARED_B: &str = "SyncCanary-shared-9926";
const SHARED_B_2: &str = "SyncCanary-shared-1037";
const BY_HAND: &str = "SyncCanary-byhand-2148";
const ALL_VALUES: &[&str] = &[
    DB_PASS, DB_PASS_2, DB_PASS_3, TOKEN, TOKEN_2, SHARED_B, SHARED_B_2, BY_HAND,
];

pub(crate) struct World {
    pub(crate) bao: OpenBao,
    pub(crate) cluster: KubeCluster,
    home: tempfile::TempDir,
    /// Every kvault output, for the leak check at the end.
    outputs: std::cell::RefCell<Vec<(String, std::process::Output)>>,
}

impl World {
    pub(crate) fn start() -> World {
        World {
            bao: OpenBao::start(),
            cluster: KubeCluster::start("none"),
            home: tempfile::tempdir().unwrap(),
            outputs: Default::default(),
        }
    }

    pub(crate) fn kvault(&self) -> Command {
        let mut cmd = self.cluster.kvault(self.home.path(), "admin");
        cmd.env("VAULT_ADDR", &self.bao.addr)
            .env("VAULT_TOKEN", &self.bao.token);
        cmd
    }

    pub(crate) fn plan(&self, name: &str, yaml: &str) -> PathBuf {
        let path = self.home.path().join(name);
        std::fs::write(&path, yaml).unwrap();
        path
    }

    /// `kvault -vvv sync -f PLAN ARGS -o json`, expecting `code`; the parsed summary.
    pub(crate) fn sync(&self, plan: &Path, args: &[&str], code: i32) -> Value {
        let out = self
            .kvault()
            .arg("-vvv")
            .arg("sync")
            .arg("-f")
            .arg(plan)
            .args(args)
            .output_of(&["-o", "json"]);
        let what = format!("sync {args:?}");
        crate::harness::assert_exit(&out, code, &what);
        let summary: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{}", text(&out.stdout)));
        self.outputs.borrow_mut().push((what, out));
        summary
    }

    /// `kvault status -o json`, checking its exit code; the table view is
    /// kept for the leak check too.
    fn status(&self, plan: &Path, code: i32) -> Value {
        let run = |format: &str| {
            let out = self
                .kvault()
                .args(["-vvv", "status", "-f"])
                .arg(plan)
                .output_of(&["-o", format]);
            crate::harness::assert_exit(&out, code, "status");
            out
        };
        let table = run("table");
        let out = run("json");
        let status = serde_json::from_slice(&out.stdout).unwrap();
        self.outputs
            .borrow_mut()
            .push(("status table".into(), table));
        self.outputs.borrow_mut().push(("status json".into(), out));
        status
    }

    pub(crate) fn get(&self, path: &str) -> Value {
        let (code, body) = self.cluster.api("admin", "GET", path, None);
        assert_eq!(code, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    pub(crate) fn post(&self, path: &str, body: Value) {
        let (code, out) = self
            .cluster
            .api("admin", "POST", path, Some(&body.to_string()));
        assert_eq!(code, 201, "POST {path}: {out}");
    }

    pub(crate) fn secret(&self, name: &str) -> Value {
        self.get(&format!("/api/v1/namespaces/prod/secrets/{name}"))
    }

    pub(crate) fn secret_value(&self, name: &str, key: &str) -> String {
        let secret = self.secret(name);
        let b64 = secret["data"][key]
            .as_str()
            .unwrap_or_else(|| panic!("secret {name} has no key {key}: {}", secret["data"]));
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap(),
        )
        .unwrap()
    }

    fn generation(&self, deployment: &str) -> i64 {
        self.get(&format!(
            "/apis/apps/v1/namespaces/prod/deployments/{deployment}"
        ))["metadata"]["generation"]
            .as_i64()
            .unwrap()
    }

    fn deployment(&self, name: &str, pod_spec: Value) {
        self.post(
            "/apis/apps/v1/namespaces/prod/deployments",
            json!({
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name, "namespace": "prod"},
                "spec": {
                    "selector": {"matchLabels": {"app": name}},
                    "template": {
                        "metadata": {"labels": {"app": name}},
                        "spec": pod_spec
                    }
                }
            }),
        );
    }

    pub(crate) fn assert_no_value_was_printed(&self) {
        self.assert_printed_none_of(ALL_VALUES);
    }

    /// No output of a kvault run so far shows one of `values`.
    pub(crate) fn assert_printed_none_of(&self, values: &[&str]) {
        for (what, out) in self.outputs.borrow().iter() {
            let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
            crate::harness::assert_text_shows_none(what, &all, values);
        }
    }
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other["workload"]
                .as_str()
                .or(other["target"].as_str())
                .unwrap()
                .to_string(),
        })
        .collect()
}

const PLAN: &str = "
secrets:
  - source: vault:secret/app/db
    target: k8s:prod/app-db
    rollout: [deployment/api]
  - source: vault:secret/app/api#token
    target: k8s:prod/app-api#API_TOKEN
    rollout: [deployment/api]
  - sources: [vault:secret/shared/a, vault:secret/shared/b]
    target: k8s:prod/merged
    rollout: auto
";

/// The provenance kvault writes with a target (annotations on a Secret,
/// custom metadata in Vault): its source, the source's version and a
/// versioned hash of the data.
fn assert_written_from(meta: &Value, source: &str, version: &str) {
    assert_eq!(meta["kvault.dev/source"], source, "{meta}");
    assert_eq!(meta["kvault.dev/source-version"], version, "{meta}");
    let hash = meta["kvault.dev/data-hash"].as_str().unwrap_or_default();
    assert!(hash.starts_with("v1:"), "{meta}");
}

#[test]
fn vault_to_kubernetes_with_provenance_rollouts_drift_and_prune() {
    let w = World::start();
    let bao = |args: &[&str]| w.bao.must(args);
    bao(&[
        "kv",
        "put",
        "secret/app/db",
        "user=app",
        &format!("pass={DB_PASS}"),
    ]);
    bao(&[
        "kv",
        "put",
        "secret/app/api",
        &format!("token={TOKEN}"),
        "other=x",
    ]);
    bao(&["kv", "put", "secret/shared/a", "a=1"]);
    bao(&["kv", "put", "secret/shared/b", &format!("b={SHARED_B}")]);

    w.post(
        "/api/v1/namespaces",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}}),
    );
    // api: envFrom app-db and one key of app-api; worker: a volume of merged.
    w.deployment(
        "api",
        json!({"containers": [{
            "name": "api", "image": "example/api",
            "envFrom": [{"secretRef": {"name": "app-db"}}],
            "env": [{"name": "T", "valueFrom": {"secretKeyRef": {"name": "app-api", "key": "API_TOKEN"}}}]
        }]}),
    );
    w.deployment(
        "worker",
        json!({
            "containers": [{"name": "w", "image": "example/worker",
                            "volumeMounts": [{"name": "m", "mountPath": "/m"}]}],
            "volumes": [{"name": "m", "projected": {"sources": [{"secret": {"name": "merged"}}]}}]
        }),
    );
    // Neighbours prune must leave alone: unlabelled, and kvault-put (no source).
    w.post(
        "/api/v1/namespaces/prod/secrets",
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "hand-made"},
               "stringData": {"k": "v"}}),
    );
    w.kvault()
        .run(&["put", "k8s:prod/put-by-kvault", "k=v"])
        .success();
    let plan = w.plan("plan.yaml", PLAN);

    // A dry run names keys, writes nothing.
    let dry = w.sync(&plan, &["--dry-run"], 0);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["created"], 3);
    assert_eq!(dry["targets"][0]["added"], json!(["pass", "user"]));
    assert_eq!(dry["targets"][1]["added"], json!(["API_TOKEN"]));
    let (code, _) = w.cluster.api(
        "admin",
        "GET",
        "/api/v1/namespaces/prod/secrets/app-db",
        None,
    );
    assert_eq!(code, 404, "a dry run created a Secret");
    let table = w
        .kvault()
        .args(["sync", "--dry-run", "-f"])
        .arg(&plan)
        .output()
        .unwrap();
    assert!(text(&table.stdout).contains("would create"));
    assert!(text(&table.stdout).contains("+pass +user"));
    w.outputs.borrow_mut().push(("dry table".into(), table));

    // First sync: created with provenance, nothing rolled out (through
    // per-store rate limiters, which only pace the calls).
    let first = w.sync(&plan, &["--rate-limit", "50", "--rate-limit", "k8s=100"], 0);
    assert_eq!(
        (
            first["created"].as_i64(),
            first["errors"].as_array().map(Vec::len)
        ),
        (Some(3), Some(0))
    );
    assert!(first["rollouts"].as_array().unwrap().is_empty());
    let db = w.secret("app-db");
    let ann = &db["metadata"]["annotations"];
    assert_written_from(ann, "vault:secret/app/db", "1");
    assert!(ann["kvault.dev/synced-at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        db["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "kvault"
    );
    assert_eq!(w.secret_value("app-db", "pass"), DB_PASS);
    assert_eq!(w.secret_value("app-api", "API_TOKEN"), TOKEN);
    assert_eq!(
        w.secret("app-api")["data"].as_object().unwrap().len(),
        1,
        "only the renamed key"
    );
    let merged = w.secret("merged");
    assert_eq!(
        merged["metadata"]["annotations"]["kvault.dev/source"],
        "vault:secret/shared/a,vault:secret/shared/b"
    );
    assert_eq!(w.secret_value("merged", "b"), SHARED_B);
    assert_eq!((w.generation("api"), w.generation("worker")), (1, 1));

    // A resync with nothing changed writes nothing: same resourceVersions.
    let versions = |w: &World| -> Vec<Value> {
        ["app-db", "app-api", "merged"]
            .iter()
            .map(|n| w.secret(n)["metadata"]["resourceVersion"].clone())
            .collect()
    };
    let before = versions(&w);
    let again = w.sync(&plan, &[], 0);
    assert_eq!(again["unchanged"], 3);
    assert_eq!(
        (again["created"].as_i64(), again["updated"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(versions(&w), before);
    assert_eq!((w.generation("api"), w.generation("worker")), (1, 1));
    // `kvault status`: everything in sync, exit 0, nothing written.
    let status = w.status(&plan, 0);
    assert_eq!(status["in_sync"], true, "{status}");
    assert_eq!(versions(&w), before);

    // A changed value: one update, one rollout of the Deployment using it.
    bao(&[
        "kv",
        "put",
        "secret/app/db",
        "user=app",
        &format!("pass={DB_PASS_2}"),
    ]);
    // Before the sync, status says which target is behind and by how much
    // ("cluster has v1, store has v2"), and which workload will roll; exit 1.
    let status = w.status(&plan, 1);
    let db = status["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["target"] == "k8s:prod/app-db")
        .unwrap()
        .clone();
    assert_eq!(
        (
            &db["state"],
            &db["synced_version"],
            &db["source_version"],
            &db["keys"]
        ),
        (
            &json!("out_of_date"),
            &json!("1"),
            &json!("2"),
            &json!("~pass")
        ),
        "{status}"
    );
    assert_eq!(status["rollouts_due"], json!(["prod/deployment/api"]));
    assert_eq!(versions(&w), before, "status writes nothing");
    let changed = w.sync(&plan, &[], 0);
    assert_eq!(
        (changed["updated"].as_i64(), changed["unchanged"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(names(&changed["rollouts"]), vec!["prod/deployment/api"]);
    assert_eq!((w.generation("api"), w.generation("worker")), (2, 1));
    assert_eq!(w.secret_value("app-db", "pass"), DB_PASS_2);
    let template = w.get("/apis/apps/v1/namespaces/prod/deployments/api");
    let hash = template["spec"]["template"]["metadata"]["annotations"]["kvault.dev/secret-hash"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(hash.starts_with("v1:"));

    // Two changed Secrets used by one Deployment: still one patch.
    bao(&[
        "kv",
        "put",
        "secret/app/db",
        "user=app",
        &format!("pass={DB_PASS_3}"),
    ]);
    bao(&[
        "kv",
        "put",
        "secret/app/api",
        &format!("token={TOKEN_2}"),
        "other=x",
    ]);
    let both = w.sync(&plan, &[], 0);
    assert_eq!(both["updated"], 2);
    assert_eq!(names(&both["rollouts"]), vec!["prod/deployment/api"]);
    assert_eq!(
        both["rollouts"][0]["secrets"],
        json!(["k8s:prod/app-api", "k8s:prod/app-db"])
    );
    assert_eq!(w.generation("api"), 3);

    // A new source version with the same data: provenance only, no rollout.
    bao(&[
        "kv",
        "put",
        "secret/app/db",
        "user=app",
        &format!("pass={DB_PASS_3}"),
    ]);
    let meta = w.sync(&plan, &[], 0);
    assert_eq!(
        (meta["metadata_updated"].as_i64(), meta["updated"].as_i64()),
        (Some(1), Some(0))
    );
    assert!(meta["rollouts"].as_array().unwrap().is_empty());
    assert_eq!(w.generation("api"), 3);
    assert_eq!(
        w.secret("app-db")["metadata"]["annotations"]["kvault.dev/source-version"],
        "4"
    );

    // rollout: auto finds the worker through its projected volume.
    bao(&["kv", "put", "secret/shared/b", &format!("b={SHARED_B_2}")]);
    let auto = w.sync(&plan, &[], 0);
    assert_eq!(names(&auto["rollouts"]), vec!["prod/deployment/worker"]);
    assert_eq!((w.generation("api"), w.generation("worker")), (3, 2));

    // A hand edit is drift: reported and left with --no-overwrite-drift ...
    let mut edited = w.secret("app-db");
    edited["data"]["pass"] = json!(base64::engine::general_purpose::STANDARD.encode(BY_HAND));
    let (code, body) = w.cluster.api(
        "admin",
        "PUT",
        "/api/v1/namespaces/prod/secrets/app-db",
        Some(&edited.to_string()),
    );
    assert_eq!(code, 200, "{body}");
    let status = w.status(&plan, 1);
    assert!(
        status["targets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["target"] == "k8s:prod/app-db" && t["state"] == "drift"),
        "{status}"
    );
    let left = w.sync(&plan, &["--no-overwrite-drift"], 0);
    assert_eq!(
        left["drift"],
        json!([{"target": "k8s:prod/app-db", "overwritten": false}])
    );
    assert_eq!(w.secret_value("app-db", "pass"), BY_HAND);
    assert_eq!(w.generation("api"), 3);
    // ... and overwritten. The Secret is back at the data the Deployment was
    // last rolled for (same secret-hash), so its pods need no new rollout.
    let fixed = w.sync(&plan, &[], 0);
    assert_eq!(
        fixed["drift"],
        json!([{"target": "k8s:prod/app-db", "overwritten": true}])
    );
    assert_eq!(w.secret_value("app-db", "pass"), DB_PASS_3);
    assert!(fixed["rollouts"].as_array().unwrap().is_empty());
    assert_eq!(w.generation("api"), 3);

    // A run killed after updating a Secret but before patching its workload
    // leaves a stale annotation; the next run, with no data change, rolls it.
    let path = "/apis/apps/v1/namespaces/prod/deployments/api";
    let (code, body) = w.cluster.api("admin", "GET", path, None);
    assert_eq!(code, 200, "{body}");
    let mut api: serde_json::Value = serde_json::from_str(&body).unwrap();
    api["spec"]["template"]["metadata"]["annotations"]["kvault.dev/secret-hash"] =
        json!("v1:left-by-a-killed-run");
    let (code, body) = w.cluster.api("admin", "PUT", path, Some(&api.to_string()));
    assert_eq!(code, 200, "{body}");
    assert_eq!(w.generation("api"), 4);
    let caught_up = w.sync(&plan, &[], 0);
    assert_eq!(caught_up["updated"], 0);
    assert_eq!(names(&caught_up["rollouts"]), vec!["prod/deployment/api"]);
    assert_eq!(w.generation("api"), 5);
    let settled = w.sync(&plan, &[], 0);
    assert!(settled["rollouts"].as_array().unwrap().is_empty());
    assert_eq!(w.generation("api"), 5);

    // Prune: only the managed, synced Secret the plan dropped.
    let smaller = w.plan(
        "smaller.yaml",
        &PLAN.replace(
            "  - sources: [vault:secret/shared/a, vault:secret/shared/b]\n    target: k8s:prod/merged\n    rollout: auto\n",
            "",
        ),
    );
    let pruned = w.sync(&smaller, &["--prune"], 0);
    assert_eq!(pruned["pruned"], json!(["k8s:prod/merged"]));
    let (code, _) = w.cluster.api(
        "admin",
        "GET",
        "/api/v1/namespaces/prod/secrets/merged",
        None,
    );
    assert_eq!(code, 404);
    for kept in ["hand-made", "put-by-kvault", "app-db", "app-api"] {
        w.secret(kept);
    }
    let nothing = w.sync(&smaller, &["--prune"], 0);
    assert_eq!(nothing["pruned"], json!([]));
    assert_eq!(nothing["unchanged"], 2);

    w.assert_no_value_was_printed();
}

#[test]
fn kubernetes_to_vault_and_vault_to_vault_across_mounts() {
    let w = World::start();
    w.bao
        .must(&["secrets", "enable", "-path=kv2", "-version=2", "kv"]);
    w.bao
        .must(&["secrets", "enable", "-path=old", "-version=1", "kv"]);
    w.bao.must(&["kv", "put", "secret/a", "x=1", "y=2"]);
    w.bao.must(&["kv", "put", "secret/b", "z=3"]);
    w.kvault()
        .run(&[
            "put",
            "k8s:default/src",
            "user=u",
            &format!("pass={DB_PASS}"),
        ])
        .success();
    let plan = w.plan(
        "plan.yaml",
        "
secrets:
  - source: k8s:default/src
    target: vault:secret/from-k8s
  - source: vault:secret/a#x
    target: vault:kv2/renamed#X_RENAMED
  - sources: [vault:secret/a, vault:secret/b]
    target: vault:kv2/merged
  - source: vault:secret/a
    target: vault:old/copy
",
    );
    let first = w.sync(&plan, &[], 0);
    assert_eq!(first["created"], 4, "{first}");
    let kv_get = |path: &str| -> Value {
        serde_json::from_str(&w.bao.must(&["kv", "get", "-format=json", path])).unwrap()
    };
    let from_k8s = kv_get("secret/from-k8s");
    assert_eq!(from_k8s["data"]["data"]["pass"], DB_PASS);
    let custom = &from_k8s["data"]["metadata"]["custom_metadata"];
    assert_written_from(custom, "k8s:default/src", "1");
    assert_eq!(
        kv_get("kv2/renamed")["data"]["data"],
        json!({"X_RENAMED": "1"})
    );
    assert_eq!(
        kv_get("kv2/merged")["data"]["data"],
        json!({"x": "1", "y": "2", "z": "3"})
    );
    assert_eq!(kv_get("old/copy")["data"], json!({"x": "1", "y": "2"}));

    // Nothing changed: no new KV version anywhere.
    let again = w.sync(&plan, &[], 0);
    assert_eq!(again["unchanged"], 4, "{again}");
    for path in ["secret/from-k8s", "kv2/renamed", "kv2/merged"] {
        assert_eq!(kv_get(path)["data"]["metadata"]["version"], 1, "{path}");
    }

    // A change at the Kubernetes source: a new version, other custom metadata kept.
    w.bao.must(&[
        "kv",
        "metadata",
        "put",
        "-custom-metadata=owner=team-a",
        "secret/from-k8s",
    ]);
    w.kvault()
        .run(&[
            "put",
            "k8s:default/src",
            "user=u",
            &format!("pass={DB_PASS_2}"),
        ])
        .success();
    let changed = w.sync(&plan, &[], 0);
    assert_eq!(
        (changed["updated"].as_i64(), changed["unchanged"].as_i64()),
        (Some(1), Some(3))
    );
    let from_k8s = kv_get("secret/from-k8s");
    assert_eq!(from_k8s["data"]["data"]["pass"], DB_PASS_2);
    assert_eq!(from_k8s["data"]["metadata"]["version"], 2);
    let custom = &from_k8s["data"]["metadata"]["custom_metadata"];
    assert_eq!(custom["owner"], "team-a");
    assert_eq!(custom["kvault.dev/source-version"], "2");

    // A hand edit of a Vault target is drift too.
    w.bao.must(&["kv", "put", "kv2/merged", "x=by-hand"]);
    let drift = w.sync(&plan, &["--no-overwrite-drift"], 0);
    assert_eq!(
        drift["drift"],
        json!([{"target": "vault:kv2/merged", "overwritten": false}])
    );
    w.assert_no_value_was_printed();
}

#[test]
fn an_invalid_plan_fails_with_its_line_and_column_and_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let plan = home.path().join("bad.yaml");
    let sync_refuses = |plan: &std::path::Path, says: &[&str]| {
        let out = kvault_clean(home.path())
            .args(["sync", "-f"])
            .arg(plan)
            .output()
            .unwrap();
        for said in says {
            crate::harness::assert_refused(&out, 2, said);
        }
    };
    let misspelt =
        "secrets:\n  - source: vault:secret/a\n    target: k8s:prod/a\n    rolout: auto\n";
    std::fs::write(&plan, misspelt).unwrap();
    sync_refuses(
        &plan,
        &["bad.yaml`, line 4 column 5", "unknown field `rolout`"],
    );
    let no_namespace = "secrets:\n  - source: vault:secret/a\n    target: k8s:nonamespace\n";
    std::fs::write(&plan, no_namespace).unwrap();
    sync_refuses(
        &plan,
        &["secrets[0]: target `k8s:nonamespace` must name NAMESPACE/NAME"],
    );
    sync_refuses(
        &home.path().join("missing.yaml"),
        &["cannot read sync plan"],
    );
}

#[test]
fn sync_and_status_read_the_plan_from_stdin_given_as_dash() {
    let home = tempfile::tempdir().unwrap();
    kvault_clean(home.path())
        .run(&["put", "local:src/app", "password=stdin-plan-value"])
        .success();
    let plan = "secrets:\n  - source: local:src/app\n    target: local:dst/app\n";
    kvault_clean(home.path())
        .args(["status", "-f", "-"])
        .write_stdin(plan)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("local:dst/app"));
    kvault_clean(home.path())
        .args(["sync", "-f", "-"])
        .write_stdin(plan)
        .assert()
        .success();
    kvault_clean(home.path())
        .run(&["get", "local:dst/app#password"])
        .success()
        .stdout("stdin-plan-value");
    kvault_clean(home.path())
        .args(["status", "-f", "-"])
        .write_stdin(plan)
        .assert()
        .success();
    // A broken plan on stdin is named as such.
    kvault_clean(home.path())
        .args(["sync", "-f", "-"])
        .write_stdin("secrets:\n  - sorce: local:a\n")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("<stdin>"));
}
