//! Built-in roles, aggregation and the ways to Secrets.

use super::*;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use std::collections::BTreeMap;

#[test]
fn bootstrap_roles_when_bound_but_not_defined() {
    let yaml = format!(
        "{}{}{}{}",
        rb("a", "ClusterRole", "admin", "[{kind: User, name: adm}]"),
        rb("a", "ClusterRole", "edit", "[{kind: User, name: ed}]"),
        rb("a", "ClusterRole", "view", "[{kind: User, name: vi}]"),
        crb("root", "cluster-admin", "[{kind: User, name: root}]"),
    );
    let r = rbac(&yaml);
    let (adm, ed, vi, root) = (
        UserInfo::user("adm", &[]),
        UserInfo::user("ed", &[]),
        UserInfo::user("vi", &[]),
        UserInfo::user("root", &[]),
    );
    for verb in ["get", "list", "watch"] {
        let req = Request::new(verb, "secrets").namespace("a").name("s");
        assert!(can(&r, &adm, req), "admin {verb}");
        assert!(can(&r, &ed, req), "edit {verb}");
        assert!(!can(&r, &vi, req), "view {verb}");
    }
    let create_pod = Request::new("create", "pods").namespace("a");
    assert!(can(&r, &adm, create_pod));
    assert!(can(&r, &ed, create_pod));
    assert!(!can(&r, &vi, create_pod));
    assert!(can(&r, &vi, req("list pods a")));
    assert!(!can(&r, &vi, req("list pods b")));
    assert!(can(
        &r,
        &ed,
        Request::new("create", "serviceaccounts/token")
            .namespace("a")
            .name("x")
    ));
    assert!(can(&r, &ed, req("create pods/exec a/x")));
    // Only admin manages RBAC in the namespace.
    let roles = Request::new("create", "rolebindings")
        .group(RBAC_GROUP)
        .namespace("a");
    assert!(can(&r, &adm, roles));
    assert!(!can(&r, &ed, roles));
    assert!(can(
        &r,
        &root,
        Request::new("escalate", "clusterroles").group(RBAC_GROUP)
    ));
    let admin = r.role(&ObjectRef::cluster("ClusterRole", "admin")).unwrap();
    assert!(admin.builtin && admin.aggregated && !admin.is_full_admin());
    assert!(r
        .role(&ObjectRef::cluster("ClusterRole", "cluster-admin"))
        .unwrap()
        .is_full_admin());
}

#[test]
fn custom_roles_extend_builtin_aggregates_by_label() {
    let yaml = format!(
        "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: view-secrets\n  labels: {{rbac.authorization.k8s.io/aggregate-to-view: \"true\"}}\nrules: [{{apiGroups: [\"\"], resources: [secrets], verbs: [list]}}]\n{}{}",
        rb("a", "ClusterRole", "view", "[{kind: User, name: vi}]"),
        rb("a", "ClusterRole", "admin", "[{kind: User, name: adm}]"),
    );
    let r = rbac(&yaml);
    // view aggregates view-secrets; edit aggregates view; admin aggregates edit.
    let list = Request::new("list", "secrets").namespace("a");
    assert!(can(&r, &UserInfo::user("vi", &[]), list));
    assert!(can(&r, &UserInfo::user("adm", &[]), list));
    match r.allows(&UserInfo::user("vi", &[]), &list) {
        Some(Decision::Rule { rule, .. }) => {
            assert_eq!(
                rule.origin,
                ObjectRef::cluster("ClusterRole", "view-secrets")
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_defined_role_replaces_the_builtin() {
    let yaml = format!(
        "{}{}",
        cluster_role("edit", "[]"),
        rb("a", "ClusterRole", "edit", ALICE)
    );
    let r = rbac(&yaml);
    assert!(!can(&r, &alice(), req("get secrets a/s")));
    let edit = r.role(&ObjectRef::cluster("ClusterRole", "edit")).unwrap();
    assert!(!edit.builtin);
}

#[test]
fn no_builtins_when_disabled() {
    let r = rbac_with(
        &crb("root", "cluster-admin", ALICE),
        Options {
            builtin_roles: false,
            ..Options::default()
        },
    );
    assert!(!can(&r, &alice(), req("get secrets")));
    assert_eq!(r.bindings()[0].role, None);
}

const AGGREGATES: &str = r#"
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: top}
aggregationRule:
  clusterRoleSelectors:
    - matchLabels: {tier: mid}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: mid, labels: {tier: mid}}
aggregationRule:
  clusterRoleSelectors:
    - matchExpressions: [{key: tier, operator: In, values: [low, lower]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: low, labels: {tier: low}}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: lower, labels: {tier: lower}}
rules: [{apiGroups: [""], resources: [pods], verbs: [create]}]
"#;

#[test]
fn nested_aggregation_replaces_stored_rules() {
    let yaml = format!("{AGGREGATES}{}", crb("t", "top", ALICE));
    let r = rbac(&yaml);
    let get_secret = Request::new("get", "secrets").namespace("x").name("s");
    assert!(can(&r, &alice(), get_secret));
    assert!(can(&r, &alice(), req("create pods x")));
    // The controller overwrites `top`'s own rules with the aggregate.
    assert!(!can(&r, &alice(), req("get configmaps x/c")));

    let stored = rbac_with(
        &yaml,
        Options {
            aggregation: Aggregation::Stored,
            ..Options::default()
        },
    );
    assert!(!can(&stored, &alice(), get_secret));
    assert!(can(&stored, &alice(), req("get configmaps x/c")));
}

#[test]
fn unfilled_aggregated_roles_get_their_selectors_union_and_filled_ones_keep_theirs() {
    // `mid` is stored without rules (no controller ran); `top` with its own.
    let yaml = format!(
        "{AGGREGATES}{}{}",
        crb("t", "top", ALICE),
        crb("m", "mid", "[{kind: User, name: bob}]")
    );
    let r = rbac_with(
        &yaml,
        Options {
            aggregation: Aggregation::StoredUnlessEmpty,
            ..Options::default()
        },
    );
    let get_secret = Request::new("get", "secrets").namespace("x").name("s");
    let bob = UserInfo::user("bob", &[]);
    assert!(can(&r, &bob, get_secret), "mid: the union of low and lower");
    assert!(can(&r, &bob, req("create pods x")));
    assert!(!can(&r, &alice(), get_secret), "top: as stored");
    assert!(can(&r, &alice(), req("get configmaps x/c")));
    let pending: Vec<&str> = r
        .pending_aggregations()
        .map(|p| p.object.name.as_str())
        .collect();
    assert_eq!(pending, ["mid"]);
    let line = crate::audit::warnings::pending_aggregations(&r).unwrap();
    assert!(
        line.starts_with("1 aggregated ClusterRole holds no rules"),
        "{line}"
    );
    assert!(line.contains("mid (2 rules)"), "{line}");
    // As stored, nothing is pending and nobody gets more.
    let stored = rbac_with(
        &yaml,
        Options {
            aggregation: Aggregation::Stored,
            ..Options::default()
        },
    );
    assert!(!can(&stored, &bob, get_secret));
    assert_eq!(crate::audit::warnings::pending_aggregations(&stored), None);
}

#[test]
fn aggregation_selectors() {
    let mut labels = BTreeMap::new();
    labels.insert("a".to_string(), "1".to_string());
    let sel = |yaml: &str| -> LabelSelector { serde_yaml::from_str(yaml).unwrap() };
    assert!(selector_matches(&sel("{}"), &labels));
    assert!(selector_matches(&sel("{matchLabels: {a: '1'}}"), &labels));
    assert!(!selector_matches(&sel("{matchLabels: {a: '2'}}"), &labels));
    assert!(selector_matches(
        &sel("{matchExpressions: [{key: a, operator: Exists}]}"),
        &labels
    ));
    assert!(!selector_matches(
        &sel("{matchExpressions: [{key: a, operator: DoesNotExist}]}"),
        &labels
    ));
    assert!(selector_matches(
        &sel("{matchExpressions: [{key: b, operator: NotIn, values: [x]}]}"),
        &labels
    ));
    assert!(!selector_matches(
        &sel("{matchExpressions: [{key: a, operator: NotIn, values: ['1']}]}"),
        &labels
    ));
    assert!(!selector_matches(
        &sel("{matchExpressions: [{key: a, operator: In, values: []}]}"),
        &labels
    ));
    assert!(!selector_matches(
        &sel("{matchExpressions: [{key: a, operator: Gt, values: ['0']}]}"),
        &labels
    ));
}

#[test]
fn aggregation_cycles_terminate() {
    let yaml = r#"
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: x, labels: {ring: "true"}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {ring: "true"}}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: y, labels: {ring: "true"}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {ring: "true"}}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: z, labels: {ring: "true"}}
rules: [{apiGroups: [""], resources: [secrets], verbs: [list]}]
"#;
    let r = rbac(&format!("{yaml}{}", crb("b", "x", ALICE)));
    assert!(can(&r, &alice(), req("list secrets")));
    let x = r.role(&ObjectRef::cluster("ClusterRole", "x")).unwrap();
    assert_eq!(x.rules.len(), 1);
}

#[test]
fn accesses_list_direct_and_indirect_grants_by_scope() {
    let yaml = format!(
        "{}{}{}{}",
        cluster_role(
            "ops",
            r#"[{apiGroups: ["", apps], resources: ["*"], verbs: ["*"]}]"#
        ),
        crb("ops", "ops", "[{kind: Group, name: ops}]"),
        rb(
            "a",
            "ClusterRole",
            "ops",
            "[{kind: ServiceAccount, name: deployer}]"
        ),
        cluster_role(
            "named",
            r#"[{apiGroups: [""], resources: [secrets], resourceNames: [tls], verbs: [get]}]"#
        ) + &rb("a", "ClusterRole", "named", ALICE),
    );
    let r = rbac(&yaml);
    let accesses = r.accesses();
    let ops = accesses
        .iter()
        .find(|a| *a.subject == SubjectRef::Group("ops".into()))
        .unwrap();
    let direct: Vec<String> = ops.direct().map(Grant::describe).collect();
    assert_eq!(direct, ["get secrets", "list secrets", "watch secrets"]);
    let indirect: Vec<Path> = ops.indirect().map(|g| g.path).collect();
    for p in [
        Path::CreatePods,
        Path::Workloads,
        Path::ExecPods,
        Path::AttachPods,
        Path::EphemeralContainers,
        Path::ServiceAccountToken,
        Path::Impersonate,
        Path::NodesProxy,
    ] {
        assert!(indirect.contains(&p), "{p:?}");
    }
    assert!(
        !indirect.contains(&Path::Escalate),
        "rbac group not granted"
    );
    let deployer = accesses
        .iter()
        .find(
            |a| matches!(a.subject, SubjectRef::ServiceAccount { name, .. } if name == "deployer"),
        )
        .unwrap();
    assert!(deployer.grants.iter().all(|g| !g.cluster_only));
    assert!(!deployer.indirect().any(|g| g.path == Path::NodesProxy));
    let named = accesses
        .iter()
        .find(|a| *a.subject == SubjectRef::User("alice".into()))
        .unwrap();
    let described: Vec<String> = named.grants.iter().map(|g| g.describe()).collect();
    assert_eq!(described, ["get secrets (names: tls)"]);
}
