//! SARIF: the 2.1.0 schema, what GitHub code scanning accepts, and its result limits.

use super::*;

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
