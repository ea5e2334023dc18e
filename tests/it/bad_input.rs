//! The bad-input catalogue: every malformed reference, value and command
//! line gets a one-line error naming what is wrong, exit 2 (usage) or 1
//! (a reference that resolves to nothing), and never runs the command.

use crate::harness::{kvault_clean, record, text, Run};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

/// (case, reference) pairs that must be refused as usage errors.
const BAD_REFERENCES: &[(&str, &str)] = &[
    ("empty path", "local:"),
    ("hash only", "local:#"),
    ("empty key", "local:app#"),
    ("unknown scheme", "s3:bucket/key#k"),
    ("no scheme", "app/db#k"),
    ("dot-dot segment", "local:app/../etc#k"),
    ("empty segment", "local:app//db#k"),
    ("non-numeric version", "local:app#k#latest"),
    ("zero version", "local:app#k#0"),
    ("too many parts", "local:app#k#1#2"),
    ("control character", "local:app\u{1}x#k"),
];

#[test]
fn malformed_references_are_usage_errors_for_get() {
    let home = tempfile::tempdir().unwrap();
    for (case, reference) in BAD_REFERENCES {
        let out = kvault_clean(home.path()).output_of(&["get", reference]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{case}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{case}: one line: {err}");
        assert!(err.starts_with("error: "), "{case}: {err}");
        record(
            "bad input",
            &format!("reference: {case}"),
            "exit 2, one-line error",
        );
    }
    let huge = format!("local:{}#k", "a/".repeat(5000));
    kvault_clean(home.path()).run(&["get", &huge]).code(2);
    record(
        "bad input",
        "reference: 10 KB path",
        "exit 2, one-line error",
    );
}

#[test]
fn malformed_references_in_the_environment_stop_exec_before_the_command() {
    let home = tempfile::tempdir().unwrap();
    let marker = home.path().join("ran");
    let touch = ["exec", "--", "touch", marker.to_str().unwrap()];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("unterminated template", b"x${local:app#k".to_vec()),
        ("whole secret in a variable", b"local:app".to_vec()),
        ("empty key", b"local:app#".to_vec()),
        ("non-UTF-8 reference", b"local:app/\xff#k".to_vec()),
        (
            "dynamic reference without key",
            b">>vault:database/creds/x".to_vec(),
        ),
        (
            "dynamic reference with bad JSON",
            b">>vault:pki/issue/x#certificate#{oops".to_vec(),
        ),
    ];
    for (case, value) in cases {
        let out = kvault_clean(home.path())
            .env("BAD_VAR", OsStr::from_bytes(&value))
            .args(touch)
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{case}: {err}");
        assert!(err.contains("BAD_VAR"), "{case}: names the variable: {err}");
        assert!(!marker.exists(), "{case}: the command must not run");
        record(
            "bad input",
            &format!("exec env: {case}"),
            "exit 2 before exec, names the variable",
        );
    }
}

#[test]
fn values_that_only_look_like_references_pass_through_untouched() {
    let home = tempfile::tempdir().unwrap();
    let cases: Vec<&[u8]> = vec![
        b"${HOME}/x",
        b"https://host/vault:x",
        b"\xff\xfe plain bytes",
        b"vaultish:thing",
        b"",
    ];
    for value in cases {
        let out = kvault_clean(home.path())
            .env("V", OsStr::from_bytes(value))
            .output_of(&["exec", "--", "printenv", "V"]);
        assert!(out.status.success(), "{:?}: {}", value, text(&out.stderr));
        assert_eq!(out.stdout, [value, b"\n"].concat());
    }
    record(
        "bad input",
        "exec env: look-alike values (5 kinds)",
        "passed through byte for byte",
    );
}

#[test]
fn huge_and_binary_values_round_trip_through_the_local_store() {
    let home = tempfile::tempdir().unwrap();
    let big: Vec<u8> = (0..4 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let file = home.path().join("big.bin");
    std::fs::write(&file, &big).unwrap();
    kvault_clean(home.path())
        .run(&["put", "local:big", &format!("blob=@{}", file.display())])
        .success();
    let out = kvault_clean(home.path()).output_of(&["get", "local:big#blob"]);
    assert!(out.status.success());
    assert!(out.stdout == big, "4 MiB of binary data round-trips");
    record(
        "bad input",
        "value: 4 MiB binary with NUL bytes",
        "stored and read back byte for byte",
    );
}

#[test]
fn command_line_misuse_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[&str])] = &[
        ("no subcommand", &[]),
        ("unknown subcommand", &["frobnicate"]),
        ("get without reference", &["get"]),
        ("put without pairs", &["put", "local:a"]),
        ("put pair without =", &["put", "local:a", "novalue"]),
        ("put with empty key", &["put", "local:a", "=v"]),
        ("put to a key reference", &["put", "local:a#k", "x=1"]),
        ("two stdin values", &["put", "local:a", "x=-", "y=-"]),
        (
            "cas with create-only",
            &["put", "local:a", "x=1", "--cas", "1", "--create-only"],
        ),
        ("exec without command", &["exec"]),
        (
            "bad --watch duration",
            &["exec", "--watch", "soon", "--", "true"],
        ),
        (
            "bad --on-change",
            &[
                "exec",
                "--watch",
                "1s",
                "--on-change",
                "reload",
                "--",
                "true",
            ],
        ),
        ("quiet and verbose", &["-q", "-v", "ls", "local:"]),
        ("unknown output format", &["ls", "local:", "-o", "xml"]),
    ];
    for (case, args) in cases {
        let out = kvault_clean(home.path())
            .args(*args)
            .write_stdin("")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{case}: {}", text(&out.stderr));
        record(
            "bad input",
            &format!("cli: {case}"),
            "exit 2 with usage message",
        );
    }
}

#[test]
fn rotate_refuses_bad_references_generators_and_values_in_argv_before_any_store() {
    let home = tempfile::tempdir().unwrap();
    let mut cases: Vec<(String, Vec<&str>)> = BAD_REFERENCES
        .iter()
        .map(|(case, reference)| (format!("reference: {case}"), vec![*reference]))
        .collect();
    cases.extend([
        (
            "generator: unknown".to_string(),
            vec!["local:app#k", "--generate", "pass"],
        ),
        (
            "generator: short password".into(),
            vec!["local:app#k", "--generate", "password:len=4"],
        ),
        (
            "generator: zero bytes".into(),
            vec!["local:app#k", "--generate", "hex:0"],
        ),
        (
            "value in argv".into(),
            vec!["local:app#k", "--value", "BadInput-argv-3391"],
        ),
    ]);
    for (case, args) in &cases {
        let out = kvault_clean(home.path())
            .arg("rotate")
            .args(args)
            .env("VAULT_ADDR", "http://127.0.0.1:9")
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{case}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{case}: one line: {err}");
        assert!(err.starts_with("error: "), "{case}: {err}");
        assert!(!err.contains("BadInput-argv-3391"), "{case}: {err}");
        record(
            "bad input",
            &format!("rotate {case}"),
            "exit 2, one-line error",
        );
    }
}

/// No kubeconfig and not in a pod: the error names the file it looked for
/// (as written, without kube's Debug quoting) and how to point elsewhere.
#[test]
fn no_kubernetes_configuration_names_the_missing_file() {
    let home = tempfile::tempdir().unwrap();
    let out = kvault_clean(home.path()).arg("audit").output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let expected = format!(
        "error: no Kubernetes configuration: cannot read kubeconfig `{}`: ",
        home.path().join(".kube/config").display()
    );
    assert!(err.starts_with(&expected), "{err}");
    assert!(err.ends_with("help: set KUBECONFIG\n"), "{err}");
    record(
        "bad input",
        "live audit without any kubeconfig",
        "exit 2, names the file",
    );
}

#[test]
fn a_deeply_nested_sync_plan_is_refused_at_once_naming_the_file() {
    let home = tempfile::tempdir().unwrap();
    let block: String = (0..450)
        .map(|i| format!("{}a:\n", "  ".repeat(i)))
        .collect();
    let cases = [
        ("block.yaml", format!("secrets:\n{block}")),
        ("flow-seq.yaml", format!("secrets: {}", "[".repeat(200_000))),
        (
            "flow-map.yaml",
            format!("secrets: {}", "{a: ".repeat(50_000)),
        ),
    ];
    for (name, yaml) in cases {
        let plan = home.path().join(name);
        std::fs::write(&plan, &yaml).unwrap();
        let start = std::time::Instant::now();
        let out = kvault_clean(home.path())
            .args(["sync", "--dry-run", "-f"])
            .arg(&plan)
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: {err}");
        assert!(
            err.contains(&format!("sync plan `{}`", plan.display())),
            "{err}"
        );
        assert!(err.contains("nests deeper than 64 levels at line"), "{err}");
        assert!(
            start.elapsed() < std::time::Duration::from_secs(3),
            "{name}"
        );
        record(
            "hang",
            &format!("sync plan: 200 KB nested ({name})"),
            "exit 2 at once, one-line error",
        );
    }
    // Larger than a plan may be: refused before it is read.
    let big = home.path().join("big.yaml");
    std::fs::write(
        &big,
        format!("secrets: []\n{}", "#\n".repeat(3 * 1024 * 1024)),
    )
    .unwrap();
    let out = kvault_clean(home.path())
        .args(["sync", "-f"])
        .arg(&big)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("larger than 4 MiB"),
        "{}",
        text(&out.stderr)
    );
}
