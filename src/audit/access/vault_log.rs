//! One line of a Vault/OpenBao file audit device (JSON lines; tokens and
//! values HMAC'd unless `log_raw`) as an [`Access`], when it records a
//! read or list of a secret.
//!
//! A request is logged twice, as `request` and as `response`: only the
//! response is counted (it carries the error of a denied request). Control
//! paths (`sys/`, `auth/`, `identity/`) and a token's own `cubbyhole/` are
//! not secrets read from a shared store and are skipped. The path is the
//! API path (`secret/data/app` on KV v2): the log does not say the mount's
//! version.

use super::{Access, Interner, Record, Source, SubjectKind, Target};
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(borrow, default, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    time: Cow<'a, str>,
    #[serde(borrow, default)]
    auth: Option<Auth<'a>>,
    #[serde(borrow, default)]
    request: Option<Request<'a>>,
    #[serde(borrow, default)]
    error: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Auth<'a> {
    #[serde(borrow, default)]
    display_name: Cow<'a, str>,
    #[serde(borrow, default)]
    entity_id: Cow<'a, str>,
    #[serde(borrow, default)]
    accessor: Cow<'a, str>,
    #[serde(borrow, default)]
    policies: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    metadata: Option<std::collections::HashMap<Cow<'a, str>, Cow<'a, str>>>,
}

#[derive(Deserialize)]
struct Request<'a> {
    #[serde(borrow, default)]
    operation: Cow<'a, str>,
    #[serde(borrow, default)]
    path: Cow<'a, str>,
    #[serde(borrow, default)]
    remote_address: Cow<'a, str>,
}

/// Only responses are counted; lines without one are skipped unparsed.
pub const NEEDLE: &[u8] = b"\"response\"";

const NOT_SECRETS: &[&str] = &["sys/", "auth/", "identity/", "cubbyhole/"];

pub use super::kube_log::Skip;

/// The access a line records, if it is the response to a secret read.
pub fn parse(line: &[u8], names: &mut Interner) -> Result<Record, Skip> {
    let entry: Entry<'_> = serde_json::from_slice(line).map_err(|_| Skip::Malformed)?;
    if entry.kind != "response" {
        return Err(Skip::Other);
    }
    let Some(request) = &entry.request else {
        return Err(Skip::Malformed);
    };
    if !matches!(&*request.operation, "read" | "list") {
        return Err(Skip::Other);
    }
    let path = request.path.trim_start_matches('/');
    if path.is_empty() || NOT_SECRETS.iter().any(|p| path.starts_with(p)) {
        return Err(Skip::Other);
    }
    let time = super::micros(&entry.time).ok_or(Skip::Malformed)?;
    let (subject, kind) = subject(entry.auth.as_ref());
    let subject = names.get(&subject);
    Ok(Record::Access(Access {
        source: Source::Vault,
        target: Target::Vault(names.get(path)),
        subject,
        kind,
        impersonator: None,
        verb: names.get(&request.operation),
        denied: entry.error.contains("permission denied"),
        time,
        source_ip: Some(&request.remote_address)
            .filter(|a| !a.is_empty())
            .map(|a| names.get(a)),
        user_agent: None,
        body_logged: false,
    }))
}

/// Who the token belongs to, as far as the entry says: the service
/// account a Kubernetes login named, an AppRole, the root token, or the
/// token's display name (and entity).
fn subject(auth: Option<&Auth<'_>>) -> (String, SubjectKind) {
    let Some(auth) = auth.filter(|a| !a.display_name.is_empty() || !a.policies.is_empty()) else {
        return ("invalid or unknown token".into(), SubjectKind::Unknown);
    };
    let meta = |key: &str| {
        auth.metadata
            .as_ref()
            .and_then(|m| m.get(key))
            .map(|v| super::clean(v).into_owned())
            .filter(|v| !v.is_empty())
    };
    if let (Some(ns), Some(name)) = (
        meta("service_account_namespace"),
        meta("service_account_name"),
    ) {
        let role = meta("role").map_or_else(String::new, |r| format!(" (role {r})"));
        return (
            format!("ServiceAccount {ns}/{name}{role}"),
            SubjectKind::ServiceAccount,
        );
    }
    if let Some(role) = meta("role_name") {
        return (format!("AppRole {role}"), SubjectKind::Workload);
    }
    if auth.policies.iter().any(|p| p == "root") {
        return ("root token".into(), SubjectKind::Root);
    }
    let mut name = match &*auth.display_name {
        "" | "token" => "token".to_string(),
        named => format!("token {}", super::clean(named)),
    };
    if !auth.entity_id.is_empty() {
        name.push_str(&format!(" (entity {})", super::clean(&auth.entity_id)));
    } else if let Some(accessor) = accessor_tag(&auth.accessor) {
        // Tokens without a name or entity told apart by their accessor
        // (HMAC'd by the device: stable per token, not the accessor).
        name.push_str(&format!(" (accessor {accessor})"));
    }
    (name, SubjectKind::Human)
}

/// The first 12 hex digits of an accessor's HMAC, or of a raw accessor
/// (`hmac_accessor=false`: KV-VLT-012 flags it; kvault prints no more of
/// it than this).
fn accessor_tag(accessor: &str) -> Option<String> {
    let hex = accessor.strip_prefix("hmac-sha256:").unwrap_or(accessor);
    let tag: String = hex
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    (!tag.is_empty()).then(|| format!("{tag}…"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &str) -> Access {
        match parse(line.as_bytes(), &mut Interner::default()) {
            Ok(Record::Access(a)) => a,
            _ => panic!("not an access: {line}"),
        }
    }

    fn entry(kind: &str, op: &str, path: &str, auth: serde_json::Value, error: &str) -> String {
        serde_json::json!({
            "time": "2026-12-03T09:19:51.109472208Z", "type": kind, "auth": auth,
            "request": {"id": "1", "operation": op, "path": path, "remote_address": "127.0.0.1",
                        "mount_type": "kv"},
            "error": error
        })
        .to_string()
    }

    #[test]
    fn a_response_to_a_read_is_an_access_by_the_tokens_owner() {
        let sa = serde_json::json!({"display_name": "kubernetes-team-a-app", "policies": ["app-read", "default"],
            "metadata": {"role": "app", "service_account_name": "app", "service_account_namespace": "team-a"}});
        let line = entry("response", "read", "secret/data/prod/app/db", sa, "");
        let access = parsed(&line);
        assert_eq!(
            access.target,
            Target::Vault("secret/data/prod/app/db".into())
        );
        assert_eq!(&*access.subject, "ServiceAccount team-a/app (role app)");
        assert!(!access.denied);
        let root = serde_json::json!({"display_name": "token", "policies": ["root"]});
        let line = entry("response", "list", "secret/metadata/", root, "");
        let root = parsed(&line);
        assert_eq!(&*root.subject, "root token");
        let bad = entry(
            "response",
            "read",
            "secret/data/x",
            serde_json::json!({"token_type": "default"}),
            "permission denied",
        );
        let access = parsed(&bad);
        assert!(access.denied);
        assert_eq!(access.kind, SubjectKind::Unknown);
    }

    #[test]
    fn requests_writes_and_control_paths_are_not_reads_of_a_secret() {
        let auth = serde_json::json!({"display_name": "token", "policies": ["root"]});
        for (kind, op, path) in [
            ("request", "read", "secret/data/app"),
            ("response", "update", "secret/data/app"),
            ("response", "read", "sys/mounts"),
            ("response", "read", "auth/token/lookup-self"),
            ("response", "read", "cubbyhole/mine"),
        ] {
            let line = entry(kind, op, path, auth.clone(), "");
            assert!(
                matches!(
                    parse(line.as_bytes(), &mut Interner::default()),
                    Err(Skip::Other)
                ),
                "{kind} {op} {path}"
            );
        }
    }
}
