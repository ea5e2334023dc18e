//! The engine behind `kvault exec`: turn an environment that holds
//! references into one that holds values. One read per distinct secret
//! (path + version), all reads concurrent; one request per distinct dynamic
//! reference; transit ciphertexts decrypted in one batch. At most
//! [`READ_CONCURRENCY`] reads are in flight at once, so thousands of
//! references do not open thousands of connections (or files) together.

pub mod child;
pub mod env_file;
pub mod go_duration;
pub mod key_template;
pub mod limits;
pub mod plan;
pub mod scrub;
pub mod supervisor;
pub mod token;

use crate::exit::Code;
use crate::store::vault::{Lease, VaultStore, CREDENTIAL_VARS};
use crate::store::{Reference, Scheme, Secret, SecretData, SecretValue, StoreError, Stores};
use futures::stream::{self, StreamExt};
use plan::{DynamicRequest, Part, Wanted};
use std::collections::{BTreeSet, HashMap};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStringExt;

/// Switches of the injection, from flags and vault-env's variables.
#[derive(Clone, Debug, Default)]
pub struct InjectOptions {
    /// Leave a variable unset when its secret or key is missing.
    pub ignore_missing: bool,
    /// Keep kvault's credentials in the child's environment.
    pub pass_credentials: bool,
    /// Credential variables to keep anyway (`VAULT_ENV_PASSTHROUGH`).
    pub passthrough: BTreeSet<String>,
    /// Secrets whose every key becomes a variable (`VAULT_ENV_FROM_PATH`).
    pub from_paths: Vec<String>,
    /// Transit key for `vault:v1:` values (`VAULT_TRANSIT_KEY_ID`).
    pub transit_key: Option<String>,
    /// Transit mount (`VAULT_TRANSIT_PATH`, default `transit`).
    pub transit_path: String,
    /// `VAULT_TOKEN=vault:login`: give the child the token kvault logged in with.
    pub token_to_child: bool,
    /// `VAULT_REVOKE_TOKEN`: revoke kvault's token once the secrets are read.
    pub revoke_token: bool,
    /// `VAULT_ENV_DAEMON`: stay the command's parent (signals, exit code,
    /// renewals), without the re-reads of `--watch`.
    pub daemon: bool,
    /// `VAULT_ENV_DELAY`: wait this long after the secrets are read, before
    /// the command starts.
    pub delay: Option<std::time::Duration>,
    /// `VAULT_ENV_LOG_SERVER` is set: declined (a warning).
    pub log_server: bool,
    /// Settings present but unusable (one line each); exec refuses to run.
    pub problems: Vec<String>,
}

impl InjectOptions {
    /// Read vault-env's variables from `env`.
    pub fn from_env(env: &[(OsString, OsString)]) -> Self {
        let mut problems = Vec::new();
        let get = |name: &str| {
            env.iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.to_str())
                .map(str::to_string)
                .filter(|v| !v.is_empty())
        };
        let list = |name: &str| {
            get(name)
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<String>>()
                })
                .unwrap_or_default()
        };
        let mut switch = |name: &str| match get(name) {
            Some(v) => crate::store::vault::config::parse_bool(name, &v).unwrap_or_else(|p| {
                problems.push(p);
                false
            }),
            None => false,
        };
        let daemon = switch("VAULT_ENV_DAEMON");
        let delay = get("VAULT_ENV_DELAY").and_then(|v| {
            go_duration::parse_delay("VAULT_ENV_DELAY", &v)
                .map_err(|p| problems.push(p))
                .ok()
                .filter(|d| !d.is_zero())
        });
        InjectOptions {
            // Go's strconv.ParseBool, as vault-env reads its switches; a
            // value it would refuse is a problem, not a silent `false`.
            ignore_missing: match get("VAULT_IGNORE_MISSING_SECRETS") {
                Some(v) => {
                    crate::store::vault::config::parse_bool("VAULT_IGNORE_MISSING_SECRETS", &v)
                        .unwrap_or_else(|p| {
                            problems.push(p);
                            false
                        })
                }
                None => false,
            },
            pass_credentials: false,
            passthrough: list("VAULT_ENV_PASSTHROUGH").into_iter().collect(),
            from_paths: list("VAULT_ENV_FROM_PATH"),
            transit_key: get("VAULT_TRANSIT_KEY_ID"),
            transit_path: get("VAULT_TRANSIT_PATH").unwrap_or_else(|| "transit".into()),
            token_to_child: get("VAULT_TOKEN").is_some_and(|v| v == "vault:login"),
            revoke_token: match get("VAULT_REVOKE_TOKEN") {
                Some(v) => crate::store::vault::config::parse_bool("VAULT_REVOKE_TOKEN", &v)
                    .unwrap_or_else(|p| {
                        problems.push(p);
                        false
                    }),
                None => false,
            },
            daemon,
            delay,
            log_server: get("VAULT_ENV_LOG_SERVER").is_some(),
            problems,
        }
    }
}

/// One `VAULT_ENV_FROM_PATH` entry: `[vault:]PATH[#VERSION]` (or another
/// scheme's `SCHEME:PATH`), as vault-env reads it.
fn from_path_key(entry: &str) -> Result<ReadKey, String> {
    let scheme = Scheme::prefix_of(entry).unwrap_or(Scheme::Vault);
    let rest = Scheme::prefix_of(entry).map_or(entry, |s| &entry[s.as_str().len() + 1..]);
    let (path, version) = match rest.rsplit_once('#') {
        Some((path, v)) => match v.parse::<u64>() {
            Ok(n) if n > 0 => (path, Some(n)),
            _ => {
                return Err(format!(
                    "VAULT_ENV_FROM_PATH `{entry}`: `{v}` after `#` is not a version number (PATH#VERSION)"
                ))
            }
        },
        None => (rest, None),
    };
    let path = path.trim_matches('/');
    if path.is_empty() {
        return Err(format!("VAULT_ENV_FROM_PATH `{entry}` names no path"));
    }
    Ok(ReadKey {
        scheme,
        path: path.to_string(),
        version,
    })
}

/// The environment to run the command with.
#[derive(Debug)]
pub struct Injected {
    pub env: Vec<(OsString, OsString)>,
    /// Variables left unset because their secret was missing (names only).
    pub skipped: Vec<String>,
    /// Things the user should know that did not stop the command (one line
    /// each, no values): keys of `VAULT_ENV_FROM_PATH` secrets skipped.
    pub warnings: Vec<String>,
    /// Distinct secret reads made.
    pub reads: usize,
}

/// Why the environment could not be resolved: one line per variable.
#[derive(Debug)]
pub struct InjectError {
    pub code: Code,
    pub lines: Vec<String>,
}

impl std::fmt::Display for InjectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.lines.join("\n"))
    }
}

/// Dynamic secrets issued so far and their leases.
#[derive(Default)]
pub struct Leases {
    issued: std::sync::Mutex<HashMap<DynamicRequest, Issued>>,
}

struct Issued {
    data: crate::store::SecretData,
    lease: Option<Lease>,
    /// When the lease was issued or last renewed.
    since: std::time::Instant,
}

impl Leases {
    async fn get_or_issue(
        &self,
        vault: &VaultStore,
        request: &DynamicRequest,
    ) -> Result<crate::store::SecretData, StoreError> {
        if let Some(issued) = self.issued.lock().expect("leases").get(request) {
            return Ok(issued.data.clone());
        }
        let (data, lease) = vault.write_dynamic(&request.path, &request.params).await?;
        self.issued.lock().expect("leases").insert(
            request.clone(),
            Issued {
                data: data.clone(),
                lease,
                since: std::time::Instant::now(),
            },
        );
        Ok(data)
    }

    /// Renew every lease past half its duration. A lease that cannot be
    /// renewed and is close to expiry is dropped, so the next resolve issues
    /// a fresh credential (and the watch loop restarts or signals the child).
    /// Returns how many were dropped.
    pub async fn renew_due(&self, vault: &VaultStore) -> usize {
        let mut dropped = 0;
        let due: Vec<(DynamicRequest, Lease, std::time::Duration)> = self
            .issued
            .lock()
            .expect("leases")
            .iter()
            .filter_map(|(req, issued)| {
                let lease = issued.lease.clone()?;
                (issued.since.elapsed() >= lease.duration / 2)
                    .then(|| (req.clone(), lease, issued.since.elapsed()))
            })
            .collect();
        for (request, lease, age) in due {
            let renewed = if lease.renewable {
                vault.renew_lease(&lease).await
            } else {
                Err(StoreError::BadInput("not renewable".into()))
            };
            let mut issued = self.issued.lock().expect("leases");
            match renewed {
                Ok(duration) => {
                    tracing::debug!(path = %request.path, ?duration, "renewed lease");
                    if let Some(entry) = issued.get_mut(&request) {
                        entry.since = std::time::Instant::now();
                        if let Some(l) = entry.lease.as_mut() {
                            l.duration = duration;
                        }
                    }
                }
                Err(e) if age >= lease.duration.mul_f64(0.8) => {
                    tracing::warn!(path = %request.path, "lease cannot be renewed ({e}) and is close to its expiry");
                    issued.remove(&request);
                    dropped += 1;
                }
                Err(e) => {
                    tracing::debug!(path = %request.path, "lease renewal failed, will retry: {e}")
                }
            }
        }
        dropped
    }

    /// Forget every issued secret: after logging in again, the old token's
    /// leases die with it, so the next resolve issues fresh credentials.
    pub fn clear(&self) {
        self.issued.lock().expect("leases").clear();
    }

    /// Whether any issued secret has a lease to look after.
    pub fn any(&self) -> bool {
        self.issued
            .lock()
            .expect("leases")
            .values()
            .any(|i| i.lease.is_some())
    }
}

/// One store read: a secret at a version.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct ReadKey {
    scheme: Scheme,
    path: String,
    version: Option<u64>,
}

impl From<&Reference> for ReadKey {
    fn from(r: &Reference) -> Self {
        ReadKey {
            scheme: r.scheme,
            path: r.path.clone(),
            version: r.version,
        }
    }
}

type Reads = HashMap<ReadKey, Result<Secret, StoreError>>;

/// Store reads (and dynamic secret requests) in flight at once. Bounds the
/// connections and files open together: 3,000 references run within a
/// 256 file descriptor limit.
pub const READ_CONCURRENCY: usize = 16;

/// Why a key of a `VAULT_ENV_FROM_PATH` secret cannot be a variable name,
/// if it cannot: empty, or holding `=` or NUL (`A=B` would reach the
/// command as the variable `A`, overriding an explicit one).
fn unfit_name(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        Some("it is empty")
    } else if key.contains('=') {
        Some("it holds `=`")
    } else if key.contains('\0') {
        Some("it holds a NUL byte")
    } else {
        None
    }
}

/// Resolve every reference in `env`. Dynamic secrets already in `leases`
/// are reused (their leases are renewed by `Leases::renew_due`), so a watch
/// loop does not issue a new credential on every re-read.
pub async fn resolve_env(
    env: &[(OsString, OsString)],
    stores: &Stores,
    opts: &InjectOptions,
    leases: &Leases,
) -> Result<Injected, InjectError> {
    let (wanted, plan_errors) = plan::plan(env);
    if !plan_errors.is_empty() {
        return Err(InjectError {
            code: Code::Error,
            lines: plan_errors.iter().map(ToString::to_string).collect(),
        });
    }

    // Distinct reads, then all of them at once.
    let mut keys: BTreeSet<ReadKey> = BTreeSet::new();
    let mut dynamics: BTreeSet<DynamicRequest> = BTreeSet::new();
    let mut ciphertexts: BTreeSet<String> = BTreeSet::new();
    for (_, w) in &wanted {
        match w {
            Wanted::Key(r) => {
                keys.insert(r.into());
            }
            Wanted::Template(parts) => {
                for part in parts {
                    match part {
                        Part::Reference(r) => {
                            keys.insert(r.into());
                        }
                        Part::Dynamic(d) => {
                            dynamics.insert(d.request.clone());
                        }
                        Part::Transit(c) => {
                            ciphertexts.insert(c.clone());
                        }
                        Part::Literal(_) => {}
                    }
                }
            }
            Wanted::Dynamic(d) => {
                dynamics.insert(d.request.clone());
            }
            Wanted::Transit(c) => {
                ciphertexts.insert(c.clone());
            }
        }
    }
    let from_path_keys: Vec<ReadKey> = opts
        .from_paths
        .iter()
        .map(|p| from_path_key(p))
        .collect::<Result<_, _>>()
        .map_err(|line| InjectError {
            code: Code::Error,
            lines: vec![line],
        })?;
    keys.extend(from_path_keys.iter().cloned());

    // Collected first: a lazy `map` over borrowed keys makes the future not
    // `Send` (rustc's "FnOnce is not general enough"), and `exec --watch`
    // re-reads on a task of its own.
    let pending: Vec<_> = keys
        .iter()
        .map(|k| async move {
            let result = match stores.get(k.scheme).await {
                Ok(store) => store.read(&k.path, k.version).await,
                Err(e) => Err(e),
            };
            (k.clone(), result)
        })
        .collect();
    let reads: Reads = stream::iter(pending)
        .buffer_unordered(READ_CONCURRENCY)
        .collect()
        .await;
    tracing::debug!(reads = reads.len(), "read secrets");

    let needs_vault = !dynamics.is_empty() || !ciphertexts.is_empty() || opts.token_to_child;
    let vault = if needs_vault {
        Some(stores.vault().await.map_err(|e| InjectError {
            code: Code::Error,
            lines: vec![e.to_string()],
        })?)
    } else {
        None
    };

    let dynamic_results: HashMap<DynamicRequest, Result<crate::store::SecretData, StoreError>> =
        match &vault {
            Some(v) => {
                let pending: Vec<_> = dynamics
                    .iter()
                    .map(|d| async move { (d.clone(), leases.get_or_issue(v, d).await) })
                    .collect();
                stream::iter(pending)
                    .buffer_unordered(READ_CONCURRENCY)
                    .collect()
                    .await
            }
            None => HashMap::new(),
        };

    let transit: HashMap<String, Result<SecretValue, String>> = if ciphertexts.is_empty() {
        HashMap::new()
    } else {
        let cts: Vec<String> = ciphertexts.iter().cloned().collect();
        match (&opts.transit_key, &vault) {
            (None, _) => cts
                .into_iter()
                .map(|c| {
                    (
                        c,
                        Err("a `vault:v1:` transit value needs VAULT_TRANSIT_KEY_ID".to_string()),
                    )
                })
                .collect(),
            (Some(key), Some(v)) => match v.transit_decrypt(&opts.transit_path, key, &cts).await {
                Ok(plain) => cts.into_iter().zip(plain.into_iter().map(Ok)).collect(),
                Err(e) => cts.into_iter().map(|c| (c, Err(e.to_string()))).collect(),
            },
            (Some(_), None) => unreachable!("vault is opened when ciphertexts exist"),
        }
    };

    let mut lines = Vec::new();
    let mut all_missing = true;
    let mut skipped = Vec::new();
    let mut values: HashMap<OsString, Option<SecretValue>> = HashMap::new();
    for (name, w) in &wanted {
        let shown = name.to_string_lossy();
        let value = match w {
            Wanted::Key(r) => lookup(&reads, r),
            Wanted::Template(parts) => expand(&reads, &dynamic_results, &transit, parts),
            Wanted::Dynamic(d) => dynamic_value(&dynamic_results, d),
            Wanted::Transit(c) => transit[c].clone().map_err(StoreError::BadInput),
        };
        match value {
            Ok(v) => {
                values.insert(name.clone(), Some(v));
            }
            Err(e) if e.is_not_found() && opts.ignore_missing => {
                tracing::warn!(variable = %shown, "secret missing; variable left unset (--ignore-missing)");
                skipped.push(shown.into_owned());
                values.insert(name.clone(), None);
            }
            Err(e) => {
                all_missing &= e.is_not_found();
                let what = match w {
                    Wanted::Transit(_) => "a transit ciphertext".to_string(),
                    _ => format!(
                        "`{}`",
                        env.iter()
                            .find(|(k, _)| k == name)
                            .map(|(_, v)| v.to_string_lossy())
                            .unwrap_or_default()
                    ),
                };
                lines.push(format!("cannot resolve {shown}={what}: {e}"));
            }
        }
    }
    for k in &from_path_keys {
        if let Err(e) = &reads[k] {
            if !(e.is_not_found() && opts.ignore_missing) {
                all_missing &= e.is_not_found();
                lines.push(format!("cannot read VAULT_ENV_FROM_PATH `{}`: {e}", k.path));
            }
        }
    }
    if !lines.is_empty() {
        return Err(InjectError {
            code: if all_missing { Code::No } else { Code::Error },
            lines,
        });
    }

    // Assemble: the original order, references replaced, credentials removed.
    let mut warnings = Vec::new();
    let mut out: Vec<(OsString, OsString)> = Vec::with_capacity(env.len());
    for (name, value) in env {
        let keep_credential =
            opts.pass_credentials || name.to_str().is_some_and(|n| opts.passthrough.contains(n));
        if !keep_credential && name.to_str().is_some_and(|n| CREDENTIAL_VARS.contains(&n)) {
            continue;
        }
        match values.get(name) {
            Some(Some(v)) => out.push((name.clone(), OsString::from_vec(v.expose().to_vec()))),
            Some(None) => {}
            None => out.push((name.clone(), value.clone())),
        }
    }
    for k in &from_path_keys {
        if let Ok(secret) = &reads[k] {
            let count = secret.data.iter().count();
            for (position, (key, v)) in secret.data.iter().enumerate() {
                // Skipped, not fatal: one odd key in a shared secret should
                // not stop the command, and it can never be a variable. The
                // key itself is not shown: `PASS=hunter2` may be a value
                // typed into a key by mistake.
                if let Some(why) = unfit_name(key) {
                    warnings.push(format!(
                        "VAULT_ENV_FROM_PATH `{}`: key {} of {count} (in sorted order) skipped: {why}, which a variable name cannot",
                        k.path,
                        position + 1
                    ));
                    continue;
                }
                if !out.iter().any(|(n, _)| n == OsStr::new(key)) {
                    out.push((key.into(), OsString::from_vec(v.expose().to_vec())));
                }
            }
        }
    }
    if opts.token_to_child {
        if let Some(v) = &vault {
            use secrecy::ExposeSecret;
            out.retain(|(n, _)| n != "VAULT_TOKEN");
            out.push(("VAULT_TOKEN".into(), v.token().expose_secret().into()));
        }
    }
    Ok(Injected {
        env: out,
        skipped,
        warnings,
        reads: reads.len(),
    })
}

fn lookup(reads: &Reads, r: &Reference) -> Result<SecretValue, StoreError> {
    let secret = reads[&ReadKey::from(r)].as_ref().map_err(clone_error)?;
    let key = r.key.as_deref().expect("planned references have keys");
    pick(&secret.data, key, &format!("{} store", r.scheme), &r.path)
}

/// One key of `data`, or the output of a Go-template key over all of it.
fn pick(data: &SecretData, key: &str, store: &str, path: &str) -> Result<SecretValue, StoreError> {
    if key_template::is_template(key) {
        return key_template::render(key, data)
            .map_err(|e| StoreError::BadInput(format!("{path}: {e}")));
    }
    data.get(key)
        .cloned()
        .ok_or_else(|| StoreError::KeyNotFound {
            store: store.to_string(),
            path: path.to_string(),
            key: key.to_string(),
        })
}

/// A template's value: its literal text and each part's value, in order.
/// A dynamic reference used twice gets the one credential issued for it.
fn expand(
    reads: &Reads,
    dynamics: &HashMap<DynamicRequest, Result<crate::store::SecretData, StoreError>>,
    transit: &HashMap<String, Result<SecretValue, String>>,
    parts: &[Part],
) -> Result<SecretValue, StoreError> {
    let mut out = zeroize::Zeroizing::new(Vec::new());
    for part in parts {
        match part {
            Part::Literal(text) => out.extend_from_slice(text.as_bytes()),
            Part::Reference(r) => out.extend_from_slice(lookup(reads, r)?.expose()),
            Part::Dynamic(d) => out.extend_from_slice(dynamic_value(dynamics, d)?.expose()),
            Part::Transit(c) => {
                out.extend_from_slice(transit[c].clone().map_err(StoreError::BadInput)?.expose())
            }
        }
    }
    Ok(SecretValue::new(out.to_vec()))
}

/// One key of a dynamic secret's answer.
fn dynamic_value(
    dynamics: &HashMap<DynamicRequest, Result<crate::store::SecretData, StoreError>>,
    d: &plan::DynamicRef,
) -> Result<SecretValue, StoreError> {
    match &dynamics[&d.request] {
        Ok(data) => pick(data, &d.key, "vault", &d.request.path),
        Err(e) => Err(clone_error(e)),
    }
}

/// Errors are shared between the variables that use one read.
fn clone_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::NotFound { store, path } => StoreError::NotFound {
            store: store.clone(),
            path: path.clone(),
        },
        StoreError::KeyNotFound { store, path, key } => StoreError::KeyNotFound {
            store: store.clone(),
            path: path.clone(),
            key: key.clone(),
        },
        StoreError::PermissionDenied {
            store,
            path,
            detail,
        } => StoreError::PermissionDenied {
            store: store.clone(),
            path: path.clone(),
            detail: detail.clone(),
        },
        StoreError::CasConflict {
            store,
            path,
            detail,
        } => StoreError::CasConflict {
            store: store.clone(),
            path: path.clone(),
            detail: detail.clone(),
        },
        StoreError::Unavailable { store, detail } => StoreError::Unavailable {
            store: store.clone(),
            detail: detail.clone(),
        },
        StoreError::BadInput(s) => StoreError::BadInput(s.clone()),
        StoreError::Corrupt(s) => StoreError::Corrupt(s.clone()),
        StoreError::Config(s) => StoreError::Config(s.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(err.code, Code::No);
        let text = err.to_string();
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

    /// A store that counts the reads in flight at once.
    struct Gauge {
        now: std::sync::atomic::AtomicUsize,
        max: std::sync::atomic::AtomicUsize,
    }

    #[async_trait::async_trait]
    impl SecretStore for Gauge {
        fn describe(&self) -> String {
            "gauge".into()
        }
        async fn read(&self, _path: &str, _v: Option<u64>) -> Result<Secret, StoreError> {
            let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.max.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            self.now.fetch_sub(1, Ordering::SeqCst);
            Ok(Secret {
                data: [("k".to_string(), SecretValue::from_str_value("v"))]
                    .into_iter()
                    .collect(),
                version: None,
                metadata: Default::default(),
            })
        }
        async fn write(&self, _: &str, _: &SecretData, _: Cas) -> Result<u64, StoreError> {
            unimplemented!()
        }
        async fn list(&self, _: &str) -> Result<Vec<String>, StoreError> {
            unimplemented!()
        }
        async fn versions(&self, _: &str) -> Result<Vec<crate::store::VersionInfo>, StoreError> {
            unimplemented!()
        }
        async fn delete(&self, _: &str) -> Result<(), StoreError> {
            unimplemented!()
        }
    }

    #[tokio::test]
    async fn at_most_read_concurrency_reads_are_in_flight_at_once() {
        let gauge = Arc::new(Gauge {
            now: 0.into(),
            max: 0.into(),
        });
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
}
