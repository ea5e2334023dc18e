//! `kvault audit` offline, on manifests: the binary end to end.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bad() -> PathBuf {
    root().join("examples/manifests")
}

fn clean() -> PathBuf {
    root().join("examples/manifests-clean")
}

fn kvault() -> Command {
    let mut cmd = Command::cargo_bin("kvault").unwrap();
    cmd.env("NO_COLOR", "1").env_remove("RUST_LOG");
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = kvault();
    cmd.arg("audit").args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json_run(args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    let r = run(&all, None);
    let doc = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not json ({e}): {}\nstderr: {}", r.stdout, r.stderr));
    (r.code, doc)
}

fn ids(doc: &Value) -> BTreeSet<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

const BAD_IDS: &[&str] = &[
    "KV-ADM-001",
    "KV-ADM-002",
    "KV-ADM-003",
    "KV-ENC-004",
    "KV-LOG-004",
    "KV-RBAC-001",
    "KV-RBAC-002",
    "KV-RBAC-003",
    "KV-RBAC-004",
    "KV-RBAC-005",
    "KV-RBAC-006",
    "KV-RBAC-007",
    "KV-RBAC-008",
    "KV-RBAC-009",
    "KV-WL-001",
    "KV-WL-002",
    "KV-WL-003",
    "KV-WL-004",
    "KV-WL-005",
    "KV-WL-006",
    "KV-WL-007",
    "KV-WL-008",
    "KV-WL-009",
];

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

/// Values planted in the bad examples: Secret data (plain and base64), the
/// last-applied annotation, a literal env value, a ConfigMap value and the
/// encryption key.
const CANARIES: &[&str] = &[
    "kv-canary",
    "a3YtY2FuYXJ5",
    "a3YtY2FuYXJ5LWI2NC01ZThkMjBhYTcx",
    "dGhpcy1pcy1ub3QtYS1yZWFsLWtleS0zMi1ieXRlcyE",
    "YXBw",
];

#[test]
fn planted_secret_values_never_appear_in_any_output() {
    let bad = path(&bad()).to_string();
    let ignore = root().join("examples/audit-ignore.yaml");
    let runs: Vec<Vec<&str>> = vec![
        vec!["--manifests", &bad],
        vec!["--manifests", &bad, "-o", "json"],
        vec!["--manifests", &bad, "-o", "sarif"],
        vec!["--manifests", &bad, "--who-can-read"],
        vec!["--manifests", &bad, "--who-can-read", "shop", "-o", "json"],
        vec!["--manifests", &bad, "--ignore", path(&ignore), "-o", "json"],
        vec!["--manifests", &bad, "-vvv"],
    ];
    for args in runs {
        let r = run(&args, None);
        assert!(r.code == 0 || r.code == 1, "{args:?}: {}", r.stderr);
        for canary in CANARIES {
            assert!(
                !r.stdout.contains(canary),
                "{canary} leaked to stdout with {args:?}"
            );
            assert!(
                !r.stderr.contains(canary),
                "{canary} leaked to stderr with {args:?}"
            );
        }
    }
    // Through stdin too, and when the document holding the value is broken.
    let shop = std::fs::read_to_string(bad_path("shop.yaml")).unwrap();
    let r = run(&["--manifests", "-", "-o", "sarif"], Some(&shop));
    assert!(!r.stdout.contains("kv-canary"));
    for broken in [
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: [oops]}\nstringData: {password: kv-canary-broken}\n",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: kv-canary-scalar\n",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: [kv-canary-in-a-list]}\ntype: [kv-canary-type]\n",
    ] {
        let r = run(&["--manifests", "-"], Some(broken));
        assert_eq!(r.code, 2, "{broken}");
        assert!(r.stderr.contains("<stdin>"), "{}", r.stderr);
        assert!(!r.stderr.contains("kv-canary"), "{}", r.stderr);
    }
}

fn bad_path(file: &str) -> PathBuf {
    bad().join(file)
}

/// Without --manifests the audit is live; with no cluster to reach it says
/// which configuration it could not read (the live audit itself is tested
/// against real clusters in tests/it/audit_live.rs).
#[test]
fn live_mode_without_a_kubeconfig_is_an_error() {
    let out = kvault()
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .arg("audit")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("/nonexistent/kubeconfig"), "{stderr}");
    let context = run(&["--context", "prod", "--manifests", path(&bad())], None);
    assert_eq!(context.code, 2);
}

/// 200 KB of nesting in each style libyaml is slow on (block mappings,
/// flow sequences, flow mappings), as YAML and as JSON.
fn nested_inputs() -> Vec<(&'static str, String)> {
    let block: String = (0..450)
        .map(|i| format!("{}a:\n", "  ".repeat(i)))
        .collect();
    vec![
        ("block.yaml", block),
        ("flow-seq.yaml", "[".repeat(200_000)),
        ("flow-map.yaml", "{a: ".repeat(50_000)),
        ("nested.json", "{\"a\":".repeat(40_000)),
        (
            "third-document.yaml",
            format!(
                "a: 1\n---\nb: 2\n---\nkind: ConfigMap\ndata: {}\n",
                "[".repeat(200_000)
            ),
        ),
    ]
}

#[test]
fn deeply_nested_yaml_and_json_are_refused_at_once_naming_file_document_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in nested_inputs() {
        assert!(text.len() >= 200_000, "{name}");
        let file = dir.path().join(name);
        std::fs::write(&file, &text).unwrap();
        let start = std::time::Instant::now();
        let r = run(&["--manifests", path(&file)], None);
        let took = start.elapsed();
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{name}: {}", r.stderr);
        assert!(r.stderr.contains(name), "{name}: {}", r.stderr);
        assert!(
            r.stderr.contains("nests deeper than 64 levels at line"),
            "{name}: {}",
            r.stderr
        );
        assert!(took < std::time::Duration::from_secs(3), "{name}: {took:?}");
        if name.starts_with("third") {
            assert!(
                r.stderr
                    .contains("document 3 nests deeper than 64 levels at line 6"),
                "{}",
                r.stderr
            );
        }
        // Through stdin too.
        let r = run(&["--manifests", "-"], Some(&text));
        assert_eq!(r.code, 2, "{name} on stdin: {}", r.stderr);
        assert!(r.stderr.contains("`<stdin>`: document"), "{}", r.stderr);
    }
    // Real manifests, nested as deep as the limit allows, still load.
    let deep_ok: String = (0..63).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
    let r = run(&["--manifests", "-"], Some(&deep_ok));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// Literal values in env vars and ConfigMaps, in every place a check looks.
const ENV_AND_CONFIG_MAP_VALUES: &[&str] = &[
    "kv-env-literal-4471",
    "kv-env-url-pw-8123",
    "kv-cm-literal-5590",
    "kv-cm-line-pw-2208",
    "kv-cm-url-pw-7741",
    "kv-cm-url-key-6612",
];

fn forms_of(value: &str) -> Vec<String> {
    use base64::Engine as _;
    let url: String = value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    vec![
        value.to_string(),
        base64::engine::general_purpose::STANDARD.encode(value),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value),
        url,
    ]
}

#[test]
fn findings_name_env_vars_and_config_map_keys_never_their_values_in_any_format() {
    let dir = tempfile::tempdir().unwrap();
    let manifests = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      automountServiceAccountToken: false
      containers:
        - name: api
          image: api:1
          env:
            - {name: ADMIN_PASSWORD, value: "kv-env-literal-4471"}
            - {name: DATABASE_URL, value: "postgres://app:kv-env-url-pw-8123@db/app"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data:
  SMTP_PASSWORD: "kv-cm-literal-5590"
  app.ini: |
    [db]
    db_password = kv-cm-line-pw-2208
    dsn: mysql://app:kv-cm-url-pw-7741@db/app
    kv-cm-url-key-6612:https://u:p@example.com/
"#;
    std::fs::write(dir.path().join("app.yaml"), manifests).unwrap();
    let d = path(dir.path()).to_string();
    let (code, doc) = json_run(&["--manifests", &d]);
    assert_eq!(code, 1);
    let found = ids(&doc);
    for id in ["KV-WL-002", "KV-WL-003"] {
        assert!(found.contains(id), "{id} missing: {found:?}");
    }
    let evidence = doc.to_string();
    for name in ["ADMIN_PASSWORD", "DATABASE_URL", "SMTP_PASSWORD", "app.ini"] {
        assert!(evidence.contains(name), "{name} not named: {evidence}");
    }
    for args in [
        vec!["--manifests", &d],
        vec!["--manifests", &d, "-o", "json"],
        vec!["--manifests", &d, "-o", "sarif"],
        vec!["--manifests", &d, "-vvv"],
    ] {
        let r = run(&args, None);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        for value in ENV_AND_CONFIG_MAP_VALUES {
            for form in forms_of(value) {
                assert!(!r.stdout.contains(&form), "{form} in stdout of {args:?}");
                assert!(!r.stderr.contains(&form), "{form} in stderr of {args:?}");
            }
        }
    }
    // A value that does not fit its field is not quoted by the error either.
    for broken in [
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    env:\n    - {name: PIN, value: 8675309123}\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {PIN: 8675309123}\n",
    ] {
        let r = run(&["--manifests", "-"], Some(broken));
        assert_eq!(r.code, 2, "{broken}");
        assert!(!r.stderr.contains("8675309123"), "{}", r.stderr);
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn warnings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect()
}

#[test]
fn an_object_given_twice_is_named_with_both_files_even_with_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let secret =
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\ndata: {k: dg==}\n";
    std::fs::write(dir.path().join("a.yaml"), secret).unwrap();
    std::fs::write(
        dir.path().join("b.yaml"),
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, namespace: shop}}\n---\n{secret}"),
    )
    .unwrap();
    let r = run(&["--manifests", path(dir.path()), "-q"], None);
    let a = dir.path().join("a.yaml");
    let b = dir.path().join("b.yaml");
    assert_eq!(
        warnings(&r.stderr),
        [format!(
            "warning: Secret/shop/db is defined twice, in `{}:1` and again in `{}:5`: only the second is audited",
            a.display(),
            b.display()
        )],
        "{}",
        r.stderr
    );
    // Distinct objects of the same name in other kinds or namespaces are not duplicates.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(
        other.path().join("x.yaml"),
        format!(
            "{secret}---\n{}",
            secret
                .replace("Secret", "ConfigMap")
                .replace("shop}", "web}")
        ),
    )
    .unwrap();
    let r = run(&["--manifests", path(other.path())], None);
    assert_eq!(warnings(&r.stderr), Vec::<&str>::new(), "{}", r.stderr);
}

#[test]
fn the_same_folder_given_twice_warns_and_audits_each_object_once() {
    let copy = tempfile::tempdir().unwrap();
    copy_tree(&bad(), copy.path());
    let (_, once) = json_run(&["--manifests", path(&bad())]);
    let r = run(
        &[
            "--manifests",
            path(&bad()),
            "--manifests",
            path(copy.path()),
            "-o",
            "json",
        ],
        None,
    );
    let twice: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(ids(&twice), ids(&once));
    assert_eq!(twice["summary"]["total"], once["summary"]["total"]);
    assert_eq!(twice["summary"]["objects"], once["summary"]["objects"]);
    let lines = warnings(&r.stderr);
    let objects = once["summary"]["objects"].as_u64().unwrap() as usize;
    assert!(objects > 5, "the examples hold more objects than are named");
    assert_eq!(lines.len(), 6, "five named, then a count: {}", r.stderr);
    for line in &lines[..5] {
        assert!(line.contains(path(&bad())), "{line}");
        assert!(line.contains(path(copy.path())), "{line}");
    }
    assert!(
        lines[5].contains(&format!("more than once ({objects} in all)")),
        "{}",
        lines[5]
    );
}

/// The document against the SARIF 2.1.0 schema, through the types
/// serde-sarif generates from it (its `schema.json`): it reads as a `Sarif`
/// (required properties there, enums such as `level` and `kind` among
/// their values, numbers where numbers go), and reading loses nothing (a
/// property the schema does not define, outside a property bag, would be
/// dropped and so differ).
fn assert_follows_the_sarif_schema(doc: &Value) {
    let typed: serde_sarif::sarif::Sarif = serde_json::from_value(doc.clone())
        .unwrap_or_else(|e| panic!("not SARIF 2.1.0 by its schema's types: {e}"));
    let back = serde_json::to_value(&typed).unwrap();
    if back != *doc {
        let (a, b) = (doc.to_string(), back.to_string());
        let at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
        panic!(
            "properties outside the SARIF 2.1.0 schema: the document differs from what its types keep at byte {at}: ...{}... vs ...{}...",
            &a[at.saturating_sub(80)..(at + 80).min(a.len())],
            &b[at.saturating_sub(80)..(at + 80).min(b.len())]
        );
    }
}

#[test]
fn the_sarif_schema_check_refuses_what_the_schema_does_not_define() {
    let r = run(&["--manifests", path(&bad()), "-o", "sarif"], None);
    let good: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_follows_the_sarif_schema(&good);
    let mut unknown = good.clone();
    unknown["runs"][0]["results"][0]["severity"] = "HIGH".into();
    let mut bad_level = good.clone();
    bad_level["runs"][0]["results"][0]["level"] = "fatal".into();
    let mut no_driver = good;
    no_driver["runs"][0]["tool"] = serde_json::json!({});
    for (what, doc) in [
        ("an unknown property", unknown),
        ("a level outside the enum", bad_level),
        ("a tool without its driver", no_driver),
    ] {
        let refused = std::panic::catch_unwind(|| assert_follows_the_sarif_schema(&doc));
        assert!(refused.is_err(), "{what} passed the schema check");
    }
}

/// What GitHub code scanning documents it accepts from a SARIF upload
/// (docs.github.com, "SARIF support for code scanning"): a 2.1.0 log of at
/// most 20 runs, each with a named driver, at most 25,000 rules (ids unique,
/// at most 20 tags each) and 25,000 results; every result with a ruleId of
/// the run, a message text, and 1 to 1,000 locations, each a physical
/// location with an artifact URI (and a region starting at line 1 or
/// later); at most 10 MB gzipped.
fn assert_github_accepts(sarif: &str) {
    let doc: Value = serde_json::from_str(sarif).expect("SARIF is JSON");
    assert_follows_the_sarif_schema(&doc);
    assert_eq!(doc["version"], "2.1.0");
    let runs = doc["runs"].as_array().expect("runs");
    assert!((1..=20).contains(&runs.len()), "{} runs", runs.len());
    for run in runs {
        let driver = &run["tool"]["driver"];
        assert!(!driver["name"].as_str().unwrap_or_default().is_empty());
        let rules = driver["rules"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        assert!(rules.len() <= 25_000, "{} rules", rules.len());
        let mut rule_ids = Vec::new();
        for rule in rules {
            let id = rule["id"].as_str().expect("rule id");
            assert!(!rule_ids.contains(&id), "rule {id} twice");
            rule_ids.push(id);
            let tags = rule["properties"]["tags"].as_array().map_or(0, Vec::len);
            assert!(tags <= 20, "{id}: {tags} tags");
            if let Some(score) = rule["properties"].get("security-severity") {
                let score: f64 = score.as_str().unwrap().parse().unwrap();
                assert!((0.0..=10.0).contains(&score), "{id}: {score}");
            }
        }
        let results = run["results"].as_array().expect("results");
        assert!(
            results.len() <= 25_000,
            "{} results in a run",
            results.len()
        );
        for result in results {
            let id = result["ruleId"].as_str().expect("ruleId");
            assert!(rule_ids.contains(&id), "{id} is not a rule of the run");
            if let Some(index) = result.get("ruleIndex") {
                assert_eq!(rule_ids[index.as_u64().unwrap() as usize], id);
            }
            let level = result["level"].as_str().unwrap_or("warning");
            assert!(
                ["none", "note", "warning", "error"].contains(&level),
                "{level}"
            );
            assert!(
                !result["message"]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .is_empty(),
                "{id} has no message text"
            );
            let locations = result["locations"].as_array().expect("locations");
            assert!(
                (1..=1000).contains(&locations.len()),
                "{id}: {} locations",
                locations.len()
            );
            for location in locations {
                let physical = &location["physicalLocation"];
                let uri = physical["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{id}: no artifact URI in {location}"));
                assert!(!uri.is_empty() && !uri.contains([' ', '\\']), "{uri}");
                if let Some(line) = physical["region"].get("startLine") {
                    assert!(line.as_u64().unwrap() >= 1);
                }
            }
            for (_, fingerprint) in result["partialFingerprints"]
                .as_object()
                .into_iter()
                .flatten()
            {
                assert!(fingerprint.is_string());
            }
        }
    }
    let mut gzip = std::process::Command::new("gzip")
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip runs");
    let mut stdin = gzip.stdin.take().unwrap();
    let text = sarif.as_bytes().to_vec();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &text));
    let zipped = gzip.wait_with_output().unwrap().stdout;
    writer.join().unwrap().unwrap();
    assert!(zipped.len() <= 10 << 20, "{} bytes gzipped", zipped.len());
}

#[test]
fn sarif_of_the_examples_is_accepted_by_github() {
    let r = run(&["--manifests", path(&bad()), "-o", "sarif"], None);
    assert_github_accepts(&r.stdout);
    assert_eq!(warnings(&r.stderr), Vec::<&str>::new(), "{}", r.stderr);
}

/// Pods that each draw four kinds of finding, one of them three times.
fn many_pods(dir: &Path, pods: usize) {
    let mut yaml = String::new();
    for i in 0..pods {
        yaml.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: big}}\nspec:\n  containers:\n    - name: c\n      image: x\n      env:\n        - {{name: A, valueFrom: {{secretKeyRef: {{name: gone-a, key: k}}}}}}\n        - {{name: B, valueFrom: {{secretKeyRef: {{name: gone-b, key: k}}}}}}\n        - {{name: C, valueFrom: {{secretKeyRef: {{name: gone-c, key: k}}}}}}\n"
        ));
        // Several files, as a real tree would have.
        if i % 1000 == 999 || i + 1 == pods {
            std::fs::write(dir.join(format!("pods-{i}.yaml")), &yaml).unwrap();
            yaml.clear();
        }
    }
}

#[test]
fn sarif_groups_repeats_and_stays_within_githubs_25000_results() {
    let dir = tempfile::tempdir().unwrap();
    // 7,000 pods: 42,000 findings (WL-001, WL-004, WL-005, and WL-007 three
    // times each), 28,000 once grouped by rule and pod.
    let pods = 7_000;
    many_pods(dir.path(), pods);
    let (_, json) = json_run(&["--manifests", path(dir.path())]);
    let findings = json["findings"].as_array().unwrap().len();
    // And KV-ENC-002: no encryption evidence among the inputs.
    assert_eq!(findings, 6 * pods + 1);

    let r = run(&["--manifests", path(dir.path()), "-o", "sarif"], None);
    assert_eq!(r.code, 0, "medium findings at most: {}", r.stderr);
    assert_github_accepts(&r.stdout);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 25_000);

    // The three missing Secrets of one pod are one result counting three.
    let missing = results
        .iter()
        .find(|r| r["ruleId"] == "KV-WL-007")
        .expect("missing Secrets are among the most severe");
    assert_eq!(missing["properties"]["occurrences"], 3, "{missing}");
    let text = missing["message"]["text"].as_str().unwrap();
    for secret in ["gone-a", "gone-b", "gone-c"] {
        assert!(text.contains(secret), "{text}");
    }
    let ids_and_objects: BTreeSet<(String, String)> = results
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].to_string(),
            )
        })
        .collect();
    assert_eq!(
        ids_and_objects.len(),
        results.len(),
        "one result per rule and object"
    );

    // The last result says what was left out, and how to see it.
    let last = results.last().unwrap();
    assert_eq!(last["ruleId"], "KV-AUD-002");
    let left_out = 4 * pods + 1 - (25_000 - 1);
    let text = last["message"]["text"].as_str().unwrap();
    assert!(
        text.starts_with(&format!("{left_out} more results")),
        "{text}"
    );
    assert!(text.contains("-o json"), "{text}");
    // Kept: the most severe. Every medium finding is in; low ones fill the rest.
    let kept_medium = results
        .iter()
        .filter(|r| r["properties"]["severity"] == "medium")
        .count();
    assert_eq!(
        kept_medium,
        2 * pods + 1,
        "WL-001 and WL-007 of every pod, ENC-002"
    );
    let warned = warnings(&r.stderr);
    assert_eq!(warned.len(), 1, "{}", r.stderr);
    assert!(
        warned[0].contains(&format!("{left_out} more results")),
        "{}",
        warned[0]
    );
    assert!(warned[0].contains("-o json"), "{}", warned[0]);
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

fn vault_examples() -> PathBuf {
    root().join("examples/vault")
}

/// `id object` for every finding, sorted.
fn id_objects(doc: &Value) -> Vec<String> {
    let mut all: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let o = &f["objects"][0];
            format!(
                "{} {}/{}",
                f["id"].as_str().unwrap(),
                o["kind"].as_str().unwrap(),
                o["name"].as_str().unwrap()
            )
        })
        .collect();
    all.sort();
    all
}

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

fn examples_audit() -> PathBuf {
    root().join("examples/audit")
}

#[test]
fn findings_name_the_cis_controls_they_fail_in_json_sarif_and_the_table() {
    let (_, doc) = json_run(&["--manifests", path(&bad())]);
    let cis = |id: &str| -> Vec<String> {
        let f = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap_or_else(|| panic!("no {id}"));
        f["cis"]
            .as_array()
            .map(|a| a.iter().map(|c| c.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    for (id, controls) in [
        ("KV-ENC-004", vec!["1.2.28"]),
        ("KV-LOG-004", vec!["1.2.16"]),
        ("KV-RBAC-002", vec!["5.1.1"]),
        ("KV-RBAC-006", vec!["5.1.3"]),
        ("KV-WL-001", vec!["5.4.1"]),
        ("KV-WL-005", vec!["5.1.6"]),
        ("KV-WL-002", vec![]),
    ] {
        assert_eq!(cis(id), controls, "{id}");
    }
    let r = run(&["--manifests", path(&bad()), "-o", "sarif"], None);
    let sarif: Value = serde_json::from_str(&r.stdout).unwrap();
    let run0 = &sarif["runs"][0];
    let result = run0["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "KV-RBAC-002")
        .unwrap();
    assert_eq!(
        result["properties"]["tags"],
        serde_json::json!(["CIS-1.12/5.1.1"])
    );
    let rule = run0["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "KV-WL-001")
        .unwrap();
    assert!(
        rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .contains(&"CIS-1.12/5.4.1".into()),
        "{rule}"
    );
    let table = run(&["--manifests", path(&bad())], None);
    assert!(
        table.stdout.contains("KV-RBAC-002; CIS 5.1.1"),
        "{}",
        table.stdout
    );
}

/// `--benchmark cis -o json`: control -> result.
fn benchmark(args: &[&str]) -> BTreeMap<String, String> {
    let mut all = vec!["--benchmark", "cis", "-o", "json"];
    all.extend_from_slice(args);
    let r = run(&all, None);
    let doc: Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stderr));
    assert!(doc["benchmark"].as_str().unwrap().contains("v1.12"));
    doc["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["result"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn benchmark_cis_gives_each_control_pass_fail_or_not_checked() {
    let passing = benchmark(&["--manifests", path(&clean())]);
    assert_eq!(passing.len(), 15);
    for (control, result) in &passing {
        let want = if control.starts_with("3.2.") {
            "NOT CHECKED"
        } else {
            "PASS"
        };
        assert_eq!(result, want, "clean {control}");
    }
    let safe = path(&examples_audit().join("audit-policy.yaml")).to_string();
    let with_policy = benchmark(&["--manifests", path(&clean()), "--audit-policy", &safe]);
    assert!(with_policy.values().all(|r| r == "PASS"), "{with_policy:?}");
    let leaky = path(&examples_audit().join("audit-policy-leaky.yaml")).to_string();
    let failing = benchmark(&["--manifests", path(&bad()), "--audit-policy", &leaky]);
    for control in [
        "1.2.16", "1.2.28", "3.2.1", "3.2.2", "5.1.1", "5.1.2", "5.4.1",
    ] {
        assert_eq!(failing[control], "FAIL", "{control}");
    }
    // A question, or the store alone, is no benchmark.
    for args in [
        vec!["--vault-policies", path(&vault_examples())],
        vec!["--manifests", path(&bad()), "--who-can-read", "shop"],
    ] {
        let mut all = vec!["--benchmark", "cis"];
        all.extend(args);
        let r = run(&all, None);
        assert_eq!(r.code, 2, "{all:?}");
        assert!(
            r.stderr
                .contains("--benchmark cis reports on the Kubernetes audit"),
            "{}",
            r.stderr
        );
    }
    // No kube-apiserver among the inputs: its flags' controls are not checked.
    let no_apiserver = benchmark(&["--manifests", path(&root().join("examples/vault-cluster"))]);
    for control in ["1.2.16", "1.2.27"] {
        assert_eq!(no_apiserver[control], "NOT CHECKED", "{control}");
    }
}

#[test]
fn an_audit_policy_that_logs_secret_values_is_a_finding_of_audit_and_audit_access() {
    let leaky = path(&examples_audit().join("audit-policy-leaky.yaml")).to_string();
    let (code, doc) = json_run(&["--manifests", path(&clean()), "--audit-policy", &leaky]);
    assert_eq!(ids(&doc), set(&["KV-LOG-001", "KV-LOG-002"]));
    assert_eq!(code, 1);
    let out = Command::cargo_bin("kvault")
        .unwrap()
        .args(["audit", "access", "--audit-policy", &leaky, "-o", "json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ids(&doc), set(&["KV-LOG-001", "KV-LOG-002"]));
    let broken = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(broken.path(), "kind: Pod\napiVersion: v1\n").unwrap();
    let r = run(
        &[
            "--manifests",
            path(&clean()),
            "--audit-policy",
            path(broken.path()),
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is not an audit policy"), "{}", r.stderr);
}

/// `kvault audit access ARGS -o json` (stdin from `input`): exit code,
/// document, stderr.
fn access_json(args: &[&str], input: Option<Vec<u8>>) -> (i32, Value, String) {
    let mut cmd = Command::cargo_bin("kvault").unwrap();
    cmd.args(["audit", "access"])
        .args(args)
        .args(["-o", "json"]);
    if let Some(bytes) = input {
        cmd.write_stdin(bytes);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (out.status.code().unwrap(), doc, stderr)
}

#[test]
fn the_example_audit_log_tells_the_evening_s_story() {
    let log = examples_audit().join("kube-audit.log");
    let manifests = examples_audit().join("manifests");
    let (code, doc, _) = access_json(
        &[
            "--k8s-audit-log",
            path(&log),
            "--manifests",
            path(&manifests),
            "--baseline",
            "12h",
        ],
        None,
    );
    assert_eq!(
        id_objects(&doc),
        [
            "KV-ACC-001 User/bob@example.com", // listed every Secret
            "KV-ACC-003 User/bob@example.com", // six denials within a minute
            "KV-ACC-004 Namespace/(all)",      // bob's list, new after the baseline
            "KV-ACC-004 Secret/db",            // anonymous, new
            "KV-ACC-004 Secret/payments-key",  // the app's token, new
            "KV-ACC-005 Secret/db",            // read anonymously
            "KV-ACC-006 ServiceAccount/api",   // not a Secret the app's workloads use
            "KV-ACC-008 ServiceAccount/api",   // 40 s after bob's exec into its pod
        ]
    );
    assert_eq!(code, 1);
    // Without the manifests and the baseline, only what the log alone shows.
    let (_, plain, _) = access_json(&["--k8s-audit-log", path(&log)], None);
    assert_eq!(
        ids(&plain),
        set(&["KV-ACC-001", "KV-ACC-003", "KV-ACC-005", "KV-ACC-008"])
    );
    let control: Vec<&Value> = plain["access"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "control-plane")
        .collect();
    assert_eq!(
        control.len(),
        1,
        "the controller manager's list is told apart"
    );
}

#[test]
fn rotated_gzip_logs_and_stdin_read_the_same_as_the_plain_file() {
    use std::io::Write as _;
    let log = examples_audit().join("kube-audit.log");
    let text = std::fs::read(&log).unwrap();
    let (_, plain, _) = access_json(&["--k8s-audit-log", path(&log)], None);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&text).unwrap();
    let gz = gz.finish().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rotated = dir.path().join("audit.log.1.gz");
    std::fs::write(&rotated, &gz).unwrap();
    let (_, from_gz, _) = access_json(&["--k8s-audit-log", path(&rotated)], None);
    let (_, from_stdin, _) = access_json(&["--k8s-audit-log", "-"], Some(gz));
    assert_eq!(plain["access"], from_gz["access"]);
    assert_eq!(plain["access"], from_stdin["access"]);
    // Two halves of a rotation, given in any order: the same rows.
    let lines: Vec<&[u8]> = text.split_inclusive(|b| *b == b'\n').collect();
    let (a, b) = lines.split_at(lines.len() / 2);
    let (first, second) = (dir.path().join("a.log"), dir.path().join("b.log"));
    std::fs::write(&first, a.concat()).unwrap();
    std::fs::write(&second, b.concat()).unwrap();
    let (_, halves, _) = access_json(&["--k8s-audit-log", path(&second), path(&first)], None);
    assert_eq!(plain["access"], halves["access"]);
}

#[test]
fn hostile_log_lines_are_cleaned_skipped_and_counted_never_printed_raw() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let mut text = std::fs::read_to_string(examples_audit().join("kube-audit.log")).unwrap();
    let evil = text
        .lines()
        .next()
        .unwrap()
        .replace("api/1.4", "api\\u001b[2J\\u001b]0;owned\\u0007");
    text.push_str(&evil);
    text.push('\n');
    text.push_str(&format!(
        "{{\"objectRef\":{{\"resource\":\"secrets\"}},\"x\":\"{}\"}}\n",
        "y".repeat(17 << 20)
    ));
    text.push_str("{\"objectRef\": {\"resource\": \"secrets\"}, broken\n");
    std::fs::write(&log, text).unwrap();
    let out = Command::cargo_bin("kvault")
        .unwrap()
        .args(["audit", "access", "--k8s-audit-log", path(&log)])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !all.contains('\u{1b}') && !all.contains('\u{7}'),
        "a terminal escape reached the output"
    );
    assert!(
        all.contains("1 line longer than 16 MiB was skipped"),
        "{all}"
    );
    assert!(
        all.contains("1 line named secrets but was not an audit event"),
        "{all}"
    );
    // Not a log at all (a file named by mistake): exit 2, naming it.
    let policy = examples_audit().join("audit-policy.yaml");
    let out = Command::cargo_bin("kvault")
        .unwrap()
        .args(["audit", "access", "--k8s-audit-log", path(&policy)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("audit-policy.yaml` holds no audit event"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
