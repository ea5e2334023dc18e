//! `kvault sync --watch`: one failing entry does not stop the others, and
//! each run and target shows in the metrics.

use super::*;

/// kvault with the server's settings, and a plan of two entries (one whose
/// source is missing, one whose source holds TOKEN) for `sync -f`.
fn watch_one_good_one_missing(bao: &OpenBao, home: &Path) -> (std::process::Command, PathBuf) {
    bao.must(&["kv", "put", "secret/good", &format!("v={TOKEN}")]);
    let plan = home.join("plan.yaml");
    std::fs::write(
        &plan,
        "secrets:\n  - {source: vault:secret/missing, target: vault:secret/never}\n  - {source: vault:secret/good, target: vault:secret/copy}\n",
    )
    .unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("kvault"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", &bao.token);
    (cmd, plan)
}

/// In watch mode a failing entry does not stop the others, each run prints
/// one JSON line, and SIGTERM ends it with the last run's code.
#[test]
fn watch_mode_keeps_syncing_when_one_entry_fails() {
    let (bao, home) = (OpenBao::start(), tempfile::tempdir().unwrap());
    let (mut watch, plan) = watch_one_good_one_missing(&bao, home.path());
    let mut child = watch
        .args([
            "-vvv", "sync", "--watch", "300ms", "--jitter", "50", "-o", "json", "-f",
        ])
        .arg(&plan)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut all = String::new();
        std::io::Read::read_to_string(&mut std::io::BufReader::new(stderr), &mut all).unwrap();
        all
    });
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let mut child = Reap(child);
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    let next = || -> Value {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("a JSON line per run");
        serde_json::from_str(&line).unwrap()
    };
    let first = next();
    assert_eq!(
        (
            first["created"].as_i64(),
            first["errors"].as_array().map(Vec::len)
        ),
        (Some(1), Some(1))
    );
    bao.must(&["kv", "put", "secret/good", &format!("v={TOKEN_2}")]);
    let start = Instant::now();
    loop {
        let run = next();
        assert_eq!(run["errors"].as_array().unwrap().len(), 1);
        if run["updated"] == 1 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the change never synced"
        );
    }
    let copy: Value =
        serde_json::from_str(&bao.must(&["kv", "get", "-format=json", "secret/copy"])).unwrap();
    assert_eq!(copy["data"]["data"]["v"], TOKEN_2);
    std::process::Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(2), "the last run had a failure");
    let stderr = stderr.join().unwrap();
    assert!(stderr.contains("secret/missing"), "{stderr}");
    assert!(
        !stderr.contains(TOKEN) && !stderr.contains(TOKEN_2),
        "{stderr}"
    );
}

/// `--metrics-addr`: Prometheus metrics of the watch loop, one series per
/// target of the plan (never per value or version), and no value in them.
#[test]
fn watch_mode_serves_metrics_for_each_run_and_target() {
    let (bao, home) = (OpenBao::start(), tempfile::tempdir().unwrap());
    let (mut watch, plan) = watch_one_good_one_missing(&bao, home.path());
    let mut child = watch
        .args([
            "sync",
            "--watch",
            "200ms",
            "--metrics-addr",
            "127.0.0.1:0",
            "-o",
            "json",
            "-f",
        ])
        .arg(&plan)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let _child = Reap(child);
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split("metrics on http://")
                .nth(1)
                .map(|a| a.trim_end_matches("/metrics").to_string())
        })
        .expect("the metrics address on stderr");
    std::thread::spawn(move || for _ in lines {});
    let get = |path: &str| {
        let out = std::process::Command::new("curl")
            .args(["-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "5"])
            .arg(format!("http://{addr}{path}"))
            .output()
            .unwrap();
        let all = text(&out.stdout);
        let (body, code) = all.rsplit_once('\n').unwrap_or(("", "0"));
        (code.trim().parse::<u16>().unwrap_or(0), body.to_string())
    };
    let start = Instant::now();
    let metrics = loop {
        let (_, body) = get("/metrics");
        let failed_runs = body
            .lines()
            .find(|l| l.starts_with("kvault_sync_runs_total{result=\"failed\"}"))
            .and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .unwrap_or(0);
        if failed_runs >= 2 {
            break body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no runs counted: {body}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    for line in [
        "kvault_sync_target_version_lag{target=\"vault:secret/copy\"} 0",
        "kvault_sync_leader 1",
        "kvault_sync_target_writes_total 1",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "no `{line}` in:\n{metrics}"
        );
    }
    for prefix in [
        "kvault_sync_target_last_success_timestamp_seconds{target=\"vault:secret/copy\"} ",
        "kvault_sync_errors_total{kind=\"source\"} ",
        "kvault_sync_run_duration_seconds_count ",
    ] {
        assert!(
            metrics.lines().any(|l| l.starts_with(prefix)),
            "no `{prefix}` in:\n{metrics}"
        );
    }
    // The target that never synced has no success time.
    assert!(!metrics.contains("last_success_timestamp_seconds{target=\"vault:secret/never\"}"));
    assert!(!metrics.contains(TOKEN));
    assert_eq!(get("/readyz").0, 200);
    assert_eq!(get("/healthz"), (200, "ok\n".to_string()));
    assert_eq!(get("/secret").0, 404);
}
