//! A sync target's template, as External Secrets Operator's
//! `spec.target.template` has it: the Kubernetes Secret's `type`, labels
//! and annotations, and data built from Go templates over the keys the
//! sources give (`{{ .user }}:{{ .password }}`, Sprig's `b64enc` and
//! company; see [`crate::template`]). Pure: plan text in, data out.
//!
//! ```yaml
//! - source: vault:secret/web/tls
//!   target: k8s:prod/web-tls
//!   template:
//!     type: kubernetes.io/tls
//!     labels: {app: web}
//!     data:
//!       tls.crt: "{{ .certificate }}"
//!       tls.key: "{{ .private_key }}"
//! ```
//!
//! With `data`, the target holds the templated keys only (`mergePolicy:
//! Replace`, ESO's default); `mergePolicy: Merge` keeps the source keys
//! too, the templated ones winning. Without `data`, the source keys as
//! they are.

use crate::store::{Reference, Scheme, SecretData, Shape};
use crate::template::{self, TARGET};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A validated template.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetTemplate {
    pub shape: Shape,
    /// Target key -> Go template over the source keys.
    pub data: BTreeMap<String, String>,
    pub merge: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct TemplateFile {
    #[serde(rename = "type")]
    secret_type: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    data: BTreeMap<String, String>,
    merge_policy: Option<MergePolicy>,
}

#[derive(Debug, Deserialize)]
enum MergePolicy {
    Replace,
    Merge,
}

/// Label and annotation prefixes kvault writes itself.
const RESERVED: &[&str] = &["kvault.dev/", "app.kubernetes.io/managed-by"];

impl TargetTemplate {
    /// Check `file` for a template of `target`: a type, labels or
    /// annotations only for a Kubernetes Secret, none of kvault's own
    /// keys, every data template valid before any secret is read.
    pub(super) fn from_file(file: TemplateFile, target: &Reference) -> Result<Self, String> {
        let shape = Shape {
            secret_type: file.secret_type,
            labels: file.labels,
            annotations: file.annotations,
        };
        if !shape.is_empty() && target.scheme != Scheme::K8s {
            return Err(format!(
                "template: `type`, `labels` and `annotations` shape a Kubernetes Secret, and `{target}` is not one"
            ));
        }
        if shape.secret_type.as_deref() == Some("") {
            return Err("template: `type` is empty".into());
        }
        let names = shape.labels.keys().chain(shape.annotations.keys());
        if let Some(name) = names
            .clone()
            .find(|n| RESERVED.iter().any(|r| n.starts_with(r)))
        {
            return Err(format!(
                "template: `{name}` is kvault's own (it records provenance there)"
            ));
        }
        for (key, text) in &file.data {
            if key.is_empty() {
                return Err("template: a `data` key is empty".into());
            }
            template::check_as(TARGET, text).map_err(|e| format!("template.data.{key}: {e}"))?;
        }
        if file.merge_policy.is_some() && file.data.is_empty() {
            return Err("template: `mergePolicy` needs `data`".into());
        }
        Ok(TargetTemplate {
            shape,
            data: file.data,
            merge: matches!(file.merge_policy, Some(MergePolicy::Merge)),
        })
    }

    /// The target's data from what the sources gave. An error names the
    /// key and the template, never a value.
    pub fn apply(&self, sources: SecretData) -> Result<SecretData, String> {
        if self.data.is_empty() {
            return Ok(sources);
        }
        let mut out = if self.merge {
            sources.clone()
        } else {
            SecretData::new()
        };
        for (key, text) in &self.data {
            let value = template::render_as(TARGET, text, &sources)
                .map_err(|e| format!("template.data.{key}: {e}"))?;
            out.insert(key.clone(), value);
        }
        Ok(out)
    }

    /// A digest of the template itself, recorded with the target so that
    /// a changed label or type is written even when the data is the same.
    pub fn digest(&self) -> String {
        let text = serde_json::json!({
            "type": self.shape.secret_type,
            "labels": self.shape.labels,
            "annotations": self.shape.annotations,
            "data": self.data,
            "merge": self.merge,
        })
        .to_string();
        let hash = Sha256::digest(text.as_bytes());
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        format!("v1:{}", &hex[..32])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(yaml: &str, target: &str) -> Result<TargetTemplate, String> {
        let file: TemplateFile = serde_yaml::from_str(yaml).map_err(|e| e.to_string())?;
        TargetTemplate::from_file(file, &Reference::parse(target).unwrap())
    }

    fn shown(data: &SecretData) -> Vec<(String, String)> {
        data.iter()
            .map(|(k, v)| (k.to_string(), v.expose_str().unwrap().to_string()))
            .collect()
    }

    #[test]
    fn a_dockerconfigjson_is_built_from_registry_user_and_password() {
        let t = template(
            r#"
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: '{"auths":{"{{ .registry }}":{"auth":"{{ printf "%s:%s" .user .password | b64enc }}"}}}'
"#,
            "k8s:prod/pull",
        )
        .unwrap();
        let out = t
            .apply(SecretData::from_pairs(&[
                ("registry", "ghcr.io"),
                ("user", "bot"),
                ("password", "hunter2"),
            ]))
            .unwrap();
        assert_eq!(
            shown(&out),
            [(
                ".dockerconfigjson".to_string(),
                r#"{"auths":{"ghcr.io":{"auth":"Ym90Omh1bnRlcjI="}}}"#.to_string()
            )]
        );
    }

    #[test]
    fn replace_keeps_only_the_templated_keys_and_merge_keeps_the_sources_too() {
        let sources =
            SecretData::from_pairs(&[("user", "app"), ("password", "pw"), ("host", "db")]);
        let url = "url: 'postgres://{{ .user }}:{{ .password }}@{{ .host }}:5432/app'";
        let replace = template(&format!("data:\n  {url}\n"), "k8s:prod/db").unwrap();
        assert_eq!(
            shown(&replace.apply(sources.clone()).unwrap()),
            [(
                "url".to_string(),
                "postgres://app:pw@db:5432/app".to_string()
            )]
        );
        let merge = template(
            &format!("mergePolicy: Merge\ndata:\n  {url}\n"),
            "k8s:prod/db",
        )
        .unwrap();
        let keys: Vec<String> = merge
            .apply(sources)
            .unwrap()
            .keys()
            .map(str::to_string)
            .collect();
        assert_eq!(keys, ["host", "password", "url", "user"]);
    }

    #[test]
    fn a_missing_key_is_an_error_naming_the_key_and_never_a_value() {
        let t = template(
            "data:\n  dsn: '{{ .user }}:{{ .pasword }}'\n",
            "k8s:prod/db",
        )
        .unwrap();
        let e = t
            .apply(SecretData::from_pairs(&[
                ("user", "app"),
                ("password", "s3cr3t-value"),
            ]))
            .unwrap_err();
        assert!(e.starts_with("template.data.dsn: "), "{e}");
        assert!(e.contains("pasword"), "{e}");
        assert!(!e.contains("s3cr3t-value"), "{e}");
    }

    #[test]
    fn bad_templates_are_refused_before_any_secret_is_read() {
        for (yaml, target, says) in [
            (
                "data:\n  a: '{{ .x | nosuch }}'\n",
                "k8s:p/s",
                "calls `nosuch`",
            ),
            ("data:\n  a: '{{ .x '\n", "k8s:p/s", "is not valid"),
            ("type: kubernetes.io/tls\n", "vault:secret/x", "is not one"),
            (
                "labels: {kvault.dev/source: x}\n",
                "k8s:p/s",
                "kvault's own",
            ),
            ("mergePolicy: Merge\n", "k8s:p/s", "needs `data`"),
            ("typo: 1\n", "k8s:p/s", "unknown field"),
        ] {
            let e = template(yaml, target).unwrap_err();
            assert!(e.contains(says), "{yaml}: {e}");
        }
    }

    #[test]
    fn the_digest_changes_with_a_label_and_not_with_the_data() {
        let a = template("labels: {app: web}\n", "k8s:p/s").unwrap();
        let b = template("labels: {app: api}\n", "k8s:p/s").unwrap();
        assert_ne!(a.digest(), b.digest());
        assert_eq!(a.digest(), a.clone().digest());
    }
}
