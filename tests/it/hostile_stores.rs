//! Every store command that talks to Vault or Kubernetes, run against misbehaving
//! loopback servers (`hostile.rs`): no token or value in any output, no
//! write sent twice, no hang; each failure one line naming the endpoint.

use crate::harness::{kvault_clean, record, text, words, OpenBao, Run};
use crate::hostile::{Behaviour, Hostile};
use std::path::Path;
use std::time::{Duration, Instant};

/// A token shaped like a real one, and one that is not: either must be
/// hidden, by its shape or because kvault knows it.
const TOKENS: &[&str] = &[
    "hvs.CAESIHostileTokenValue0123456789",
    "plainHostileToken-4411",
];
const VALUE: &str = "HostileValue-p@ss w0rd/77";

/// Every form a secret may take in an echoed request or a log, and its
/// distinctive part alone, should a form be cut or re-encoded.
fn forms(secret: &str) -> Vec<String> {
    let mut out = crate::harness::encoded_forms(secret);
    out.push(
        secret
            .split(['.', '-'])
            .max_by_key(|s| s.len())
            .unwrap()
            .to_string(),
    );
    out
}

fn assert_shows_no_secret(what: &str, out: &std::process::Output, token: &str) {
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    for secret in [token, VALUE] {
        for form in forms(secret) {
            assert!(
                !all.contains(&form),
                "{what}: output shows `{form}`:\n{all}"
            );
        }
    }
    assert_ne!(out.status.code(), Some(101), "{what}: panicked:\n{all}");
}

/// The Vault commands of kvault, each as `kvault ARGS` plus stdin.
fn vault_commands(dir: &Path) -> Vec<(&'static str, Vec<String>)> {
    let plan = dir.join("plan.yaml");
    std::fs::write(
        &plan,
        "secrets:\n  - source: vault:secret/app\n    target: local:copy\n",
    )
    .unwrap();
    let plan = plan.to_str().unwrap().to_string();
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        ("get", args(&["get", "vault:secret/app#a"])),
        (
            "put",
            args(&["put", "vault:secret/app", &format!("a={VALUE}")]),
        ),
        ("put -", args(&["put", "vault:secret/app", "a=-"])),
        ("ls", args(&["ls", "vault:secret/"])),
        ("history", args(&["history", "vault:secret/app"])),
        (
            "exec",
            args(&["exec", "--", "sh", "-c", "echo ${X:-unset}"]),
        ),
        ("sync", args(&["sync", "-f", &plan])),
        ("status", args(&["status", "-f", &plan])),
        (
            "rotate",
            args(&["rotate", "vault:secret/app#a", "--value", "-", "--yes"]),
        ),
        (
            "canary",
            args(&words(
                "canary run --source vault:secret/canary --target local:canary --timeout 3s",
            )),
        ),
    ]
}

fn run_against(addr: &str, token: &str, home: &Path, args: &[String]) -> std::process::Output {
    let mut cmd = kvault_clean(home);
    cmd.env("VAULT_ADDR", addr)
        .env("VAULT_TOKEN", token)
        .env("X", "vault:secret/app#a")
        .env("KVAULT_VAULT_RETRIES", "1")
        .env("KVAULT_VAULT_TIMEOUT", "2s")
        .arg("-vvv")
        .args(args)
        .write_stdin(VALUE)
        .timeout(Duration::from_secs(60));
    cmd.output().unwrap()
}

#[test]
fn error_bodies_that_echo_the_request_show_no_token_and_no_value() {
    let home = tempfile::tempdir().unwrap();
    let echoes = [
        ("text 400", Behaviour::Echo { status: 400 }),
        ("text 500", Behaviour::Echo { status: 500 }),
        ("json 400", Behaviour::EchoJson { status: 400 }),
        ("json 403", Behaviour::EchoJson { status: 403 }),
        ("json 503", Behaviour::EchoJson { status: 503 }),
    ];
    for (name, echo) in echoes {
        // Echo at the first request, and past the mount lookup (so that a
        // write's body is in the echo).
        for behaviour in [echo.clone(), Behaviour::Kv2Then(Box::new(echo.clone()))] {
            let server = Hostile::start(behaviour);
            for token in TOKENS {
                for (what, args) in vault_commands(home.path()) {
                    let out = run_against(&server.addr, token, home.path(), &args);
                    let what = format!("{what} against an echo ({name})");
                    assert_shows_no_secret(&what, &out, token);
                    let err = text(&out.stderr);
                    let error_lines: Vec<&str> =
                        err.lines().filter(|l| l.starts_with("error:")).collect();
                    for line in error_lines {
                        assert!(line.chars().count() < 600, "{what}: long line: {line}");
                    }
                }
            }
        }
        record(
            "leak",
            &format!("Vault error body echoes the request ({name})"),
            "status and redacted errors[] only; no token or value in any output",
        );
    }
}

#[test]
fn answers_of_the_wrong_shape_are_never_quoted() {
    let home = tempfile::tempdir().unwrap();
    let bodies = [
        format!(r#"{{"data":{{"data":"{VALUE}","metadata":{{"version":1}}}}}}"#),
        format!(r#"{{"data":{{"data":{{"a":"x"}},"metadata":{{"version":"{VALUE}"}}}}}}"#),
        format!(r#"{{"data":"{VALUE}""#),
        format!("<html>{VALUE}</html>"),
    ];
    for body in bodies {
        let server = Hostile::start(Behaviour::Kv2Then(Box::new(Behaviour::Fixed {
            status: 200,
            content_type: "application/json",
            body: body.clone(),
        })));
        for (what, args) in vault_commands(home.path()) {
            let out = run_against(&server.addr, TOKENS[0], home.path(), &args);
            assert_shows_no_secret(&format!("{what} on {body}"), &out, TOKENS[0]);
        }
    }
    record(
        "leak",
        "Vault answers JSON of the wrong shape quoting a value",
        "error names the position only, never the text",
    );
}

#[test]
fn redirects_to_another_origin_are_not_followed() {
    let home = tempfile::tempdir().unwrap();
    let elsewhere = Hostile::start(Behaviour::Echo { status: 200 });
    let redirect = Hostile::start(Behaviour::Redirect {
        location: elsewhere.addr.clone(),
    });
    for (what, args) in vault_commands(home.path()) {
        let out = run_against(&redirect.addr, TOKENS[0], home.path(), &args);
        assert_shows_no_secret(what, &out, TOKENS[0]);
    }
    assert!(
        elsewhere.received.lock().unwrap().is_empty(),
        "a request followed the redirect to another origin"
    );
    let out = run_against(
        &redirect.addr,
        TOKENS[0],
        home.path(),
        &["get".into(), "vault:secret/app#a".into()],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("another origin"), "{err}");
    record(
        "leak",
        "redirect to another origin (or https to http)",
        "not followed; exit 2 naming the target origin; nothing sent there",
    );
}

#[test]
fn userinfo_in_vault_addr_is_never_printed() {
    let home = tempfile::tempdir().unwrap();
    let silent = Hostile::start(Behaviour::Silent);
    let port = silent.addr.rsplit(':').next().unwrap().to_string();
    for addr in [
        format!("http://admin:UserInfoSecret77@127.0.0.1:{port}"),
        "http://admin:UserInfoSecret77@127.0.0.1:1".to_string(),
        "http://admin:UserInfoSecret77@[not a url".to_string(),
    ] {
        let out = run_against(
            &addr,
            TOKENS[0],
            home.path(),
            &["get".into(), "vault:secret/app#a".into()],
        );
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!all.contains("UserInfoSecret77"), "{all}");
        assert_eq!(out.status.code(), Some(2), "{all}");
    }
    record(
        "leak",
        "user:password in VAULT_ADDR",
        "never printed; messages name scheme, host and port",
    );
}

/// The two ways a server holds a client: it says nothing after the
/// handshake, or it answers a byte every half second, never finishing.
fn stalling() -> [(&'static str, Behaviour); 2] {
    let trickle = Behaviour::Trickle {
        interval: Duration::from_millis(500),
    };
    [
        ("never answers", Behaviour::Silent),
        ("answers a byte every half second", trickle),
    ]
}

#[test]
fn servers_that_stall_or_trickle_end_every_command_in_bounded_time() {
    let home = tempfile::tempdir().unwrap();
    for (name, behaviour) in stalling() {
        let server = Hostile::start(behaviour);
        for (what, args) in vault_commands(home.path()) {
            let start = Instant::now();
            let out = run_against(&server.addr, TOKENS[1], home.path(), &args);
            let took = start.elapsed();
            let err = text(&out.stderr);
            // 2 tries of a 2 s deadline, a short pause, process start.
            assert!(
                took < Duration::from_secs(15),
                "{what} ({name}) took {took:?}: {err}"
            );
            assert_ne!(out.status.code(), Some(0), "{what} ({name}): {err}");
            assert!(
                err.contains(&server.addr),
                "{what} ({name}) names no endpoint: {err}"
            );
            assert_shows_no_secret(what, &out, TOKENS[1]);
        }
        record(
            "hang",
            &format!("Vault server {name}"),
            "every command ends within 15 s (2 s deadline x 2 tries), naming the endpoint",
        );
    }
}

/// A proxy to `bao` that holds the answers to writes past kvault's 1 s
/// deadline (the write itself reaches OpenBao), and kvault pointed at it
/// with 3 retries.
fn with_late_write_answers(bao: &OpenBao) -> (Hostile, assert_cmd::Command) {
    let proxy = Hostile::start(Behaviour::SlowProxy {
        upstream: bao.addr.clone(),
        methods: vec!["POST", "PUT"],
        hold: Duration::from_secs(3),
    });
    let mut kvault = bao.kvault();
    kvault
        .env("VAULT_ADDR", &proxy.addr)
        .env("KVAULT_VAULT_RETRIES", "3")
        .env("KVAULT_VAULT_TIMEOUT", "1s");
    (proxy, kvault)
}

#[test]
fn a_write_whose_answer_is_late_is_not_written_twice() {
    let bao = OpenBao::start();
    // The write reaches OpenBao; its answer comes after kvault's deadline.
    let (proxy, mut kvault) = with_late_write_answers(&bao);
    let out = kvault
        .args(["put", "vault:secret/once", "a=1"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    let versions = bao.must(&["kv", "metadata", "get", "-format=json", "secret/once"]);
    let meta: serde_json::Value = serde_json::from_str(&versions).unwrap();
    assert_eq!(
        meta["data"]["current_version"], 1,
        "one put made more than one version: {versions}"
    );
    assert_eq!(
        proxy.count("POST") + proxy.count("PUT"),
        1,
        "the write was sent again"
    );
    record(
        "doubled write",
        "KV v2 put whose answer arrives after the deadline",
        "read back, found written: one version, exit 0",
    );
}

#[test]
fn a_dynamic_secret_is_never_issued_twice() {
    let bao = OpenBao::start();
    bao.must(&["secrets", "enable", "pki"]);
    bao.must(&[
        "write",
        "pki/root/generate/internal",
        "common_name=kvault-test",
        "ttl=24h",
    ]);
    bao.must(&[
        "write",
        "pki/roles/app",
        "allow_any_name=true",
        "max_ttl=1h",
    ]);
    let issued = || {
        let certs = bao.must(&["list", "-format=json", "pki/certs"]);
        serde_json::from_str::<Vec<String>>(&certs).unwrap().len()
    };
    let before = issued();
    let (proxy, mut kvault) = with_late_write_answers(&bao);
    let out = kvault
        .env(
            "CERT",
            r#">>vault:pki/issue/app#certificate#{"common_name":"a.example","ttl":"10m"}"#,
        )
        .args(["exec", "--", "sh", "-c", "echo issued"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&proxy.addr), "{err}");
    assert_eq!(
        proxy.count("POST") + proxy.count("PUT"),
        1,
        "issued again: {err}"
    );
    assert_eq!(
        issued(),
        before + 1,
        "the one request issued one certificate: {err}"
    );
    record(
        "doubled write",
        ">>vault: dynamic secret whose answer arrives after the deadline",
        "not sent again: one certificate; exit 2 naming the endpoint",
    );
}

#[test]
fn a_token_with_a_trailing_newline_works_and_control_characters_are_one_line_errors() {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/app", "a=fine"]);
    for token in [format!("{}\n", bao.token), format!("{}\r\n", bao.token)] {
        bao.kvault()
            .env("VAULT_TOKEN", &token)
            .run(&["get", "vault:secret/app#a"])
            .success()
            .stdout("fine");
    }
    let file = bao.home.path().join("token");
    std::fs::write(&file, format!("{}\n", bao.token)).unwrap();
    bao.kvault()
        .env_remove("VAULT_TOKEN")
        .env("VAULT_TOKEN_FILE", &file)
        .run(&["get", "vault:secret/app#a"])
        .success()
        .stdout("fine");
    record(
        "crash",
        "VAULT_TOKEN or token file with a trailing CR/LF",
        "trimmed; works",
    );
    for (case, token) in [
        ("a control character", format!("{}\u{1}x", bao.token)),
        ("an escape", format!("{}\u{1b}[2J", bao.token)),
    ] {
        let out = bao
            .kvault()
            .env("VAULT_TOKEN", &token)
            .output_of(&["get", "vault:secret/app#a"]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{case}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{case}: {err}");
        assert!(
            err.contains("VAULT_TOKEN") && !err.contains(&bao.token),
            "{case}: {err}"
        );
    }
    std::fs::write(&file, format!("{}\0junk", bao.token)).unwrap();
    let out = bao
        .kvault()
        .env_remove("VAULT_TOKEN")
        .env("VAULT_TOKEN_FILE", &file)
        .output_of(&["get", "vault:secret/app#a"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("control character") && !err.contains(&bao.token),
        "{err}"
    );
    record(
        "crash",
        "VAULT_TOKEN or token file with a NUL or control character",
        "one-line error naming the variable or file, exit 2, no panic",
    );
}

#[test]
fn unusable_vault_settings_are_one_line_errors_not_silently_ignored() {
    let home = tempfile::tempdir().unwrap();
    let garbage = home.path().join("ca.pem");
    std::fs::write(&garbage, "this is not a certificate").unwrap();
    // A ~/.vault-token that must not be used when VAULT_TOKEN_FILE is named.
    std::fs::write(home.path().join(".vault-token"), "fallback-token-9").unwrap();
    let missing = home.path().join("no-such-token");
    let (missing, garbage) = (missing.to_str().unwrap(), garbage.to_str().unwrap());
    // (case, environment, what the error must name): each but the first
    // with a token, so that only the bad setting stands in the way.
    let mut cases = vec![(
        "VAULT_TOKEN_FILE missing".to_string(),
        vec![("VAULT_TOKEN_FILE", missing)],
        "no-such-token",
    )];
    for (name, value) in [
        ("VAULT_CACERT", garbage),
        ("KVAULT_VAULT_TIMEOUT", "abc"),
        ("KVAULT_VAULT_TIMEOUT", "0s"),
        ("VAULT_CLIENT_TIMEOUT", "1y2"),
        ("KVAULT_VAULT_RETRIES", "4294967295"),
        ("VAULT_MAX_RETRIES", "-1"),
        ("VAULT_SKIP_VERIFY", "maybe"),
    ] {
        let (case, names) = match name {
            "VAULT_CACERT" => ("VAULT_CACERT garbage".to_string(), "ca.pem"),
            _ => (format!("{name}={value}"), name),
        };
        cases.push((case, vec![("VAULT_TOKEN", "t"), (name, value)], names));
    }
    for (case, env, names) in cases {
        let mut cmd = kvault_clean(home.path());
        cmd.env_remove("KVAULT_VAULT_TIMEOUT")
            .env_remove("KVAULT_VAULT_RETRIES")
            .env("VAULT_ADDR", "http://127.0.0.1:1");
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let out = cmd
            .args(["get", "vault:secret/app#a"])
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{case}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{case}: {err}");
        assert!(err.contains(names), "{case} is not named: {err}");
        assert!(
            !err.contains("cannot connect"),
            "{case}: got as far as connecting: {err}"
        );
        record(
            "bad input",
            &format!("setting: {case}"),
            "one-line error naming it, exit 2",
        );
    }
    // A bad Vault setting does not break commands that never use Vault.
    kvault_clean(home.path())
        .env("KVAULT_VAULT_TIMEOUT", "abc")
        .run(&["put", "local:app", "a=1"])
        .success();
}

/// A kubeconfig whose server is `addr` (plain HTTP, a bearer token).
fn kubeconfig_for(dir: &Path, addr: &str) -> std::path::PathBuf {
    let file = dir.join("kubeconfig");
    std::fs::write(
        &file,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: \"{addr}\"}}\n\
             users:\n- name: u\n  user: {{token: {}}}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u, namespace: default}}\n\
             current-context: x\n",
            TOKENS[0]
        ),
    )
    .unwrap();
    file
}

#[test]
fn a_stalled_kube_apiserver_ends_every_command_in_bounded_time() {
    let home = tempfile::tempdir().unwrap();
    let plan = home.path().join("plan.yaml");
    std::fs::write(
        &plan,
        "secrets:\n  - source: local:app\n    target: k8s:default/app\n",
    )
    .unwrap();
    kvault_clean(home.path())
        .run(&["put", "local:app", "a=1"])
        .success();
    let plan = plan.to_str().unwrap();
    for (name, behaviour) in stalling() {
        let server = Hostile::start(behaviour);
        let kubeconfig = kubeconfig_for(home.path(), &server.addr);
        let commands: Vec<(&str, Vec<&str>)> = vec![
            ("get", vec!["get", "k8s:default/app#a"]),
            ("exec", vec!["exec", "--", "true"]),
            ("sync", vec!["sync", "-f", plan]),
            ("status", vec!["status", "-f", plan]),
            ("audit", vec!["audit"]),
        ];
        for (what, args) in commands {
            let start = Instant::now();
            let out = kvault_clean(home.path())
                .env("KUBECONFIG", &kubeconfig)
                .env("KVAULT_KUBE_TIMEOUT", "2s")
                .env("X", "k8s:default/app#a")
                .args(&args)
                .timeout(Duration::from_secs(90))
                .output()
                .unwrap();
            let took = start.elapsed();
            let err = text(&out.stderr);
            assert!(
                took < Duration::from_secs(20),
                "{what} ({name}) took {took:?}: {err}"
            );
            assert_eq!(out.status.code(), Some(2), "{what} ({name}): {err}");
            // sync and status report per target on stdout.
            let all = format!("{}{err}", text(&out.stdout));
            let port = server.addr.rsplit(':').next().unwrap();
            assert!(
                all.contains(port),
                "{what} ({name}) names no endpoint: {all}"
            );
            assert_shows_no_secret(what, &out, TOKENS[0]);
        }
        record(
            "hang",
            &format!("kube-apiserver {name}"),
            "get, exec, sync, status, audit end within 20 s (2 s deadline), exit 2 naming the endpoint",
        );
    }
}

#[test]
fn a_kube_answer_that_never_ends_is_cut_at_its_size_cap_not_read_into_memory() {
    let home = tempfile::tempdir().unwrap();
    let server = Hostile::start(Behaviour::Flood);
    let kubeconfig = kubeconfig_for(home.path(), &server.addr);
    let start = Instant::now();
    // A deadline long enough that only the size cap can end the read.
    let out = kvault_clean(home.path())
        .env("KUBECONFIG", &kubeconfig)
        .env("KVAULT_KUBE_TIMEOUT", "120s")
        .args(["get", "k8s:default/app#a"])
        .timeout(Duration::from_secs(150))
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("larger than 256 MiB"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    record(
        "hang",
        "kube-apiserver answer that never ends",
        "cut at 256 MiB (not read into memory), exit 2 naming the endpoint",
    );
}

#[test]
fn a_vault_answer_that_never_ends_is_cut_at_its_size_cap_not_read_into_memory() {
    let home = tempfile::tempdir().unwrap();
    let server = Hostile::start(Behaviour::Flood);
    let start = Instant::now();
    // A deadline long enough that only the size cap can end the read.
    let out = kvault_clean(home.path())
        .env("VAULT_ADDR", &server.addr)
        .env("VAULT_TOKEN", "s.hostile-flood-token")
        .env("KVAULT_VAULT_TIMEOUT", "120s")
        .args(["get", "vault:secret/app#a"])
        .timeout(Duration::from_secs(150))
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("larger than 64 MiB"), "{err}");
    assert!(err.contains("secret/app"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!err.contains("hostile-flood-token"), "{err}");
    record(
        "hang",
        "Vault answer that never ends",
        "cut at 64 MiB (not read into memory), one line naming the path",
    );
}
