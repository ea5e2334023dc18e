//! The `k8s:` store against a real kube-apiserver, and Kubernetes auth to
//! OpenBao end to end (the way `kvault exec` runs as a pod's entrypoint).

use crate::harness::{record, text, KubeCluster, OpenBao, Run};
use predicates::prelude::*;

#[test]
fn the_k8s_store_reads_writes_lists_and_checks_versions() {
    let (cluster, ns) = KubeCluster::shared("k8s-store");
    let home = tempfile::tempdir().unwrap();
    let kv = |user: &str| cluster.kvault(home.path(), user);

    kv("admin")
        .args(["put", &format!("k8s:{ns}/app-db"), "user=app", "pass=-"])
        .write_stdin("k8s-pass-1")
        .assert()
        .success();
    kv("admin")
        .run(&["get", &format!("k8s:{ns}/app-db#pass")])
        .success()
        .stdout("k8s-pass-1");
    kv("admin")
        .run(&[
            "put",
            &format!("k8s:{ns}/app-db"),
            "pass=k8s-pass-2",
            "--merge",
        ])
        .success();
    kv("admin")
        .run(&["get", &format!("k8s:{ns}/app-db#user")])
        .success()
        .stdout("app");

    // Server-side apply, field manager `kvault`, managed-by label, version annotation.
    let (code, body) = cluster.api(
        "admin",
        "GET",
        &format!("/api/v1/namespaces/{ns}/secrets/app-db"),
        None,
    );
    assert_eq!(code, 200);
    let secret: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        secret["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "kvault"
    );
    assert_eq!(secret["metadata"]["annotations"]["kvault.dev/version"], "2");
    let managers: Vec<&str> = secret["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert_eq!(managers, vec!["kvault"]);
    assert_eq!(secret["metadata"]["managedFields"][0]["operation"], "Apply");

    // Check-and-set against kvault's version counter.
    kv("admin")
        .run(&["put", &format!("k8s:{ns}/app-db"), "pass=x", "--cas", "1"])
        .code(2)
        .stderr(predicate::str::contains("check-and-set conflict"));
    kv("admin")
        .run(&[
            "put",
            &format!("k8s:{ns}/app-db"),
            "pass=x",
            "--create-only",
        ])
        .code(2);
    kv("admin")
        .run(&[
            "put",
            &format!("k8s:{ns}/app-db"),
            "user=app",
            "pass=k8s-pass-3",
            "--cas",
            "2",
        ])
        .success();

    kv("admin")
        .run(&["ls", &format!("k8s:{ns}")])
        .success()
        .stdout(predicate::str::contains("app-db\n"));
    kv("admin")
        .run(&["ls", "k8s:"])
        .success()
        .stdout(predicate::str::contains(format!("{ns}/\n")));
    kv("admin")
        .run(&["history", &format!("k8s:{ns}/app-db"), "-o", "json"])
        .success()
        .stdout(predicate::str::contains("\"version\": 3"));
    kv("admin")
        .run(&["get", &format!("k8s:{ns}/nothing#x")])
        .code(1)
        .stderr(predicate::str::contains(format!(
            "`{ns}/nothing` not found"
        )));
    // alice has no rights: a 403 is "permission denied", exit 2, no value shown.
    kv("alice")
        .run(&["get", &format!("k8s:{ns}/app-db#pass")])
        .code(2)
        .stderr(
            predicate::str::contains("permission denied")
                .and(predicate::str::contains("k8s-pass").not()),
        );
    // References to Kubernetes Secrets work in exec too.
    kv("admin")
        .env("P", format!("k8s:{ns}/app-db#pass"))
        .run(&["exec", "--", "sh", "-c", "echo $P"])
        .success()
        .stdout("k8s-pass-3\n");
}

#[test]
fn a_stopped_apiserver_is_an_unavailable_error() {
    let cluster = KubeCluster::start("none");
    let home = tempfile::tempdir().unwrap();
    let kubeconfig = home.path().join("kubeconfig");
    std::fs::copy(cluster.kubeconfig("admin"), &kubeconfig).unwrap();
    drop(cluster);
    crate::harness::kvault_clean(home.path())
        .env("KUBECONFIG", &kubeconfig)
        .args(["get", "k8s:default/x#y"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("kubernetes is unavailable"));
    record(
        "fault",
        "kube-apiserver stopped",
        "exit 2, says unavailable",
    );
}

/// The apiserver answering 409 (here: a create over an existing Secret,
/// which `--create-only` sends without reading first, so the conflict comes
/// from the server itself): one line naming the Secret and the 409, exit 2,
/// and the Secret as it was.
#[test]
fn an_apiserver_conflict_is_one_line_and_changes_nothing() {
    let (cluster, ns) = KubeCluster::shared("k8s-conflict");
    let home = tempfile::tempdir().unwrap();
    let kv = || cluster.kvault(home.path(), "admin");
    kv().args(["put", &format!("k8s:{ns}/app"), "pass=kube-409-first"])
        .assert()
        .success();
    let out = kv().output_of(&[
        "put",
        &format!("k8s:{ns}/app"),
        "pass=kube-409-second",
        "--create-only",
        "-vvv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let error: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(error.len(), 1, "{stderr}");
    assert!(
        error[0].contains(&format!("{ns}/app")) && error[0].contains("409"),
        "{stderr}"
    );
    assert!(!stderr.contains("kube-409-"), "{stderr}");
    kv().args(["get", &format!("k8s:{ns}/app#pass")])
        .assert()
        .success()
        .stdout("kube-409-first");
    record(
        "fault",
        "kube-apiserver answers 409 Conflict",
        "exit 2, one line naming the Secret, nothing changed",
    );
}

/// OpenBao's kubernetes auth method checks a service-account token with the
/// test apiserver's TokenReview; kvault logs in with a token from the
/// TokenRequest API and resolves references, as a pod's entrypoint would.
#[test]
fn kubernetes_auth_end_to_end() {
    let cluster = KubeCluster::start("none");
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/app", "pass=from-k8s-auth"]);
    bao.policy("app-read", "secret/data/app", &["read"]);
    bao.must(&["auth", "enable", "kubernetes"]);
    bao.must(&[
        "write",
        "auth/kubernetes/config",
        &format!("kubernetes_host={}", cluster.var("KVAULT_TEST_KUBE_SERVER")),
        &format!("kubernetes_ca_cert=@{}", cluster.var("KVAULT_TEST_KUBE_CA")),
        &format!("token_reviewer_jwt={}", cluster.token("admin")),
    ]);
    bao.must(&[
        "write",
        "auth/kubernetes/role/app",
        "bound_service_account_names=default",
        "bound_service_account_namespaces=default",
        "token_policies=app-read",
    ]);
    let jwt = cluster.service_account_token("default", "default", r#"{"expirationSeconds":600}"#);
    let jwt_file = bao.home.path().join("sa-token");
    std::fs::write(&jwt_file, &jwt).unwrap();

    let home = tempfile::tempdir().unwrap();
    let out = crate::harness::kvault_clean(home.path())
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_ROLE", "app")
        .env("VAULT_JWT_FILE", &jwt_file)
        .env("DB_PASS", "vault:secret/app#pass")
        .run(&["exec", "--", "sh", "-c", "echo \"$DB_PASS\""])
        .success()
        .get_output()
        .clone();
    assert_eq!(text(&out.stdout), "from-k8s-auth\n");

    // JWT auth: OpenBao checks the same token's signature with the cluster's
    // service-account public key, no TokenReview involved.
    bao.must(&["auth", "enable", "jwt"]);
    let sa_pub = format!("{}/pki/sa.pub", cluster.var("KVAULT_TEST_KUBE_DIR"));
    bao.must(&[
        "write",
        "auth/jwt/config",
        &format!("jwt_validation_pubkeys=@{sa_pub}"),
    ]);
    bao.must(&[
        "write",
        "auth/jwt/role/app",
        "role_type=jwt",
        "user_claim=sub",
        "bound_audiences=https://kubernetes.default.svc.cluster.local",
        "token_policies=app-read",
    ]);
    crate::harness::kvault_clean(home.path())
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_AUTH_METHOD", "jwt")
        .env("VAULT_ROLE", "app")
        .env("VAULT_JWT_FILE", &jwt_file)
        .env("DB_PASS", "vault:secret/app#pass")
        .run(&["exec", "--", "sh", "-c", "echo \"$DB_PASS\""])
        .success()
        .stdout("from-k8s-auth\n");

    // A role the service account is not bound to is refused by OpenBao.
    bao.must(&[
        "write",
        "auth/kubernetes/role/other",
        "bound_service_account_names=nobody",
        "bound_service_account_namespaces=default",
        "token_policies=app-read",
    ]);
    crate::harness::kvault_clean(home.path())
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_ROLE", "other")
        .env("VAULT_JWT_FILE", &jwt_file)
        .env("DB_PASS", "vault:secret/app#pass")
        .run(&["exec", "--", "true"])
        .code(2)
        .stderr(predicate::str::contains("auth/kubernetes/login"));
}

#[test]
fn kubeconfig_lists_are_merged_as_kubectl_merges_them_and_n_sets_the_namespace() {
    let (cluster, ns) = KubeCluster::shared("kubeconfig");
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("missing-kubeconfig");
    let list = |files: &[&str]| {
        std::env::join_paths(files.iter().map(std::path::PathBuf::from))
            .unwrap()
            .into_string()
            .unwrap()
    };
    let admin = cluster.kubeconfig("admin").to_string();
    let alice = cluster.kubeconfig("alice").to_string();
    crate::harness::kvault_clean(home.path())
        .env("KUBECONFIG", list(&[missing.to_str().unwrap(), &admin]))
        .run(&["put", &format!("k8s:{ns}/merged"), "a=1"])
        .success();
    // The first file wins: alice's context, with her (fewer) rights.
    crate::harness::kvault_clean(home.path())
        .env("KUBECONFIG", list(&[&alice, &admin]))
        .run(&["put", &format!("k8s:{ns}/merged"), "a=1"])
        .code(2)
        .stderr(predicate::str::contains("permission denied"));
    crate::harness::kvault_clean(home.path())
        .env("KUBECONFIG", list(&[&admin, &alice]))
        .run(&["put", &format!("k8s:{ns}/merged"), "a=1"])
        .success();
    // -n: the namespace of references that name none.
    crate::harness::kvault_clean(home.path())
        .env("KUBECONFIG", &admin)
        .run(&["-n", &ns.to_string(), "get", "k8s:merged#a"])
        .success()
        .stdout("1");
    crate::harness::kvault_clean(home.path())
        .env("KUBECONFIG", list(&[missing.to_str().unwrap()]))
        .run(&["get", "k8s:merged#a"])
        .code(2);
    record(
        "bad input",
        "KUBECONFIG=a:b",
        "merged as kubectl does (first wins, missing files skipped)",
    );
}
