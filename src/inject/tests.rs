//! `resolve_env` on the memory store.
use super::*;
use crate::exit::Code;
use crate::store::layer::{Layer, Layered, Op};
use crate::store::memory::MemoryStore;
use crate::store::{Cas, SecretData, SecretStore};
use std::sync::atomic::Ordering;
use std::sync::Arc;

async fn stores_with(secrets: &[(&str, &[(&str, &str)])]) -> (Stores, Arc<MemoryStore>) {
    let mem = Arc::new(MemoryStore::new());
    for (path, pairs) in secrets {
        let data: SecretData = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), SecretValue::from_str_value(v)))
            .collect();
        mem.write(path, &data, Cas::Any).await.unwrap();
    }
    let stores = Stores::with(vec![(Scheme::Local, mem.clone() as Arc<dyn SecretStore>)]);
    (stores, mem)
}

fn env(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
    pairs.iter().map(|(k, v)| (k.into(), v.into())).collect()
}

fn get<'a>(out: &'a Injected, name: &str) -> Option<&'a str> {
    out.env
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.to_str())
}

#[tokio::test]
async fn references_are_replaced_with_one_read_per_secret() {
    let (stores, mem) = stores_with(&[
        ("app/db", &[("user", "u1"), ("pass", "p1")]),
        ("app/api", &[("token", "t1")]),
    ])
    .await;
    let e = env(&[
        ("USER", "local:app/db#user"),
        ("PASS", "local:app/db#pass"),
        ("DSN", "${local:app/db#user}:${local:app/db#pass}@db"),
        ("TOKEN", "local:app/api#token"),
        ("PLAIN", "left alone"),
    ]);
    let out = resolve_env(&e, &stores, &InjectOptions::default(), &Leases::default())
        .await
        .unwrap();
    assert_eq!(get(&out, "USER"), Some("u1"));
    assert_eq!(get(&out, "DSN"), Some("u1:p1@db"));
    assert_eq!(get(&out, "TOKEN"), Some("t1"));
    assert_eq!(get(&out, "PLAIN"), Some("left alone"));
    assert_eq!(mem.reads.load(Ordering::SeqCst), 2);
    assert_eq!(out.reads, 2);
}

#[tokio::test]
async fn a_missing_key_fails_naming_the_variable_not_the_value() {
    let (stores, _) = stores_with(&[("app/db", &[("user", "secret-user-value")])]).await;
    let e = env(&[("PASS", "local:app/db#pass"), ("USER", "local:app/db#user")]);
    let err = resolve_env(&e, &stores, &InjectOptions::default(), &Leases::default())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(crate::exit::Failure::from(err).code, Code::No);
    assert!(text.contains("PASS=`local:app/db#pass`"), "{text}");
    assert!(!text.contains("secret-user-value"));
}

#[tokio::test]
async fn ignore_missing_leaves_the_variable_unset() {
    let (stores, _) = stores_with(&[]).await;
    let e = env(&[("PASS", "local:app/db#pass")]);
    let opts = InjectOptions {
        ignore_missing: true,
        ..Default::default()
    };
    let out = resolve_env(&e, &stores, &opts, &Leases::default())
        .await
        .unwrap();
    assert_eq!(get(&out, "PASS"), None);
    assert_eq!(out.skipped, vec!["PASS"]);
}

#[tokio::test]
async fn credentials_are_removed_unless_passed_through() {
    let (stores, _) = stores_with(&[]).await;
    let e = env(&[
        ("VAULT_TOKEN", "s.tok"),
        ("VAULT_ADDR", "http://127.0.0.1:1"),
        ("VAULT_ROLE_ID", "r"),
    ]);
    let out = resolve_env(&e, &stores, &InjectOptions::default(), &Leases::default())
        .await
        .unwrap();
    assert_eq!(get(&out, "VAULT_TOKEN"), None);
    assert_eq!(get(&out, "VAULT_ROLE_ID"), None);
    assert_eq!(get(&out, "VAULT_ADDR"), Some("http://127.0.0.1:1"));
    let opts = InjectOptions {
        passthrough: ["VAULT_TOKEN".to_string()].into(),
        ..Default::default()
    };
    let out = resolve_env(&e, &stores, &opts, &Leases::default())
        .await
        .unwrap();
    assert_eq!(get(&out, "VAULT_TOKEN"), Some("s.tok"));
    assert_eq!(get(&out, "VAULT_ROLE_ID"), None);
}

#[tokio::test]
async fn env_from_path_adds_every_key_without_overriding() {
    let (stores, _) = stores_with(&[("app/cfg", &[("A", "1"), ("B", "2")])]).await;
    let e = env(&[("B", "explicit")]);
    let opts = InjectOptions {
        from_paths: vec!["local:app/cfg".into()],
        ..Default::default()
    };
    let out = resolve_env(&e, &stores, &opts, &Leases::default())
        .await
        .unwrap();
    assert_eq!(get(&out, "A"), Some("1"));
    assert_eq!(get(&out, "B"), Some("explicit"));
}

#[tokio::test]
async fn env_from_path_skips_keys_that_cannot_be_variable_names_without_overriding() {
    let (stores, _) = stores_with(&[(
        "app/cfg",
        &[("", "e"), ("A=evil", "x"), ("B", "2"), ("N\0UL", "n")],
    )])
    .await;
    let e = env(&[("A", "explicit")]);
    let opts = InjectOptions {
        from_paths: vec!["local:app/cfg".into()],
        ..Default::default()
    };
    let out = resolve_env(&e, &stores, &opts, &Leases::default())
        .await
        .unwrap();
    assert_eq!(get(&out, "A"), Some("explicit"));
    assert_eq!(get(&out, "B"), Some("2"));
    let names: Vec<_> = out.env.iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(names, ["A", "B"]);
    assert_eq!(out.warnings.len(), 3, "{:?}", out.warnings);
    assert!(out.warnings[0].contains("`app/cfg`: key 1 of 4"));
    assert!(out.warnings.iter().all(|w| !w.contains("evil")));
}

/// A memory store that counts the reads in flight at once.
struct Gauge {
    inner: MemoryStore,
    now: std::sync::atomic::AtomicUsize,
    max: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl Layer for Gauge {
    fn inner(&self) -> &dyn SecretStore {
        &self.inner
    }
    fn describe(&self) -> String {
        "gauge".into()
    }
    async fn before(&self, op: Op, _path: &str) -> Result<(), StoreError> {
        if op == Op::Read {
            let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.max.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            self.now.fetch_sub(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

#[tokio::test]
async fn at_most_read_concurrency_reads_are_in_flight_at_once() {
    let inner = MemoryStore::new();
    let data = SecretData::from_pairs(&[("k", "v")]);
    for i in 0..500 {
        inner
            .write(&format!("many/{i}"), &data, Cas::Any)
            .await
            .unwrap();
    }
    let gauge = Arc::new(Layered(Gauge {
        inner,
        now: 0.into(),
        max: 0.into(),
    }));
    let stores = Stores::with(vec![(Scheme::Local, gauge.clone() as Arc<dyn SecretStore>)]);
    let e: Vec<(OsString, OsString)> = (0..500)
        .map(|i| (format!("V{i}").into(), format!("local:many/{i}#k").into()))
        .collect();
    let out = resolve_env(&e, &stores, &InjectOptions::default(), &Leases::default())
        .await
        .unwrap();
    assert_eq!(out.reads, 500);
    let max = gauge.max.load(Ordering::SeqCst);
    assert!(max > 1 && max <= READ_CONCURRENCY, "{max} at once");
}

#[tokio::test]
async fn vault_env_options_are_read_from_the_environment() {
    let e = env(&[
        ("VAULT_IGNORE_MISSING_SECRETS", "true"),
        ("VAULT_ENV_PASSTHROUGH", "VAULT_TOKEN, VAULT_ROLE_ID"),
        ("VAULT_ENV_FROM_PATH", "secret/a,secret/b"),
        ("VAULT_TRANSIT_KEY_ID", "k1"),
        ("VAULT_TOKEN", "vault:login"),
    ]);
    let o = InjectOptions::from_env(&e);
    assert!(o.ignore_missing && o.token_to_child);
    assert!(!o.daemon && o.delay.is_none() && !o.log_server);
    assert_eq!(o.passthrough.len(), 2);
    assert_eq!(o.from_paths, vec!["secret/a", "secret/b"]);
    assert_eq!(
        (o.transit_key.as_deref(), o.transit_path.as_str()),
        (Some("k1"), "transit")
    );
}

#[test]
fn daemon_delay_and_log_server_are_read_from_the_environment() {
    let o = InjectOptions::from_env(&env(&[
        ("VAULT_ENV_DAEMON", "t"),
        ("VAULT_ENV_DELAY", "1m30s"),
        ("VAULT_ENV_LOG_SERVER", "127.0.0.1:514"),
    ]));
    assert!(o.problems.is_empty(), "{:?}", o.problems);
    assert!(o.daemon && o.log_server);
    assert_eq!(o.delay, Some(std::time::Duration::from_secs(90)));
    let o = InjectOptions::from_env(&env(&[("VAULT_ENV_DELAY", "0")]));
    assert!(o.problems.is_empty() && o.delay.is_none());
    let o = InjectOptions::from_env(&env(&[
        ("VAULT_ENV_DAEMON", "on"),
        ("VAULT_ENV_DELAY", "5"),
    ]));
    assert_eq!(o.problems.len(), 2, "{:?}", o.problems);
    assert!(o.problems[0].starts_with("VAULT_ENV_DAEMON=`on` is not a boolean"));
    assert!(o.problems[1].starts_with("VAULT_ENV_DELAY=`5` has no unit"));
}

#[test]
fn a_child_handed_the_token_gets_the_one_address_in_use() {
    let mut env: Vec<(OsString, OsString)> = vec![
        ("VAULT_ADDR".into(), "http://a:8200, http://b:8200".into()),
        ("OTHER".into(), "x,y".into()),
    ];
    super::pin_address(&mut env, 1);
    assert_eq!(env[0].1, "http://b:8200");
    assert_eq!(env[1].1, "x,y", "only the address variables");
    let mut single: Vec<(OsString, OsString)> = vec![("BAO_ADDR".into(), "http://a:8200".into())];
    super::pin_address(&mut single, 0);
    assert_eq!(single[0].1, "http://a:8200");
}
