//! The embedded local store through the CLI: files on disk, keys, faults.

use crate::harness::{assert_printed, kvault_clean, record, text, Run};
use predicates::prelude::*;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::Duration;

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

/// Values the tests below store: none may appear in any output, as is, in
/// base64 or URL-encoded (`get` of a key prints its value on purpose and is
/// not checked where it does).
const CANARIES: &[&str] = &["LocalCanary-5d1/7+q=", "LocalCanary-e93/2+z="];

/// Neither stdout nor stderr of `out` shows a canary in any form.
fn assert_no_value(what: &str, out: &std::process::Output) {
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    crate::harness::assert_text_shows_none(what, &all, CANARIES);
}

/// Run `kvault ARGS` in `home` with a time limit: a store read that blocks
/// (a FIFO opened for reading) fails the test instead of hanging it.
fn run(home: &Path, envs: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut cmd = kvault_clean(home);
    cmd.envs(envs.iter().copied())
        .args(args)
        .timeout(Duration::from_secs(30));
    let out = cmd.output().unwrap();
    assert!(
        out.status.code().is_some(),
        "`kvault {}` was killed (timed out?): {}",
        args.join(" "),
        text(&out.stderr)
    );
    out
}

fn put_canary(home: &Path, path: &str, value: &str) {
    let mut cmd = kvault_clean(home);
    cmd.args(["put", path, "k=-"]).write_stdin(value);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_no_value("put", &out);
}

fn one_line(what: &str, stderr: &str) {
    assert_eq!(stderr.trim_end().lines().count(), 1, "{what}: {stderr}");
}

#[test]
fn a_fifo_or_a_link_to_dev_zero_in_the_store_never_hangs_get_or_ls() {
    let home = tempfile::tempdir().unwrap();
    put_canary(home.path(), "local:good", CANARIES[0]);
    let secrets = home.path().join("kvault-store/secrets");
    nix::unistd::mkfifo(
        &secrets.join("pipe.age"),
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .unwrap();
    std::os::unix::fs::symlink("/dev/zero", secrets.join("zero.age")).unwrap();

    for (name, why) in [("pipe", "a FIFO"), ("zero", "a symbolic link")] {
        let out = run(home.path(), &[], &["get", &format!("local:{name}#k")]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        one_line(name, &stderr);
        assert!(stderr.contains(&format!("{name}.age")), "{stderr}");
        assert!(stderr.contains(why), "{stderr}");
        assert_no_value(name, &out);
    }
    let out = run(home.path(), &[], &["ls", "local:"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(text(&out.stdout), "good\n");
    let warnings: Vec<&str> = stderr.lines().collect();
    assert_eq!(warnings.len(), 2, "{stderr}");
    assert!(
        warnings[0].starts_with(&format!(
            "warning: {}: a FIFO",
            secrets.join("pipe.age").display()
        )),
        "{stderr}"
    );
    assert!(
        warnings[1].starts_with(&format!(
            "warning: {}: a symbolic link",
            secrets.join("zero.age").display()
        )),
        "{stderr}"
    );
    assert_no_value("ls", &out);
    // A write next to them still works.
    put_canary(home.path(), "local:other", CANARIES[1]);
    record(
        "hang",
        "local store: a FIFO and a link to /dev/zero among the secrets",
        "get exit 2 naming the file, ls lists the rest with a warning each, no hang",
    );
}

#[test]
fn ls_lists_the_good_entries_and_warns_once_per_corrupt_one_and_get_of_one_exits_2() {
    let home = tempfile::tempdir().unwrap();
    put_canary(home.path(), "local:app/good", CANARIES[0]);
    put_canary(home.path(), "local:app/trunc", CANARIES[1]);
    let secrets = home.path().join("kvault-store/secrets/app");
    // Truncated, garbage, and a body that decrypts but does not decode (it
    // holds a value where a number belongs: the error must not quote it).
    let bytes = std::fs::read(secrets.join("trunc.age")).unwrap();
    std::fs::write(secrets.join("trunc.age"), &bytes[..bytes.len() / 2]).unwrap();
    std::fs::write(secrets.join("garbage.age"), b"not an age file").unwrap();
    let recipient = std::fs::read_to_string(home.path().join("kvault-store/recipient.txt"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("age1"))
        .unwrap()
        .parse::<age::x25519::Recipient>()
        .unwrap();
    let body = format!(
        r#"{{"format":1,"path":"app/body","versions":[{{"version":"{}"}}]}}"#,
        CANARIES[1]
    );
    std::fs::write(
        secrets.join("body.age"),
        age::encrypt(&recipient, body.as_bytes()).unwrap(),
    )
    .unwrap();

    let out = run(home.path(), &[], &["ls", "local:app"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(text(&out.stdout), "good\n");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    for (line, name) in lines.iter().zip(["body", "garbage", "trunc"]) {
        assert!(line.starts_with("warning: "), "{line}");
        assert!(line.contains(&format!("app/{name}.age: ")), "{line}");
    }
    assert!(lines[0].contains("does not decode"), "{stderr}");
    assert_no_value("ls", &out);

    for name in ["body", "garbage", "trunc"] {
        let reference = format!("local:app/{name}#k");
        let out = run(home.path(), &[], &["get", &reference]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        one_line(name, &stderr);
        assert!(stderr.contains(&format!("`{reference}`")), "{stderr}");
        assert_no_value(name, &out);
        let out = run(home.path(), &[], &["history", &format!("local:app/{name}")]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert_no_value(name, &out);
    }
    let out = run(home.path(), &[], &["get", "local:app/good#k"]);
    assert_eq!(text(&out.stdout), CANARIES[0]);
    record(
        "hostile input",
        "local store: truncated, garbage and undecodable files among good ones",
        "ls exit 0 with one warning line each, get of one exit 2, no value shown",
    );
}

/// Wait until a `.tmp-*` file shows in `dir`, for at most `limit`.
fn wait_for_temp(dir: &Path, limit: Duration) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if temps_in(dir) > 0 {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    false
}

fn temps_in(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_write_killed_mid_way_leaves_a_temp_file_ls_never_shows_and_the_next_write_removes() {
    let home = tempfile::tempdir().unwrap();
    put_canary(home.path(), "local:keep", CANARIES[0]);
    let secrets = home.path().join("kvault-store/secrets");
    // A value big enough that writing its file takes a while.
    let value = home.path().join("big.bin");
    std::fs::write(&value, vec![b'x'; 24 << 20]).unwrap();
    let mut caught = false;
    for _ in 0..10 {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("KVAULT_LOCAL_STORE", home.path().join("kvault-store"))
            .args(["put", "local:big", &format!("blob=@{}", value.display())])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let seen = wait_for_temp(&secrets, Duration::from_secs(60));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if seen && temps_in(&secrets) > 0 {
            caught = true;
            break;
        }
    }
    assert!(caught, "no write was caught mid-way in 10 tries");

    let out = run(home.path(), &[], &["ls", "local:"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !text(&out.stdout).contains(".tmp-"),
        "{}",
        text(&out.stdout)
    );
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
    put_canary(home.path(), "local:next", CANARIES[1]);
    assert_eq!(
        temps_in(&secrets),
        0,
        "the next write removed the stale file"
    );
    let out = run(home.path(), &[], &["get", "local:keep#k"]);
    assert_eq!(text(&out.stdout), CANARIES[0]);
    record(
        "crash",
        "local store: writer killed (SIGKILL) mid-write",
        "temp file not listed, removed by the next write, other secrets intact",
    );
}

#[test]
fn history_keeps_ten_versions_by_default_and_kvault_local_max_versions_changes_it() {
    let home = tempfile::tempdir().unwrap();
    for i in 1..=12 {
        let out = run(home.path(), &[], &["put", "local:a", &format!("k=v{i}")]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let versions = |envs: &[(&str, &str)]| -> Vec<u64> {
        let out = run(home.path(), envs, &["history", "local:a", "-o", "json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        list.iter()
            .map(|v| v["version"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(versions(&[]), (3..=12).collect::<Vec<_>>());
    let three = [("KVAULT_LOCAL_MAX_VERSIONS", "3")];
    let out = run(home.path(), &three, &["put", "local:a", "k=v13"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("version 13"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(versions(&three), vec![11, 12, 13]);
    let out = run(home.path(), &[], &["get", "local:a#k#10"]);
    assert_eq!(out.status.code(), Some(1), "a dropped version is not found");
    let out = run(home.path(), &[], &["get", "local:a#k#11"]);
    assert_eq!(text(&out.stdout), "v11");

    let file = home.path().join("kvault-store/secrets/a.age");
    let before = std::fs::read(&file).unwrap();
    for bad in ["0", "ten", "-3", ""] {
        for args in [
            &["put", "local:a", "k=v"][..],
            &["get", "local:a#k"],
            &["ls", "local:"],
            &["history", "local:a"],
        ] {
            let out = run(home.path(), &[("KVAULT_LOCAL_MAX_VERSIONS", bad)], args);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{bad:?} {args:?}: {stderr}");
            one_line(bad, &stderr);
            assert!(stderr.contains("KVAULT_LOCAL_MAX_VERSIONS"), "{stderr}");
        }
    }
    assert_eq!(std::fs::read(&file).unwrap(), before, "nothing was written");
    record(
        "bad input",
        "KVAULT_LOCAL_MAX_VERSIONS: 0, not a number, negative, empty",
        "exit 2, one line naming the variable, nothing written",
    );
}

#[test]
fn past_ten_versions_a_secret_file_stops_growing() {
    let home = tempfile::tempdir().unwrap();
    let value = home.path().join("v.bin");
    let file = home.path().join("kvault-store/secrets/a.age");
    let mut sizes = Vec::new();
    for i in 0..24u8 {
        std::fs::write(&value, vec![b'a' + i % 26; 64 << 10]).unwrap();
        let out = run(
            home.path(),
            &[],
            &["put", "local:a", &format!("k=@{}", value.display())],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        sizes.push(std::fs::metadata(&file).unwrap().len());
    }
    // Base64 makes 64 KiB 87 KiB; ten of them and the envelope, no more.
    assert!(sizes[23] < 10 * 90 * 1024, "{sizes:?}");
    // Past ten versions only the digits of the version numbers change.
    assert!(
        sizes[23].abs_diff(sizes[11]) < 1024,
        "the file stops growing at ten versions: {sizes:?}"
    );
}

#[test]
fn read_only_commands_never_create_a_key() {
    let home = tempfile::tempdir().unwrap();
    let store = home.path().join("kvault-store");
    let elsewhere = home.path().join("keys/missing.txt");
    for envs in [
        vec![],
        vec![("KVAULT_LOCAL_KEY_FILE", elsewhere.to_str().unwrap())],
    ] {
        let out = run(home.path(), &envs, &["get", "local:a#k"]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("not found"),
            "{}",
            text(&out.stderr)
        );
        let out = run(home.path(), &envs, &["ls", "local:"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "");
        let out = run(home.path(), &envs, &["history", "local:a"]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert!(!store.join("key.txt").exists());
        assert!(!elsewhere.exists());
    }
    assert!(
        !store.exists(),
        "reads create nothing, not even the store directory"
    );
    // A write into the empty store is what makes the key.
    put_canary(home.path(), "local:a", CANARIES[0]);
    assert!(store.join("key.txt").exists());
}

#[test]
fn a_store_with_secrets_but_no_key_fails_every_command_naming_store_and_key() {
    let home = tempfile::tempdir().unwrap();
    put_canary(home.path(), "local:app/db", CANARIES[0]);
    let store = home.path().join("kvault-store");
    let default_key = store.join("key.txt");
    let saved = std::fs::read(&default_key).unwrap();
    std::fs::remove_file(&default_key).unwrap();
    let elsewhere = home.path().join("missing-key.txt");
    let file = store.join("secrets/app/db.age");
    let before = std::fs::read(&file).unwrap();
    let cases: [(Vec<(&str, &str)>, &Path); 2] = [
        (vec![], &default_key),
        (
            vec![("KVAULT_LOCAL_KEY_FILE", elsewhere.to_str().unwrap())],
            &elsewhere,
        ),
    ];
    for (envs, key) in &cases {
        for args in [
            &["get", "local:app/db#k"][..],
            &["ls", "local:"],
            &["history", "local:app/db"],
            &["put", "local:app/db", "k=new"],
            &["put", "local:other", "k=new"],
        ] {
            let out = run(home.path(), envs, args);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
            one_line("missing key", &stderr);
            assert!(
                stderr.contains(&format!("local store ({})", store.display())),
                "{stderr}"
            );
            assert!(stderr.contains(&format!("`{}`", key.display())), "{stderr}");
            assert_no_value("missing key", &out);
            assert!(!key.exists(), "{args:?} made a key");
        }
    }
    assert_eq!(std::fs::read(&file).unwrap(), before);
    assert!(!store.join("secrets/other.age").exists());
    // With the key back, all is there.
    std::fs::write(&default_key, saved).unwrap();
    std::fs::set_permissions(&default_key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = run(home.path(), &[], &["get", "local:app/db#k"]);
    assert_eq!(text(&out.stdout), CANARIES[0]);
    record(
        "fault",
        "local store: key missing (default path or KVAULT_LOCAL_KEY_FILE) while it holds secrets",
        "every command exit 2, one line naming store and key, nothing written",
    );
}

#[test]
fn a_wrong_key_is_named_with_the_fingerprint_the_store_was_made_with() {
    let home = tempfile::tempdir().unwrap();
    put_canary(home.path(), "local:a", CANARIES[0]);
    let other = tempfile::tempdir().unwrap();
    put_canary(other.path(), "local:b", CANARIES[1]);
    let key_of = |home: &Path| {
        std::fs::read_to_string(home.join("kvault-store/key.txt"))
            .unwrap()
            .lines()
            .find(|l| l.starts_with("AGE-SECRET-KEY-"))
            .unwrap()
            .parse::<age::x25519::Identity>()
            .unwrap()
    };
    let ours = kvault::store::local::fingerprint(&key_of(home.path()).to_public());
    let theirs = kvault::store::local::fingerprint(&key_of(other.path()).to_public());
    let wrong_key = other.path().join("kvault-store/key.txt");
    let file = home.path().join("kvault-store/secrets/a.age");
    let before = std::fs::read(&file).unwrap();
    for args in [
        &["get", "local:a#k"][..],
        &["ls", "local:"],
        &["put", "local:a", "k=x"],
    ] {
        let out = run(
            home.path(),
            &[("KVAULT_LOCAL_KEY_FILE", wrong_key.to_str().unwrap())],
            args,
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        one_line("wrong key", &stderr);
        let store = home.path().join("kvault-store");
        assert!(
            stderr.contains(&format!(
                "wrong key for local store ({}) (made with key fingerprint {ours}, this key `{}` is {theirs})",
                store.display(),
                wrong_key.display()
            )),
            "{stderr}"
        );
        assert!(!stderr.contains("No matching keys"), "{stderr}");
        assert_no_value("wrong key", &out);
    }
    assert_eq!(std::fs::read(&file).unwrap(), before);
    record(
        "fault",
        "local store: another store's key",
        "exit 2 naming both key fingerprints, file untouched",
    );
}

#[test]
fn fifty_concurrent_first_puts_all_land_under_one_key() {
    const WRITERS: usize = 50;
    const ROUNDS: usize = 10;
    for round in 0..ROUNDS {
        let home = tempfile::tempdir().unwrap();
        let store = home.path().join("kvault-store");
        let children: Vec<_> = (0..WRITERS)
            .map(|i| {
                std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"))
                    .env_clear()
                    .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                    .env("HOME", home.path())
                    .env("KVAULT_LOCAL_STORE", &store)
                    .args([
                        "put",
                        &format!("local:app/k{i}"),
                        &format!("v=value-{round}-{i}"),
                    ])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for (i, child) in children.into_iter().enumerate() {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}, writer {i}: {}",
                text(&out.stderr)
            );
        }
        let keys: Vec<_> = std::fs::read_dir(&store)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("key") || n.starts_with(".tmp-"))
            .collect();
        assert_eq!(
            keys,
            vec!["key.txt"],
            "round {round}: one key, no leftovers"
        );
        let local = kvault::store::local::LocalStore::open(&kvault::store::local::LocalConfig {
            root: Some(store.clone()),
            ..Default::default()
        })
        .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for i in 0..WRITERS {
            let secret = rt
                .block_on(kvault::store::SecretStore::read(
                    &local,
                    &format!("app/k{i}"),
                    None,
                ))
                .unwrap_or_else(|e| panic!("round {round}, k{i}: {e}"));
            assert_eq!(
                secret.data.get("v").unwrap().expose(),
                format!("value-{round}-{i}").as_bytes()
            );
        }
    }
    record(
        "fault",
        "local store: 50 concurrent first writes (separate processes), 10 rounds",
        "all succeed under one key, every value reads back",
    );
}
