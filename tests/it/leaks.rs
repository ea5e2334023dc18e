//! No secret value reaches stdout or stderr (but `get`'s deliberate output),
//! at the highest verbosity, through success and failure.

use crate::harness::{assert_text_shows_none, kvault_clean, text, OpenBao, Run};
use base64::Engine as _;

const VALUES: &[&str] = &["LeakCanary-alpha-7731", "LeakCanary-beta-9912"];

fn assert_no_leak(what: &str, out: &std::process::Output, allow_stdout: bool) {
    assert_text_shows_none(&format!("{what} (stderr)"), &text(&out.stderr), VALUES);
    if !allow_stdout {
        assert_text_shows_none(&format!("{what} (stdout)"), &text(&out.stdout), VALUES);
    }
}

#[test]
fn no_command_prints_a_value_at_trace_level() {
    let bao = OpenBao::start();
    let run = |cmd: &mut assert_cmd::Command| cmd.output().unwrap();
    let v = |args: &[&str]| {
        let mut c = bao.kvault();
        c.arg("-vvv").args(args);
        c
    };
    let plan = bao.home.path().join("plan.yaml");
    std::fs::write(
        &plan,
        "secrets:\n  - source: vault:secret/app\n    target: local:copy\n",
    )
    .unwrap();
    let manifests = bao.home.path().join("manifests.yaml");
    std::fs::write(
        &manifests,
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: db, namespace: shop}}\ndata: {{password: {}}}\nstringData: {{token: {}}}\n---\n\
             apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cfg, namespace: shop}}\ndata: {{DB_PASSWORD: {}}}\n---\n\
             apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: api, namespace: shop}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        env: [{{name: ADMIN_PASSWORD, value: {}}}]\n",
            base64::engine::general_purpose::STANDARD.encode(VALUES[0]),
            VALUES[1],
            VALUES[0],
            VALUES[1],
        ),
    )
    .unwrap();
    let cases: Vec<(&str, std::process::Output, bool)> = vec![
        (
            "put vault",
            run(v(&[
                "put",
                "vault:secret/app",
                &format!("a={}", VALUES[0]),
                "b=-",
            ])
            .write_stdin(VALUES[1])),
            false,
        ),
        (
            "put local",
            run(v(&["put", "local:app", "b=-"]).write_stdin(VALUES[1])),
            false,
        ),
        (
            "put cas conflict",
            run(v(&["put", "vault:secret/app", "b=-", "--cas", "9"]).write_stdin(VALUES[1])),
            false,
        ),
        ("get key", run(&mut v(&["get", "vault:secret/app#a"])), true),
        (
            "get missing key",
            run(&mut v(&["get", "vault:secret/app#zz"])),
            false,
        ),
        (
            "history",
            run(&mut v(&["history", "vault:secret/app"])),
            false,
        ),
        ("ls", run(&mut v(&["ls", "vault:secret/"])), false),
        (
            "exec ok",
            run(v(&["exec", "--", "true"])
                .env("X", "vault:secret/app#a")
                .env("Y", "local:app#b")),
            false,
        ),
        (
            "exec missing",
            run(v(&["exec", "--", "true"])
                .env("X", "vault:secret/app#a")
                .env("Z", "vault:secret/app#nope")),
            false,
        ),
        (
            "exec bad template",
            run(v(&["exec", "--", "true"]).env("X", format!("{}${{vault:secret/app#a", VALUES[0]))),
            false,
        ),
        (
            "rotate from stdin",
            run(
                v(&["rotate", "vault:secret/app#b", "--value", "-", "-o", "json"])
                    .write_stdin(VALUES[0]),
            ),
            false,
        ),
        (
            "sync dry run",
            run(v(&["sync", "-f"]).arg(&plan).arg("--dry-run")),
            false,
        ),
        (
            "sync json",
            run(v(&["sync", "-f"]).arg(&plan).args(["-o", "json"])),
            false,
        ),
        (
            "audit table",
            run(v(&["audit", "--manifests"]).arg(&manifests)),
            false,
        ),
        (
            "audit sarif",
            run(v(&["audit", "--manifests"])
                .arg(&manifests)
                .args(["-o", "sarif"])),
            false,
        ),
        // After the sync above: in sync (exit 0), shown both ways.
        ("status table", run(v(&["status", "-f"]).arg(&plan)), false),
        (
            "status json",
            run(v(&["status", "-f"]).arg(&plan).args(["-o", "json"])),
            false,
        ),
    ];
    for (what, out, allow_stdout) in &cases {
        assert_no_leak(what, out, *allow_stdout);
    }
    // The deliberate output of `get` is the value itself.
    assert_eq!(text(&cases[3].1.stdout), VALUES[0]);
    assert!(
        cases[10].1.status.success(),
        "{}",
        text(&cases[10].1.stderr)
    );

    // The cases above did what they say: sync wrote, audit found the
    // literal credentials (without showing them).
    assert!(
        cases[12].1.status.success(),
        "{}",
        text(&cases[12].1.stderr)
    );
    assert!(
        cases[15].1.status.success() && cases[16].1.status.success(),
        "{}",
        text(&cases[15].1.stderr)
    );
    let sarif = text(&cases[14].1.stdout);
    assert!(
        sarif.contains("KV-WL-002") && sarif.contains("KV-WL-003"),
        "{sarif}"
    );

    // The same with the server gone.
    let mut bao = bao;
    bao.stop();
    let out = bao
        .kvault()
        .args(["-vvv", "put", "vault:secret/app", "b=-"])
        .write_stdin(VALUES[1])
        .output()
        .unwrap();
    assert_no_leak("put to a stopped server", &out, false);
    let out = kvault_clean(bao.home.path()).output_of(&["-vvv", "get", "local:app#b"]);
    assert_eq!(text(&out.stdout), VALUES[1]);
    assert_no_leak("local get", &out, true);
}

/// `exec --watch` at trace level through re-reads, a restart on a changed
/// value, forwarded signals and the grace period, and `exec` refusing a
/// value it cannot pass (a NUL byte, too large): no value, no token.
#[test]
fn exec_watch_and_exec_refusals_print_no_value_or_token_at_trace_level() {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/app", &format!("a={}", VALUES[0])]);
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", bao.home.path())
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", &bao.token)
        .env("A", "vault:secret/app#a")
        .env("T", "x${vault:secret/app#a}y")
        .args(["-vvv", "exec", "--watch", "200ms", "--grace", "1s", "--"])
        .args(["sh", "-c", "trap '' TERM; while :; do sleep 0.05; done"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1000));
    bao.must(&["kv", "put", "secret/app", &format!("a={}", VALUES[1])]);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert!(stderr.contains("restarting the command"), "{stderr}");
    assert!(stderr.contains("sending SIGKILL"), "{stderr}");
    assert!(!stderr.contains(&bao.token), "{stderr}");
    assert_no_leak("exec --watch", &out, false);

    let file = bao.home.path().join("value");
    std::fs::write(&file, format!("{}\0{}", VALUES[0], VALUES[1])).unwrap();
    kvault_clean(bao.home.path())
        .run(&["put", "local:nul", &format!("v=@{}", file.display())])
        .success();
    let mut big = VALUES[0].repeat(10_000);
    big.push_str(VALUES[1]);
    std::fs::write(&file, big).unwrap();
    kvault_clean(bao.home.path())
        .run(&["put", "local:big", &format!("v=@{}", file.display())])
        .success();
    for (what, reference) in [("exec nul", "local:nul#v"), ("exec big", "local:big#v")] {
        let out = kvault_clean(bao.home.path())
            .env("V", reference)
            .output_of(&["-vvv", "exec", "--", "true"]);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", text(&out.stderr));
        assert_no_leak(what, &out, false);
    }
}
