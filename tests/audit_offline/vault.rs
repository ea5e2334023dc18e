//! Vault/OpenBao policies offline, and "who can read" joined across Kubernetes RBAC, auth roles and policies.

use super::*;

#[test]
fn vault_policies_offline_name_each_hole_and_spare_the_least_privilege_policy() {
    let (code, doc) = json_run(&["--vault-policies", path(&vault_examples())]);
    assert_eq!(code, 1);
    let expected = [
        "KV-VLT-001 VaultPolicy/ops-readall",
        "KV-VLT-002 VaultPolicy/ci-tokens",
        "KV-VLT-002 VaultPolicy/platform-admin",
        "KV-VLT-003 VaultPolicy/platform-admin",
        "KV-VLT-004 VaultPolicy/ci-tokens",
        "KV-VLT-006 VaultRole/auth/kubernetes/role/everyone",
        "KV-VLT-007 VaultRole/auth/kubernetes/role/everyone",
        "KV-VLT-008 VaultRole/auth/approle/role/ci",
        "KV-VLT-010 VaultRole/auth/approle/role/ci",
        "KV-VLT-012 VaultAuditDevice/file",
    ];
    assert_eq!(id_objects(&doc), expected);
    let text = doc.to_string();
    assert!(
        !text.contains("app-read"),
        "the least-privilege policy is not a finding: {text}"
    );
}

#[test]
fn vault_thresholds_and_the_ignore_file_apply_to_vault_findings() {
    let dir = tempfile::tempdir().unwrap();
    let ignore = dir.path().join("ignore.yaml");
    std::fs::write(
        &ignore,
        "- id: KV-VLT-002\n  reason: operators hold these\n",
    )
    .unwrap();
    let (_, doc) = json_run(&[
        "--vault-policies",
        path(&vault_examples()),
        "--max-token-ttl",
        "2h",
        "--ignore",
        path(&ignore),
    ]);
    let found = id_objects(&doc);
    assert!(
        !found.iter().any(|f| f.starts_with("KV-VLT-002")),
        "{found:?}"
    );
    // 4h for app, the system's 768h for everyone: both over 2h now.
    for role in ["app", "everyone"] {
        let line = format!("KV-VLT-010 VaultRole/auth/kubernetes/role/{role}");
        assert!(found.contains(&line), "{line} missing: {found:?}");
    }
}

#[test]
fn a_malformed_vault_policy_is_a_one_line_error_naming_the_file_and_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("good.hcl"),
        "path \"secret/data/a\" { capabilities = [\"read\"] }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("typo.hcl"),
        "path \"secret/data/b\" { capabilities = [\"raed\"] }\n",
    )
    .unwrap();
    let r = run(&["--vault-policies", path(dir.path())], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    for part in ["typo.hcl", "secret/data/b", "\"raed\""] {
        assert!(r.stderr.contains(part), "{part} missing: {}", r.stderr);
    }
    let r = run(
        &["--vault-policies", path(&dir.path().join("good.hcl"))],
        None,
    );
    assert_eq!(r.code, 2, "a file is not a folder: {}", r.stderr);
}

/// The chains of `--who-can-read vault:PATH -o json` over both example halves.
fn vault_chains(secret: &str) -> Vec<String> {
    let target = format!("vault:{secret}");
    let doc = both_halves(["--who-can-read", &target]);
    assert_eq!(doc["secret"], target.as_str());
    doc["readers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} -> policy {} -> {}",
                steps(r),
                r["policy"].as_str().unwrap(),
                r["grant"].as_str().unwrap()
            )
        })
        .collect()
}

/// `QUESTION -o json` over the Vault and the Kubernetes examples.
fn both_halves(question: [&str; 2]) -> Value {
    let vault = path(&vault_examples()).to_string();
    let cluster = root().join("examples/vault-cluster");
    let mut args = vec!["--vault-policies", &vault, "--manifests", path(&cluster)];
    args.extend(question);
    let (code, doc) = json_run(&args);
    assert_eq!(code, 0, "{question:?}");
    doc
}

/// A row's subject and steps, joined with ` -> `.
fn steps(row: &Value) -> String {
    let mut steps = vec![row["subject"].as_str().unwrap()];
    steps.extend(
        row["via"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap()),
    );
    steps.join(" -> ")
}

#[test]
fn who_can_read_a_vault_secret_joins_kubernetes_rbac_auth_roles_and_policies() {
    let app =
        "kubernetes role app (auth/kubernetes) -> policy app-read -> read secret/data/prod/app/*";
    let everyone =
        "kubernetes role everyone (auth/kubernetes) -> policy ops-readall -> read secret/*";
    let expected = [
        format!("Group system:masters -> superuser -> ServiceAccount */* -> {everyone}"),
        format!("Group system:masters -> superuser -> ServiceAccount team-a/app -> {app}"),
        format!("ServiceAccount */* -> {everyone}"),
        // Role `everyone` accepts any account of any namespace: team-a's too.
        format!("ServiceAccount build/ci -> create service account tokens in team-a -> ServiceAccount */* -> {everyone}"),
        format!("ServiceAccount build/ci -> create service account tokens in team-a -> ServiceAccount team-a/app -> {app}"),
        format!("ServiceAccount team-a/app -> {app}"),
        format!("User alice -> create pods in team-a -> ServiceAccount */* -> {everyone}"),
        format!("User alice -> create pods in team-a -> ServiceAccount team-a/app -> {app}"),
        // dana's user has no policy of its own: her entity's group gives it.
        "password of userpass user dana -> userpass user dana (auth/userpass) -> entity dana -> group release-managers -> policy app-read -> read secret/data/prod/app/*".to_string(),
        "token with policy app-read -> policy app-read -> read secret/data/prod/app/*".to_string(),
        "token with policy ops-readall -> policy ops-readall -> read secret/*".to_string(),
    ];
    assert_eq!(vault_chains("secret/prod/app/db"), expected);
    // Another team's secret: app's role does not reach it, the wide one does.
    let other = vault_chains("secret/prod/billing/db");
    assert!(other.iter().all(|c| !c.contains("role app ")), "{other:?}");
    assert!(
        other.iter().any(|c| c.starts_with("ServiceAccount */*")),
        "{other:?}"
    );
}

#[test]
fn who_can_read_vault_needs_a_vault_source_and_namespaces_stay_kubernetes() {
    let r = run(
        &[
            "--who-can-read",
            "vault:secret/prod/db",
            "--manifests",
            path(&bad()),
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("needs --vault"), "{}", r.stderr);
    let r = run(
        &[
            "--who-can-read",
            "shop",
            "--vault-policies",
            path(&vault_examples()),
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("vault:PATH"), "{}", r.stderr);
}

/// `--what-can-read SUBJECT -o json` over both example halves: each
/// target with its whole chain.
fn vault_reaches(subject: &str) -> Vec<String> {
    let doc = both_halves(["--what-can-read", subject]);
    doc["reads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}: {} -> policy {}",
                r["target"].as_str().unwrap(),
                steps(r),
                r["policy"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn what_can_read_follows_one_subject_to_every_rule_that_reads_for_it() {
    let app = "kubernetes role app (auth/kubernetes) -> policy app-read";
    let everyone =
        "matches ServiceAccount */* -> kubernetes role everyone (auth/kubernetes) -> policy ops-readall";
    let cases: &[(&str, &[&str])] = &[
        (
            "serviceaccount:team-a/app",
            &[
                &format!("secret/*: ServiceAccount team-a/app -> {everyone}"),
                &format!("secret/data/prod/app/*: ServiceAccount team-a/app -> {app}"),
            ],
        ),
        // The Kubernetes spelling of the same account.
        (
            "system:serviceaccount:team-b:web",
            &[&format!("secret/*: ServiceAccount team-b/web -> {everyone}")],
        ),
        (
            "user:alice",
            &[
                "secret/*: User alice -> create pods in team-a -> ServiceAccount */* -> kubernetes role everyone (auth/kubernetes) -> policy ops-readall",
                &format!("secret/data/prod/app/*: User alice -> create pods in team-a -> ServiceAccount team-a/app -> {app}"),
            ],
        ),
        (
            "policy:ops-readall",
            &["secret/*: token with policy ops-readall -> policy ops-readall"],
        ),
        (
            "role:kubernetes/app",
            &["secret/data/prod/app/*: kubernetes role app (auth/kubernetes) logins -> policy app-read"],
        ),
        // A userpass user, and the identity entity its logins get.
        (
            "role:userpass/dana",
            &["secret/data/prod/app/*: userpass user dana (auth/userpass) logins -> entity dana -> group release-managers -> policy app-read"],
        ),
        (
            "entity:dana",
            &["secret/data/prod/app/*: entity dana -> userpass user dana (auth/userpass) -> group release-managers -> policy app-read"],
        ),
        // Writes and control paths are not reads of a secret.
        ("policy:platform-admin", &[]),
        ("user:nobody", &[]),
    ];
    for (subject, want) in cases {
        let got = vault_reaches(subject);
        let got: Vec<&str> = got.iter().map(String::as_str).collect();
        assert_eq!(got, *want, "{subject}");
    }
}

#[test]
fn what_can_read_names_an_unknown_subject_and_needs_a_vault_source() {
    let vault = path(&vault_examples()).to_string();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["--what-can-read", "policy:nope"],
            2,
            "no Vault policy named `nope`",
        ),
        (
            &["--what-can-read", "role:kubernetes/nope"],
            2,
            "no auth role `nope` under auth/kubernetes",
        ),
        (
            &["--what-can-read", "entity:nope"],
            2,
            "no identity entity named `nope`",
        ),
        (&["--what-can-read", "alice"], 2, "serviceaccount:NS/NAME"),
        (
            &["--what-can-read", "user:alice"],
            0,
            "the Kubernetes RBAC is not read",
        ),
    ];
    for (args, code, message) in cases {
        let mut all = vec!["--vault-policies", &vault];
        all.extend_from_slice(args);
        let r = run(&all, None);
        assert_eq!(r.code, *code, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(message), "{args:?}: {}", r.stderr);
    }
    let r = run(
        &["--what-can-read", "user:alice", "--manifests", path(&bad())],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("needs --vault"), "{}", r.stderr);
}

#[test]
fn offline_vault_policy_findings_land_on_their_files_in_sarif() {
    let r = run(
        &["--vault-policies", path(&vault_examples()), "-o", "sarif"],
        None,
    );
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let uris: BTreeSet<String> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["ruleId"] == "KV-VLT-001")
        .map(|x| {
            x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(uris.len(), 1, "{uris:?}");
    assert!(
        uris.iter()
            .all(|u| u.ends_with("examples/vault/ops-readall.hcl")),
        "{uris:?}"
    );
}

#[test]
fn an_identity_export_without_an_id_is_a_one_line_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.hcl"),
        "path \"secret/*\" { capabilities = [\"read\"] }",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("groups")).unwrap();
    let file = dir.path().join("groups/ops.json");
    std::fs::write(&file, r#"[{"id": "g1", "name": "ok"}, {"name": "no id"}]"#).unwrap();
    let r = run(&["--vault-policies", path(dir.path())], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("{} (group 2)", file.display())) && r.stderr.contains("\"id\""),
        "{}",
        r.stderr
    );
}

#[test]
fn an_exported_token_is_a_way_to_what_its_policies_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app-read.hcl"),
        "path \"secret/data/prod/app/*\" { capabilities = [\"read\"] }",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("tokens")).unwrap();
    std::fs::write(
        dir.path().join("tokens/ci.json"),
        r#"{"data": {"accessor": "Nj0C69R5bQq6t27tbtdYvJ32", "display_name": "token-ci-bot",
             "policies": ["app-read", "default"], "expire_time": "2027-01-05T14:50:08Z"}}"#,
    )
    .unwrap();
    let (code, doc) = json_run(&[
        "--vault-policies",
        path(dir.path()),
        "--who-can-read",
        "vault:secret/data/prod/app/db",
    ]);
    assert_eq!(code, 0);
    let subjects: Vec<&str> = doc["readers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["subject"].as_str().unwrap())
        .collect();
    assert!(
        subjects.contains(
            &"existing token `token-ci-bot` (accessor Nj0C69R5…, expires 2027-01-05T14:50:08Z)"
        ),
        "{subjects:?}"
    );
    assert!(!doc.to_string().contains("Nj0C69R5bQq6"), "{doc}");
}
