//! `kvault audit` offline, on manifests: the binary end to end.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod access_logs;
mod cis;
mod findings;
mod inputs;
mod sarif;
mod vault;

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

fn examples_audit() -> PathBuf {
    root().join("examples/audit")
}

fn warnings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect()
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

fn vault_examples() -> PathBuf {
    root().join("examples/vault")
}
