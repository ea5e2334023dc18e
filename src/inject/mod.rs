//! The engine behind `kvault exec`: turn an environment that holds
//! references into one that holds values. One read per distinct secret
//! (path + version), all reads concurrent; one request per distinct dynamic
//! reference; transit ciphertexts decrypted in one batch. At most
//! [`READ_CONCURRENCY`] reads are in flight at once, so thousands of
//! references do not open thousands of connections (or files) together.

pub mod child;
pub mod env_file;
pub mod go_duration;
mod leases;
pub mod limits;
pub mod plan;
pub mod scrub;
pub mod supervisor;
pub mod token;
pub mod watch;

use crate::store::vault::{VaultStore, CREDENTIAL_VARS};
use crate::store::{Reference, Scheme, Secret, SecretData, SecretValue, StoreError, Stores};
use futures::stream::{self, StreamExt};
pub use leases::Leases;
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
    /// Every line is a secret or key that does not exist (exit 1, else 2).
    pub missing: bool,
    pub lines: Vec<String>,
}

impl std::fmt::Display for InjectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.lines.join("\n"))
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
/// 256 file descriptor limit. Eight, the size of the keep-alive pool
/// (`store::vault::transport`): against a 2-core OpenBao, 4 to 8 in flight
/// were fastest and 16 slower (the server's CPU is the limit; bench/exec.sh),
/// while over a network more in flight hide more round trips.
pub const READ_CONCURRENCY: usize = 8;

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
            missing: false,
            lines: plan_errors.iter().map(ToString::to_string).collect(),
        });
    }
    let mut needs = Needs::of(&wanted);
    let from_path_keys: Vec<ReadKey> = opts
        .from_paths
        .iter()
        .map(|p| from_path_key(p))
        .collect::<Result<_, _>>()
        .map_err(|line| InjectError {
            missing: false,
            lines: vec![line],
        })?;
    needs.keys.extend(from_path_keys.iter().cloned());

    let reads = read_all(stores, &needs.keys).await;
    tracing::debug!(reads = reads.len(), "read secrets");
    let needs_vault =
        !needs.dynamics.is_empty() || !needs.ciphertexts.is_empty() || opts.token_to_child;
    let vault = if needs_vault {
        Some(stores.vault().await.map_err(|e| InjectError {
            missing: false,
            lines: vec![e.to_string()],
        })?)
    } else {
        None
    };
    let answers = Answers {
        dynamic: issue_all(vault.as_deref(), &needs.dynamics, leases).await,
        transit: decrypt_all(vault.as_deref(), opts, &needs.ciphertexts).await,
        reads,
    };
    let (values, skipped) = values_of(env, &wanted, &answers, &from_path_keys, opts)?;
    let mut warnings = Vec::new();
    let mut out = assemble(env, &values, opts);
    for k in &from_path_keys {
        if let Ok(secret) = &answers.reads[k] {
            add_from_path(&mut out, &mut warnings, &k.path, secret);
        }
    }
    if opts.token_to_child {
        if let Some(v) = &vault {
            use secrecy::ExposeSecret;
            out.retain(|(n, _)| n != "VAULT_TOKEN");
            out.push(("VAULT_TOKEN".into(), v.token().expose_secret().into()));
            pin_address(&mut out, v.node_in_use());
        }
    }
    Ok(Injected {
        env: out,
        skipped,
        warnings,
        reads: answers.reads.len(),
    })
}

/// What the wanted variables need, each once: store reads, dynamic
/// requests, transit ciphertexts.
#[derive(Default)]
struct Needs {
    keys: BTreeSet<ReadKey>,
    dynamics: BTreeSet<DynamicRequest>,
    ciphertexts: BTreeSet<String>,
}

impl Needs {
    fn of(wanted: &[(OsString, Wanted)]) -> Needs {
        let mut needs = Needs::default();
        for (_, w) in wanted {
            match w {
                Wanted::Key(r) => {
                    needs.keys.insert(r.into());
                }
                Wanted::Template(parts) => {
                    for part in parts {
                        match part {
                            Part::Reference(r) => {
                                needs.keys.insert(r.into());
                            }
                            Part::Dynamic(d) => {
                                needs.dynamics.insert(d.request.clone());
                            }
                            Part::Transit(c) => {
                                needs.ciphertexts.insert(c.clone());
                            }
                            Part::Literal(_) => {}
                        }
                    }
                }
                Wanted::Dynamic(d) => {
                    needs.dynamics.insert(d.request.clone());
                }
                Wanted::Transit(c) => {
                    needs.ciphertexts.insert(c.clone());
                }
            }
        }
        needs
    }
}

/// What the stores answered, for the variables to take their values from.
struct Answers {
    reads: Reads,
    dynamic: HashMap<DynamicRequest, Result<crate::store::SecretData, StoreError>>,
    transit: HashMap<String, Result<SecretValue, String>>,
}

/// Every distinct read, [`READ_CONCURRENCY`] at a time.
async fn read_all(stores: &Stores, keys: &BTreeSet<ReadKey>) -> Reads {
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
    stream::iter(pending)
        .buffer_unordered(READ_CONCURRENCY)
        .collect()
        .await
}

/// Every distinct dynamic request (once per request, reused from `leases`).
async fn issue_all(
    vault: Option<&VaultStore>,
    dynamics: &BTreeSet<DynamicRequest>,
    leases: &Leases,
) -> HashMap<DynamicRequest, Result<crate::store::SecretData, StoreError>> {
    let Some(v) = vault else {
        return HashMap::new();
    };
    let pending: Vec<_> = dynamics
        .iter()
        .map(|d| async move { (d.clone(), leases.get_or_issue(v, d).await) })
        .collect();
    stream::iter(pending)
        .buffer_unordered(READ_CONCURRENCY)
        .collect()
        .await
}

/// Every transit ciphertext, decrypted in one batch.
async fn decrypt_all(
    vault: Option<&VaultStore>,
    opts: &InjectOptions,
    ciphertexts: &BTreeSet<String>,
) -> HashMap<String, Result<SecretValue, String>> {
    if ciphertexts.is_empty() {
        return HashMap::new();
    }
    let cts: Vec<String> = ciphertexts.iter().cloned().collect();
    match (&opts.transit_key, vault) {
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
}

/// Each wanted variable's value (`None`: left unset, `--ignore-missing`)
/// and the names skipped; or one line per variable that cannot have one.
#[allow(clippy::type_complexity)]
fn values_of(
    env: &[(OsString, OsString)],
    wanted: &[(OsString, Wanted)],
    answers: &Answers,
    from_path_keys: &[ReadKey],
    opts: &InjectOptions,
) -> Result<(HashMap<OsString, Option<SecretValue>>, Vec<String>), InjectError> {
    let mut lines = Vec::new();
    let mut all_missing = true;
    let mut skipped = Vec::new();
    let mut values: HashMap<OsString, Option<SecretValue>> = HashMap::new();
    for (name, w) in wanted {
        let shown = name.to_string_lossy();
        let value = match w {
            Wanted::Key(r) => lookup(&answers.reads, r),
            Wanted::Template(parts) => {
                expand(&answers.reads, &answers.dynamic, &answers.transit, parts)
            }
            Wanted::Dynamic(d) => dynamic_value(&answers.dynamic, d),
            Wanted::Transit(c) => answers.transit[c].clone().map_err(StoreError::BadInput),
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
    for k in from_path_keys {
        if let Err(e) = &answers.reads[k] {
            if !(e.is_not_found() && opts.ignore_missing) {
                all_missing &= e.is_not_found();
                lines.push(format!("cannot read VAULT_ENV_FROM_PATH `{}`: {e}", k.path));
            }
        }
    }
    if lines.is_empty() {
        Ok((values, skipped))
    } else {
        Err(InjectError {
            missing: all_missing,
            lines,
        })
    }
}

/// The command's environment: the original order, references replaced,
/// credentials removed.
fn assemble(
    env: &[(OsString, OsString)],
    values: &HashMap<OsString, Option<SecretValue>>,
    opts: &InjectOptions,
) -> Vec<(OsString, OsString)> {
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
    out
}

/// A child handed the token gets the one address kvault uses where
/// `VAULT_ADDR`/`BAO_ADDR` list several: Vault's own clients take one.
fn pin_address(out: &mut [(OsString, OsString)], node: usize) {
    for (name, value) in out.iter_mut() {
        if name != "VAULT_ADDR" && name != "BAO_ADDR" {
            continue;
        }
        let list = value.to_string_lossy().into_owned();
        let addrs: Vec<&str> = list
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .collect();
        if let Some(addr) = addrs.get(node).filter(|_| addrs.len() > 1) {
            *value = OsString::from(addr);
        }
    }
}

/// `VAULT_ENV_FROM_PATH`: every key of `secret` as a variable, never
/// overriding one already set.
fn add_from_path(
    out: &mut Vec<(OsString, OsString)>,
    warnings: &mut Vec<String>,
    path: &str,
    secret: &Secret,
) {
    let count = secret.data.iter().count();
    for (position, (key, v)) in secret.data.iter().enumerate() {
        // Skipped, not fatal: one odd key in a shared secret should not
        // stop the command, and it can never be a variable. The key itself
        // is not shown: `PASS=hunter2` may be a value typed into a key by
        // mistake.
        if let Some(why) = unfit_name(key) {
            warnings.push(format!(
                "VAULT_ENV_FROM_PATH `{path}`: key {} of {count} (in sorted order) skipped: {why}, which a variable name cannot",
                position + 1
            ));
            continue;
        }
        if !out.iter().any(|(n, _)| n == OsStr::new(key)) {
            out.push((key.into(), OsString::from_vec(v.expose().to_vec())));
        }
    }
}

fn lookup(reads: &Reads, r: &Reference) -> Result<SecretValue, StoreError> {
    let secret = reads[&ReadKey::from(r)].as_ref().map_err(clone_error)?;
    let key = r.key.as_deref().expect("planned references have keys");
    pick(&secret.data, key, &format!("{} store", r.scheme), &r.path)
}

/// One key of `data`, or the output of a Go-template key over all of it.
fn pick(data: &SecretData, key: &str, store: &str, path: &str) -> Result<SecretValue, StoreError> {
    if crate::template::is_template(key) {
        return crate::template::render(key, data)
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
mod tests;
