use super::key::read_key_file;
use super::*;
use crate::store::SecretValue;
use age::secrecy::ExposeSecret;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::time::Duration;

fn config(root: &Path) -> LocalConfig {
    LocalConfig {
        root: Some(root.to_path_buf()),
        ..Default::default()
    }
}

fn store(dir: &Path) -> LocalStore {
    LocalStore::open(&config(dir)).unwrap()
}

fn data(v: &str) -> SecretData {
    let mut d = SecretData::new();
    d.insert("password", SecretValue::from_str_value(v));
    d
}

/// Run `f` on its own thread; panic if it takes longer than 10 s (it
/// would hang on a FIFO if the store opened one for reading).
fn within_10s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("the store call hung")
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

fn other_key_file(path: &Path) {
    let identity = age::x25519::Identity::generate();
    let _ = fs::remove_file(path);
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    writeln!(f, "{}", identity.to_string().expose_secret()).unwrap();
}

#[tokio::test]
async fn values_round_trip_and_are_not_stored_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    s.write("app/db", &data("plain-text-canary"), Cas::Any)
        .await
        .unwrap();
    let raw = fs::read(dir.path().join("secrets/app/db.age")).unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("plain-text-canary"));
    let back = s.read("app/db", None).await.unwrap();
    assert_eq!(back.data, data("plain-text-canary"));
    assert_eq!(back.version, Some(1));
}

#[tokio::test]
async fn the_first_write_creates_a_private_key_and_records_its_recipient() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    assert!(!dir.path().join("key.txt").exists());
    s.write("a", &data("v"), Cas::Any).await.unwrap();
    let mode = fs::metadata(dir.path().join("key.txt"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let recorded = fs::read_to_string(dir.path().join(RECIPIENT_FILE)).unwrap();
    let key = read_key_file(&dir.path().join("key.txt")).unwrap().unwrap();
    assert!(
        recorded.contains(&key.to_public().to_string()),
        "{recorded}"
    );
}

#[tokio::test]
async fn reads_of_an_empty_store_find_nothing_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let s = store(&root);
    assert!(s.read("a", None).await.unwrap_err().is_not_found());
    assert!(s.versions("a").await.unwrap_err().is_not_found());
    assert_eq!(s.list("").await.unwrap(), Vec::<String>::new());
    assert!(s.delete("a").await.unwrap_err().is_not_found());
    assert!(
        !root.exists(),
        "nothing was created, not even the directory"
    );
}

#[tokio::test]
async fn a_key_file_readable_by_others_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    store(dir.path())
        .write("a", &data("v"), Cas::Any)
        .await
        .unwrap();
    let key = dir.path().join("key.txt");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    let err = LocalStore::open(&config(dir.path())).err().unwrap();
    assert!(err.to_string().contains("chmod 600"), "{err}");
}

#[tokio::test]
async fn a_store_with_secrets_but_no_key_refuses_every_operation_and_makes_no_key() {
    let dir = tempfile::tempdir().unwrap();
    store(dir.path())
        .write("app/db", &data("v1"), Cas::Any)
        .await
        .unwrap();
    let file = dir.path().join("secrets/app/db.age");
    let before = fs::read(&file).unwrap();
    let key = dir.path().join("key.txt");
    fs::remove_file(&key).unwrap();
    let err = LocalStore::open(&config(dir.path())).err().unwrap();
    let msg = err.to_string();
    assert!(matches!(err, StoreError::Config(_)), "{err:?}");
    assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
    assert!(msg.contains(&key.display().to_string()), "{msg}");
    assert_eq!(msg.lines().count(), 1, "{msg}");
    assert!(!key.exists());
    assert_eq!(fs::read(&file).unwrap(), before);

    // Only the recipient file left (every secret deleted by hand): still
    // a made store, so a write does not silently start a new key.
    fs::remove_dir_all(dir.path().join("secrets")).unwrap();
    assert!(LocalStore::open(&config(dir.path())).is_err());
    assert!(!key.exists());
}

#[tokio::test]
async fn a_wrong_key_is_named_with_both_fingerprints_and_the_file_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    s.write("app/db", &data("v1"), Cas::Any).await.unwrap();
    let made_with = fingerprint(&s.identity().unwrap().unwrap().to_public());
    let file = dir.path().join("secrets/app/db.age");
    let before = fs::read(&file).unwrap();
    let key = dir.path().join("key.txt");
    other_key_file(&key);
    let this = fingerprint(&read_key_file(&key).unwrap().unwrap().to_public());
    let err = LocalStore::open(&config(dir.path())).err().unwrap();
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("wrong key for {}", s.describe())),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("made with key fingerprint {made_with}")),
        "{msg}"
    );
    assert!(msg.contains(&this), "{msg}");
    assert_ne!(made_with, this);
    assert_eq!(fs::read(&file).unwrap(), before);
}

#[tokio::test]
async fn a_store_from_before_recipients_records_its_key_only_once_the_key_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    s.write("app/db", &data("v1"), Cas::Any).await.unwrap();
    let recipient = dir.path().join(RECIPIENT_FILE);
    let key = dir.path().join("key.txt");
    let good_key = fs::read(&key).unwrap();
    fs::remove_file(&recipient).unwrap();

    // Another key: reads say the file is not for it, writes refuse.
    other_key_file(&key);
    let wrong = store(dir.path());
    let err = wrong.read("app/db", None).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("not encrypted to this store's key"),
        "{err}"
    );
    let err = wrong.write("new", &data("x"), Cas::Any).await.unwrap_err();
    assert!(err.to_string().starts_with("wrong key for"), "{err}");
    assert!(!recipient.exists());
    assert!(!dir.path().join("secrets/new.age").exists());

    // The right key: the next write records it.
    fs::remove_file(&key).unwrap();
    fs::write(&key, &good_key).unwrap();
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    let right = store(dir.path());
    right.write("new", &data("x"), Cas::Any).await.unwrap();
    assert!(recipient.exists());
    assert_eq!(right.read("app/db", None).await.unwrap().data, data("v1"));
}

#[tokio::test]
async fn a_key_file_from_elsewhere_is_checked_against_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    s.write("a", &data("v"), Cas::Any).await.unwrap();
    // KVAULT_LOCAL_KEY is read from the process environment, shared by
    // the tests: use a key file elsewhere instead, the same path.
    let elsewhere = dir.path().join("other-key.txt");
    other_key_file(&elsewhere);
    let err = LocalStore::open(&LocalConfig {
        key_file: Some(elsewhere.clone()),
        ..config(dir.path())
    })
    .err()
    .unwrap();
    assert!(err.to_string().contains(&elsewhere.display().to_string()));
    assert!(err.to_string().starts_with("wrong key for"), "{err}");
}

#[test]
fn a_fifo_in_the_store_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    block_on(store(&root).write("good", &data("v"), Cas::Any)).unwrap();
    nix::unistd::mkfifo(
        &root.join("secrets/pipe.age"),
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .unwrap();
    let (err, listing) = within_10s(move || {
        let s = store(&root);
        (
            block_on(s.read("pipe", None)).unwrap_err(),
            block_on(s.list_entries("")).unwrap(),
        )
    });
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert!(err.to_string().contains("pipe.age"), "{err}");
    assert!(err.to_string().contains("a FIFO"), "{err}");
    assert_eq!(listing.names, vec!["good"]);
    assert_eq!(listing.skipped.len(), 1);
}

#[test]
fn a_symlink_to_dev_zero_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    block_on(store(&root).write("good", &data("v"), Cas::Any)).unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.join("secrets/zero.age")).unwrap();
    std::os::unix::fs::symlink(root.join("secrets/good.age"), root.join("secrets/link.age"))
        .unwrap();
    let (zero, link) = within_10s(move || {
        let s = store(&root);
        (
            block_on(s.read("zero", None)).unwrap_err(),
            block_on(s.read("link", None)).unwrap_err(),
        )
    });
    for err in [zero, link] {
        assert!(err.to_string().contains("a symbolic link"), "{err}");
    }
}

#[test]
fn a_socket_named_like_a_secret_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    block_on(store(&root).write("good", &data("v"), Cas::Any)).unwrap();
    let _listener = std::os::unix::net::UnixListener::bind(root.join("secrets/sock.age")).unwrap();
    let err = within_10s(move || block_on(store(&root).read("sock", None)).unwrap_err());
    assert!(err.to_string().contains("a socket"), "{err}");
}

#[tokio::test]
async fn a_file_over_the_size_cap_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    s.write("a", &data("v"), Cas::Any).await.unwrap();
    let big = dir.path().join("secrets/big.age");
    fs::File::create(&big)
        .unwrap()
        .set_len(MAX_FILE_BYTES + 1)
        .unwrap();
    let err = s.read("big", None).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains(&big.display().to_string()), "{msg}");
    assert!(
        msg.contains("too large (64.0 MiB; the local store reads at most 64 MiB a file)"),
        "{msg}"
    );
    let listing = s.list_entries("").await.unwrap();
    assert_eq!(listing.names, vec!["a"]);
}

#[tokio::test]
async fn a_write_that_would_pass_the_size_cap_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    s.max_file_bytes = 4096;
    s.write("a", &data("small"), Cas::Any).await.unwrap();
    let file = dir.path().join("secrets/a.age");
    let before = fs::read(&file).unwrap();
    let err = s
        .write("a", &data(&"x".repeat(5000)), Cas::Any)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::BadInput(_)), "{err:?}");
    assert!(err.to_string().contains(ENV_MAX_VERSIONS), "{err}");
    assert!(!err.to_string().contains("xxxx"), "{err}");
    assert_eq!(fs::read(&file).unwrap(), before);
}

#[tokio::test]
async fn listing_skips_bad_entries_says_why_and_keeps_the_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    s.write("app/good", &data("v"), Cas::Any).await.unwrap();
    s.write("app/moved", &data("v"), Cas::Any).await.unwrap();
    s.write("app/x/y", &data("v"), Cas::Any).await.unwrap();
    let secrets = dir.path().join("secrets/app");
    fs::write(secrets.join("garbage.age"), b"not age at all").unwrap();
    fs::copy(secrets.join("good.age"), secrets.join("copy.age")).unwrap();
    let listing = s.list_entries("app").await.unwrap();
    assert_eq!(listing.names, vec!["good", "moved", "x/"]);
    let skipped: Vec<&str> = listing.skipped.iter().map(|k| k.path.as_str()).collect();
    assert_eq!(
        skipped,
        vec![
            secrets.join("copy.age").to_str().unwrap(),
            secrets.join("garbage.age").to_str().unwrap()
        ]
    );
    for k in &listing.skipped {
        assert_eq!(k.why.lines().count(), 1, "{}", k.why);
    }
    assert!(listing.skipped[0].why.contains("not the secret `app/copy`"));
    assert_eq!(s.list("app").await.unwrap(), listing.names);
}

#[tokio::test]
async fn temporary_files_left_by_a_killed_writer_are_removed_by_the_next_write() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    s.write("app/db", &data("v1"), Cas::Any).await.unwrap();
    let stale = [
        dir.path().join("secrets/app/.tmp-a1b2c3"),
        dir.path().join("secrets/.tmp-d4e5f6"),
        dir.path().join(".tmp-key123"),
    ];
    for f in &stale {
        fs::write(f, b"half a write").unwrap();
    }
    assert_eq!(s.list("app").await.unwrap(), vec!["db"]);
    assert_eq!(s.list("").await.unwrap(), vec!["app/"]);
    s.write("other", &data("v"), Cas::Any).await.unwrap();
    for f in &stale {
        assert!(!f.exists(), "{} is left", f.display());
    }
    assert_eq!(s.read("app/db", None).await.unwrap().data, data("v1"));
}

#[tokio::test]
async fn history_keeps_the_newest_max_versions_and_numbers_keep_increasing() {
    let dir = tempfile::tempdir().unwrap();
    let s = LocalStore::open(&LocalConfig {
        max_versions: Some("3".into()),
        ..config(dir.path())
    })
    .unwrap();
    for i in 1..=5 {
        s.write("a", &data(&format!("v{i}")), Cas::Any)
            .await
            .unwrap();
    }
    let kept: Vec<u64> = s
        .versions("a")
        .await
        .unwrap()
        .iter()
        .map(|v| v.version)
        .collect();
    assert_eq!(kept, vec![3, 4, 5]);
    assert!(s.read("a", Some(2)).await.unwrap_err().is_not_found());
    assert_eq!(s.read("a", Some(3)).await.unwrap().data, data("v3"));
    assert_eq!(s.write("a", &data("v6"), Cas::Version(5)).await.unwrap(), 6);
}

#[test]
fn the_default_is_ten_versions_and_a_bad_setting_is_a_one_line_error() {
    assert_eq!(LocalConfig::default().max_versions().unwrap(), 10);
    let with = |v: &str| LocalConfig {
        max_versions: Some(v.into()),
        ..Default::default()
    };
    assert_eq!(with(" 25 ").max_versions().unwrap(), 25);
    for bad in ["0", "-1", "ten", "", "1.5", "99999999999999999999999"] {
        let err = with(bad).max_versions().unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, StoreError::Config(_)));
        assert!(msg.starts_with(ENV_MAX_VERSIONS), "{msg}");
        assert_eq!(msg.lines().count(), 1, "{msg}");
    }
    let dir = tempfile::tempdir().unwrap();
    assert!(LocalStore::open(&LocalConfig {
        max_versions: Some("0".into()),
        ..config(dir.path())
    })
    .is_err());
}

#[test]
fn concurrent_first_writes_all_land_under_one_key() {
    for _round in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let threads: Vec<_> = (0..16)
            .map(|i| {
                let root = root.clone();
                std::thread::spawn(move || {
                    let s = LocalStore::open(&config(&root)).unwrap();
                    block_on(s.write(&format!("k{i}"), &data(&format!("v{i}")), Cas::Any))
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap().unwrap();
        }
        let s = store(&root);
        for i in 0..16 {
            let got = block_on(s.read(&format!("k{i}"), None)).unwrap();
            assert_eq!(got.data, data(&format!("v{i}")));
        }
    }
}

#[tokio::test]
async fn a_truncated_file_is_reported_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    s.write("app/db", &data("v1"), Cas::Any).await.unwrap();
    let file = dir.path().join("secrets/app/db.age");
    let bytes = fs::read(&file).unwrap();
    fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let err = s.read("app/db", None).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert_eq!(err.to_string().lines().count(), 1, "{err}");
    assert!(s.write("app/db", &data("v2"), Cas::Any).await.is_err());
    assert_eq!(fs::read(&file).unwrap(), &bytes[..bytes.len() / 2]);
}

#[tokio::test]
async fn a_file_moved_to_another_path_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    s.write("app/db", &data("v1"), Cas::Any).await.unwrap();
    fs::copy(
        dir.path().join("secrets/app/db.age"),
        dir.path().join("secrets/app/api.age"),
    )
    .unwrap();
    assert!(matches!(
        s.read("app/api", None).await,
        Err(StoreError::Corrupt(_))
    ));
}

#[tokio::test]
async fn paths_starting_with_a_dot_are_reserved_for_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    for bad in [".tmp-x", "app/.hidden", "a/../b", "x.age"] {
        assert!(
            matches!(
                s.write(bad, &data("v"), Cas::Any).await,
                Err(StoreError::BadInput(_))
            ),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn versions_cas_list_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    s.write("app/db", &data("a"), Cas::MustNotExist)
        .await
        .unwrap();
    s.write("app/db", &data("b"), Cas::Version(1))
        .await
        .unwrap();
    assert!(matches!(
        s.write("app/db", &data("c"), Cas::Version(1)).await,
        Err(StoreError::CasConflict { .. })
    ));
    s.write("app/x/y", &data("a"), Cas::Any).await.unwrap();
    assert_eq!(s.list("app").await.unwrap(), vec!["db", "x/"]);
    assert_eq!(s.read("app/db", Some(1)).await.unwrap().data, data("a"));
    s.delete("app/db").await.unwrap();
    assert!(s.read("app/db", None).await.unwrap_err().is_not_found());
    assert_eq!(s.versions("app/db").await.unwrap().len(), 2);
    assert_eq!(s.list("app").await.unwrap(), vec!["x/"]);
}

/// `app/db` written three times: versions 1 to 3.
async fn three_versions(s: &LocalStore) {
    for v in ["a", "b", "c"] {
        s.write("app/db", &data(v), Cas::Any).await.unwrap();
    }
}

/// Each version of `app/db`, and whether it is deleted.
async fn deleted_flags(s: &LocalStore) -> Vec<(u64, bool)> {
    let versions = s.versions("app/db").await.unwrap();
    versions.iter().map(|v| (v.version, v.deleted)).collect()
}

#[tokio::test]
async fn deleting_chosen_versions_marks_them_deleted_and_keeps_the_rest_readable() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    three_versions(&s).await;
    s.delete_versions("app/db", &Deletion::Versions(vec![1, 3]))
        .await
        .unwrap();
    assert_eq!(deleted_flags(&s).await, [(1, true), (2, false), (3, true)]);
    assert!(s.read("app/db", None).await.unwrap_err().is_not_found());
    assert!(s.read("app/db", Some(1)).await.unwrap_err().is_not_found());
    assert_eq!(s.read("app/db", Some(2)).await.unwrap().data, data("b"));
}

#[tokio::test]
async fn deleting_a_version_that_is_not_kept_is_not_found_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    three_versions(&s).await;
    let file = dir.path().join("secrets/app/db.age");
    let before = fs::read(&file).unwrap();
    let err = s
        .delete_versions("app/db", &Deletion::Versions(vec![1, 9]))
        .await
        .unwrap_err();
    match &err {
        StoreError::NotFound { path, .. } => assert_eq!(path, "app/db version 9"),
        other => panic!("{other:?}"),
    }
    assert_eq!(fs::read(&file).unwrap(), before, "the file was rewritten");
    assert_eq!(
        deleted_flags(&s).await,
        [(1, false), (2, false), (3, false)]
    );
}

#[tokio::test]
async fn destroying_single_versions_is_refused_and_points_at_all_versions() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    three_versions(&s).await;
    match s
        .delete_versions("app/db", &Deletion::Destroy(vec![1]))
        .await
    {
        Err(StoreError::BadInput(m)) => {
            assert!(
                m.contains("cannot destroy single versions of `app/db`"),
                "{m}"
            );
            assert!(m.contains("--all-versions"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        deleted_flags(&s).await,
        [(1, false), (2, false), (3, false)]
    );
}

#[tokio::test]
async fn deleting_all_versions_removes_the_secret_with_its_history() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    three_versions(&s).await;
    s.write("app/other", &data("x"), Cas::Any).await.unwrap();
    s.delete_versions("app/db", &Deletion::All).await.unwrap();
    assert!(!dir.path().join("secrets/app/db.age").exists());
    assert!(s.versions("app/db").await.unwrap_err().is_not_found());
    assert_eq!(s.list("app").await.unwrap(), vec!["other"]);
    let again = s.delete_versions("app/db", &Deletion::All).await;
    assert!(again.unwrap_err().is_not_found());
}

#[tokio::test]
async fn deleting_versions_in_an_empty_store_finds_nothing_and_makes_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    for which in [Deletion::Versions(vec![1]), Deletion::All] {
        let err = s.delete_versions("app/db", &which).await.unwrap_err();
        assert!(err.is_not_found(), "{which:?}: {err:?}");
    }
    assert!(!dir.path().join("key.txt").exists());
    assert!(!dir.path().join("secrets").exists());
}
