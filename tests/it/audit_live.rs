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

/// A small deterministic generator, so a failing seed can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.next(items.len())]
    }
}

const NAMESPACES: [&str; 3] = ["ns-a", "ns-b", "ns-c"];
const USERS: [&str; 4] = ["u0", "u1", "u2", "u3"];
const GROUPS: [&str; 3] = ["g0", "g1", "g2"];

/// Rules touching Secrets in every way RBAC can match them, or not.
fn rule_templates() -> Vec<Value> {
    let r = |groups: &[&str], resources: &[&str], verbs: &[&str], names: &[&str]| {
        let mut rule = json!({"apiGroups": groups, "resources": resources, "verbs": verbs});
        if !names.is_empty() {
            rule["resourceNames"] = json!(names);
        }
        rule
    };
    vec![
        r(&[""], &["secrets"], &["get"], &[]),
        r(&[""], &["secrets"], &["list", "watch"], &[]),
        r(&[""], &["secrets"], &["get", "watch"], &["db"]),
        r(&[""], &["secrets"], &["list"], &["db"]),
        r(&[""], &["secrets"], &["*"], &[]),
        r(&[""], &["*"], &["get"], &[]),
        r(&["*"], &["*"], &["*"], &[]),
        r(&["*"], &["secrets"], &["watch"], &[]),
        r(&["apps"], &["secrets"], &["get", "list", "watch"], &[]),
        r(&[""], &["secrets/status"], &["get"], &[]),
        r(&[""], &["*/status"], &["get"], &[]),
        r(&[""], &["configmaps"], &["get", "list"], &[]),
        r(&[""], &["pods"], &["create"], &[]),
    ]
}

/// Roles, ClusterRoles (one aggregated, with its members labelled) and
/// bindings to users, groups, service accounts (with and without a
/// namespace), missing roles and ClusterRoles bound per namespace.
fn oracle_objects(rng: &mut Lcg) -> Vec<Value> {
    let rbac = "rbac.authorization.k8s.io/v1";
    let templates = rule_templates();
    let mut objects = Vec::new();
    for ns in NAMESPACES {
        objects.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
        objects.push(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "app", "namespace": ns}}));
    }
    let rules = |rng: &mut Lcg| {
        (0..1 + rng.next(2))
            .map(|_| rng.pick(&templates).clone())
            .collect::<Vec<_>>()
    };
    let mut cluster_roles = Vec::new();
    for i in 0..8 {
        let name = format!("oracle-cr-{i}");
        let mut role = json!({"apiVersion": rbac, "kind": "ClusterRole",
                              "metadata": {"name": name}, "rules": rules(rng)});
        if i % 3 == 0 {
            role["metadata"]["labels"] = json!({"kvault.test/aggregate": "true"});
        }
        objects.push(role);
        cluster_roles.push(name);
    }
    // Aggregated: no controller runs in the test cluster, so the stored
    // rules (its own) are what the apiserver enforces.
    objects.push(json!({"apiVersion": rbac, "kind": "ClusterRole", "metadata": {"name": "oracle-aggregated"},
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"kvault.test/aggregate": "true"}}]},
        "rules": [templates[1].clone()]}));
    cluster_roles.push("oracle-aggregated".into());
    cluster_roles.push("oracle-missing".into());
    cluster_roles.push("view".into());
    cluster_roles.push("edit".into());
    let mut roles: Vec<(String, String)> = Vec::new();
    for i in 0..12 {
        let ns = *rng.pick(&NAMESPACES);
        let name = format!("oracle-role-{i}");
        objects.push(json!({"apiVersion": rbac, "kind": "Role",
                            "metadata": {"name": name, "namespace": ns}, "rules": rules(rng)}));
        roles.push((ns.to_string(), name));
    }
    let group = "rbac.authorization.k8s.io";
    let subject = |rng: &mut Lcg, binding_ns: Option<&str>| -> Value {
        match rng.next(6) {
            0 | 1 => json!({"kind": "User", "name": rng.pick(&USERS), "apiGroup": group}),
            2 | 3 => json!({"kind": "Group", "name": rng.pick(&GROUPS), "apiGroup": group}),
            4 => {
                json!({"kind": "ServiceAccount", "name": "app", "namespace": rng.pick(&NAMESPACES)})
            }
            _ => match binding_ns {
                // Namespace taken from the RoleBinding.
                Some(_) => json!({"kind": "ServiceAccount", "name": "app"}),
                None => {
                    json!({"kind": "Group", "name": "system:serviceaccounts:ns-b", "apiGroup": group})
                }
            },
        }
    };
    for i in 0..20 {
        let ns = *rng.pick(&NAMESPACES);
        let role_ref = if rng.next(2) == 0 {
            let (role_ns, name) = rng.pick(&roles).clone();
            // A RoleBinding refers to a Role of its own namespace (or none).
            if role_ns == ns {
                json!({"apiGroup": group, "kind": "Role", "name": name})
            } else {
                json!({"apiGroup": group, "kind": "Role", "name": format!("absent-{i}")})
            }
        } else {
            json!({"apiGroup": group, "kind": "ClusterRole", "name": rng.pick(&cluster_roles)})
        };
        let subjects: Vec<Value> = (0..1 + rng.next(3))
            .map(|_| subject(rng, Some(ns)))
            .collect();
        objects.push(json!({"apiVersion": rbac, "kind": "RoleBinding",
            "metadata": {"name": format!("oracle-rb-{i}"), "namespace": ns},
            "roleRef": role_ref, "subjects": subjects}));
    }
    // Always bound, whatever the seed: the aggregated roles, whose stored
    // rules differ from the controller's union in a cluster without one.
    objects.push(json!({"apiVersion": rbac, "kind": "RoleBinding",
        "metadata": {"name": "oracle-edit", "namespace": "ns-a"},
        "roleRef": {"apiGroup": group, "kind": "ClusterRole", "name": "edit"},
        "subjects": [{"kind": "Group", "name": "g-edit", "apiGroup": group}]}));
    objects.push(json!({"apiVersion": rbac, "kind": "ClusterRoleBinding",
        "metadata": {"name": "oracle-aggregated"},
        "roleRef": {"apiGroup": group, "kind": "ClusterRole", "name": "oracle-aggregated"},
        "subjects": [{"kind": "User", "name": "u-aggregated", "apiGroup": group}]}));
    for i in 0..6 {
        let subjects: Vec<Value> = (0..1 + rng.next(2)).map(|_| subject(rng, None)).collect();
        objects.push(json!({"apiVersion": rbac, "kind": "ClusterRoleBinding",
            "metadata": {"name": format!("oracle-crb-{i}")},
            "roleRef": {"apiGroup": group, "kind": "ClusterRole", "name": rng.pick(&cluster_roles)},
            "subjects": subjects}));
    }
    objects
}

/// The same question answered from `--who-can-read`'s rows: a direct row
/// for the user, one of its groups or its service account, in `namespace`
/// (or all namespaces), naming `verb` without names or with `name` among
/// them.
fn who_can_read_allows(
    rbac: &Rbac,
    user: &UserInfo,
    namespace: &str,
    verb: &str,
    name: &str,
) -> bool {
    let rows =
        kvault::audit::checks::rbac::who_can_read(rbac, Some(namespace).filter(|n| !n.is_empty()));
    rows.iter().any(|row| {
        let subject = &row.subject;
        let is_user = match subject.kind.as_str() {
            "User" => subject.name == user.name,
            "Group" => user.groups.contains(&subject.name),
            "ServiceAccount" => {
                user.name
                    == format!(
                        "system:serviceaccount:{}:{}",
                        subject.namespace.as_deref().unwrap_or(""),
                        subject.name
                    )
            }
            _ => false,
        };
        let in_scope =
            row.namespace == "*" || (!namespace.is_empty() && row.namespace == namespace);
        let grants = row.verbs.iter().any(|v| {
            v == verb
                || (!name.is_empty()
                    && v.strip_prefix(&format!("{verb} (names: "))
                        .and_then(|rest| rest.strip_suffix(')'))
                        .is_some_and(|names| names.split(", ").any(|n| n == name)))
        });
        row.access == "direct" && is_user && in_scope && grants
    })
}

/// The live audit's answer next to the stored rules' one.
#[derive(Debug)]
enum Audited {
    /// The same as the stored rules', in `allows` and `--who-can-read`.
    Same(bool),
    /// Allowed only through an aggregated role stored without rules.
    Pending,
    Differs,
}

/// kvault's static RBAC answer, on the inventory read live, against the
/// apiserver's SubjectAccessReview, for every subject × namespace (and all
/// namespaces) × get/list/watch on Secrets × no name / a listed name / an
/// unlisted one; and the rows `--who-can-read` prints for the namespace
/// must say the same. The rules as stored must agree exactly; the live
/// audit's options may allow more only through aggregated roles stored
/// without rules (which it audits with the rules the controller will
/// write). Any other disagreement fails, listing the cases.
#[test]
fn live_rbac_agrees_with_subject_access_review() {
    let cluster = KubeCluster::start("none");
    let admin = Admin::new(&cluster);
    let mut rng = Lcg(0x6b76_6175_6c74);
    let objects = oracle_objects(&mut rng);
    // A sentinel binding last: once the authorizer sees it, it has seen
    // everything created before it.
    let sentinel_user = UserInfo::user("oracle-sentinel", &[]);
    let sentinel = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "oracle-sentinel"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "User", "name": "oracle-sentinel", "apiGroup": "rbac.authorization.k8s.io"}]});

    let mut subjects: Vec<UserInfo> = vec![
        UserInfo::user("u0", &[]),
        UserInfo::user("u1", &["g0"]),
        UserInfo::user("u2", &["g1", "g2"]),
        UserInfo::user("u3", &["g2"]),
        UserInfo::user("nobody", &[]),
        UserInfo::user("u-edit", &["g-edit"]),
        UserInfo::user("u-aggregated", &[]),
        UserInfo::anonymous(),
    ];
    for ns in NAMESPACES {
        subjects.push(UserInfo::service_account(ns, "app"));
    }
    let namespaces = ["", "ns-a", "ns-b", "ns-c", "default"];
    let disagreements = block_on(async {
        admin.create_all(&objects).await;
        admin.create_all(&[sentinel]).await;
        let probe = Request::new("get", "secrets").namespace("ns-a");
        let mut ready = false;
        for _ in 0..100 {
            if admin.subject_access_review(&sentinel_user, &probe).await {
                ready = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(ready, "the authorizer never saw the sentinel binding");

        let kube = kvault::store::kube::KubeConfig {
            kubeconfig: Some(cluster.kubeconfig("admin").into()),
            ..Default::default()
        };
        let (client, _) = kube.client().await.unwrap();
        let server = cluster.var("KVAULT_TEST_KUBE_SERVER").to_string();
        let inventory = live::load(&live::Target {
            client: &client,
            server: &server,
            etcd: None,
            chunk_size: live::PAGE_SIZE,
        })
        .await
        .unwrap();
        let rbac = Rbac::with_options(&inventory, live::live_rbac_options());
        // What the authorizer holds now: the same inventory as stored.
        let stored = Rbac::with_options(
            &inventory,
            kvault::audit::rbac::Options {
                aggregation: kvault::audit::rbac::Aggregation::Stored,
                builtin_roles: false,
            },
        );

        let mut cases = Vec::new();
        for user in &subjects {
            for ns in namespaces {
                for verb in ["get", "list", "watch"] {
                    for name in ["", "db", "other"] {
                        cases.push((user, ns, verb, name));
                    }
                }
            }
        }
        let total = cases.len();
        use futures::StreamExt;
        let answers: Vec<_> = futures::stream::iter(cases)
            .map(|(user, ns, verb, name)| {
                let admin = &admin;
                let (rbac, stored) = (&rbac, &stored);
                async move {
                    let req = Request::new(verb, "secrets").namespace(ns).name(name);
                    let server = admin.subject_access_review(user, &req).await;
                    let kvault = stored.allows(user, &req).is_some();
                    let listed = who_can_read_allows(stored, user, ns, verb, name);
                    // The live audit's answer may differ only where it
                    // counts an aggregated role the controller has not
                    // filled, and then it must say so (see below).
                    let audited = match rbac.allows(user, &req) {
                        None => Audited::Same(false),
                        Some(Decision::Rule { role, .. }) if role.pending && !kvault => {
                            Audited::Pending
                        }
                        Some(_) => Audited::Same(true),
                    };
                    let audited_listed = who_can_read_allows(rbac, user, ns, verb, name);
                    let audited = match audited {
                        Audited::Same(a) if a == kvault && audited_listed == a => Audited::Same(a),
                        Audited::Pending if audited_listed => Audited::Pending,
                        _ => Audited::Differs,
                    };
                    (user, ns, verb, name, server, kvault, listed, audited)
                }
            })
            .buffer_unordered(16)
            .collect()
            .await;
        assert_eq!(answers.len(), total);
        let allowed = answers.iter().filter(|a| a.4).count();
        eprintln!("{allowed} of {total} cases allowed by the apiserver");
        // The seed must exercise both answers, or the test proves little.
        assert!(
            allowed > total / 10 && allowed < total * 9 / 10,
            "{allowed} of {total} allowed"
        );
        let pending = answers
            .iter()
            .filter(|a| matches!(a.7, Audited::Pending))
            .count();
        eprintln!("{pending} cases allowed only through unfilled aggregated roles");
        assert!(
            pending > 0,
            "u-edit's `edit` is unfilled in a cluster without a controller"
        );
        answers
            .into_iter()
            .filter(|(_, _, _, _, server, kvault, listed, audited)| {
                server != kvault || server != listed || matches!(audited, Audited::Differs)
            })
            .map(|(user, ns, verb, name, server, kvault, listed, audited)| {
                format!(
                    "{} {:?}: {verb} secrets ns={ns:?} name={name:?}: apiserver {server}, kvault allows {kvault}, --who-can-read {listed}, live audit {audited:?}",
                    user.name, user.groups
                )
            })
            .collect::<Vec<_>>()
    });
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// The test cluster runs no kube-controller-manager, so `admin`, `edit`
/// and `view` hold no rules: the live audit gives them the rules their
/// selectors match (the `system:aggregate-to-*` roles), as offline mode
/// does, and says on stderr that the stored rules differ. A user bound to
/// `edit` is reported as reading Secrets although, until a controller runs,
/// the apiserver answers no.
#[test]
fn live_audit_fills_aggregated_roles_the_controller_has_not_and_warns() {
    let cluster = KubeCluster::start("none");
    let admin = Admin::new(&cluster);
    let group = "rbac.authorization.k8s.io";
    block_on(admin.create_all(&[
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "dev-edit", "namespace": "shop"},
               "roleRef": {"apiGroup": group, "kind": "ClusterRole", "name": "edit"},
               "subjects": [{"kind": "User", "name": "dev", "apiGroup": group}]}),
    ]));
    let dev = UserInfo::user("dev", &[]);
    let read = Request::new("get", "secrets").namespace("shop").name("db");
    assert!(
        !block_on(admin.subject_access_review(&dev, &read)),
        "edit is unfilled: the apiserver grants nothing yet"
    );

    let (run, doc) = audit_json(&cluster, "admin", &[]);
    let warned: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    assert_eq!(warned.len(), 1, "{}", run.stderr);
    assert!(
        warned[0].contains("aggregated ClusterRoles hold no rules"),
        "{}",
        warned[0]
    );
    for role in ["admin (", "edit (", "view ("] {
        assert!(warned[0].contains(role), "{role}: {}", warned[0]);
    }
    let about_dev: BTreeSet<String> = findings(&doc, "KV-RBAC-")
        .filter(|f| f["objects"][0]["name"] == "dev")
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        about_dev,
        set(&["KV-RBAC-004", "KV-RBAC-008"]),
        "{}",
        run.stdout
    );
    let reads = findings(&doc, "KV-RBAC-004")
        .find(|f| f["objects"][0]["name"] == "dev")
        .unwrap();
    let evidence = reads["evidence"].as_str().unwrap();
    assert!(
        evidence.contains("ClusterRole/system:aggregate-to-edit"),
        "the rule's origin is named: {evidence}"
    );

    let (who, doc) = audit_json(&cluster, "admin", &["--who-can-read", "shop"]);
    assert!(
        who.stderr.contains("aggregated ClusterRoles hold no rules"),
        "{}",
        who.stderr
    );
    assert!(
        doc["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["subject"]["name"] == "dev" && s["access"] == "direct"),
        "{doc}"
    );
}
