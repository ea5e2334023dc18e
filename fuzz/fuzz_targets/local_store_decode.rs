//! The local store's decoder on arbitrary file contents: reading a secret
//! whose file holds the fuzz input is an error (`Corrupt`: a random input is
//! not an age file for this store's key), never a panic.

#![no_main]

#[path = "common/mod.rs"]
mod common;

use kvault::store::local::{LocalConfig, LocalStore};
use kvault::store::{Cas, SecretData, SecretStore, SecretValue, StoreError};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

struct Fixture {
    runtime: tokio::runtime::Runtime,
    store: LocalStore,
    file: PathBuf,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let root = common::scratch_dir("local_store_decode");
        let store = LocalStore::open(&LocalConfig {
            root: Some(root.clone()),
            ..Default::default()
        })
        .expect("open the local store");
        let runtime = common::runtime();
        // A first write makes the store's key: reads of a store without one
        // find nothing rather than decrypt anything.
        let mut seed = SecretData::new();
        seed.insert("k", SecretValue::from_str_value("v"));
        runtime
            .block_on(store.write("seed", &seed, Cas::Any))
            .expect("the first write");
        Fixture {
            runtime,
            store,
            file: root.join("secrets").join("x.age"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    std::fs::write(&f.file, data).expect("write the secret file");
    let outcome = f.runtime.block_on(f.store.read("x", None));
    match outcome {
        Err(StoreError::Corrupt(msg)) => {
            assert!(
                msg.contains("x.age"),
                "the message does not name the file: {msg}"
            );
        }
        Err(other) => panic!("expected Corrupt, got {other:?}"),
        Ok(secret) => panic!(
            "an arbitrary input decrypted with this store's fresh key: {} keys",
            secret.data.len()
        ),
    }
    // The store never rewrites a file it cannot read.
    assert_eq!(std::fs::read(&f.file).expect("read back"), data);
});
