//! Which requests the rules, bindings and subjects allow.

use super::*;

#[test]
fn role_rules_apply_only_in_their_namespace() {
    let r = rbac(&format!(
        "{ROLE_READ_SECRETS}{}",
        rb("a", "Role", "reader", ALICE)
    ));
    assert!(can(
        &r,
        &alice(),
        Request::new("get", "secrets").namespace("a").name("x")
    ));
    assert!(can(
        &r,
        &alice(),
        Request::new("list", "secrets").namespace("a")
    ));
    assert!(!can(
        &r,
        &alice(),
        Request::new("get", "secrets").namespace("b").name("x")
    ));
    // Across all namespaces: only ClusterRoleBindings count.
    assert!(!can(&r, &alice(), Request::new("list", "secrets")));
    assert!(!can(
        &r,
        &UserInfo::user("bob", &[]),
        Request::new("get", "secrets").namespace("a")
    ));
}

#[test]
fn a_rolebinding_to_a_role_of_another_namespace_grants_nothing() {
    // RoleBinding in `b` naming Role `reader`: resolves to Role b/reader, absent.
    let r = rbac(&format!(
        "{ROLE_READ_SECRETS}{}",
        rb("b", "Role", "reader", ALICE)
    ));
    assert!(!can(
        &r,
        &alice(),
        Request::new("get", "secrets").namespace("b")
    ));
    assert!(!can(
        &r,
        &alice(),
        Request::new("get", "secrets").namespace("a")
    ));
    assert_eq!(r.bindings()[0].role, None);
}

#[test]
fn cluster_role_via_rolebinding_applies_in_that_namespace_only() {
    let yaml = format!(
        "{}{}",
        cluster_role(
            "sr",
            r#"[{apiGroups: [""], resources: [secrets], verbs: [get, list]}]"#
        ),
        rb("a", "ClusterRole", "sr", ALICE)
    );
    let r = rbac(&yaml);
    assert!(can(
        &r,
        &alice(),
        Request::new("list", "secrets").namespace("a")
    ));
    assert!(!can(
        &r,
        &alice(),
        Request::new("list", "secrets").namespace("b")
    ));
    assert!(!can(&r, &alice(), Request::new("list", "secrets")));
}

#[test]
fn cluster_role_via_clusterrolebinding_applies_everywhere() {
    let yaml = format!(
        "{}{}",
        cluster_role(
            "sr",
            r#"[{apiGroups: [""], resources: [secrets], verbs: [list]}]"#
        ),
        crb("all", "sr", ALICE)
    );
    let r = rbac(&yaml);
    assert!(can(&r, &alice(), Request::new("list", "secrets")));
    assert!(can(
        &r,
        &alice(),
        Request::new("list", "secrets").namespace("z")
    ));
    assert!(!can(
        &r,
        &alice(),
        Request::new("get", "secrets").namespace("z").name("s")
    ));
}

#[test]
fn a_clusterrolebinding_to_a_role_grants_nothing() {
    let yaml = format!(
        "{ROLE_READ_SECRETS}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: odd}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}}\nsubjects: {ALICE}\n"
    );
    let r = rbac(&yaml);
    assert!(!can(
        &r,
        &alice(),
        Request::new("get", "secrets").namespace("a")
    ));
}

#[test]
fn wildcards_in_verbs_resources_and_groups() {
    let yaml = format!(
        "{}{}{}{}",
        cluster_role(
            "verbs",
            r#"[{apiGroups: [""], resources: [secrets], verbs: ["*"]}]"#
        ),
        cluster_role(
            "res",
            r#"[{apiGroups: [""], resources: ["*"], verbs: [get]}]"#
        ),
        cluster_role(
            "groups",
            r#"[{apiGroups: ["*"], resources: [deployments], verbs: [create]}]"#
        ),
        crb("b", "verbs", "[{kind: User, name: v}]")
            + &crb("c", "res", "[{kind: User, name: r}]")
            + &crb("d", "groups", "[{kind: User, name: g}]"),
    );
    let r = rbac(&yaml);
    let v = UserInfo::user("v", &[]);
    let res = UserInfo::user("r", &[]);
    let g = UserInfo::user("g", &[]);
    assert!(can(
        &r,
        &v,
        Request::new("deletecollection", "secrets").namespace("x")
    ));
    assert!(!can(
        &r,
        &v,
        Request::new("get", "configmaps").namespace("x")
    ));
    assert!(can(
        &r,
        &res,
        Request::new("get", "secrets").namespace("x").name("s")
    ));
    // `*` resources include subresources.
    assert!(can(
        &r,
        &res,
        Request::new("get", "pods/exec").namespace("x").name("p")
    ));
    assert!(!can(
        &r,
        &res,
        Request::new("get", "deployments")
            .group("apps")
            .namespace("x")
    ));
    assert!(can(
        &r,
        &g,
        Request::new("create", "deployments")
            .group("apps")
            .namespace("x")
    ));
    assert!(can(
        &r,
        &g,
        Request::new("create", "deployments")
            .group("extensions")
            .namespace("x")
    ));
    assert!(!can(
        &r,
        &g,
        Request::new("create", "deployments/scale")
            .group("apps")
            .namespace("x")
    ));
}

#[test]
fn subresources_match_exactly_or_by_star_slash() {
    let yaml = format!(
        "{}{}{}{}",
        cluster_role(
            "pods",
            r#"[{apiGroups: [""], resources: [pods], verbs: [create, get]}]"#
        ),
        cluster_role(
            "exec",
            r#"[{apiGroups: [""], resources: ["*/exec"], verbs: [create]}]"#
        ),
        crb("p", "pods", "[{kind: User, name: p}]"),
        crb("e", "exec", "[{kind: User, name: e}]"),
    );
    let r = rbac(&yaml);
    let p = UserInfo::user("p", &[]);
    let e = UserInfo::user("e", &[]);
    assert!(can(&r, &p, Request::new("create", "pods").namespace("x")));
    assert!(!can(
        &r,
        &p,
        Request::new("create", "pods/exec").namespace("x").name("y")
    ));
    assert!(can(
        &r,
        &e,
        Request::new("create", "pods/exec").namespace("x").name("y")
    ));
    assert!(!can(&r, &e, Request::new("create", "pods").namespace("x")));
    assert!(!can(
        &r,
        &e,
        Request::new("create", "pods/attach")
            .namespace("x")
            .name("y")
    ));
}

#[test]
fn resource_names_restrict_to_named_requests() {
    let yaml = format!(
        "{}{}",
        cluster_role(
            "one",
            r#"[{apiGroups: [""], resources: [secrets], resourceNames: [db], verbs: [get, list, watch, create]}]"#
        ),
        crb("one", "one", ALICE),
    );
    let r = rbac(&yaml);
    assert!(can(
        &r,
        &alice(),
        Request::new("get", "secrets").namespace("x").name("db")
    ));
    assert!(!can(
        &r,
        &alice(),
        Request::new("get", "secrets").namespace("x").name("other")
    ));
    // The collection is not granted...
    assert!(!can(
        &r,
        &alice(),
        Request::new("list", "secrets").namespace("x")
    ));
    assert!(!can(
        &r,
        &alice(),
        Request::new("watch", "secrets").namespace("x")
    ));
    // ...but a list or watch narrowed to the name (fieldSelector) is.
    assert!(can(
        &r,
        &alice(),
        Request::new("watch", "secrets").namespace("x").name("db")
    ));
    // create carries no name: never granted by resourceNames.
    assert!(!can(
        &r,
        &alice(),
        Request::new("create", "secrets").namespace("x")
    ));
}

#[test]
fn verbs_and_kinds_are_case_sensitive() {
    let yaml = format!(
        "{}{}{}",
        cluster_role(
            "upper",
            r#"[{apiGroups: [""], resources: [secrets], verbs: [GET]}]"#
        ),
        crb("u", "upper", ALICE),
        crb("lower-kind", "view", "[{kind: user, name: alice}]"),
    );
    let r = rbac(&yaml);
    assert!(!can(
        &r,
        &alice(),
        Request::new("get", "secrets").namespace("x").name("s")
    ));
    assert!(!can(
        &r,
        &alice(),
        Request::new("list", "pods").namespace("x")
    ));
}

#[test]
fn service_account_subjects_and_groups() {
    let yaml = format!(
        "{ROLE_READ_SECRETS}{}{}{}",
        // No namespace: defaults to the RoleBinding's.
        rb(
            "a",
            "Role",
            "reader",
            "[{kind: ServiceAccount, name: default}]"
        ),
        crb(
            "ns-sas",
            "view",
            "[{kind: Group, name: \"system:serviceaccounts:b\"}]"
        ),
        crb(
            "no-ns",
            "cluster-admin",
            "[{kind: ServiceAccount, name: root}]"
        ),
    );
    let r = rbac(&yaml);
    let default_a = UserInfo::service_account("a", "default");
    let default_c = UserInfo::service_account("c", "default");
    assert!(can(
        &r,
        &default_a,
        Request::new("list", "secrets").namespace("a")
    ));
    assert!(!can(
        &r,
        &default_c,
        Request::new("list", "secrets").namespace("a")
    ));
    // Group system:serviceaccounts:b: every SA of b, in every namespace (CRB).
    let sa_b = UserInfo::service_account("b", "worker");
    assert!(can(
        &r,
        &sa_b,
        Request::new("list", "pods").namespace("zzz")
    ));
    assert!(!can(
        &r,
        &default_c,
        Request::new("list", "pods").namespace("zzz")
    ));
    // A ServiceAccount subject without namespace in a CRB matches nobody.
    for ns in ["", "default", "kube-system"] {
        let root = UserInfo::service_account(ns, "root");
        assert!(!can(
            &r,
            &root,
            Request::new("get", "secrets").namespace("a").name("x")
        ));
    }
}

#[test]
fn service_account_subject_in_another_namespace() {
    let yaml = format!(
        "{ROLE_READ_SECRETS}{}",
        rb(
            "a",
            "Role",
            "reader",
            "[{kind: ServiceAccount, name: ci, namespace: tools}]"
        ),
    );
    let r = rbac(&yaml);
    let ci = UserInfo::service_account("tools", "ci");
    assert!(can(
        &r,
        &ci,
        Request::new("get", "secrets").namespace("a").name("x")
    ));
    assert!(!can(
        &r,
        &ci,
        Request::new("get", "secrets").namespace("tools").name("x")
    ));
}

#[test]
fn user_subject_spelled_as_service_account_user_name() {
    let yaml = format!(
        "{ROLE_READ_SECRETS}{}",
        rb(
            "a",
            "Role",
            "reader",
            "[{kind: User, name: \"system:serviceaccount:a:app\"}]"
        ),
    );
    let r = rbac(&yaml);
    let app = UserInfo::service_account("a", "app");
    assert!(can(
        &r,
        &app,
        Request::new("get", "secrets").namespace("a").name("x")
    ));
}

#[test]
fn broad_groups() {
    let yaml = format!(
        "{}{}{}",
        crb(
            "authn",
            "view",
            "[{kind: Group, name: \"system:authenticated\"}]"
        ),
        crb(
            "all-sa",
            "edit",
            "[{kind: Group, name: \"system:serviceaccounts\"}]"
        ),
        crb(
            "anon",
            "cluster-admin",
            "[{kind: Group, name: \"system:unauthenticated\"}]"
        ),
    );
    let r = rbac(&yaml);
    let list_pods = Request::new("list", "pods").namespace("x");
    let get_secret = Request::new("get", "secrets").namespace("x").name("s");
    assert!(can(&r, &alice(), list_pods));
    assert!(!can(&r, &alice(), get_secret));
    assert!(!can(&r, &UserInfo::raw("alice", &[]), list_pods));
    assert!(can(
        &r,
        &UserInfo::service_account("q", "default"),
        get_secret
    ));
    assert!(can(
        &r,
        &UserInfo::anonymous(),
        Request::new("delete", "nodes")
    ));
    assert!(!can(
        &r,
        &UserInfo::user(ANONYMOUS, &[]),
        Request::new("delete", "nodes")
    ));
}

#[test]
fn system_masters_is_a_superuser() {
    let r = rbac("");
    let root = UserInfo::user("root", &[MASTERS]);
    assert!(matches!(
        r.allows(&root, &Request::new("get", "secrets")),
        Some(Decision::Superuser)
    ));
    assert!(!can(&r, &alice(), Request::new("get", "secrets")));
}

#[test]
fn non_resource_rules_grant_no_resources() {
    let yaml = format!(
        "{}{}",
        cluster_role("nr", r#"[{nonResourceURLs: ["*"], verbs: ["*"]}]"#),
        crb("nr", "nr", ALICE)
    );
    let r = rbac(&yaml);
    assert!(!can(
        &r,
        &alice(),
        Request::new("get", "secrets").namespace("a").name("s")
    ));
}
