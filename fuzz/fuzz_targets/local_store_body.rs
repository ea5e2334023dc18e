//! The local store's decoder past the age envelope: the fuzz input is
//! encrypted to the store's own key, so it reaches the JSON, base64 and
//! version-history decoding. Reading is `Ok` or `Corrupt`/`NotFound`, never a
//! panic; when the file decodes, a write on top of it must give a new,
//! unique, greater version that reads back.

#![no_main]

#[path = "common/mod.rs"]
mod common;

use age::secrecy::ExposeSecret;
use kvault::store::local::{LocalConfig, LocalStore};
use kvault::store::{Cas, SecretData, SecretStore, SecretValue, StoreError};
use libfuzzer_sys::fuzz_target;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::OnceLock;

struct Fixture {
    runtime: tokio::runtime::Runtime,
    store: LocalStore,
    recipient: age::x25519::Recipient,
    file: PathBuf,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let root = common::scratch_dir("local_store_body");
        let identity = age::x25519::Identity::generate();
        let key_file = root.join("key.txt");
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&key_file)
            .expect("create the key file");
        writeln!(f, "{}", identity.to_string().expose_secret()).expect("write the key file");
        let store = LocalStore::open(&LocalConfig {
            root: Some(root.clone()),
            key_file: Some(key_file),
            key_from_env: None,
            max_versions: None,
        })
        .expect("open the local store");
        std::fs::create_dir_all(root.join("secrets")).expect("create the secrets directory");
        Fixture {
            runtime: common::runtime(),
            store,
            recipient: identity.to_public(),
            file: root.join("secrets").join("x.age"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let sealed = age::encrypt(&f.recipient, data).expect("encrypt");
    std::fs::write(&f.file, &sealed).expect("write the secret file");
    let rt = &f.runtime;

    let current = match rt.block_on(f.store.read("x", None)) {
        Ok(secret) => Some(secret),
        Err(StoreError::Corrupt(_)) => {
            // Undecodable: a write refuses it and it stays as is. (Each store
            // call costs an X25519 operation, the bulk of the time here, so
            // the checks are few.)
            assert!(matches!(
                rt.block_on(f.store.write("x", &one("k", b"v"), Cas::Any)),
                Err(StoreError::Corrupt(_))
            ));
            assert_eq!(std::fs::read(&f.file).expect("read back"), sealed);
            return;
        }
        Err(StoreError::NotFound { .. }) => None,
        Err(other) => panic!("reading a decrypted file gave {other:?}"),
    };

    // It decodes: the history is consistent with the read.
    let infos = rt
        .block_on(f.store.versions("x"))
        .expect("versions of a file that reads");
    if let Some(secret) = &current {
        let v = secret
            .version
            .expect("the local store versions every secret");
        assert!(infos
            .iter()
            .any(|i| i.version == v && i.current && !i.deleted));
    }
    // The oldest and the newest version, by number.
    let ends = [infos.first(), infos.last()];
    for info in ends.into_iter().flatten() {
        match rt.block_on(f.store.read("x", Some(info.version))) {
            Ok(s) => assert_eq!(s.version, Some(info.version)),
            Err(StoreError::NotFound { .. }) => {}
            Err(other) => panic!("reading version {} gave {other:?}", info.version),
        }
    }

    // A write on top appends a version no existing one has, greater than all
    // (regressions/local_store_body/: histories out of order or at u64::MAX
    // must be refused as corrupt, not written over).
    let highest = infos.iter().map(|i| i.version).max();
    let value = one("fuzz", data);
    let written = rt
        .block_on(f.store.write("x", &value, Cas::Any))
        .expect("a write on top of a decodable file");
    assert!(
        highest.is_none_or(|h| written > h),
        "wrote version {written} on top of versions {:?}",
        infos.iter().map(|i| i.version).collect::<Vec<_>>()
    );
    let back = rt.block_on(f.store.read("x", None)).expect("read back");
    assert_eq!(back.version, Some(written));
    assert_eq!(back.data, value);
});

fn one(key: &str, value: &[u8]) -> SecretData {
    let mut d = SecretData::new();
    d.insert(key, SecretValue::new(value.to_vec()));
    d
}
