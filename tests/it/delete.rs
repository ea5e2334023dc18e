//! `kvault delete` against a real OpenBao (KV v2 and v1), the Kubernetes
//! test cluster and the local store: what goes, what stays, what it says.

use crate::harness::{kvault_clean, messages, run_showing_none, text, KubeCluster, OpenBao, Run};
use std::path::Path;

const VALUES: &[&str] = &[
    "DelCanary-7f1/8+q=",
    "DelCanary-b03/2+z=",
    "DelCanary-c55/0+w=",
];

fn server() -> OpenBao {
    let bao = OpenBao::start();
    bao.must(&["secrets", "enable", "-path=kv1", "-version=1", "kv"]);
    bao
}

/// Three versions of `secret/app/db`, each with `user` and a canary password.
fn three_versions(bao: &OpenBao) {
    for v in VALUES {
        bao.must(&[
            "kv",
            "put",
            "secret/app/db",
            "user=app",
            &format!("password={v}"),
        ]);
    }
}

/// The states of the versions of `path` as `bao kv metadata get` shows them:
/// (version, deleted, destroyed).
fn states(bao: &OpenBao, path: &str) -> Vec<(u64, bool, bool)> {
    let json = bao.must(&["kv", "metadata", "get", "-format=json", path]);
    let meta: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut out: Vec<(u64, bool, bool)> = meta["data"]["versions"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(v, m)| {
            (
                v.parse().unwrap(),
                !m["deletion_time"].as_str().unwrap_or("").is_empty(),
                m["destroyed"].as_bool().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", text(&out.stderr));
    messages(out)
}

fn code(out: &std::process::Output) -> i32 {
    out.status.code().expect("exited")
}

#[test]
fn delete_soft_deletes_the_latest_kv_v2_version_and_says_which() {
    let bao = server();
    three_versions(&bao);
    let out = run_showing_none(
        VALUES,
        bao.kvault()
            .args(["delete", "vault:secret/app/db", "--yes"]),
    );
    assert_eq!(ok(&out), "deleted vault:secret/app/db (version 3)\n");
    assert_eq!(
        states(&bao, "secret/app/db"),
        [(1, false, false), (2, false, false), (3, true, false)]
    );
    // Recoverable, as `bao kv delete` is.
    bao.must(&["kv", "undelete", "-versions=3", "secret/app/db"]);
    assert_eq!(
        bao.must(&["kv", "get", "-field=password", "secret/app/db"]),
        VALUES[2]
    );
}

#[test]
fn delete_versions_soft_deletes_those_and_destroy_removes_them_for_good() {
    let bao = server();
    three_versions(&bao);
    let out = run_showing_none(
        VALUES,
        bao.kvault()
            .args(["delete", "vault:secret/app/db", "--versions", "1,2", "-y"]),
    );
    assert_eq!(ok(&out), "deleted vault:secret/app/db (versions 1, 2)\n");
    assert_eq!(
        states(&bao, "secret/app/db"),
        [(1, true, false), (2, true, false), (3, false, false)]
    );

    let out = run_showing_none(
        VALUES,
        bao.kvault().args([
            "delete",
            "vault:secret/app/db",
            "--destroy",
            "--versions",
            "1",
            "-y",
        ]),
    );
    assert_eq!(ok(&out), "destroyed vault:secret/app/db (version 1)\n");
    // Without --versions, --destroy takes the latest.
    let out = run_showing_none(
        VALUES,
        bao.kvault()
            .args(["delete", "vault:secret/app/db", "--destroy", "-y"]),
    );
    assert_eq!(ok(&out), "destroyed vault:secret/app/db (version 3)\n");
    assert_eq!(
        states(&bao, "secret/app/db"),
        [(1, true, true), (2, true, false), (3, false, true)]
    );
    // kvault's own history says the same.
    let out = bao.kvault().output_of(&["history", "vault:secret/app/db"]);
    let table = text(&out.stdout);
    assert_eq!(table.matches("destroyed").count(), 2, "{table}");
}

#[test]
fn delete_all_versions_removes_the_metadata_as_bao_kv_metadata_delete_does() {
    let bao = server();
    three_versions(&bao);
    let out = run_showing_none(
        VALUES,
        bao.kvault()
            .args(["delete", "vault:secret/app/db", "--all-versions", "-y"]),
    );
    assert_eq!(
        ok(&out),
        "deleted vault:secret/app/db (all versions and metadata)\n"
    );
    assert!(!bao
        .bao(&["kv", "metadata", "get", "secret/app/db"])
        .status
        .success());
    let out = bao.kvault().output_of(&["history", "vault:secret/app/db"]);
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
}

#[test]
fn deleting_what_does_not_exist_exits_1_naming_it() {
    let bao = server();
    three_versions(&bao);
    for (args, names) in [
        (
            vec!["delete", "vault:secret/nothing", "-y"],
            "`secret/nothing` not found",
        ),
        (
            vec!["delete", "vault:secret/nothing", "--all-versions", "-y"],
            "`secret/nothing` not found",
        ),
        (
            vec!["delete", "vault:secret/app/db", "--versions", "2,9", "-y"],
            "version 9 of `secret/app/db` not found",
        ),
        (
            vec!["delete", "vault:secret/app/db#nope", "-y"],
            "key `nope` not found",
        ),
        (
            vec!["delete", "vault:kv1/nothing", "-y"],
            "`kv1/nothing` not found",
        ),
    ] {
        let out = run_showing_none(VALUES, bao.kvault().args(&args));
        assert_eq!(code(&out), 1, "{args:?}: {}", text(&out.stderr));
        let said = messages(&out);
        assert!(
            said.starts_with("error: cannot delete `") && said.contains(names),
            "{args:?}: {said}"
        );
        assert_eq!(said.lines().count(), 1, "{said}");
    }
    // Nothing was touched on the way: version 2 is still there.
    assert_eq!(
        states(&bao, "secret/app/db"),
        [(1, false, false), (2, false, false), (3, false, false)]
    );
    // A latest version already deleted is nothing to delete.
    bao.must(&["kv", "delete", "secret/app/db"]);
    let out = bao
        .kvault()
        .output_of(&["delete", "vault:secret/app/db", "-y"]);
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
}

#[test]
fn without_a_terminal_and_without_yes_nothing_is_deleted_and_it_exits_2() {
    let bao = server();
    three_versions(&bao);
    for args in [
        vec!["delete", "vault:secret/app/db"],
        vec!["delete", "vault:secret/app/db", "--all-versions"],
        vec!["delete", "vault:secret/app/db#user"],
    ] {
        // assert_cmd gives no terminal: stdin is /dev/null or a pipe.
        let out = run_showing_none(VALUES, bao.kvault().args(&args).write_stdin("y\n"));
        assert_eq!(code(&out), 2, "{args:?}");
        let said = messages(&out);
        assert_eq!(
            said,
            "error: not deleting `vault:secret/app/db".to_string()
                + if args[1].ends_with("#user") {
                    "#user"
                } else {
                    ""
                }
                + "`: no terminal to confirm on; pass --yes to delete without asking\n"
        );
    }
    assert_eq!(
        states(&bao, "secret/app/db"),
        [(1, false, false), (2, false, false), (3, false, false)]
    );
}

#[test]
fn one_key_is_removed_by_a_new_version_without_it_and_the_last_key_stays() {
    let bao = server();
    three_versions(&bao);
    let out = run_showing_none(
        VALUES,
        bao.kvault()
            .args(["delete", "vault:secret/app/db#user", "-y"]),
    );
    assert_eq!(
        ok(&out),
        "removed key `user` from vault:secret/app/db (now version 4)\n"
    );
    let json = bao.must(&["kv", "get", "-format=json", "secret/app/db"]);
    let now: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        now["data"]["data"],
        serde_json::json!({ "password": VALUES[2] })
    );
    // The only key left: removing it would leave an empty secret.
    let out = run_showing_none(
        VALUES,
        bao.kvault()
            .args(["delete", "vault:secret/app/db#password", "-y"]),
    );
    assert_eq!(code(&out), 2);
    assert!(
        messages(&out).contains("help: kvault delete vault:secret/app/db"),
        "{}",
        messages(&out)
    );
    // --versions and friends are for whole secrets.
    let out = bao.kvault().output_of(&[
        "delete",
        "vault:secret/app/db#password",
        "--versions",
        "1",
        "-y",
    ]);
    assert_eq!(code(&out), 2);
    assert_eq!(states(&bao, "secret/app/db").len(), 4);
}

#[test]
fn kv_v1_delete_removes_the_secret_and_refuses_versions() {
    let bao = server();
    bao.must(&["kv", "put", "kv1/app", &format!("k={}", VALUES[0]), "j=x"]);
    let out = run_showing_none(
        VALUES,
        bao.kvault()
            .args(["delete", "vault:kv1/app", "--versions", "1", "-y"]),
    );
    assert_eq!(code(&out), 2);
    assert!(
        messages(&out).contains("keeps no versions of `kv1/app`"),
        "{}",
        messages(&out)
    );
    let out = run_showing_none(
        VALUES,
        bao.kvault().args(["delete", "vault:kv1/app#j", "-y"]),
    );
    assert_eq!(ok(&out), "removed key `j` from vault:kv1/app\n");
    assert_eq!(bao.must(&["kv", "get", "-field=k", "kv1/app"]), VALUES[0]);
    let out = run_showing_none(VALUES, bao.kvault().args(["delete", "vault:kv1/app", "-y"]));
    assert_eq!(ok(&out), "deleted vault:kv1/app\n");
    assert!(!bao.bao(&["kv", "get", "kv1/app"]).status.success());
}

#[test]
fn delete_removes_a_kubernetes_secret_or_one_key_kvault_wrote() {
    let (cluster, ns) = KubeCluster::shared("del");
    let home = tempfile::tempdir().unwrap();
    let kv = || cluster.kvault(home.path(), "admin");
    kv().args(["put", &format!("k8s:{ns}/app"), "user=app", "pass=-"])
        .write_stdin(VALUES[0])
        .assert()
        .success();
    let out = run_showing_none(
        VALUES,
        kv().args(["delete", &format!("k8s:{ns}/app#user"), "-y"]),
    );
    assert_eq!(
        ok(&out),
        format!("removed key `user` from k8s:{ns}/app (now version 2)\n")
    );
    let (_, body) = cluster.api(
        "admin",
        "GET",
        &format!("/api/v1/namespaces/{ns}/secrets/app"),
        None,
    );
    let secret: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        secret["data"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["pass"]
    );
    // A key another field manager (here curl) owns survives kvault's apply:
    // kvault says so instead of claiming it is gone.
    let (code_, _) = cluster.api(
        "admin",
        "POST",
        &format!("/api/v1/namespaces/{ns}/secrets"),
        Some(r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"theirs"},"stringData":{"a":"1","b":"2"}}"#),
    );
    assert_eq!(code_, 201);
    let out = run_showing_none(
        VALUES,
        kv().args(["delete", &format!("k8s:{ns}/theirs#a"), "-y"]),
    );
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(messages(&out).contains("still there"), "{}", messages(&out));

    let out = run_showing_none(
        VALUES,
        kv().args(["delete", &format!("k8s:{ns}/app"), "--versions", "1", "-y"]),
    );
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    let out = run_showing_none(
        VALUES,
        kv().args(["delete", &format!("k8s:{ns}/app"), "-y"]),
    );
    assert_eq!(ok(&out), format!("deleted k8s:{ns}/app\n"));
    let (status, _) = cluster.api(
        "admin",
        "GET",
        &format!("/api/v1/namespaces/{ns}/secrets/app"),
        None,
    );
    assert_eq!(status, 404);
    let out = run_showing_none(
        VALUES,
        kv().args(["delete", &format!("k8s:{ns}/app"), "-y"]),
    );
    assert_eq!(code(&out), 1);
    assert!(
        messages(&out).contains(&format!("`{ns}/app` not found")),
        "{}",
        messages(&out)
    );
    // alice may not delete: permission denied, exit 2.
    let out = run_showing_none(
        VALUES,
        cluster
            .kvault(home.path(), "alice")
            .args(["delete", &format!("k8s:{ns}/theirs"), "-y"]),
    );
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
}

fn local(home: &Path) -> assert_cmd::Command {
    kvault_clean(home)
}

#[test]
fn the_local_store_deletes_recoverably_by_version_or_all_of_it() {
    let home = tempfile::tempdir().unwrap();
    for v in VALUES {
        local(home.path())
            .args(["put", "local:app/db", "user=app", "password=-"])
            .write_stdin(*v)
            .assert()
            .success();
    }
    let out = run_showing_none(
        VALUES,
        local(home.path()).args(["delete", "local:app/db", "--versions", "1", "-y"]),
    );
    assert_eq!(ok(&out), "deleted local:app/db (version 1)\n");
    let out = run_showing_none(
        VALUES,
        local(home.path()).args(["delete", "local:app/db", "-y"]),
    );
    assert_eq!(ok(&out), "deleted local:app/db (version 3)\n");
    let out = local(home.path()).output_of(&["history", "local:app/db", "-o", "json"]);
    let history: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let deleted: Vec<bool> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["deleted"].as_bool().unwrap())
        .collect();
    assert_eq!(deleted, [true, false, true]);
    // Version 2 is still readable; the secret as a whole is deleted.
    local(home.path())
        .run(&["get", "local:app/db#password#2"])
        .success()
        .stdout(VALUES[1]);
    local(home.path()).run(&["get", "local:app/db"]).code(1);
    // Destroying single versions is refused; --all-versions removes the file.
    let out = run_showing_none(
        VALUES,
        local(home.path()).args(["delete", "local:app/db", "--destroy", "-y"]),
    );
    assert_eq!(code(&out), 2);
    assert!(
        messages(&out).contains("cannot destroy single versions"),
        "{}",
        messages(&out)
    );
    let out = run_showing_none(
        VALUES,
        local(home.path()).args(["delete", "local:app/db", "--all-versions", "-y"]),
    );
    assert_eq!(
        ok(&out),
        "deleted local:app/db (all versions and metadata)\n"
    );
    assert!(!home.path().join("kvault-store/secrets/app/db.age").exists());
    let out = run_showing_none(
        VALUES,
        local(home.path()).args(["delete", "local:app/db", "-y"]),
    );
    assert_eq!(code(&out), 1);
}

/// `script` (util-linux) runs kvault on a pseudo-terminal, as a person would.
#[test]
fn on_a_terminal_it_asks_and_deletes_only_on_yes() {
    let home = tempfile::tempdir().unwrap();
    local(home.path())
        .args(["put", "local:app/db", "password=-"])
        .write_stdin(VALUES[0])
        .assert()
        .success();
    let kvault = env!("CARGO_BIN_EXE_kvault");
    let on_a_terminal = |answer: &str| {
        std::process::Command::new("script")
            .args([
                "-qec",
                &format!("{kvault} delete local:app/db"),
                "/dev/null",
            ])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("KVAULT_LOCAL_STORE", home.path().join("kvault-store"))
            .env("TERM", "dumb")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write as _;
                child.stdin.take().unwrap().write_all(answer.as_bytes())?;
                child.wait_with_output()
            })
            .unwrap()
    };
    let out = on_a_terminal("n\n");
    let shown = text(&out.stdout);
    assert!(
        shown.contains("delete local:app/db (version 1)? [y/N]"),
        "{shown}"
    );
    assert!(shown.contains("not confirmed"), "{shown}");
    assert_eq!(code(&out), 1, "{shown}");
    local(home.path())
        .run(&["get", "local:app/db#password"])
        .success();
    let out = on_a_terminal("y\n");
    let shown = text(&out.stdout);
    assert!(
        shown.contains("deleted local:app/db (version 1)"),
        "{shown}"
    );
    assert_eq!(code(&out), 0, "{shown}");
    local(home.path()).run(&["get", "local:app/db"]).code(1);
    crate::harness::assert_shows_none(VALUES, "delete on a terminal", &out);
}
