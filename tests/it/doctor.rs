//! `kvault doctor` and `kvault whoami`: what kvault would use, whether it
//! works, and the fix for what does not; never a credential in the output.

use crate::harness::{kvault_clean, text, KubeCluster, OpenBao, Run};
use serde_json::Value;

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out.stdout)))
}

fn check<'a>(report: &'a Value, store: &str, name: &str) -> &'a Value {
    report
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["store"] == store && c["check"] == name)
        .unwrap_or_else(|| panic!("no {store}/{name} check in {report}"))
}

#[test]
fn doctor_reports_a_healthy_openbao_and_names_what_the_token_is() {
    let bao = OpenBao::start();
    let out = bao.kvault().output_of(&["doctor", "vault", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = json(&out);
    assert_eq!(check(&report, "vault", "server")["state"], "ok");
    assert!(check(&report, "vault", "server")["detail"]
        .as_str()
        .unwrap()
        .contains("unsealed"));
    assert_eq!(
        check(&report, "vault", "credential")["detail"],
        "token from VAULT_TOKEN"
    );
    let token = check(&report, "vault", "token")["detail"].as_str().unwrap();
    assert!(token.contains("policies [root]"), "{token}");
    assert!(token.contains("never expires"), "{token}");
    let mounts = check(&report, "vault", "kv mounts")["detail"]
        .as_str()
        .unwrap();
    assert!(mounts.contains("secret/ (kv v2)"), "{mounts}");
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(&bao.token), "the token was printed");
}

#[test]
fn doctor_warns_of_a_short_lived_token_and_fails_a_revoked_one_with_the_fix() {
    let bao = OpenBao::start();
    bao.policy("reader", "secret/data/app/*", &["read"]);
    let short = bao
        .must(&[
            "token",
            "create",
            "-policy=reader",
            "-ttl=10m",
            "-field=token",
        ])
        .trim()
        .to_string();
    let out = bao
        .kvault()
        .env("VAULT_TOKEN", &short)
        .output_of(&["doctor", "vault", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = json(&out);
    let token = check(&report, "vault", "token");
    assert_eq!(token["state"], "warn", "{token}");
    assert!(token["detail"].as_str().unwrap().contains("reader"));
    assert!(token["fix"].as_str().unwrap().contains("renew"));
    bao.must(&["token", "revoke", &short]);
    let out = bao
        .kvault()
        .env("VAULT_TOKEN", &short)
        .output_of(&["doctor", "vault", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = json(&out);
    let token = check(&report, "vault", "token");
    assert_eq!(token["state"], "fail");
    assert!(token["fix"].as_str().unwrap().contains("log in again"));
    assert!(!text(&out.stdout).contains(&short));
}

#[test]
fn doctor_says_a_sealed_or_unreachable_server_and_what_to_do() {
    let bao = OpenBao::start();
    bao.must(&["operator", "seal"]);
    let out = bao.kvault().args(["doctor", "vault"]).output().unwrap();
    let table = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{table}");
    assert!(table.contains("sealed"), "{table}");
    assert!(table.contains("fix: unseal it"), "{table}");
    // Plain off a terminal: one line per check, no box drawing.
    assert!(!table.contains('│') && !table.contains('─'), "{table}");
    let home = tempfile::tempdir().unwrap();
    let port = crate::harness::free_port();
    let out = kvault_clean(home.path())
        .env("VAULT_ADDR", format!("http://127.0.0.1:{port}"))
        .env("VAULT_TOKEN", "hvs.not-a-real-token-0123456789")
        .output_of(&["doctor", "vault", "--no-headers"]);
    let table = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{table}");
    assert!(table.starts_with("vault"), "{table}");
    assert!(table.contains(&port.to_string()), "{table}");
    assert!(table.contains("fix: check VAULT_ADDR"), "{table}");
    assert!(!table.contains("hvs.not-a-real"), "{table}");
}

#[test]
fn doctor_and_whoami_on_kubernetes_say_who_and_what_they_may_do_with_secrets() {
    let (cluster, _) = KubeCluster::shared("doctor");
    let home = tempfile::tempdir().unwrap();
    let out = cluster
        .kvault(home.path(), "admin")
        .output_of(&["doctor", "k8s", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = json(&out);
    assert!(check(&report, "kubernetes", "server")["detail"]
        .as_str()
        .unwrap()
        .contains("v1."));
    assert!(check(&report, "kubernetes", "identity")["detail"]
        .as_str()
        .unwrap()
        .starts_with("admin"));
    assert_eq!(check(&report, "kubernetes", "secrets")["state"], "ok");
    // alice has no RBAC at all: reading Secrets fails, with the fix.
    let out = cluster
        .kvault(home.path(), "alice")
        .output_of(&["-n", "shop", "doctor", "k8s", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = json(&out);
    let secrets = check(&report, "kubernetes", "secrets");
    assert_eq!(secrets["state"], "fail", "{secrets}");
    assert!(secrets["detail"]
        .as_str()
        .unwrap()
        .contains("namespace shop"));
    assert!(secrets["fix"].as_str().unwrap().contains("Role in shop"));
    let out = cluster
        .kvault(home.path(), "carol")
        .output_of(&["whoami", "k8s", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let who = json(&out);
    assert_eq!(who[0]["name"], "carol");
    assert!(who[0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g == "dev-team"));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(cluster.token("carol")));
}

#[test]
fn whoami_on_openbao_names_the_token_and_its_policies() {
    let bao = OpenBao::start();
    bao.policy("reader", "secret/data/app/*", &["read"]);
    let token = bao
        .must(&[
            "token",
            "create",
            "-policy=reader",
            "-display-name=ci",
            "-field=token",
        ])
        .trim()
        .to_string();
    let out = bao
        .kvault()
        .env("VAULT_TOKEN", &token)
        .output_of(&["whoami"]);
    let table = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(table.contains("token-ci"), "{table}");
    assert!(table.contains("reader"), "{table}");
    assert!(!table.contains(&token));
}

#[test]
fn doctor_names_a_local_store_whose_key_is_missing() {
    let home = tempfile::tempdir().unwrap();
    kvault_clean(home.path())
        .run(&["put", "local:app", "a=1"])
        .success();
    let out = kvault_clean(home.path()).output_of(&["doctor", "local", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let report = json(&out);
    assert!(check(&report, "local", "key")["detail"]
        .as_str()
        .unwrap()
        .contains("recipient sha256:"));
    std::fs::remove_file(home.path().join("kvault-store/key.txt")).unwrap();
    let out = kvault_clean(home.path()).output_of(&["doctor", "local", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let key = json(&out);
    let key = check(&key, "local", "key");
    assert_eq!(key["state"], "fail");
    assert!(key["fix"].as_str().unwrap().contains("restore the key"));
}
