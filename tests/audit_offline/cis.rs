//! CIS Kubernetes Benchmark controls: named on findings, and the benchmark report.

use super::*;

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
