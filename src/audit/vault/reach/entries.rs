//! Who gets to log in with an auth role: the subjects at the start of a
//! chain, and the steps from them to the role. Both directions of the
//! reach query build on this: `who_can_read` keeps the roles whose
//! policies read a secret, `what_can_read` keeps the entries that start
//! with one subject.

use super::super::checks::strings as list;
use super::super::AuthRole;
use crate::audit::rbac::{Path, Rbac, Scope, MASTERS};
use serde_json::{Map, Value};

/// A subject and the steps from it to the role (the role's own step not
/// included).
pub type Entry = (String, Vec<String>);

/// A service account as a role accepts it: (namespace, name), `*` kept.
pub type Account = (String, String);

/// Every way into `role`'s tokens, through `rbac` when the Kubernetes half
/// was loaded: a bound service account directly, and whoever can act as
/// it (create its pods, mint its tokens, impersonate it).
pub fn role_entries(role: &AuthRole, rbac: Option<&Rbac>) -> Vec<Entry> {
    match account_entries(role, rbac) {
        Some(accounts) => accounts.into_iter().flat_map(|(_, e)| e).collect(),
        None => vec![(generic_subject(role), Vec::new())],
    }
}

/// [`role_entries`] by the service account the login is made as: each
/// (namespace, name) the role accepts (`*` kept) with the ways to act as
/// it. `None` when the role's logins are not tied to service accounts.
pub fn account_entries(role: &AuthRole, rbac: Option<&Rbac>) -> Option<Vec<(Account, Vec<Entry>)>> {
    let accounts = match role.method.as_str() {
        "kubernetes" => Some(bound_accounts(role)),
        "jwt" | "oidc" => jwt_accounts(&role.config),
        _ => None,
    }?;
    let mut out = Vec::new();
    for (namespace, account) in accounts {
        let sa = format!("ServiceAccount {namespace}/{account}");
        let mut entries = vec![(sa.clone(), Vec::new())];
        for (subject, how) in rbac
            .map(|r| acting_as(r, &namespace, &account))
            .unwrap_or_default()
        {
            entries.push((subject, vec![how, sa.clone()]));
        }
        out.push(((namespace, account), entries));
    }
    Some(out)
}

/// The subject of a role whose logins kvault cannot tie to a Kubernetes
/// service account.
fn generic_subject(role: &AuthRole) -> String {
    match role.method.as_str() {
        "approle" => "AppRole credentials (role ID + secret ID)".into(),
        "jwt" | "oidc" => format!(
            "{} tokens the role's issuer signs",
            role.method.to_uppercase()
        ),
        "userpass" => format!("password of userpass user {}", role.name),
        other => format!("{other} logins"),
    }
}

/// The (namespace, name) pairs a Kubernetes role accepts (`*` kept).
fn bound_accounts(role: &AuthRole) -> Vec<(String, String)> {
    let names = list(&role.config, "bound_service_account_names");
    let namespaces = list(&role.config, "bound_service_account_namespaces");
    namespaces
        .iter()
        .flat_map(|ns| names.iter().map(move |n| (ns.clone(), n.clone())))
        .collect()
}

/// The claim keys of a Kubernetes service-account token a JWT role may
/// bind: its subject, and the namespace and account name under
/// `kubernetes.io` (as JSON pointers, the way `bound_claims` writes them).
const SUB: &str = "sub";
const NAMESPACE_CLAIM: &str = "/kubernetes.io/namespace";
const NAME_CLAIM: &str = "/kubernetes.io/serviceaccount/name";
const ACCOUNT_PREFIX: &str = "system:serviceaccount:";

/// The service accounts a JWT/OIDC role accepts, when its bindings name
/// Kubernetes service accounts: `bound_subject` or `bound_claims.sub` of
/// the form `system:serviceaccount:NS:NAME`, or the `kubernetes.io`
/// namespace and name claims. `None` when the role binds no such claim,
/// binds a claim kvault does not read (it cannot tell who passes), or uses
/// a glob it cannot express as whole-segment `*`.
fn jwt_accounts(config: &Map<String, Value>) -> Option<Vec<(String, String)>> {
    let glob = config.get("bound_claims_type").and_then(Value::as_str) == Some("glob");
    let empty = Map::new();
    let claims = config
        .get("bound_claims")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    if claims
        .keys()
        .any(|k| ![SUB, NAMESPACE_CLAIM, NAME_CLAIM].contains(&k.as_str()))
    {
        return None;
    }
    let subjects = subject_accounts(config, claims, glob)?;
    let namespaces = claim_values(claims, NAMESPACE_CLAIM);
    let names = claim_values(claims, NAME_CLAIM);
    if subjects.is_none() && namespaces.is_none() {
        // Nothing ties the role to a Kubernetes account.
        return None;
    }
    let wildcard = || vec!["*".to_string()];
    let namespaces = match namespaces {
        Some(v) => segments(v, glob)?,
        None => wildcard(),
    };
    let names = match names {
        Some(v) => segments(v, glob)?,
        None => wildcard(),
    };
    let claimed: Vec<(String, String)> = namespaces
        .iter()
        .flat_map(|ns| names.iter().map(move |n| (ns.clone(), n.clone())))
        .collect();
    Some(match subjects {
        Some(subjects) => intersect(&subjects, &claimed),
        None => claimed,
    })
}

/// The accounts `bound_subject` and a `sub` claim name (both must pass),
/// `Some(None)` when neither is set, `None` when one names something
/// kvault cannot read as an account.
fn subject_accounts(
    config: &Map<String, Value>,
    claims: &Map<String, Value>,
    glob: bool,
) -> Option<Option<Vec<(String, String)>>> {
    let mut subjects: Option<Vec<(String, String)>> = None;
    let bound_subject = config
        .get("bound_subject")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    for (values, glob_allowed) in [
        (bound_subject.map(|s| vec![s.to_string()]), false),
        (claim_values(claims, SUB), true),
    ] {
        let Some(values) = values else { continue };
        let mut accounts = Vec::new();
        for value in values {
            let (ns, name) = value.strip_prefix(ACCOUNT_PREFIX)?.split_once(':')?;
            if !glob_allowed {
                // `bound_subject` matches exactly: a `*` in it is no account.
                if !value.contains('*') {
                    accounts.push((ns.to_string(), name.to_string()));
                }
            } else if let (Some(ns), Some(name)) =
                (segment(ns, glob).ok()?, segment(name, glob).ok()?)
            {
                accounts.push((ns, name));
            }
        }
        subjects = Some(match subjects {
            None => accounts,
            Some(before) => intersect(&before, &accounts),
        });
    }
    Some(subjects)
}

/// The strings a bound claim accepts (one, or a list); `None` when the
/// claim is not bound.
fn claim_values(claims: &Map<String, Value>, key: &str) -> Option<Vec<String>> {
    let values = match claims.get(key)? {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    Some(values)
}

/// A namespace or name as kvault writes it (`*` for any), or why not:
/// `Err` when a glob is not a whole segment, `Ok(None)` for a literal `*`
/// in string mode, which no account is named.
fn segment(s: &str, glob: bool) -> Result<Option<String>, ()> {
    match (s.contains('*'), glob) {
        (false, _) => Ok(Some(s.to_string())),
        (true, false) => Ok(None),
        (true, true) if s == "*" => Ok(Some("*".to_string())),
        (true, true) => Err(()),
    }
}

/// Every value as a segment; `None` when one cannot be.
fn segments(values: Vec<String>, glob: bool) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for v in values {
        out.extend(segment(&v, glob).ok()?);
    }
    Some(out)
}

/// The accounts both lists accept, `*` narrowing to the other side.
fn intersect(a: &[(String, String)], b: &[(String, String)]) -> Vec<(String, String)> {
    let meet = |x: &str, y: &str| match (x, y) {
        ("*", y) => Some(y.to_string()),
        (x, "*") => Some(x.to_string()),
        (x, y) => (x == y).then(|| x.to_string()),
    };
    let mut out: Vec<(String, String)> = a
        .iter()
        .flat_map(|(ans, an)| {
            b.iter()
                .filter_map(move |(bns, bn)| Some((meet(ans, bns)?, meet(an, bn)?)))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Who can act as service account `namespace/account` (either may be
/// `*`): each subject with the way it gets there.
fn acting_as(rbac: &Rbac, namespace: &str, account: &str) -> Vec<(String, String)> {
    let mut out = vec![(format!("Group {MASTERS}"), "superuser".to_string())];
    for access in rbac.accesses() {
        let covers = match &access.binding.scope {
            Scope::Cluster => true,
            // A role bound to every namespace (`*`) accepts an account
            // of any namespace a binding reaches.
            Scope::Namespace(ns) => ns == namespace || namespace == "*",
        };
        if !covers {
            continue;
        }
        for grant in &access.grants {
            let how = match grant.path {
                Path::CreatePods
                | Path::Workloads
                | Path::ExecPods
                | Path::AttachPods
                | Path::EphemeralContainers => grant.path.label(),
                Path::ServiceAccountToken => {
                    let named = grant
                        .names
                        .as_ref()
                        .is_none_or(|n| n.iter().any(|n| n == account || account == "*"));
                    if !named {
                        continue;
                    }
                    grant.path.label()
                }
                Path::Impersonate => grant.path.label(),
                _ => continue,
            };
            let subject = access.subject.object_ref();
            let subject = match &subject.namespace {
                Some(ns) => format!("{} {ns}/{}", subject.kind, subject.name),
                None => format!("{} {}", subject.kind, subject.name),
            };
            let place = match access.binding.scope {
                Scope::Cluster => "in every namespace".to_string(),
                Scope::Namespace(ref ns) => format!("in {ns}"),
            };
            out.push((subject, format!("{how} {place}")));
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::jwt_accounts;
    use serde_json::{json, Value};

    fn accounts(config: Value) -> Option<Vec<(String, String)>> {
        jwt_accounts(config.as_object().unwrap())
    }

    fn pairs(list: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(
            list.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_jwt_role_bound_to_a_service_account_subject_names_that_account() {
        let cases = [
            (
                json!({"bound_subject": "system:serviceaccount:team-a:app"}),
                pairs(&[("team-a", "app")]),
            ),
            (
                json!({"bound_claims": {"sub": ["system:serviceaccount:team-a:*", "system:serviceaccount:b:x"]},
                       "bound_claims_type": "glob"}),
                pairs(&[("b", "x"), ("team-a", "*")]),
            ),
            (
                json!({"bound_claims": {"/kubernetes.io/namespace": "team-b"}}),
                pairs(&[("team-b", "*")]),
            ),
            (
                json!({"bound_claims": {"/kubernetes.io/namespace": "team-b",
                                        "/kubernetes.io/serviceaccount/name": ["app", "web"]}}),
                pairs(&[("team-b", "app"), ("team-b", "web")]),
            ),
            // Both bound: only what both accept.
            (
                json!({"bound_subject": "system:serviceaccount:team-a:app",
                       "bound_claims": {"/kubernetes.io/namespace": "team-b"}}),
                pairs(&[]),
            ),
        ];
        for (config, want) in cases {
            assert_eq!(accounts(config.clone()), want, "{config}");
        }
    }

    #[test]
    fn a_jwt_role_kvault_cannot_tie_to_an_account_stays_generic() {
        for config in [
            json!({}),
            json!({"bound_subject": "alice@example.com"}),
            json!({"bound_claims": {"email": "a@example.com"}}),
            // A partial glob is not a whole namespace or name.
            json!({"bound_claims": {"sub": "system:serviceaccount:team-*:app"}, "bound_claims_type": "glob"}),
            // A claim kvault does not read may narrow it further.
            json!({"bound_subject": "system:serviceaccount:a:b",
                   "bound_claims": {"/kubernetes.io/pod/name": "x"}}),
        ] {
            assert_eq!(accounts(config.clone()), None, "{config}");
        }
    }

    #[test]
    fn in_string_mode_a_star_is_literal_and_no_account_has_it() {
        let config = json!({"bound_claims": {"sub": ["system:serviceaccount:a:*", "system:serviceaccount:a:b"]}});
        assert_eq!(accounts(config), pairs(&[("a", "b")]));
    }
}
