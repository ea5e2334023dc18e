//! `--who-can-read vault:PATH` live, checked against the servers
//! themselves: OpenBao's Kubernetes auth method validates service-account
//! tokens through the test kube-apiserver's TokenReview; for every planted
//! service account and role, a real TokenRequest, a real login, and
//! `sys/capabilities-self` on each secret — kvault must say "this account
//! reaches this secret through this role" exactly when the server lets the
//! login read it. AppRole, and JWT roles validating the same tokens with
//! the cluster's service-account key, are checked the same way; and
//! `--what-can-read` for each account must list exactly the secrets some
//! login of it reads. Userpass users with identity entities and groups
//! (nested groups, a group's deny, a disabled entity) are checked the
//! same way, without a cluster.

use crate::harness::{bao_binary, text, KubeCluster, OpenBao};
use serde_json::Value;

const ACCOUNTS: &[(&str, &str)] = &[("team-a", "app"), ("team-a", "other"), ("team-b", "app")];

/// Roles: name, bound names, bound namespaces, policies.
const ROLES: &[(&str, &str, &str, &str)] = &[
    ("app", "app", "team-a", "app-read,shared"),
    ("b", "app", "team-b", "team-b"),
    ("any-a", "*", "team-a", "shared"),
];

const POLICIES: &[(&str, &str)] = &[
    (
        "app-read",
        r#"path "secret/data/prod/app/*" { capabilities = ["read"] }"#,
    ),
    (
        "team-b",
        r#"path "secret/data/prod/*" { capabilities = ["read"] }
           path "secret/data/prod/app/*" { capabilities = ["deny"] }"#,
    ),
    (
        "shared",
        r#"path "secret/data/+/shared" { capabilities = ["read"] }"#,
    ),
];

/// JWT roles (name, the role's JSON without `role_type` and audience)
/// over the same service-account tokens, validated with the cluster's
/// service-account public key: bound by subject, by the `kubernetes.io`
/// namespace claim, and by a glob on the subject.
const JWT_ROLES: &[(&str, &str)] = &[
    (
        "jwt-sub",
        r#""bound_subject": "system:serviceaccount:team-a:app", "token_policies": "app-read""#,
    ),
    (
        "jwt-ns",
        r#""bound_claims": {"/kubernetes.io/namespace": "team-b"}, "token_policies": "team-b,shared""#,
    ),
    (
        "jwt-glob",
        r#""bound_claims": {"sub": ["system:serviceaccount:team-a:*"]}, "bound_claims_type": "glob", "token_policies": "shared""#,
    ),
];

const SECRETS: &[&str] = &[
    "secret/prod/app/db",
    "secret/prod/b/db",
    "secret/prod/shared",
    "secret/dev/shared",
    "secret/other",
];

/// `bao` as `token` (not root).
fn bao_as(bao: &OpenBao, token: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(bao_binary())
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", bao.home.path())
        .env("BAO_ADDR", &bao.addr)
        .env("BAO_TOKEN", token)
        .output()
        .unwrap()
}

/// Which of SECRETS a client token may read, per the server.
fn server_reads(bao: &OpenBao, token: &str) -> Vec<bool> {
    let api: Vec<String> = SECRETS
        .iter()
        .map(|s| s.replacen("secret/", "secret/data/", 1))
        .collect();
    let out = bao_as(
        bao,
        token,
        &[
            "write",
            "-format=json",
            "sys/capabilities-self",
            &format!("paths={}", api.join(",")),
        ],
    );
    if !out.status.success() {
        // A token the server no longer accepts (its entity disabled)
        // reads nothing.
        assert!(
            text(&out.stderr).contains("permission denied"),
            "capabilities-self: {}",
            text(&out.stderr)
        );
        return vec![false; SECRETS.len()];
    }
    let data = serde_json::from_slice::<Value>(&out.stdout).unwrap()["data"].clone();
    api.iter()
        .map(|p| {
            data[p]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == "read" || c == "root")
        })
        .collect()
}

/// Log in with `body` on `path`; the client token, or None when refused.
fn login(bao: &OpenBao, path: &str, body: &[&str]) -> Option<String> {
    let mut args = vec!["write", "-format=json", path];
    args.extend_from_slice(body);
    let out = bao.bao(&args);
    out.status.success().then(|| {
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["auth"]["client_token"]
            .as_str()
            .unwrap()
            .to_string()
    })
}

/// `kvault audit --vault --context kvault-test QUESTION -o json` as admin
/// against `bao`: the document.
fn kvault_answer(
    bao: &OpenBao,
    kube: &KubeCluster,
    home: &std::path::Path,
    question: [&str; 2],
) -> Value {
    let mut cmd = kube.kvault(home, "admin");
    cmd.env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", &bao.token)
        .args(["--context", "kvault-test"]);
    vault_answer(cmd, question)
}

/// `CMD audit --vault QUESTION -o json`: the document.
fn vault_answer(mut cmd: assert_cmd::Command, question: [&str; 2]) -> Value {
    let out = cmd
        .args(["audit", "--vault"])
        .args(question)
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{question:?}: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// kvault's readers of `secret`: (subject, the role step) pairs.
fn kvault_readers(
    bao: &OpenBao,
    kube: &KubeCluster,
    home: &std::path::Path,
    secret: &str,
) -> Vec<(String, String)> {
    let target = format!("vault:{secret}");
    let doc = kvault_answer(bao, kube, home, ["--who-can-read", &target]);
    doc["readers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            let via = r["via"].as_array().unwrap();
            Some((
                r["subject"].as_str()?.to_string(),
                via.last()?.as_str()?.to_string(),
            ))
        })
        .collect()
}

/// kvault's `--what-can-read` for one account: the secrets it lists.
fn kvault_reads(
    bao: &OpenBao,
    kube: &KubeCluster,
    home: &std::path::Path,
    subject: &str,
) -> Vec<String> {
    secrets_read(&kvault_answer(
        bao,
        kube,
        home,
        ["--what-can-read", subject],
    ))
}

/// The secrets a `--what-can-read` document lists, sorted, once each.
fn secrets_read(doc: &Value) -> Vec<String> {
    let mut secrets: Vec<String> = doc["reads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "secret")
        .map(|r| {
            r["target"]
                .as_str()
                .unwrap()
                .trim_start_matches("vault:")
                .to_string()
        })
        .collect();
    secrets.sort();
    secrets.dedup();
    secrets
}

/// `ServiceAccount team-a/*` covers team-a/other.
fn covers(subject: &str, namespace: &str, name: &str) -> bool {
    let Some((ns, sa)) = subject
        .strip_prefix("ServiceAccount ")
        .and_then(|s| s.split_once('/'))
    else {
        return false;
    };
    (ns == "*" || ns == namespace) && (sa == "*" || sa == name)
}

#[test]
fn who_can_read_and_what_can_read_agree_with_real_logins_through_kubernetes_jwt_and_approle_auth() {
    let kube = KubeCluster::start("none");
    let bao = OpenBao::start();
    let home = tempfile::tempdir().unwrap();
    for ns in ["team-a", "team-b"] {
        let body =
            format!(r#"{{"apiVersion":"v1","kind":"Namespace","metadata":{{"name":"{ns}"}}}}"#);
        let (code, answer) = kube.api("admin", "POST", "/api/v1/namespaces", Some(&body));
        assert!(code == 201, "namespace {ns}: {code} {answer}");
    }
    for (ns, name) in ACCOUNTS {
        let body = format!(
            r#"{{"apiVersion":"v1","kind":"ServiceAccount","metadata":{{"name":"{name}"}}}}"#
        );
        let (code, answer) = kube.api(
            "admin",
            "POST",
            &format!("/api/v1/namespaces/{ns}/serviceaccounts"),
            Some(&body),
        );
        assert!(code == 201, "sa {ns}/{name}: {code} {answer}");
    }
    for (name, text) in POLICIES {
        let file = bao.home.path().join(format!("{name}.hcl"));
        std::fs::write(&file, text).unwrap();
        bao.must(&["policy", "write", name, file.to_str().unwrap()]);
    }
    bao.must(&["auth", "enable", "kubernetes"]);
    let ca = format!("kubernetes_ca_cert=@{}", kube.var("KVAULT_TEST_KUBE_CA"));
    let host = format!("kubernetes_host={}", kube.var("KVAULT_TEST_KUBE_SERVER"));
    let reviewer = format!("token_reviewer_jwt={}", kube.token("admin"));
    bao.must(&[
        "write",
        "auth/kubernetes/config",
        &host,
        &ca,
        &reviewer,
        "disable_local_ca_jwt=true",
    ]);
    for (role, names, namespaces, policies) in ROLES {
        bao.must(&[
            "write",
            &format!("auth/kubernetes/role/{role}"),
            &format!("bound_service_account_names={names}"),
            &format!("bound_service_account_namespaces={namespaces}"),
            &format!("token_policies={policies}"),
            "audience=vault",
        ]);
    }
    bao.must(&["auth", "enable", "jwt"]);
    let sa_pub = format!("{}/pki/sa.pub", kube.var("KVAULT_TEST_KUBE_DIR"));
    bao.must(&[
        "write",
        "auth/jwt/config",
        &format!("jwt_validation_pubkeys=@{sa_pub}"),
    ]);
    for (role, settings) in JWT_ROLES {
        let file = bao.home.path().join(format!("{role}.json"));
        let body = format!(
            r#"{{"role_type": "jwt", "user_claim": "sub", "bound_audiences": "vault", {settings}}}"#
        );
        std::fs::write(&file, body).unwrap();
        bao.must(&[
            "write",
            &format!("auth/jwt/role/{role}"),
            &format!("@{}", file.display()),
        ]);
    }
    let (role_id, secret_id) = bao.approle(&["token_policies=team-b"]);
    for secret in SECRETS {
        bao.must(&["kv", "put", secret, "k=v"]);
    }

    let readers: Vec<Vec<(String, String)>> = SECRETS
        .iter()
        .map(|s| kvault_readers(&bao, &kube, home.path(), s))
        .collect();
    let (mut checked, mut logins) = (0, 0);
    for (ns, name) in ACCOUNTS {
        let jwt = kube.service_account_token(ns, name, r#"{"audiences":["vault"]}"#);
        let logins_with = ROLES
            .iter()
            .map(|(role, ..)| ("kubernetes", *role))
            .chain(JWT_ROLES.iter().map(|(role, _)| ("jwt", *role)));
        let mut reads_any = vec![false; SECRETS.len()];
        for (method, role) in logins_with {
            let token = login(
                &bao,
                &format!("auth/{method}/login"),
                &[&format!("role={role}"), &format!("jwt={jwt}")],
            );
            let server = match &token {
                Some(t) => {
                    logins += 1;
                    server_reads(&bao, t)
                }
                None => vec![false; SECRETS.len()],
            };
            for (any, reads) in reads_any.iter_mut().zip(&server) {
                *any |= reads;
            }
            let step = format!("{method} role {role} (auth/{method})");
            for (i, secret) in SECRETS.iter().enumerate() {
                let ours = readers[i]
                    .iter()
                    .any(|(s, v)| *v == step && covers(s, ns, name));
                assert_eq!(
                    ours,
                    server[i],
                    "{ns}/{name} via role {role} on {secret} (login {})",
                    token.is_some()
                );
                checked += 1;
            }
        }
        // The reverse question, for the same account: exactly the secrets
        // some login of it reads.
        let want: Vec<String> = SECRETS
            .iter()
            .zip(&reads_any)
            .filter(|(_, reads)| **reads)
            .map(|(s, _)| s.to_string())
            .collect();
        let mut want = want;
        want.sort();
        assert_eq!(
            kvault_reads(
                &bao,
                &kube,
                home.path(),
                &format!("serviceaccount:{ns}/{name}")
            ),
            want,
            "what-can-read {ns}/{name}"
        );
        checked += 1;
    }
    let token = login(
        &bao,
        "auth/approle/login",
        &[
            &format!("role_id={role_id}"),
            &format!("secret_id={secret_id}"),
        ],
    )
    .unwrap();
    let server = server_reads(&bao, &token);
    for (i, secret) in SECRETS.iter().enumerate() {
        let ours = readers[i]
            .iter()
            .any(|(_, v)| v == "approle role app (auth/approle)");
        assert_eq!(ours, server[i], "AppRole app on {secret}");
        checked += 1;
    }
    let roles = ROLES.len() + JWT_ROLES.len();
    assert_eq!(
        checked,
        (ACCOUNTS.len() * roles + 1) * SECRETS.len() + ACCOUNTS.len()
    );
    // Kubernetes: team-a/app: app, any-a; team-a/other: any-a; team-b/app: b.
    // JWT: team-a/app: jwt-sub, jwt-glob; team-a/other: jwt-glob; team-b/app: jwt-ns.
    assert_eq!(
        logins, 8,
        "the planted bindings log in, the others are refused"
    );
}

/// Userpass users (name, token policies) and the identity planted for
/// them: alice's entity is in `ops` (app-read), which is a member group
/// of `top` (team-b, whose deny on prod/app takes that read away again);
/// bob's entity is in `lockdown` (a deny); carol's entity is disabled;
/// dave's entity has its own policy; erin has no entity before she logs in.
const USERS: &[(&str, &str)] = &[
    ("alice", "shared"),
    ("bob", "app-read"),
    ("carol", "app-read"),
    ("dave", "default"),
    ("erin", "team-b"),
];

#[test]
fn identity_entities_and_groups_add_their_policies_to_userpass_logins_as_the_server_does() {
    let bao = OpenBao::start();
    for (name, text) in POLICIES.iter().chain(&[(
        "no-app",
        r#"path "secret/data/prod/app/*" { capabilities = ["deny"] }"#,
    )]) {
        let file = bao.home.path().join(format!("{name}.hcl"));
        std::fs::write(&file, text).unwrap();
        bao.must(&["policy", "write", name, file.to_str().unwrap()]);
    }
    bao.must(&["auth", "enable", "userpass"]);
    for (user, policies) in USERS {
        bao.must(&[
            "write",
            &format!("auth/userpass/users/{user}"),
            "password=pw",
            &format!("token_policies={policies}"),
        ]);
    }
    let accessor = bao.must(&["read", "-field=accessor", "sys/auth/userpass"]);
    // `bao write -field=id identity/KIND name=NAME SETTINGS...`: the new id.
    let create = |kind: &str, name: &str, settings: &[&str]| -> String {
        let path = format!("identity/{kind}");
        let name = format!("name={name}");
        let mut args = vec!["write", "-field=id", &path, &name];
        args.extend_from_slice(settings);
        bao.must(&args).trim().to_string()
    };
    let entity = |name: &str, user: &str, settings: &[&str]| -> String {
        let id = create("entity", name, settings);
        bao.must(&[
            "write",
            "identity/entity-alias",
            &format!("name={user}"),
            &format!("canonical_id={id}"),
            &format!("mount_accessor={}", accessor.trim()),
        ]);
        id
    };
    let alice = entity("alice-ent", "alice", &[]);
    let bob = entity("bob-ent", "bob", &[]);
    entity("carol-ent", "carol", &["disabled=true"]);
    entity("dave-ent", "dave", &["policies=app-read"]);
    let group = |name: &str, settings: &[&str]| create("group", name, settings);
    let ops = group(
        "ops",
        &["policies=app-read", &format!("member_entity_ids={alice}")],
    );
    group(
        "top",
        &["policies=team-b", &format!("member_group_ids={ops}")],
    );
    group(
        "lockdown",
        &["policies=no-app", &format!("member_entity_ids={bob}")],
    );
    for secret in SECRETS {
        bao.must(&["kv", "put", secret, "k=v"]);
    }
    // A token that already exists reads what its policy reads; kvault names
    // it by display name and a short accessor, never the whole accessor.
    let ci_token = bao.new_token("-policy=app-read -display-name=ci-bot");
    let lookup: Value =
        serde_json::from_str(&bao.must(&["token", "lookup", "-format=json", &ci_token])).unwrap();
    let accessor = lookup["data"]["accessor"].as_str().unwrap().to_string();

    let readers: Vec<Vec<String>> = SECRETS
        .iter()
        .map(|s| {
            let doc = vault_answer(bao.kvault(), ["--who-can-read", &format!("vault:{s}")]);
            let shown = doc.to_string();
            assert!(
                !shown.contains(&accessor) && !shown.contains(&ci_token),
                "{shown}"
            );
            doc["readers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["subject"].as_str().unwrap().to_string())
                .collect()
        })
        .collect();
    let what = |subject: &str| -> Vec<String> {
        secrets_read(&vault_answer(bao.kvault(), ["--what-can-read", subject]))
    };
    let mut checked = 0;
    let mut read_by = std::collections::BTreeMap::new();
    for (user, _) in USERS {
        let token = login(
            &bao,
            &format!("auth/userpass/login/{user}"),
            &["password=pw"],
        );
        let server = match token {
            Some(token) => server_reads(&bao, &token),
            // A disabled entity's login is refused.
            None => vec![false; SECRETS.len()],
        };
        let subject = format!("password of userpass user {user}");
        for (i, secret) in SECRETS.iter().enumerate() {
            let ours = readers[i].contains(&subject);
            assert_eq!(ours, server[i], "user {user} on {secret}");
            checked += 1;
        }
        let mut want: Vec<String> = SECRETS
            .iter()
            .zip(&server)
            .filter(|(_, reads)| **reads)
            .map(|(s, _)| s.to_string())
            .collect();
        want.sort();
        assert_eq!(
            what(&format!("role:userpass/{user}")),
            want,
            "what-can-read {user}"
        );
        read_by.insert(*user, want);
    }
    assert_eq!(checked, USERS.len() * SECRETS.len());
    // What the planted identity does, as the server answered it: the
    // nested group's deny wins for alice, bob's group takes his read away,
    // carol's disabled entity reads nothing, dave's entity adds app-read.
    let expected = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        read_by["alice"],
        expected(&[
            "secret/dev/shared",
            "secret/prod/b/db",
            "secret/prod/shared"
        ])
    );
    assert_eq!(read_by["bob"], expected(&[]));
    assert_eq!(read_by["carol"], expected(&[]));
    assert_eq!(read_by["dave"], expected(&["secret/prod/app/db"]));
    assert_eq!(what("entity:alice-ent"), read_by["alice"]);
    // The existing tokens: ci-bot's reads prod/app only; the dev server's
    // root token (display name `token`, never expiring) reads everything.
    let ci_bot = format!(
        "existing token `token-ci-bot` (accessor {}…",
        &accessor[..8]
    );
    for (i, secret) in SECRETS.iter().enumerate() {
        let listed = |prefix: &str| readers[i].iter().any(|r| r.starts_with(prefix));
        assert_eq!(
            listed(&ci_bot),
            *secret == "secret/prod/app/db",
            "{secret}: {:?}",
            readers[i]
        );
        assert!(
            readers[i]
                .iter()
                .any(|r| r.starts_with("existing token `token` (") && r.ends_with("never expires)")),
            "{secret}: {:?}",
            readers[i]
        );
    }
}
