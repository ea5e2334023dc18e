//! `kvault exec --watch`: the supervisor. Restarts on a changed value, token
//! renewal and re-login, every signal forwarded, orphans reaped, and no
//! credentials left where the command could read them.

use super::*;
use crate::process::{exit_within, kvault_process, read, send, wait_until};

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
