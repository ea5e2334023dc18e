//! The embedded local store through the CLI: files on disk, keys, faults.

use crate::harness::{kvault_clean, record};
use predicates::prelude::*;
use std::os::unix::fs::PermissionsExt;

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
        .args(["get", "local:app/db#password"])
        .assert()
        .success()
        .stdout("very-secret-1");
}

#[test]
fn the_key_can_come_from_the_environment() {
    let home = tempfile::tempdir().unwrap();
    kvault_clean(home.path())
        .args(["put", "local:a", "k=v"])
        .assert()
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
        .args(["get", "local:a#k"])
        .assert()
        .success()
        .stdout("v");
    kvault_clean(home.path())
        .env("KVAULT_LOCAL_KEY", "not-a-key")
        .args(["get", "local:a#k"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("KVAULT_LOCAL_KEY does not hold an age identity")
                .and(predicate::str::contains("not-a-key").not()),
        );
}

#[test]
fn a_wrong_key_is_an_error_and_loses_nothing() {
    let home = tempfile::tempdir().unwrap();
    kvault_clean(home.path())
        .args(["put", "local:a", "k=v"])
        .assert()
        .success();
    let file = home.path().join("kvault-store/secrets/a.age");
    let before = std::fs::read(&file).unwrap();
    std::fs::remove_file(home.path().join("kvault-store/key.txt")).unwrap();
    kvault_clean(home.path())
        .args(["get", "local:a#k"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("cannot decrypt")
                .and(predicate::str::contains("left untouched")),
        );
    kvault_clean(home.path())
        .args(["put", "local:a", "k=other"])
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&file).unwrap(), before);
    record("fault", "local store: wrong key", "exit 2, file untouched");
}

#[test]
fn a_read_only_store_is_a_clear_error() {
    let home = tempfile::tempdir().unwrap();
    kvault_clean(home.path())
        .args(["put", "local:a", "k=v"])
        .assert()
        .success();
    let secrets = home.path().join("kvault-store/secrets");
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o500)).unwrap();
    // Root ignores directory modes; only assert the failure where it applies.
    let is_root = nix::unistd::geteuid().is_root();
    let assert = kvault_clean(home.path())
        .args(["put", "local:b", "k=v"])
        .assert();
    if !is_root {
        assert.code(2).stderr(predicate::str::contains("secrets"));
    }
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o700)).unwrap();
    kvault_clean(home.path())
        .args(["get", "local:a#k"])
        .assert()
        .success()
        .stdout("v");
}

#[test]
fn usage_errors_exit_2() {
    let home = tempfile::tempdir().unwrap();
    kvault_clean(home.path()).args(["get"]).assert().code(2);
    kvault_clean(home.path())
        .args(["put", "local:a#k", "x=1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("names a key"));
    kvault_clean(home.path())
        .args(["put", "local:a", "novalue"])
        .assert()
        .code(2);
    kvault_clean(home.path())
        .args(["get", "s3:bucket/x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no known scheme"));
    kvault_clean(home.path())
        .args(["get", "local:../etc/passwd#x"])
        .assert()
        .code(2);
}

#[test]
fn global_flags_work_before_or_after_the_subcommand() {
    let home = tempfile::tempdir().unwrap();
    let store = home.path().join("elsewhere");
    kvault_clean(home.path())
        .args([
            "--local-store",
            store.to_str().unwrap(),
            "put",
            "local:a",
            "k=v",
        ])
        .assert()
        .success();
    kvault_clean(home.path())
        .args([
            "get",
            "local:a#k",
            "--local-store",
            store.to_str().unwrap(),
            "-q",
        ])
        .assert()
        .success()
        .stdout("v");
}
