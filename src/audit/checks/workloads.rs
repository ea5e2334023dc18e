//! Workload hygiene around Secrets (`KV-WL-*`): Secrets in environment
//! variables, credentials written literally in env or ConfigMaps, default
//! service accounts and token automounting, legacy token Secrets, and the
//! reference graph (missing, unused and stale Secrets).
//!
//! References counted: container `env[].valueFrom.secretKeyRef` and
//! `envFrom[].secretRef` (init and ephemeral containers too), `secret`
//! volumes, projected `secret` sources, the `secretRef`s of CSI, CephFS,
//! Cinder, FlexVolume, iSCSI, RBD, ScaleIO and StorageOS volumes and Azure
//! File's `secretName`, pod and ServiceAccount `imagePullSecrets`,
//! ServiceAccount `secrets`, and Ingress `tls[].secretName`. Optional
//! references to a missing Secret are not reported.
//!
//! Literal credentials are found by name (`PASSWORD`, `TOKEN`, `SECRET`,
//! `API_KEY`, ... not ending in `_FILE`, `_PATH`, `_NAME`, ...) with a value
//! that is not a placeholder (`$(VAR)`, `${VAR}`, `{{ }}`, `<...>`), a path or
//! a kvault reference (`vault:...`, `k8s:...`, `local:...`), and by URLs
//! with a password. Values are looked at, never reported.

use super::Options;
use crate::audit::finding::{Finding, ObjectRef};
use crate::audit::inventory::{object_ref, Inventory, PodSpecRef};
use k8s_openapi::api::core::v1::{EnvFromSource, EnvVar, PodSpec, Volume};
use std::collections::{BTreeMap, HashSet};

const LEGACY_TOKEN: &str = "kubernetes.io/service-account-token";
/// Secret types managed by something else: never "unused".
const MANAGED_TYPES: &[&str] = &[
    LEGACY_TOKEN,
    "bootstrap.kubernetes.io/token",
    "helm.sh/release.v1",
];

/// A reference from an object to a Secret.
#[derive(Clone, Debug)]
struct SecretUse {
    namespace: String,
    name: String,
    /// `container `api` env `X``, `volume `certs``, ...
    how: String,
    optional: bool,
}

pub fn check(inventory: &Inventory, options: &Options) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut uses: Vec<(ObjectRef, SecretUse)> = Vec::new();
    // Pods and ReplicaSets/Jobs whose controller is audited: their own
    // findings are reported on the controller.
    let mut controlled: HashSet<ObjectRef> = HashSet::new();

    for pod in inventory.pod_specs() {
        if pod.control_plane {
            continue;
        }
        let pod_uses = spec_uses(&pod.namespace, pod.spec);
        if pod.controlled {
            controlled.insert(pod.owner.clone());
        } else {
            findings.extend(pod_findings(inventory, &pod, &pod_uses));
        }
        uses.extend(pod_uses.into_iter().map(|u| (pod.owner.clone(), u)));
    }
    for sa in inventory.service_accounts.iter() {
        let namespace = sa.metadata.namespace.clone().unwrap_or_default();
        let owner = object_ref(sa);
        for r in sa.image_pull_secrets.iter().flatten() {
            uses.push((
                owner.clone(),
                SecretUse {
                    namespace: namespace.clone(),
                    name: r.name.clone(),
                    how: "imagePullSecrets".into(),
                    optional: false,
                },
            ));
        }
        for r in sa.secrets.iter().flatten() {
            if let Some(name) = &r.name {
                uses.push((
                    owner.clone(),
                    SecretUse {
                        namespace: r.namespace.clone().unwrap_or_else(|| namespace.clone()),
                        name: name.clone(),
                        how: "secrets".into(),
                        // Legacy token list: the controller keeps it; a gap is not an outage.
                        optional: true,
                    },
                ));
            }
        }
    }
    for ingress in inventory.ingresses.iter() {
        let namespace = ingress.metadata.namespace.clone().unwrap_or_default();
        for (i, tls) in ingress
            .spec
            .iter()
            .flat_map(|s| s.tls.iter().flatten())
            .enumerate()
        {
            if let Some(name) = &tls.secret_name {
                uses.push((
                    object_ref(ingress),
                    SecretUse {
                        namespace: namespace.clone(),
                        name: name.clone(),
                        how: format!("tls[{i}].secretName"),
                        optional: false,
                    },
                ));
            }
        }
    }

    // Missing Secrets: one finding per (referring object, Secret).
    let mut missing: BTreeMap<(ObjectRef, String, String), Vec<String>> = BTreeMap::new();
    for (owner, u) in &uses {
        if !u.optional
            && !inventory.secrets.contains(&u.namespace, &u.name)
            && !controlled.contains(owner)
        {
            missing
                .entry((owner.clone(), u.namespace.clone(), u.name.clone()))
                .or_default()
                .push(u.how.clone());
        }
    }
    for ((owner, namespace, name), hows) in missing {
        findings.push(
            Finding::new(
                "KV-WL-007",
                format!("{owner} refers to Secret `{namespace}/{name}`, which does not exist"),
                format!(
                    "{} (not optional); no such Secret among the audited objects",
                    dedup(hows).join("; ")
                ),
            )
            .object(owner)
            .object(ObjectRef::namespaced("Secret", &namespace, &name)),
        );
    }

    let used: HashSet<(&str, &str)> = uses
        .iter()
        .map(|(_, u)| (u.namespace.as_str(), u.name.as_str()))
        .collect();
    for secret in inventory.secrets.iter() {
        let object = object_ref(secret);
        let namespace = secret.metadata.namespace.as_deref().unwrap_or_default();
        let name = secret.metadata.name.as_deref().unwrap_or_default();
        let type_ = secret.type_.as_deref().unwrap_or("Opaque");
        if type_ == LEGACY_TOKEN {
            let sa = secret
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("kubernetes.io/service-account.name"))
                .map(String::as_str)
                .unwrap_or("(unknown)");
            findings.push(
                Finding::new(
                    "KV-WL-006",
                    format!("Secret `{namespace}/{name}` is a long-lived token for ServiceAccount `{sa}`"),
                    format!("type {LEGACY_TOKEN}: a token that never expires"),
                )
                .object(object.clone())
                .object(ObjectRef::namespaced("ServiceAccount", namespace, sa)),
            );
        }
        if !MANAGED_TYPES.contains(&type_) && !used.contains(&(namespace, name)) {
            findings.push(
                Finding::new(
                    "KV-WL-008",
                    format!("Secret `{namespace}/{name}` is not used"),
                    "no pod, workload template, service account or ingress among the audited objects refers to it",
                )
                .object(object.clone()),
            );
        }
        if type_ != "helm.sh/release.v1" {
            if let Some(created) = &secret.metadata.creation_timestamp {
                let age_days = (options.now - created.0.as_second()) / 86_400;
                if age_days > options.stale_after_days {
                    findings.push(
                        Finding::new(
                            "KV-WL-009",
                            format!("Secret `{namespace}/{name}` was created {age_days} days ago"),
                            format!(
                                "creationTimestamp {} ({age_days} days > {})",
                                created.0, options.stale_after_days
                            ),
                        )
                        .object(object),
                    );
                }
            }
        }
    }

    for cm in inventory.config_maps.iter() {
        let mut hits = Vec::new();
        for (key, value) in cm.data.iter().flatten() {
            if credential_name(key) && literal_credential(value) {
                hits.push(format!("key `{key}`"));
            } else if url_with_password(value) {
                hits.push(format!("key `{key}` (URL with a password)"));
            } else if value.contains('\n') {
                for (line, setting) in credential_lines(value) {
                    hits.push(match setting {
                        Some(setting) => format!("key `{key}` line {line} (`{setting}`)"),
                        None => format!("key `{key}` line {line} (URL with a password)"),
                    });
                }
            }
        }
        if !hits.is_empty() {
            let object = object_ref(cm);
            findings.push(
                Finding::new(
                    "KV-WL-003",
                    format!("{object} holds credential-like values"),
                    format!("literal values in {}", hits.join("; ")),
                )
                .object(object),
            );
        }
    }
    findings
}

fn dedup(mut items: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    items.retain(|i| seen.insert(i.clone()));
    items
}

/// The containers of a pod spec: (name, env, envFrom).
fn containers(spec: &PodSpec) -> Vec<(&str, &[EnvVar], &[EnvFromSource])> {
    let mut out: Vec<(&str, &[EnvVar], &[EnvFromSource])> = Vec::new();
    for c in spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
    {
        out.push((
            &c.name,
            c.env.as_deref().unwrap_or_default(),
            c.env_from.as_deref().unwrap_or_default(),
        ));
    }
    for c in spec.ephemeral_containers.iter().flatten() {
        out.push((
            &c.name,
            c.env.as_deref().unwrap_or_default(),
            c.env_from.as_deref().unwrap_or_default(),
        ));
    }
    out
}

/// Every Secret reference of a pod spec.
fn spec_uses(namespace: &str, spec: &PodSpec) -> Vec<SecretUse> {
    let mut uses = Vec::new();
    let mut add = |name: &str, how: String, optional: Option<bool>| {
        if !name.is_empty() {
            uses.push(SecretUse {
                namespace: namespace.to_string(),
                name: name.to_string(),
                how,
                optional: optional.unwrap_or(false),
            });
        }
    };
    for (container, env, env_from) in containers(spec) {
        for var in env {
            if let Some(r) = var
                .value_from
                .as_ref()
                .and_then(|v| v.secret_key_ref.as_ref())
            {
                add(
                    &r.name,
                    format!(
                        "container `{container}` env `{}` (secretKeyRef key `{}`)",
                        var.name, r.key
                    ),
                    r.optional,
                );
            }
        }
        for from in env_from {
            if let Some(r) = &from.secret_ref {
                add(
                    &r.name,
                    format!("container `{container}` envFrom"),
                    r.optional,
                );
            }
        }
    }
    for volume in spec.volumes.iter().flatten() {
        volume_uses(volume, &mut add);
    }
    for r in spec.image_pull_secrets.iter().flatten() {
        add(&r.name, "imagePullSecrets".into(), None);
    }
    uses
}

fn volume_uses(volume: &Volume, add: &mut impl FnMut(&str, String, Option<bool>)) {
    let how = format!("volume `{}`", volume.name);
    if let Some(s) = &volume.secret {
        if let Some(name) = &s.secret_name {
            add(name, how.clone(), s.optional);
        }
    }
    for source in volume
        .projected
        .iter()
        .flat_map(|p| p.sources.iter().flatten())
    {
        if let Some(s) = &source.secret {
            add(&s.name, format!("{how} (projected)"), s.optional);
        }
    }
    let refs = [
        volume
            .csi
            .as_ref()
            .and_then(|v| v.node_publish_secret_ref.as_ref()),
        volume.cephfs.as_ref().and_then(|v| v.secret_ref.as_ref()),
        volume.cinder.as_ref().and_then(|v| v.secret_ref.as_ref()),
        volume
            .flex_volume
            .as_ref()
            .and_then(|v| v.secret_ref.as_ref()),
        volume.iscsi.as_ref().and_then(|v| v.secret_ref.as_ref()),
        volume.rbd.as_ref().and_then(|v| v.secret_ref.as_ref()),
        volume.scale_io.as_ref().map(|v| &v.secret_ref),
        volume
            .storageos
            .as_ref()
            .and_then(|v| v.secret_ref.as_ref()),
    ];
    for r in refs.into_iter().flatten() {
        add(&r.name, how.clone(), None);
    }
    if let Some(azure) = &volume.azure_file {
        add(&azure.secret_name, how.clone(), None);
    }
}

/// Findings about one pod spec not owned by another audited object.
fn pod_findings(inventory: &Inventory, pod: &PodSpecRef, uses: &[SecretUse]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let owner = &pod.owner;
    let spec = pod.spec;

    // KV-WL-001: Secrets in environment variables.
    let env_uses: Vec<&SecretUse> = uses
        .iter()
        .filter(|u| u.how.starts_with("container "))
        .collect();
    if !env_uses.is_empty() {
        findings.push(
            Finding::new(
                "KV-WL-001",
                format!("{owner} passes Secrets through environment variables"),
                env_uses
                    .iter()
                    .map(|u| format!("{} from Secret `{}`", u.how, u.name))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .object(owner.clone())
            .objects(
                env_uses
                    .iter()
                    .map(|u| ObjectRef::namespaced("Secret", &u.namespace, &u.name)),
            ),
        );
    }

    // KV-WL-002: literal credentials in env.
    let mut literals = Vec::new();
    for (container, env, _) in containers(spec) {
        for var in env {
            let Some(value) = var.value.as_deref().filter(|_| var.value_from.is_none()) else {
                continue;
            };
            if credential_name(&var.name) && literal_credential(value) {
                literals.push(format!("container `{container}` env `{}`", var.name));
            } else if url_with_password(value) {
                literals.push(format!(
                    "container `{container}` env `{}` (URL with a password)",
                    var.name
                ));
            }
        }
    }
    if !literals.is_empty() {
        findings.push(
            Finding::new(
                "KV-WL-002",
                format!("{owner} has a literal credential in its environment"),
                format!("set to a literal value: {}", literals.join("; ")),
            )
            .object(owner.clone()),
        );
    }

    // KV-WL-004/005: service account and its token.
    let sa_name = spec
        .service_account_name
        .as_deref()
        .or(spec.service_account.as_deref())
        .filter(|s| !s.is_empty())
        .unwrap_or("default");
    let sa_ref = ObjectRef::namespaced("ServiceAccount", &pod.namespace, sa_name);
    if sa_name == "default" {
        findings.push(
            Finding::new(
                "KV-WL-004",
                format!("{owner} runs as the default service account"),
                if spec.service_account_name.is_some() {
                    "spec.serviceAccountName is `default`"
                } else {
                    "spec.serviceAccountName is not set"
                },
            )
            .object(owner.clone())
            .object(sa_ref.clone()),
        );
    }
    let sa = inventory.service_accounts.get(&pod.namespace, sa_name);
    let automount = spec
        .automount_service_account_token
        .or(sa.and_then(|s| s.automount_service_account_token))
        .unwrap_or(true);
    // A projected serviceAccountToken volume mounts the same token by hand.
    let projected: Vec<&str> = spec
        .volumes
        .iter()
        .flatten()
        .filter(|v| {
            v.projected
                .iter()
                .flat_map(|p| p.sources.iter().flatten())
                .any(|s| s.service_account_token.is_some())
        })
        .map(|v| v.name.as_str())
        .collect();
    if !automount && !projected.is_empty() {
        findings.push(
            Finding::new(
                "KV-WL-005",
                format!("{owner} gets a service account token mounted"),
                format!(
                    "automountServiceAccountToken is off, but volume `{}` projects a serviceAccountToken",
                    projected.join("`, `")
                ),
            )
            .object(owner.clone())
            .object(sa_ref.clone()),
        );
    }
    if automount {
        let why = match (spec.automount_service_account_token, sa) {
            (Some(true), _) => "the pod spec sets automountServiceAccountToken: true".to_string(),
            (_, Some(sa)) if sa.automount_service_account_token == Some(true) => {
                format!("{sa_ref} sets automountServiceAccountToken: true")
            }
            (_, Some(_)) => format!(
                "neither the pod spec nor {sa_ref} sets automountServiceAccountToken: false"
            ),
            (_, None) => format!(
                "the pod spec does not set automountServiceAccountToken: false ({sa_ref} is not among the audited objects)"
            ),
        };
        findings.push(
            Finding::new(
                "KV-WL-005",
                format!("{owner} gets a service account token mounted"),
                why,
            )
            .object(owner.clone())
            .object(sa_ref),
        );
    }
    findings
}

const CREDENTIAL_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
    "AUTH_KEY",
];

/// Names that hold something about a credential, not the credential.
const NOT_CREDENTIAL_SUFFIXES: &[&str] = &[
    "_FILE",
    "_PATH",
    "_DIR",
    "_NAME",
    "_REF",
    "_ID",
    "_TTL",
    "_TIMEOUT",
    "_LENGTH",
    "_EXPIRY",
    "_EXPIRES",
    "_ENABLED",
    "_REQUIRED",
    "_POLICY",
    "_TYPE",
    "_URL",
    "_URI",
    "_ENDPOINT",
    "_AUDIENCE",
    "_ISSUER",
    "_HEADER",
    "_PREFIX",
    "_SIZE",
    "_ALGORITHM",
    "_VERSION",
    "_MODE",
    "_HOST",
    "_PORT",
    "_USER",
    "_USERNAME",
    "_KEY_NAME",
    "_ROTATION",
];

/// Does an env var or key name look like it holds a credential?
pub fn credential_name(name: &str) -> bool {
    let n: String = name
        .chars()
        .map(|c| match c {
            '-' | '.' | ' ' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    if NOT_CREDENTIAL_SUFFIXES.iter().any(|s| n.ends_with(s)) {
        return false;
    }
    CREDENTIAL_WORDS.iter().any(|w| n.contains(w)) || n.ends_with("_PWD") || n.ends_with("_PASS")
}

/// Is `value` a literal (not a placeholder, path or reference)?
pub fn literal_credential(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']).trim();
    if v.chars().count() < 4 {
        return false;
    }
    let placeholder = v.starts_with("$(")
        || v.starts_with("${")
        || v.starts_with("{{")
        || (v.starts_with('<') && v.ends_with('>'))
        || v.starts_with('/')
        || v.starts_with("vault:")
        || v.starts_with("k8s:")
        || v.starts_with("local:")
        || v.starts_with("file:")
        || v.starts_with("env:");
    let boolean = matches!(
        v.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "none" | "null"
    );
    !placeholder && !boolean
}

/// `scheme://user:password@host`, with a password that is not a placeholder.
pub fn url_with_password(value: &str) -> bool {
    let Some((_, rest)) = value.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let Some((userinfo, _host)) = authority.rsplit_once('@') else {
        return false;
    };
    match userinfo.split_once(':') {
        Some((_, password)) => {
            !password.is_empty() && !password.starts_with('$') && !password.starts_with('{')
        }
        None => false,
    }
}

/// `name = value` / `name: value` lines of a config file held in a
/// ConfigMap whose name looks like a credential and value like a literal:
/// (line number, setting name). A line holding a URL with a password gives
/// no name: what precedes the first `:` or `=` there may be part of the URL
/// (`jdbc:postgresql://user:pw@db`), that is of the value.
fn credential_lines(text: &str) -> Vec<(usize, Option<String>)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with(['#', ';']) || trimmed.starts_with("//") {
            continue;
        }
        let trimmed = trimmed.strip_prefix("export ").unwrap_or(trimmed);
        let Some(split) = trimmed.find(['=', ':']) else {
            continue;
        };
        let (key, value) = (&trimmed[..split], &trimmed[split + 1..]);
        let key = key.trim().trim_matches(['"', '\'']);
        if key.is_empty() || key.contains(char::is_whitespace) {
            continue;
        }
        let value = value.trim().trim_end_matches(',');
        if credential_name(key) && literal_credential(value) {
            out.push((i + 1, Some(key.to_string())));
        } else if url_with_password(value) || url_with_password(trimmed) {
            out.push((i + 1, None));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::load::add_text;

    fn findings(yaml: &str) -> Vec<Finding> {
        let mut inv = Inventory::default();
        add_text(&mut inv, "wl.yaml", yaml, false).unwrap();
        let options = Options {
            now: 1_900_000_000,
            stale_after_days: 90,
        };
        let mut f = check(&inv, &options);
        crate::audit::finding::sort(&mut f);
        f
    }

    fn ids(yaml: &str) -> Vec<&'static str> {
        let mut ids: Vec<_> = findings(yaml).iter().map(|f| f.id).collect();
        ids.sort();
        ids
    }

    #[test]
    fn credential_names_and_values() {
        for n in [
            "DB_PASSWORD",
            "api-key",
            "GITHUB_TOKEN",
            "client.secret",
            "MYSQL_ROOT_PWD",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            assert!(credential_name(n), "{n}");
        }
        for n in [
            "PWD",
            "PASSWORD_FILE",
            "TOKEN_TTL",
            "SECRET_NAME",
            "USERNAME",
            "AWS_ACCESS_KEY_ID",
            "LOG_LEVEL",
        ] {
            assert!(!credential_name(n), "{n}");
        }
        for v in ["hunter2!", "changeme", "1234567890"] {
            assert!(literal_credential(v), "{v}");
        }
        for v in [
            "",
            "abc",
            "$(DB_PASSWORD)",
            "${TOKEN}",
            "{{ .Values.x }}",
            "/run/secrets/db",
            "vault:secret/app#pw",
            "k8s:prod/db#password",
            "true",
            "<your-token>",
        ] {
            assert!(!literal_credential(v), "{v}");
        }
        assert!(url_with_password("postgres://app:s3cr3t@db:5432/app"));
        assert!(!url_with_password("postgres://app@db:5432/app"));
        assert!(!url_with_password("postgres://app:${PW}@db/app"));
        assert!(!url_with_password("https://example.com/a:b@c"));
    }

    const WORKLOAD: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      serviceAccountName: api
      automountServiceAccountToken: false
      containers:
        - name: api
          image: api:1
          env:
            - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}
            - {name: ADMIN_PASSWORD, value: "hunter2-literal"}
            - {name: DATABASE_URL, value: "postgres://u:pw-in-url@db/app"}
            - {name: OPTIONAL, valueFrom: {secretKeyRef: {name: maybe, key: k, optional: true}}}
          envFrom: [{secretRef: {name: api-env}}]
      volumes:
        - {name: tls, secret: {secretName: tls}}
        - name: proj
          projected: {sources: [{secret: {name: proj}}]}
      imagePullSecrets: [{name: regcred}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: shop}
"#;

    fn secret(ns: &str, name: &str) -> String {
        format!("---\napiVersion: v1\nkind: Secret\nmetadata: {{name: {name}, namespace: {ns}}}\ndata: {{k: dg==}}\n")
    }

    #[test]
    fn workload_references_env_and_literals() {
        let mut yaml = WORKLOAD.to_string();
        for s in ["db", "api-env", "tls", "proj", "regcred"] {
            yaml += &secret("shop", s);
        }
        let f = findings(&yaml);
        let ids: Vec<_> = f.iter().map(|f| f.id).collect();
        assert_eq!(ids, ["KV-WL-002", "KV-WL-001"], "{f:#?}");
        let literal = &f[0];
        assert!(literal.evidence.contains("`ADMIN_PASSWORD`"));
        assert!(literal
            .evidence
            .contains("`DATABASE_URL` (URL with a password)"));
        assert!(!format!("{f:?}").contains("hunter2"));
        assert!(!format!("{f:?}").contains("pw-in-url"));
        assert!(f[1].evidence.contains("env `DB_PASSWORD`"));
        assert!(f[1].evidence.contains("envFrom"));
    }

    #[test]
    fn missing_unused_and_legacy_secrets() {
        let yaml = format!(
            "{WORKLOAD}{}{}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: old-token\n  namespace: shop\n  annotations: {{kubernetes.io/service-account.name: api}}\ntype: kubernetes.io/service-account-token\n",
            secret("shop", "db"),
            secret("shop", "forgotten"),
        );
        let f = findings(&yaml);
        let missing: Vec<String> = f
            .iter()
            .filter(|f| f.id == "KV-WL-007")
            .map(|f| f.objects[1].name.clone())
            .collect();
        assert_eq!(missing, ["api-env", "proj", "regcred", "tls"]);
        let unused: Vec<&str> = f
            .iter()
            .filter(|f| f.id == "KV-WL-008")
            .map(|f| f.objects[0].name.as_str())
            .collect();
        assert_eq!(unused, ["forgotten"]);
        assert_eq!(f.iter().filter(|f| f.id == "KV-WL-006").count(), 1);
    }

    #[test]
    fn default_service_account_and_automount() {
        let pod = r#"
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a}
spec:
  containers: [{name: c, image: x}]
"#;
        assert_eq!(ids(pod), ["KV-WL-004", "KV-WL-005"]);
        let sa_off = format!("{pod}---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: default, namespace: a}}\nautomountServiceAccountToken: false\n");
        assert_eq!(ids(&sa_off), ["KV-WL-004"]);
        let pod_on = sa_off.replace("spec:\n", "spec:\n  automountServiceAccountToken: true\n");
        assert_eq!(ids(&pod_on), ["KV-WL-004", "KV-WL-005"]);
        let by_hand = sa_off.replace(
            "spec:\n",
            "spec:\n  volumes: [{name: tok, projected: {sources: [{serviceAccountToken: {path: t}}]}}]\n",
        );
        assert_eq!(ids(&by_hand), ["KV-WL-004", "KV-WL-005"]);
        let f = findings(&by_hand);
        assert!(
            f[1].evidence
                .contains("volume `tok` projects a serviceAccountToken"),
            "{}",
            f[1].evidence
        );
    }

    #[test]
    fn controlled_pods_report_on_their_controller() {
        let yaml = r#"
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs, namespace: a}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: rs-x
  namespace: a
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: u, controller: true}]
spec: {containers: [{name: c, image: x}]}
"#;
        let f = findings(yaml);
        assert!(
            f.iter().all(|f| f.objects[0].kind == "ReplicaSet"),
            "{f:#?}"
        );
    }

    #[test]
    fn ingress_tls_counts_and_stale_secrets() {
        let yaml = r#"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: w}
spec:
  tls: [{hosts: [a.example], secretName: web-tls}]
---
apiVersion: v1
kind: Secret
metadata: {name: web-tls, namespace: w, creationTimestamp: "2020-01-01T00:00:00Z"}
type: kubernetes.io/tls
data: {tls.crt: "", tls.key: ""}
"#;
        let f = findings(yaml);
        assert_eq!(f.iter().map(|f| f.id).collect::<Vec<_>>(), ["KV-WL-009"]);
        assert!(f[0].evidence.contains("2020-01-01"));
    }

    #[test]
    fn config_map_credentials() {
        let yaml = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: a}
data:
  LOG_LEVEL: debug
  DB_PASSWORD_FILE: /run/secrets/db
  SMTP_PASSWORD: "mail-literal-1"
  application.properties: |
    # comment: password=not-this
    spring.datasource.url=jdbc:postgresql://db/app
    spring.datasource.password=props-literal-2
    api.token=${API_TOKEN}
  db.conf: |
    jdbc:postgresql://app:url-literal-3@db/app
  pg.conf: |
    # a comment
    postgres://app:url-literal-4@db/app
"#;
        let f = findings(yaml);
        let cm = f.iter().find(|f| f.id == "KV-WL-003").unwrap();
        assert!(
            cm.evidence.contains("key `db.conf` (URL with a password)"),
            "{}",
            cm.evidence
        );
        assert!(
            cm.evidence.contains("key `pg.conf` (URL with a password)"),
            "{}",
            cm.evidence
        );
        assert!(!cm.evidence.contains("jdbc"), "{}", cm.evidence);
        assert!(
            cm.evidence.contains("key `SMTP_PASSWORD`"),
            "{}",
            cm.evidence
        );
        assert!(
            cm.evidence
                .contains("line 3 (`spring.datasource.password`)"),
            "{}",
            cm.evidence
        );
        assert!(!cm.evidence.contains("api.token"));
        assert!(!cm.evidence.contains("literal-"));
    }
}
