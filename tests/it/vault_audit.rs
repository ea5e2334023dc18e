//! `kvault audit --vault` against a real OpenBao: the ACL engine agrees
//! with the server's own `sys/capabilities`, and the live audit finds the
//! holes planted on the server and nothing on the least-privilege parts.

use crate::harness::{assert_exit, assert_shows_none, run_showing_none, text, OpenBao};
use kvault::audit::vault::policy::{Acl, Policy};
use kvault::audit::vault::PolicyText;
use serde_json::Value;

/// Policies with every rule shape whose priority matters.
const ORACLE_POLICIES: &[(&str, &str)] = &[
    (
        "glob",
        r#"path "secret/data/*" { capabilities = ["read"] }
           path "secret/data/prod/*" { capabilities = ["deny"] }
           path "secret/metadata/*" { capabilities = ["list"] }"#,
    ),
    (
        "segments",
        r#"path "secret/+/team/*" { capabilities = ["list"] }
           path "secret/data/+/db" { capabilities = ["read", "update"] }
           path "+/data/shared" { capabilities = ["read"] }"#,
    ),
    (
        "exact",
        r#"path "secret/data/prod/db" { capabilities = ["read"] }
           path "secret/metadata/prod/" { capabilities = ["list"] }
           path "/sys/mounts" { capabilities = ["read"] }"#,
    ),
    (
        "priority",
        r#"path "foo/a*" { capabilities = ["read"] }
           path "foo/+/bar" { capabilities = ["update"] }
           path "foo/+/ba*" { capabilities = ["create"] }
           path "foo/bar/+/baz" { capabilities = ["delete"] }
           path "foo/+/+/baz" { capabilities = ["patch"] }
           path "foo/*" { capabilities = ["list", "sudo"] }"#,
    ),
    (
        "json",
        r#"{"path": {"secret/data/team/*": {"capabilities": ["create", "read"]}, "auth/token/create": {"capabilities": ["update"]}}}"#,
    ),
];

/// Token policy sets: alone, overlapping (deny from one, grants from the
/// other), and all together.
const TOKENS: &[&[&str]] = &[
    &["glob"],
    &["glob", "exact"],
    &["segments", "priority"],
    &["glob", "segments", "json"],
    &["glob", "segments", "exact", "priority", "json"],
];

const PATHS: &[&str] = &[
    "secret/data/app",
    "secret/data/prod/db",
    "secret/data/prod/api",
    "secret/data/dev/db",
    "secret/data/dev/eu/db",
    "secret/data/shared",
    "kv/data/shared",
    "secret/metadata/prod/",
    "secret/metadata/prod",
    "secret/metadata/dev/",
    "secret/data/team/x",
    "secret/x/team/y",
    "secret/x/team",
    "sys/mounts",
    "sys/mounts/",
    "sys/policies/acl/x",
    "foo/ab/bar",
    "foo/x/bar",
    "foo/x/bax",
    "foo/x/ba",
    "foo/bar/q/baz",
    "foo/zz/q/baz",
    "foo/zz",
    "foo/",
    "cubbyhole/x",
    "auth/token/create",
    "auth/token/lookup-self",
    "sys/capabilities-self",
    "identity/entity/id/abc",
];

fn write_policy(bao: &OpenBao, name: &str, text: &str) {
    let file = bao.home.path().join(format!("{name}.policy"));
    std::fs::write(&file, text).unwrap();
    bao.must(&["policy", "write", name, file.to_str().unwrap()]);
}

/// What the server answers for `token` on every path.
fn server_capabilities(bao: &OpenBao, token: &str) -> Value {
    let paths = format!("paths={}", PATHS.join(","));
    let out = bao.must(&[
        "write",
        "-format=json",
        "sys/capabilities",
        &format!("token={token}"),
        &paths,
    ]);
    serde_json::from_str::<Value>(&out).unwrap()["data"].clone()
}

fn sorted(caps: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut caps: Vec<String> = caps.into_iter().collect();
    caps.sort();
    caps
}

#[test]
fn the_acl_engine_agrees_with_the_servers_sys_capabilities_on_every_path() {
    let bao = OpenBao::start();
    for (name, text) in ORACLE_POLICIES {
        write_policy(&bao, name, text);
    }
    let default = bao.must(&["policy", "read", "default"]);
    let parse = |name: &str, hcl: &str| {
        Policy::parse(&PolicyText {
            name: name.into(),
            source: name.into(),
            hcl: hcl.into(),
        })
        .unwrap()
    };
    let mut compared = 0;
    for names in TOKENS {
        let token = bao.new_token(
            &names
                .iter()
                .map(|n| format!("-policy={n}"))
                .collect::<Vec<_>>()
                .join(" "),
        );
        let server = server_capabilities(&bao, &token);
        let mut policies = vec![parse("default", &default)];
        for name in *names {
            let text = ORACLE_POLICIES.iter().find(|(n, _)| n == name).unwrap().1;
            policies.push(parse(name, text));
        }
        let acl = Acl::new(&policies);
        for path in PATHS {
            let theirs = sorted(
                server[*path]
                    .as_array()
                    .unwrap_or_else(|| panic!("no answer for {path}: {server}"))
                    .iter()
                    .map(|c| c.as_str().unwrap().to_string()),
            );
            let ours = sorted(acl.capabilities(path).into_iter().map(str::to_string));
            assert_eq!(ours, theirs, "policies {names:?}, path {path}");
            compared += 1;
        }
    }
    assert_eq!(compared, TOKENS.len() * PATHS.len());
}

/// A server with planted holes next to least-privilege policies and roles.
fn planted() -> OpenBao {
    let bao = OpenBao::start();
    write_policy(
        &bao,
        "ops-readall",
        r#"path "secret/*" { capabilities = ["read", "list"] }"#,
    );
    write_policy(
        &bao,
        "platform-admin",
        r#"path "sys/policies/acl/*" { capabilities = ["create", "update"] }"#,
    );
    write_policy(
        &bao,
        "app-read",
        r#"path "secret/data/app/*" { capabilities = ["read"] }"#,
    );
    write_policy(
        &bao,
        "audit-reader",
        r#"path "sys/policies/acl" { capabilities = ["list"] }
           path "sys/policies/acl/*" { capabilities = ["read"] }"#,
    );
    bao.must(&["auth", "enable", "approle"]);
    bao.must(&[
        "write",
        "auth/approle/role/ci",
        "token_policies=app-read",
        "token_period=24h",
    ]);
    bao.must(&[
        "write",
        "auth/approle/role/tight",
        "token_policies=app-read",
        "secret_id_ttl=10m",
        "token_max_ttl=1h",
    ]);
    bao.must(&["auth", "enable", "kubernetes"]);
    bao.must(&[
        "write",
        "auth/kubernetes/role/everyone",
        "bound_service_account_names=*",
        "bound_service_account_namespaces=*",
        "token_policies=ops-readall",
    ]);
    bao.must(&[
        "write",
        "auth/kubernetes/role/app",
        "bound_service_account_names=app",
        "bound_service_account_namespaces=team-a",
        "audience=vault",
        "token_policies=app-read",
        "token_max_ttl=4h",
    ]);
    bao.must(&["kv", "put", "secret/app/db", "password=planted-value-7781"]);
    bao.must(&["kv", "put", "secret/team/x/api", "key=planted-value-7782"]);
    bao
}

/// Let the planted secrets grow older than `--max-age 1s` (ages count
/// whole seconds).
fn age_the_secrets() {
    std::thread::sleep(std::time::Duration::from_millis(2100));
}

fn id_objects(out: &std::process::Output) -> Vec<String> {
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not json ({e}): {}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    });
    let mut all: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["id"].as_str().unwrap(),
                f["objects"][0]["name"].as_str().unwrap()
            )
        })
        .collect();
    all.sort();
    all
}

#[test]
fn a_live_vault_audit_finds_the_planted_holes_and_nothing_on_least_privilege() {
    let bao = planted();
    age_the_secrets();
    let values = [
        "planted-value-7781",
        "planted-value-7782",
        bao.token.as_str(),
    ];
    let out = run_showing_none(
        &values,
        bao.kvault()
            .args(["audit", "--vault", "-o", "json", "--max-age", "1s"]),
    );
    assert_exit(&out, 1, "audit --vault");
    let expected = [
        "KV-VLT-001 ops-readall",
        "KV-VLT-003 platform-admin",
        "KV-VLT-006 auth/kubernetes/role/everyone",
        "KV-VLT-007 auth/kubernetes/role/everyone",
        "KV-VLT-008 auth/approle/role/ci",
        "KV-VLT-010 auth/approle/role/ci",
        "KV-VLT-011 (none)",
        "KV-VLT-013 secret/app/db",
        "KV-VLT-013 secret/team/x/api",
        "KV-VLT-015 secret",
        "KV-VLT-016 (server)",
    ];
    assert_eq!(id_objects(&out), expected);
}

#[test]
fn what_the_token_may_not_read_is_one_finding_not_a_failed_run() {
    let bao = planted();
    let token = bao.new_token("-policy=audit-reader");
    let out = bao
        .kvault()
        .env("VAULT_TOKEN", &token)
        .args(["audit", "--vault", "-o", "json", "--fail-on", "critical"])
        .output()
        .unwrap();
    assert_shows_none(&[&token], "audit --vault as audit-reader", &out);
    // The policies were readable: their findings stand; the rest is a gap.
    let found = id_objects(&out);
    assert!(
        found.contains(&"KV-VLT-003 platform-admin".to_string()),
        "{found:?}"
    );
    let gaps: Vec<&String> = found
        .iter()
        .filter(|f| f.starts_with("KV-VLT-017"))
        .collect();
    assert_eq!(gaps.len(), 1, "{found:?}");
    assert!(
        !found.iter().any(|f| f.starts_with("KV-VLT-011")),
        "unread is not none: {found:?}"
    );
    assert_exit(&out, 1, "a critical finding still fails the run");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let evidence = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "KV-VLT-017")
        .unwrap()["evidence"]
        .as_str()
        .unwrap()
        .to_string();
    for endpoint in ["sys/auth", "sys/audit", "sys/mounts"] {
        assert!(
            evidence.contains(endpoint),
            "{endpoint} missing: {evidence}"
        );
    }
}

#[test]
fn an_unreachable_vault_is_an_error_naming_the_address() {
    let out = crate::harness::kvault_clean(tempfile::tempdir().unwrap().path())
        .env(
            "VAULT_ADDR",
            format!("http://127.0.0.1:{}", crate::harness::free_port()),
        )
        .env("VAULT_TOKEN", "unused-token-4411")
        .args(["audit", "--vault"])
        .output()
        .unwrap();
    assert_exit(&out, 2, "audit --vault, nothing listening");
    assert!(
        text(&out.stderr).contains("127.0.0.1"),
        "{}",
        text(&out.stderr)
    );
    assert_shows_none(&["unused-token-4411"], "audit --vault unreachable", &out);
}

/// The policy the README gives the audit's token.
fn readme_audit_policy() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let after = &readme[readme
        .find("The token needs")
        .expect("README: the audit's permissions")..];
    let start = after.find("```hcl\n").unwrap() + "```hcl\n".len();
    after[start..start + after[start..].find("```").unwrap()].to_string()
}

#[test]
fn the_readme_policy_lets_the_audit_read_everything_it_needs() {
    let bao = planted();
    write_policy(&bao, "kvault-audit", &readme_audit_policy());
    age_the_secrets();
    let token = bao.new_token("-policy=kvault-audit -no-default-policy");
    let out = bao
        .kvault()
        .env("VAULT_TOKEN", &token)
        .args(["audit", "--vault", "-o", "json", "--max-age", "1s"])
        .output()
        .unwrap();
    let found = id_objects(&out);
    assert!(
        !found.iter().any(|f| f.starts_with("KV-VLT-017")),
        "{found:?}\n{}",
        text(&out.stdout)
    );
    assert!(
        found.contains(&"KV-VLT-013 secret/app/db".to_string()),
        "{found:?}"
    );
    assert!(
        found.contains(&"KV-VLT-006 auth/kubernetes/role/everyone".to_string()),
        "{found:?}"
    );
}
