//! `--who-can-read vault:PATH` live, checked against the servers
//! themselves: OpenBao's Kubernetes auth method validates service-account
//! tokens through the test kube-apiserver's TokenReview; for every planted
//! service account and role, a real TokenRequest, a real login, and
//! `sys/capabilities-self` on each secret — kvault must say "this account
//! reaches this secret through this role" exactly when the server lets the
//! login read it. AppRole is checked the same way.

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
    assert!(
        out.status.success(),
        "capabilities-self: {}",
        text(&out.stderr)
    );
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

/// kvault's readers of `secret`: (subject, the role step) pairs.
fn kvault_readers(
    bao: &OpenBao,
    kube: &KubeCluster,
    home: &std::path::Path,
    secret: &str,
) -> Vec<(String, String)> {
    let out = kube
        .kvault(home, "admin")
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", &bao.token)
        .args([
            "audit",
            "--vault",
            "--context",
            "kvault-test",
            "--who-can-read",
            &format!("vault:{secret}"),
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "who-can-read {secret}: {}",
        text(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
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
fn who_can_read_agrees_with_real_logins_through_kubernetes_and_approle_auth() {
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
    let (role_id, secret_id) = bao.approle(&["token_policies=team-b"]);

    let readers: Vec<Vec<(String, String)>> = SECRETS
        .iter()
        .map(|s| kvault_readers(&bao, &kube, home.path(), s))
        .collect();
    let (mut checked, mut logins) = (0, 0);
    for (ns, name) in ACCOUNTS {
        let body = r#"{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"audiences":["vault"]}}"#;
        let (code, answer) = kube.api(
            "admin",
            "POST",
            &format!("/api/v1/namespaces/{ns}/serviceaccounts/{name}/token"),
            Some(body),
        );
        assert_eq!(code, 201, "TokenRequest {ns}/{name}: {answer}");
        let jwt = serde_json::from_str::<Value>(&answer).unwrap()["status"]["token"]
            .as_str()
            .unwrap()
            .to_string();
        for (role, ..) in ROLES {
            let token = login(
                &bao,
                "auth/kubernetes/login",
                &[&format!("role={role}"), &format!("jwt={jwt}")],
            );
            let server = match &token {
                Some(t) => {
                    logins += 1;
                    server_reads(&bao, t)
                }
                None => vec![false; SECRETS.len()],
            };
            let step = format!("kubernetes role {role} (auth/kubernetes)");
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
    assert_eq!(checked, (ACCOUNTS.len() * ROLES.len() + 1) * SECRETS.len());
    // team-a/app: app, any-a; team-a/other: any-a; team-b/app: b.
    assert_eq!(
        logins, 4,
        "the planted bindings log in, the others are refused"
    );
}
