//! vault-env settings a migrating user relies on (issue #13), on a real
//! OpenBao: VAULT_ENV_FROM_PATH with a version, VAULT_REVOKE_TOKEN,
//! VAULT_TOKEN=vault:login with the token `bao login` stored, Go's
//! booleans for the switches, VAULT_ENV_DAEMON, VAULT_ENV_DELAY,
//! VAULT_JSON_LOG, VAULT_LOG_LEVEL and VAULT_ENV_LOG_SERVER.

use crate::harness::{
    assert_printed, assert_refused, assert_shows_none, kvault_clean, text, OpenBao, Run,
};
use crate::process::{exit_within, kvault_process, read, send, wait_until};
use nix::sys::signal::Signal;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// An OpenBao whose `secret/app` holds `pass`.
fn serving_pass(pass: &str) -> OpenBao {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/app", &format!("pass={pass}")]);
    bao
}

/// `cmd exec -- touch MARKER` stops with exit 2 before running anything
/// (MARKER is not created); returns its stderr.
fn refused_before_running(cmd: &mut assert_cmd::Command) -> String {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let out = cmd
        .args(["exec", "--", "touch"])
        .arg(&marker)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(!marker.exists(), "the command ran");
    text(&out.stderr)
}

#[test]
fn env_from_path_takes_a_pinned_version_and_a_vault_prefix() {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/envfrom", "FROM_A=a1"]);
    bao.must(&["kv", "put", "secret/envfrom", "FROM_A=a2"]);
    for (setting, want) in [
        ("secret/envfrom#1", "a1"),
        ("vault:secret/envfrom#1", "a1"),
        ("secret/data/envfrom", "a2"),
    ] {
        let out = bao
            .kvault()
            .env("VAULT_ENV_FROM_PATH", setting)
            .exec_sh("printf %s \"$FROM_A\"");
        assert!(out.status.success(), "{setting}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), want, "{setting}");
    }
    let out = bao
        .kvault()
        .env("VAULT_ENV_FROM_PATH", "secret/envfrom#latest")
        .output_of(&["exec", "--", "true"]);
    assert_refused(&out, 2, "`latest` after `#` is not a version number");
}

#[test]
fn revoke_token_revokes_kvaults_token_once_the_secrets_are_read() {
    let bao = serving_pass("p-revoke");
    let token = bao.new_token("-policy=root");
    let out = bao
        .kvault()
        .env("VAULT_TOKEN", &token)
        .env("VAULT_REVOKE_TOKEN", "True")
        .env("PASS", "vault:secret/app#pass")
        .exec_sh("printf %s \"$PASS\"");
    assert_printed(&out, "p-revoke");
    let lookup = bao.bao(&["token", "lookup", &token]);
    assert!(
        !lookup.status.success(),
        "the token still works after VAULT_REVOKE_TOKEN"
    );
    // With --watch the token is needed later: refused before anything runs.
    let out = bao
        .kvault()
        .env("VAULT_REVOKE_TOKEN", "1")
        .output_of(&["exec", "--watch", "1m", "--", "true"]);
    assert_refused(&out, 2, "VAULT_REVOKE_TOKEN with --watch");
}

#[test]
fn vault_login_hands_on_the_token_bao_login_stored() {
    let bao = serving_pass("p-login");
    let token = bao.new_token("-policy=root");
    std::fs::write(bao.home.path().join(".vault-token"), format!("{token}\n")).unwrap();
    let out = bao
        .kvault()
        .env_remove("VAULT_TOKEN")
        .env("VAULT_TOKEN", "vault:login")
        .env("EXPECTED", &token)
        .env("PASS", "vault:secret/app#pass")
        .args([
            "exec",
            "--",
            "sh",
            "-c",
            "[ \"$VAULT_TOKEN\" = \"$EXPECTED\" ] && printf 'same token, %s' \"$PASS\"",
        ])
        .output()
        .unwrap();
    assert_printed(&out, "same token, p-login");
    assert!(!text(&out.stderr).contains(&token));
}

#[test]
fn switches_read_booleans_as_go_does_and_refuse_anything_else() {
    let bao = OpenBao::start();
    for yes in ["true", "True", "TRUE", "t", "1"] {
        let out = bao
            .kvault()
            .env("VAULT_IGNORE_MISSING_SECRETS", yes)
            .env("GONE", "vault:secret/nothing#here")
            .exec_sh("printf %s \"${GONE-unset}\"");
        assert!(out.status.success(), "{yes}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "unset", "{yes}");
    }
    let out = bao
        .kvault()
        .env("VAULT_IGNORE_MISSING_SECRETS", "yes")
        .output_of(&["exec", "--", "true"]);
    assert_refused(
        &out,
        2,
        "VAULT_IGNORE_MISSING_SECRETS=`yes` is not a boolean",
    );
}

#[test]
fn inline_dynamic_references_and_transit_values_resolve_and_one_issue_serves_both_uses() {
    let bao = OpenBao::start();
    bao.pki_with_web_role("1h", &[]);
    let ct = bao.transit_ciphertext("app", "aW5saW5lLXRyYW5zaXQ=");
    let issue = r#">>vault:pki/issue/web#serial_number#{"common_name":"a.test.local","ttl":"10m"}"#;
    let out = bao
        .kvault()
        .env("VAULT_TRANSIT_KEY_ID", "app")
        .env("FIRST", format!("serial=${{{issue}}}"))
        .env(
            "SECOND",
            format!("again ${{{issue}}} and ${{{}}}", ct.trim()),
        )
        .exec_sh("printf '%s|%s' \"$FIRST\" \"$SECOND\"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    let (first, second) = shown.split_once('|').unwrap();
    let serial = first.strip_prefix("serial=").unwrap();
    assert!(serial.contains(':'), "not a serial number: {shown}");
    assert_eq!(second, format!("again {serial} and inline-transit"));
    assert!(
        !shown.contains(">>vault:"),
        "passed through unresolved: {shown}"
    );
    // One certificate was issued for the two uses.
    let certs = bao.must(&["list", "-format=json", "pki/certs"]);
    let listed: Vec<String> = serde_json::from_str(&certs).unwrap();
    assert_eq!(listed.len(), 2, "root + one issued: {listed:?}");
}

#[test]
fn fifty_references_over_ten_paths_ask_for_the_mount_once() {
    let bao = OpenBao::start();
    for p in 0..10 {
        bao.must(&[
            "kv",
            "put",
            &format!("secret/app{p}"),
            "a=1",
            "b=2",
            "c=3",
            "d=4",
            "e=5",
        ]);
    }
    // Every request passes through a counting proxy to the real server.
    let proxy = crate::hostile::Hostile::start(crate::hostile::Behaviour::FailFirst {
        k: 0,
        upstream: bao.addr.clone(),
    });
    let mut cmd = bao.kvault();
    cmd.env("VAULT_ADDR", &proxy.addr);
    for p in 0..10 {
        for k in ["a", "b", "c", "d", "e"] {
            cmd.env(format!("V_{p}_{k}"), format!("vault:secret/app{p}#{k}"));
        }
    }
    let out = cmd.args(["exec", "--", "true"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let paths: Vec<String> = proxy
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    let lookups = paths
        .iter()
        .filter(|p| p.contains("sys/internal/ui/mounts"))
        .count();
    let reads = paths.iter().filter(|p| p.contains("/secret/data/")).count();
    assert_eq!(lookups, 1, "{paths:?}");
    assert_eq!(reads, 10, "{paths:?}");
}

#[test]
fn bank_vaults_paths_are_read_while_the_mount_is_still_being_looked_up() {
    let bao = OpenBao::start();
    for p in 0..4 {
        bao.must(&["kv", "put", &format!("secret/app{p}"), "a=1", "b=2"]);
    }
    // The proxy answers the mount lookup only once the four reads have
    // reached it: a client that waited for the mount before reading would
    // see its lookup answered first, three seconds late.
    let proxy = crate::hostile::Hostile::start(crate::hostile::Behaviour::HoldLookups {
        upstream: bao.addr.clone(),
        reads: 4,
    });
    let mut cmd = bao.kvault();
    cmd.env("VAULT_ADDR", &proxy.addr);
    for p in 0..4 {
        for k in ["a", "b"] {
            cmd.env(
                format!("V_{p}_{k}"),
                format!("vault:secret/data/app{p}#{k}"),
            );
        }
    }
    let out = cmd
        .args(["exec", "--", "sh", "-c", "echo $V_0_a$V_3_b"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "12");
    let seen: Vec<String> = proxy
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let answered = seen.iter().position(|r| r.starts_with("ANSWERED")).unwrap();
    let is_read = |r: &&String| r.starts_with("GET /v1/secret/data/app");
    let reads = seen.iter().filter(is_read).count();
    assert_eq!(reads, 4, "one read per path, none made twice: {seen:?}");
    assert_eq!(
        seen[..answered].iter().filter(is_read).count(),
        4,
        "every read went out before the mount was known: {seen:?}"
    );
}

/// `kvault` started by the test (to signal it or time it), pointed at `bao`
/// as root, HOME its home.
fn kvault_on(bao: &OpenBao) -> std::process::Command {
    let mut cmd = kvault_process(bao.home.path());
    cmd.env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", &bao.token);
    cmd
}

/// Every line of `stderr` is a JSON object with a timestamp, a level and a
/// message; returns them.
fn json_lines(stderr: &str) -> Vec<serde_json::Value> {
    stderr
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}\n{stderr}"));
            for field in ["timestamp", "level", "message"] {
                assert!(v.get(field).is_some(), "no {field}: {line}");
            }
            v
        })
        .collect()
}

fn with_level<'a>(lines: &'a [serde_json::Value], level: &str) -> Vec<&'a str> {
    lines
        .iter()
        .filter(|v| v["level"] == level)
        .filter_map(|v| v["message"].as_str())
        .collect()
}

/// VAULT_ENV_DAEMON: kvault stays the command's parent (the command sees
/// kvault's PID as its parent), forwards SIGWINCH, and exits with the
/// command's code, whether the command exits on its own or on a forwarded
/// SIGTERM. The command gets no token.
#[test]
fn vault_env_daemon_forwards_sigwinch_and_passes_the_exit_code() {
    let bao = serving_pass("p-daemon");
    let log = bao.home.path().join("log");
    let script = format!(
        "trap 'echo WINCH >> {0}' WINCH; trap 'echo TERM >> {0}; exit 7' TERM; \
         echo \"up $PPID $PASS ${{VAULT_TOKEN-no-token}}\" >> {0}; while :; do sleep 0.05; done",
        log.display()
    );
    let mut child = kvault_on(&bao)
        .env("VAULT_ENV_DAEMON", "True")
        .env("PASS", "vault:secret/app#pass")
        .args(["exec", "--", "sh", "-c", &script])
        .spawn()
        .unwrap();
    assert!(wait_until(Duration::from_secs(15), || read(&log).contains("up")));
    assert_eq!(
        read(&log).lines().next().unwrap(),
        format!("up {} p-daemon no-token", child.id()),
        "kvault is the parent; the value is in, the token is not"
    );
    send(child.id(), Signal::SIGWINCH);
    assert!(
        wait_until(Duration::from_secs(5), || read(&log).contains("WINCH")),
        "SIGWINCH not forwarded: {}",
        read(&log)
    );
    send(child.id(), Signal::SIGTERM);
    let status = exit_within(&mut child, Duration::from_secs(10));
    assert_eq!(status.and_then(|s| s.code()), Some(7), "{}", read(&log));
    assert!(read(&log).contains("TERM"));

    let out = bao
        .kvault()
        .env("VAULT_ENV_DAEMON", "1")
        .env("PASS", "vault:secret/app#pass")
        .exec_sh("printf %s \"$PASS\"; exit 5");
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "p-daemon");
}

/// Daemon mode keeps a token with a 4 s TTL alive for the life of the
/// command, and does not read again: a value changed meanwhile does not
/// restart the command (vault-env does not re-read either).
#[test]
fn vault_env_daemon_renews_the_token_and_does_not_re_read() {
    let bao = OpenBao::start();
    bao.policy("reader", "secret/data/app", &["read"]);
    bao.must(&["kv", "put", "secret/app", "pass=daemon-1"]);
    let token = bao.new_token("-policy=reader -ttl=4s");
    let log = bao.home.path().join("starts");
    let errors = bao.home.path().join("stderr");
    let script = format!("echo \"$PASS\" >> {}; exec sleep 60", log.display());
    let mut child = kvault_on(&bao)
        .env("VAULT_TOKEN", &token)
        .env("VAULT_ENV_DAEMON", "t")
        .env("VAULT_LOG_LEVEL", "debug")
        .env("PASS", "vault:secret/app#pass")
        .args(["exec", "--", "sh", "-c", &script])
        .stderr(std::fs::File::create(&errors).unwrap())
        .spawn()
        .unwrap();
    assert!(wait_until(Duration::from_secs(15), || read(&log).contains("daemon-1")));
    bao.must(&["kv", "put", "secret/app", "pass=daemon-2"]);
    std::thread::sleep(Duration::from_secs(9));
    let alive = bao.bao(&["token", "lookup", &token]);
    send(child.id(), Signal::SIGTERM);
    let status = exit_within(&mut child, Duration::from_secs(10));
    let stderr = read(&errors);
    assert!(
        alive.status.success(),
        "the token expired: {}\n{stderr}",
        text(&alive.stderr)
    );
    assert!(stderr.contains("renewed the vault token"), "{stderr}");
    assert_eq!(read(&log), "daemon-1\n", "started once, not re-read");
    assert_eq!(status.and_then(|s| s.code()), Some(128 + 15));
    assert!(!stderr.contains(&token) && !stderr.contains("daemon-1"));
}

/// Daemon mode with a dynamic secret whose lease cannot be renewed (a PKI
/// certificate, 3 s): close to its expiry the command gets SIGTERM, and
/// kvault exits with its code, as vault-env stops the command when renewal
/// ends, so that its orchestrator starts it again with fresh credentials.
#[test]
fn vault_env_daemon_stops_the_command_when_a_lease_cannot_be_renewed() {
    let bao = OpenBao::start();
    bao.pki_with_web_role("2h", &["generate_lease=true"]);
    let log = bao.home.path().join("log");
    let errors = bao.home.path().join("stderr");
    let script = format!(
        "trap 'echo TERM >> {0}; exit 9' TERM; echo \"up $SERIAL\" >> {0}; while :; do sleep 0.05; done",
        log.display()
    );
    let started = Instant::now();
    let mut child = kvault_on(&bao)
        .env("VAULT_ENV_DAEMON", "true")
        .env(
            "SERIAL",
            r#">>vault:pki/issue/web#serial_number#{"common_name":"a.test.local","ttl":"3s"}"#,
        )
        .args(["exec", "--", "sh", "-c", &script])
        .stderr(std::fs::File::create(&errors).unwrap())
        .spawn()
        .unwrap();
    let status = exit_within(&mut child, Duration::from_secs(30));
    let stderr = read(&errors);
    assert_eq!(status.and_then(|s| s.code()), Some(9), "{stderr}");
    assert!(read(&log).starts_with("up ") && read(&log).contains("TERM"));
    assert!(started.elapsed() >= Duration::from_secs(2), "{stderr}");
    assert!(
        stderr.contains("a lease of the command's dynamic secrets cannot be renewed"),
        "{stderr}"
    );
}

/// VAULT_REVOKE_TOKEN with VAULT_ENV_DAEMON is refused before anything is
/// read or run, as it is with --watch: the token is needed to renew.
#[test]
fn vault_revoke_token_with_vault_env_daemon_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let stderr = refused_before_running(
        kvault_clean(home.path())
            .env("VAULT_ENV_DAEMON", "true")
            .env("VAULT_REVOKE_TOKEN", "true"),
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("VAULT_REVOKE_TOKEN with VAULT_ENV_DAEMON"));
}

/// VAULT_ENV_DELAY waits after the secrets are read and before the command
/// starts: a value changed during the wait does not reach the command, and
/// the command starts no sooner than the delay. A bare number (nanoseconds
/// to vault-env) is a one-line error naming the variable.
#[test]
fn vault_env_delay_waits_before_exec() {
    let bao = serving_pass("before-delay");
    let errors = bao.home.path().join("stderr");
    let started = Instant::now();
    let child = kvault_on(&bao)
        .env("VAULT_ENV_DELAY", "3s")
        .env("VAULT_LOG_LEVEL", "info")
        .env("PASS", "vault:secret/app#pass")
        .args(["exec", "--", "sh", "-c", "printf %s \"$PASS\""])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&errors).unwrap())
        .spawn()
        .unwrap();
    assert!(
        wait_until(Duration::from_secs(15), || read(&errors)
            .contains("VAULT_ENV_DELAY: waiting 3s")),
        "{}",
        read(&errors)
    );
    bao.must(&["kv", "put", "secret/app", "pass=after-delay"]);
    let out = child.wait_with_output().unwrap();
    let took = started.elapsed();
    assert!(out.status.success(), "{}", read(&errors));
    assert_eq!(text(&out.stdout), "before-delay", "read before the delay");
    assert!(took >= Duration::from_secs(3), "started after {took:?}");

    let stderr = refused_before_running(bao.kvault().env("VAULT_ENV_DELAY", "5"));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("VAULT_ENV_DELAY=`5` has no unit"),
        "{stderr}"
    );
}

/// VAULT_JSON_LOG: every line kvault writes to stderr is a JSON object
/// (diagnostics, the VAULT_ENV_LOG_SERVER warning, the final error), and
/// stdout holds only the command's output.
#[test]
fn vault_json_log_writes_json_lines_on_stderr_only() {
    let bao = serving_pass("p-json");
    let out = bao
        .kvault()
        .env("VAULT_JSON_LOG", "true")
        .env("VAULT_LOG_LEVEL", "debug")
        .env("VAULT_ENV_LOG_SERVER", "127.0.0.1:514")
        .env("PASS", "vault:secret/app#pass")
        .args([
            "exec",
            "--",
            "sh",
            "-c",
            "[ -n \"$PASS\" ] && printf child-out",
        ])
        .output()
        .unwrap();
    assert_printed(&out, "child-out");
    let lines = json_lines(&text(&out.stderr));
    assert!(
        with_level(&lines, "INFO").contains(&"environment resolved"),
        "{lines:?}"
    );
    assert!(
        with_level(&lines, "WARN")
            .iter()
            .any(|m| m.contains("VAULT_ENV_LOG_SERVER is not supported")),
        "{lines:?}"
    );
    assert!(!with_level(&lines, "DEBUG").is_empty(), "{lines:?}");

    // A failure too: the error is a JSON line, and still names the variable.
    let out = bao
        .kvault()
        .env("VAULT_JSON_LOG", "1")
        .env("GONE", "vault:secret/nothing#here")
        .output_of(&["exec", "--", "true"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let lines = json_lines(&text(&out.stderr));
    let errors = with_level(&lines, "ERROR");
    assert_eq!(errors.len(), 1, "{lines:?}");
    assert!(errors[0].contains("GONE"), "{lines:?}");
}

/// JSON logs at trace level show no secret value and no token, through
/// references, templates, VAULT_ENV_FROM_PATH, VAULT_TOKEN=vault:login,
/// daemon mode and a failure.
#[test]
fn vault_json_log_shows_no_value_or_token_at_trace_level() {
    let bao = OpenBao::start();
    let values = ["JsonLeak-alpha-4411", "JsonLeak-beta-8822"];
    bao.must(&[
        "kv",
        "put",
        "secret/app",
        &format!("a={}", values[0]),
        &format!("B_FROM_PATH={}", values[1]),
    ]);
    let run = |extra: &[(&str, &str)]| {
        let mut cmd = bao.kvault();
        cmd.env("VAULT_JSON_LOG", "true")
            .env("VAULT_LOG_LEVEL", "trace")
            .env("A", "vault:secret/app#a")
            .env("T", "x-${vault:secret/app#a}-y")
            .env("VAULT_ENV_FROM_PATH", "secret/app")
            .envs(extra.iter().copied())
            .args(["exec", "--", "sh", "-c", "[ -n \"$A$T$B_FROM_PATH\" ]"]);
        cmd.output().unwrap()
    };
    let cases = [
        ("references", run(&[])),
        ("daemon", run(&[("VAULT_ENV_DAEMON", "true")])),
        ("vault:login", run(&[("VAULT_TOKEN", "vault:login")])),
        ("failure", run(&[("GONE", "vault:secret/app#missing")])),
    ];
    let token = bao.token.clone();
    for (what, out) in &cases {
        json_lines(&text(&out.stderr));
        assert!(!text(&out.stderr).is_empty(), "{what}: no diagnostics");
        let mut shown = values.to_vec();
        shown.push(&token);
        assert_shows_none(&shown, what, out);
    }
    assert!(cases[0].1.status.success(), "{}", text(&cases[0].1.stderr));
    assert_eq!(cases[3].1.status.code(), Some(1));
}

/// VAULT_LOG_LEVEL=debug shows kvault's debug events for exec; -q wins over
/// it, and so does a lower level.
#[test]
fn vault_log_level_debug_shows_debug_events() {
    let bao = serving_pass("p-level");
    let exec = |level: &str, flags: &[&str]| {
        bao.kvault()
            .env("VAULT_LOG_LEVEL", level)
            .env("PASS", "vault:secret/app#pass")
            .args(flags)
            .output_of(&["exec", "--", "true"])
    };
    let event = "credentials removed from kvault's environment";
    let out = exec("debug", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("DEBUG") && l.contains(event)),
        "{stderr}"
    );
    assert!(stderr.contains("environment resolved"), "{stderr}");
    for (level, flags) in [("DEBUG", &["-q"][..]), ("Warning", &[][..])] {
        let out = exec(level, flags);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            out.stderr.is_empty(),
            "{level} {flags:?}: {}",
            text(&out.stderr)
        );
    }
    // -v wins too: info, not debug.
    let out = exec("trace", &["-v"]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("environment resolved") && !stderr.contains(event),
        "{stderr}"
    );
}

/// An unknown VAULT_LOG_LEVEL stops exec with one line naming the variable
/// (in JSON under VAULT_JSON_LOG) before anything runs; other commands do not
/// read it.
#[test]
fn unknown_vault_log_level_is_a_one_line_error() {
    let bao = serving_pass("p-unknown");
    let stderr = refused_before_running(bao.kvault().env("VAULT_LOG_LEVEL", "loud"));
    assert_eq!(
        stderr,
        "error: VAULT_LOG_LEVEL=`loud` is not a log level (trace, debug, info, warn, error, fatal, panic)\n"
    );
    let stderr = refused_before_running(
        bao.kvault()
            .env("VAULT_LOG_LEVEL", "loud")
            .env("VAULT_JSON_LOG", "true"),
    );
    let lines = json_lines(&stderr);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(with_level(&lines, "ERROR")[0].contains("VAULT_LOG_LEVEL=`loud`"));
    // Not exec: not read.
    let out = bao
        .kvault()
        .env("VAULT_LOG_LEVEL", "loud")
        .env("VAULT_JSON_LOG", "true")
        .output_of(&["get", "vault:secret/app#pass"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "p-unknown");
}

/// VAULT_ENV_LOG_SERVER (a syslog copy of the logs) is declined with one
/// warning line, and the command runs.
#[test]
fn vault_env_log_server_is_declined_with_a_warning_and_exec_runs() {
    let bao = serving_pass("p-syslog");
    let out = bao
        .kvault()
        .env("VAULT_ENV_LOG_SERVER", "127.0.0.1:514")
        .env("PASS", "vault:secret/app#pass")
        .exec_sh("printf %s \"$PASS\"");
    assert_printed(&out, "p-syslog");
    assert_eq!(
        text(&out.stderr),
        "warning: VAULT_ENV_LOG_SERVER is not supported: kvault's diagnostics stay on stderr (no syslog copy)\n"
    );
}

/// Bank-Vaults' Go-template keys, in the three places vault-sdk's own tests
/// use them: a whole value, inside an inline reference, and on the answer
/// of a transit decrypt write.
#[test]
fn go_template_keys_format_values_whole_inline_and_on_a_transit_decrypt() {
    let bao = OpenBao::start();
    bao.must(&[
        "kv",
        "put",
        "secret/account",
        "username=ann",
        "password=p@ss w/rd&",
    ]);
    // "template-plain" in base64: transit takes and returns base64.
    let ct = bao.transit_ciphertext("mykey", "dGVtcGxhdGUtcGxhaW4=");
    let out = bao
        .kvault()
        .env("QUOTED", "vault:secret/data/account#${.password | urlquery}")
        .env(
            "INLINE_SECRET_EMBEDDED_TEMPLATE",
            "scheme://${vault:secret/data/account#username}:${vault:secret/data/account#${.password | urlquery}}@127.0.0.1:8080",
        )
        .env(
            "TRANSIT_SECRET",
            format!(r#">>vault:transit/decrypt/mykey#${{.plaintext | b64dec}}#{{"ciphertext":"{ct}"}}"#),
        )
        .env("AS_JSON", "vault:secret/account#${toJson .}")
        .env("ENCODED", "vault:secret/account#${.username | b64enc}")
        .exec_sh("printf '%s\\n' \"$QUOTED\" \"$INLINE_SECRET_EMBEDDED_TEMPLATE\" \"$TRANSIT_SECRET\" \"$AS_JSON\" \"$ENCODED\"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "p%40ss+w%2Frd%26\n\
         scheme://ann:p%40ss+w%2Frd%26@127.0.0.1:8080\n\
         template-plain\n\
         {\"password\":\"p@ss w/rd&\",\"username\":\"ann\"}\n\
         YW5u\n"
    );
}

/// A template kvault cannot run fails before any secret is read, on one
/// line naming the variable; one that fails on the data names the variable
/// too and never shows a value.
#[test]
fn a_key_template_that_cannot_work_is_a_one_line_error_naming_the_variable() {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/account", "password=tmpl-secret-4242"]);
    let out = bao
        .kvault()
        .env("HASHED", "vault:secret/account#${.password | sha256sum}")
        .output_of(&["exec", "--", "true"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("HASHED") && stderr.contains("sha256sum"),
        "{stderr}"
    );

    for (var, key) in [
        ("MISSING", "${.nope}"),
        ("NOT_BASE64", "${.password | b64dec}"),
        ("BAD_CALL", "${printf 42 .password}"),
    ] {
        let out = bao
            .kvault()
            .env(var, format!("vault:secret/account#{key}"))
            .output_of(&["exec", "--", "true"]);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(2), "{var}: {all}");
        assert!(all.contains(var), "{var}: {all}");
        assert_eq!(all.trim().lines().count(), 1, "{var}: {all}");
        assert!(!all.contains("tmpl-secret-4242"), "{var} leaked: {all}");
    }
}
