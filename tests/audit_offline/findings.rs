//! What the audit finds in the example manifests, how it reports it (table, exit codes, ignore file), and what it says of bad input.

use super::*;

#[test]
fn bad_examples_give_exactly_the_expected_findings() {
    let (code, doc) = json_run(&["--manifests", path(&bad())]);
    assert_eq!(code, 1);
    assert_eq!(ids(&doc), set(BAD_IDS));
    assert_eq!(doc["version"], 1);
    let summary = &doc["summary"];
    assert_eq!(summary["failed"], true);
    assert_eq!(summary["fail_on"], "high");
    assert_eq!(
        summary["total"].as_u64().unwrap() as usize,
        doc["findings"].as_array().unwrap().len()
    );
    // Every finding has the documented fields.
    for f in doc["findings"].as_array().unwrap() {
        for field in ["id", "severity", "title", "objects", "evidence", "fix"] {
            assert!(f.get(field).is_some(), "{field} missing in {f}");
        }
        assert!(!f["fix"].as_str().unwrap().contains('\n'));
    }
    // Specific objects, not just ids.
    let has = |id: &str, object: &str| {
        doc["findings"].as_array().unwrap().iter().any(|f| {
            f["id"] == id
                && f["objects"].as_array().unwrap().iter().any(|o| {
                    let s = match o.get("namespace") {
                        Some(ns) => format!(
                            "{}/{}/{}",
                            o["kind"].as_str().unwrap(),
                            ns.as_str().unwrap(),
                            o["name"].as_str().unwrap()
                        ),
                        None => format!(
                            "{}/{}",
                            o["kind"].as_str().unwrap(),
                            o["name"].as_str().unwrap()
                        ),
                    };
                    s == object
                })
        })
    };
    assert!(has("KV-RBAC-002", "User/alice@example.com"));
    assert!(has("KV-RBAC-006", "ClusterRole/ops-wildcard"));
    assert!(has("KV-RBAC-005", "ServiceAccount/shop/default"));
    assert!(has("KV-WL-007", "Secret/shop/payment-keys"));
    assert!(has("KV-WL-008", "Secret/shop/old-api-key"));
    assert!(!has("KV-WL-008", "Secret/shop/db-credentials"));
    assert!(
        !has("KV-WL-008", "Secret/shop/shop-tls"),
        "ingress TLS counts as a use"
    );
}

#[test]
fn table_output_and_summary() {
    let r = run(&["--manifests", path(&bad())], None);
    assert_eq!(r.code, 1);
    for id in BAD_IDS {
        assert!(r.stdout.contains(id), "{id} missing from the table");
    }
    assert!(r.stdout.contains("SEVERITY"));
    assert!(
        r.stderr.contains("at or above --fail-on high"),
        "{}",
        r.stderr
    );
    let quiet = run(&["--manifests", path(&bad()), "-q"], None);
    assert_eq!(quiet.stderr, "");
}

#[test]
fn clean_examples_have_no_findings() {
    let (code, doc) = json_run(&["--manifests", path(&clean())]);
    assert_eq!(code, 0);
    assert_eq!(ids(&doc), BTreeSet::new(), "{doc:#}");
    let strict = run(&["--manifests", path(&clean()), "--fail-on", "low"], None);
    assert_eq!(strict.code, 0, "{}", strict.stderr);
    assert!(strict.stderr.contains("no findings"), "{}", strict.stderr);
}

#[test]
fn fail_on_chooses_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    // Only low findings: an unused, stale Secret; encryption verified.
    std::fs::write(
        dir.path().join("low.yaml"),
        r#"
apiVersion: v1
kind: Secret
metadata: {name: leftover, namespace: a, creationTimestamp: "2020-01-01T00:00:00Z"}
data: {k: dg==}
---
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers: [{secretbox: {keys: [{name: k, secret: MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=}]}}]
"#,
    )
    .unwrap();
    let dir = path(dir.path()).to_string();
    let code = |fail_on: &str| run(&["--manifests", &dir, "--fail-on", fail_on], None).code;
    assert_eq!(code("critical"), 0);
    assert_eq!(code("high"), 0);
    assert_eq!(code("medium"), 0);
    assert_eq!(code("low"), 1);
    assert_eq!(run(&["--manifests", &dir], None).code, 0, "default is high");

    let bad = path(&bad()).to_string();
    assert_eq!(
        run(&["--manifests", &bad, "--fail-on", "critical"], None).code,
        1
    );
    let bogus = run(&["--manifests", &bad, "--fail-on", "info"], None);
    assert_eq!(bogus.code, 2);
}

#[test]
fn sarif_has_the_2_1_0_structure() {
    let r = run(&["--manifests", path(&bad()), "-o", "sarif"], None);
    assert_eq!(r.code, 1);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    assert!(doc["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "kvault");
    let rules = driver["rules"].as_array().unwrap();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let unique: BTreeSet<&str> = rule_ids.iter().copied().collect();
    assert_eq!(unique.len(), rule_ids.len(), "rule ids are unique");
    for rule in rules {
        assert!(!rule["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .is_empty());
        let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(["error", "warning", "note"].contains(&level));
    }
    let results = runs[0]["results"].as_array().unwrap();
    let result_ids: BTreeSet<String> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(result_ids, set(BAD_IDS));
    for result in results {
        let id = result["ruleId"].as_str().unwrap();
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rule_ids[index], id, "ruleIndex points at the rule");
        let level = result["level"].as_str().unwrap();
        assert!(["none", "note", "warning", "error"].contains(&level));
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        let locations = result["locations"].as_array().unwrap();
        assert!(!locations.is_empty(), "{id} has a location");
        for loc in locations {
            if let Some(physical) = loc.get("physicalLocation") {
                let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
                assert!(uri.ends_with(".yaml"), "{uri}");
                assert!(!uri.contains(' '));
                if let Some(line) = physical["region"].get("startLine") {
                    assert!(line.as_u64().unwrap() >= 1);
                }
            }
            for logical in loc["logicalLocations"].as_array().into_iter().flatten() {
                assert!(!logical["fullyQualifiedName"].as_str().unwrap().is_empty());
            }
        }
    }
    let levels: BTreeSet<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, BTreeSet::from(["error", "warning", "note"]));
    // The critical finding points at its manifest and line.
    let critical = results
        .iter()
        .find(|r| r["ruleId"] == "KV-RBAC-001")
        .unwrap();
    let physical = &critical["locations"][0]["physicalLocation"];
    assert!(physical["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("examples/manifests/rbac.yaml"));
    assert!(physical["region"]["startLine"].as_u64().unwrap() > 1);
}

#[test]
fn ignore_file_suppresses_and_expires() {
    let ignore = root().join("examples/audit-ignore.yaml");
    let (code, doc) = json_run(&["--manifests", path(&bad()), "--ignore", path(&ignore)]);
    assert_eq!(code, 1);
    let got = ids(&doc);
    assert!(!got.contains("KV-RBAC-002"), "suppressed until 2099");
    assert!(!got.contains("KV-WL-008"), "suppressed without expiry");
    assert!(got.contains("KV-WL-009"), "its entry expired");
    assert!(got.contains("KV-IGN-001"));
    assert_eq!(doc["summary"]["suppressed"], 2);
    let expired = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "KV-IGN-001")
        .unwrap();
    assert_eq!(expired["severity"], "info");
    assert!(expired["title"].as_str().unwrap().contains("2024-06-30"));

    // Everything accepted but the critical one: --fail-on critical still fails.
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all.yaml");
    let entries: String = BAD_IDS
        .iter()
        .filter(|id| **id != "KV-RBAC-001")
        .map(|id| format!("- {{id: {id}, reason: accepted for the test}}\n"))
        .collect();
    std::fs::write(&all, entries).unwrap();
    let r = run(
        &[
            "--manifests",
            path(&bad()),
            "--ignore",
            path(&all),
            "--fail-on",
            "low",
            "-o",
            "json",
        ],
        None,
    );
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(ids(&doc), set(&["KV-RBAC-001"]));
    assert_eq!(r.code, 1);
}

#[test]
fn ignore_file_errors_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "- {id: KV-WL-008, reason: r, until: 2030-01-01}",
            "unknown field `until`",
        ),
        (
            "- {id: KV-XX-001, reason: r}",
            "unknown finding id `KV-XX-001`",
        ),
        (
            "- {id: KV-WL-008, reason: r, expires: 30.01.2030}",
            "not a date",
        ),
        (
            "- {id: KV-WL-008, reason: r, object: a/b/c/d}",
            "Kind/namespace/name",
        ),
    ];
    for (i, (text, message)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("ignore-{i}.yaml"));
        std::fs::write(&file, text).unwrap();
        let r = run(
            &["--manifests", path(&bad()), "--ignore", path(&file)],
            None,
        );
        assert_eq!(r.code, 2, "{text}");
        assert!(r.stderr.contains(message), "{text}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("ignore-{i}.yaml")),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn yaml_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(
        sub.join("ok.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    )
    .unwrap();
    std::fs::write(
        sub.join("broken.yml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: [a, b\n",
    )
    .unwrap();
    let r = run(&["--manifests", path(dir.path())], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("broken.yml"), "{}", r.stderr);
    assert!(r.stderr.contains("line "), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);

    // A document that does not fit its kind: the object and line are named.
    let typed = dir.path().join("typed.yaml");
    std::fs::write(
        &typed,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  replicas: lots\n",
    )
    .unwrap();
    let r = run(&["--manifests", path(&typed)], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("typed.yaml"), "{}", r.stderr);
    assert!(r.stderr.contains("Deployment `shop/api`"), "{}", r.stderr);
    assert!(r.stderr.contains("line 9"), "{}", r.stderr);

    let missing = run(&["--manifests", "/nonexistent/kvault-audit"], None);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("/nonexistent/kvault-audit"));
}

#[test]
fn stdin_json_lists_and_unknown_kinds() {
    let shop = std::fs::read_to_string(bad().join("shop.yaml")).unwrap();
    let r = run(
        &["--manifests", "-", "-o", "json", "--fail-on", "critical"],
        Some(&shop),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let got = ids(&doc);
    for id in [
        "KV-WL-001",
        "KV-WL-002",
        "KV-WL-007",
        "KV-WL-008",
        "KV-ENC-002",
    ] {
        assert!(got.contains(id), "{id} in {got:?}");
    }
    let located = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["locations"].as_array().cloned().unwrap_or_default())
        .any(|l| l["file"] == "<stdin>");
    assert!(located);

    // A JSON List (as `kubectl get -o json` prints it) and a custom resource.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("export.json"),
        r#"{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
   "metadata": {"name": "root"},
   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
   "subjects": [{"kind": "User", "name": "root"}]},
  {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
]}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not: [yaml").unwrap();
    let (code, doc) = json_run(&["--manifests", path(dir.path())]);
    assert_eq!(code, 1);
    assert_eq!(ids(&doc), set(&["KV-ENC-002", "KV-RBAC-002"]));

    let twice = run(&["--manifests", "-", "--manifests", "-"], Some(""));
    assert_eq!(twice.code, 2);
}

#[test]
fn encryption_config_flag_is_stronger_evidence_than_a_manifest() {
    let config = bad().join("encryption-config.yaml");
    let (code, doc) = json_run(&[
        "--manifests",
        path(&clean()),
        "--encryption-config",
        path(&config),
    ]);
    assert_eq!(code, 1);
    assert_eq!(ids(&doc), set(&["KV-ENC-004"]));
    let not_config = run(
        &[
            "--manifests",
            path(&clean()),
            "--encryption-config",
            path(&bad().join("rbac.yaml")),
        ],
        None,
    );
    assert_eq!(not_config.code, 2);
    assert!(
        not_config
            .stderr
            .contains("holds no EncryptionConfiguration"),
        "{}",
        not_config.stderr
    );
}

#[test]
fn who_can_read_lists_subjects() {
    let r = run(
        &["--manifests", path(&bad()), "--who-can-read", "shop"],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let header = r.stdout.lines().find(|l| l.contains("SUBJECT")).unwrap();
    for column in ["SUBJECT", "KIND", "NAMESPACE", "VERBS", "HOW"] {
        assert!(header.contains(column));
    }
    for subject in [
        "ops",
        "alice@example.com",
        "system:authenticated",
        "shop-devs",
        "shop/default",
        "system:masters",
    ] {
        assert!(r.stdout.contains(subject), "{subject} missing");
    }

    let (code, doc) = json_run(&["--manifests", path(&bad()), "--who-can-read"]);
    assert_eq!(code, 0);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["namespace"], Value::Null);
    let rows = doc["subjects"].as_array().unwrap();
    let default_sa = rows
        .iter()
        .find(|r| r["subject"]["kind"] == "ServiceAccount" && r["subject"]["name"] == "default")
        .unwrap();
    assert_eq!(default_sa["namespace"], "shop");
    assert_eq!(default_sa["access"], "direct");
    assert_eq!(default_sa["verbs"], serde_json::json!(["get", "list"]));
    assert_eq!(
        default_sa["rules"],
        serde_json::json!(["Role/shop/secret-lister rule 0"])
    );
    let ops_indirect = rows
        .iter()
        .find(|r| r["subject"]["name"] == "ops" && r["access"] == "indirect")
        .unwrap();
    let grants: Vec<&str> = ops_indirect["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap())
        .collect();
    for g in [
        "create pods",
        "create pods/exec",
        "create serviceaccounts/token",
        "get nodes/proxy",
    ] {
        assert!(grants.contains(&g), "{g} in {grants:?}");
    }

    // Another namespace: only cluster-wide access.
    let (_, other) = json_run(&["--manifests", path(&bad()), "--who-can-read", "billing"]);
    assert!(other["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["namespace"] == "*"));

    let sarif = run(
        &["--manifests", path(&bad()), "--who-can-read", "-o", "sarif"],
        None,
    );
    assert_eq!(sarif.code, 2);
}

#[test]
fn a_key_of_the_wrong_length_is_reported_by_provider_name_and_length_never_its_material() {
    let dir = tempfile::tempdir().unwrap();
    // 20 bytes: no AES size, and not secretbox's 32.
    let key = "a3ZhdWx0LWtleS1tYXRlcmlhbCE="; // kvault-key-material!
    let config = dir.path().join("enc.yaml");
    std::fs::write(
        &config,
        format!("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - secretbox:\n          keys: [{{name: current, secret: {key}}}]\n"),
    )
    .unwrap();
    let manifests = dir.path().join("m");
    std::fs::create_dir(&manifests).unwrap();
    let args = [
        "--manifests",
        path(&manifests),
        "--encryption-config",
        path(&config),
    ];
    let (code, doc) = json_run(&args);
    assert_eq!(code, 1, "high fails --fail-on high");
    assert_eq!(ids(&doc), set(&["KV-ENC-011"]));
    let evidence = doc["findings"][0]["evidence"].as_str().unwrap();
    assert!(
        evidence.contains("secretbox key `current` is 20 bytes (secretbox takes 32 bytes)"),
        "{evidence}"
    );
    for format in ["table", "json", "sarif"] {
        let mut all = args.to_vec();
        all.extend(["-o", format]);
        let r = run(&all, None);
        for form in [key, "kvault-key-material"] {
            assert!(
                !r.stdout.contains(form) && !r.stderr.contains(form),
                "{format}"
            );
        }
    }
}
