//! Which requests the rules, bindings and subjects allow.

use super::*;

/// May `who` get Secret `x` in namespace `ns`?
fn gets_secret_x(r: &Rbac, who: &UserInfo, ns: &str) -> bool {
    can(
        r,
        who,
        Request::new("get", "secrets").namespace(ns).name("x"),
    )
}

/// A RoleBinding in `a` of Role `reader` to `subjects`.
fn reader_in_a(subjects: &str) -> String {
    rb("a", "Role", "reader", subjects)
}

#[test]
fn role_rules_apply_only_in_their_namespace() {
    let r = rbac(&format!(
        "{ROLE_READ_SECRETS}{}",
        rb("a", "Role", "reader", ALICE)
    ));
    assert!(can(&r, &alice(), req("get secrets a/x")));
    assert!(can(&r, &alice(), req("list secrets a")));
    assert!(!can(&r, &alice(), req("get secrets b/x")));
    // Across all namespaces: only ClusterRoleBindings count.
    assert!(!can(&r, &alice(), req("list secrets")));
    assert!(!can(&r, &UserInfo::user("bob", &[]), req("get secrets a")));
}

#[test]
fn a_rolebinding_to_a_role_of_another_namespace_grants_nothing() {
    // RoleBinding in `b` naming Role `reader`: resolves to Role b/reader, absent.
    let r = rbac(&format!(
        "{ROLE_READ_SECRETS}{}",
        rb("b", "Role", "reader", ALICE)
    ));
    assert!(!can(&r, &alice(), req("get secrets b")));
    assert!(!can(&r, &alice(), req("get secrets a")));
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
    assert!(can(&r, &alice(), req("list secrets a")));
    assert!(!can(&r, &alice(), req("list secrets b")));
    assert!(!can(&r, &alice(), req("list secrets")));
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
    assert!(can(&r, &alice(), req("list secrets")));
    assert!(can(&r, &alice(), req("list secrets z")));
    assert!(!can(&r, &alice(), req("get secrets z/s")));
}

#[test]
fn a_clusterrolebinding_to_a_role_grants_nothing() {
    let yaml = format!(
        "{ROLE_READ_SECRETS}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: odd}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}}\nsubjects: {ALICE}\n"
    );
    let r = rbac(&yaml);
    assert!(!can(&r, &alice(), req("get secrets a")));
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
    assert!(can(&r, &v, req("deletecollection secrets x")));
    assert!(!can(&r, &v, req("get configmaps x")));
    assert!(can(&r, &res, req("get secrets x/s")));
    // `*` resources include subresources.
    assert!(can(&r, &res, req("get pods/exec x/p")));
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
    assert!(can(&r, &p, req("create pods x")));
    assert!(!can(&r, &p, req("create pods/exec x/y")));
    assert!(can(&r, &e, req("create pods/exec x/y")));
    assert!(!can(&r, &e, req("create pods x")));
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
    assert!(can(&r, &alice(), req("get secrets x/db")));
    assert!(!can(&r, &alice(), req("get secrets x/other")));
    // The collection is not granted...
    assert!(!can(&r, &alice(), req("list secrets x")));
    assert!(!can(&r, &alice(), req("watch secrets x")));
    // ...but a list or watch narrowed to the name (fieldSelector) is.
    assert!(can(&r, &alice(), req("watch secrets x/db")));
    // create carries no name: never granted by resourceNames.
    assert!(!can(&r, &alice(), req("create secrets x")));
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
    assert!(!can(&r, &alice(), req("get secrets x/s")));
    assert!(!can(&r, &alice(), req("list pods x")));
}

#[test]
fn service_account_subjects_and_groups() {
    let yaml = format!(
        "{ROLE_READ_SECRETS}{}{}{}",
        // No namespace: defaults to the RoleBinding's.
        reader_in_a("[{kind: ServiceAccount, name: default}]"),
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
    assert!(can(&r, &default_a, req("list secrets a")));
    assert!(!can(&r, &default_c, req("list secrets a")));
    // Group system:serviceaccounts:b: every SA of b, in every namespace (CRB).
    let sa_b = UserInfo::service_account("b", "worker");
    assert!(can(&r, &sa_b, req("list pods zzz")));
    assert!(!can(&r, &default_c, req("list pods zzz")));
    // A ServiceAccount subject without namespace in a CRB matches nobody.
    for ns in ["", "default", "kube-system"] {
        let root = UserInfo::service_account(ns, "root");
        assert!(!gets_secret_x(&r, &root, "a"));
    }
}

#[test]
fn service_account_subject_in_another_namespace() {
    let yaml = format!(
        "{ROLE_READ_SECRETS}{}",
        reader_in_a("[{kind: ServiceAccount, name: ci, namespace: tools}]"),
    );
    let r = rbac(&yaml);
    let ci = UserInfo::service_account("tools", "ci");
    assert!(gets_secret_x(&r, &ci, "a"));
    assert!(!gets_secret_x(&r, &ci, "tools"));
}

#[test]
fn user_subject_spelled_as_service_account_user_name() {
    let yaml = format!(
        "{ROLE_READ_SECRETS}{}",
        reader_in_a("[{kind: User, name: \"system:serviceaccount:a:app\"}]"),
    );
    let r = rbac(&yaml);
    let app = UserInfo::service_account("a", "app");
    assert!(gets_secret_x(&r, &app, "a"));
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
    assert!(can(&r, &UserInfo::anonymous(), req("delete nodes")));
    assert!(!can(
        &r,
        &UserInfo::user(ANONYMOUS, &[]),
        req("delete nodes")
    ));
}

#[test]
fn system_masters_is_a_superuser() {
    let r = rbac("");
    let root = UserInfo::user("root", &[MASTERS]);
    assert!(matches!(
        r.allows(&root, &req("get secrets")),
        Some(Decision::Superuser)
    ));
    assert!(!can(&r, &alice(), req("get secrets")));
}

#[test]
fn non_resource_rules_grant_no_resources() {
    let yaml = format!(
        "{}{}",
        cluster_role("nr", r#"[{nonResourceURLs: ["*"], verbs: ["*"]}]"#),
        crb("nr", "nr", ALICE)
    );
    let r = rbac(&yaml);
    assert!(!can(&r, &alice(), req("get secrets a/s")));
}
