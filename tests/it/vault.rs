//! The Vault/OpenBao backend against a real OpenBao dev server.

use crate::harness::{record, text, OpenBao, Run};
use predicates::prelude::*;
use std::time::{Duration, Instant};

/// A server with a KV v2 mount at `secret/` (the dev default) and a KV v1
/// mount at `kv1/`.
fn server() -> OpenBao {
    let bao = OpenBao::start();
    bao.must(&["secrets", "enable", "-path=kv1", "-version=1", "kv"]);
    bao
}

#[test]
fn put_then_get_round_trips_on_kv_v2_with_versions() {
    let bao = server();
    bao.kvault()
        .args(["put", "vault:secret/app/db", "user=app", "password=-"])
        .write_stdin("pw-one\n")
        .assert()
        .success();
    bao.run(&["put", "vault:secret/app/db", "user=app", "password=pw-two"])
        .success();
    bao.run(&["get", "vault:secret/app/db#password"])
        .success()
        .stdout("pw-two");
    bao.run(&["get", "vault:secret/app/db#password#1"])
        .success()
        .stdout("pw-one");
    // What bao itself sees: kvault wrote ordinary KV v2 data.
    assert_eq!(
        bao.must(&["kv", "get", "-field=password", "secret/app/db"]),
        "pw-two"
    );
    let history = bao
        .kvault()
        .run(&["history", "vault:secret/app/db", "-o", "json"])
        .success()
        .get_output()
        .stdout
        .clone();
    let versions: serde_json::Value = serde_json::from_slice(&history).unwrap();
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(versions[1]["current"], true);
}

#[test]
fn the_bank_vaults_data_form_reads_the_same_secret() {
    let bao = server();
    bao.must(&["kv", "put", "secret/app", "token=t-123"]);
    bao.run(&["get", "vault:secret/data/app#token"])
        .success()
        .stdout("t-123");
}

#[test]
fn kv_v1_mounts_are_detected_and_keep_no_history() {
    let bao = server();
    bao.run(&["put", "vault:kv1/app", "k=v1-value"]).success();
    assert_eq!(bao.must(&["kv", "get", "-field=k", "kv1/app"]), "v1-value");
    bao.run(&["get", "vault:kv1/app#k"])
        .success()
        .stdout("v1-value");
    bao.run(&["history", "vault:kv1/app"])
        .code(2)
        .stderr(predicate::str::contains("keeps no history"));
}

#[test]
fn list_shows_secrets_and_folders() {
    let bao = server();
    bao.must(&["kv", "put", "secret/team/a", "k=1"]);
    bao.must(&["kv", "put", "secret/team/sub/b", "k=1"]);
    bao.run(&["ls", "vault:secret/team"])
        .success()
        .stdout("a\nsub/\n");
}

#[test]
fn a_missing_path_or_key_is_a_no_answer_naming_it() {
    let bao = server();
    bao.must(&["kv", "put", "secret/app", "a=1"]);
    bao.run(&["get", "vault:secret/nothing#a"])
        .code(1)
        .stderr(predicate::str::contains("`secret/nothing` not found"));
    bao.run(&["get", "vault:secret/app#b"])
        .code(1)
        .stderr(predicate::str::contains("key `b` not found"));
}

#[test]
fn a_token_whose_policy_denies_the_path_gets_permission_denied() {
    let bao = server();
    bao.must(&["kv", "put", "secret/other", "a=1"]);
    bao.policy("narrow", "secret/data/allowed/*", &["read"]);
    let token = bao.new_token("-policy=narrow");
    bao.kvault()
        .env("VAULT_TOKEN", &token)
        .run(&["get", "vault:secret/other#a"])
        .code(2)
        .stderr(predicate::str::contains(
            "permission denied on `secret/other`",
        ));
}

#[test]
fn a_sealed_server_is_an_error_that_says_so() {
    let bao = server();
    bao.must(&["kv", "put", "secret/app", "a=1"]);
    bao.must(&["operator", "seal"]);
    let start = Instant::now();
    bao.run(&["get", "vault:secret/app#a"])
        .code(2)
        .stderr(predicate::str::contains("sealed"));
    assert!(start.elapsed() < Duration::from_secs(20), "bounded retries");
    record(
        "fault",
        "OpenBao sealed",
        "exit 2, says sealed, bounded time",
    );
}

#[test]
fn a_stopped_server_is_an_unavailable_error_not_a_hang() {
    let mut bao = server();
    bao.stop();
    let start = Instant::now();
    let out = bao
        .kvault()
        .run(&["get", "vault:secret/app#a"])
        .code(2)
        .get_output()
        .clone();
    let err = text(&out.stderr);
    assert!(
        err.contains("unavailable") && err.contains(&bao.addr),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(start.elapsed() < Duration::from_secs(20));
    record(
        "fault",
        "OpenBao stopped",
        "exit 2, one line naming the address",
    );
}

#[test]
fn check_and_set_refuses_a_stale_version() {
    let bao = server();
    bao.must(&["kv", "put", "secret/app", "a=1"]);
    bao.must(&["kv", "put", "secret/app", "a=2"]);
    bao.run(&["put", "vault:secret/app", "a=3", "--cas", "1"])
        .code(2)
        .stderr(predicate::str::contains("check-and-set conflict"));
    bao.run(&["put", "vault:secret/app", "a=3", "--cas", "2"])
        .success();
    bao.run(&["put", "vault:secret/new", "a=1", "--create-only"])
        .success();
    bao.run(&["put", "vault:secret/new", "a=2", "--create-only"])
        .code(2)
        .stderr(predicate::str::contains("check-and-set conflict"));
    assert_eq!(bao.must(&["kv", "get", "-field=a", "secret/app"]), "3");
    record(
        "fault",
        "check-and-set conflict (stale --cas, --create-only on existing)",
        "exit 2, nothing overwritten",
    );
}

#[test]
fn approle_login_works_without_a_token() {
    let bao = server();
    bao.must(&["kv", "put", "secret/app", "a=approle-ok"]);
    bao.policy("reader", "secret/data/*", &["read"]);
    let (role_id, secret_id) = bao.approle(&["token_policies=reader"]);
    bao.kvault()
        .env_remove("VAULT_TOKEN")
        .env("VAULT_ROLE_ID", &role_id)
        .env("VAULT_SECRET_ID", &secret_id)
        .run(&["get", "vault:secret/app#a"])
        .success()
        .stdout("approle-ok");
}

#[test]
fn no_credentials_at_all_is_a_clear_configuration_error() {
    let bao = server();
    // A home of its own: the dev server wrote its root token to its home's ~/.vault-token.
    let home = tempfile::tempdir().unwrap();
    crate::harness::kvault_clean(home.path())
        .env("VAULT_ADDR", &bao.addr)
        .run(&["get", "vault:secret/app#a"])
        .code(2)
        .stderr(
            predicate::str::contains("no Vault credentials")
                .and(predicate::str::contains("help: set VAULT_TOKEN")),
        );
}

#[test]
fn tls_is_verified_against_vault_cacert_and_skip_verify_warns() {
    let bao = OpenBao::start_tls();
    bao.must(&["kv", "put", "secret/app", "a=over-tls"]);
    bao.kvault()
        .env("VAULT_CACERT", bao.ca_cert())
        .run(&["get", "vault:secret/app#a"])
        .success()
        .stdout("over-tls");
    // Without the CA the server's certificate is not trusted: an error, not a silent downgrade.
    bao.run(&["get", "vault:secret/app#a"]).code(2).stdout("");
    bao.kvault()
        .env("VAULT_SKIP_VERIFY", "true")
        .run(&["get", "vault:secret/app#a"])
        .success()
        .stdout("over-tls")
        .stderr(
            predicate::str::contains("TLS verification").and(predicate::str::contains("is off")),
        );
}

#[test]
fn namespaces_scope_every_request() {
    let bao = server();
    bao.must(&["namespace", "create", "team1"]);
    bao.must(&[
        "secrets",
        "enable",
        "-ns=team1",
        "-path=secret",
        "-version=2",
        "kv",
    ]);
    bao.must(&["kv", "put", "-ns=team1", "secret/app", "a=in-team1"]);
    bao.kvault()
        .env("VAULT_NAMESPACE", "team1")
        .run(&["get", "vault:secret/app#a"])
        .success()
        .stdout("in-team1");
    bao.run(&["--vault-namespace", "team1", "get", "vault:secret/app#a"])
        .success()
        .stdout("in-team1");
    bao.run(&["get", "vault:secret/app#a"]).code(1);
}

#[test]
fn vault_capath_and_vault_tls_server_name_are_honoured() {
    let bao = OpenBao::start_tls();
    bao.must(&["kv", "put", "secret/app", "a=over-tls"]);
    let cas = tempfile::tempdir().unwrap();
    std::fs::copy(bao.ca_cert(), cas.path().join("openbao-ca.pem")).unwrap();
    std::fs::write(cas.path().join("README"), "not a certificate").unwrap();
    bao.kvault()
        .env("VAULT_CAPATH", cas.path())
        .run(&["get", "vault:secret/app#a"])
        .success()
        .stdout("over-tls");
    // The dev certificate names localhost: checked against that name, the
    // connection still goes to the address's host.
    bao.kvault()
        .env("VAULT_CACERT", bao.ca_cert())
        .env("VAULT_TLS_SERVER_NAME", "localhost")
        .run(&["get", "vault:secret/app#a"])
        .success()
        .stdout("over-tls");
    bao.kvault()
        .env("VAULT_CACERT", bao.ca_cert())
        .env("VAULT_TLS_SERVER_NAME", "not-the-server.example")
        .run(&["get", "vault:secret/app#a"])
        .code(2)
        .stdout("");
    let empty = tempfile::tempdir().unwrap();
    bao.kvault()
        .env("VAULT_CAPATH", empty.path())
        .run(&["get", "vault:secret/app#a"])
        .code(2)
        .stderr(predicate::str::contains("holds no PEM certificate"));
    bao.kvault()
        .env("VAULT_CLIENT_CERT", bao.ca_cert())
        .run(&["get", "vault:secret/app#a"])
        .code(2)
        .stderr(predicate::str::contains("VAULT_CLIENT_KEY"));
}

#[test]
fn a_token_helper_in_the_cli_configuration_supplies_the_token() {
    let bao = server();
    bao.must(&["kv", "put", "secret/app", "a=via-helper"]);
    let home = tempfile::tempdir().unwrap();
    let helper = home.path().join("helper.sh");
    std::fs::write(
        &helper,
        format!("#!/bin/sh\n[ \"$1\" = get ] && echo {}\n", bao.token),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(
        home.path().join(".vault"),
        format!("token_helper = \"{}\"\n", helper.display()),
    )
    .unwrap();
    // ~/.vault-token is not used when a helper is configured.
    std::fs::write(home.path().join(".vault-token"), "not-this-one").unwrap();
    crate::harness::kvault_clean(home.path())
        .env("VAULT_ADDR", &bao.addr)
        .run(&["get", "vault:secret/app#a"])
        .success()
        .stdout("via-helper");
    std::fs::write(&helper, "#!/bin/sh\nexit 3\n").unwrap();
    crate::harness::kvault_clean(home.path())
        .env("VAULT_ADDR", &bao.addr)
        .run(&["get", "vault:secret/app#a"])
        .code(2)
        .stderr(predicate::str::contains("token helper"));
}

#[test]
fn ls_of_a_path_that_does_not_exist_exits_1_and_an_empty_mount_exits_0() {
    let bao = server();
    bao.run(&["ls", "vault:secret/"]).success().stdout("");
    bao.run(&["ls", "vault:secret/no/such/folder"])
        .code(1)
        .stderr(predicate::str::contains("not found"));
    bao.must(&["kv", "put", "secret/app/db", "a=1"]);
    bao.run(&["ls", "vault:secret/app"])
        .success()
        .stdout("db\n");
    let home = tempfile::tempdir().unwrap();
    crate::harness::kvault_clean(home.path())
        .run(&["ls", "local:nothing/here"])
        .code(1);
}
