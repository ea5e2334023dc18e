//! The RBAC checks and the who-can-read listing on small RBAC manifests.

use super::*;
use crate::audit::load::add_text;

fn findings(yaml: &str) -> Vec<Finding> {
    let mut inv = Inventory::default();
    add_text(&mut inv, "rbac.yaml", yaml, false).unwrap();
    let rbac = Rbac::new(&inv);
    let mut f = check(&inv, &rbac);
    crate::audit::finding::sort(&mut f);
    f
}

fn ids(yaml: &str) -> Vec<&'static str> {
    let mut ids: Vec<_> = findings(yaml).iter().map(|f| f.id.as_str()).collect();
    ids.sort();
    ids
}

fn binding(kind: &str, ns: Option<&str>, role_kind: &str, role: &str, subject: &str) -> String {
    let meta = match ns {
        Some(ns) => format!("{{name: b-{role}, namespace: {ns}}}"),
        None => format!("{{name: b-{role}}}"),
    };
    format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {meta}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {role_kind}, name: {role}}}\nsubjects: [{subject}]\n"
        )
}

#[test]
fn cluster_admin_to_a_user_is_one_finding() {
    let yaml = binding(
        "ClusterRoleBinding",
        None,
        "ClusterRole",
        "cluster-admin",
        "{kind: User, name: alice}",
    );
    assert_eq!(ids(&yaml), ["KV-RBAC-002"]);
}

#[test]
fn broad_groups_are_critical() {
    let yaml = binding(
        "ClusterRoleBinding",
        None,
        "ClusterRole",
        "edit",
        "{kind: Group, name: \"system:authenticated\"}",
    );
    assert_eq!(ids(&yaml), ["KV-RBAC-001"]);
    let anon = binding(
        "RoleBinding",
        Some("a"),
        "ClusterRole",
        "edit",
        "{kind: User, name: \"system:anonymous\"}",
    );
    assert_eq!(ids(&anon), ["KV-RBAC-001"]);
    // view reaches no Secret: nothing to report.
    let view = binding(
        "ClusterRoleBinding",
        None,
        "ClusterRole",
        "view",
        "{kind: Group, name: \"system:authenticated\"}",
    );
    assert_eq!(ids(&view), Vec::<&str>::new());
}

#[test]
fn namespace_editors_read_and_reach_indirectly() {
    let yaml = binding(
        "RoleBinding",
        Some("shop"),
        "ClusterRole",
        "edit",
        "{kind: Group, name: shop-devs}",
    );
    assert_eq!(ids(&yaml), ["KV-RBAC-004", "KV-RBAC-008"]);
    let cluster = binding(
        "ClusterRoleBinding",
        None,
        "ClusterRole",
        "edit",
        "{kind: Group, name: devs}",
    );
    assert_eq!(ids(&cluster), ["KV-RBAC-003", "KV-RBAC-007"]);
}

#[test]
fn default_service_accounts() {
    let yaml = binding(
        "RoleBinding",
        Some("shop"),
        "ClusterRole",
        "edit",
        "{kind: ServiceAccount, name: default}",
    );
    assert_eq!(ids(&yaml), ["KV-RBAC-005"]);
    let group = binding(
        "RoleBinding",
        Some("shop"),
        "ClusterRole",
        "edit",
        "{kind: Group, name: \"system:serviceaccounts:shop\"}",
    );
    assert_eq!(ids(&group), ["KV-RBAC-005"]);
}

#[test]
fn named_grants_are_least_privilege() {
    let yaml = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: tls-reader, namespace: web}
rules: [{apiGroups: [""], resources: [secrets], resourceNames: [tls], verbs: [get]}]
"#
    .to_string()
        + &binding(
            "RoleBinding",
            Some("web"),
            "Role",
            "tls-reader",
            "{kind: ServiceAccount, name: web}",
        );
    assert_eq!(ids(&yaml), Vec::<&str>::new());
}

#[test]
fn wildcard_roles_and_dangling_bindings() {
    let yaml = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: wild}
rules:
  - {apiGroups: [""], resources: ["*"], verbs: [get]}
  - {apiGroups: [""], resources: [secrets], verbs: [get]}
  - {apiGroups: [apps], resources: ["*"], verbs: ["*"]}
"#
    .to_string()
        + &binding(
            "RoleBinding",
            Some("a"),
            "Role",
            "gone",
            "{kind: User, name: bob}",
        )
        + &binding(
            "RoleBinding",
            Some("a"),
            "ClusterRole",
            "system:auth-delegator",
            "{kind: User, name: bob}",
        );
    let f = findings(&yaml);
    let wild = f.iter().find(|f| f.id.as_str() == "KV-RBAC-006").unwrap();
    assert!(wild.evidence.starts_with("rule 0 "), "{}", wild.evidence);
    assert!(!wild.evidence.contains("rule 1"));
    assert!(!wild.evidence.contains("rule 2"));
    assert_eq!(
        f.iter().filter(|f| f.id.as_str() == "KV-RBAC-009").count(),
        1
    );
}

fn role(kind: &str, ns: Option<&str>, name: &str, rules: &str) -> String {
    let meta = match ns {
        Some(ns) => format!("{{name: {name}, namespace: {ns}}}"),
        None => format!("{{name: {name}}}"),
    };
    format!("---\napiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {meta}\nrules: {rules}\n")
}

const ESCALATE_BIND: &str = r#"[{apiGroups: [rbac.authorization.k8s.io], resources: [roles, clusterroles], verbs: [escalate, bind]}]"#;
const WRITE_ROLES: &str =
    r#"[{apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [create]}]"#;
const WRITE_BINDINGS: &str =
    r#"[{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [patch]}]"#;
const DEV: &str = "{kind: User, name: dev}";

#[test]
fn escalate_and_bind_alone_are_low_and_say_why() {
    let yaml = role("Role", Some("shop"), "rbac-verbs", ESCALATE_BIND)
        + &binding("RoleBinding", Some("shop"), "Role", "rbac-verbs", DEV);
    let f = findings(&yaml);
    assert_eq!(
        f.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        ["KV-RBAC-010"]
    );
    assert_eq!(f[0].severity, crate::audit::Severity::Low);
    assert!(
        f[0].title.contains("not write the roles or bindings"),
        "{}",
        f[0].title
    );
    assert!(
        f[0].evidence.contains("escalate roles"),
        "{}",
        f[0].evidence
    );
    assert!(f[0].evidence.contains("without create, update or patch"));

    let cluster = role("ClusterRole", None, "rbac-verbs", ESCALATE_BIND)
        + &binding("ClusterRoleBinding", None, "ClusterRole", "rbac-verbs", DEV);
    assert_eq!(ids(&cluster), ["KV-RBAC-010"]);
}

#[test]
fn escalate_or_bind_with_the_writes_they_need_stay_indirect_access() {
    // In the same role.
    let rules = ESCALATE_BIND.trim_end_matches(']').to_string()
        + ", "
        + WRITE_ROLES.trim_start_matches('[');
    let same = role("Role", Some("shop"), "rbac-admin", &rules)
        + &binding("RoleBinding", Some("shop"), "Role", "rbac-admin", DEV);
    assert_eq!(ids(&same), ["KV-RBAC-008"]);
    // Through another binding of the same subject: bind plus writing bindings.
    let split = role("Role", Some("shop"), "rbac-verbs", ESCALATE_BIND)
        + &binding("RoleBinding", Some("shop"), "Role", "rbac-verbs", DEV)
        + &role("Role", Some("shop"), "binder", WRITE_BINDINGS)
        + &binding("RoleBinding", Some("shop"), "Role", "binder", DEV);
    let f = findings(&split);
    assert_eq!(
        f.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        ["KV-RBAC-008"]
    );
    assert!(f[0].evidence.contains("bind roles"), "{}", f[0].evidence);
    assert!(
        f[0].evidence
            .contains("also escalate roles (roles.rbac.authorization.k8s.io), unusable alone"),
        "{}",
        f[0].evidence
    );
    // Writing bindings in another namespace does not help in this one.
    let elsewhere = split
        .replace(
            "name: b-binder, namespace: shop",
            "name: b-binder, namespace: web",
        )
        .replace(
            "{name: binder, namespace: shop}",
            "{name: binder, namespace: web}",
        );
    assert_eq!(ids(&elsewhere), ["KV-RBAC-010"]);
    // Cluster-wide escalate, with a group that may write ClusterRoles.
    let group = "{kind: Group, name: platform}";
    let cluster = role("ClusterRole", None, "rbac-verbs", ESCALATE_BIND)
        + &binding(
            "ClusterRoleBinding",
            None,
            "ClusterRole",
            "rbac-verbs",
            group,
        )
        + &role(
            "ClusterRole",
            None,
            "cr-writer",
            r#"[{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [update]}]"#,
        )
        + &binding(
            "ClusterRoleBinding",
            None,
            "ClusterRole",
            "cr-writer",
            group,
        );
    assert_eq!(ids(&cluster), ["KV-RBAC-007"]);
}

#[test]
fn who_can_read_filters_by_namespace() {
    let yaml = binding(
        "RoleBinding",
        Some("a"),
        "ClusterRole",
        "edit",
        "{kind: User, name: ann}",
    ) + &binding(
        "RoleBinding",
        Some("b"),
        "ClusterRole",
        "admin",
        "{kind: User, name: ben}",
    ) + &binding(
        "ClusterRoleBinding",
        None,
        "ClusterRole",
        "cluster-admin",
        "{kind: User, name: root}",
    );
    let mut inv = Inventory::default();
    add_text(&mut inv, "x.yaml", &yaml, false).unwrap();
    let rbac = Rbac::new(&inv);
    let rows = who_can_read(&rbac, Some("a"));
    let subjects: BTreeSet<(String, &str)> =
        rows.iter().map(|r| (r.subject_name(), r.access)).collect();
    assert!(subjects.contains(&("ann".into(), "direct")));
    assert!(subjects.contains(&("ann".into(), "indirect")));
    assert!(subjects.contains(&("root".into(), "direct")));
    assert!(subjects.contains(&("system:masters".into(), "superuser")));
    assert!(!subjects.iter().any(|(s, _)| s == "ben"));
    let ann = rows
        .iter()
        .find(|r| r.subject_name() == "ann" && r.access == "direct")
        .unwrap();
    assert_eq!(ann.verbs, ["get", "list", "watch"]);
    assert!(
        ann.how()
            .contains("RoleBinding/a/b-edit → ClusterRole/edit"),
        "{}",
        ann.how()
    );
    assert_eq!(who_can_read(&rbac, None).len(), rows.len() + 2);
}
