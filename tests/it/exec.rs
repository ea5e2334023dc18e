//! `kvault exec`: references in the environment become values, then the
//! command replaces kvault.

use crate::harness::{assert_printed, kvault_clean, text, OpenBao, Run};
use predicates::prelude::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn local_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    kvault_clean(home.path())
        .run(&["put", "local:app/db", "user=u-local", "pass=p-local"])
        .success();
    kvault_clean(home.path())
        .run(&["put", "local:app/api", "token=t-local"])
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
        .run(&[
            "-v",
            "exec",
            "--",
            "sh",
            "-c",
            "echo \"$USER_NAME $PASS $DSN $TOKEN $PLAIN\"",
        ])
        .success()
        .stdout("u-local p-local postgres://u-local:p-local@db t-local stays\n")
        .stderr(predicate::str::contains("reads=2"));
}

#[test]
fn env_files_hold_references_and_templates_and_win_over_the_environment() {
    let home = local_home();
    let (base, local) = (home.path().join("app.env"), home.path().join("local.env"));
    std::fs::write(
        &base,
        "# the app's settings\nUSER_NAME=local:app/db#user\nDSN=\"postgres://${local:app/db#user}:${local:app/db#pass}@db\"\nMODE=base\n",
    )
    .unwrap();
    std::fs::write(&local, "export MODE='local'\nTOKEN=local:app/api#token\n").unwrap();
    let out = kvault_clean(home.path())
        .env("USER_NAME", "from-the-shell")
        .env("KEPT", "inherited")
        .args(["exec", "--env-file"])
        .arg(&base)
        .arg("--env-file")
        .arg(&local)
        .output_of(&[
            "--",
            "sh",
            "-c",
            "echo \"$USER_NAME $DSN $MODE $TOKEN $KEPT\"",
        ]);
    assert_printed(
        &out,
        "u-local postgres://u-local:p-local@db local t-local inherited\n",
    );
    assert!(!text(&out.stderr).contains("p-local"));
}

#[test]
fn a_bad_env_file_stops_before_the_command_runs_naming_file_and_line() {
    let home = local_home();
    let file = home.path().join("bad.env");
    std::fs::write(&file, "A=1\nthis is not-a-pair s3cr3t-looking\n").unwrap();
    let out = kvault_clean(home.path())
        .args(["exec", "--env-file"])
        .arg(&file)
        .output_of(&["--", "sh", "-c", "echo ran"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(text(&out.stdout).is_empty());
    assert!(err.contains("bad.env: line 2"), "{err}");
    assert!(!err.contains("s3cr3t"), "{err}");
    kvault_clean(home.path())
        .run(&["exec", "--env-file", "/nonexistent.env", "--", "true"])
        .code(2)
        .stderr(predicate::str::contains("/nonexistent.env"));
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
        .run(&["exec", "--", "touch", marker.to_str().unwrap()])
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
        .run(&["exec", "--", "true"])
        .code(2)
        .stderr(predicate::str::contains("BAD: "));
}

#[test]
fn a_missing_command_exits_127() {
    let home = local_home();
    kvault_clean(home.path())
        .run(&["exec", "--", "/nonexistent/app"])
        .code(127);
}

#[test]
fn credentials_are_removed_from_the_child_unless_asked() {
    let home = local_home();
    let show = "echo \"[${VAULT_TOKEN-none}] [${VAULT_SECRET_ID-none}]\"";
    kvault_clean(home.path())
        .env("VAULT_TOKEN", "tok-abc")
        .env("VAULT_SECRET_ID", "sid-abc")
        .run(&["exec", "--", "sh", "-c", show])
        .success()
        .stdout("[none] [none]\n");
    kvault_clean(home.path())
        .env("VAULT_TOKEN", "tok-abc")
        .run(&["exec", "--pass-credentials", "--", "sh", "-c", show])
        .success()
        .stdout("[tok-abc] [none]\n");
    kvault_clean(home.path())
        .env("VAULT_TOKEN", "tok-abc")
        .env("VAULT_ENV_PASSTHROUGH", "VAULT_TOKEN")
        .run(&["exec", "--", "sh", "-c", show])
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
        .run(&["put", "local:app/db", "user=u-local", "pass=p-changed"])
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
    let ct = bao.transit_ciphertext("app", "dHJhbnNpdC12YWx1ZQ==");
    // PKI: one request per distinct `>>vault:` reference, so the serial and the
    // certificate come from the same issue call.
    bao.pki_with_web_role("1h", &[]);
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
        .run(&["exec", "--", "sh", "-c", script])
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
        .run(&[
            "exec",
            "--",
            "sh",
            "-c",
            "echo \"$VAULT_TOKEN\"; echo \"${VAULT_SECRET_ID-gone}\"",
        ])
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
    bao.pki_with_web_role("2h", &["generate_lease=true"]);
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
    let token = bao.new_token("-policy=reader -ttl=4s");
    let token = token.as_str();
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

/// `kvault` started by the test itself (to signal it), with a clean
/// environment: PATH, a private HOME and a local store inside it.
pub(crate) fn kvault_process(home: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", home)
        .env("KVAULT_LOCAL_STORE", home.join("kvault-store"))
        .stdin(Stdio::null());
    cmd
}

pub(crate) fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

pub(crate) fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// `kvault exec OPTIONS -- sh -c SCRIPT` in `home`, with one local
/// reference to resolve.
fn watch_sh_command(
    home: &std::path::Path,
    options: &[&str],
    script: &str,
) -> std::process::Command {
    let mut cmd = kvault_process(home);
    cmd.env("PASS", "local:app/db#pass")
        .arg("exec")
        .args(options)
        .args(["--", "sh", "-c", script]);
    cmd
}

/// `kvault exec --watch 1s -- sh -c SCRIPT` in `home`, started in the
/// background.
fn watch_sh(home: &std::path::Path, script: &str) -> std::process::Child {
    watch_sh_command(home, &["--watch", "1s"], script)
        .spawn()
        .unwrap()
}

/// `kvault exec OPTIONS -- sh -c SCRIPT` started in the background in a
/// home of its own, whose script writes to `home/FILE`: `script` gets that
/// file's path, and this returns once the file says `ready`. kvault's
/// stderr goes to `home/kvault.stderr`.
fn watch_sh_until(
    options: &[&str],
    file: &str,
    script: impl FnOnce(&str) -> String,
    ready: &str,
) -> (tempfile::TempDir, std::path::PathBuf, std::process::Child) {
    let home = local_home();
    let path = home.path().join(file);
    let stderr = std::fs::File::create(home.path().join("kvault.stderr")).unwrap();
    let child = watch_sh_command(home.path(), options, &script(&path.display().to_string()))
        .stderr(stderr)
        .spawn()
        .unwrap();
    assert!(wait_until(Duration::from_secs(15), || path.exists()
        && read(&path).contains(ready)));
    (home, path, child)
}

pub(crate) fn send(pid: u32, signal: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), signal).unwrap();
}

/// Wait for `child` to exit, at most `limit`; kill it if it does not.
pub(crate) fn exit_within(
    child: &mut std::process::Child,
    limit: Duration,
) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Whether process `pid` is gone or a zombie.
fn dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Zombie processes whose parent is `parent`.
fn zombies_of(parent: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = read(std::path::Path::new(&format!("/proc/{pid}/stat")));
            let fields: Vec<&str> = stat
                .rsplit_once(')')
                .map_or("", |(_, r)| r)
                .split_whitespace()
                .collect();
            fields.first() == Some(&"Z") && fields.get(1) == Some(&parent.to_string().as_str())
        })
        .collect()
}

/// SIGTERM reaches the command at once even while a re-read hangs on a
/// store that accepts connections and never answers (OpenBao stopped with
/// SIGSTOP); kvault exits with the command's code. It took 78 s before.
#[test]
fn watch_forwards_sigterm_at_once_while_a_re_read_is_stalled() {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/app/db", "pass=stall-1"]);
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("log");
    let script = format!(
        "trap 'echo term >> {0}; exit 7' TERM; echo up >> {0}; while :; do sleep 0.05; done",
        log.display()
    );
    let mut child = kvault_process(home.path())
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", &bao.token)
        .env("PASS", "vault:secret/app/db#pass")
        .args(["exec", "--watch", "200ms", "--", "sh", "-c", &script])
        .spawn()
        .unwrap();
    assert!(wait_until(Duration::from_secs(15), || read(&log).contains("up")));
    std::thread::sleep(Duration::from_millis(500));
    send(bao.pid(), nix::sys::signal::Signal::SIGSTOP);
    // Re-reads are now in flight and stalled.
    std::thread::sleep(Duration::from_secs(1));
    let start = Instant::now();
    send(child.id(), nix::sys::signal::Signal::SIGTERM);
    let status = exit_within(&mut child, Duration::from_secs(60));
    let took = start.elapsed();
    send(bao.pid(), nix::sys::signal::Signal::SIGCONT);
    eprintln!("SIGTERM to exit: {took:?}");
    assert_eq!(status.and_then(|s| s.code()), Some(7), "{}", read(&log));
    assert!(read(&log).contains("term"));
    assert!(took < Duration::from_secs(2), "took {took:?}");
    crate::harness::record(
        "supervisor",
        "SIGTERM while a re-read waits on a stalled store",
        "forwarded at once, exit within seconds",
    );
}

/// SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM, SIGCONT, SIGURG, SIGPWR and
/// SIGVTALRM (every catchable signal, as vault-env's daemon mode) are
/// forwarded and the command keeps running; SIGINT is forwarded and kvault
/// exits with its code.
#[test]
fn watch_forwards_every_supervised_signal_to_the_command() {
    let script = |log: &str| {
        let mut script = String::new();
        for sig in [
            "HUP", "USR1", "USR2", "WINCH", "ALRM", "CONT", "URG", "PWR", "VTALRM",
        ] {
            script.push_str(&format!("trap 'echo {sig} >> {log}' {sig}; "));
        }
        script
            + &format!(
            "trap 'echo INT >> {log}; exit 3' INT; echo up >> {log}; while :; do sleep 0.05; done"
        )
    };
    let (_home, log, mut child) = watch_sh_until(&["--watch", "1s"], "log", script, "up");
    use nix::sys::signal::Signal::*;
    for (sig, name) in [
        (SIGHUP, "HUP"),
        (SIGUSR1, "USR1"),
        (SIGUSR2, "USR2"),
        (SIGWINCH, "WINCH"),
        (SIGALRM, "ALRM"),
        (SIGCONT, "CONT"),
        (SIGURG, "URG"),
        (SIGPWR, "PWR"),
        (SIGVTALRM, "VTALRM"),
    ] {
        send(child.id(), sig);
        assert!(
            wait_until(Duration::from_secs(5), || read(&log).contains(name)),
            "{name} not forwarded: {}",
            read(&log)
        );
    }
    send(child.id(), SIGINT);
    let status = exit_within(&mut child, Duration::from_secs(5));
    assert_eq!(status.and_then(|s| s.code()), Some(3), "{}", read(&log));
    crate::harness::record(
        "supervisor",
        "HUP, USR1, USR2, WINCH, ALRM, CONT, URG, PWR, VTALRM, INT sent to kvault",
        "each reaches the command",
    );
}

/// SIGTSTP, SIGTTIN and SIGTTOU are neither caught nor ignored by kvault:
/// at their default they stop kvault itself (as Ctrl-Z does, so the shell
/// gets its prompt back), while SIGTERM and SIGCONT are caught and
/// forwarded. Read from the kernel's view of kvault's handlers
/// (/proc/PID/status), not from a stop: the kernel discards a stop signal
/// sent to an orphaned process group, which a CI runner may well be.
#[test]
fn watch_leaves_the_job_control_stops_to_stop_kvault_itself() {
    let script = |log: &str| {
        format!("trap 'echo CONT >> {log}' CONT; echo up >> {log}; while :; do sleep 0.05; done")
    };
    let (_home, log, mut child) = watch_sh_until(&["--watch", "1s"], "log", script, "up");
    let mask = |field: &str| {
        let status = read(&std::path::PathBuf::from(format!(
            "/proc/{}/status",
            child.id()
        )));
        let hex = status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .map(str::trim)
            .unwrap_or("0");
        u64::from_str_radix(hex, 16).unwrap()
    };
    let (caught, ignored) = (mask("SigCgt:"), mask("SigIgn:"));
    use nix::sys::signal::Signal::{self, *};
    let bit = |s: Signal| 1u64 << (s as i32 - 1);
    send(child.id(), SIGCONT);
    let forwarded = wait_until(Duration::from_secs(5), || read(&log).contains("CONT"));
    send(child.id(), SIGTERM);
    let exited = exit_within(&mut child, Duration::from_secs(5)).is_some();
    if !exited {
        let _ = child.kill();
    }
    for stop in [SIGTSTP, SIGTTIN, SIGTTOU] {
        assert_eq!(caught & bit(stop), 0, "{stop} is caught");
        assert_eq!(ignored & bit(stop), 0, "{stop} is ignored");
    }
    assert_ne!(caught & bit(SIGTERM), 0, "SIGTERM is not caught");
    assert_ne!(caught & bit(SIGCONT), 0, "SIGCONT is not caught");
    assert!(forwarded, "SIGCONT not forwarded: {}", read(&log));
    assert!(exited, "kvault did not exit on SIGTERM");
}

/// kvault is the subreaper of what the command starts: an orphaned
/// grandchild is re-parented to kvault, and reaped when it exits while the
/// command keeps running (no zombie is left, as under tini).
#[test]
fn watch_reaps_the_orphans_the_command_leaves_behind() {
    let home = local_home();
    let ppid = home.path().join("gc-ppid");
    let gc = home.path().join("gc.sh");
    std::fs::write(
        &gc,
        format!(
            "sleep 0.3; read -r _ _ _ ppid _ < /proc/$$/stat; echo $ppid > {}.tmp; mv {0}.tmp {0}\n",
            ppid.display()
        ),
    )
    .unwrap();
    let script = format!("(sh {} &); exec sleep 30", gc.display());
    let mut child = watch_sh(home.path(), &script);
    let kvault = child.id();
    assert!(wait_until(Duration::from_secs(15), || ppid.exists()));
    assert_eq!(
        read(&ppid).trim(),
        kvault.to_string(),
        "the orphan was re-parented to kvault"
    );
    let reaped = wait_until(Duration::from_secs(5), || zombies_of(kvault).is_empty());
    let alive = child.try_wait().unwrap().is_none();
    send(kvault, nix::sys::signal::Signal::SIGTERM);
    let status = exit_within(&mut child, Duration::from_secs(5));
    assert!(reaped, "zombies left: {:?}", zombies_of(kvault));
    assert!(alive, "kvault kept supervising the command");
    assert_eq!(status.and_then(|s| s.code()), Some(128 + 15));
    crate::harness::record(
        "supervisor",
        "orphans re-parented to kvault (subreaper)",
        "reaped, no zombies left",
    );
}

/// A command that ignores SIGTERM gets SIGKILL once --grace has passed.
#[test]
fn watch_kills_a_command_that_ignores_sigterm_after_the_grace_period() {
    let script =
        |log: &str| format!("trap '' TERM; echo up >> {log}; while :; do sleep 0.05; done");
    let options = ["--watch", "1s", "--grace", "1s"];
    let (home, _log, mut child) = watch_sh_until(&options, "log", script, "up");
    let start = Instant::now();
    send(child.id(), nix::sys::signal::Signal::SIGTERM);
    let status = exit_within(&mut child, Duration::from_secs(30));
    let took = start.elapsed();
    let stderr = read(&home.path().join("kvault.stderr"));
    assert_eq!(status.and_then(|s| s.code()), Some(128 + 9), "{stderr}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "took {took:?}"
    );
    assert!(
        stderr.contains("within 1s of SIGTERM: sending SIGKILL"),
        "{stderr}"
    );
    crate::harness::record(
        "supervisor",
        "a command that ignores SIGTERM",
        "SIGKILL after --grace",
    );
}

/// On restart too: the old command has --grace to exit before SIGKILL,
/// then the new one starts with the new value.
#[test]
fn watch_restart_kills_a_command_that_ignores_sigterm_after_the_grace_period() {
    let script =
        |log: &str| format!("trap '' TERM; echo \"$PASS\" >> {log}; while :; do sleep 0.05; done");
    let options = ["--watch", "200ms", "--grace", "1s"];
    let (home, log, mut child) = watch_sh_until(&options, "seen", script, "p-local");
    kvault_clean(home.path())
        .run(&["put", "local:app/db", "user=u-local", "pass=p-stubborn"])
        .success();
    let changed = Instant::now();
    assert!(wait_until(Duration::from_secs(15), || read(&log)
        .contains("p-stubborn")));
    let took = changed.elapsed();
    send(child.id(), nix::sys::signal::Signal::SIGKILL);
    let _ = child.wait();
    assert!(
        took >= Duration::from_millis(900),
        "restarted after {took:?}"
    );
    assert_eq!(read(&log), "p-local\np-stubborn\n");
    crate::harness::record(
        "supervisor",
        "restart of a command that ignores SIGTERM",
        "SIGKILL after --grace, new command started",
    );
}

/// The command's parent-death signal is SIGKILL: a kvault killed with
/// SIGKILL does not leave its command running as an orphan.
#[test]
fn the_command_dies_when_kvault_is_killed() {
    let script = |pid: &str| format!("echo $$ > {pid}.tmp; mv {pid}.tmp {pid}; exec sleep 30");
    let (_home, pidfile, mut child) = watch_sh_until(&["--watch", "1s"], "pid", script, "");
    let app: u32 = read(&pidfile).trim().parse().unwrap();
    assert!(!dead(app));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        wait_until(Duration::from_secs(3), || dead(app)),
        "the command outlived kvault"
    );
    crate::harness::record(
        "supervisor",
        "kvault SIGKILLed under --watch",
        "the command gets SIGKILL (parent-death signal)",
    );
}

/// Under --watch kvault stays the command's parent: its credentials are
/// gone from /proc/<kvault>/environ (the command, root here, reads it), and
/// kvault is not dumpable, so a command of the same user without
/// CAP_SYS_PTRACE cannot read that file at all.
#[test]
fn watch_leaves_no_credentials_in_kvault_for_the_command_to_read() {
    let bao = OpenBao::start();
    bao.must(&["kv", "put", "secret/app/db", "pass=environ-1"]);
    let home = tempfile::tempdir().unwrap();
    // Writable by the unprivileged user of the second run.
    std::fs::set_permissions(
        home.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let run = |wrapper: &[&str], tag: &str| -> (String, String) {
        let out = home.path().join(format!("{tag}.environ"));
        let err = home.path().join(format!("{tag}.err"));
        let done = home.path().join(format!("{tag}.done"));
        let script = format!(
            "cat /proc/$PPID/environ > {} 2> {}; echo > {}; exec sleep 30",
            out.display(),
            err.display(),
            done.display()
        );
        let kvault = assert_cmd::cargo::cargo_bin("kvault");
        let mut cmd = std::process::Command::new(
            wrapper.first().copied().unwrap_or(kvault.to_str().unwrap()),
        );
        if !wrapper.is_empty() {
            cmd.args(&wrapper[1..]).arg(&kvault);
        }
        let mut child = cmd
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env("HOME", home.path())
            .env("VAULT_ADDR", &bao.addr)
            .env("VAULT_TOKEN", &bao.token)
            .env("VAULT_SECRET_ID", "secret-id-canary")
            .env("PASS", "vault:secret/app/db#pass")
            .args(["exec", "--watch", "1s", "--", "sh", "-c", &script])
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let ran = wait_until(Duration::from_secs(15), || done.exists());
        send(child.id(), nix::sys::signal::Signal::SIGTERM);
        let _ = exit_within(&mut child, Duration::from_secs(5));
        assert!(ran, "the command did not run ({tag})");
        (read(&out).replace('\0', "\n"), read(&err))
    };
    let root = nix::unistd::geteuid().is_root();
    let (environ, err) = run(&[], "same");
    if root {
        // Root with CAP_SYS_PTRACE reads it: the credentials are wiped.
        assert!(
            environ.contains("PASS=vault:secret/app/db#pass"),
            "{environ}{err}"
        );
        for leak in ["VAULT_TOKEN", &bao.token, "secret-id-canary"] {
            assert!(!environ.contains(leak), "{leak} in:\n{environ}");
        }
        // Same user, no CAP_SYS_PTRACE: kvault is not dumpable.
        let (environ, err) = run(
            &[
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--",
            ],
            "nobody",
        );
        assert!(environ.is_empty(), "{environ}");
        assert!(err.contains("Permission denied"), "{err}");
    } else {
        assert!(environ.is_empty(), "{environ}");
        assert!(err.contains("Permission denied"), "{err}");
    }
    crate::harness::record(
        "leak",
        "the command reads /proc/<kvault>/environ and mem",
        "no token there; kvault not dumpable",
    );
}

/// What execve cannot carry (a NUL byte, a variable over MAX_ARG_STRLEN, an
/// environment over ARG_MAX) fails before the command runs, exit 1, with
/// one line naming the variable and never the value. It was "cannot run
/// `sh`" (126) before.
#[test]
fn a_value_exec_cannot_carry_fails_before_the_command_runs_naming_the_variable() {
    let home = local_home();
    let canary = "ExecLimitCanary";
    let file = home.path().join("value");
    let put = |path: &str, value: &[u8]| {
        std::fs::write(&file, value).unwrap();
        kvault_clean(home.path())
            .run(&["put", path, &format!("v=@{}", file.display())])
            .success();
    };
    let mut big = canary.as_bytes().to_vec();
    big.resize(1024 * 1024, b'x');
    put("local:limits/big", &big);
    put("local:limits/nul", format!("{canary}\0tail").as_bytes());
    let mut large = canary.as_bytes().to_vec();
    large.resize(120_000, b'y');
    put("local:limits/large", &large);
    let marker = home.path().join("ran");
    let touch = ["exec", "--", "touch", marker.to_str().unwrap()];
    type Case<'a> = (&'a str, Vec<(String, String)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "BIG",
            vec![("BIG".into(), "local:limits/big#v".into())],
            "at most 131072",
        ),
        (
            "NUL",
            vec![("NUL".into(), "local:limits/nul#v".into())],
            "NUL byte",
        ),
        (
            "L00",
            (0..20)
                .map(|i| (format!("L{i:02}"), "local:limits/large#v".to_string()))
                .collect(),
            "ARG_MAX",
        ),
    ];
    for (var, env, why) in cases {
        let out = kvault_clean(home.path())
            .envs(env)
            .args(touch)
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{var}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(&format!("`{var}`")) && stderr.contains(why),
            "{stderr}"
        );
        assert!(
            !stderr.contains(canary) && !stderr.contains("xxxx"),
            "{stderr}"
        );
        assert!(!marker.exists(), "the command ran");
    }
}

/// Keys of a VAULT_ENV_FROM_PATH secret that cannot be variable names
/// (empty, holding `=` or NUL) are skipped with a warning naming the path
/// and the key's position, never the key: they neither override an
/// explicit variable nor stop the command.
#[test]
fn env_from_path_skips_keys_that_cannot_be_variable_names() {
    let bao = OpenBao::start();
    let body =
        r#"{"data":{"A=evil-key":"evil-value","":"empty-key","N\u0000UL":"nul","GOOD":"g"}}"#;
    let out = std::process::Command::new("curl")
        .args(["-sf", "-X", "POST", "-H"])
        .arg(format!("X-Vault-Token: {}", bao.token))
        .args(["--data-binary", body])
        .arg(format!("{}/v1/secret/data/envfrom", bao.addr))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = bao
        .kvault()
        .env("A", "explicit")
        .env("VAULT_ENV_FROM_PATH", "secret/envfrom")
        .exec_sh("echo \"$A|$GOOD\"");
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(text(&out.stdout), "explicit|g\n");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    assert_eq!(warnings.len(), 3, "{stderr}");
    assert!(
        warnings[0].starts_with("warning: VAULT_ENV_FROM_PATH `secret/envfrom`: key 1 of 4"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("evil") && !stderr.contains("empty-key"),
        "{stderr}"
    );
}

/// 3,000 references to 3,000 secrets resolve with at most a few reads in
/// flight at once: no EMFILE under a 256 file descriptor limit.
#[test]
fn three_thousand_references_resolve_within_a_256_file_limit() {
    let bao = OpenBao::start();
    let n = 3000;
    let mut config = String::new();
    for i in 0..n {
        if i > 0 {
            config.push_str("next\n");
        }
        config.push_str(&format!(
            "url = \"{}/v1/secret/data/many/{i}\"\nrequest = \"POST\"\nheader = \"X-Vault-Token: {}\"\ndata = \"{{\\\"data\\\":{{\\\"v\\\":\\\"v{i}\\\"}}}}\"\nsilent\nfail\noutput = \"/dev/null\"\n",
            bao.addr, bao.token
        ));
    }
    let file = bao.home.path().join("curl.conf");
    std::fs::write(&file, config).unwrap();
    let out = std::process::Command::new("curl")
        .arg("-K")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let kvault = assert_cmd::cargo::cargo_bin("kvault");
    let start = Instant::now();
    let mut cmd = std::process::Command::new("sh");
    let out = cmd
        .args(["-c", "ulimit -n 256 && exec \"$0\" \"$@\""])
        .arg(&kvault)
        .args(["-v", "exec", "--", "sh", "-c", "echo \"$V0000 $V2999\""])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", bao.home.path())
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", &bao.token)
        .envs((0..n).map(|i| (format!("V{i:04}"), format!("vault:secret/many/{i}#v"))))
        .output()
        .unwrap();
    eprintln!("3000 references: {:?}", start.elapsed());
    let stderr = text(&out.stderr);
    assert!(
        out.status.success(),
        "{}",
        &stderr[..stderr.len().min(2000)]
    );
    assert_eq!(text(&out.stdout), "v0 v2999\n");
    assert!(stderr.contains("reads=3000"), "{stderr}");
    crate::harness::record(
        "hostile input",
        "3,000 references at ulimit -n 256",
        "all resolved, no EMFILE",
    );
}

/// `--watch 0s` panicked (exec) or spun (sync): an interval under the
/// 100ms floor is a usage error, exit 2, in one line.
#[test]
fn a_watch_interval_under_the_floor_is_a_usage_error() {
    let home = local_home();
    for args in [
        vec!["exec", "--watch", "0s", "--", "true"],
        vec!["sync", "-f", "plan.yaml", "--watch", "0s"],
        vec!["exec", "--watch", "10ms", "--", "true"],
    ] {
        let out = kvault_clean(home.path()).args(&args).output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("shortest --watch interval"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
