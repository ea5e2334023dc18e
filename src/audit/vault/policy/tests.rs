//! The ACL's answers on the cases `acl.go` documents; the integration test
//! (`tests/it/vault_policy.rs`) checks the same engine against a live
//! server's `sys/capabilities`.

use super::*;

/// A parsed policy named `name` (shared with the reach tests).
pub(crate) fn policy(name: &str, hcl: &str) -> Policy {
    Policy::parse(&PolicyText {
        name: name.into(),
        source: format!("{name}.hcl"),
        hcl: hcl.into(),
    })
    .unwrap()
}

fn caps(policies: &[Policy], path: &str) -> String {
    Acl::new(policies).capabilities(path).join(",")
}

#[test]
fn an_exact_rule_beats_every_glob() {
    let p = policy(
        "p",
        r#"path "secret/*" { capabilities = ["read"] }
           path "secret/app" { capabilities = ["list"] }
           path "secret/+" { capabilities = ["update"] }"#,
    );
    assert_eq!(caps(std::slice::from_ref(&p), "secret/app"), "list");
    assert_eq!(caps(&[p], "secret/other"), "update");
}

#[test]
fn the_longest_prefix_wins_among_globs() {
    let p = policy(
        "p",
        r#"path "secret/*" { capabilities = ["read"] }
           path "secret/prod/*" { capabilities = ["deny"] }"#,
    );
    assert_eq!(caps(std::slice::from_ref(&p), "secret/prod/db"), "deny");
    assert_eq!(caps(&[p], "secret/dev/db"), "read");
}

#[test]
fn a_later_wildcard_wins_then_a_non_prefix_then_fewer_plus() {
    let p = policy(
        "p",
        r#"path "foo/+/bar" { capabilities = ["read"] }
           path "foo/a*" { capabilities = ["list"] }
           path "foo/+/ba*" { capabilities = ["update"] }
           path "foo/+/+/baz" { capabilities = ["create"] }
           path "foo/bar/+/baz" { capabilities = ["delete"] }"#,
    );
    let set = [p];
    // foo/a* has its glob at 5, foo/+ at 4.
    assert_eq!(caps(&set, "foo/ab/bar"), "list");
    // Same first wildcard: the non-prefix rule wins.
    assert_eq!(caps(&set, "foo/x/bar"), "read");
    assert_eq!(caps(&set, "foo/x/bax"), "update");
    // foo/bar/+/baz: wildcard later than foo/+/+/baz.
    assert_eq!(caps(&set, "foo/bar/q/baz"), "delete");
    assert_eq!(caps(&set, "foo/zz/q/baz"), "create");
}

#[test]
fn a_plus_takes_exactly_one_segment() {
    let p = policy("p", r#"path "secret/+/db" { capabilities = ["read"] }"#);
    assert_eq!(caps(std::slice::from_ref(&p), "secret/prod/db"), "read");
    assert_eq!(caps(std::slice::from_ref(&p), "secret/prod/eu/db"), "deny");
    assert_eq!(caps(&[p], "secret/db"), "deny");
}

#[test]
fn policies_add_up_and_deny_from_any_of_them_wins() {
    let reader = policy(
        "reader",
        r#"path "secret/*" { capabilities = ["read", "list"] }"#,
    );
    let writer = policy("writer", r#"path "secret/*" { capabilities = ["create"] }"#);
    let fence = policy("fence", r#"path "secret/*" { capabilities = ["deny"] }"#);
    assert_eq!(
        caps(&[reader.clone(), writer.clone()], "secret/a"),
        "read,list,create"
    );
    assert_eq!(caps(&[reader, fence, writer], "secret/a"), "deny");
}

#[test]
fn a_list_request_also_finds_the_exact_rule_without_its_slash() {
    let p = policy(
        "p",
        r#"path "secret/metadata/app" { capabilities = ["list"] }"#,
    );
    assert_eq!(caps(&[p], "secret/metadata/app/"), "list");
}

#[test]
fn root_grants_everything_and_nothing_grants_deny() {
    let root = policy("root", "");
    assert_eq!(caps(&[root], "sys/raw/x"), "root");
    assert_eq!(caps(&[], "secret/a"), "deny");
}

#[test]
fn json_policies_and_the_legacy_policy_field_parse_like_hcl() {
    let json = policy(
        "j",
        r#"{"path": {"secret/*": {"capabilities": ["read"]}, "/sys/mounts": {"policy": "write"}}}"#,
    );
    assert_eq!(caps(std::slice::from_ref(&json), "secret/x"), "read");
    assert_eq!(
        caps(&[json], "sys/mounts"),
        "read,list,update,delete,create"
    );
}

#[test]
fn malformed_policies_name_the_policy_and_the_path() {
    let text = |hcl: &str| PolicyText {
        name: "bad".into(),
        source: "policies/bad.hcl".into(),
        hcl: hcl.into(),
    };
    let err = Policy::parse(&text(r#"path "a/+*" { capabilities = ["read"] }"#)).unwrap_err();
    assert!(err.to_string().contains("\"a/+*\""), "{err}");
    let err = Policy::parse(&text(r#"path "a" { capabilities = ["reed"] }"#)).unwrap_err();
    assert!(
        err.to_string().contains("invalid capability \"reed\""),
        "{err}"
    );
    let err = Policy::parse(&text("path \"a\" {")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("policies/bad.hcl: policy \"bad\""),
        "{err}"
    );
    assert_eq!(err.to_string().lines().count(), 1);
}

#[test]
fn covers_means_every_path_under_an_area() {
    let rules = policy(
        "p",
        r#"path "secret/*" { capabilities = ["read"] }
           path "secret/+/*" { capabilities = ["read"] }
           path "secret/data/app/*" { capabilities = ["read"] }
           path "secret/d*" { capabilities = ["read"] }"#,
    )
    .rules;
    let covered: Vec<bool> = rules.iter().map(|r| r.covers("secret/data/")).collect();
    assert_eq!(covered, [true, true, false, true]);
}

#[test]
fn reaches_means_some_path_under_an_area() {
    let rules = policy(
        "p",
        r#"path "sys/mounts/secret/tune" { capabilities = ["update"] }
           path "sys/+/acl/*" { capabilities = ["update"] }
           path "sys/*" { capabilities = ["update"] }
           path "sys/auth" { capabilities = ["read"] }
           path "secret/*" { capabilities = ["read"] }"#,
    )
    .rules;
    let reach = |area: &str| rules.iter().map(|r| r.reaches(area)).collect::<Vec<_>>();
    // sys/+/acl/* reaches sys/mounts/acl/x and sys/auth/acl/x too.
    assert_eq!(reach("sys/mounts/"), [true, true, true, false, false]);
    assert_eq!(reach("sys/policies/"), [false, true, true, false, false]);
    assert_eq!(reach("sys/auth/"), [false, true, true, true, false]);
}

#[test]
fn the_stock_default_policy_parses() {
    let p = policy("default", include_str!("stock_default.hcl"));
    assert!(p.rules.len() >= 15, "{}", p.rules.len());
    assert_eq!(caps(&[p], "cubbyhole/x"), "read,list,update,delete,create");
}

fn finding_ids(policies: &[Policy]) -> Vec<&'static str> {
    let mut ids: Vec<&str> = crate::audit::vault::policy_checks::check(policies, &[], &[])
        .iter()
        .map(|f| f.id.as_str())
        .collect();
    ids.sort_unstable();
    ids
}

#[test]
fn policy_findings_fire_on_their_hole_and_not_on_least_privilege() {
    let cases = [
        (
            r#"path "secret/*" { capabilities = ["read", "list"] }"#,
            vec!["KV-VLT-001"],
        ),
        (
            r#"path "*" { capabilities = ["read"] }"#,
            vec!["KV-VLT-001"],
        ),
        (
            r#"path "secret/data/app/*" { capabilities = ["read"] }"#,
            vec![],
        ),
        (
            r#"path "secret/+/*" { capabilities = ["read"] }"#,
            vec!["KV-VLT-001"],
        ),
        // Names, not values.
        (
            r#"path "secret/metadata/*" { capabilities = ["list", "read"] }"#,
            vec![],
        ),
        // Read-only sudo on one endpoint (an auditor reading sys/audit).
        (
            r#"path "sys/audit" { capabilities = ["read", "sudo"] }"#,
            vec![],
        ),
        (
            r#"path "secret/*" { capabilities = ["read"] }
               path "secret/data/*" { capabilities = ["deny"] }
               path "secret/metadata/*" { capabilities = ["deny"] }"#,
            vec![],
        ),
        (
            r#"path "sys/leases/*" { capabilities = ["update", "sudo"] }"#,
            vec!["KV-VLT-002"],
        ),
        (
            r#"path "sys/policies/acl/*" { capabilities = ["update"] }"#,
            vec!["KV-VLT-003"],
        ),
        (
            r#"path "sys/mounts/secret/tune" { capabilities = ["update"] }"#,
            vec!["KV-VLT-003"],
        ),
        (
            r#"path "identity/group/*" { capabilities = ["create"] }"#,
            vec!["KV-VLT-003"],
        ),
        (
            r#"path "sys/policies/acl/*" { capabilities = ["read"] }"#,
            vec![],
        ),
        (
            r#"path "auth/token/create" { capabilities = ["update", "sudo"] }"#,
            vec!["KV-VLT-002", "KV-VLT-004"],
        ),
        (
            r#"path "auth/token/create" {
                 capabilities = ["update", "sudo"]
                 allowed_parameters = { policies = ["app"] }
               }"#,
            vec!["KV-VLT-002"],
        ),
        (
            r#"path "auth/token/create" { capabilities = ["update"] }"#,
            vec![],
        ),
        (
            r#"path "auth/approle/role/*" { capabilities = ["create", "update"] }"#,
            vec!["KV-VLT-004"],
        ),
        (
            r#"path "auth/+/role/+" { capabilities = ["update"] }"#,
            vec!["KV-VLT-004"],
        ),
        (
            r#"path "auth/approle/role/app/role-id" { capabilities = ["read"] }"#,
            vec![],
        ),
    ];
    for (hcl, expected) in cases {
        assert_eq!(finding_ids(&[policy("p", hcl)]), expected, "{hcl}");
    }
}

#[test]
fn the_stock_default_is_quiet_and_a_widened_one_is_not() {
    let stock = include_str!("stock_default.hcl");
    assert!(finding_ids(&[policy("default", stock)]).is_empty());
    let widened =
        format!("{stock}\npath \"secret/data/shared/*\" {{ capabilities = [\"read\"] }}\n");
    assert_eq!(finding_ids(&[policy("default", &widened)]), ["KV-VLT-005"]);
}
