//! "What can `ServiceAccount team-a/app` read?": the reverse of
//! `who_can_read`, for one subject. The subject's ways into auth roles
//! (the same entries `who_can_read` builds: bound accounts, JWT claims,
//! the RBAC paths to act as an account) lead to the roles' policies; what
//! those policies read is listed as the secrets the inventory knows (live:
//! every KV v2 secret listed) and, always, as the policy rules that give
//! the read, so an offline run answers with the paths' patterns.
//!
//! Only secret engines are listed: `sys/`, `auth/`, `identity/`, a
//! token's own `cubbyhole/`, and KV v2 paths other than `data/` (metadata,
//! no values) are not secrets one subject reads from another.

use super::entries::Entry;
use super::logins::{identity_rows, role_logins, Login};
use super::{is_v2, reads_in, ReaderRow};
use crate::audit::rbac::Rbac;
use crate::audit::vault::policy::{Acl, PathKind, PathRule, Policy};
use crate::audit::vault::VaultInventory;
use serde::Serialize;

/// The subject of `--what-can-read`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// `serviceaccount:NS/NAME` or `system:serviceaccount:NS:NAME`.
    ServiceAccount { namespace: String, name: String },
    /// `user:NAME`: a Kubernetes user (its groups are not known).
    User(String),
    /// `group:NAME`: a Kubernetes group.
    Group(String),
    /// `policy:NAME`: a token created with this policy alone.
    Policy(String),
    /// `role:MOUNT/NAME`: logins with one auth role or userpass user
    /// (`auth/` optional).
    Role { mount: String, name: String },
    /// `entity:NAME`: the logins of one identity entity.
    Entity(String),
}

/// How a `--what-can-read` value is written, for errors and `--help`.
pub const SUBJECT_FORMS: &str = "serviceaccount:NS/NAME, system:serviceaccount:NS:NAME, user:NAME, group:NAME, policy:NAME, role:MOUNT/NAME or entity:NAME";

impl std::str::FromStr for Subject {
    type Err = String;

    fn from_str(text: &str) -> Result<Subject, String> {
        let bad = || format!("`{text}` is not a subject: write {SUBJECT_FORMS}");
        let nonempty = |s: &str| (!s.is_empty() && !s.contains(char::is_whitespace)).then_some(());
        if let Some(rest) = text.strip_prefix("system:serviceaccount:") {
            let (namespace, name) = rest.split_once(':').ok_or_else(bad)?;
            nonempty(namespace).and(nonempty(name)).ok_or_else(bad)?;
            return Ok(Subject::ServiceAccount {
                namespace: namespace.into(),
                name: name.into(),
            });
        }
        let (kind, value) = text.split_once(':').ok_or_else(bad)?;
        nonempty(value).ok_or_else(bad)?;
        Ok(match kind.to_ascii_lowercase().as_str() {
            "serviceaccount" | "sa" => {
                let (namespace, name) = value.split_once('/').ok_or_else(bad)?;
                nonempty(namespace).and(nonempty(name)).ok_or_else(bad)?;
                Subject::ServiceAccount {
                    namespace: namespace.into(),
                    name: name.into(),
                }
            }
            "user" => Subject::User(value.into()),
            "group" => Subject::Group(value.into()),
            "policy" => Subject::Policy(value.into()),
            "entity" => Subject::Entity(value.into()),
            "role" => {
                let value = value.trim_matches('/');
                let (mount, name) = value.rsplit_once('/').ok_or_else(bad)?;
                let mount = match mount.starts_with("auth/") {
                    true => mount.to_string(),
                    false => format!("auth/{mount}"),
                };
                Subject::Role {
                    mount,
                    name: name.into(),
                }
            }
            _ => return Err(bad()),
        })
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::ServiceAccount { namespace, name } => {
                write!(f, "ServiceAccount {namespace}/{name}")
            }
            Subject::User(name) => write!(f, "User {name}"),
            Subject::Group(name) => write!(f, "Group {name}"),
            Subject::Policy(name) => write!(f, "token with policy {name}"),
            Subject::Role { mount, name } => write!(f, "role {name} ({mount})"),
            Subject::Entity(name) => write!(f, "entity {name}"),
        }
    }
}

impl Subject {
    /// Whether a chain starting at `entry` (as `role_entries` writes it)
    /// starts at this subject: a service account also through a role
    /// bound to `*` names or namespaces.
    fn starts(&self, entry: &str) -> bool {
        match self {
            Subject::ServiceAccount { namespace, name } => entry
                .strip_prefix("ServiceAccount ")
                .and_then(|s| s.split_once('/'))
                .is_some_and(|(ns, n)| (ns == "*" || ns == namespace) && (n == "*" || n == name)),
            Subject::User(_) | Subject::Group(_) => entry == self.to_string(),
            Subject::Policy(_) | Subject::Role { .. } | Subject::Entity(_) => false,
        }
    }
}

/// One thing the subject reads, and how.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Reachable {
    /// `vault:secret/prod/db` for a secret the inventory lists, or the
    /// rule's pattern (`secret/data/prod/*`) for what a rule gives.
    pub target: String,
    /// `secret` or `rule`.
    pub kind: &'static str,
    #[serde(flatten)]
    pub way: ReaderRow,
}

/// Everything `subject` reads, and the way to each. An unknown policy or
/// role is an error naming it; a subject with no way in reads nothing.
pub fn what_can_read(
    subject: &Subject,
    inventory: &VaultInventory,
    policies: &[Policy],
    rbac: Option<&Rbac>,
) -> Result<Vec<Reachable>, String> {
    let ways = ways_in(subject, inventory, policies, rbac)?;
    let data_areas = v2_data_areas(inventory, policies);
    let mut out = Vec::new();
    for (held, (who, via)) in &ways {
        let acl = Acl::new(held.iter().copied());
        // A chain's first step is the subject it was found under (a role
        // bound to `team-a/*`): kept only when it says more than `who`.
        let via: Vec<String> = match via.first() {
            Some(first) if *first == format!("matches {who}") => via[1..].to_vec(),
            _ => via.clone(),
        };
        let row = |target: String, kind, (policy, grant): (String, String)| Reachable {
            target,
            kind,
            way: ReaderRow {
                subject: who.clone(),
                via: via.clone(),
                policy,
                grant,
            },
        };
        for mount in &inventory.kv_mounts {
            for secret in &mount.secrets {
                let api = match mount.version {
                    2 => format!("{}/data/{}", mount.path, secret.path),
                    _ => format!("{}/{}", mount.path, secret.path),
                };
                if let Some(found) = reads_in(&acl, &api) {
                    let target = format!("vault:{}/{}", mount.path, secret.path);
                    out.push(row(target, "secret", found));
                }
            }
        }
        for rule in held.iter().flat_map(|p| &p.rules) {
            // The rule itself must answer at one of its secret paths: where
            // a more specific rule (a deny, narrower capabilities) answers
            // instead, that rule is listed under its own pattern.
            let answers = examples(rule, &data_areas)
                .into_iter()
                .filter(|path| is_secret_path(path, inventory, policies))
                .filter_map(|path| reads_in(&acl, &path))
                .find(|(_, grant)| *grant == format!("read {}", rule.pattern()));
            if let Some(found) = answers {
                out.push(row(rule.pattern(), "rule", found));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The policies `subject` holds, each set with the way to it (who,
/// steps): a policy itself, a role's logins, or every role the subject
/// can log in to.
fn ways_in<'p>(
    subject: &Subject,
    inventory: &VaultInventory,
    policies: &'p [Policy],
    rbac: Option<&Rbac>,
) -> Result<Vec<(Vec<&'p Policy>, Entry)>, String> {
    let mut ways: Vec<(Vec<&Policy>, Entry)> = Vec::new();
    match subject {
        Subject::Policy(name) => {
            let policy = policies
                .iter()
                .find(|p| &p.name == name)
                .ok_or_else(|| format!("no Vault policy named `{name}` was read"))?;
            ways.push((vec![policy], (subject.to_string(), Vec::new())));
        }
        Subject::Role { mount, name } => {
            let role = inventory
                .roles
                .iter()
                .find(|r| &r.mount == mount && r.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| format!("no auth role `{name}` under {mount} was read"))?;
            for login in role_logins(role, inventory, policies, rbac) {
                let who = format!("{} logins", login.steps[0]);
                ways.push((login.held, (who, login.steps[1..].to_vec())));
            }
        }
        Subject::Entity(name) => {
            let entity = inventory
                .entities
                .iter()
                .find(|e| &e.name == name)
                .ok_or_else(|| format!("no identity entity named `{name}` was read"))?;
            // The chain starts at the entity: its own step is not repeated.
            let step = format!("entity {name}");
            let logins: Vec<Login> = inventory
                .roles
                .iter()
                .flat_map(|role| role_logins(role, inventory, policies, rbac))
                .collect();
            for login in logins
                .iter()
                .filter(|l| l.entity.as_ref().is_some_and(|(id, _)| *id == entity.id))
            {
                let via = login.steps.iter().filter(|s| **s != step).cloned();
                ways.push((login.held.clone(), (subject.to_string(), via.collect())));
            }
            for (held, (start, via)) in identity_rows(inventory, policies, &logins) {
                if via.first() == Some(&step) {
                    let via = std::iter::once(start).chain(via.into_iter().skip(1));
                    ways.push((held, (subject.to_string(), via.collect())));
                }
            }
        }
        _ => {
            for role in &inventory.roles {
                for login in role_logins(role, inventory, policies, rbac) {
                    for (start, mut via) in login.entries {
                        if subject.starts(&start) {
                            via.insert(0, format!("matches {start}"));
                            via.extend(login.steps.iter().cloned());
                            ways.push((login.held.clone(), (subject.to_string(), via)));
                        }
                    }
                }
            }
        }
    }
    Ok(ways)
}

/// `M/data/` of each KV v2 mount known from the inventory or named in a
/// policy: a broad rule (`secret/*`, `*`) reads values there.
fn v2_data_areas(inventory: &VaultInventory, policies: &[Policy]) -> Vec<String> {
    let mut mounts: Vec<&str> = inventory
        .kv_mounts
        .iter()
        .map(|m| m.path.as_str())
        .chain(
            policies
                .iter()
                .flat_map(|p| &p.rules)
                .filter_map(|r| r.path.split_once('/').map(|(mount, _)| mount)),
        )
        .collect();
    mounts.sort_unstable();
    mounts.dedup();
    mounts
        .into_iter()
        .filter(|m| is_v2(m, inventory, policies))
        .map(|m| format!("{m}/data/"))
        .collect()
}

/// Paths the rule governs: its own shape, and one under each KV v2 data
/// area it reaches.
fn examples(rule: &PathRule, data_areas: &[String]) -> Vec<String> {
    let mut out = vec![example(rule)];
    // Under `M/data/x/`: a secret's path, never the bare `M/data`.
    out.extend(
        data_areas
            .iter()
            .filter_map(|area| rule.example_under(&format!("{area}x/"))),
    );
    out
}

/// A path the rule governs: `+` and the glob as `x`.
fn example(rule: &PathRule) -> String {
    match rule.kind {
        PathKind::Exact => rule.path.clone(),
        PathKind::Prefix => format!("{}x", rule.path),
        PathKind::Segments { prefix } => {
            let body = rule.path.trim_end_matches('*');
            let parts: Vec<&str> = body
                .split('/')
                .map(|s| if s == "+" { "x" } else { s })
                .collect();
            let mut path = parts.join("/");
            if prefix {
                path.push('x');
            }
            path
        }
    }
}

/// Whether reading `path` reads a stored secret: not a control path, not
/// a token's own cubbyhole, and on a KV v2 mount only under `data/`.
fn is_secret_path(path: &str, inventory: &VaultInventory, policies: &[Policy]) -> bool {
    const NOT_SECRETS: &[&str] = &["sys/", "auth/", "identity/", "cubbyhole/"];
    if NOT_SECRETS.iter().any(|p| path.starts_with(p)) {
        return false;
    }
    match path.split_once('/') {
        Some((mount, rest)) if is_v2(mount, inventory, policies) => rest.starts_with("data/"),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_is_written_as_kind_colon_name() {
        let sa = |ns: &str, n: &str| Subject::ServiceAccount {
            namespace: ns.into(),
            name: n.into(),
        };
        let cases = [
            ("serviceaccount:team-a/app", sa("team-a", "app")),
            ("system:serviceaccount:team-a:app", sa("team-a", "app")),
            ("sa:b/x", sa("b", "x")),
            ("user:alice", Subject::User("alice".into())),
            ("group:devs", Subject::Group("devs".into())),
            ("policy:ops", Subject::Policy("ops".into())),
            (
                "role:kubernetes/app",
                Subject::Role {
                    mount: "auth/kubernetes".into(),
                    name: "app".into(),
                },
            ),
            (
                "role:auth/k8s-prod/app",
                Subject::Role {
                    mount: "auth/k8s-prod".into(),
                    name: "app".into(),
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<Subject>(), Ok(want), "{text}");
        }
        for bad in [
            "alice",
            "serviceaccount:team-a",
            "system:serviceaccount:team-a",
            "user:",
            "role:app",
            "pod:x",
        ] {
            let err = bad.parse::<Subject>().unwrap_err();
            assert!(err.contains(bad) && err.contains("user:NAME"), "{err}");
        }
    }

    #[test]
    fn a_rule_example_is_a_path_the_rule_matches() {
        for pattern in [
            "secret/data/app",
            "secret/data/prod/*",
            "secret/data/+/shared",
            "secret/+/prod/*",
            "*",
        ] {
            let policy = Policy::parse(&crate::audit::vault::PolicyText {
                name: "p".into(),
                source: "p.hcl".into(),
                hcl: format!("path {pattern:?} {{ capabilities = [\"read\"] }}"),
            })
            .unwrap();
            let rule = &policy.rules[0];
            assert!(rule.matches(&example(rule)), "{pattern}: {}", example(rule));
        }
    }
}
