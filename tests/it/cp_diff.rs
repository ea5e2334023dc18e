//! `kvault cp` and `kvault diff` across real stores: OpenBao KV v2, the
//! Kubernetes test cluster and the local store. Values never show.

use crate::harness::{cases, messages, run_showing_none, text, words, KubeCluster, OpenBao, Run};

const VALUES: &[&str] = &[
    "CpCanary-1a2/3+q=",
    "CpCanary-4b5/6+z=",
    "CpCanary-7c8/9+w=",
];

fn ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", text(&out.stderr));
    messages(out)
}

/// `cmd LINE` (its words), which must succeed showing no value: its messages.
fn ok_run(cmd: &mut assert_cmd::Command, line: &str) -> String {
    ok(&run_showing_none(VALUES, cmd.args(words(line))))
}

fn code(out: &std::process::Output) -> i32 {
    out.status.code().expect("exited")
}

/// `kvault ARGS` against `bao` exits `exit` saying `want`, and shows no value.
fn refuses(bao: &OpenBao, args: &[&str], exit: i32, want: &str) {
    let out = run_showing_none(VALUES, bao.kvault().args(args));
    assert_eq!(code(&out), exit, "{args:?}: {}", text(&out.stderr));
    assert!(
        messages(&out).contains(want),
        "{args:?}: {}",
        messages(&out)
    );
}

/// `bao kv put PATH password=VALUE OTHERS...`.
fn put_password(bao: &OpenBao, path: &str, value: &str, others: &str) {
    let password = format!("password={value}");
    let mut args = vec!["kv", "put", path, &password];
    args.extend(words(others));
    bao.must(&args);
}

/// The data of a KV v2 secret as `bao` sees it.
fn bao_data(bao: &OpenBao, path: &str) -> serde_json::Value {
    let json = bao.must(&["kv", "get", "-format=json", path]);
    serde_json::from_str::<serde_json::Value>(&json).unwrap()["data"]["data"].clone()
}

fn local_versions(bao: &OpenBao, reference: &str) -> usize {
    let out = bao
        .kvault()
        .output_of(&["history", reference, "-o", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn cp_copies_a_whole_secret_between_stores_and_refuses_an_existing_destination() {
    let bao = OpenBao::start();
    put_password(&bao, "secret/app/db", VALUES[0], "user=app");
    let kv = || bao.kvault();
    assert_eq!(
        ok_run(&mut kv(), "cp vault:secret/app/db local:app/db"),
        "copied vault:secret/app/db -> local:app/db (version 1)\n"
    );
    kv().run(&["get", "local:app/db#password"])
        .success()
        .stdout(VALUES[0]);

    // The destination exists: nothing is written without --overwrite or --merge.
    put_password(&bao, "secret/app/db", VALUES[1], "user=app2 new=1");
    let out = run_showing_none(
        VALUES,
        kv().args(["cp", "vault:secret/app/db", "local:app/db"]),
    );
    assert_eq!(code(&out), 2);
    assert_eq!(
        messages(&out),
        "error: not copying to `local:app/db`: `local:app/db` exists already\nhelp: --overwrite to replace it, --merge to add the keys of the source to it\n"
    );
    assert_eq!(local_versions(&bao, "local:app/db"), 1);

    // --overwrite: the destination becomes a copy.
    kv().run(&["put", "local:app/db", "only-here=1", "--merge"])
        .success();
    assert_eq!(
        ok_run(&mut kv(), "cp vault:secret/app/db local:app/db --overwrite"),
        "copied vault:secret/app/db -> local:app/db (version 3)\n"
    );
    let out = run_showing_none(
        VALUES,
        kv().args(["diff", "vault:secret/app/db", "local:app/db"]),
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));

    // --merge: local to vault, the keys of the source added, the others kept.
    kv().args(["put", "local:extra", "token=-"])
        .write_stdin(VALUES[2])
        .assert()
        .success();
    assert_eq!(
        ok_run(&mut kv(), "cp local:extra vault:secret/app/db --merge"),
        "copied local:extra -> vault:secret/app/db (version 3)\n"
    );
    assert_eq!(
        bao_data(&bao, "secret/app/db"),
        serde_json::json!({ "user": "app2", "password": VALUES[1], "new": "1", "token": VALUES[2] })
    );
}

/// KV v2 keeps the history of a deleted secret (and counts it for
/// check-and-set); for cp a deleted destination is absent all the same.
#[test]
fn cp_onto_a_deleted_kv_v2_secret_writes_a_new_version_without_overwrite() {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/gone", "old=1"]);
    bao.must(&["kv", "delete", "secret/gone"]);
    let kv = || bao.kvault();
    kv().args(["put", "local:src", "password=-"])
        .write_stdin(VALUES[0])
        .assert()
        .success();
    let out = run_showing_none(VALUES, kv().args(["cp", "local:src", "vault:secret/gone"]));
    assert_eq!(
        ok(&out),
        "copied local:src -> vault:secret/gone (version 2)\n"
    );
    assert_eq!(
        bao_data(&bao, "secret/gone"),
        serde_json::json!({ "password": VALUES[0] })
    );
}

#[test]
fn cp_of_one_key_keeps_the_other_keys_of_the_destination_and_its_own_name_by_default() {
    let bao = OpenBao::start();
    put_password(&bao, "secret/a", VALUES[0], "user=app");
    bao.must(&["kv", "put", "secret/b", "other=1"]);
    let kv = || bao.kvault();
    assert_eq!(
        ok_run(
            &mut kv(),
            "cp vault:secret/a#password vault:secret/b#db-password"
        ),
        "copied vault:secret/a#password -> vault:secret/b#db-password (version 2)\n"
    );
    assert_eq!(
        bao_data(&bao, "secret/b"),
        serde_json::json!({ "other": "1", "db-password": VALUES[0] })
    );
    // The key exists now: --overwrite is needed (and --merge does not do).
    put_password(&bao, "secret/a", VALUES[1], "user=app");
    for extra in [None, Some("--merge")] {
        let mut cmd = kv();
        cmd.args([
            "cp",
            "vault:secret/a#password",
            "vault:secret/b#db-password",
        ]);
        if let Some(flag) = extra {
            cmd.arg(flag);
        }
        let out = run_showing_none(VALUES, &mut cmd);
        assert_eq!(code(&out), 2);
        assert!(
            messages(&out).contains("key `db-password` of `vault:secret/b` exists already"),
            "{}",
            messages(&out)
        );
    }
    assert_eq!(
        ok_run(
            &mut kv(),
            "cp vault:secret/a#password vault:secret/b#db-password --overwrite"
        ),
        "copied vault:secret/a#password -> vault:secret/b#db-password (version 3)\n"
    );
    // A pinned source version; a destination without #KEY takes the key's name.
    assert_eq!(
        ok_run(&mut kv(), "cp vault:secret/a#password#1 local:fresh"),
        "copied vault:secret/a#password#1 -> local:fresh#password (version 1)\n"
    );
    kv().run(&["get", "local:fresh#password"])
        .success()
        .stdout(VALUES[0]);
    // What cannot be: a whole secret into a key, a secret onto itself, a missing source.
    let cannot = "
        2 cp vault:secret/a local:x#k          | cannot copy the whole secret
        2 cp vault:secret/a vault:secret/a     | the same secret
        1 cp vault:secret/nothing local:y      | `secret/nothing` not found
        1 cp vault:secret/a#nope local:y       | key `nope` not found
    ";
    for (exit, args, says) in cases(cannot) {
        refuses(&bao, &args, exit, says);
    }
}

#[test]
fn cp_and_diff_between_vault_and_kubernetes() {
    let bao = OpenBao::start();
    let (cluster, ns) = KubeCluster::shared("cp");
    let home = tempfile::tempdir().unwrap();
    let kv = || {
        let mut cmd = cluster.kvault(home.path(), "admin");
        cmd.env("VAULT_ADDR", &bao.addr)
            .env("VAULT_TOKEN", &bao.token);
        cmd
    };
    put_password(&bao, "secret/app", VALUES[0], "user=app");
    kv().run(&["put", &format!("k8s:{ns}/app"), "keep=1"])
        .success();
    assert_eq!(
        ok_run(
            &mut kv(),
            &format!("cp vault:secret/app#password k8s:{ns}/app#db-password")
        ),
        format!("copied vault:secret/app#password -> k8s:{ns}/app#db-password (version 2)\n")
    );
    kv().run(&["get", &format!("k8s:{ns}/app#db-password")])
        .success()
        .stdout(VALUES[0]);
    kv().run(&["get", &format!("k8s:{ns}/app#keep")])
        .success()
        .stdout("1");
    let out = run_showing_none(
        VALUES,
        kv().args([
            "diff",
            "vault:secret/app#password",
            &format!("k8s:{ns}/app#db-password"),
        ]),
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    // A whole copy to a new Secret, then they differ once vault moves on.
    assert_eq!(
        ok_run(&mut kv(), &format!("cp vault:secret/app k8s:{ns}/copy")),
        format!("copied vault:secret/app -> k8s:{ns}/copy (version 1)\n")
    );
    put_password(&bao, "secret/app", VALUES[1], "user=app");
    let out = run_showing_none(
        VALUES,
        kv().args([
            "diff",
            "vault:secret/app",
            &format!("k8s:{ns}/copy"),
            "-o",
            "json",
        ]),
    );
    assert_eq!(code(&out), 1);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["different"], serde_json::json!(["password"]));
    assert_eq!(report["equal_keys"], serde_json::json!(["user"]));
    assert_eq!(report["equal"], false);
}

#[test]
fn diff_names_keys_by_state_exits_1_when_they_differ_and_2_on_errors() {
    let bao = OpenBao::start();
    let kv = || bao.kvault();
    put_password(&bao, "secret/a", VALUES[0], "user=app old=x");
    put_password(&bao, "secret/b", VALUES[1], "user=app new=y");
    let out = run_showing_none(
        VALUES,
        kv().args(["diff", "vault:secret/a", "vault:secret/b"]),
    );
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let rows: Vec<Vec<&str>> = table
        .lines()
        // Plain columns off a terminal; borders, if any, left out.
        .filter(|l| !l.trim().is_empty() && !l.starts_with(['┌', '╞', '└']))
        .map(|l| {
            l.trim_matches(|c| c == '│' || c == ' ')
                .split("  ")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        rows,
        [
            vec!["KEY", "STATE"],
            vec!["new", "only in B"],
            vec!["old", "only in A"],
            vec!["password", "different"],
            vec!["user", "equal"],
        ],
        "{table}"
    );
    for format in ["json", "yaml"] {
        let out = run_showing_none(
            VALUES,
            kv().args(["diff", "vault:secret/a", "vault:secret/b", "-o", format]),
        );
        assert_eq!(code(&out), 1);
        let report: serde_json::Value = if format == "json" {
            serde_json::from_slice(&out.stdout).unwrap()
        } else {
            serde_yaml::from_slice(&out.stdout).unwrap()
        };
        assert_eq!(report["only_in_a"], serde_json::json!(["old"]));
        assert_eq!(report["only_in_b"], serde_json::json!(["new"]));
    }
    // Versions of one secret, and two keys of different names.
    put_password(&bao, "secret/a", VALUES[1], "user=app old=x");
    let out = run_showing_none(
        VALUES,
        kv().args([
            "diff",
            "vault:secret/a#password#1",
            "vault:secret/a#password",
        ]),
    );
    assert_eq!(code(&out), 1);
    let out = run_showing_none(
        VALUES,
        kv().args(["diff", "vault:secret/a#password", "vault:secret/b#password"]),
    );
    assert_eq!(code(&out), 0);
    let out = run_showing_none(
        VALUES,
        kv().args(["diff", "vault:secret/a#user", "vault:secret/b#password"]),
    );
    assert_eq!(code(&out), 1);
    // Errors are 2, a missing secret included (as diff(1) with a missing file).
    let errors = "
        2 diff vault:secret/a vault:secret/nothing             | `secret/nothing` not found
        2 diff vault:secret/a#nope vault:secret/b#password     | key `nope` not found
        2 diff vault:secret/a vault:secret/b#password          | compare a key with a key
    ";
    for (exit, args, says) in cases(errors) {
        refuses(&bao, &args, exit, says);
    }
}
