//! `kvault exec`: references in the environment become values, then the
//! command replaces kvault.

use crate::harness::{kvault_clean, text, OpenBao};
use predicates::prelude::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn local_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    kvault_clean(home.path())
        .args(["put", "local:app/db", "user=u-local", "pass=p-local"])
        .assert()
        .success();
    kvault_clean(home.path())
        .args(["put", "local:app/api", "token=t-local"])
        .assert()
        .success();
    home
}

#[test]
fn references_and_templates_are_replaced_with_one_read_per_secret() {
    let home = local_home();
    kvault_clean(home.path())
        .env("USER_NAME", "local:app/db#user")
        .env("PASS", "local:app/db#pass")
        .env(
            "DSN",
            "postgres://${local:app/db#user}:${local:app/db#pass}@db",
        )
        .env("TOKEN", "local:app/api#token")
        .env("PLAIN", "stays")
        .args([
            "-v",
            "exec",
            "--",
            "sh",
            "-c",
            "echo \"$USER_NAME $PASS $DSN $TOKEN $PLAIN\"",
        ])
        .assert()
        .success()
        .stdout("u-local p-local postgres://u-local:p-local@db t-local stays\n")
        .stderr(predicate::str::contains("reads=2"));
}

#[test]
fn the_command_replaces_kvault_keeping_its_pid_and_exit_code() {
    let home = local_home();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", home.path())
        .env("KVAULT_LOCAL_STORE", home.path().join("kvault-store"))
        .env("PASS", "local:app/db#pass")
        .args(["exec", "--", "sh", "-c", "echo $$; exit 42"])
        .stdout(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(42));
    assert_eq!(text(&out.stdout).trim(), pid.to_string());
}

#[test]
fn an_unresolvable_reference_stops_before_the_command_runs() {
    let home = local_home();
    let marker = home.path().join("ran");
    kvault_clean(home.path())
        .env("GOOD", "local:app/db#pass")
        .env("BAD", "local:app/db#missing")
        .args(["exec", "--", "touch", marker.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("BAD=`local:app/db#missing`")
                .and(predicate::str::contains("p-local").not()),
        );
    assert!(!marker.exists(), "the command must not run");
}

#[test]
fn ignore_missing_runs_the_command_without_the_variable() {
    let home = local_home();
    kvault_clean(home.path())
        .env("BAD", "local:app/nothing#x")
        .args([
            "exec",
            "--ignore-missing",
            "--",
            "sh",
            "-c",
            "echo \"[${BAD-unset}]\"",
        ])
        .assert()
        .success()
        .stdout("[unset]\n");
    kvault_clean(home.path())
        .env("BAD", "local:app/nothing#x")
        .env("VAULT_IGNORE_MISSING_SECRETS", "true")
        .args(["exec", "--", "sh", "-c", "echo \"[${BAD-unset}]\""])
        .assert()
        .success()
        .stdout("[unset]\n");
}

#[test]
fn a_malformed_reference_is_a_usage_error_naming_the_variable() {
    let home = local_home();
    kvault_clean(home.path())
        .env("BAD", "local:app/db#")
        .args(["exec", "--", "true"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("BAD: "));
}

#[test]
fn a_missing_command_exits_127() {
    let home = local_home();
    kvault_clean(home.path())
        .args(["exec", "--", "/nonexistent/app"])
        .assert()
        .code(127);
}

#[test]
fn credentials_are_removed_from_the_child_unless_asked() {
    let home = local_home();
    let show = "echo \"[${VAULT_TOKEN-none}] [${VAULT_SECRET_ID-none}]\"";
    kvault_clean(home.path())
        .env("VAULT_TOKEN", "tok-abc")
        .env("VAULT_SECRET_ID", "sid-abc")
        .args(["exec", "--", "sh", "-c", show])
        .assert()
        .success()
        .stdout("[none] [none]\n");
    kvault_clean(home.path())
        .env("VAULT_TOKEN", "tok-abc")
        .args(["exec", "--pass-credentials", "--", "sh", "-c", show])
        .assert()
        .success()
        .stdout("[tok-abc] [none]\n");
    kvault_clean(home.path())
        .env("VAULT_TOKEN", "tok-abc")
        .env("VAULT_ENV_PASSTHROUGH", "VAULT_TOKEN")
        .args(["exec", "--", "sh", "-c", show])
        .assert()
        .success()
        .stdout("[tok-abc] [none]\n");
}

#[test]
fn watch_restarts_the_command_when_a_value_changes() {
    let home = local_home();
    let log = home.path().join("seen");
    let script = format!("echo \"$PASS\" >> {}; exec sleep 30", log.display());
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", home.path())
        .env("KVAULT_LOCAL_STORE", home.path().join("kvault-store"))
        .env("PASS", "local:app/db#pass")
        .args(["exec", "--watch", "200ms", "--", "sh", "-c", &script])
        .spawn()
        .unwrap();
    let wait_for = |want: &str| {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(15) {
            if std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains(want)
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    };
    assert!(wait_for("p-local"));
    kvault_clean(home.path())
        .args(["put", "local:app/db", "user=u-local", "pass=p-changed"])
        .assert()
        .success();
    assert!(wait_for("p-changed"), "restarted with the new value");
    // SIGTERM to kvault is forwarded; kvault exits with the child's status.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + 15));
}

/// vault-env's contract on a real OpenBao: dynamic write references,
/// transit ciphertexts, VAULT_ENV_FROM_PATH and VAULT_TOKEN=vault:login.
#[test]
fn bank_vaults_vault_env_contract_on_openbao() {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/app", "user=u-bao", "pass=p-bao"]);
    bao.must(&["kv", "put", "secret/envfrom", "FROM_A=a1", "FROM_B=b1"]);
    // Transit: a ciphertext made by bao, decrypted by kvault in a batch.
    bao.must(&["secrets", "enable", "transit"]);
    bao.must(&["write", "-f", "transit/keys/app"]);
    let ct = bao.must(&[
        "write",
        "-field=ciphertext",
        "transit/encrypt/app",
        "plaintext=dHJhbnNpdC12YWx1ZQ==",
    ]);
    // PKI: one request per distinct `>>vault:` reference, so the serial and the
    // certificate come from the same issue call.
    bao.must(&["secrets", "enable", "pki"]);
    bao.must(&[
        "write",
        "pki/root/generate/internal",
        "common_name=test.local",
        "ttl=1h",
    ]);
    bao.must(&[
        "write",
        "pki/roles/web",
        "allowed_domains=test.local",
        "allow_subdomains=true",
        "max_ttl=1h",
    ]);
    let params = r#"{"common_name":"a.test.local","ttl":"10m"}"#;
    let script = "printf '%s|%s|%s|%s|%s\\n' \"$USER_NAME\" \"$SECRET\" \"$FROM_A\" \"$FROM_B\" \"$SERIAL\"; printf '%s' \"$CERT\" > cert.pem";
    let out = bao
        .kvault()
        .current_dir(bao.home.path())
        .env("USER_NAME", "vault:secret/data/app#user")
        .env("SECRET", ct.trim())
        .env("VAULT_TRANSIT_KEY_ID", "app")
        .env("VAULT_ENV_FROM_PATH", "secret/envfrom")
        .env(
            "SERIAL",
            format!(">>vault:pki/issue/web#serial_number#{params}"),
        )
        .env(
            "CERT",
            format!(">>vault:pki/issue/web#certificate#{params}"),
        )
        .args(["exec", "--", "sh", "-c", script])
        .assert()
        .success()
        .get_output()
        .clone();
    let line = text(&out.stdout);
    let parts: Vec<&str> = line.trim().split('|').collect();
    assert_eq!(
        &parts[..4],
        &["u-bao", "transit-value", "a1", "b1"],
        "{line}"
    );
    let cert = bao.home.path().join("cert.pem");
    let serial = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-serial", "-in"])
        .arg(&cert)
        .output()
        .unwrap();
    let serial = text(&serial.stdout)
        .trim()
        .trim_start_matches("serial=")
        .to_lowercase();
    assert_eq!(
        serial,
        parts[4].replace(':', "").to_lowercase(),
        "serial and certificate from one request"
    );

    // VAULT_TOKEN=vault:login: log in (AppRole) and hand the token to the child.
    let (role_id, secret_id) = bao.approle(&["token_policies=default"]);
    let out = bao
        .kvault()
        .env("VAULT_TOKEN", "vault:login")
        .env("VAULT_ROLE_ID", &role_id)
        .env("VAULT_SECRET_ID", &secret_id)
        .args([
            "exec",
            "--",
            "sh",
            "-c",
            "echo \"$VAULT_TOKEN\"; echo \"${VAULT_SECRET_ID-gone}\"",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let lines: Vec<String> = text(&out.stdout).lines().map(String::from).collect();
    assert!(
        lines[0].starts_with("s.") || lines[0].len() > 20,
        "a real token: {lines:?}"
    );
    assert_eq!(lines[1], "gone");
    let lookup = std::process::Command::new(crate::harness::bao_binary())
        .args(["token", "lookup", "-format=json"])
        .env("BAO_ADDR", &bao.addr)
        .env("BAO_TOKEN", &lines[0])
        .env("HOME", bao.home.path())
        .output()
        .unwrap();
    assert!(lookup.status.success(), "the child's token works");
}

/// Under --watch a dynamic credential is issued once and kept (its lease is
/// looked after), not re-issued on every re-read, which would restart the
/// app at every tick.
#[test]
fn watch_keeps_a_dynamic_credential_instead_of_reissuing_it() {
    let bao = OpenBao::start();
    bao.must(&["secrets", "enable", "pki"]);
    bao.must(&[
        "write",
        "pki/root/generate/internal",
        "common_name=test.local",
        "ttl=2h",
    ]);
    bao.must(&[
        "write",
        "pki/roles/web",
        "allowed_domains=test.local",
        "allow_subdomains=true",
        "max_ttl=1h",
        "generate_lease=true",
    ]);
    let log = bao.home.path().join("starts");
    let script = format!("echo \"$SERIAL\" >> {}; exec sleep 30", log.display());
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", bao.home.path())
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", &bao.token)
        .env(
            "SERIAL",
            r#">>vault:pki/issue/web#serial_number#{"common_name":"a.test.local","ttl":"30m"}"#,
        )
        .args(["exec", "--watch", "200ms", "--", "sh", "-c", &script]);
    let mut child = cmd.spawn().unwrap();
    std::thread::sleep(Duration::from_secs(3));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    child.wait().unwrap();
    let starts = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        starts.lines().count(),
        1,
        "started once, with one credential: {starts}"
    );
    assert!(!starts.trim().is_empty());
}

/// A `reader` policy for `secret/app/*` and the secret `secret/app/db`.
fn reader_setup(bao: &OpenBao) {
    bao.policy("reader", "secret/data/app/*", &["read"]);
    bao.must(&["kv", "put", "secret/app/db", "pass=token-life-1"]);
}

/// `kvault exec --watch` with `PASS=vault:secret/app/db#pass` and `env`,
/// its child appending `$PASS` to `log` at each start. HOME is `log`'s
/// folder, which holds no ~/.vault-token.
fn watch_pass(bao: &OpenBao, log: &std::path::Path, env: &[(&str, &str)]) -> std::process::Child {
    let script = format!("echo \"$PASS\" >> {}; exec sleep 60", log.display());
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", log.parent().unwrap())
        .env("VAULT_ADDR", &bao.addr)
        .env("PASS", "vault:secret/app/db#pass")
        .envs(env.iter().copied())
        .args(["exec", "-vv", "--watch", "300ms", "--", "sh", "-c", &script])
        .stderr(Stdio::piped());
    cmd.spawn().unwrap()
}

fn stop(child: &mut std::process::Child) -> String {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    child.wait().unwrap();
    let mut stderr = String::new();
    use std::io::Read as _;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    stderr
}

/// A token given to kvault with a 4 s TTL outlives it several times over
/// under --watch: kvault renews it at half-life.
#[test]
fn watch_renews_the_token_it_was_given() {
    let bao = OpenBao::start();
    reader_setup(&bao);
    let token = bao.must(&[
        "token",
        "create",
        "-policy=reader",
        "-ttl=4s",
        "-field=token",
    ]);
    let token = token.trim();
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("starts");
    let mut child = watch_pass(&bao, &log, &[("VAULT_TOKEN", token)]);
    std::thread::sleep(Duration::from_secs(10));
    let alive = bao.bao(&["token", "lookup", token]);
    let stderr = stop(&mut child);
    assert!(
        alive.status.success(),
        "the token expired: {}\n{stderr}",
        text(&alive.stderr)
    );
    assert!(stderr.contains("renewed the vault token"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "token-life-1\n");
    assert!(
        !stderr.contains(token) && !stderr.contains("token-life-1"),
        "{stderr}"
    );
}

/// An AppRole token capped at a 4 s max TTL cannot be renewed past it:
/// kvault logs in again and keeps reading, so a change made long after the
/// first token died still reaches the command.
#[test]
fn watch_logs_in_again_when_its_token_reaches_the_max_ttl() {
    let bao = OpenBao::start();
    reader_setup(&bao);
    let (role_id, secret_id) =
        bao.approle(&["token_policies=reader", "token_ttl=3s", "token_max_ttl=4s"]);
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("starts");
    let mut child = watch_pass(
        &bao,
        &log,
        &[
            ("VAULT_ROLE_ID", role_id.as_str()),
            ("VAULT_SECRET_ID", secret_id.as_str()),
        ],
    );
    std::thread::sleep(Duration::from_secs(8));
    bao.must(&["kv", "put", "secret/app/db", "pass=token-life-2"]);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(15)
        && !std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("token-life-2")
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let stderr = stop(&mut child);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "token-life-1\ntoken-life-2\n",
        "{stderr}"
    );
    assert!(stderr.contains("logging in to Vault again"), "{stderr}");
    assert!(!stderr.contains(&secret_id), "{stderr}");
}
