//! Shell completion that knows references: `kvault get <TAB>` offers the
//! schemes, `vault:secret/<TAB>` the store's paths (when credentials are at
//! hand, as `bao` completes them), `k8s:<TAB>` namespaces and then Secret
//! names, `local:<TAB>` the local store, `...#<TAB>` the secret's keys.
//!
//! The shell runs `COMPLETE=<shell> kvault -- <words>` at each TAB (clap's
//! dynamic completion); the registration scripts (`kvault completions
//! SHELL`) set that up. Asking a store is bounded by [`BUDGET`]: a slow or
//! unreachable store gives no candidates, never a hung prompt. Nothing is
//! printed but candidates: no value ever reaches the terminal.

use crate::cli::GlobalArgs;
use crate::store::reference::Scheme;
use crate::store::{SecretStore, Stores};
use clap_complete::engine::CompletionCandidate;
use std::ffi::OsStr;
use std::time::Duration;

/// How long one TAB may wait on a store.
pub const BUDGET: Duration = Duration::from_secs(2);

/// Candidates for a reference argument.
pub fn reference(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    let Some(scheme) = Scheme::prefix_of(current) else {
        return Scheme::ALL
            .iter()
            .map(|s| format!("{}:", s.as_str()))
            .filter(|s| s.starts_with(current))
            .map(CompletionCandidate::new)
            .collect();
    };
    let rest = &current[scheme.as_str().len() + 1..];
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(_) => return Vec::new(),
    };
    let names = runtime.block_on(async {
        tokio::time::timeout(BUDGET, candidates(scheme, rest))
            .await
            .unwrap_or_default()
    });
    // A store's stray connection must not hold up the prompt.
    runtime.shutdown_background();
    names
        .into_iter()
        .map(|n| format!("{}:{n}", scheme.as_str()))
        .filter(|n| n.starts_with(current))
        .map(CompletionCandidate::new)
        .collect()
}

/// What follows `scheme:` given `rest` so far: paths, or keys after `#`.
async fn candidates(scheme: Scheme, rest: &str) -> Vec<String> {
    let config = crate::commands::store_config(&GlobalArgs::default());
    let kube = config.kube.clone();
    let stores = Stores::new(config);
    let Ok(store) = stores.get(scheme).await else {
        return Vec::new();
    };
    if let Some((path, _)) = rest.split_once('#') {
        return keys(store.as_ref(), path).await;
    }
    if scheme == Scheme::K8s && !rest.contains('/') {
        return namespaces(&kube).await;
    }
    // Everything under the folder typed so far.
    let folder = match rest.rfind('/') {
        Some(at) => &rest[..=at],
        None => "",
    };
    match store.list(folder).await {
        Ok(names) => names.into_iter().map(|n| format!("{folder}{n}")).collect(),
        Err(_) => Vec::new(),
    }
}

/// `path#key` for every key of the secret (the values are read, never shown).
async fn keys(store: &dyn SecretStore, path: &str) -> Vec<String> {
    match store.read(path, None).await {
        Ok(secret) => secret.data.keys().map(|k| format!("{path}#{k}")).collect(),
        Err(_) => Vec::new(),
    }
}

/// `NAMESPACE/` for each namespace the credentials may list, else the
/// default namespace alone.
async fn namespaces(config: &crate::store::kube::KubeConfig) -> Vec<String> {
    use k8s_openapi::api::core::v1::Namespace;
    let Ok((client, default_ns)) = config.client().await else {
        return Vec::new();
    };
    let api: kube::Api<Namespace> = kube::Api::all(client);
    match api.list_metadata(&Default::default()).await {
        Ok(list) => list
            .items
            .into_iter()
            .filter_map(|n| n.metadata.name)
            .map(|n| format!("{n}/"))
            .collect(),
        Err(_) => vec![format!("{default_ns}/")],
    }
}

/// `--on-change` values: `restart`, or `signal:NAME` for the signals a
/// server is usually told to reload with.
pub fn on_change() -> Vec<CompletionCandidate> {
    let mut all = vec![CompletionCandidate::new("restart").help(Some(
        "stop the command (SIGTERM, then --grace) and start it again".into(),
    ))];
    for (signal, what) in [
        ("HUP", "reload (nginx, haproxy, most daemons)"),
        ("USR1", "user-defined"),
        ("USR2", "user-defined"),
        ("TERM", "ask the command to exit"),
        ("INT", "interrupt"),
        ("QUIT", "quit"),
    ] {
        all.push(CompletionCandidate::new(format!("signal:{signal}")).help(Some(what.into())));
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(c: Vec<CompletionCandidate>) -> Vec<String> {
        c.iter()
            .map(|c| c.get_value().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn an_empty_word_is_offered_the_schemes_and_a_prefix_narrows_them() {
        assert_eq!(
            values(reference(OsStr::new(""))),
            ["vault:", "k8s:", "local:"]
        );
        assert_eq!(values(reference(OsStr::new("lo"))), ["local:"]);
        assert!(values(reference(OsStr::new("x"))).is_empty());
    }

    #[test]
    fn on_change_offers_restart_and_signals() {
        let all = values(on_change());
        assert_eq!(all[0], "restart");
        assert!(all.contains(&"signal:HUP".to_string()));
    }
}
