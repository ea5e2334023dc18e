//! Encryption at rest: what the evidence says about how Secrets are stored
//! in etcd (`KV-ENC-*`).
//!
//! The apiserver's own flags win: without `--encryption-provider-config`
//! nothing is encrypted, whatever configuration file lies around. Otherwise
//! the configurations of the highest confidence are checked: the entry that
//! covers `secrets` and its first provider (the one that encrypts writes).
//!
//! Observations of a live cluster (metrics, etcd) are checked by
//! [`super::storage`]; findings of the same id from both are merged into
//! one whose evidence lists every source.

use super::storage;
use crate::audit::finding::{Finding, FindingId, ObjectRef};
use crate::audit::inventory::{
    EncryptionConfig, EncryptionEntry, EncryptionEvidence, EvidenceSource, Inventory, KeyLength,
    Observation, Provider,
};

pub fn check(inventory: &Inventory) -> Vec<Finding> {
    let observed = storage::check(&inventory.encryption);
    let mut findings = configured(inventory, &observed);
    findings.extend(observed.findings);
    merge_by_id(findings)
}

/// One finding per id: evidence joined, objects united, the first title.
fn merge_by_id(findings: Vec<Finding>) -> Vec<Finding> {
    let mut merged: Vec<Finding> = Vec::new();
    for f in findings {
        match merged.iter_mut().find(|m| m.id == f.id) {
            Some(m) => {
                m.evidence = format!("{}; {}", m.evidence, f.evidence);
                for o in f.objects {
                    if !m.objects.contains(&o) {
                        m.objects.push(o);
                    }
                }
            }
            None => merged.push(f),
        }
    }
    merged
}

/// The configuration evidence, and the apiserver flags naming (or not) a
/// configuration file.
type Configs<'a> = Vec<(&'a EncryptionEvidence, &'a EncryptionConfig)>;
type Flags<'a> = Vec<(&'a EncryptionEvidence, Option<&'a str>)>;

/// The checks on configuration evidence: files, manifests, apiserver flags.
fn configured(inventory: &Inventory, observed: &storage::Observed) -> Vec<Finding> {
    let (configs, flags) = split_evidence(&inventory.encryption);
    if let Some(finding) = flag_missing(&configs, &flags) {
        return vec![finding];
    }
    let Some(best) = configs.iter().map(|(e, _)| e.confidence).max() else {
        return without_config(&inventory.encryption, &flags, observed);
    };
    let loaded = loaded_note(&flags);
    configs
        .iter()
        .filter(|(e, _)| e.confidence == best)
        .flat_map(|(e, c)| check_config(e, c, &loaded))
        .collect()
}

/// The evidence that decides what is configured: EncryptionConfigurations
/// read, and apiserver `--encryption-provider-config` flags (or their
/// absence), each in evidence order.
fn split_evidence(evidence: &[EncryptionEvidence]) -> (Configs<'_>, Flags<'_>) {
    let configs = evidence
        .iter()
        .filter_map(|e| match &e.observation {
            Observation::Config(c) => Some((e, c)),
            _ => None,
        })
        .collect();
    let flags = evidence
        .iter()
        .filter_map(|e| match &e.observation {
            Observation::ProviderConfigFlag(path) => Some((e, path.as_deref())),
            _ => None,
        })
        .collect();
    (configs, flags)
}

/// KV-ENC-001 when an apiserver runs without `--encryption-provider-config`:
/// its flags win over any configuration file among the inputs.
fn flag_missing(configs: &Configs<'_>, flags: &Flags<'_>) -> Option<Finding> {
    let (e, _) = flags.iter().find(|(_, path)| path.is_none())?;
    let mut text = format!(
        "{} has no --encryption-provider-config",
        e.source.describe()
    );
    if !configs.is_empty() {
        text.push_str("; the EncryptionConfiguration among the inputs is not loaded by it");
    }
    Some(
        Finding::new(
            FindingId::Enc001,
            "Secrets are stored in etcd in plaintext: kube-apiserver has no encryption config",
            text,
        )
        .objects(e.source.object().cloned()),
    )
}

/// No configuration to check: KV-ENC-009 when the apiserver names a file
/// that is not among the inputs, nothing when observations verified the
/// storage, KV-ENC-002 otherwise.
fn without_config(
    evidence: &[EncryptionEvidence],
    flags: &Flags<'_>,
    observed: &storage::Observed,
) -> Vec<Finding> {
    match flags.first() {
        Some((e, Some(path))) => vec![Finding::new(
            FindingId::Enc009,
            "Encryption at rest is configured; its providers were not checked",
            format!(
                "{} sets --encryption-provider-config={path}, a file not among the inputs",
                e.source.describe()
            ),
        )
        .objects(e.source.object().cloned())],
        // What was observed stands on its own.
        _ if observed.verified => Vec::new(),
        _ => {
            let live = evidence
                .iter()
                .any(|e| matches!(e.source, EvidenceSource::ApiserverMetrics { .. }));
            let mut text = String::from(if live {
                "no --encryption-config given and no kube-apiserver Pod in kube-system"
            } else {
                "no EncryptionConfiguration and no kube-apiserver manifest among the inputs"
            });
            for why in &observed.unavailable {
                text.push_str("; ");
                text.push_str(why);
            }
            vec![Finding::new(
                FindingId::Enc002,
                "Encryption at rest could not be verified",
                text,
            )]
        }
    }
}

/// What the apiserver says it loads, to go with the configuration's
/// evidence: `; <apiserver> loads --encryption-provider-config=<path>`, or
/// nothing.
fn loaded_note(flags: &Flags<'_>) -> String {
    flags
        .iter()
        .find_map(|(e, path)| path.map(|p| (e, p)))
        .map(|(e, path)| {
            format!(
                "; {} loads --encryption-provider-config={path}",
                e.source.describe()
            )
        })
        .unwrap_or_default()
}

/// Where a configuration's findings point: its source described, its
/// object, and the apiserver's note ([`loaded_note`]).
struct Source<'a> {
    described: String,
    object: Option<ObjectRef>,
    loaded: &'a str,
}

impl Source<'_> {
    /// A finding about this configuration.
    fn finding(&self, id: FindingId, title: impl Into<String>, evidence: String) -> Finding {
        Finding::new(id, title, evidence).objects(self.object.clone())
    }
}

fn check_config(
    evidence: &EncryptionEvidence,
    config: &EncryptionConfig,
    loaded: &str,
) -> Vec<Finding> {
    let source = Source {
        described: evidence.source.describe(),
        object: evidence.source.object().cloned(),
        loaded,
    };
    let mut findings: Vec<Finding> = bad_keys(config)
        .map(|bad| {
            source.finding(
                FindingId::Enc011,
                "An EncryptionConfiguration key has the wrong length: kube-apiserver will not start",
                format!("{}: {bad}{loaded}", source.described),
            )
        })
        .into_iter()
        .collect();
    let Some((index, entry)) = config.secrets_entry() else {
        findings.push(not_covered(config, &source));
        return findings;
    };
    findings.extend(providers_for_secrets(index, entry, &source));
    findings
}

/// KV-ENC-003 when no entry covers `secrets`, naming what the entries do
/// cover.
fn not_covered(config: &EncryptionConfig, source: &Source<'_>) -> Finding {
    let covered: Vec<String> = config
        .entries
        .iter()
        .flat_map(|e| e.resources.iter().cloned())
        .collect();
    source.finding(
        FindingId::Enc003,
        "Secrets are not covered by the EncryptionConfiguration",
        format!(
            "{}: no resources entry names `secrets`, `*.` or `*.*` (covered: {}){}",
            source.described,
            if covered.is_empty() {
                "nothing".to_string()
            } else {
                covered.join(", ")
            },
            source.loaded
        ),
    )
}

/// The findings on the entry covering Secrets (`resources[index]`): its
/// first provider (the one that writes), then KMS v1 providers, then
/// identity as a fallback.
fn providers_for_secrets(
    index: usize,
    entry: &EncryptionEntry,
    source: &Source<'_>,
) -> Vec<Finding> {
    let chain = entry
        .providers
        .iter()
        .map(describe_provider)
        .collect::<Vec<_>>()
        .join(", ");
    let at = format!(
        "{}: resources[{index}] providers for secrets: {chain}{}",
        source.described, source.loaded
    );
    let mut findings: Vec<Finding> = first_provider(index, entry, source, &at)
        .into_iter()
        .collect();
    for provider in entry
        .providers
        .iter()
        .filter(|p| p.kind == "kms" && p.kms_api_version.as_deref() != Some("v2"))
    {
        findings.push(source.finding(
            FindingId::Enc006,
            format!(
                "KMS v1 provider `{}` is configured for Secrets",
                provider.name.as_deref().unwrap_or("(unnamed)")
            ),
            at.clone(),
        ));
    }
    if entry.providers.iter().skip(1).any(|p| p.kind == "identity")
        && entry
            .providers
            .first()
            .is_some_and(|p| p.kind != "identity")
    {
        findings.push(source.finding(
            FindingId::Enc008,
            "identity is a fallback provider: Secrets written before encryption may still be plaintext",
            at,
        ));
    }
    findings
}

/// What the first provider for Secrets says about new writes: none at all
/// (KV-ENC-003), identity (KV-ENC-004), aescbc (KV-ENC-005), aesgcm
/// (KV-ENC-007); nothing for the recommended ones.
fn first_provider(
    index: usize,
    entry: &EncryptionEntry,
    source: &Source<'_>,
    at: &str,
) -> Option<Finding> {
    let (id, title, evidence) = match entry.providers.first().map(|p| p.kind.as_str()) {
        None => (
            FindingId::Enc003,
            "Secrets are not covered by the EncryptionConfiguration",
            format!(
                "{}: resources[{index}] lists no providers{}",
                source.described, source.loaded
            ),
        ),
        Some("identity") => (
            FindingId::Enc004,
            "identity is the first provider for Secrets: new Secrets are written in plaintext",
            at.to_string(),
        ),
        Some("aescbc") => (
            FindingId::Enc005,
            "Secrets are encrypted with aescbc",
            at.to_string(),
        ),
        Some("aesgcm") => (
            FindingId::Enc007,
            "Secrets are encrypted with aesgcm",
            at.to_string(),
        ),
        Some(_) => return None,
    };
    Some(source.finding(id, title, evidence))
}

/// KV-ENC-011: every key, in every entry (kube-apiserver validates them
/// all, not only the one for Secrets), whose length its provider refuses;
/// `None` when all fit. Names the provider, the key and its length only.
fn bad_keys(config: &EncryptionConfig) -> Option<String> {
    let mut bad = Vec::new();
    for (i, entry) in config.entries.iter().enumerate() {
        for (j, provider) in entry.providers.iter().enumerate() {
            let Some(valid) = KeyLength::valid_lengths(&provider.kind) else {
                continue;
            };
            let allowed = valid
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            for key in &provider.keys {
                let what = match key.bytes {
                    Some(n) if valid.contains(&n) => continue,
                    Some(n) => format!("is {n} bytes"),
                    None => "is not valid base64".to_string(),
                };
                bad.push(format!(
                    "resources[{i}].providers[{j}] {} key `{}` {what} ({} takes {allowed} bytes)",
                    provider.kind, key.name, provider.kind
                ));
            }
        }
    }
    (!bad.is_empty()).then(|| bad.join("; "))
}

fn describe_provider(p: &Provider) -> String {
    match (&p.kms_api_version, &p.name) {
        (Some(v), Some(name)) => format!("kms {v} `{name}`"),
        (Some(v), None) => format!("kms {v}"),
        _ => p.kind.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::load::add_text;

    fn ids(yaml: &str) -> Vec<&'static str> {
        let mut inv = Inventory::default();
        add_text(&mut inv, "enc.yaml", yaml, false).unwrap();
        let mut ids: Vec<_> = check(&inv).into_iter().map(|f| f.id.as_str()).collect();
        ids.sort();
        ids
    }

    fn config(providers: &str) -> String {
        format!(
            "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers: {providers}\n"
        )
    }

    const APISERVER: &str = r#"
---
apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver-cp, namespace: kube-system, labels: {component: kube-apiserver}}
spec:
  containers:
    - name: kube-apiserver
      command: [kube-apiserver, FLAG]
"#;

    #[test]
    fn no_evidence_is_unverified() {
        assert_eq!(ids(""), ["KV-ENC-002"]);
    }

    #[test]
    fn apiserver_without_flag_is_plaintext_whatever_the_files_say() {
        let pod = APISERVER.replace("FLAG", "--secure-port=6443");
        assert_eq!(ids(&pod), ["KV-ENC-001"]);
        let with_config = format!("{}{pod}", config("[{secretbox: {keys: []}}]"));
        assert_eq!(ids(&with_config), ["KV-ENC-001"]);
    }

    #[test]
    fn apiserver_flag_without_the_file_is_info() {
        let pod = APISERVER.replace("FLAG", "--encryption-provider-config=/etc/k/enc.yaml");
        assert_eq!(ids(&pod), ["KV-ENC-009"]);
    }

    #[test]
    fn provider_chains() {
        assert_eq!(
            ids(&config("[{identity: {}}, {aescbc: {keys: []}}]")),
            ["KV-ENC-004"]
        );
        assert_eq!(ids(&config("[{aescbc: {keys: []}}]")), ["KV-ENC-005"]);
        assert_eq!(ids(&config("[{aesgcm: {keys: []}}]")), ["KV-ENC-007"]);
        assert_eq!(
            ids(&config("[{secretbox: {keys: []}}]")),
            Vec::<&str>::new()
        );
        assert_eq!(
            ids(&config("[{kms: {apiVersion: v2, name: k}}]")),
            Vec::<&str>::new()
        );
        assert_eq!(ids(&config("[{kms: {name: k}}]")), ["KV-ENC-006"]);
        assert_eq!(
            ids(&config("[{secretbox: {keys: []}}, {identity: {}}]")),
            ["KV-ENC-008"]
        );
        assert_eq!(ids(&config("[]")), ["KV-ENC-003"]);
    }

    fn keyed(provider: &str, secret: &str) -> String {
        config(&format!(
            "[{{{provider}: {{keys: [{{name: key1, secret: \"{secret}\"}}]}}}}]"
        ))
    }

    #[test]
    fn keys_of_the_wrong_length_stop_kube_apiserver_and_are_named_not_shown() {
        // 32, 16 and 24 bytes: what each provider takes.
        let aes256 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
        let aes128 = "MDEyMzQ1Njc4OWFiY2RlZg==";
        let aes192 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3";
        assert_eq!(ids(&keyed("secretbox", aes256)), Vec::<&str>::new());
        for key in [aes128, aes192, aes256] {
            assert_eq!(ids(&keyed("aesgcm", key)), ["KV-ENC-007"]);
            assert_eq!(ids(&keyed("aescbc", key)), ["KV-ENC-005"]);
        }
        // secretbox takes 32 bytes only; 6 bytes fit no provider.
        let six = "c2VjcmV0";
        for (provider, key, bytes) in [
            ("secretbox", aes128, "16 bytes"),
            ("secretbox", six, "6 bytes"),
            ("aescbc", six, "6 bytes"),
            ("aesgcm", six, "6 bytes"),
            ("secretbox", "not base64!", "not valid base64"),
        ] {
            let mut inv = Inventory::default();
            add_text(&mut inv, "enc.yaml", &keyed(provider, key), false).unwrap();
            let f = check(&inv);
            let bad = f
                .iter()
                .find(|f| f.id.as_str() == "KV-ENC-011")
                .expect(provider);
            assert_eq!(bad.severity, crate::audit::Severity::High);
            assert!(
                bad.evidence
                    .contains(&format!("{provider} key `key1` is {bytes}")),
                "{}",
                bad.evidence
            );
            assert!(!format!("{f:?}").contains(key), "{f:?}");
        }
    }

    #[test]
    fn a_bad_key_in_an_entry_for_other_resources_counts_too() {
        let yaml = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [configmaps]\n    providers: [{aesgcm: {keys: [{name: short, secret: c2VjcmV0}]}}]\n  - resources: [secrets]\n    providers: [{kms: {apiVersion: v2, name: k}}]\n";
        assert_eq!(ids(yaml), ["KV-ENC-011"]);
    }

    #[test]
    fn secrets_not_covered() {
        let yaml = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [configmaps]\n    providers: [{secretbox: {keys: []}}]\n";
        assert_eq!(ids(yaml), ["KV-ENC-003"]);
    }
}
