//! `kvault exec`: references in the environment become values, then the
//! command replaces kvault.

use crate::harness::{assert_printed, kvault_clean, text, OpenBao, Run};
use predicates::prelude::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

mod watch;

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
