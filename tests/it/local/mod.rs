//! The embedded local store through the CLI: files on disk, keys, faults.

use crate::harness::{assert_printed, kvault_clean, record, text, Run};
use predicates::prelude::*;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::Duration;

mod store_faults;

#[test]
fn first_use_creates_a_private_key_and_encrypted_files() {
    let home = tempfile::tempdir().unwrap();
    kvault_clean(home.path())
        .args(["put", "local:app/db", "password=-"])
        .write_stdin("very-secret-1")
        .assert()
        .success();
    let store = home.path().join("kvault-store");
    let mode = std::fs::metadata(store.join("key.txt"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let file = std::fs::read(store.join("secrets/app/db.age")).unwrap();
    assert!(!String::from_utf8_lossy(&file).contains("very-secret-1"));
    assert_eq!(
        std::fs::metadata(store.join("secrets/app/db.age"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    kvault_clean(home.path())
        .run(&["get", "local:app/db#password"])
        .success()
        .stdout("very-secret-1");
}

#[test]
fn the_key_can_come_from_the_environment() {
    let home = tempfile::tempdir().unwrap();
    kvault_clean(home.path())
        .run(&["put", "local:a", "k=v"])
        .success();
    let key = std::fs::read_to_string(home.path().join("kvault-store/key.txt")).unwrap();
    let identity = key
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap()
        .to_string();
    std::fs::remove_file(home.path().join("kvault-store/key.txt")).unwrap();
    kvault_clean(home.path())
        .env("KVAULT_LOCAL_KEY", &identity)
        .run(&["get", "local:a#k"])
        .success()
        .stdout("v");
    kvault_clean(home.path())
        .env("KVAULT_LOCAL_KEY", "not-a-key")
        .run(&["get", "local:a#k"])
        .code(2)
        .stderr(
            predicate::str::contains("KVAULT_LOCAL_KEY does not hold an age identity")
                .and(predicate::str::contains("not-a-key").not()),
        );
}

#[test]
fn a_missing_key_is_an_error_and_loses_nothing() {
    let home = tempfile::tempdir().unwrap();
    kvault_clean(home.path())
        .run(&["put", "local:a", "k=v"])
        .success();
    let file = home.path().join("kvault-store/secrets/a.age");
    let before = std::fs::read(&file).unwrap();
    let key = home.path().join("kvault-store/key.txt");
    std::fs::remove_file(&key).unwrap();
    kvault_clean(home.path())
        .run(&["get", "local:a#k"])
        .code(2)
        .stderr(
            predicate::str::contains("holds secrets but its key")
                .and(predicate::str::contains(key.to_str().unwrap())),
        );
    kvault_clean(home.path())
        .run(&["put", "local:a", "k=other"])
        .code(2);
    assert_eq!(std::fs::read(&file).unwrap(), before);
    assert!(!key.exists(), "no new key was made");
    record(
        "fault",
        "local store: missing key",
        "exit 2, file untouched",
    );
}

/// `kvault` as an unprivileged user: directory modes do not bind root, so
/// as root the command runs as `nobody`, and `home` is handed over to it.
fn unprivileged(home: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("KVAULT_LOCAL_STORE", home.join("kvault-store"));
    if nix::unistd::geteuid().is_root() {
        const NOBODY: u32 = 65534;
        chown_tree(home, NOBODY);
        cmd.uid(NOBODY).gid(NOBODY);
    }
    cmd
}

fn chown_tree(path: &Path, id: u32) {
    std::os::unix::fs::chown(path, Some(id), Some(id)).unwrap();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            chown_tree(&entry.unwrap().path(), id);
        }
    }
}

/// A store whose directory cannot be written: a one-line error naming it,
/// exit 2, and the secrets already there still read back.
#[test]
fn a_read_only_store_is_a_clear_error_and_loses_nothing() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| unprivileged(home.path()).args(args).output().unwrap();
    let out = run(&["put", "local:a", "k=v"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let secrets = home.path().join("kvault-store/secrets");
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o500)).unwrap();

    let out = run(&["put", "local:b", "k=v"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&secrets.display().to_string()), "{stderr}");
    let out = run(&["put", "local:a", "k=changed"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));

    let out = run(&["get", "local:a#k"]);
    assert_printed(&out, "v");
    let left: Vec<_> = std::fs::read_dir(&secrets)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "no temporary file is left behind: {left:?}");
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o700)).unwrap();
    record(
        "fault",
        "local store: read-only directory (as an unprivileged user)",
        "exit 2, one line naming the directory, existing secret intact",
    );
}

/// A secret file its user cannot read (as an unprivileged user: root reads
/// anything): `ls` lists the others and names it, `get` of it exits 2.
#[test]
fn an_unreadable_file_is_named_by_ls_and_is_an_error_for_get() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| unprivileged(home.path()).args(args).output().unwrap();
    for path in ["local:a", "local:b"] {
        let out = run(&["put", path, "k=v"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let file = home.path().join("kvault-store/secrets/b.age");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();

    let out = run(&["ls", "local:"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(text(&out.stdout), "a\n");
    one_line("ls", &stderr);
    assert!(
        stderr.starts_with(&format!("warning: {}: cannot be read", file.display())),
        "{stderr}"
    );
    let out = run(&["get", "local:b#k"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    one_line("get", &stderr);
    assert!(stderr.contains("`local:b#k`"), "{stderr}");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    record(
        "fault",
        "local store: one secret file unreadable (as an unprivileged user)",
        "ls exit 0 listing the others with one warning, get of it exit 2",
    );
}

#[test]
fn usage_errors_exit_2() {
    let home = tempfile::tempdir().unwrap();
    kvault_clean(home.path()).args(["get"]).assert().code(2);
    kvault_clean(home.path())
        .run(&["put", "local:a#k", "x=1"])
        .code(2)
        .stderr(predicate::str::contains("names a key"));
    kvault_clean(home.path())
        .run(&["put", "local:a", "novalue"])
        .code(2);
    kvault_clean(home.path())
        .run(&["get", "s3:bucket/x"])
        .code(2)
        .stderr(predicate::str::contains("no known scheme"));
    kvault_clean(home.path())
        .run(&["get", "local:../etc/passwd#x"])
        .code(2);
}

#[test]
fn global_flags_work_before_or_after_the_subcommand() {
    let home = tempfile::tempdir().unwrap();
    let store = home.path().join("elsewhere");
    kvault_clean(home.path())
        .run(&[
            "--local-store",
            store.to_str().unwrap(),
            "put",
            "local:a",
            "k=v",
        ])
        .success();
    kvault_clean(home.path())
        .run(&[
            "get",
            "local:a#k",
            "--local-store",
            store.to_str().unwrap(),
            "-q",
        ])
        .success()
        .stdout("v");
}

/// `kvault get` never mangles a value that is not UTF-8: JSON and YAML give
/// it as `{"base64": ...}` (text values stay strings), a table adds an
/// ENCODING column, and one key piped is the exact bytes.
#[test]
fn values_that_are_not_utf8_are_printed_as_marked_base64_never_mangled() {
    use base64::Engine as _;
    let home = tempfile::tempdir().unwrap();
    let bytes: &[u8] = b"\xff\xfe kv-binary-canary \x00\x80\x1b[2J";
    let file = home.path().join("blob");
    std::fs::write(&file, bytes).unwrap();
    kvault_clean(home.path())
        .args(["put", "local:bin"])
        .arg(format!("blob=@{}", file.display()))
        .arg("text=plain-text-value")
        .assert()
        .success();
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);

    let out = kvault_clean(home.path()).output_of(&["get", "local:bin", "-o", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["text"], "plain-text-value");
    assert_eq!(doc["blob"], serde_json::json!({ "base64": b64 }));
    assert!(!text(&out.stdout).contains('\u{fffd}'), "mangled");

    let out = kvault_clean(home.path()).output_of(&["get", "local:bin#blob", "-o", "yaml"]);
    assert_printed(&out, &format!("blob:\n  base64: {b64}\n"));

    let out = kvault_clean(home.path()).output_of(&["get", "local:bin"]);
    let table = text(&out.stdout);
    assert!(table.contains("ENCODING"), "{table}");
    assert!(table.contains(&b64) && table.contains("base64"), "{table}");
    assert!(
        !table.contains('\u{fffd}') && !table.contains('\u{1b}'),
        "{table}"
    );

    // Piped, one key is the value byte for byte.
    let out = kvault_clean(home.path()).output_of(&["get", "local:bin#blob"]);
    assert_eq!(out.stdout, bytes);
}

#[test]
fn a_pair_without_equals_is_refused_without_echoing_what_may_be_a_value() {
    let home = tempfile::tempdir().unwrap();
    let value = "kv-pair/canary value@1";
    let out = kvault_clean(home.path()).output_of(&["put", "local:a", "k=v", value]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("pair 2 is not KEY=VALUE"), "{err}");
    for form in [
        value.to_string(),
        "kv-pair".to_string(),
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, value),
        "kv-pair%2Fcanary%20value%401".to_string(),
    ] {
        assert!(!err.contains(&form), "{err}");
        assert!(out.stdout.is_empty());
    }
}

fn one_line(what: &str, stderr: &str) {
    assert_eq!(stderr.trim_end().lines().count(), 1, "{what}: {stderr}");
}
