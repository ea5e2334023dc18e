//! `kvault audit` live, against real clusters started by the harness: how
//! Secrets are stored (seen from the apiserver's metrics alone, and from
//! etcd), RBAC and workload problems planted in a cluster, a user who may
//! list nothing, an unreachable server, and an oracle test that holds
//! kvault's static RBAC evaluation against the apiserver's own
//! SubjectAccessReview answers.

use crate::harness::{text, KubeCluster};
use kvault::audit::live;
use kvault::audit::rbac::{Decision, Rbac, Request, UserInfo};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::future::Future;

mod rbac_oracle;

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// The apiserver as admin, from inside the test: seeding objects and asking
/// SubjectAccessReviews without a process per request.
struct Admin {
    http: reqwest::Client,
    server: String,
    token: String,
}

impl Admin {
    fn new(cluster: &KubeCluster) -> Admin {
        let ca = std::fs::read(cluster.var("KVAULT_TEST_KUBE_CA")).unwrap();
        let http = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
            .build()
            .unwrap();
        Admin {
            http,
            server: cluster.var("KVAULT_TEST_KUBE_SERVER").to_string(),
            token: cluster.token("admin").to_string(),
        }
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.server))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap();
        let code = response.status().as_u16();
        (code, response.json().await.unwrap_or(Value::Null))
    }

    /// Create each object (in order: namespaces before what they hold).
    async fn create_all(&self, objects: &[Value]) {
        for object in objects {
            let (code, body) = self.post(&collection_path(object), object).await;
            assert_eq!(code, 201, "creating {object}: {body}");
        }
    }

    /// The apiserver's answer: may `user` do `req`?
    async fn subject_access_review(&self, user: &UserInfo, req: &Request<'_>) -> bool {
        let review = json!({
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": {
                "user": user.name,
                "groups": user.groups,
                "resourceAttributes": {
                    "verb": req.verb, "group": req.api_group, "resource": req.resource,
                    "namespace": req.namespace, "name": req.name,
                },
            },
        });
        let (code, body) = self
            .post(
                "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                &review,
            )
            .await;
        assert_eq!(code, 201, "{body}");
        body["status"]["allowed"].as_bool().unwrap_or(false)
    }
}

/// The collection URL an object is created at.
fn collection_path(object: &Value) -> String {
    let api_version = object["apiVersion"].as_str().unwrap();
    let plural = match object["kind"].as_str().unwrap() {
        "Namespace" => "namespaces",
        "Secret" => "secrets",
        "ServiceAccount" => "serviceaccounts",
        "Pod" => "pods",
        "Role" => "roles",
        "ClusterRole" => "clusterroles",
        "RoleBinding" => "rolebindings",
        "ClusterRoleBinding" => "clusterrolebindings",
        other => panic!("collection_path: add kind {other}"),
    };
    let base = if api_version.contains('/') {
        format!("/apis/{api_version}")
    } else {
        format!("/api/{api_version}")
    };
    match object["metadata"]["namespace"].as_str() {
        Some(ns) => format!("{base}/namespaces/{ns}/{plural}"),
        None => format!("{base}/{plural}"),
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn audit(cluster: &KubeCluster, user: &str, args: &[&str]) -> Run {
    let home = tempfile::tempdir().unwrap();
    let out = cluster
        .kvault(home.path(), user)
        .env("NO_COLOR", "1")
        .arg("audit")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: text(&out.stdout),
        stderr: text(&out.stderr),
    }
}

fn audit_json(cluster: &KubeCluster, user: &str, args: &[&str]) -> (Run, Value) {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    let run = audit(cluster, user, &all);
    let doc = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not json ({e}): {}\nstderr: {}", run.stdout, run.stderr));
    (run, doc)
}

fn findings<'a>(doc: &'a Value, prefix: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(move |f| f["id"].as_str().unwrap().starts_with(prefix))
}

fn ids(doc: &Value, prefix: &str) -> BTreeSet<String> {
    findings(doc, prefix)
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

fn secret(namespace: &str, name: &str, value: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Secret",
           "metadata": {"name": name, "namespace": namespace},
           "stringData": {"password": value}})
}

/// Start a cluster with `variant`, store a Secret, and check the encryption
/// findings of a live audit: from the apiserver's metrics alone, then with
/// etcd's contents too. Every encryption finding names its source and how
/// sure it is; the Secret's value appears nowhere.
fn encryption_variant(variant: &str, from_metrics: &[&str], with_etcd: &[&str]) {
    let cluster = KubeCluster::start(variant);
    let canary = format!("kv-live-canary-{variant}");
    block_on(Admin::new(&cluster).create_all(&[secret("default", "db", &canary)]));

    let (run, doc) = audit_json(&cluster, "admin", &[]);
    assert_eq!(
        ids(&doc, "KV-ENC-"),
        set(from_metrics),
        "{variant}, metrics only: {}",
        run.stdout
    );
    for f in findings(&doc, "KV-ENC-") {
        let evidence = f["evidence"].as_str().unwrap();
        assert!(evidence.contains("apiserver metrics"), "{evidence}");
        assert!(evidence.contains("confidence"), "{evidence}");
    }
    assert!(!run.stdout.contains(&canary) && !run.stderr.contains(&canary));

    let etcd = cluster.var("KVAULT_TEST_ETCD_ENDPOINT");
    let (run, doc) = audit_json(&cluster, "admin", &["--etcd-endpoint", etcd]);
    assert_eq!(
        ids(&doc, "KV-ENC-"),
        set(with_etcd),
        "{variant}, with etcd: {}",
        run.stdout
    );
    if let Some(stored) = findings(&doc, "KV-ENC-010").next() {
        assert!(stored["evidence"].as_str().unwrap().contains("definitive"));
        assert_eq!(stored["objects"][0]["name"], "db", "{stored}");
    }
    assert!(!run.stdout.contains(&canary) && !run.stderr.contains(&canary));
}

#[test]
fn live_encryption_none_is_plaintext() {
    encryption_variant("none", &["KV-ENC-001"], &["KV-ENC-001", "KV-ENC-010"]);
}

#[test]
fn live_encryption_identity_writes_plaintext() {
    encryption_variant("identity", &["KV-ENC-004"], &["KV-ENC-004", "KV-ENC-010"]);
}

#[test]
fn live_encryption_aescbc_is_weak() {
    encryption_variant("aescbc", &["KV-ENC-005"], &["KV-ENC-005"]);
}

#[test]
fn live_encryption_secretbox_is_fine() {
    encryption_variant("secretbox", &[], &[]);
}

#[test]
fn live_encryption_identity_before_secretbox_writes_plaintext() {
    encryption_variant(
        "identity-then-secretbox",
        &["KV-ENC-004"],
        &["KV-ENC-004", "KV-ENC-010"],
    );
}

/// A Secret written to etcd before encryption was turned on (planted here
/// straight into etcd, in plaintext) is seen by the metrics as a read
/// through identity, and by etcd by name; the encrypted one is not named.
#[test]
fn live_stale_plaintext_under_secretbox() {
    let cluster = KubeCluster::start("secretbox");
    let admin = Admin::new(&cluster);
    block_on(admin.create_all(&[secret("default", "fresh", "kv-live-canary-fresh")]));
    let legacy = json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "legacy", "namespace": "default",
                     "uid": "6b1d1e3c-0000-4000-8000-000000000001",
                     "creationTimestamp": "2020-01-01T00:00:00Z"},
        "data": {"password": "a3YtbGl2ZS1jYW5hcnktbGVnYWN5"}}); // kv-live-canary-legacy
    let etcd = cluster.var("KVAULT_TEST_ETCD_ENDPOINT");
    block_on(async {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let put = json!({"key": b64.encode("/registry/secrets/default/legacy"),
                         "value": b64.encode(legacy.to_string())});
        let response = reqwest::Client::new()
            .post(format!("{etcd}/v3/kv/put"))
            .json(&put)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    });

    let (run, doc) = audit_json(&cluster, "admin", &[]);
    assert_eq!(ids(&doc, "KV-ENC-"), set(&["KV-ENC-010"]), "{}", run.stdout);
    let stale = findings(&doc, "KV-ENC-010").next().unwrap();
    assert!(stale["evidence"]
        .as_str()
        .unwrap()
        .contains("medium confidence"));

    let (run, doc) = audit_json(&cluster, "admin", &["--etcd-endpoint", etcd]);
    assert_eq!(ids(&doc, "KV-ENC-"), set(&["KV-ENC-010"]), "{}", run.stdout);
    let stale = findings(&doc, "KV-ENC-010").next().unwrap();
    let evidence = stale["evidence"].as_str().unwrap();
    assert!(evidence.contains("default/legacy"), "{evidence}");
    assert!(!evidence.contains("fresh"), "{evidence}");
    assert!(!run.stdout.contains("kv-live-canary"), "{}", run.stdout);
}

/// An apiserver that keeps its data under another `--etcd-prefix`: with
/// the same `--etcd-prefix` kvault reads the Secrets from etcd; with the
/// default one it finds none of the Secrets the API lists and says so
/// (exit 2) instead of reporting "nothing stored in plaintext".
#[test]
fn live_etcd_scan_follows_the_etcd_prefix() {
    let cluster = KubeCluster::start_with("none", &["--etcd-prefix", "/kvault-it"]);
    assert_eq!(cluster.var("KVAULT_TEST_ETCD_PREFIX"), "/kvault-it");
    block_on(Admin::new(&cluster).create_all(&[secret("default", "db", "kv-live-canary-prefix")]));
    let etcd = cluster.var("KVAULT_TEST_ETCD_ENDPOINT");

    let (run, doc) = audit_json(
        &cluster,
        "admin",
        &["--etcd-endpoint", etcd, "--etcd-prefix", "/kvault-it"],
    );
    let stored = findings(&doc, "KV-ENC-010").next().expect(&run.stdout);
    assert!(stored["evidence"].as_str().unwrap().contains("definitive"));
    assert_eq!(stored["objects"][0]["name"], "db", "{stored}");

    let run = audit(&cluster, "admin", &["--etcd-endpoint", etcd]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("no Secrets under `/registry/secrets/`")
            && run.stderr.contains("--etcd-prefix"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("kv-live-canary") && !run.stderr.contains("kv-live-canary"));
}

/// A kind the apiserver does not keep in its watch cache (hardened
/// clusters turn it off for Secrets, so values stay out of its memory) is
/// read from etcd and paged at `--chunk-size`: every page is read, each
/// Secret once, and the findings equal those of one unpaged read.
#[test]
fn live_audit_reads_every_page_of_a_list_served_from_etcd() {
    let cluster = KubeCluster::start_with(
        "none",
        &["--apiserver-arg", "--watch-cache-sizes=secrets#0"],
    );
    let names = ["p1", "p2", "p3", "p4", "p5"];
    let secrets: Vec<Value> = names
        .iter()
        .map(|name| secret("default", name, "kv-live-canary-paged"))
        .collect();
    block_on(Admin::new(&cluster).create_all(&secrets));

    let (paged_run, paged) = audit_json(&cluster, "admin", &["--chunk-size", "2", "-vv"]);
    assert!(
        paged_run
            .stderr
            .contains("listed kind=Secret pages=3 objects=5"),
        "5 Secrets at 2 a page are 3 pages: {}",
        paged_run.stderr
    );
    let unused: Vec<&str> = findings(&paged, "KV-WL-008")
        .map(|f| f["objects"][0]["name"].as_str().unwrap())
        .collect();
    assert_eq!(unused, names, "each Secret once, none missed");

    let (whole_run, whole) = audit_json(&cluster, "admin", &["-vv"]);
    assert!(
        whole_run
            .stderr
            .contains("listed kind=Secret pages=1 objects=5"),
        "{}",
        whole_run.stderr
    );
    assert_eq!(paged["findings"], whole["findings"]);
    for run in [&paged_run, &whole_run] {
        assert!(!run.stdout.contains("kv-live-canary") && !run.stderr.contains("kv-live-canary"));
    }
}

/// The kube-apiserver's mirror Pod in kube-system (what the kubelet posts
/// for a static pod; created here by hand, as no kubelet runs) is read
/// through the API: its flags are evidence next to the metrics, and as a
/// control-plane Pod it draws no workload findings.
#[test]
fn live_audit_reads_the_apiserver_static_pod_flags() {
    let cluster = KubeCluster::start("none");
    block_on(Admin::new(&cluster).create_all(&[json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "kube-apiserver-cp1", "namespace": "kube-system",
                     "labels": {"component": "kube-apiserver", "tier": "control-plane"},
                     "annotations": {"kubernetes.io/config.mirror": "0123456789abcdef"}},
        "spec": {"nodeName": "cp1", "hostNetwork": true, "containers": [{
            "name": "kube-apiserver", "image": "registry.k8s.io/kube-apiserver:v1.34.1",
            "command": ["kube-apiserver", "--authorization-mode=Node,RBAC",
                        "--etcd-servers=https://127.0.0.1:2379", "--secure-port=6443"]}]}
    })]));

    let (run, doc) = audit_json(&cluster, "admin", &[]);
    let plaintext = findings(&doc, "KV-ENC-001").next().expect(&run.stdout);
    let evidence = plaintext["evidence"].as_str().unwrap();
    assert!(
        evidence.contains("kube-apiserver flags (Pod/kube-system/kube-apiserver-cp1)"),
        "{evidence}"
    );
    assert!(
        evidence.contains("no --encryption-provider-config"),
        "{evidence}"
    );
    // The same flags say it keeps no audit log (no --audit-log-path).
    let unlogged = findings(&doc, "KV-LOG-004").next().expect(&run.stdout);
    assert_eq!(unlogged["objects"][0]["name"], "kube-apiserver-cp1");
    assert_eq!(unlogged["cis"], json!(["1.2.16"]));
    // Flag evidence aside, a control-plane Pod draws no workload finding.
    let on_the_pod: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            let id = f["id"].as_str().unwrap();
            !id.starts_with("KV-ENC-") && id != "KV-LOG-004"
        })
        .filter(|f| f.to_string().contains("kube-apiserver-cp1"))
        .collect();
    assert!(on_the_pod.is_empty(), "{on_the_pod:?}");
}

/// Problems planted in a cluster are found live, in every output format,
/// with --fail-on, --ignore and --who-can-read; no value is ever printed.
#[test]
fn live_audit_finds_planted_rbac_and_workload_problems() {
    let cluster = KubeCluster::start("none");
    let canary = "kv-live-canary-shop-db";
    let rbac = "rbac.authorization.k8s.io/v1";
    block_on(Admin::new(&cluster).create_all(&[
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "shop"}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "api", "namespace": "shop"}}),
        secret("shop", "db", canary),
        json!({"apiVersion": rbac, "kind": "ClusterRole", "metadata": {"name": "secret-reader"},
               "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]}),
        json!({"apiVersion": rbac, "kind": "ClusterRoleBinding", "metadata": {"name": "everyone-reads-secrets"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "secret-reader"},
               "subjects": [{"kind": "Group", "name": "system:authenticated", "apiGroup": "rbac.authorization.k8s.io"}]}),
        json!({"apiVersion": rbac, "kind": "RoleBinding", "metadata": {"name": "default-reads", "namespace": "shop"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "secret-reader"},
               "subjects": [{"kind": "ServiceAccount", "name": "default"}]}),
        json!({"apiVersion": rbac, "kind": "Role", "metadata": {"name": "wild", "namespace": "shop"},
               "rules": [{"apiGroups": [""], "resources": ["*"], "verbs": ["*"]}]}),
        json!({"apiVersion": rbac, "kind": "RoleBinding", "metadata": {"name": "wild", "namespace": "shop"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "wild"},
               "subjects": [{"kind": "User", "name": "carol", "apiGroup": "rbac.authorization.k8s.io"}]}),
        json!({"apiVersion": rbac, "kind": "RoleBinding", "metadata": {"name": "dangling", "namespace": "shop"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "gone"},
               "subjects": [{"kind": "User", "name": "bob", "apiGroup": "rbac.authorization.k8s.io"}]}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api", "namespace": "shop"},
               "spec": {"serviceAccountName": "api", "containers": [{"name": "api", "image": "example/api:1",
                 "env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]}]}}),
    ]));

    let (run, doc) = audit_json(&cluster, "admin", &[]);
    let found = ids(&doc, "KV-");
    for want in [
        "KV-RBAC-001",
        "KV-RBAC-005",
        "KV-RBAC-006",
        "KV-RBAC-009",
        "KV-WL-001",
    ] {
        assert!(found.contains(want), "{want} missing: {found:?}");
    }
    assert!(!found.contains("KV-AUD-001"), "admin lists everything");
    assert!(!found.contains("KV-WL-007"), "the Secret exists");
    assert_eq!(run.code, 1, "critical findings fail --fail-on high");

    let table = audit(&cluster, "admin", &[]);
    assert_eq!(table.code, 1);
    assert!(table.stdout.contains("KV-RBAC-001"), "{}", table.stdout);
    let sarif = audit(&cluster, "admin", &["-o", "sarif"]);
    let sarif: Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());

    // Accept every high and critical finding: the run passes --fail-on high.
    let severe: BTreeSet<&str> = findings(&doc, "KV-")
        .filter(|f| matches!(f["severity"].as_str(), Some("high" | "critical")))
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    let home = tempfile::tempdir().unwrap();
    let ignore = home.path().join("ignore.yaml");
    let entries: String = severe
        .iter()
        .map(|id| format!("- id: {id}\n  reason: planted by the test\n"))
        .collect();
    std::fs::write(&ignore, entries).unwrap();
    let (ignored, doc) = audit_json(&cluster, "admin", &["--ignore", ignore.to_str().unwrap()]);
    assert!(!ids(&doc, "KV-").contains("KV-RBAC-001"));
    assert_eq!(ignored.code, 0, "{}", ignored.stdout);
    let strict = audit(
        &cluster,
        "admin",
        &["--ignore", ignore.to_str().unwrap(), "--fail-on", "low"],
    );
    assert_eq!(strict.code, 1);

    let (who, doc) = audit_json(&cluster, "admin", &["--who-can-read", "shop"]);
    assert_eq!(who.code, 0, "{}", who.stderr);
    let subjects: BTreeSet<String> = doc["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subject"]["name"].as_str().unwrap().to_string())
        .collect();
    for want in ["system:authenticated", "default", "carol"] {
        assert!(subjects.contains(want), "{want} missing: {subjects:?}");
    }

    for run in [&run, &table, &ignored, &strict, &who] {
        assert!(!run.stdout.contains(canary) && !run.stderr.contains(canary));
    }
}

/// A user who may list nothing gets an audit that says what it could not
/// see (medium, so --fail-on high passes), without findings that would rest
/// on absent objects; an unreachable server is one line and exit 2.
#[test]
fn live_audit_without_rights_is_incomplete_and_without_a_server_fails() {
    let cluster = KubeCluster::start("none");
    block_on(Admin::new(&cluster).create_all(&[json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "x",
          "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "missing", "key": "k"}}}]}]}})]));
    let (run, doc) = audit_json(&cluster, "alice", &[]);
    assert_eq!(
        ids(&doc, "KV-"),
        set(&["KV-AUD-001", "KV-ENC-002"]),
        "{}",
        run.stdout
    );
    let incomplete = findings(&doc, "KV-AUD-001").next().unwrap();
    let evidence = incomplete["evidence"].as_str().unwrap();
    assert!(evidence.contains("Secret (HTTP 403"), "{evidence}");
    assert_eq!(run.code, 0);
    assert_eq!(audit(&cluster, "alice", &["--fail-on", "medium"]).code, 1);
    // admin sees the missing Secret the pod refers to.
    let (_, doc) = audit_json(&cluster, "admin", &[]);
    assert!(ids(&doc, "KV-").contains("KV-WL-007"));

    let home = tempfile::tempdir().unwrap();
    let kubeconfig = home.path().join("kubeconfig");
    std::fs::copy(cluster.kubeconfig("admin"), &kubeconfig).unwrap();
    drop(cluster);
    let out = crate::harness::kvault_clean(home.path())
        .env("KUBECONFIG", &kubeconfig)
        .arg("audit")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot list"), "{stderr}");
}
