//! Encryption evidence from the API server's own metrics:
//! `apiserver_storage_transformation_operations_total`, counted by
//! direction (`to_storage` on writes, `from_storage` on reads) and
//! `transformer_prefix` (`""`/`identity` for plaintext,
//! `k8s:enc:<provider>:<version>:` otherwise), for `resource="secrets"`.
//!
//! Without an encryption configuration for secrets no transformer runs and
//! the series is absent; that silence means something only after a Secret
//! was read from storage (the caller's probe).

use crate::audit::inventory::{
    Confidence, EncryptionEvidence, EvidenceSource, Observation, StorageTransforms, StoredFormat,
};
use kube::Client;

pub const SERIES: &str = "apiserver_storage_transformation_operations_total";

/// GET `/metrics` through the kube client and turn it into evidence; a
/// refusal (the user lacks `get` on the non-resource URL `/metrics`) or an
/// error becomes [`Observation::Unavailable`].
pub async fn scrape(client: &Client, server: &str, probed: bool) -> EncryptionEvidence {
    let source = EvidenceSource::ApiserverMetrics {
        server: server.to_string(),
    };
    let request = http::Request::get("/metrics")
        .body(Vec::new())
        .expect("a constant request is valid");
    match client.request_text(request).await {
        Ok(text) => {
            let mut transforms = parse(&text);
            transforms.probed = probed;
            // What the apiserver wrote is its current configuration; silence
            // or reads alone say less.
            let confidence = if transforms.to_storage.is_empty() {
                Confidence::Medium
            } else {
                Confidence::High
            };
            EncryptionEvidence {
                source,
                confidence,
                observation: Observation::Transforms(transforms),
            }
        }
        Err(e) => {
            let why = match &e {
                kube::Error::Api(s) if matches!(s.code, 401 | 403) => format!(
                    "HTTP {} reading /metrics (needs get on the non-resource URL /metrics)",
                    s.code
                ),
                _ => format!("cannot read /metrics: {}", super::one_line(&e)),
            };
            EncryptionEvidence {
                source,
                confidence: Confidence::Low,
                observation: Observation::Unavailable(why),
            }
        }
    }
}

/// True when `evidence` holds transformation counters for secrets.
pub fn has_transforms(evidence: &EncryptionEvidence) -> bool {
    matches!(&evidence.observation, Observation::Transforms(t)
        if !t.to_storage.is_empty() || !t.from_storage.is_empty())
}

/// The transformation counters for secrets in a Prometheus text exposition,
/// summed by direction and stored format; zero counters are left out.
pub fn parse(text: &str) -> StorageTransforms {
    let mut out = StorageTransforms::default();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix(SERIES).and_then(|r| r.strip_prefix('{')) else {
            continue;
        };
        let Some((labels, rest)) = split_labels(rest) else {
            continue;
        };
        let label = |name: &str| {
            labels
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if label("resource") != Some("secrets") {
            continue;
        }
        let count = rest
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
        if count < 1.0 {
            continue;
        }
        let list = match label("transformation_type") {
            Some("to_storage") => &mut out.to_storage,
            Some("from_storage") => &mut out.from_storage,
            _ => continue,
        };
        let Some(format) = metric_format(label("transformer_prefix").unwrap_or("")) else {
            continue;
        };
        match list.iter_mut().find(|(f, _)| *f == format) {
            Some((_, n)) => *n += count as u64,
            None => list.push((format, count as u64)),
        }
    }
    out.to_storage.sort();
    out.from_storage.sort();
    out
}

/// The stored format a `transformer_prefix` stands for. Providers with
/// several keys count again per key with the key's own prefix (`key1:`):
/// `None` for those, they are not a format.
fn metric_format(prefix: &str) -> Option<StoredFormat> {
    match prefix {
        "" | "identity" => Some(StoredFormat::Plaintext),
        p if p.starts_with(crate::audit::inventory::ENCRYPTED_PREFIX) => {
            Some(StoredFormat::from_prefix(p.as_bytes()))
        }
        _ => None,
    }
}

/// `a="x",b="y\"z"} 3` → the labels and what follows the closing brace.
fn split_labels(text: &str) -> Option<(Vec<(String, String)>, &str)> {
    let mut labels = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches([',', ' ']);
        if let Some(after) = rest.strip_prefix('}') {
            return Some((labels, after));
        }
        let (name, after) = rest.split_once("=\"")?;
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            let (i, c) = chars.next()?;
            match c {
                '\\' => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                '"' => break i,
                c => value.push(c),
            }
        };
        labels.push((name.trim().to_string(), value));
        rest = &after[end + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_for_secrets_are_summed_by_direction_and_format() {
        let text = r#"
# HELP apiserver_storage_transformation_operations_total [ALPHA] Total number of transformations.
# TYPE apiserver_storage_transformation_operations_total counter
apiserver_storage_transformation_operations_total{resource="secrets",status="OK",transformation_type="from_storage",transformer_prefix="identity"} 2
apiserver_storage_transformation_operations_total{resource="secrets",status="OK",transformation_type="from_storage",transformer_prefix="k8s:enc:secretbox:v1:"} 5
apiserver_storage_transformation_operations_total{resource="secrets",status="OK",transformation_type="to_storage",transformer_prefix="k8s:enc:secretbox:v1:"} 1
apiserver_storage_transformation_operations_total{resource="secrets",status="OK",transformation_type="to_storage",transformer_prefix="key1:"} 1
apiserver_storage_transformation_operations_total{resource="secrets",status="Internal",transformation_type="to_storage",transformer_prefix="k8s:enc:secretbox:v1:"} 1
apiserver_storage_transformation_operations_total{resource="configmaps",status="OK",transformation_type="to_storage",transformer_prefix=""} 9
apiserver_storage_transformation_operations_total{resource="secrets",status="OK",transformation_type="to_storage",transformer_prefix=""} 0
apiserver_storage_transformation_operations_total_other{resource="secrets"} 3
"#;
        let t = parse(text);
        let secretbox = StoredFormat::Encrypted {
            provider: "secretbox".into(),
            version: "v1".into(),
        };
        assert_eq!(t.to_storage, [(secretbox.clone(), 2)]);
        assert_eq!(
            t.from_storage,
            [(StoredFormat::Plaintext, 2), (secretbox, 5)]
        );
    }

    #[test]
    fn an_absent_series_is_empty() {
        assert_eq!(
            parse("apiserver_request_total{verb=\"GET\"} 4\n"),
            StorageTransforms::default()
        );
    }

    #[test]
    fn label_values_may_hold_escapes_commas_and_braces() {
        assert!(split_labels(r#"a="x",b="y""#).is_none(), "no closing brace");
        let (labels, rest) = split_labels(r#"a="x\"y,}",b="\\"} 7"#).unwrap();
        assert_eq!(
            labels,
            [("a".into(), "x\"y,}".into()), ("b".into(), "\\".into())]
        );
        assert_eq!(rest, " 7");
    }
}
