//! `kvault whoami`: who kvault is to each configured store.

use crate::cli::doctor::{Area, WhoamiArgs};
use crate::exit::{Code, Failure, Result};
use crate::output::{self, Format, Printer};
use crate::store::vault::VaultStore;
use crate::store::{kube_access, StoreConfig};
use serde::Serialize;

/// One store's answer; `error` instead of the rest when it could not say.
#[derive(Debug, Default, Serialize)]
struct Identity {
    store: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    policies: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    groups: Vec<String>,
    /// Seconds left; absent for a token that never expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    ttl_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub async fn run(config: StoreConfig, printer: &Printer, args: WhoamiArgs) -> Result<Code> {
    let named = |area| args.stores.contains(&area);
    let all = args.stores.is_empty();
    let mut answers = Vec::new();
    if named(Area::Vault) || (all && crate::doctor::vault_configured(&config.vault)) {
        answers.push(vault(&config).await);
    }
    if named(Area::K8s) || all {
        let kube = kube(&config).await;
        // Unnamed and with no configuration at all: not part of the answer.
        if named(Area::K8s) || kube.error.is_none() || config.kube.kubeconfig.is_some() {
            answers.push(kube);
        }
    }
    if named(Area::Local) {
        return Err(Failure::error(
            "the local store has no identity: its key is checked by `kvault doctor local`",
        ));
    }
    if answers.is_empty() {
        return Err(Failure::error(
            "no store is configured: set VAULT_ADDR and VAULT_TOKEN, or KUBECONFIG (`kvault doctor` says more)",
        ));
    }
    print(printer, &answers, args.output)?;
    let failed = answers.iter().any(|a| a.error.is_some());
    Ok(if failed { Code::Error } else { Code::Success })
}

async fn vault(config: &StoreConfig) -> Identity {
    let mut id = Identity {
        store: "vault",
        ..Default::default()
    };
    let store = match VaultStore::connect(&config.vault).await {
        Ok(s) => s,
        Err(e) => {
            id.error = Some(first_line(&e));
            return id;
        }
    };
    id.address = Some(store.address().to_string());
    match store.identity().await {
        Ok(found) => {
            id.name = Some(found.display_name);
            id.policies = found.policies;
            id.ttl_seconds = found.life.ttl.map(|t| t.as_secs());
        }
        Err(e) => id.error = Some(first_line(&e)),
    }
    id
}

async fn kube(config: &StoreConfig) -> Identity {
    let mut id = Identity {
        store: "kubernetes",
        ..Default::default()
    };
    let (client, target) = match kube_access::connect(&config.kube).await {
        Ok(found) => found,
        Err(e) => {
            id.error = Some(first_line(&e));
            return id;
        }
    };
    id.address = Some(target.server.clone());
    id.context = target.context;
    id.namespace = Some(target.namespace);
    match kube_access::who(&client).await {
        Ok((user, groups)) => {
            id.name = Some(user);
            id.groups = groups;
        }
        Err(e) => id.error = Some(format!("{}: {}", target.server, first_line(&e))),
    }
    id
}

fn first_line(e: &dyn std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

fn print(printer: &Printer, answers: &[Identity], format: Format) -> Result<()> {
    match format {
        Format::Table => {
            let rows = answers
                .iter()
                .map(|a| {
                    let detail = match &a.error {
                        Some(e) => format!("error: {e}"),
                        None if a.store == "vault" => format!(
                            "policies [{}], {}",
                            a.policies.join(", "),
                            match a.ttl_seconds {
                                None => "never expires".to_string(),
                                Some(s) => format!(
                                    "TTL {}",
                                    humantime::format_duration(std::time::Duration::from_secs(s))
                                ),
                            }
                        ),
                        None => format!(
                            "groups [{}], context {}, namespace {}",
                            a.groups.join(", "),
                            a.context.as_deref().unwrap_or("(none)"),
                            a.namespace.as_deref().unwrap_or_default()
                        ),
                    };
                    vec![
                        a.store.to_string(),
                        a.address.clone().unwrap_or_default(),
                        a.name.clone().unwrap_or_default(),
                        detail,
                    ]
                })
                .collect();
            printer.table(&["STORE", "ADDRESS", "WHO", "DETAIL"], rows)
        }
        format => output::structured(format, &answers),
    }
}
