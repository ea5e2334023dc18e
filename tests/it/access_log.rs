//! `kvault audit access` on the audit logs of real servers: a
//! kube-apiserver started with `--audit-policy-file`/`--audit-log-path`,
//! and OpenBao with a file audit device. The test makes known requests as
//! known subjects — admin, alice (refused), a service account, the
//! service account again through Vault's Kubernetes auth, Vault's root
//! token, a Vault token without access (refused) — and kvault's report
//! must name exactly those, with their counts, inside the test's window;
//! no secret value may appear in its output. A second cluster whose audit
//! policy logs everything at RequestResponse is caught twice: from the
//! policy file (offline) and from the Secret bodies in its log.

use crate::harness::{assert_text_shows_none, text, KubeCluster, OpenBao};
use serde_json::Value;
use std::path::Path;

const SAFE_POLICY: &str = "\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  resources: [{group: \"\", resources: [secrets]}]
- level: None
";

const LEAKY_POLICY: &str = "\
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: RequestResponse
";

const K8S_VALUE: &str = "k8s-audit-value-93ab";
const VAULT_VALUE: &str = "vault-audit-value-51cd";

fn created(kube: &KubeCluster, path: &str, body: &str) -> String {
    let (code, answer) = kube.api("admin", "POST", path, Some(body));
    assert_eq!(code, 201, "POST {path}: {answer}");
    answer
}

/// `kvault audit access ARGS -o json`: exit code and document.
fn access_report(home: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = crate::harness::kvault_clean(home)
        .args(["audit", "access"])
        .args(args)
        .args(["-o", "json"])
        .output()
        .unwrap();
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    let doc =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {all}"));
    (out.status.code().unwrap(), doc, all)
}

/// Vault's HTTP API with `token`: the status code.
fn vault_get(bao: &OpenBao, token: &str, path: &str) -> u16 {
    let out = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}"])
        .args(["-H", &format!("X-Vault-Token: {token}")])
        .arg(format!("{}/v1/{path}", bao.addr))
        .output()
        .unwrap();
    text(&out.stdout).trim().parse().unwrap()
}

fn ids(doc: &Value) -> Vec<String> {
    let mut ids: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn the_access_report_names_exactly_the_reads_the_test_made_in_both_logs() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let started = std::time::SystemTime::now();
    let (kube, policy, kube_log) = KubeCluster::start_audited(dir.path(), SAFE_POLICY);
    created(
        &kube,
        "/api/v1/namespaces",
        r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a"}}"#,
    );
    created(
        &kube,
        "/api/v1/namespaces/team-a/serviceaccounts",
        r#"{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"app"}}"#,
    );
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(K8S_VALUE);
    created(
        &kube,
        "/api/v1/namespaces/team-a/secrets",
        &format!(
            r#"{{"apiVersion":"v1","kind":"Secret","metadata":{{"name":"db"}},"data":{{"password":"{encoded}"}}}}"#
        ),
    );
    created(
        &kube,
        "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles",
        r#"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"db"},"rules":[{"apiGroups":[""],"resources":["secrets"],"resourceNames":["db"],"verbs":["get"]}]}"#,
    );
    created(
        &kube,
        "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings",
        r#"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"db"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"db"},"subjects":[{"kind":"ServiceAccount","name":"app","namespace":"team-a"}]}"#,
    );
    let sa_token = kube.service_account_token("team-a", "app", "{}");
    let secret = "/api/v1/namespaces/team-a/secrets/db";
    for _ in 0..2 {
        assert_eq!(kube.api("admin", "GET", secret, None).0, 200);
    }
    assert_eq!(kube.api("admin", "GET", "/api/v1/secrets", None).0, 200);
    for _ in 0..6 {
        assert_eq!(kube.api("alice", "GET", secret, None).0, 403);
    }
    assert_eq!(kube.api_with_token(&sa_token, "GET", secret, None).0, 200);
    let listed = kube.api_with_token(&sa_token, "GET", "/api/v1/namespaces/team-a/secrets", None);
    assert_eq!(listed.0, 403);

    // Vault: the same service account through Kubernetes auth, root, and
    // a token that may read nothing.
    let bao = OpenBao::start_audited(&dir.path().join("vault-audit.log"));
    bao.must(&[
        "kv",
        "put",
        "secret/prod/db",
        &format!("password={VAULT_VALUE}"),
    ]);
    bao.policy("app-read", "secret/data/prod/*", &["read"]);
    bao.must(&["auth", "enable", "kubernetes"]);
    bao.must(&[
        "write",
        "auth/kubernetes/config",
        &format!("kubernetes_host={}", kube.var("KVAULT_TEST_KUBE_SERVER")),
        &format!("kubernetes_ca_cert=@{}", kube.var("KVAULT_TEST_KUBE_CA")),
        &format!("token_reviewer_jwt={}", kube.token("admin")),
        "disable_local_ca_jwt=true",
    ]);
    bao.must(&[
        "write",
        "auth/kubernetes/role/app",
        "bound_service_account_names=app",
        "bound_service_account_namespaces=team-a",
        "token_policies=app-read",
    ]);
    let login = bao.must(&[
        "write",
        "-field=token",
        "auth/kubernetes/login",
        "role=app",
        &format!("jwt={sa_token}"),
    ]);
    let app_token = login.trim();
    for _ in 0..2 {
        assert_eq!(vault_get(&bao, app_token, "secret/data/prod/db"), 200);
    }
    bao.must(&["kv", "get", "secret/prod/db"]);
    let nobody = bao.new_token("-policy=default");
    for _ in 0..5 {
        assert_eq!(vault_get(&bao, &nobody, "secret/data/prod/db"), 403);
    }
    let ended = std::time::SystemTime::now();

    let vault_log = dir.path().join("vault-audit.log");
    let (code, doc, all) = access_report(
        home.path(),
        &[
            "--k8s-audit-log",
            kube_log.to_str().unwrap(),
            "--vault-audit-log",
            vault_log.to_str().unwrap(),
            "--audit-policy",
            policy.to_str().unwrap(),
        ],
    );
    assert_text_shows_none("audit access", &all, &[K8S_VALUE, VAULT_VALUE]);
    // The apiserver's own informers list Secrets: the control plane, told
    // apart, and the only subject the test did not make.
    let (control, access): (Vec<&Value>, Vec<&Value>) = doc["access"]
        .as_array()
        .unwrap()
        .iter()
        .partition(|r| r["kind"] == "control-plane");
    assert!(
        control.iter().all(|r| r["subject"] == "system:apiserver"),
        "{control:?}"
    );
    let rows: Vec<(String, String, String, u64, u64)> = access
        .iter()
        .map(|r| {
            let verbs: Vec<&str> = r["verbs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let subject = r["subject"].as_str().unwrap();
            // A token without a name is told apart by its accessor's HMAC.
            let subject = match subject.split_once(" (accessor ") {
                Some((name, _)) => format!("{name} (accessor …)"),
                None => subject.to_string(),
            };
            (
                r["target"].as_str().unwrap().to_string(),
                subject,
                verbs.join(","),
                r["count"].as_u64().unwrap(),
                r["denied"].as_u64().unwrap(),
            )
        })
        .collect();
    let row = |t: &str, s: &str, v: &str, n: u64, d: u64| {
        (t.to_string(), s.to_string(), v.to_string(), n, d)
    };
    let sa = "system:serviceaccount:team-a:app";
    assert_eq!(
        rows,
        vec![
            row("Secret team-a/db", "admin", "get", 2, 0),
            row("Secret team-a/db", "alice", "get", 0, 6),
            row("Secret team-a/db", sa, "get", 1, 0),
            row("all Secrets in team-a", sa, "list", 0, 1),
            row("all Secrets, all namespaces", "admin", "list", 1, 0),
            row(
                "vault:secret/data/prod/db",
                "ServiceAccount team-a/app (role app)",
                "read",
                2,
                0
            ),
            row("vault:secret/data/prod/db", "root token", "read", 1, 0),
            row(
                "vault:secret/data/prod/db",
                "token (accessor …)",
                "read",
                0,
                5
            ),
        ],
        "{all}"
    );
    let kinds: Vec<&str> = access.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "human",
            "human",
            "service-account",
            "service-account",
            "human",
            "service-account",
            "root",
            "human"
        ]
    );
    // Every time inside the test's window (to the second).
    let second = |t: std::time::SystemTime| humantime::format_rfc3339_seconds(t).to_string();
    let (from, to) = (
        second(started),
        second(ended + std::time::Duration::from_secs(1)),
    );
    for r in doc["access"].as_array().unwrap() {
        for at in [&r["first"], &r["last"]] {
            let at = at.as_str().unwrap();
            assert!(
                from.as_str() <= at && at <= to.as_str(),
                "{at} outside {from}..{to}"
            );
        }
    }
    // admin listed every Secret; alice and the Vault token probed. The
    // safe policy raises nothing, and no body is in the log.
    assert_eq!(
        ids(&doc),
        ["KV-ACC-001", "KV-ACC-003", "KV-ACC-003"],
        "{all}"
    );
    assert_eq!(code, 1, "a high finding fails --fail-on high");

    // Honeytokens: a canary marked as one in Vault, and the Kubernetes
    // Secret the service account may read; any other reader is an alarm.
    bao.kvault()
        .args([
            "canary",
            "create",
            "--source",
            "vault:secret/honey",
            "--honeytoken",
        ])
        .assert()
        .success();
    let meta = bao.must(&["kv", "metadata", "get", "-format=json", "secret/honey"]);
    let meta: Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(
        meta["data"]["custom_metadata"]["kvault.dev/honeytoken"],
        "true"
    );
    bao.must(&["kv", "get", "secret/honey"]);
    let (_, doc, all) = access_report(
        home.path(),
        &[
            "--k8s-audit-log",
            kube_log.to_str().unwrap(),
            "--vault-audit-log",
            vault_log.to_str().unwrap(),
            "--honeytoken",
            "vault:secret/honey",
            "--honeytoken",
            "k8s:team-a/db",
            "--allow-reader",
            sa,
        ],
    );
    let alarms: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "KV-ACC-007")
        .map(|f| f["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        alarms,
        [
            "honeytoken k8s:team-a/db was read by admin (human)",
            "honeytoken k8s:team-a/db was read by admin (human)",
            "honeytoken vault:secret/honey was read by root token (root)",
        ],
        "admin's get and cluster-wide list, root's read; not the allowed account, not alice's refused gets: {all}"
    );
}

#[test]
fn a_policy_that_logs_secret_bodies_is_caught_offline_and_in_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let (kube, policy, log) = KubeCluster::start_audited(dir.path(), LEAKY_POLICY);
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(K8S_VALUE);
    created(
        &kube,
        "/api/v1/namespaces/default/secrets",
        &format!(
            r#"{{"apiVersion":"v1","kind":"Secret","metadata":{{"name":"leaky"}},"data":{{"password":"{encoded}"}}}}"#
        ),
    );
    assert_eq!(
        kube.api(
            "admin",
            "GET",
            "/api/v1/namespaces/default/secrets/leaky",
            None
        )
        .0,
        200
    );
    // The log does hold the value: what KV-LOG-003 warns about.
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains(&encoded),
        "the RequestResponse log holds the Secret"
    );

    let (_, offline, all) =
        access_report(home.path(), &["--audit-policy", policy.to_str().unwrap()]);
    assert_eq!(ids(&offline), ["KV-LOG-001"], "{all}");
    let (code, live, all) = access_report(
        home.path(),
        &[
            "--k8s-audit-log",
            log.to_str().unwrap(),
            "--audit-policy",
            policy.to_str().unwrap(),
        ],
    );
    assert_text_shows_none("audit access on a leaking log", &all, &[K8S_VALUE]);
    assert_eq!(ids(&live), ["KV-LOG-001", "KV-LOG-003"], "{all}");
    let leak = live["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "KV-LOG-003")
        .unwrap();
    assert!(
        leak["objects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "leaky" && o["namespace"] == "default"),
        "{leak}"
    );
    assert_eq!(code, 1);
}
