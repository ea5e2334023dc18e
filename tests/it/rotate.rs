//! `kvault rotate` against a real OpenBao (KV v2) and a real kube-apiserver:
//! the steps and their metadata, propagation through a sync plan checked by
//! data hash, a concurrent writer, SIGKILL after each step then `--resume`,
//! `--if-older-than`, server-side password policies, and that no new value
//! is ever printed (each is read back from the store and searched for).

use crate::harness::{text, KubeCluster, OpenBao};
use assert_cmd::Command;
use base64::Engine as _;
use serde_json::{json, Value};
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

const OLD: &str = "RotateCanary-old-5521";

/// The `kvault` outputs of a test, to search for values at the end.
#[derive(Default)]
struct Outputs(Vec<(String, String)>);

impl Outputs {
    fn keep(&mut self, what: &str, out: &Output) {
        self.0.push((
            what.to_string(),
            format!("{}{}", text(&out.stdout), text(&out.stderr)),
        ));
    }

    fn assert_never_shows(&self, values: &[String]) {
        for (what, all) in &self.0 {
            crate::harness::assert_text_shows_none(what, all, values);
        }
    }
}

/// Run, check the exit code, keep the output for the leak check.
fn run(cmd: &mut Command, code: i32, what: &str, outputs: &mut Outputs) -> Output {
    let out = cmd.output().unwrap();
    crate::harness::assert_exit(&out, code, what);
    outputs.keep(what, &out);
    out
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&out.stdout)))
}

/// The value of `key` at `path` (a version, or the current one).
fn value(bao: &OpenBao, path: &str, key: &str, version: Option<u64>) -> String {
    let version = version.map(|v| format!("-version={v}"));
    let mut args = vec!["kv", "get", "-format=json"];
    args.extend(version.as_deref());
    args.push(path);
    let got: Value = serde_json::from_str(&bao.must(&args)).unwrap();
    got["data"]["data"][key].as_str().unwrap().to_string()
}

/// KV v2 metadata: `current_version`, `custom_metadata`, `versions`.
fn metadata(bao: &OpenBao, path: &str) -> Value {
    let got: Value =
        serde_json::from_str(&bao.must(&["kv", "metadata", "get", "-format=json", path])).unwrap();
    got["data"].clone()
}

fn custom(bao: &OpenBao, path: &str, key: &str) -> String {
    metadata(bao, path)["custom_metadata"][key]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn current_version(bao: &OpenBao, path: &str) -> u64 {
    metadata(bao, path)["current_version"].as_u64().unwrap()
}

fn put(bao: &OpenBao, path: &str, pairs: &[&str]) {
    let mut args = vec!["kv", "put", path];
    args.extend(pairs);
    bao.must(&args);
}

#[test]
fn a_rotation_on_kv2_writes_a_new_version_records_its_state_and_keeps_the_old_one() {
    let bao = OpenBao::start();
    let mut outputs = Outputs::default();
    put(
        &bao,
        "secret/app/db",
        &["user=app", &format!("password={OLD}")],
    );
    // No terminal and no --yes: it proceeds without asking.
    let out = run(
        bao.kvault().args([
            "-vvv",
            "rotate",
            "vault:secret/app/db#password",
            "--generate",
            "password:len=40",
            "-o",
            "json",
        ]),
        0,
        "rotate",
        &mut outputs,
    );
    let new = value(&bao, "secret/app/db", "password", None);
    assert_eq!(new.len(), 40);
    assert_ne!(new, OLD);
    assert_eq!(value(&bao, "secret/app/db", "password", Some(1)), OLD);
    assert_eq!(value(&bao, "secret/app/db", "user", None), "app");
    assert_eq!(current_version(&bao, "secret/app/db"), 2);
    let custom_metadata = &metadata(&bao, "secret/app/db")["custom_metadata"];
    assert_eq!(custom_metadata["kvault.dev/rotation-current"], "2");
    assert_eq!(custom_metadata["kvault.dev/rotation-previous"], "1");
    assert_eq!(custom_metadata["kvault.dev/rotation-pending"], "-");
    assert_eq!(custom_metadata["kvault.dev/rotation-step"], "-");
    assert!(custom_metadata["kvault.dev/rotated-at"]
        .as_str()
        .is_some_and(|t| t.starts_with("20")));
    let summary = json_of(&out);
    assert_eq!(summary["outcome"], "rotated");
    assert_eq!(
        (
            summary["previous_version"].as_u64(),
            summary["version"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert!(summary["data_hash"].as_str().unwrap().starts_with("v1:"));
    let stderr = text(&out.stderr);
    for step in ["created: version 2", "finished: version 2"] {
        assert!(stderr.contains(step), "{step} missing:\n{stderr}");
    }

    // A value from stdin, and one from a server-side password policy.
    run(
        bao.kvault()
            .args(["rotate", "vault:secret/app/db#password", "--value", "-"])
            .write_stdin("RotateCanary-stdin-8830\n"),
        0,
        "rotate --value -",
        &mut outputs,
    );
    assert_eq!(
        value(&bao, "secret/app/db", "password", None),
        "RotateCanary-stdin-8830"
    );
    let policy = bao.home.path().join("digits.hcl");
    std::fs::write(
        &policy,
        "length = 24\nrule \"charset\" {\n  charset = \"0123456789\"\n  min-chars = 24\n}\n",
    )
    .unwrap();
    bao.must(&[
        "write",
        "sys/policies/password/digits",
        &format!("policy=@{}", policy.display()),
    ]);
    run(
        bao.kvault().args([
            "-vvv",
            "rotate",
            "vault:secret/app/db#password",
            "--generate",
            "policy:digits",
        ]),
        0,
        "rotate policy",
        &mut outputs,
    );
    let from_policy = value(&bao, "secret/app/db", "password", None);
    assert!(
        from_policy.len() == 24 && from_policy.bytes().all(|b| b.is_ascii_digit()),
        "not from the policy: {} chars",
        from_policy.len()
    );
    assert_eq!(
        custom(&bao, "secret/app/db", "kvault.dev/rotation-previous"),
        "3"
    );
    outputs.assert_never_shows(&[
        OLD.to_string(),
        new,
        "RotateCanary-stdin-8830".into(),
        from_policy,
    ]);
}

#[test]
fn stores_without_versions_and_metadata_are_refused_and_values_never_go_in_argv() {
    let bao = OpenBao::start();
    let mut outputs = Outputs::default();
    run(
        bao.kvault().args(["put", "local:app", "a=1"]),
        0,
        "put local",
        &mut outputs,
    );
    let out = run(
        bao.kvault().args(["rotate", "local:app#a", "--yes"]),
        2,
        "rotate local",
        &mut outputs,
    );
    assert!(
        text(&out.stderr).contains("rotate needs a versioned store with metadata"),
        "{}",
        text(&out.stderr)
    );
    bao.must(&["secrets", "enable", "-path=kv1", "-version=1", "kv"]);
    put(&bao, "kv1/app", &["a=1"]);
    let out = run(
        bao.kvault().args(["rotate", "vault:kv1/app#a"]),
        2,
        "rotate kv1",
        &mut outputs,
    );
    assert!(text(&out.stderr).contains("versioned store with metadata"));
    let out = run(
        bao.kvault().args([
            "rotate",
            "vault:kv1/app#a",
            "--value",
            "RotateCanary-argv-4410",
        ]),
        2,
        "rotate --value in argv",
        &mut outputs,
    );
    assert!(text(&out.stderr).contains("only `-`"));
    outputs.assert_never_shows(&["RotateCanary-argv-4410".into()]);
}

#[test]
fn if_older_than_rotates_only_a_secret_that_is_due() {
    let bao = OpenBao::start();
    let mut outputs = Outputs::default();
    put(&bao, "secret/api", &[&format!("token={OLD}")]);
    // Never rotated: the current version's creation time counts.
    let out = run(
        bao.kvault()
            .args(["rotate", "vault:secret/api#token", "--if-older-than", "30d"]),
        0,
        "not due",
        &mut outputs,
    );
    assert!(
        text(&out.stderr).contains("not due"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(current_version(&bao, "secret/api"), 1);
    std::thread::sleep(Duration::from_millis(2100));
    run(
        bao.kvault()
            .args(["rotate", "vault:secret/api#token", "--if-older-than", "2s"]),
        0,
        "due",
        &mut outputs,
    );
    assert_eq!(current_version(&bao, "secret/api"), 2);
    // Rotated just now: rotated-at counts, and it is not due again.
    let out = run(
        bao.kvault().args([
            "rotate",
            "vault:secret/api#token",
            "--if-older-than",
            "2s",
            "-o",
            "json",
        ]),
        0,
        "not due again",
        &mut outputs,
    );
    assert_eq!(json_of(&out)["outcome"], "not_due");
    assert_eq!(current_version(&bao, "secret/api"), 2);
    outputs.assert_never_shows(&[OLD.into(), value(&bao, "secret/api", "token", None)]);
}

/// A rotation that cannot run still answers `-o json` on stdout (outcome
/// `failed`, the one-line error, the exit code), so a pipeline reading
/// stdout never gets an empty document; the error goes to stderr as well.
#[test]
fn a_failed_rotation_answers_in_json_too() {
    let bao = OpenBao::start();
    let mut outputs = Outputs::default();
    // Not found is exit 1 ("no"), as for `kvault get`.
    let out = run(
        bao.kvault().args([
            "rotate",
            "vault:secret/app/missing#password",
            "--yes",
            "-o",
            "json",
        ]),
        1,
        "missing secret",
        &mut outputs,
    );
    let doc = json_of(&out);
    assert_eq!(doc["outcome"], "failed", "{doc}");
    assert_eq!(doc["reference"], "vault:secret/app/missing#password");
    assert_eq!(doc["exit_code"], 1);
    let error = doc["error"].as_str().unwrap();
    assert!(error.contains("secret/app/missing"), "{error}");
    assert!(text(&out.stderr).contains(error), "{}", text(&out.stderr));
}

/// A `kvault rotate` child paused by the test hook; killed when dropped.
struct Paused {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Paused {
    fn start(bao: &OpenBao, home: &Path, point: &str, args: &[&str]) -> Paused {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("VAULT_ADDR", &bao.addr)
            .env("VAULT_TOKEN", &bao.token)
            .env("KVAULT_ROTATE_TEST_PAUSE_AFTER", point)
            .arg("rotate")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let _ = tx.send(line.unwrap());
            }
        });
        Paused {
            child,
            lines,
            seen: vec![],
        }
    }

    /// Wait for the hook's line; panics with what was printed otherwise.
    fn wait_for_pause(&mut self) {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(30)) {
            let paused = line.starts_with("test hook: pausing");
            self.seen.push(line);
            if paused {
                return;
            }
        }
        panic!("never paused:\n{}", self.seen.join("\n"));
    }

    fn sigkill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Let it run on from the pause, to its exit code and all it printed.
    fn finish(mut self) -> (Option<i32>, String) {
        let status = self.child.wait().unwrap();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        (status.code(), self.seen.join("\n"))
    }

    /// What it printed so far, for the leak check.
    fn output(&self) -> Output {
        Output {
            status: std::process::ExitStatus::default(),
            stdout: vec![],
            stderr: self.seen.join("\n").into_bytes(),
        }
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const COPY_PLAN: &str =
    "secrets:\n  - source: vault:secret/app/PATH\n    target: vault:secret/copy/PATH\n";

fn plan_for(home: &Path, path: &str) -> String {
    let file = home.join(format!("plan-{path}.yaml"));
    std::fs::write(&file, COPY_PLAN.replace("PATH", path)).unwrap();
    file.display().to_string()
}

#[test]
fn sigkill_after_each_step_then_resume_converges_without_losing_a_version() {
    let bao = OpenBao::start();
    let home = tempfile::tempdir().unwrap();
    let mut outputs = Outputs::default();
    let mut values = vec![OLD.to_string()];
    for (point, step) in [
        ("create", "created"),
        ("propagate", "propagated"),
        ("verify", "verified"),
    ] {
        let path = format!("secret/app/{point}");
        let plan = plan_for(home.path(), point);
        put(&bao, &path, &["user=app", &format!("password={OLD}")]);
        let reference = format!("vault:{path}#password");
        let mut child = Paused::start(
            &bao,
            home.path(),
            point,
            &[&reference, "--plan", &plan, "--generate", "hex:16"],
        );
        child.wait_for_pause();
        child.sigkill();
        outputs.keep("killed run", &child.output());
        assert_eq!(
            custom(&bao, &path, "kvault.dev/rotation-step"),
            step,
            "killed after {point}"
        );
        assert_eq!(custom(&bao, &path, "kvault.dev/rotation-pending"), "2");
        let recorded = std::fs::canonicalize(&plan).unwrap();
        assert_eq!(
            custom(&bao, &path, "kvault.dev/rotation-plan"),
            recorded.display().to_string()
        );
        let new = value(&bao, &path, "password", None);
        values.push(new.clone());

        // Without --resume the pending rotation is named and nothing runs.
        let out = run(
            bao.kvault()
                .args(["rotate", &reference, "--plan", &plan, "--yes"]),
            2,
            "rotate while pending",
            &mut outputs,
        );
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("is pending") && stderr.contains("--resume"),
            "{stderr}"
        );

        // --resume without --plan: the recorded plan is read again.
        let out = run(
            bao.kvault()
                .args(["rotate", &reference, "--resume", "-o", "json"]),
            0,
            "resume",
            &mut outputs,
        );
        assert!(
            text(&out.stderr).contains("resuming with the sync plan"),
            "{}",
            text(&out.stderr)
        );
        let summary = json_of(&out);
        assert_eq!(summary["outcome"], "rotated", "after {point}");
        assert_eq!(summary["resumed"], true);
        assert_eq!(
            current_version(&bao, &path),
            2,
            "after {point}: one new version"
        );
        assert_eq!(value(&bao, &path, "password", None), new);
        assert_eq!(value(&bao, &path, "password", Some(1)), OLD);
        let copy = format!("secret/copy/{point}");
        assert_eq!(value(&bao, &copy, "password", None), new);
        // Targets already verified before the kill are not checked again.
        let checked = summary["targets"].as_array().unwrap();
        assert_eq!(checked.len(), usize::from(point != "verify"), "{summary}");
        if let Some(check) = checked.first() {
            assert_eq!(check["verified"], true);
            assert_eq!(
                custom(&bao, &copy, "kvault.dev/data-hash"),
                check["data_hash"].as_str().unwrap()
            );
        }
        assert_eq!(custom(&bao, &path, "kvault.dev/rotation-step"), "-");
        assert_eq!(custom(&bao, &path, "kvault.dev/rotation-plan"), "-");
        assert_eq!(custom(&bao, &path, "kvault.dev/rotation-current"), "2");
        assert_eq!(custom(&bao, &path, "kvault.dev/rotation-previous"), "1");
    }

    // The pending version destroyed while the run was dead: --resume rolls
    // back to the old data, as a new version, and syncs it back.
    let path = "secret/app/lost";
    let plan = plan_for(home.path(), "lost");
    put(&bao, path, &[&format!("password={OLD}")]);
    let mut child = Paused::start(
        &bao,
        home.path(),
        "propagate",
        &["vault:secret/app/lost#password", "--plan", &plan],
    );
    child.wait_for_pause();
    child.sigkill();
    values.push(value(&bao, path, "password", None));
    bao.must(&["kv", "destroy", "-versions=2", path]);
    let out = run(
        bao.kvault().args([
            "rotate",
            "vault:secret/app/lost#password",
            "--plan",
            &plan,
            "--resume",
            "-o",
            "json",
        ]),
        2,
        "resume a lost version",
        &mut outputs,
    );
    assert_eq!(json_of(&out)["outcome"], "rolled_back");
    assert!(
        text(&out.stderr).contains("rolled back"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(current_version(&bao, path), 3);
    assert_eq!(value(&bao, path, "password", None), OLD);
    assert_eq!(value(&bao, "secret/copy/lost", "password", None), OLD);
    assert_eq!(custom(&bao, path, "kvault.dev/rotation-step"), "-");
    assert_eq!(custom(&bao, path, "kvault.dev/rotation-current"), "3");
    outputs.keep("killed run", &child.output());
    outputs.assert_never_shows(&values);
}

#[test]
fn a_concurrent_writer_makes_the_check_and_set_fail_and_nothing_else_changes() {
    let bao = OpenBao::start();
    let home = tempfile::tempdir().unwrap();
    put(&bao, "secret/app/db", &[&format!("password={OLD}")]);
    let before = metadata(&bao, "secret/app/db")["custom_metadata"].clone();
    let mut child = Paused::start(
        &bao,
        home.path(),
        // A short pause: the run carries on by itself after it.
        "read:5",
        &["vault:secret/app/db#password", "--generate", "uuid"],
    );
    child.wait_for_pause();
    put(
        &bao,
        "secret/app/db",
        &["password=RotateCanary-theirs-7214"],
    );
    let (code, stderr) = child.finish();
    assert_eq!(code, Some(3), "{stderr}");
    let error: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(error.len(), 1, "{stderr}");
    assert!(
        error[0].contains("check-and-set conflict on `vault:secret/app/db`")
            && error[0].contains("version 1")
            && error[0].contains("version 2"),
        "{stderr}"
    );
    assert_eq!(current_version(&bao, "secret/app/db"), 2);
    assert_eq!(
        value(&bao, "secret/app/db", "password", None),
        "RotateCanary-theirs-7214"
    );
    assert_eq!(metadata(&bao, "secret/app/db")["custom_metadata"], before);
    assert!(!stderr.contains(OLD) && !stderr.contains("RotateCanary-theirs-7214"));
}

#[test]
fn a_plan_propagates_to_a_kubernetes_secret_verified_by_data_hash_and_rolls_out() {
    let bao = OpenBao::start();
    let (cluster, ns) = KubeCluster::shared("rotate");
    let home = tempfile::tempdir().unwrap();
    let mut outputs = Outputs::default();
    let kvault = || {
        let mut cmd = cluster.kvault(home.path(), "admin");
        cmd.env("VAULT_ADDR", &bao.addr)
            .env("VAULT_TOKEN", &bao.token);
        cmd
    };
    let api = |method: &str, path: &str, body: Option<Value>| -> Value {
        let (code, out) = cluster.api(
            "admin",
            method,
            path,
            body.map(|b| b.to_string()).as_deref(),
        );
        assert!((200..300).contains(&code), "{method} {path}: {code} {out}");
        serde_json::from_str(&out).unwrap()
    };
    api(
        "POST",
        &format!("/apis/apps/v1/namespaces/{ns}/deployments"),
        Some(json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "api", "namespace": ns},
            "spec": {
                "selector": {"matchLabels": {"app": "api"}},
                "template": {
                    "metadata": {"labels": {"app": "api"}},
                    "spec": {"containers": [{"name": "app", "image": "app:1",
                        "envFrom": [{"secretRef": {"name": "app-db"}},
                                    {"secretRef": {"name": "app-cache"}}]}]}
                }
            }
        })),
    );
    let generation = || {
        api(
            "GET",
            &format!("/apis/apps/v1/namespaces/{ns}/deployments/api"),
            None,
        )["metadata"]["generation"]
            .as_i64()
            .unwrap()
    };
    put(
        &bao,
        "secret/app/db",
        &["user=app", &format!("password={OLD}")],
    );
    put(&bao, "secret/app/cache", &["url=redis://cache"]);
    let plan = home.path().join("plan.yaml");
    std::fs::write(
        &plan,
        format!("secrets:\n  - source: vault:secret/app/db\n    target: k8s:{ns}/app-db\n    rollout: [deployment/api]\n  - source: vault:secret/app/cache\n    target: k8s:{ns}/app-cache\n    rollout: [deployment/api]\n  - source: vault:secret/other\n    target: k8s:{ns}/other\n"),
    )
    .unwrap();
    let plan = plan.display().to_string();
    // Before the rotation the target holds the old value (a plain sync).
    run(
        kvault().args(["sync", "-f", &plan]),
        2,
        "first sync (secret/other is missing)",
        &mut outputs,
    );
    let before = generation();

    let out = run(
        kvault().args([
            "-vvv",
            "rotate",
            "vault:secret/app/db#password",
            "--plan",
            &plan,
            "--rollout",
            "--yes",
            "-o",
            "json",
        ]),
        0,
        "rotate with plan",
        &mut outputs,
    );
    let summary = json_of(&out);
    let new = value(&bao, "secret/app/db", "password", None);
    let secret = api(
        "GET",
        &format!("/api/v1/namespaces/{ns}/secrets/app-db"),
        None,
    );
    let held = base64::engine::general_purpose::STANDARD
        .decode(secret["data"]["password"].as_str().unwrap())
        .unwrap();
    assert_eq!(String::from_utf8(held).unwrap(), new);
    assert_eq!(summary["targets"].as_array().unwrap().len(), 1, "{summary}");
    assert_eq!(summary["targets"][0]["target"], format!("k8s:{ns}/app-db"));
    assert_eq!(summary["targets"][0]["verified"], true);
    assert_eq!(
        secret["metadata"]["annotations"]["kvault.dev/data-hash"],
        summary["targets"][0]["data_hash"]
    );
    assert_eq!(summary["rollouts"], json!([format!("{ns}/deployment/api")]));
    assert!(generation() > before, "the deployment was not rolled out");
    // The rotation synced one target but hashed all of the Deployment's
    // Secrets, as a full sync does: the next full sync rolls nothing.
    let full = run(
        kvault().args(["sync", "-f", &plan, "--dry-run", "-o", "json"]),
        2,
        "full sync after the rotation (secret/other is missing)",
        &mut outputs,
    );
    let full = json_of(&full);
    assert_eq!(full["rollouts"], json!([]), "{full}");
    assert_eq!(full["updated"], 0, "{full}");
    let stderr = text(&out.stderr);
    for step in ["created:", "propagated:", "verified:", "finished:"] {
        assert!(stderr.contains(step), "{step} missing:\n{stderr}");
    }

    // A dry run says what it would do and writes nothing.
    let out = run(
        kvault().args([
            "rotate",
            "vault:secret/app/db#password",
            "--plan",
            &plan,
            "--dry-run",
        ]),
        0,
        "dry run",
        &mut outputs,
    );
    assert!(text(&out.stderr).contains("would replace key `password`"));
    assert_eq!(current_version(&bao, "secret/app/db"), 2);
    outputs.assert_never_shows(&[OLD.into(), new]);
}

/// `kvault rotate REF ARGS` on a pseudo-terminal (util-linux `script`),
/// typing `answer`; the exit code and what the terminal showed.
fn on_a_terminal(bao: &OpenBao, args: &str, answer: &str) -> (Option<i32>, String) {
    let kvault = assert_cmd::cargo::cargo_bin("kvault");
    let mut child = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{} rotate {args}", kvault.display()),
            "/dev/null",
        ])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", bao.home.path())
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", &bao.token)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs the command on a pseudo-terminal");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), answer.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), text(&out.stdout))
}

#[test]
fn on_a_terminal_it_asks_first_unless_yes() {
    let bao = OpenBao::start();
    put(&bao, "secret/app/db", &[&format!("password={OLD}")]);
    let (code, shown) = on_a_terminal(&bao, "vault:secret/app/db#password", "n\n");
    assert_eq!(code, Some(1), "{shown}");
    assert!(shown.contains("with a new version? [y/N]"), "{shown}");
    assert!(shown.contains("declined: nothing written"), "{shown}");
    assert_eq!(current_version(&bao, "secret/app/db"), 1);
    assert_eq!(
        custom(&bao, "secret/app/db", "kvault.dev/rotation-step"),
        ""
    );

    let (code, shown) = on_a_terminal(&bao, "vault:secret/app/db#password", "y\n");
    assert_eq!(code, Some(0), "{shown}");
    assert_eq!(current_version(&bao, "secret/app/db"), 2);

    let (code, shown) = on_a_terminal(&bao, "vault:secret/app/db#password --yes", "");
    assert_eq!(code, Some(0), "{shown}");
    assert!(!shown.contains("[y/N]"), "{shown}");
    assert_eq!(current_version(&bao, "secret/app/db"), 3);
    let value = value(&bao, "secret/app/db", "password", None);
    assert!(!shown.contains(&value), "{shown}");
}
