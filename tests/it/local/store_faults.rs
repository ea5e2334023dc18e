//! The local store under damage and load: planted FIFOs and links, corrupt
//! files, writes killed mid-way, history limits, missing or wrong keys, and
//! fifty first writers at once.

use super::*;

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
