//! Encryption at rest as observed, not as configured: the apiserver's
//! storage transformation counters and etcd's stored bytes (`KV-ENC-*`).
//!
//! Metrics tell how the apiserver writes Secrets now (`to_storage`) and how
//! the Secrets it read since it started were stored (`from_storage`); etcd
//! tells how every Secret is stored, by the prefix of its value. Findings
//! say which source and how sure it is; the configuration-based check in
//! [`super::encryption`] merges them with its own by id.

use crate::audit::finding::{Finding, FindingId, ObjectRef};
use crate::audit::inventory::{
    EncryptionEvidence, Observation, StorageTransforms, StoredFormat, StoredSecrets,
};

/// At most this many plaintext Secrets are named in a finding.
const NAMED: usize = 20;

/// What the observations say: findings, and whether any observation was
/// conclusive (then "could not be verified" no longer applies).
pub struct Observed {
    pub findings: Vec<Finding>,
    pub verified: bool,
    /// Sources asked that could not answer, for the "not verified" finding.
    pub unavailable: Vec<String>,
}

pub fn check(evidence: &[EncryptionEvidence]) -> Observed {
    let mut observed = Observed {
        findings: Vec::new(),
        verified: false,
        unavailable: Vec::new(),
    };
    for e in evidence {
        let source = e.source.describe();
        let confidence = e.confidence.as_str();
        match &e.observation {
            Observation::Transforms(t) => transforms(&mut observed, &source, confidence, t),
            Observation::Stored(s) => stored(&mut observed, &source, s),
            Observation::Unavailable(why) => observed.unavailable.push(format!("{source}: {why}")),
            Observation::Config(_) | Observation::ProviderConfigFlag(_) => {}
        }
    }
    observed
}

fn transforms(out: &mut Observed, source: &str, confidence: &str, t: &StorageTransforms) {
    let series = |list: &[(StoredFormat, u64)]| {
        list.iter()
            .map(|(f, n)| format!("{} ×{n}", f.describe()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if t.to_storage.is_empty() && t.from_storage.is_empty() {
        // No transformer ever ran for secrets: only conclusive when the
        // audit made the apiserver read one from storage.
        if !t.probed {
            out.unavailable.push(format!(
                "{source}: no Secret was read, so no transformation counters to look at"
            ));
        } else {
            out.verified = true;
            out.findings.push(Finding::new(
                FindingId::Enc001,
                "Secrets are stored in etcd in plaintext: the apiserver applies no encryption transformer to secrets",
                format!("{source}: no apiserver_storage_transformation_operations_total series for resource=secrets after reading a Secret from storage ({confidence} confidence)"),
            ));
        }
        return;
    }
    out.verified = true;
    let writes_plaintext = t
        .to_storage
        .iter()
        .any(|(f, _)| *f == StoredFormat::Plaintext);
    if writes_plaintext {
        out.findings.push(Finding::new(
            FindingId::Enc004,
            "identity is the first provider for Secrets: new Secrets are written in plaintext",
            format!(
                "{source}: to_storage for secrets: {} ({confidence} confidence)",
                series(&t.to_storage)
            ),
        ));
    }
    for (format, _) in &t.to_storage {
        if let Some(f) = provider_finding(
            format,
            format!(
                "{source}: to_storage for secrets: {} ({confidence} confidence)",
                series(&t.to_storage)
            ),
        ) {
            out.findings.push(f);
        }
    }
    let read_plaintext = t
        .from_storage
        .iter()
        .find(|(f, _)| *f == StoredFormat::Plaintext);
    if let (Some((_, n)), false) = (read_plaintext, writes_plaintext) {
        // Counters run since the apiserver started: the Secret may have been
        // rewritten since, hence medium confidence whatever the source.
        out.findings.push(Finding::new(
            FindingId::Enc010,
            "Secrets stored in plaintext are still read from etcd",
            format!(
                "{source}: {n} from_storage reads of secrets went through identity (from_storage: {}; to_storage: {}); counters run since the apiserver started, so some may have been rewritten since (medium confidence)",
                series(&t.from_storage),
                if t.to_storage.is_empty() { "none yet".to_string() } else { series(&t.to_storage) }
            ),
        ));
    }
}

fn stored(out: &mut Observed, source: &str, s: &StoredSecrets) {
    if s.total == 0 {
        return;
    }
    out.verified = true;
    if !s.plaintext.is_empty() {
        let mut names: Vec<&str> = s.plaintext.iter().take(NAMED).map(String::as_str).collect();
        let more = s.plaintext.len().saturating_sub(NAMED);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        names.sort_unstable();
        out.findings.push(
            Finding::new(
                FindingId::Enc010,
                format!(
                    "{} of {} Secrets are stored in etcd in plaintext",
                    s.plaintext.len(),
                    s.total
                ),
                format!(
                    "{source}: stored without the k8s:enc: prefix: {}{more} (definitive)",
                    names.join(", ")
                ),
            )
            .objects(s.plaintext.iter().take(NAMED).map(|n| {
                let (ns, name) = n.split_once('/').unwrap_or(("", n));
                ObjectRef::namespaced("Secret", ns, name)
            })),
        );
    }
    let counts = s
        .encrypted
        .iter()
        .map(|(f, n)| format!("{} ×{n}", f.describe()))
        .chain((!s.plaintext.is_empty()).then(|| format!("plaintext ×{}", s.plaintext.len())))
        .collect::<Vec<_>>()
        .join(", ");
    for (format, _) in &s.encrypted {
        if let Some(f) = provider_finding(
            format,
            format!("{source}: Secrets stored as {counts} (definitive)"),
        ) {
            out.findings.push(f);
        }
    }
}

/// The finding a provider deserves, if any: aescbc, aesgcm and KMS v1 are
/// weak or deprecated; secretbox and KMS v2 are fine.
fn provider_finding(format: &StoredFormat, evidence: String) -> Option<Finding> {
    let StoredFormat::Encrypted { provider, version } = format else {
        return None;
    };
    let (id, title) = match (provider.as_str(), version.as_str()) {
        ("aescbc", _) => (
            FindingId::Enc005,
            "Secrets are encrypted with aescbc".to_string(),
        ),
        ("aesgcm", _) => (
            FindingId::Enc007,
            "Secrets are encrypted with aesgcm".to_string(),
        ),
        ("kms", "v1") => (
            FindingId::Enc006,
            "Secrets are encrypted by a KMS v1 provider".to_string(),
        ),
        _ => return None,
    };
    Some(Finding::new(id, title, evidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::inventory::{Confidence, EvidenceSource};

    fn enc(provider: &str) -> StoredFormat {
        StoredFormat::Encrypted {
            provider: provider.into(),
            version: "v1".into(),
        }
    }

    fn metrics(t: StorageTransforms) -> Vec<&'static str> {
        let e = EncryptionEvidence {
            source: EvidenceSource::ApiserverMetrics { server: "s".into() },
            confidence: Confidence::High,
            observation: Observation::Transforms(t),
        };
        let mut ids: Vec<_> = check(&[e]).findings.iter().map(|f| f.id.as_str()).collect();
        ids.sort();
        ids
    }

    #[test]
    fn prefixes_name_the_format() {
        assert_eq!(StoredFormat::from_prefix(b""), StoredFormat::Plaintext);
        assert_eq!(
            StoredFormat::from_prefix(b"identity"),
            StoredFormat::Plaintext
        );
        assert_eq!(
            StoredFormat::from_prefix(b"k8s\0\n\x0cv1"),
            StoredFormat::Plaintext
        );
        assert_eq!(
            StoredFormat::from_prefix(b"k8s:enc:secretbox:v1:key1:\x00\xff"),
            enc("secretbox")
        );
        assert_eq!(
            StoredFormat::from_prefix(b"k8s:enc:aescbc:v1:"),
            enc("aescbc")
        );
    }

    #[test]
    fn no_series_after_a_read_means_no_encryption() {
        let probed = StorageTransforms {
            probed: true,
            ..Default::default()
        };
        assert_eq!(metrics(probed), ["KV-ENC-001"]);
        // Without a read, silence proves nothing.
        assert_eq!(metrics(StorageTransforms::default()), Vec::<&str>::new());
    }

    #[test]
    fn write_path_decides_the_provider_findings() {
        let writes = |f: StoredFormat| StorageTransforms {
            to_storage: vec![(f, 3)],
            ..Default::default()
        };
        assert_eq!(metrics(writes(StoredFormat::Plaintext)), ["KV-ENC-004"]);
        assert_eq!(metrics(writes(enc("aescbc"))), ["KV-ENC-005"]);
        assert_eq!(metrics(writes(enc("aesgcm"))), ["KV-ENC-007"]);
        assert_eq!(metrics(writes(enc("kms"))), ["KV-ENC-006"]);
        assert_eq!(metrics(writes(enc("secretbox"))), Vec::<&str>::new());
    }

    #[test]
    fn plaintext_reads_under_an_encrypting_writer_are_stale() {
        let t = StorageTransforms {
            to_storage: vec![(enc("secretbox"), 1)],
            from_storage: vec![(StoredFormat::Plaintext, 2), (enc("secretbox"), 5)],
            probed: true,
        };
        assert_eq!(metrics(t), ["KV-ENC-010"]);
        // When writes are plaintext too, KV-ENC-004 already says it.
        let t = StorageTransforms {
            to_storage: vec![(StoredFormat::Plaintext, 1)],
            from_storage: vec![(StoredFormat::Plaintext, 2)],
            probed: true,
        };
        assert_eq!(metrics(t), ["KV-ENC-004"]);
    }

    #[test]
    fn etcd_names_plaintext_secrets_and_weak_providers() {
        let e = EncryptionEvidence {
            source: EvidenceSource::Etcd {
                endpoint: "http://e".into(),
            },
            confidence: Confidence::Definitive,
            observation: Observation::Stored(StoredSecrets {
                total: 3,
                plaintext: vec!["shop/old".into()],
                encrypted: vec![(enc("aescbc"), 2)],
            }),
        };
        let observed = check(&[e]);
        assert!(observed.verified);
        let ids: Vec<_> = observed.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["KV-ENC-010", "KV-ENC-005"]);
        let stale = &observed.findings[0];
        assert_eq!(
            stale.objects,
            [ObjectRef::namespaced("Secret", "shop", "old")]
        );
        assert!(stale.evidence.contains("definitive"), "{}", stale.evidence);
    }
}
