//! Tests of the evaluator, moved as they were from the one-file module:
//! the shared manifests and helpers are here, the tests in `matching`
//! (rules, requests, subjects) and `roles` (built-in roles, aggregation,
//! the ways to Secrets).

use super::*;
use crate::audit::load::add_text;

mod matching;
mod roles;

fn rbac_with(yaml: &str, options: Options) -> Rbac {
    let mut inv = Inventory::default();
    add_text(&mut inv, "rbac.yaml", yaml, false).unwrap();
    Rbac::with_options(&inv, options)
}

fn rbac(yaml: &str) -> Rbac {
    rbac_with(yaml, Options::default())
}

fn alice() -> UserInfo {
    UserInfo::user("alice", &[])
}

/// A request written as `VERB RESOURCE [NAMESPACE[/NAME]]`, e.g.
/// `"get secrets a/db"`; cluster-wide without a namespace.
fn req(spec: &'static str) -> Request<'static> {
    let mut words = spec.split_whitespace();
    let (verb, resource) = (words.next().unwrap(), words.next().unwrap());
    let request = Request::new(verb, resource);
    match words.next().map(|w| w.split_once('/').unwrap_or((w, ""))) {
        None => request,
        Some((ns, "")) => request.namespace(ns),
        Some((ns, name)) => request.namespace(ns).name(name),
    }
}

fn can(rbac: &Rbac, user: &UserInfo, req: Request) -> bool {
    rbac.allows(user, &req).is_some()
}

const ROLE_READ_SECRETS: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: a}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list, watch]}]
"#;

fn rb(ns: &str, kind: &str, role: &str, subjects: &str) -> String {
    format!(
        "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: rb-{role}, namespace: {ns}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {kind}, name: {role}}}\nsubjects: {subjects}\n"
    )
}

fn crb(name: &str, role: &str, subjects: &str) -> String {
    format!(
        "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: {name}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}\nsubjects: {subjects}\n"
    )
}

fn cluster_role(name: &str, rules: &str) -> String {
    format!(
        "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: {name}}}\nrules: {rules}\n"
    )
}

const ALICE: &str = "[{kind: User, name: alice}]";
