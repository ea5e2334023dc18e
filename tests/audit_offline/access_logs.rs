//! `kvault audit access` on audit logs: audit policies, the example log, rotated and hostile logs.

use super::*;

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
