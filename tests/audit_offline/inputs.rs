//! What kvault reads and never repeats: planted values stay out of every output, nesting bombs and duplicate objects are named.

use super::*;

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
